// include/linux/version.ts: KERNEL_VERSION as the Makefile's version.h defines it, and the one parser
// of release strings (uname -r, dump_stack's utsname release) behind every era choice.

import { describe, expect, it } from "vitest";
import { KERNEL_VERSION, parseRelease, releaseCode } from "../../bindings/include/linux/version.js";

describe("KERNEL_VERSION", () => {
  it("is (a << 16) + (b << 8) + c", () => {
    expect(KERNEL_VERSION(2, 6, 11)).toBe(0x02060b);
    expect(KERNEL_VERSION(4, 4, 0)).toBe(0x040400);
    expect(KERNEL_VERSION(6, 18, 44)).toBe(0x06122c);
    expect(KERNEL_VERSION(6, 1)).toBe(KERNEL_VERSION(6, 1, 0));
  });

  it("clamps the sublevel at 255, so 4.9.337 stays below 4.10", () => {
    expect(KERNEL_VERSION(4, 9, 337)).toBe(KERNEL_VERSION(4, 9, 255));
    expect(KERNEL_VERSION(4, 9, 337)).toBeLessThan(KERNEL_VERSION(4, 10, 0));
  });

  it("orders releases as numbers: 2.6.39 < 3.0, 3.19 < 4.0, 5.19 < 6.0", () => {
    expect(KERNEL_VERSION(2, 6, 39)).toBeLessThan(KERNEL_VERSION(3, 0, 0));
    expect(KERNEL_VERSION(3, 19, 8)).toBeLessThan(KERNEL_VERSION(4, 0, 0));
    expect(KERNEL_VERSION(5, 19, 0)).toBeLessThan(KERNEL_VERSION(6, 0, 0));
  });
});

describe("parseRelease", () => {
  it.each<[string, number, number, number]>([
    ["2.6.11", 2, 6, 11],
    ["5.15.158-2-pve", 5, 15, 158],
    ["6.1.1-arch1-1", 6, 1, 1],
    ["3.10.0-514.16.1.el7.stable.v1.4", 3, 10, 0],
    ["2.6.14-rc2-gc90eef84", 2, 6, 14],
    ["2.6.31+frans2+mel-00002-g90702f9-dirty", 2, 6, 31],
    ["2.6.11.12", 2, 6, 11], // a 2.6.x.y stable release: the fourth number is not part of the era
    ["5.0.10-zb64-1bb762d31089+", 5, 0, 10],
    ["6.8.0+", 6, 8, 0],
    ["4.9", 4, 9, 0],
    ["5.2-rc7", 5, 2, 0],
    [" 6.18.44-fc-v669", 6, 18, 44],
    ["4.14.336", 4, 14, 336],
  ])("%s -> %i.%i.%i", (s, major, minor, patch) => {
    expect(parseRelease(s)).toEqual({ major, minor, patch, code: KERNEL_VERSION(major, minor, patch) });
  });

  it("keeps the printed sublevel but clamps the code", () => {
    const r = parseRelease("4.14.336");
    expect([r?.patch, r?.code]).toEqual([336, KERNEL_VERSION(4, 14, 255)]);
  });

  it.each([null, undefined, "", "unknown", "v6.1", "Linux 6.1", "6", "6.", ".6.1", "1000.1", "4.256", "2,6,11"])(
    "%j is no release",
    (s) => {
      expect(parseRelease(s)).toBeNull();
      expect(releaseCode(s)).toBeNull();
    },
  );
});
