// The plots of a sweep as Vega-Lite specs: plain JSON built from the rows analyse/sweep_plots.ts computed
// (this module computes nothing; the specs only say how rows become marks). The same specs render to SVG in
// Node (render/vega_svg.ts) and in a browser page with vega-embed, unchanged. A chart is made only when its
// rows exist: success % needs the success_pct metric, the others the series (sampleEvery > 0) or the
// pageblock map that comes with them.

import type { TopLevelSpec } from "vega-lite";
import type { PageblockClass, SweepPlotData } from "../analyse/sweep_plots.js";

/** One chart: a file name (no extension), its title, the question it answers, and the spec. */
export interface PlotSpec {
  name: string;
  title: string;
  question: string;
  spec: TopLevelSpec;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
/** Cell colours: 20 distinct hues (the default scheme repeats after 10, and a sweep often has more cells). */
const CELL_COLOURS = "tableau20";
/** Pageblocks per row of the pageblock map. */
export const PAGEBLOCKS_PER_ROW = 64;
/** Facets per row of the charts drawn once per cell. */
const COLUMNS = 3;

/** Colours of the pageblock classes (hole: the background). */
const CLASS_COLOURS: Record<PageblockClass, string> = {
  Unmovable: "#d62728",
  Movable: "#1f77b4",
  Reclaimable: "#ff7f0e",
  HighAtomic: "#9467bd",
  CMA: "#17becf",
  Isolate: "#8c564b",
  "mixed requests": "#e377c2",
  free: "#888888",
  reserved: "#444444",
  hole: "#ffffff",
};

/** The cells' labels in legend order (a nominal scale's domain: colours keep the cells' order). */
function cellSort(d: SweepPlotData): string[] {
  return d.cells.map((c) => c.label);
}

/** A file name part from a label (zone names are [A-Za-z0-9.]; anything else becomes "_"). */
function fileSafe(s: string): string {
  return s.replace(/[^\w.-]/g, "_");
}

/** The subtitle's note when the per-cell charts leave cells out. */
function panelNote(d: SweepPlotData): string {
  return d.panelCells < d.cells.length ? `; the first ${d.panelCells} of ${d.cells.length} cells` : "";
}

/** Success % per order and cell: the mean over seeds as a bar, its 95% interval as a rule. */
export function successPctSpec(d: SweepPlotData): TopLevelSpec {
  const cell = {
    field: "cell",
    type: "nominal",
    title: "cell",
    sort: cellSort(d),
  } as const;
  return {
    $schema: SCHEMA,
    title: { text: "Success % per order", subtitle: "mean over seeds, 95% interval (Student t)" },
    data: { values: d.successPct },
    width: { step: 14 },
    height: 220,
    encoding: {
      x: { field: "order", type: "ordinal", title: "order", axis: { labelAngle: 0 } },
      xOffset: { ...cell },
    },
    layer: [
      {
        mark: "bar",
        encoding: {
          y: { field: "mean", type: "quantitative", title: "success %" },
          color: { ...cell, scale: { scheme: CELL_COLOURS }, legend: { orient: "bottom", columns: 1, labelLimit: 0 } },
          tooltip: [
            { field: "cell", type: "nominal" },
            { field: "order", type: "ordinal" },
            { field: "n", type: "quantitative" },
            { field: "mean", type: "quantitative", format: ".3f" },
          ],
        },
      },
      {
        mark: { type: "rule", color: "black" },
        transform: [{ filter: "isValid(datum.ciLow) && isValid(datum.ciHigh)" }],
        encoding: {
          y: { field: "ciLow", type: "quantitative" },
          y2: { field: "ciHigh" },
        },
      },
    ],
  } as TopLevelSpec;
}

/** Free pages of one zone over time inside the watermark band, one panel per cell (means over seeds). */
export function watermarkSpec(d: SweepPlotData, zone: string): TopLevelSpec {
  const x = { field: "ops", type: "quantitative", title: "operations" } as const;
  return {
    $schema: SCHEMA,
    title: {
      text: `Free pages against the watermarks: ${zone}`,
      subtitle: `mean over seeds; shaded: min to high; symlog scale${panelNote(d)}`,
    },
    data: { values: d.watermarks.filter((p) => p.zone === zone) },
    facet: { field: "cell", type: "nominal", title: null, sort: cellSort(d), header: { labelLimit: 0 } },
    columns: COLUMNS,
    spec: {
      width: 260,
      height: 160,
      layer: [
        {
          mark: { type: "area", color: "#bbbbbb", opacity: 0.35 },
          encoding: {
            x,
            y: { field: "min", type: "quantitative", title: "pages", scale: { type: "symlog" } },
            y2: { field: "high" },
          },
        },
        {
          transform: [{ fold: ["free", "min", "low", "high"], as: ["line", "pages"] }],
          mark: { type: "line", strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: "pages", type: "quantitative" },
            color: {
              field: "line",
              type: "nominal",
              title: null,
              scale: { domain: ["free", "min", "low", "high"], range: ["#1f77b4", "#d62728", "#ff7f0e", "#2ca02c"] },
            },
            strokeDash: {
              field: "line",
              type: "nominal",
              scale: {
                domain: ["free", "min", "low", "high"],
                range: [
                  [1, 0],
                  [4, 2],
                  [4, 2],
                  [4, 2],
                ],
              },
              legend: null,
            },
          },
        },
      ],
    },
  } as TopLevelSpec;
}

