// Artifacts appear in dist/artifacts/ whole or not at all: each is made under a temp name beside
// its place (src/system/atomic-write.ts's, which its stale-temp sweep knows), then renamed over
// the previous one, so a reader (a VM test, a copy to a web server) never takes half an ISO.
import { copyFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Runner } from "../../src/exec/runner.ts";
import { syncDir, tempPathFor } from "../../src/system/atomic-write.ts";

export async function publishArtifact(runner: Runner, target: string, make: (tmp: string) => Promise<unknown>): Promise<void> {
  const tmp = tempPathFor(target);
  try {
    await make(tmp);
    if (runner.dryRun) return; // the commands were printed, not run: there is nothing to rename
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(target));
}

export function publishCopy(runner: Runner, source: string, target: string): Promise<void> {
  return publishArtifact(runner, target, (tmp) => copyFile(source, tmp));
}
