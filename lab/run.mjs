// npm run lab [-- NAME...]: boots Debian's 6.1 kernel in QEMU (TCG) once per run of lab/runs.json and
// stores lab/runs/<name>/ as the lab run folder format says (README "Checked against Linux"; LABFORMAT).
// Tooling, not the library: it spawns gcc, mke2fs, qemu-system-x86_64 and xz.
import { execFileSync, spawn } from "node:child_process";
import { createCipheriv } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";
import { checkMd5sums, cpioNewc, readTar } from "./archive.mjs";
import {
  elfInterpreter,
  kernelInfo,
  probeJson,
  resultJson,
  runScript,
  summaryRow,
  validateRuns,
  workloadJson,
} from "./plan.mjs";

const LAB = path.dirname(fileURLToPath(import.meta.url));
const KREL = "6.1.0-50-amd64";
const KERNEL = `/boot/vmlinuz-${KREL}`;
const MODDIR = `/lib/modules/${KREL}`;
const BUSYBOX = "/bin/busybox";
const MEM_MIB = 256;
const CPUS = 1;
const OUT_DISK_MIB = 128;
const WATCHDOG_SECONDS = Number(process.env.OOMLAB_LAB_TIMEOUT ?? 1200);
// For experiments beside the committed runs: another run list, another folder for the run folders.
const RUN_LIST = process.env.OOMLAB_LAB_RUNS ?? path.join(LAB, "runs.json");
const RUNS_DIR = process.env.OOMLAB_LAB_OUT ?? path.join(LAB, "runs");
// Load order (modules.dep of 6.1.0-50): virtio core, PCI transport, block driver, then ext4 for /dev/vda
// (ext4_fill_super loads crc32c even for ext2).
const MODULES = [
  "kernel/drivers/virtio/virtio.ko",
  "kernel/drivers/virtio/virtio_ring.ko",
  "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
  "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
  "kernel/drivers/virtio/virtio_pci.ko",
  "kernel/drivers/block/virtio_blk.ko",
  "kernel/lib/crc16.ko",
  "kernel/fs/mbcache.ko",
  "kernel/fs/jbd2/jbd2.ko",
  "kernel/crypto/crc32c_generic.ko",
  "kernel/fs/ext4/ext4.ko",
];

function fail(message) {
  console.error(`lab: ${message}`);
  process.exit(2);
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? "").split(":")) if (dir && existsSync(path.join(dir, cmd))) return true;
  return false;
}

function checkTools() {
  const missing = [];
  if (!which("qemu-system-x86_64")) missing.push("qemu-system-x86_64 (apt-get install -y qemu-system-x86)");
  if (!existsSync(BUSYBOX)) missing.push(`${BUSYBOX} (apt-get install -y busybox-static)`);
  else if (elfInterpreter(readFileSync(BUSYBOX)) !== null)
    missing.push(`a static ${BUSYBOX}, not busybox's dynamic one (apt-get install -y busybox-static)`);
  if (!existsSync(KERNEL) || !existsSync(MODDIR))
    missing.push(`${KERNEL} and ${MODDIR} (apt-get install -y linux-image-${KREL}-unsigned)`);
  if (!which("gcc") || !existsSync("/usr/lib/x86_64-linux-gnu/libc.a"))
    missing.push("gcc -static (apt-get install -y gcc libc6-dev)");
  if (!which("mke2fs")) missing.push("mke2fs (apt-get install -y e2fsprogs)");
  if (!which("xz")) missing.push("xz (apt-get install -y xz-utils)");
  if (missing.length) fail(`missing ${missing.join("; ")}`);
}

