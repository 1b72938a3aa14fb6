// kernel-build: a parallel build as the allocator sees it. `jobs` compiler processes run, `parallel`
// at a time, in round-robin steps. Each job starts with a kernel stack (order 2, THREAD_SIZE 16 KiB),
// then per step either faults `anonChunk` anonymous pages (its heap; up to anonPages in total, a
// uniform draw from anonMinPages .. anonMaxPages), makes one short-lived unmovable kernel allocation
// (orders from kernelOrders; freed a few steps later or at exit), allocates a reclaimable slab page
// (dentries and inodes: they outlive the job), or reads source pages into the page cache (kept,
// shared by later jobs), and at its end writes objPages of object file (dirty page cache) and exits:
// its anonymous memory, page tables, stack and kernel allocations are freed. On the 6.18 kernel
// model, 1 ms of simulated time per step.

import { FolioKind } from "../../linux-6.18/include/linux/mm_inline.js";
import type { Task618 } from "../../linux-6.18/include/linux/mm_types.js";
import { WeightedPick } from "../params.js";
import { defineWorkload } from "./types.js";

export interface KernelBuildParams {
  jobs: number;
  parallel: number;
  anonMinPages: number;
  anonMaxPages: number;
  anonChunk: number;
  kernelOrders: Record<string, number>;
  kernelPercent: number;
  slabPercent: number;
  readPercent: number;
  readPages: number;
  objPages: number;
}

interface Job {
  task: Task618;
  anonLeft: number;
  /** Its live kernel allocations (pfn, order), freed a few steps later or at exit. */
  kernel: [number, number][];
}

export const kernelBuild = defineWorkload<KernelBuildParams>({
  name: "kernel-build",
  runsOn: "kernel",
  parse(p, m) {
    const orderKeys = Array.from({ length: Math.min(m.maxOrder, 4) }, (_, o) => String(o));
    const anonMinPages = p.int("anonMinPages", 2048, 0, 2 ** 24);
    const out = {
      jobs: p.int("jobs", 64, 1, 1_000_000),
      parallel: p.int("parallel", 4, 1, 1024),
      anonMinPages,
      anonMaxPages: p.int("anonMaxPages", 8192, 0, 2 ** 24),
      anonChunk: p.int("anonChunk", 64, 1, 2 ** 20),
      kernelOrders: p.weights("kernelOrders", { 0: 60, 1: 20, 2: 15, 3: 5 }, orderKeys),
      kernelPercent: p.int("kernelPercent", 30, 0, 100),
      slabPercent: p.int("slabPercent", 5, 0, 100),
      readPercent: p.int("readPercent", 15, 0, 100),
      readPages: p.int("readPages", 16, 1, 2 ** 20),
      objPages: p.int("objPages", 64, 0, 2 ** 20),
    };
    if (out.anonMaxPages < anonMinPages)
      throw p.error("anonMaxPages", `must be at least anonMinPages (${anonMinPages})`);
    if (out.kernelPercent + out.slabPercent + out.readPercent > 100)
      throw p.error("readPercent", "with kernelPercent and slabPercent must add up to at most 100");
    return out;
  },
  run({ kernel, rec, rng }, p) {
    const k = kernel as NonNullable<typeof kernel>;
    const orders = new WeightedPick(p.kernelOrders, Number);
    const running: Job[] = [];
    let started = 0;
    let done = 0;
    let nextPid = 2000;
    const start = (): void => {
      const task = k.addTask({ pid: nextPid++, comm: "cc1" });
      const span = p.anonMaxPages - p.anonMinPages + 1;
      running.push({ task, anonLeft: p.anonMinPages + (rng() % span), kernel: [] });
      started++;
      k.current = task;
      k.allocKernel(2, { owner: task.pid, kind: FolioKind.KernelStack });
    };
    const freeKernel = (job: Job, i: number): void => {
      const [pfn, order] = job.kernel[i];
      job.kernel[i] = job.kernel[job.kernel.length - 1];
      job.kernel.pop();
      // a block compaction moved is no longer at pfn: kernel blocks are unmovable, so it is
      if (k.machine.blockAt(pfn)?.owner === job.task.pid) {
        k.freePages(pfn, order);
        rec.free();
      }
    };
    const finish = (at: number): void => {
      const job = running[at];
      k.current = job.task;
      if (p.objPages > 0) k.readFile(p.objPages, { dirty: true });
      if (!job.task.killed) {
        k.killTask(job.task); // exit: anon, page tables, stack and kernel allocations freed
        rec.free();
      }
      running.splice(at, 1);
      done++;
    };
    let step = 0;
    rec.phase("build");
    while ((started < p.jobs || running.length > 0) && !k.panicked) {
      while (running.length < p.parallel && started < p.jobs) start();
      const at = step % running.length;
      const job = running[at];
      step++;
      k.current = job.task;
      if (job.task.killed) {
        running.splice(at, 1);
        done++;
        continue;
      }
      const r = rng() % 100;
      if (r < p.kernelPercent) {
        if (job.kernel.length > 0 && rng() % 2 === 0) freeKernel(job, rng() % job.kernel.length);
        else {
          const order = orders.pick(rng());
          const pfn = k.allocKernel(order, { owner: job.task.pid });
          if (pfn >= 0) job.kernel.push([pfn, order]);
        }
      } else if (r < p.kernelPercent + p.slabPercent) k.allocSlab(1, true);
      else if (r < p.kernelPercent + p.slabPercent + p.readPercent) k.readFile(p.readPages);
      else if (job.anonLeft > 0) {
        const n = Math.min(p.anonChunk, job.anonLeft);
        job.anonLeft -= n;
        k.faultAnon(job.task.pid, n);
      } else finish(at);
      k.schedule(1);
    }
    k.current = null;
    return { metrics: { jobs_done: done } };
  },
});
