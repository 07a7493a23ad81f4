// Node benchmark: boots the live ISO once per memory size (largest first) and records boot to
// login, boot to node Ready, the guest's memory with k3s running, and the OS's own idle memory
// once k3s-service is stopped and `k3s killall` has removed its pods; the baseline (kernel +
// initramfs alone) is timed in the same run. The least RAM that reaches Ready is the smallest
// size that did. Prints one JSON document on stdout; progress on stderr.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { isMain, positiveInt, runMain, UsageError } from "../cli-args.ts";
import { Vm } from "../vm/console.ts";
import { readGuestMemory, waitForNodeReady, type GuestMemory } from "../vm/guest.ts";
import { timeBaseline } from "./baseline.ts";

export interface NodeBenchOptions {
  memoryMb: number[];
  readyTimeoutMin: number;
}

export const NODE_BENCH_USAGE = "usage: tsx builder/bench/node.ts [--memory MiB,...] [--ready-timeout-min N]";

export function parseNodeBenchArgs(args: string[]): NodeBenchOptions {
  const { values } = parseArgs({
    args,
    strict: true,
    options: { memory: { type: "string", default: "2048,1024,768" }, "ready-timeout-min": { type: "string", default: "10" } },
  });
  const sizes = values.memory.split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 256)) throw new UsageError(`--memory takes sizes in MiB of at least 256, comma-separated; got ${values.memory}`);
  return { memoryMb: [...new Set(sizes)].sort((a, b) => b - a), readyTimeoutMin: positiveInt("--ready-timeout-min", values["ready-timeout-min"]) };
}

export interface NodeRun {
  memoryMb: number;
  loadBefore: number;
  bootToLoginS?: number;
  bootToReadyS?: number;
  /** bootToReadyS over the same run's baseline */
  readyToBaselineRatio?: number;
  withK3s?: GuestMemory;
  osIdle?: GuestMemory;
  error?: string;
}

/** The smallest size whose node went Ready, or undefined when none did. */
export function leastReadyMemory(runs: NodeRun[]): number | undefined {
  const ready = runs.filter((r) => r.bootToReadyS !== undefined).map((r) => r.memoryMb);
  return ready.length ? Math.min(...ready) : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stderr.write(`bench-node: ${line}\n`);

async function runAt(memoryMb: number, baseline: number, readyTimeoutMin: number): Promise<NodeRun> {
  const run: NodeRun = { memoryMb, loadBefore: Number(loadavg()[0]!.toFixed(2)) };
  const vm = await Vm.boot({ name: `bench-node-${memoryMb}`, memoryMb, hardTimeoutMs: (readyTimeoutMin + 20) * 60_000 });
  try {
    run.bootToLoginS = Number((await vm.login("rancher", undefined, 900_000)).toFixed(1));
    say(`${memoryMb} MiB: login at ${run.bootToLoginS} s`);
    try {
      run.bootToReadyS = Number((await waitForNodeReady(vm, readyTimeoutMin * 60_000)).toFixed(1));
      run.readyToBaselineRatio = Number((run.bootToReadyS / baseline).toFixed(1));
      say(`${memoryMb} MiB: node Ready at ${run.bootToReadyS} s`);
      await sleep(60_000); // let start-up work (manifests, image GC, CoreDNS) settle: idle figures
      run.withK3s = await readGuestMemory(vm);
    } catch (e) {
      run.error = (e as Error).message.split("\n")[0];
      say(`${memoryMb} MiB: ${run.error}`);
    }
    await vm.run("sudo -n rc-service k3s-service stop >/dev/null 2>&1; sudo -n k3s killall >/dev/null 2>&1", 300_000);
    await sleep(20_000);
    run.osIdle = await readGuestMemory(vm);
    say(`${memoryMb} MiB: OS idle without k3s: used ${run.osIdle.usedMiB} MiB, PSS ${run.osIdle.pssMiB} MiB over ${run.osIdle.processes} processes`);
  } catch (e) {
    run.error ??= (e as Error).message.split("\n")[0];
  } finally {
    await vm.kill();
  }
  return run;
}

async function main(args: string[]): Promise<void> {
  const o = parseNodeBenchArgs(args);
  const baselineS = await timeBaseline();
  say(`baseline (kernel + initramfs to its first line): ${baselineS.toFixed(1)} s`);
  const runs: NodeRun[] = [];
  for (const mb of o.memoryMb) runs.push(await runAt(mb, baselineS, o.readyTimeoutMin));
  const least = leastReadyMemory(runs);
  process.stdout.write(`${JSON.stringify({ baselineS: Number(baselineS.toFixed(1)), leastReadyMemoryMb: least ?? null, runs }, null, 2)}\n`);
}

if (isMain(import.meta.url)) {
  runMain(
    {
      name: "bench-node",
      usage: NODE_BENCH_USAGE,
      details: "  Boots the live ISO at each memory size (default 2048,1024,768 MiB, largest first): login, node Ready\n  (timeout N minutes, default 10), guest memory with k3s and of the OS alone. JSON on stdout.",
    },
    main,
  );
}