function buildInitramfs(dir, runs) {
  const labtool = path.join(dir, "labtool");
  execFileSync("gcc", ["-static", "-O2", "-Wall", "-o", labtool, path.join(LAB, "src", "labtool.c")], {
    stdio: "inherit",
  });
  const entries = ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "proc", "sys", "dev", "modules", "runs"].map((p) => ({
    path: p,
    type: "dir",
  }));
  entries.push({ path: "bin/busybox", type: "file", mode: 0o755, data: readFileSync(BUSYBOX) });
  entries.push({ path: "bin/sh", type: "symlink", target: "busybox" });
  entries.push({ path: "bin/labtool", type: "file", mode: 0o755, data: readFileSync(labtool) });
  entries.push({ path: "init", type: "file", mode: 0o755, data: readFileSync(path.join(LAB, "init.sh")) });
  for (const m of MODULES)
    entries.push({ path: `modules/${path.basename(m)}`, type: "file", data: readFileSync(path.join(MODDIR, m)) });
  entries.push({ path: "modules/order", type: "file", data: MODULES.map((m) => path.basename(m)).join("\n") + "\n" });
  for (const run of runs) entries.push({ path: `runs/${run.name}.sh`, type: "file", data: runScript(run) });
  const file = path.join(dir, "initramfs.cpio.gz");
  writeFileSync(file, gzipSync(cpioNewc(entries)));
  return file;
}

/** An ext2 image holding /fill (pseudo-random, so no block is a hole) of the largest page-cache read. */
function buildDataDisk(dir, runs) {
  const mib = Math.max(1, ...runs.map((r) => r.params.cacheMiB ?? 0));
  const src = path.join(dir, "data");
  mkdirSync(src, { recursive: true });
  // AES-128-CTR of zeros under a zero key: deterministic bytes without a zero block.
  const cipher = createCipheriv("aes-128-ctr", Buffer.alloc(16), Buffer.alloc(16));
  const parts = [];
  for (let i = 0; i < mib; i++) parts.push(cipher.update(Buffer.alloc(1 << 20)));
  writeFileSync(path.join(src, "fill"), Buffer.concat(parts));
  const img = path.join(dir, "data.img");
  execFileSync("mke2fs", ["-q", "-F", "-t", "ext2", "-d", src, img, `${mib + 16 + Math.ceil(mib / 16)}M`]);
  return img;
}

function runVm(dir, initrd, dataImg, run) {
  const outImg = path.join(dir, `out-${run.name}.img`);
  writeFileSync(outImg, "");
  execFileSync("truncate", ["-s", `${OUT_DISK_MIB}M`, outImg]);
  const cmdline = `console=ttyS0 panic=-1 oomlab.run=${run.name}`;
  const args = [
    ...["-accel", "tcg", "-m", String(MEM_MIB), "-smp", String(CPUS), "-nographic", "-no-reboot"],
    ...["-kernel", KERNEL, "-initrd", initrd, "-append", cmdline],
    ...["-drive", `file=${dataImg},format=raw,if=virtio,readonly=on`],
    ...["-drive", `file=${outImg},format=raw,if=virtio`],
  ];
  const started = Date.now();
  let bootSeconds = null;
  const chunks = [];
  return new Promise((resolve, reject) => {
    const qemu = spawn("qemu-system-x86_64", args, { stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => {
      qemu.kill("SIGKILL");
      reject(new Error(`${run.name}: watchdog: the VM ran over ${WATCHDOG_SECONDS} s (OOMLAB_LAB_TIMEOUT)`));
    }, WATCHDOG_SECONDS * 1000);
    let tail = "";
    qemu.stdout.on("data", (b) => {
      chunks.push(b);
      tail = (tail + b.toString("latin1")).slice(-4096);
      if (bootSeconds === null && tail.includes("oomlab-lab: init up")) bootSeconds = (Date.now() - started) / 1000;
      const lines = tail.split("\n");
      tail = lines.pop();
      for (const l of lines)
        if (l.startsWith("oomlab-lab:") || l.startsWith("labtool")) console.log(`  ${run.name}: ${l.trim()}`);
    });
    qemu.stderr.on("data", (b) => process.stderr.write(b));
    qemu.on("error", (e) => reject(e));
    qemu.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal) return;
      if (code !== 0) return reject(new Error(`${run.name}: qemu exited with ${code}`));
      const console_ = Buffer.concat(chunks).toString("utf8").replace(/\r\n/g, "\n");
      resolve({ console: console_, outImg, cmdline, bootSeconds, runSeconds: (Date.now() - started) / 1000 });
    });
  });
}

