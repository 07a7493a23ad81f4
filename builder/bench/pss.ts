// PSS of a node's processes, summed and by command name: the idle-memory figure of both node runners.
import { readFileSync } from "node:fs";

export function pssByCommand(pids: Iterable<number | string>): { totalMB: number; byProcessMB: Record<string, number> } {
  const by: Record<string, number> = {};
  let total = 0;
  for (const pid of pids) {
    try {
      const pss = Number(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0);
      const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      by[name] = (by[name] ?? 0) + pss;
      total += pss;
    } catch {
      // exited meanwhile
    }
  }
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  return { totalMB: mb(total), byProcessMB: Object.fromEntries(Object.entries(by).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, mb(v)])) };
}
