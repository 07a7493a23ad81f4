// PSS of a node's processes, summed and by command name: the idle-memory figure of the benchmarks
// that run nodes natively in namespaces (scripts/bench-k3s.ts, scripts/bench-os.ts). PSS, not RSS:
// RSS would count the shared multi-call binary once per process.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface NodePss {
  totalMB: number;
  byProcessMB: Record<string, number>;
}

export function pssByCommand(pids: Iterable<number | string>, proc = "/proc"): NodePss {
  const by: Record<string, number> = {};
  let total = 0;
  for (const pid of pids) {
    try {
      const pss = Number(readFileSync(`${proc}/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0);
      const name = readFileSync(`${proc}/${pid}/comm`, "utf8").trim();
      by[name] = (by[name] ?? 0) + pss;
      total += pss;
    } catch {
      // exited meanwhile
    }
  }
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  return { totalMB: mb(total), byProcessMB: Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mb(v)])) };
}

/** Every process in the PID namespace that `pid` is in (the host's view of their PIDs). */
export function pidsInNamespaceOf(pid: number, proc = "/proc"): number[] {
  const ns = readlinkSync(`${proc}/${pid}/ns/pid`);
  return readdirSync(proc).filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try {
      return readlinkSync(`${proc}/${p}/ns/pid`) === ns;
    } catch {
      return false; // exited meanwhile
    }
  });
}

/** "NAME TOTAL MB (cmd MB, ...)": how the benchmarks report a node's PSS on stderr. */
export function formatPss(name: string, pss: NodePss): string {
  return `${name}: idle PSS ${pss.totalMB} MB (${Object.entries(pss.byProcessMB).map(([p, mb]) => `${p} ${mb}`).join(", ")})`;
}
