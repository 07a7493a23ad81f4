// Sweeps the temp files a killed writer left (atomic-write.ts names them), at the start of each
// phase, in the directories this phase may write: the dirs k3os owns and the dirs of write_files
// targets. Other directories are left alone: a temp file there is not ours to judge.
import { posix } from "node:path";
import type { Config } from "../config/schema.ts";
import { LOCAL_CONFIG_DIR } from "../config/sources.ts";
import { removeStaleTemps } from "../system/atomic-write.ts";
import type { ApplyContext } from "./context.ts";

/** Directories the appliers write into (hostname, hosts, shadow, environment, conf.d, connman, ssh keys, state). */
export const OWNED_DIRS = [
  "/etc",
  "/etc/conf.d",
  "/etc/connman",
  "/var/lib/connman",
  "/var/lib/rancher/k3os",
  LOCAL_CONFIG_DIR,
  "/run/k3os",
  "/home/rancher/.ssh",
];

export function dirsToSweep(config: Config): string[] {
  const targets = (config.write_files ?? []).map((f) => f.path).filter((p) => p.startsWith("/") && p !== "/");
  return [...new Set([...OWNED_DIRS, ...targets.map((p) => posix.dirname(posix.normalize(p)))])];
}

/**
 * Removes stale temps and logs each. A dir that cannot be resolved (a symlink loop) is only a
 * warning here: housekeeping never stops a phase; the applier writing there reports its own error.
 */
export async function sweepStaleTemps(config: Config, ctx: ApplyContext): Promise<void> {
  if (ctx.files.dryRun) return;
  for (const dir of dirsToSweep(config)) {
    try {
      for (const name of await removeStaleTemps(await ctx.files.resolve(dir))) {
        ctx.log.info(`removed ${posix.join(dir, name)}, left by an interrupted write`);
      }
    } catch (e) {
      ctx.log.warn(`cannot sweep stale temp files in ${dir}: ${(e as Error).message}`);
    }
  }
}
