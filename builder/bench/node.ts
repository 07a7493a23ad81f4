// Node benchmark: boots the live ISO once per memory size (largest first) and records boot to
// login, boot to node Ready, the guest's memory with k3s running, and the OS's own idle memory
// once k3s-service is stopped and `k3s killall` has removed its pods; the baseline (kernel +
// initramfs alone) is timed in the same run. The least RAM that reaches Ready is the smallest
// size that did. Prints one JSON document on stdout; progress on stderr.
//   tsx builder/bench/node.ts [--memory 2048,1024,768] [--ready-timeout-min N (default 10)]
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Vm } from "../vm/console.ts";
import { readGuestMemory, waitForNodeReady, type GuestMemory } from "../vm/guest.ts";
import { timeBaseline } from "./baseline.ts";

export interface NodeBenchOptions {
  memoryMb: number[];
  readyTimeoutMin: number;
}

export function parseNodeBenchArgs(argv: string[]): NodeBenchOptions {
  const o: NodeBenchOptions = { memoryMb: [2048, 1024, 768], readyTimeoutMin: 10 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--memory") {
      const sizes = value.split(",").map(Number);
      if (sizes.some((n) => !Number.isInteger(n) || n < 256)) throw new Error(`--memory takes sizes in MiB of at least 256, comma-separated; got ${value}`);
      o.memoryMb = [...new Set(sizes)].sort((a, b) => b - a);
    } else if (flag === "--ready-timeout-min") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--ready-timeout-min takes whole minutes; got ${value}`);
      o.readyTimeoutMin = n;
    } else throw new Error(`unknown option ${flag} (options: --memory LIST, --ready-timeout-min N)`);
  }
  return o;
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

async function main(): Promise<void> {
  const o = parseNodeBenchArgs(process.argv.slice(2));
  const baselineS = await timeBaseline();
  say(`baseline (kernel + initramfs to its first line): ${baselineS.toFixed(1)} s`);
  const runs: NodeRun[] = [];
  for (const mb of o.memoryMb) runs.push(await runAt(mb, baselineS, o.readyTimeoutMin));
  const least = leastReadyMemory(runs);
  process.stdout.write(`${JSON.stringify({ baselineS: Number(baselineS.toFixed(1)), leastReadyMemoryMb: least ?? null, runs }, null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) await main();
