// Inline SVG bar charts, built with DOM APIs (dom.ts): labels are text nodes, never markup.
import { num, s } from "./dom.js";

export interface Bar {
  label: string;
  value: number;
  /** Shown after the bar (the value with its unit, by default). */
  note?: string;
}

const ROW = 22;

/** Widths of the label, bar and note columns (px). */
export interface Layout {
  label: number;
  bar: number;
  note: number;
}
const WIDE: Layout = { label: 290, bar: 330, note: 170 };

/** A horizontal bar chart: one row per bar, bars scaled to the largest value. */
export function barChart(title: string, bars: Bar[], unit: string, layout: Layout = WIDE): SVGSVGElement {
  const { label: LABEL_W, bar: BAR_W, note: NOTE_W } = layout;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = bars.length * ROW + 8;
  const width = LABEL_W + BAR_W + NOTE_W;
  const svg = s("svg", {
    class: "chart",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": title,
  });
  svg.append(s("title", {}, title));
  bars.forEach((b, i) => {
    const y = 4 + i * ROW;
    const w = b.value > 0 ? Math.max(1, Math.round((b.value / max) * BAR_W)) : 0;
    const g = s("g", { class: "bar" });
    g.append(
      s("title", {}, `${b.label}: ${num(b.value)} ${unit}`),
      s("text", { x: LABEL_W - 6, y: y + 15, "text-anchor": "end" }, b.label),
      s("rect", { x: LABEL_W, y: y + 3, width: w, height: ROW - 6, rx: 2 }),
      s("text", { x: LABEL_W + w + 6, y: y + 15 }, b.note ?? `${num(b.value)} ${unit}`),
    );
    svg.append(g);
  });
  return svg;
}
