// What every applier gets besides the config: where the node's files are, how to run commands,
// where to log, and whether the root is the running system.
import type { Runner } from "../exec/runner.ts";
import type { NodeFiles } from "../system/files.ts";
import type { Logger } from "../system/log.ts";

export type Phase = "initrd" | "boot" | "runtime" | "install";

export interface ApplyContext {
  phase: Phase;
  root: string;
  files: NodeFiles;
  runner: Runner;
  log: Logger;
  /**
   * True when root is the running system. Only then are kernel-level actions (modprobe) and the
   * user's commands run; with another --root they are reported as skipped, never run on the host.
   */
  live: boolean;
  /** The agent's version, for the k3os.io/version label. */
  version: string;
  /** URL of a GitHub user's public keys (a test points it at a local server). */
  githubKeysUrl: (user: string) => string;
  /** Timeout for network fetches, in milliseconds. */
  fetchTimeoutMs: number;
  /** A userdata file that is a script, run at runtime after run_cmd. */
  userdataScript?: Buffer;
}

export type Applier = (config: import("../config/schema.ts").Config, ctx: ApplyContext) => Promise<void>;

/** Runs every item, collecting failures, so one bad item does not stop the rest. */
export async function forEachCollecting<T>(items: readonly T[], fn: (item: T, index: number) => Promise<void>): Promise<void> {
  const errors: Error[] = [];
  for (const [i, item] of items.entries()) {
    try {
      await fn(item, i);
    } catch (e) {
      errors.push(e instanceof Error ? e : new Error(String(e)));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join("; "));
}
