// The simulated kernel's timers run in (time, arming order): the heap gives the order the earlier
// linear scan gave (the earliest timer, the first armed of those due at once).

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { TimerQueue } from "../../bindings/sim/timers.js";

describe("TimerQueue", () => {
  it("pops in (at, arming order), as a scan for the earliest, first armed timer does", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constant(-1)), { maxLength: 300 }),
        (script) => {
          const q = new TimerQueue();
          const model: { at: number; seq: number }[] = [];
          const ran: number[] = [];
          const expected: number[] = [];
          let seq = 0;
          for (const at of script) {
            if (at >= 0) {
              const id = seq++;
              q.add(at, () => ran.push(id));
              model.push({ at, seq: id });
              continue;
            }
            // pop: the model scans for the earliest, first armed timer
            let best = -1;
            for (let i = 0; i < model.length; i++) {
              const t = model[i];
              if (best < 0 || t.at < model[best].at || (t.at === model[best].at && t.seq < model[best].seq)) best = i;
            }
            expect(q.nextAt()).toBe(best < 0 ? Infinity : model[best].at);
            if (best >= 0) expected.push(model.splice(best, 1)[0].seq);
            q.pop()?.run();
          }
          expect(ran).toEqual(expected);
          expect(q.size).toBe(model.length);
        },
      ),
      { numRuns: 300, seed: 20261206 },
    );
  });
});
