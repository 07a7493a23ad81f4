import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { leastReadyMemory, parseNodeBenchArgs } from "../../../builder/bench/node.ts";
import { parseMemoryProbe } from "../../../builder/vm/guest.ts";
import { isUsageError } from "../../../builder/cli-args.ts";

describe("node benchmark", () => {
  test("memory sizes are tried largest first, each once", () => {
    assert.deepEqual(parseNodeBenchArgs(["--memory", "768,2048,1024,768"]).memoryMb, [2048, 1024, 768]);
    assert.deepEqual(parseNodeBenchArgs([]), { memoryMb: [2048, 1024, 768], readyTimeoutMin: 10 });
  });

  test("a size below 256 MiB, a non-number or an unknown option is refused with what is accepted", () => {
    assert.throws(() => parseNodeBenchArgs(["--memory", "1024,128"]), /at least 256/);
    assert.throws(() => parseNodeBenchArgs(["--memory", "1G"]), /--memory takes sizes in MiB/);
    assert.throws(() => parseNodeBenchArgs(["--ready-timeout-min", "0"]), /--ready-timeout-min wants a positive whole number/);
    assert.throws(() => parseNodeBenchArgs(["--runs", "2"]), (e: Error) => isUsageError(e) && /Unknown option '--runs'/.test(e.message));
    assert.throws(() => parseNodeBenchArgs(["--memory"]), (e: Error) => isUsageError(e) && /'--memory <value>' argument missing/.test(e.message));
  });

  test("the least RAM is the smallest size whose node went Ready, whatever the order", () => {
    const runs = [
      { memoryMb: 2048, loadBefore: 1, bootToReadyS: 250 },
      { memoryMb: 768, loadBefore: 1, error: "node not Ready after 1200 s" },
      { memoryMb: 1024, loadBefore: 1, bootToReadyS: 300 },
    ];
    assert.equal(leastReadyMemory(runs), 1024);
    assert.equal(leastReadyMemory([runs[1]!]), undefined);
  });

  test("the guest's memory probe is read as MiB used, total, tmpfs (Shmem), summed PSS and a process count", () => {
    assert.deepEqual(parseMemoryProbe("2030000 1500000 204800\n150000 42\n"), { usedMiB: 517.6, totalMiB: 1982.4, shmemMiB: 200, pssMiB: 146.5, processes: 42 });
    assert.throws(() => parseMemoryProbe("2030000 1500000\n150000 42\n"), /unexpected memory probe output/);
  });
});
