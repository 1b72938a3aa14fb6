// dump_stack of 6.18 (lib/dump_stack.c dump_stack_print_info; x86 show_trace_log_lvl), and what the
// report parser makes of it: the trigger's pid and comm and the kernel release.

import { describe, expect, it } from "vitest";
import { dumpStack, dumpStackPrintInfo, showStack } from "../../../bindings/linux-6.18/lib/dump_stack.js";
import { parseCurrentTask } from "../../../bindings/parse/headers.js";

const info = { cpu: 3, euid: 0, pid: 1, comm: "swapper/0", release: "6.18.2", version: "#1 SMP PREEMPT_DYNAMIC Sun" };

describe("dump_stack_print_info", () => {
  it('"CPU: %d UID: %u PID: %d Comm: %.20s %s%s %s %.*s %s " BUILD_ID_FMT', () => {
    expect(dumpStackPrintInfo({ ...info, preemptModel: "PREEMPT(voluntary)" })).toEqual([
      "CPU: 3 UID: 0 PID: 1 Comm: swapper/0 Not tainted 6.18.2 #1 PREEMPT(voluntary) ",
    ]);
    // Kdump loaded, tainted, a build id (CONFIG_STACKTRACE_BUILD_ID: " %20phN"), the arch description
    expect(
      dumpStackPrintInfo({
        ...info,
        kdumpLoaded: true,
        tainted: "Tainted: G           OE",
        taintedVerbose: "Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE",
        preemptModel: "PREEMPT(full)",
        buildId: "9bd09188b430be630e611f984454e4f3c489be77",
        hardwareName: "QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3 04/01/2014",
      }),
    ).toEqual([
      "CPU: 3 UID: 0 PID: 1 Comm: swapper/0 Kdump: loaded Tainted: G           OE 6.18.2 #1 PREEMPT(full)  " +
        "9bd09188b430be630e611f984454e4f3c489be77",
      "Tainted: [O]=OOT_MODULE, [E]=UNSIGNED_MODULE",
      "Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3 04/01/2014",
    ]);
  });

  it("is read back by the parser: pid, comm, release", () => {
    const line = dumpStackPrintInfo({ ...info, preemptModel: "PREEMPT(voluntary)" })[0];
    expect(parseCurrentTask(line)).toEqual({ pid: 1, comm: "swapper/0", kernelVersion: "6.18.2" });
  });
});

describe("show_stack", () => {
  it('"Call Trace:", " <TASK>", " %s%pBb" per frame ("? " when unreliable), " </TASK>"', () => {
    expect(
      showStack([
        { fn: "dump_stack_lvl", offset: 0x48, size: 0x60 },
        { fn: "sched_clock_cpu", offset: 0xd, size: 0xb0, unreliable: true },
      ]),
    ).toEqual(["Call Trace:", " <TASK>", " dump_stack_lvl+0x48/0x60", " ? sched_clock_cpu+0xd/0xb0", " </TASK>"]);
    expect(dumpStack({ ...info, preemptModel: "NONE" }, [])).toHaveLength(4);
  });
});
