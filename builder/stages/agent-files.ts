// Lays the built agent (`npm run build`: bin/k3os plus bin/k3os.d/, docs/agent-startup.md) into an
// image tree. The launcher and its bundles live together under /usr/lib/k3os/agent; /usr/sbin/k3os
// links to the launcher and /usr/sbin/k3s to k3os. Node resolves the main script's links, so the
// launcher finds k3os.d/ beside its real path whichever name started it, and still sees that name
// in argv[1] to choose between `k3os` and the k3s runtime.
import { readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Runner } from "../../src/exec/runner.ts";

/** Where the launcher and k3os.d/ go, relative to the tree's root. */
export const AGENT_DIR = "usr/lib/k3os/agent";
/** /usr/sbin/k3os's link target, relative to /usr/sbin. */
export const AGENT_LINK = "../lib/k3os/agent/k3os";

/** The bundles and code caches that go with a launcher: the files of k3os.d/ beside it, sorted. */
export async function listAgentChunks(agentEntry: string): Promise<string[]> {
  const dir = join(dirname(agentEntry), "k3os.d");
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    throw new Error(`${dir} is missing: the agent is the launcher ${agentEntry} plus its bundles in k3os.d/; run \`npm run build\``);
  }
  if (!names.includes("k3os.cjs") || !names.includes("k3s.cjs")) {
    throw new Error(`${dir} lacks k3os.cjs or k3s.cjs: run \`npm run build\``);
  }
  return names.sort().map((n) => join(dir, n));
}

/** Every file of a built agent, launcher first: what an image cache key must cover. */
export async function listAgentFiles(agentEntry: string): Promise<string[]> {
  return [agentEntry, ...(await listAgentChunks(agentEntry))];
}

export async function installAgent(runner: Runner, agentEntry: string, tree: string): Promise<void> {
  const chunks = await listAgentChunks(agentEntry);
  const dir = join(tree, AGENT_DIR);
  await runner.run(["install", "-d", "-m", "0755", join(dir, "k3os.d"), join(tree, "usr/sbin")]);
  await runner.run(["install", "-m", "0755", agentEntry, join(dir, "k3os")]);
  await runner.run(["install", "-m", "0644", ...chunks, join(dir, "k3os.d")]);
  await runner.run(["ln", "-sfn", AGENT_LINK, join(tree, "usr/sbin/k3os")]);
  // The k3s runtime is the same launcher, chosen by the name it is invoked as.
  await runner.run(["ln", "-sfn", "k3os", join(tree, "usr/sbin/k3s")]);
}
