// Paste variants of a clean kernel log: the shapes a report takes on its way from the machine to a
// forum, a mail or a container log. Each function maps the clean text to the pasted text; the harness
// (paste_formats.test.ts) checks that diagnose reads both the same.

/** Splits text into lines without the final empty one. */
export function linesOf(text: string): string[] {
  const ls = text.split("\n");
  if (ls[ls.length - 1] === "") ls.pop();
  return ls;
}

const join = (ls: string[]) => `${ls.join("\n")}\n`;

/** Every line prefixed with the same string. */
export const prefixed = (prefix: string) => (text: string) => join(linesOf(text).map((l) => prefix + l));

/** The prefixes real tools put in front of printk text (each ends where the clean line starts). */
export const PREFIXES: Record<string, string> = {
  // rsyslog / syslog-ng "%b %e %T host kernel: " with a host name, and with the host replaced by "..."
  syslog: "Aug 12 03:54:03 web-01 kernel: ",
  "syslog-host-elided": "Aug 12 03:54:03 ... kernel: ",
  // journalctl -k -o short-precise and -o short-iso
  "journalctl-precise": "Aug 12 03:54:03.123456 web-01 kernel: ",
  "journalctl-iso": "2025-08-12T03:54:03+0200 web-01 kernel: ",
  // dmesg -T in the C, German, French, Japanese and Chinese locales (util-linux strftime "%a %b %e %T %Y")
  "dmesg-T-C": "[Tue Aug 12 03:54:03 2025] ",
  "dmesg-T-de": "[Di Aug 12 03:54:03 2025] ",
  "dmesg-T-fr": "[mar. août 12 03:54:03 2025] ",
  "dmesg-T-ja": "[火  8月 12 03:54:03 2025] ",
  "dmesg-T-zh": "[二 8月 12 03:54:03 2025] ",
  // Kubernetes CRI log file "<RFC3339Nano> <stream> <P|F> " (kubelet, containerd, CRI-O)
  "cri-F": "2024-01-01T00:00:00.000000000Z stderr F ",
  "cri-stdout": "2024-01-01T12:34:56.789012345+00:00 stdout F ",
  // kubectl logs --timestamps, docker logs -t
  "kubectl-timestamps": "2024-01-01T00:00:00.000000000Z ",
};

/** docker's json-file driver: one JSON object per line, the text with its newline in "log". */
export function dockerJson(text: string): string {
  return join(
    linesOf(text).map(
      (l) => `{"log":${JSON.stringify(`${l}\n`)},"stream":"stdout","time":"2024-01-01T00:00:00.000000000Z"}`,
    ),
  );
}

export const crlf = (text: string) => join(linesOf(text)).replace(/\n/g, "\r\n");

/** A web page's text copied as HTML source: &, <, > and " escaped. */
export const htmlEscaped = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Lines cut hard at width columns (forum software, terminals copied by column). */
export const hardWrapped = (width: number) => (text: string) => {
  const out: string[] = [];
  for (const l of linesOf(text)) {
    let s = l;
    while (s.length > width) {
      out.push(s.slice(0, width));
      s = s.slice(width);
    }
    out.push(s);
  }
  return join(out);
};

/** Lines broken at the last space at or before width (mail clients), a longer word at the space after
 *  it; the space at the break is dropped. */
export const softWrapped = (width: number) => (text: string) => {
  const out: string[] = [];
  for (const l of linesOf(text)) {
    let s = l;
    while (s.length > width) {
      // the last space that fits; a word longer than the line goes on a line of its own
      let cut = s.lastIndexOf(" ", width);
      if (cut <= 0 || s.slice(0, cut).trim() === "") cut = s.indexOf(" ", s.length - s.trimStart().length + 1);
      if (cut <= 0) break;
      out.push(s.slice(0, cut));
      s = s.slice(cut + 1);
    }
    out.push(s);
  }
  return join(out);
};

/** Messages of other subsystems that land between a report's lines in a real log. */
export const FOREIGN: string[] = [
  "usb 1-1: new high-speed USB device number 3 using xhci_hcd",
  "e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx",
  'audit: type=1400 audit(1700000000.123:42): apparmor="DENIED" operation="open" profile="snap"',
  "nfs: server filer01 not responding, still trying",
];

