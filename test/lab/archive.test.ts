// lab/archive.mjs: the initramfs writer (cpio newc) and the reader of what the VM hands back (ustar plus
// MD5SUMS), on hand-built archives. No QEMU.
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkMd5sums, cpioNewc, readCpioNewc, readTar } from "../../lab/archive.mjs";

/** A ustar header as POSIX lays it out (name 0..100, mode, uid, gid, size 124, mtime, chksum 148, type 156). */
function tarHeader(name: string, size: number, type = "0"): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  h.write("00000000000\0", 136);
  h.write(type, 156);
  h.write("ustar\0" + "00", 257);
  h.fill(32, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

function tar(files: [string, Buffer][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, data] of files) {
    parts.push(tarHeader(name, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");

describe("cpioNewc", () => {
  it("writes the 110-byte newc header, the name with its NUL, and pads name and data to 4 bytes", () => {
    const buf = cpioNewc([{ path: "init", type: "file", mode: 0o755, data: "abc" }]);
    // Entry 1: header 110 + "init\0" 5 = 115, padded to 116; data 3 padded to 4: 120 bytes.
    // Trailer: 110 + "TRAILER!!!\0" 11 = 121, padded to 124; no data. Total 244.
    expect(buf.length).toBe(244);
    const header = buf.toString("ascii", 0, 110);
    expect(header.slice(0, 6)).toBe("070701");
    expect(header.slice(14, 22)).toBe((0o100755).toString(16).padStart(8, "0")); // c_mode: S_IFREG | 0755
    expect(header.slice(54, 62)).toBe("00000003"); // c_filesize
    expect(header.slice(94, 102)).toBe("00000005"); // c_namesize, NUL included
    expect(buf.toString("ascii", 110, 115)).toBe("init\0");
    expect(buf.toString("ascii", 116, 119)).toBe("abc");
    expect(buf.toString("ascii", 120 + 110, 120 + 120)).toBe("TRAILER!!!");
  });

  it("stores directories and symlinks (the link target is the data)", () => {
    const back = readCpioNewc(
      cpioNewc([
        { path: "bin", type: "dir" },
        { path: "bin/sh", type: "symlink", target: "busybox" },
      ]),
    );
    expect(back.map((e) => [e.path, e.mode.toString(8), e.data.toString()])).toEqual([
      ["bin", "40755", ""],
      ["bin/sh", "120777", "busybox"],
    ]);
  });

  it("rejects absolute paths", () => {
    expect(() => cpioNewc([{ path: "/init", type: "file", data: "" }])).toThrow(/relative/);
  });

  it("reads back what it wrote, for any names and contents", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({ path: fc.stringMatching(/^[a-z][a-z0-9._/-]{0,40}$/), data: fc.uint8Array({ maxLength: 70 }) }),
          { selector: (e) => e.path, maxLength: 8 },
        ),
        (files) => {
          const buf = cpioNewc(files.map((f) => ({ path: f.path, type: "file" as const, data: f.data })));
          expect(buf.length % 4).toBe(0);
          const back = readCpioNewc(buf);
          expect(back.map((e) => [e.path, [...e.data]])).toEqual(files.map((f) => [f.path, [...f.data]]));
        },
      ),
    );
  });
});

describe("readTar", () => {
  it("returns the regular files by name without ./, across 512-byte padding", () => {
    const big = Buffer.alloc(1300, 7); // 1300 bytes: 3 blocks of data, 236 bytes of padding
    const files = readTar(
      tar([
        ["./a", Buffer.from("hello")],
        ["./trace.txt.gz", big],
      ]),
    );
    expect([...files.keys()]).toEqual(["a", "trace.txt.gz"]);
    expect(files.get("a")!.toString()).toBe("hello");
    expect(files.get("trace.txt.gz")!.equals(big)).toBe(true);
  });

  it("skips directory entries", () => {
    const buf = Buffer.concat([tarHeader("./", 0, "5"), tar([["./x", Buffer.from("1")]])]);
    expect([...readTar(buf).keys()]).toEqual(["x"]);
  });

  it("refuses a header whose checksum is wrong, an archive cut short, or one without an end block", () => {
    const good = tar([["./a", Buffer.alloc(600, 1)]]);
    const corrupt = Buffer.from(good);
    corrupt[0] ^= 1;
    expect(() => readTar(corrupt)).toThrow(/checksum/);
    expect(() => readTar(good.subarray(0, 512 + 512))).toThrow(/cut short/);
    expect(() => readTar(good.subarray(0, 512 * 3))).toThrow(/end-of-archive/);
  });

  it("reads an archive followed by the rest of a zeroed disk image", () => {
    const disk = Buffer.concat([tar([["./a", Buffer.from("x")]]), Buffer.alloc(64 * 1024)]);
    expect(readTar(disk).get("a")!.toString()).toBe("x");
  });
});

describe("checkMd5sums", () => {
  const a = Buffer.from("alpha");
  const b = Buffer.from("beta");
  const files = new Map([
    ["a", a],
    ["b", b],
    ["MD5SUMS", Buffer.alloc(0)],
  ]);

  it("passes when every file is listed with its digest (md5sum's two spaces)", () => {
    expect(checkMd5sums(`${md5(a)}  a\n${md5(b)}  b\n`, files)).toEqual([]);
  });

  it("names a mismatch, a listed file that is missing, and a file not listed", () => {
    const listing = `${md5(b)}  a\n${md5(b)}  gone\n`;
    expect(checkMd5sums(listing, files)).toEqual([
      "a: MD5 mismatch",
      "gone: listed in MD5SUMS but missing",
      "b: not in MD5SUMS",
    ]);
  });
});
