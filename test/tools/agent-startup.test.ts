// The built agent (scripts/build.mjs, docs/agent-startup.md): `k3os config` must not parse the k3s
// runtime, each bundle's code cache must be taken by a fresh node, through /usr/sbin links too, and
// the build must give the same bytes twice.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pathToFileURL } from "node:url";
import { installAgent } from "../../builder/stages/agent-files.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { BASE_NODE, makeRoot } from "../helpers/temp-root.ts";

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown>; entryPoint?: string }>;
}
type BuildAgent = (opts: { outDir: string; version?: string }) => Promise<Metafile>;

// The k3s runtime's own dependencies: none of them may be in the bundle `k3os config` loads.
// src/k3s/layout/ is the dependency-free part of k3s's contract the OS shares (paths, defaults,
// config files, token format): a few hundred bytes, allowed in the k3os bundle.
const RUNTIME_ONLY = [/^src\/k3s\/(?!layout\/)/, /node_modules\/@peculiar\//, /node_modules\/asn1js\//, /node_modules\/tsyringe\//, /node_modules\/reflect-metadata\//];

let work: string;
let metafile: Metafile;

async function buildInto(outDir: string): Promise<Metafile> {
  // A specifier tsc does not follow: build.mjs is plain JavaScript without type declarations.
  const script = pathToFileURL(join(process.cwd(), "scripts/build.mjs")).href;
  const { buildAgent } = (await import(script)) as { buildAgent: BuildAgent };
  return buildAgent({ outDir, version: "v0.0.0-test" });
}

function run(exe: string, args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, K3OS_CODE_CACHE: "report" };
  delete env.NODE_OPTIONS;
  return spawnSync(exe, args, { env, encoding: "utf8" });
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), "k3os-agent-"));
  metafile = await buildInto(join(work, "a"));
});
after(() => rm(work, { recursive: true, force: true }));

test("the k3os bundle holds none of the k3s runtime's modules and only zod's English locale", () => {
  const k3os = Object.entries(metafile.outputs).find(([f]) => f.endsWith("k3os.d/k3os.cjs"));
  assert.ok(k3os, `outputs: ${Object.keys(metafile.outputs).join(", ")}`);
  const inputs = Object.keys(k3os[1].inputs);
  assert.ok(inputs.some((i) => i.startsWith("src/config/")), "the config engine is in it");
  for (const pattern of RUNTIME_ONLY) assert.deepEqual(inputs.filter((i) => pattern.test(i)), [], String(pattern));
  // From node_modules/ on: in a worktree whose node_modules is a symlink, esbuild names the target.
  const locales = inputs.filter((i) => /zod\/v4\/locales\//.test(i)).map((i) => i.slice(i.indexOf("node_modules/")));
  assert.deepEqual(locales, ["node_modules/zod/v4/locales/en.js"]);
  const k3s = Object.entries(metafile.outputs).find(([f]) => f.endsWith("k3os.d/k3s.cjs"));
  assert.ok(k3s && Object.keys(k3s[1].inputs).some((i) => i.startsWith("src/k3s/")), "the runtime is in k3s.cjs");
});

test("k3os config --dump from the built launcher takes the k3os bundle's code cache", async () => {
  const root = await makeRoot({ ...BASE_NODE, "/k3os/system/config.yaml": "hostname: cached\n", "/proc/cmdline": "console=ttyS0\n" });
  const r = run(join(work, "a/k3os"), ["config", "--dump", "--root", root]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^hostname: cached$/m);
  assert.match(r.stderr, /^k3os: code cache used: .*k3os\.d\/k3os\.cjs\.cache$/m);
});

test("the agent laid into a tree by installAgent runs as /usr/sbin/k3os and /usr/sbin/k3s with its caches", async () => {
  const tree = join(work, "tree");
  await installAgent(new ProcessRunner(), join(work, "a/k3os"), tree);
  const k3os = run(join(tree, "usr/sbin/k3os"), ["--version"]);
  assert.equal(k3os.status, 0, k3os.stderr);
  assert.equal(k3os.stdout, "v0.0.0-test\n");
  assert.match(k3os.stderr, /code cache used: .*usr\/lib\/k3os\/agent\/k3os\.d\/k3os\.cjs\.cache/);
  const k3s = run(join(tree, "usr/sbin/k3s"), ["--version"]);
  assert.equal(k3s.status, 0, k3s.stderr);
  assert.match(k3s.stdout, /^k3s version v[\d.]+\+k3os-0\.0\.0-test /);
  assert.match(k3s.stderr, /code cache used: .*usr\/lib\/k3os\/agent\/k3os\.d\/k3s\.cjs\.cache/);
});

test("two builds in different directories give the same bytes, code caches included", async () => {
  await buildInto(join(work, "b-elsewhere"));
  const names = (await readdir(join(work, "a/k3os.d"))).sort();
  assert.deepEqual(names, ["k3os.cjs", "k3os.cjs.cache", "k3s.cjs", "k3s.cjs.cache"]);
  assert.deepEqual((await readdir(join(work, "b-elsewhere/k3os.d"))).sort(), names);
  for (const f of ["k3os", ...names.map((n) => `k3os.d/${n}`)]) {
    assert.ok((await readFile(join(work, "a", f))).equals(await readFile(join(work, "b-elsewhere", f))), f);
  }
});
