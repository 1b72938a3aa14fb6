// The lab's two archive formats, pure functions on bytes (tested in test/lab/archive.test.ts):
// the initramfs is a cpio "newc" archive the host writes (usr/gen_init_cpio.c and
// init/initramfs.c read the same 110-byte header), and the VM hands its files back as a ustar
// archive written by busybox tar onto a raw disk, with an MD5SUMS file the host checks.
import { createHash } from "node:crypto";

const CPIO_MAGIC = "070701";
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/**
 * A cpio newc archive of entries `{ path, type: "dir" | "file" | "symlink", mode?, data?, target? }`
 * (paths without a leading slash), ending with the TRAILER!!! entry. Headers and data are padded to 4 bytes.
 */
export function cpioNewc(entries) {
  const parts = [];
  let ino = 721;
  const push = (name, mode, data) => {
    const nameBytes = Buffer.from(name + "\0", "utf8");
    const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0];
    const header = CPIO_MAGIC + fields.map((v) => v.toString(16).padStart(8, "0")).join("");
    parts.push(Buffer.from(header, "ascii"), nameBytes);
    parts.push(Buffer.alloc(pad4(110 + nameBytes.length)));
    parts.push(data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    if (e.path.startsWith("/") || e.path === "") throw new Error(`cpio: path must be relative: "${e.path}"`);
    if (e.type === "dir") push(e.path, S_IFDIR | (e.mode ?? 0o755), Buffer.alloc(0));
    else if (e.type === "file") push(e.path, S_IFREG | (e.mode ?? 0o644), Buffer.from(e.data ?? ""));
    else if (e.type === "symlink") push(e.path, S_IFLNK | 0o777, Buffer.from(e.target, "utf8"));
    else throw new Error(`cpio: unknown entry type "${e.type}"`);
  }
  push("TRAILER!!!", 0, Buffer.alloc(0));
  return Buffer.concat(parts);
}

function pad4(n) {
  return (4 - (n % 4)) % 4;
}

/** Reads a newc archive back (for the tests): `[{ path, mode, data }]` without the trailer. */
export function readCpioNewc(buf) {
  const out = [];
  let off = 0;
  for (;;) {
    const magic = buf.toString("ascii", off, off + 6);
    if (magic !== CPIO_MAGIC) throw new Error(`cpio: bad magic at ${off}`);
    const field = (i) => Number.parseInt(buf.toString("ascii", off + 6 + 8 * i, off + 14 + 8 * i), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const path = buf.toString("utf8", off + 110, off + 110 + nameSize - 1);
    off += 110 + nameSize;
    off += pad4(off);
    if (path === "TRAILER!!!") return out;
    out.push({ path, mode, data: buf.subarray(off, off + size) });
    off += size + pad4(size);
  }
}

/**
 * The regular files of a ustar archive (busybox tar: POSIX ustar headers, names possibly "./x") as a Map
 * from name (without "./") to bytes. Stops at the first all-zero block; throws on a bad header checksum or
 * an archive cut short, so a half-written disk never passes for a complete one.
 */
export function readTar(buf) {
  const files = new Map();
  let off = 0;
  let longName = null;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return files;
    const stored = Number.parseInt(h.toString("ascii", 148, 156).replace(/\0.*$/s, "").trim(), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (stored !== sum) throw new Error(`tar: header checksum mismatch at byte ${off}`);
    const str = (a, b) => h.toString("utf8", a, b).replace(/\0.*$/s, "");
    const size = Number.parseInt(str(124, 136).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 0x30);
    const prefix = h.toString("ascii", 257, 262) === "ustar" ? str(345, 500) : "";
    let name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = null;
    off += 512;
    if (off + size > buf.length) throw new Error(`tar: "${name}" cut short (${size} bytes announced)`);
    const data = buf.subarray(off, off + size);
    off += Math.ceil(size / 512) * 512;
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    name = name.replace(/^\.\//, "");
    if ((type === "0" || type === "\0") && name !== "") files.set(name, Buffer.from(data));
  }
  throw new Error("tar: no end-of-archive block");
}

/** Checks an `md5sum` listing ("<hex>  <name>" lines) against the files; returns the problems found. */
export function checkMd5sums(listing, files) {
  const problems = [];
  const listed = new Set();
  for (const line of listing.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([0-9a-f]{32}) [ *](.+)$/.exec(line);
    if (!m) {
      problems.push(`MD5SUMS: unreadable line "${line}"`);
      continue;
    }
    const name = m[2].replace(/^\.\//, "");
    listed.add(name);
    const data = files.get(name);
    if (!data) problems.push(`${name}: listed in MD5SUMS but missing`);
    else if (createHash("md5").update(data).digest("hex") !== m[1]) problems.push(`${name}: MD5 mismatch`);
  }
  for (const name of files.keys())
    if (name !== "MD5SUMS" && !listed.has(name)) problems.push(`${name}: not in MD5SUMS`);
  return problems;
}
