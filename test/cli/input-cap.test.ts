// The cap on every input the CLI reads (--max-input-mb, default 256 MiB): a regular file over it is refused
// before reading, with its size; a stream (standard input, /dev/zero, a /proc file) is read only up to it.

import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main, type CliIo } from "../../bindings/cli/main.js";
import { nodeIo, readStreamCapped } from "../../bindings/cli/io.js";
import { DEFAULT_MAX_INPUT_MB, MIB } from "../../bindings/cli/args.js";
import { OomlabError } from "../../bindings/errors.js";

const CLI = new URL("../../dist/bindings/cli/main.js", import.meta.url).pathname;
const REPORT = readFileSync(new URL("../fixtures/seed-article-oom-report.txt", import.meta.url), "utf8");

/** A sparse file of the given size (no disk blocks are written). */
function sparseFile(bytes: number): string {
  const path = join(mkdtempSync(join(tmpdir(), "oomlab-cap-")), "big.log");
  writeFileSync(path, "");
  truncateSync(path, bytes);
  return path;
}

/** nodeIo with its output captured. */
async function capturedNodeIo(): Promise<CliIo & { stdout: string; stderr: string }> {
  const io = {
    ...(await nodeIo()),
    stdout: "",
    stderr: "",
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

async function rejection(p: Promise<unknown>): Promise<OomlabError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(OomlabError);
  return e as OomlabError;
}

describe("nodeIo reads at most the cap", () => {
  it("a regular file over the cap is refused before reading, naming the file, its size and the option", async () => {
    const path = sparseFile(DEFAULT_MAX_INPUT_MB * MIB + 1);
    const io = await nodeIo();
    const e = await rejection(io.readFile(path));
    expect(e.code).toBe("OOMLAB_INPUT_TOO_LARGE");
    expect(e.message).toBe(
      `${path} is 256 MiB (268435457 bytes), over the input cap of 256 MiB; --max-input-mb N raises it (up to 511)`,
    );
  });

  it("a file exactly at the cap is read whole", async () => {
    const path = sparseFile(MIB);
    expect((await (await nodeIo()).readFile(path, MIB)).length).toBe(MIB);
  });

  it("a character device without end (/dev/zero) stops at the cap", async () => {
    const e = await rejection((await nodeIo()).readFile("/dev/zero", 2 * MIB));
    expect(e.message).toBe("/dev/zero is larger than the input cap of 2 MiB; --max-input-mb N raises it (up to 511)");
  });

  it("a stream stops being read once it passes the cap", async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield new Uint8Array(64 * 1024);
      }
    }
    const e = await rejection(readStreamCapped(endless(), "standard input", MIB));
    expect(e.message).toBe(
      "standard input is larger than the input cap of 1 MiB; --max-input-mb N raises it (up to 511)",
    );
    expect(pulled).toBe(MIB / (64 * 1024) + 1);
    async function* parts() {
      yield "a";
      yield new TextEncoder().encode("é");
    }
    expect(await readStreamCapped(parts(), "x", 3)).toBe("aé");
  });

  it("unreadable files keep their message", async () => {
    const e = await rejection((await nodeIo()).readFile("/nonexistent/x.log"));
    expect([e.code, e.message]).toEqual(["OOMLAB_USAGE", "cannot read /nonexistent/x.log: ENOENT"]);
  });
});

describe("commands pass --max-input-mb to every read", () => {
  const big = sparseFile(MIB + 1);

  it.each([
    ["diagnose", ["diagnose", big, "--max-input-mb", "1"]],
    ["machine", ["machine", big, "--max-input-mb", "1"]],
    ["replay", ["replay", big, "--max-input-mb", "1"]],
  ])("%s: a file over --max-input-mb is exit 2 with the file, its size and the option", async (_, argv) => {
    const io = await capturedNodeIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr).toBe(
      `oomlab: ${big} is 1 MiB (1048577 bytes), over the input cap of 1 MiB; --max-input-mb N raises it (up to 511)\n`,
    );
  });

  it("snapshot: a /proc file over the cap is an error, not a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "oomlab-proc-cap-"));
    mkdirSync(join(dir, "sys", "vm"), { recursive: true });
    writeFileSync(join(dir, "version"), "Linux version 6.18.0 (gcc) #1 SMP\n");
    writeFileSync(join(dir, "zoneinfo"), "x".repeat(MIB + 1));
    const io = await capturedNodeIo();
    expect(await main(["snapshot", "--proc", dir, "--max-input-mb", "1"], io)).toBe(2);
    expect(io.stderr).toContain(`oomlab: ${dir}/zoneinfo is 1 MiB (1048577 bytes), over the input cap of 1 MiB`);
  });

  it("a file under the cap is diagnosed as before", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "oomlab-cap-")), "r.log");
    writeFileSync(path, REPORT);
    const io = await capturedNodeIo();
    expect(await main(["diagnose", path, "--max-input-mb", "1"], io)).toBe(0);
    expect(io.stdout).toContain("[fragmentation]");
  });
});

describe("the built CLI stops reading at the cap", () => {
  it("diagnose - < /dev/zero exits 2 after 1 MiB, and diagnose /dev/zero likewise", () => {
    const zero = openSync("/dev/zero", "r");
    try {
      const stdin = spawnSync(process.execPath, [CLI, "diagnose", "-", "--max-input-mb", "1"], {
        stdio: [zero, "pipe", "pipe"],
        encoding: "utf8",
      });
      expect([stdin.status, stdin.stderr]).toEqual([
        2,
        "oomlab: standard input is larger than the input cap of 1 MiB; --max-input-mb N raises it (up to 511)\n",
      ]);
    } finally {
      closeSync(zero);
    }
    const file = spawnSync(process.execPath, [CLI, "diagnose", "/dev/zero", "--max-input-mb", "1"], {
      encoding: "utf8",
    });
    expect([file.status, file.stderr]).toEqual([
      2,
      "oomlab: /dev/zero is larger than the input cap of 1 MiB; --max-input-mb N raises it (up to 511)\n",
    ]);
  });

  it("standard input under the cap is read whole through the worker", () => {
    const r = spawnSync(process.execPath, [CLI, "diagnose", "-", "--json"], { input: REPORT, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { reports: { file: string }[] }).reports.map((x) => x.file)).toEqual(["-"]);
  });
});