const STAMP = /^(?:\[\s*\d+\.\d+\] |\[[A-Za-z][^\]]{5,40}\] |[A-Z][a-z]{2} +\d{1,2} [\d:]{8} \S+ kernel: )/;

/** Every step-th line (from the second) followed by a foreign message with the line's own prefix. */
export const interleaved =
  (step = 7) =>
  (text: string) => {
    const out: string[] = [];
    const ls = linesOf(text);
    let k = 0;
    for (let i = 0; i < ls.length; i++) {
      out.push(ls[i]);
      if (i % step === 1) {
        // a dmesg stamp, a dmesg -T stamp or a syslog prefix (never a task row's "[  pid]")
        const prefix = STAMP.exec(ls[i])?.[0] ?? "";
        out.push(prefix + FOREIGN[k++ % FOREIGN.length]);
      }
    }
    return join(out);
  };

/** Another CPU's stack (an NMI backtrace) and a SLUB warning, as a block inside a report. */
export const FOREIGN_BLOCK: string[] = [
  "NMI backtrace for cpu 1",
  "CPU: 1 PID: 0 Comm: swapper/1 Not tainted 6.1.1-arch1-1 #1",
  "Call Trace:",
  " <IRQ>",
  " nmi_cpu_backtrace.cold+0x30/0x70",
  " </IRQ>",
  "SLUB: Unable to allocate memory on node -1, gfp=0xa20(GFP_ATOMIC)",
  "  cache: kmalloc-256, object size: 256, buffer size: 256, default order: 1, min order: 0",
  "  node 0: slabs: 1203, objs: 38496, free: 0",
  "r8169 0000:03:00.0 enp3s0: rtl_rxtx_empty_cond == 0 (loop: 42, delay: 100).",
];

/** FOREIGN_BLOCK after the n-th line of every report's body (counted from its header line). */
export const interleavedBlock =
  (n = 3) =>
  (text: string) => {
    const out: string[] = [];
    let since = -1;
    for (const l of linesOf(text)) {
      out.push(l);
      if (/invoked oom-killer|page allocation failure|oom-killer: gfp_mask|Mem-[Ii]nfo:/.test(l)) since = 0;
      else if (since >= 0 && ++since === n) {
        const prefix = STAMP.exec(l)?.[0] ?? "";
        for (const f of FOREIGN_BLOCK) out.push(prefix + f);
        since = -1;
      }
    }
    return join(out);
  };

export type Variant = (text: string) => string;

/** Every single-format variant by name. */
export const VARIANTS: Record<string, Variant> = {
  ...Object.fromEntries(Object.entries(PREFIXES).map(([k, p]) => [k, prefixed(p)])),
  "docker-json": dockerJson,
  crlf,
  "html-escaped": htmlEscaped,
  ...Object.fromEntries([72, 80, 100, 120].map((w) => [`hard-wrap-${w}`, hardWrapped(w)])),
  ...Object.fromEntries([72, 80, 100, 120].map((w) => [`soft-wrap-${w}`, softWrapped(w)])),
  interleaved: interleaved(),
  "interleaved-block": interleavedBlock(),
  // formats stacked as they come: a syslog excerpt from a mail, a forum page's source, a web form's CRLF
  "syslog+soft-wrap-80": (t) => softWrapped(80)(prefixed(PREFIXES.syslog)(t)),
  "dmesg-T-de+hard-wrap-100": (t) => hardWrapped(100)(prefixed(PREFIXES["dmesg-T-de"])(t)),
  "html+crlf+soft-wrap-72": (t) => crlf(htmlEscaped(softWrapped(72)(t))),
  "interleaved+hard-wrap-120": (t) => hardWrapped(120)(interleavedBlock()(t)),
  // a pod that follows the host's kernel log (journalctl -k -f, dmesg -T -w) under Kubernetes or docker
  "cri+journalctl": (t) => prefixed(PREFIXES["cri-F"] + PREFIXES["journalctl-precise"])(t),
  "docker-json+dmesg-T-ja": (t) => dockerJson(prefixed(PREFIXES["dmesg-T-ja"])(t)),
};
