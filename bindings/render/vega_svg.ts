// A Vega-Lite spec to an SVG document: vega-lite compiles it to a Vega spec, vega lays it out and writes
// SVG without a browser (renderer "none": text widths are estimated, so no canvas or font is read). The
// same spec renders in a browser page unchanged. Deterministic: vega numbers the clip paths and gradients
// of an SVG from a counter shared by the process, reset before each rendering, so the same spec gives the
// same bytes whatever was drawn before. Text is escaped by vega (labels, titles, aria attributes).
// Vega compiles a spec's expressions to JavaScript with Function(), which a page's Content-Security-Policy
// without 'unsafe-eval' forbids (workers included): there, pass `expr`, an expression interpreter (the
// vega-interpreter package's expressionInterpreter), and vega evaluates the parsed expressions instead;
// the SVG is the same bytes.

import { parse, resetSVGDefIds, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Renders a spec to SVG text. Warnings of vega-lite and vega go to `warn` (default: dropped). */
export async function renderSvg(
  spec: TopLevelSpec,
  warn: (message: string) => void = () => {},
  opts: { expr?: unknown } = {},
): Promise<string> {
  const say = (...args: unknown[]) => warn(args.map(String).join(" "));
  let level = 0;
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: unknown[]) => {
      say(...a);
      return logger;
    },
    warn: (...a: unknown[]) => {
      say(...a);
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  const vg = compile(spec, { logger: logger as never }).spec;
  const runtime = opts.expr === undefined ? parse(vg) : parse(vg, undefined, { ast: true });
  const view = new View(runtime, { renderer: "none", logger: logger as never, logLevel: 2, expr: opts.expr });
  try {
    resetSVGDefIds();
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
