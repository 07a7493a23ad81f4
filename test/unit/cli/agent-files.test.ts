// builder/stages/agent-files.ts: how the image build lays the agent into a tree (real `install`
// and `ln` on temp dirs; a recording runner where nothing may run).
import assert from "node:assert/strict";
import { lstat, mkdir, mkdtemp, readFile, readlink, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AGENT_DIR, installAgent, listAgentFiles } from "../../../builder/stages/agent-files.ts";
import { ProcessRunner, RecordingRunner } from "../../../src/exec/runner.ts";

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A built agent as scripts/build.mjs lays it out: bin/k3os and bin/k3os.d/. */
async function builtAgent(): Promise<string> {
  const bin = await tempDir("k3os-bin-");
  await mkdir(join(bin, "k3os.d"));
  await writeFile(join(bin, "k3os"), "#!/usr/bin/env node\n// launcher\n");
  for (const f of ["k3os.cjs", "k3os.cjs.cache", "k3s.cjs", "k3s.cjs.cache"]) await writeFile(join(bin, "k3os.d", f), `${f}\n`);
  return join(bin, "k3os");
}

const mode = async (p: string) => ((await lstat(p)).mode & 0o777).toString(8);

test("installAgent puts the launcher and its bundles under /usr/lib/k3os/agent and links k3os and k3s in /usr/sbin", async () => {
  const entry = await builtAgent();
  const tree = await tempDir("k3os-tree-");
  await installAgent(new ProcessRunner(), entry, tree);
  const agent = join(tree, AGENT_DIR);
  assert.equal(await readFile(join(agent, "k3os"), "utf8"), "#!/usr/bin/env node\n// launcher\n");
  assert.equal(await mode(join(agent, "k3os")), "755");
  for (const f of ["k3os.cjs", "k3os.cjs.cache", "k3s.cjs", "k3s.cjs.cache"]) {
    assert.equal(await readFile(join(agent, "k3os.d", f), "utf8"), `${f}\n`);
    assert.equal(await mode(join(agent, "k3os.d", f)), "644");
  }
  assert.equal(await readlink(join(tree, "usr/sbin/k3os")), "../lib/k3os/agent/k3os");
  assert.equal(await readlink(join(tree, "usr/sbin/k3s")), "k3os");
  // What node resolves the main script to, and so where the launcher looks for k3os.d/.
  assert.equal(await realpath(join(tree, "usr/sbin/k3s")), await realpath(join(agent, "k3os")));
});

test("installAgent run twice over the same tree leaves the same tree", async () => {
  const entry = await builtAgent();
  const tree = await tempDir("k3os-tree-");
  await installAgent(new ProcessRunner(), entry, tree);
  await installAgent(new ProcessRunner(), entry, tree);
  assert.equal(await readlink(join(tree, "usr/sbin/k3os")), "../lib/k3os/agent/k3os");
  assert.equal(await readlink(join(tree, "usr/sbin/k3s")), "k3os");
});

test("an agent without its k3os.d/ is refused before anything is installed", async () => {
  const bin = await tempDir("k3os-bin-");
  await writeFile(join(bin, "k3os"), "#!/usr/bin/env node\n");
  const runner = new RecordingRunner();
  await assert.rejects(installAgent(runner, join(bin, "k3os"), "/nonexistent-tree"), /k3os\.d is missing.*npm run build/);
  await mkdir(join(bin, "k3os.d"));
  await writeFile(join(bin, "k3os.d", "k3os.cjs"), "");
  await assert.rejects(installAgent(runner, join(bin, "k3os"), "/nonexistent-tree"), /lacks k3os\.cjs or k3s\.cjs/);
  assert.deepEqual(runner.calls, []);
});

test("listAgentFiles names the launcher and every bundle and cache, for the image's cache key", async () => {
  const entry = await builtAgent();
  const d = join(entry, "..", "k3os.d");
  assert.deepEqual(await listAgentFiles(entry), [
    entry,
    join(d, "k3os.cjs"),
    join(d, "k3os.cjs.cache"),
    join(d, "k3s.cjs"),
    join(d, "k3s.cjs.cache"),
  ]);
});
