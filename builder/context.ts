// What every build stage gets: the command runner, a logger, where things go, the build's epoch.
import type { Runner } from "../src/exec/runner.ts";
import type { Logger } from "../src/system/log.ts";

export interface BuildContext {
  runner: Runner;
  log: Logger;
  /** The repository checkout (image/, bin/k3os, builder/). */
  repo: string;
  cache: string;
  /** dist/artifacts */
  out: string;
  /** SOURCE_DATE_EPOCH: every timestamp in every artifact is clamped to it. */
  epoch: number;
  version: string;
  /** Faster, bigger compression for development builds. */
  fast: boolean;
  /** The agent bundle laid in as /usr/sbin/k3os; undefined builds an image without it (--without-agent). */
  agent: string | undefined;
}

/** Times one named step and prints it, so a long build shows where it is and where time went. */
export async function step<T>(ctx: BuildContext, name: string, fn: () => Promise<T>): Promise<T> {
  const t = Date.now();
  ctx.log.info(`==> ${name}`);
  const r = await fn();
  ctx.log.info(`<== ${name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return r;
}
