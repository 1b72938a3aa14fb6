// The paste formats lines.ts reads on a single line: dmesg -T in any locale, Kubernetes CRI log files,
// docker's json-file lines and HTML-escaped text (the corpus-wide check is paste_formats.test.ts).

import { describe, expect, it } from "vitest";
import { parseReports } from "../../bindings/parse/reports.js";
import { splitLines, stripPrefixes, unescapeHtml } from "../../bindings/parse/lines.js";

const HEADER = "python invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0";

describe("line prefixes of every paste", () => {
  it("strips dmesg -T stamps whose month holds digits (ja_JP, zh_CN, ko_KR)", () => {
    for (const p of ["[火  8月 12 03:54:03 2025] ", "[二 8月 12 03:54:03 2025] ", "[화  8월 12 03:54:03 2025] "])
      expect(stripPrefixes(p + HEADER).text).toBe(HEADER);
  });

  it("strips Kubernetes CRI prefixes, full and partial lines, with a dmesg stamp inside", () => {
    const l = splitLines(`2024-01-01T00:00:00.000000000Z stderr F [  127.150370] ${HEADER}\n`)[0];
    expect(l).toMatchObject({ line: 1, text: HEADER, time: 127.15037 });
    expect(stripPrefixes(`2024-01-01T12:34:56.789+00:00 stdout P ${HEADER}`).text).toBe(HEADER);
  });
});

describe("docker's json-file lines", () => {
  it("reads the log field with its JSON escapes and keeps the physical line", () => {
    const raw =
      '{"log":"[    5.000001] a\\tb \\"q\\" \\u003cTASK\\u003e\\n","stream":"stderr","time":"2024-01-01T00:00:00Z"}';
    const [l] = splitLines(`${raw}\r\n`);
    // \t becomes a space like every TAB; \u003c is "<"
    expect(l).toMatchObject({ line: 1, raw, text: 'a b "q" <TASK>', time: 5.000001 });
  });

  it("splits a log field holding several lines, all on the same physical line", () => {
    const ls = splitLines('{"log":"one\\ntwo\\n","stream":"stdout"}\n');
    expect(ls.map((l) => [l.line, l.text])).toEqual([
      [1, "one"],
      [1, "two"],
    ]);
  });

  it("leaves a broken JSON line as it is", () => {
    expect(splitLines('{"log":"unterminated\n')[0].text).toBe('{"log":"unterminated');
  });
});

describe("HTML-escaped text", () => {
  it("unescapes the entities once, numeric ones too", () => {
    expect(unescapeHtml("e100: PCI INT A -&gt; Link &amp;x &lt;TASK&gt; &quot;&#39;&#x41;")).toBe(
      "e100: PCI INT A -> Link &x <TASK> \"'A",
    );
    expect(unescapeHtml("&amp;gt;")).toBe("&gt;");
    expect(unescapeHtml("R&D mode:0x20")).toBeNull();
  });

  it("warns once, at the first escaped line, and reads the report", () => {
    const text = `${HEADER}\n &lt;TASK&gt;\n dump_stack+0x67/0x8e\n &lt;/TASK&gt;\nMem-Info:\n`;
    const r = parseReports(text);
    expect(r.reports[0].trigger?.comm).toBe("python");
    expect(r.warnings.filter((w) => w.message.startsWith("HTML entities"))).toEqual([
      { line: 2, message: "HTML entities unescaped (&gt;, &lt;, &amp;): text copied from a page's source" },
    ]);
  });
});

describe("another CPU's stack inside a report", () => {
  const own = "CPU: 3 PID: 2733 Comm: python Not tainted 5.10.0 #1";
  const other = ["NMI backtrace for cpu 1", "CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.1.1 #1", "Call Trace:"];

  it("names neither the trigger nor the release", () => {
    // a report without a dump_stack of its own (2.6.x): the NMI block's CPU line is not its trigger
    const r = parseReports(["oom-killer: gfp_mask=0xd0, order=0", ...other, "Mem-info:"].join("\n")).reports[0];
    expect(r).toMatchObject({ trigger: null, kernelVersion: null });
    const s = parseReports([HEADER, ...other, own, "Mem-Info:"].join("\n")).reports[0];
    // a limit: a CPU line before any line of the report's own ends the block is taken as the block's,
    // so when the report's own dump_stack follows another CPU's stack its pid stays unknown
    expect(s.trigger).toEqual({ comm: "python", pid: null });
  });

  it("ends at the report's own lines", () => {
    const t = [HEADER, own, ...other, "Mem-Info:", "CPU: 2 PID: 7 Comm: other Not tainted 4.9.0 #1"].join("\n");
    expect(parseReports(t).reports[0]).toMatchObject({
      trigger: { comm: "python", pid: 2733 },
      kernelVersion: "5.10.0",
    });
  });
});