/** Free blocks per order over time as a heat map, one panel per cell (means over seeds, symlog colour). */
export function nrFreeSpec(d: SweepPlotData): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: {
      text: "Free blocks per order over time",
      subtitle: `mean over seeds, summed over zones${panelNote(d)}`,
    },
    data: { values: d.nrFree },
    facet: { field: "cell", type: "nominal", title: null, sort: cellSort(d), header: { labelLimit: 0 } },
    columns: COLUMNS,
    resolve: { scale: { x: "independent" } },
    spec: {
      width: 260,
      height: 150,
      mark: { type: "rect", aria: false },
      encoding: {
        x: { field: "ops", type: "ordinal", title: "operations", axis: { labelOverlap: true, labelAngle: -45 } },
        y: { field: "order", type: "ordinal", title: "order", sort: "descending" },
        color: {
          field: "mean",
          type: "quantitative",
          title: "free blocks",
          scale: { type: "symlog", scheme: "viridis" },
        },
      },
    },
  } as TopLevelSpec;
}

/** The unusable free space index at the huge order over time, a line per cell with its 95% band. */
export function unusableSpec(d: SweepPlotData): TopLevelSpec {
  const x = { field: "ops", type: "quantitative", title: "operations" } as const;
  const cell = {
    field: "cell",
    type: "nominal",
    title: "cell",
    sort: cellSort(d),
    scale: { scheme: CELL_COLOURS },
  } as const;
  return {
    $schema: SCHEMA,
    title: {
      text: `Unusable free space index at order ${d.unusableOrder}`,
      subtitle: "mm/vmstat.c unusable_free_index x 1000; mean over seeds, 95% band",
    },
    data: { values: d.unusable },
    facet: { column: { field: "zone", type: "nominal", title: "zone" } },
    spec: {
      width: 420,
      height: 220,
      encoding: { x, color: { ...cell, legend: { orient: "bottom", columns: 1, labelLimit: 0 } } },
      layer: [
        {
          transform: [{ filter: "isValid(datum.ciLow) && isValid(datum.ciHigh)" }],
          mark: { type: "area", opacity: 0.2, aria: false },
          encoding: {
            y: { field: "ciLow", type: "quantitative", title: "unusable index (/1000)" },
            y2: { field: "ciHigh" },
          },
        },
        {
          mark: { type: "line", point: { aria: false }, aria: false },
          encoding: { y: { field: "mean", type: "quantitative" } },
        },
      ],
    },
  } as TopLevelSpec;
}

/** The final pageblock map of each cell (seed index 0): a square per pageblock, coloured by class,
 *  pale when wholly free; PAGEBLOCKS_PER_ROW per row, pfn order. */
export function pageblockSpec(d: SweepPlotData): TopLevelSpec {
  const classes = d.pageblockClasses;
  return {
    $schema: SCHEMA,
    title: {
      text: "Pageblocks at the end",
      subtitle: `seed index 0; ${PAGEBLOCKS_PER_ROW} pageblocks a row in pfn order; pale: wholly free${panelNote(d)}`,
    },
    data: { values: d.pageblocks },
    transform: [
      { calculate: `datum.pageblock % ${PAGEBLOCKS_PER_ROW}`, as: "column" },
      { calculate: `floor(datum.pageblock / ${PAGEBLOCKS_PER_ROW})`, as: "row" },
    ],
    facet: { field: "cell", type: "nominal", title: null, sort: cellSort(d), header: { labelLimit: 0 } },
    columns: COLUMNS,
    resolve: { scale: { y: "independent" } },
    spec: {
      width: { step: 6 },
      height: { step: 6 },
      mark: { type: "rect", strokeWidth: 0, aria: false },
      encoding: {
        x: { field: "column", type: "ordinal", axis: null },
        y: { field: "row", type: "ordinal", axis: null },
        color: {
          field: "class",
          type: "nominal",
          title: "pageblock",
          legend: { labelLimit: 0 },
          scale: { domain: classes, range: classes.map((c) => CLASS_COLOURS[c]) },
        },
        opacity: {
          field: "free",
          type: "ordinal",
          title: "wholly free",
          scale: { domain: [false, true], range: [1, 0.35] },
          legend: { labelExpr: "datum.label == 'true' ? 'yes' : 'no'", symbolType: "square" },
        },
      },
    },
  } as TopLevelSpec;
}

/** The charts the data allow, in the order a report shows them. */
export function sweepPlotSpecs(d: SweepPlotData): PlotSpec[] {
  const out: PlotSpec[] = [];
  if (d.successPct.length)
    out.push({
      name: "success-pct",
      title: "Success % per order",
      question:
        "Which policy satisfies more requests of each order, and is the difference larger than the seeds' spread?",
      spec: successPctSpec(d),
    });
  if (d.unusable.length)
    out.push({
      name: `unusable-order${d.unusableOrder}`,
      title: `Unusable free space index at order ${d.unusableOrder}`,
      question: "How much of the free memory is useless to a huge-page request as the run goes on?",
      spec: unusableSpec(d),
    });
  for (const zone of d.zones)
    out.push({
      name: `free-pages-${fileSafe(zone)}`,
      title: `Free pages against the watermarks: ${zone}`,
      question: "Does free memory stay above low (kswapd asleep), and how often does it reach min?",
      spec: watermarkSpec(d, zone),
    });
  if (d.nrFree.length)
    out.push({
      name: "nr-free",
      title: "Free blocks per order over time",
      question: "Which orders run out of free blocks, and when?",
      spec: nrFreeSpec(d),
    });
  if (d.pageblocks.length)
    out.push({
      name: "pageblocks",
      title: "Pageblocks at the end",
      question: "Where did unmovable allocations land: grouped in few pageblocks, or spread over many?",
      spec: pageblockSpec(d),
    });
  return out;
}
