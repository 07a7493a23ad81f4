// The components a `k3s` runs, recorded in a pid file of its data dir, so the next `k3s` on that
// data dir can kill what a `k3s` that died without its exit handlers (SIGKILL, OOM) left running.
// A pid alone may have been reused since, by anything: a record also holds the process's start
// time (field 22 of /proc/PID/stat), and only a process with both the pid and the start time is
// killed.
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import type { Logger } from "../../system/log.ts";

export interface ComponentPid {
  name: string;
  pid: number;
  /** Start time in clock ticks since boot, from /proc/PID/stat. */
  start: string;
}

/** The start time of a live process, undefined when there is none with that pid. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

export function writeComponentPids(file: string, entries: { name: string; pid: number }[]): void {
  const records = entries.flatMap((e) => {
    const start = processStartTime(e.pid);
    return start === undefined ? [] : [{ ...e, start }];
  });
  writeFileAtomicSync(file, `${records.map((r) => JSON.stringify(r)).join("\n")}\n`, { mode: 0o600 });
}

export function readComponentPids(file: string): ComponentPid[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      try {
        const r = JSON.parse(l) as Partial<ComponentPid>;
        return typeof r.pid === "number" && typeof r.start === "string" && typeof r.name === "string" ? [r as ComponentPid] : [];
      } catch {
        return []; // a torn line cannot name a process safely
      }
    });
}

/** SIGKILLs each recorded component still running (and its process group); waits until gone. */
export async function killLeftovers(file: string, log: Logger, waitMs = 5000): Promise<string[]> {
  const live = readComponentPids(file).filter((r) => processStartTime(r.pid) === r.start);
  for (const r of live) {
    log.warn(`killing ${r.name} (pid ${r.pid}), left running by a previous k3s on this data dir`);
    try {
      process.kill(-r.pid, "SIGKILL"); // components lead their own process group
    } catch {
      try {
        process.kill(r.pid, "SIGKILL");
      } catch {
        /* gone meanwhile */
      }
    }
  }
  for (const t0 = Date.now(); Date.now() - t0 < waitMs; await new Promise((res) => setTimeout(res, 20))) {
    if (live.every((r) => processStartTime(r.pid) !== r.start || isZombie(r.pid))) break;
  }
  return live.map((r) => r.name);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
