// What-if settings (analyse/what_if.ts, cli/commands/diagnose.ts parseWhatIf): each value within the
// range of the kernel type or sysctl it models, or an error naming the key and the range, never a
// verdict computed from a number the engine wrapped.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagnose, type WhatIf } from "../../bindings/analyse/diagnose.js";
import { main, type CliIo } from "../../bindings/cli/main.js";
import { parseWhatIf } from "../../bindings/cli/commands/diagnose.js";
import { OomlabError } from "../../bindings/errors.js";

const SEED_REPORT = new URL("../fixtures/seed-article-oom-report.txt", import.meta.url).pathname;

function io(): CliIo & { stdout: string; stderr: string } {
  const o = {
    stdout: "",
    stderr: "",
    out(t: string) {
      o.stdout += t;
    },
    err(t: string) {
      o.stderr += t;
    },
    async readFile(p: string) {
      return readFileSync(p, "utf8");
    },
  };
  return o;
}

async function whatIf(setting: string): Promise<{ rc: number; stdout: string; stderr: string }> {
  const a = io();
  const rc = await main(["diagnose", SEED_REPORT, "--what-if", setting], a);
  return { rc, stdout: a.stdout, stderr: a.stderr };
}

describe("--what-if values outside the kernel's range are usage errors naming the key's range", () => {
  it.each([
    [
      "min_free_kbytes=99999999999",
      "oomlab: --what-if min_free_kbytes: 99999999999 is out of range: an int from 0 to 2147483647 " +
        "(vm.min_free_kbytes, proc_dointvec_minmax, extra1 SYSCTL_ZERO)\n",
    ],
    [
      "min_free_kbytes=-5",
      "oomlab: --what-if min_free_kbytes: -5 is out of range: an int from 0 to 2147483647 " +
        "(vm.min_free_kbytes, proc_dointvec_minmax, extra1 SYSCTL_ZERO)\n",
    ],
    [
      "min_free_kbytes=1e3",
      "oomlab: --what-if min_free_kbytes: '1e3' is not an int from 0 to 2147483647 " +
        "(vm.min_free_kbytes, proc_dointvec_minmax, extra1 SYSCTL_ZERO)\n",
    ],
    [
      "watermark_scale_factor=0",
      "oomlab: --what-if watermark_scale_factor: 0 is out of range: an int from 1 to 3000 " +
        "(vm.watermark_scale_factor, proc_dointvec_minmax, SYSCTL_ONE .. SYSCTL_THREE_THOUSAND)\n",
    ],
    ["watermark_scale_factor=3001", "oomlab: --what-if watermark_scale_factor: 3001 is out of range: an int from 1"],
    [
      "gfp=0x100000000",
      "oomlab: --what-if gfp: 0x100000000 is out of range: an integer from 0 to 0xffffffff (gfp_t, an unsigned int)\n",
    ],
    ["order=16", "oomlab: --what-if order: 16 is out of range: an integer from 0 to 15"],
    ["order=", "oomlab: --what-if order: '' is not an integer from 0 to 15"],
  ])("%s", async (setting, message) => {
    const r = await whatIf(setting);
    expect(r.rc).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.startsWith(message)).toBe(true);
  });

  it("an unknown key still names the keys", async () => {
    const r = await whatIf("min_free_kbyte=5");
    expect(r.rc).toBe(2);
    expect(r.stderr).toContain("--what-if needs KEY=VALUE with KEY one of min_free_kbytes, watermark_scale_factor,");
  });

  it("the largest min_free_kbytes (INT_MAX) is judged: every order fails at marks of 2^29 pages", async () => {
    const a = io();
    expect(await main(["diagnose", SEED_REPORT, "--json", "--what-if", "min_free_kbytes=2147483647"], a)).toBe(0);
    const w = JSON.parse(a.stdout).reports[0].whatIf;
    // 2.6.11: min = 2147483647 >> 2 pages = 536870911 pages (DMA is the only lowmem zone), low = min * 5 / 4
    expect(w.changes.marks[0].after).toEqual({ minKb: 536870911 * 4, lowKb: 671088638 * 4, highKb: 805306366 * 4 });
    expect(w.verdict.cause).not.toBe("unexplained");
    expect(JSON.stringify(w.verdict)).not.toMatch(/-> ok/);
  });

  it("hex and decimal values within range parse", () => {
    expect(parseWhatIf(["gfp=0xffffffff", "order=0", "min_free_kbytes=0", "watermark_scale_factor=3000"])).toEqual({
      gfp: 0xffffffff,
      order: 0,
      minFreeKbytes: 0,
      watermarkScaleFactor: 3000,
    });
  });
});

describe("DiagnoseOptions.whatIf through the API", () => {
  const text = readFileSync(SEED_REPORT, "utf8");
  it.each([
    [{ minFreeKbytes: 99999999999 }, "whatIf.minFreeKbytes 99999999999 is out of range: an int from 0 to 2147483647"],
    [{ minFreeKbytes: Number.NaN }, "whatIf.minFreeKbytes NaN is out of range"],
    [{ watermarkScaleFactor: 1e300 }, "whatIf.watermarkScaleFactor 1e+300 is out of range: an int from 1 to 3000"],
    [{ order: -1 }, "whatIf.order -1 is out of range: an integer from 0 to 15"],
    [{ minFreeKbyte: 5 }, "whatIf.minFreeKbyte is not a field of whatIf"],
  ])("%j is an OOMLAB_BAD_ARGUMENT: %s", (w, message) => {
    let err: unknown;
    try {
      diagnose(text, { whatIf: w as WhatIf });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OomlabError);
    expect((err as OomlabError).code).toBe("OOMLAB_BAD_ARGUMENT");
    expect((err as Error).message).toContain(message);
  });
});