function storeRun(run, vm) {
  const files = readTar(readFileSync(vm.outImg));
  const sums = files.get("MD5SUMS");
  if (!sums) {
    const panic = /Kernel panic - not syncing: [^\n]*/.exec(vm.console);
    throw new Error(
      `${run.name}: the VM wrote no MD5SUMS${panic ? ` (${panic[0]})` : ""}; its console is in the build dir`,
    );
  }
  const problems = checkMd5sums(sums.toString("utf8"), files);
  if (problems.length) throw new Error(`${run.name}: ${problems.join("; ")}`);
  if (files.has("error")) throw new Error(`${run.name}: ${files.get("error").toString("utf8").trim()}`);
  const dest = path.join(RUNS_DIR, run.name);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const phase of ["before", "mid", "after"])
    for (const f of ["buddyinfo", "pagetypeinfo", "zoneinfo", "vmstat"]) {
      const data = files.get(`${phase}-${f}`);
      if (!data) throw new Error(`${run.name}: ${phase}-${f} missing from the VM's archive`);
      writeFileSync(path.join(dest, `${phase}-${f}`), data);
    }
  const trace = gunzipSync(files.get("trace.txt.gz"));
  writeFileSync(
    path.join(dest, "trace.txt.xz"),
    execFileSync("xz", ["-9", "-c", "-T1"], { input: trace, maxBuffer: 1 << 30 }),
  );
  writeFileSync(path.join(dest, "console.log"), vm.console);
  const info = kernelInfo(files.get("vm-info").toString("utf8"));
  const text = (name) => files.get(name)?.toString("utf8") ?? "";
  const json = (v) => JSON.stringify(v, null, 2) + "\n";
  writeFileSync(path.join(dest, "workload.json"), json(workloadJson(run, info, { memMiB: MEM_MIB, cpus: CPUS })));
  writeFileSync(path.join(dest, "probe.json"), json(probeJson(run, info)));
  const result = resultJson(run, {
    probeResult: text("probe-result"),
    traceStats: text("trace-stats"),
    midVmstat: text("mid-vmstat"),
    afterVmstat: text("after-vmstat"),
    console: vm.console,
    bootSeconds: vm.bootSeconds,
    runSeconds: vm.runSeconds,
  });
  writeFileSync(path.join(dest, "result.json"), json(result));
  return result;
}

async function main() {
  const runs = validateRuns(JSON.parse(readFileSync(RUN_LIST, "utf8")));
  const wanted = process.argv.slice(2);
  for (const w of wanted) if (!runs.some((r) => r.name === w)) fail(`no run named "${w}" in ${RUN_LIST}`);
  const selected = wanted.length ? runs.filter((r) => wanted.includes(r.name)) : runs;
  checkTools();
  const dir = mkdtempSync(path.join(tmpdir(), "oomlab-lab-"));
  console.log(`lab: building in ${dir}`);
  const initrd = buildInitramfs(dir, runs);
  const dataImg = buildDataDisk(dir, runs);
  let failed = 0;
  const rows = ["| run | workload | probe | result | boot s | run s |", "|---|---|---|---|---|---|"];
  for (const run of selected) {
    console.log(`lab: ${run.name} (${run.workload} + ${run.probe.kind})`);
    try {
      const vm = await runVm(dir, initrd, dataImg, run);
      writeFileSync(path.join(dir, `${run.name}.console.log`), vm.console);
      const result = storeRun(run, vm);
      console.log(`lab: ${run.name}: ${JSON.stringify(result)}`);
      rows.push(summaryRow(run, result));
    } catch (e) {
      failed++;
      console.error(`lab: ${e instanceof Error ? e.message : e}`);
    }
  }
  console.log(rows.join("\n"));
  if (failed) {
    console.error(`lab: ${failed} run(s) failed; build dir kept: ${dir}`);
    process.exit(1);
  }
  rmSync(dir, { recursive: true, force: true });
  console.log(`lab: ${selected.length} run(s) stored in ${RUNS_DIR}: ${readdirSync(RUNS_DIR).length} in all`);
}

await main();
