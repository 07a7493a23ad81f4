// Property: `k3os config --boot --root DIR` (the real command line, in a child process under a
// memory limit) on random hostile trees — symlinks relative, absolute, out of the root and in loops,
// FIFOs, links to /dev/zero, oversized files, gzip bombs, random YAML — writes nothing outside the
// root and ends every run within a time bound. K3OS_FUZZ_RUNS=N runs more batches (the unit tier
// runs 3), K3OS_FUZZ_SEED=S replays the seed a failure printed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { BASE_NODE } from "../../helpers/temp-root.ts";
import { entryArbitrary, materialize, type Entry } from "../../helpers/hostile-tree.ts";

const TREES_PER_RUN = 5;
const RUN_BOUND_MS = 15_000;
// Virtual memory of the child: enough for node, tsx and a few config sources; a gzip bomb
// decompressed without a limit (1 GiB here) or /dev/zero read to the end fails instead of swapping.
const MEMORY_LIMIT = String(2560 * 1024 * 1024);
const BATCH = new URL("../../helpers/boot-batch.ts", import.meta.url).pathname;

async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await lstat(p);
    const content = st.isFile() ? createHash("sha256").update(await readFile(p)).digest("hex") : "";
    out.push(`${p} ${st.mode} ${st.mtimeMs} ${st.size} ${content}`);
    if (st.isDirectory()) out.push(...(await snapshot(p)));
  }
  return out;
}

async function makeBox(): Promise<{ box: string; outside: string }> {
  const box = await mkdtemp(join(tmpdir(), "k3os-hostile-"));
  after(() => rm(box, { recursive: true, force: true }));
  const outside = join(box, "sentinel");
  await mkdir(join(outside, "sub"), { recursive: true });
  await writeFile(join(outside, "file"), "sentinel\n");
  await writeFile(join(outside, "sub", "hostname"), "kept\n");
  return { box, outside };
}

async function runBatch(box: string, trees: Entry[][]): Promise<void> {
  // A directory per batch: a failed batch is kept for a look, and shrinking starts afresh.
  const batch = await mkdtemp(join(box, "batch-"));
  const roots: string[] = [];
  for (const [i, entries] of trees.entries()) {
    const root = join(batch, `root${i}`);
    await mkdir(root);
    await materialize(root, [...entries, ...Object.entries(BASE_NODE).map(([path, text]) => ({ kind: "yaml" as const, path, text }))]);
    roots.push(root);
  }
  const before = await snapshot(join(box, "sentinel"));
  const child = spawnSync("prlimit", [`--as=${MEMORY_LIMIT}`, process.execPath, "--disable-wasm-trap-handler", "--import", "tsx", BATCH, ...roots], {
    encoding: "utf8",
    timeout: RUN_BOUND_MS * trees.length + 30_000,
    maxBuffer: 1024 * 1024,
  });
  assert.equal(child.status, 0, `child: ${child.error?.message ?? ""} ${child.signal ?? ""}\n${child.stderr.slice(-2000)}`);
  const results = child.stdout.trim().split("\n").map((l) => JSON.parse(l) as { root: string; code: number | string; ms: number });
  assert.equal(results.length, roots.length);
  for (const r of results) {
    assert.ok(r.code === 0 || r.code === 1, `${r.root}: ${r.code}`);
    assert.ok(r.ms < RUN_BOUND_MS, `${r.root}: took ${r.ms} ms`);
  }
  assert.deepEqual(await snapshot(join(box, "sentinel")), before, "something was written outside the root");
  // Nothing beside the roots either (a temp file of a write to `/` would land here).
  assert.deepEqual((await readdir(batch)).sort(), roots.map((r) => r.slice(batch.length + 1)).sort());
  assert.deepEqual((await readdir(box)).filter((n) => !n.startsWith("batch-")), ["sentinel"]);
  await rm(batch, { recursive: true, force: true });
}

test("config --boot on hostile trees writes nothing outside the root and always ends in time", { timeout: 600_000 }, async () => {
  const { box, outside } = await makeBox();
  const tree = fc.array(entryArbitrary(outside), { minLength: 1, maxLength: 12 });
  // Every finding reproduced by the review, in one tree, always run first.
  const known: Entry[] = [
    { kind: "link", path: "/proc/sys/kernel", target: join(outside, "sub") },
    { kind: "yaml", path: "/k3os/system/config.yaml", text: "hostname: node1\nk3os:\n  sysctls:\n    kernel.printk: 4 4 1 7\nwrite_files:\n- path: /\n  content: x\n" },
    { kind: "fifo", path: "/var/lib/rancher/k3os/config.d/10-a.yaml" },
    { kind: "link", path: "/var/lib/rancher/k3os/config.d/20-b", target: "/dev/zero" },
    { kind: "bomb", path: "/var/lib/rancher/k3os/config.d/30-c", target: "/opt/app/file" },
    { kind: "link", path: "/run/config/userdata", target: join(outside, "file") },
    { kind: "link", path: "/etc/hosts", target: "/etc/hosts" },
  ];
  await fc.assert(
    fc.asyncProperty(fc.array(tree, { minLength: TREES_PER_RUN, maxLength: TREES_PER_RUN }), (trees) => runBatch(box, trees)),
    { numRuns: Number(process.env.K3OS_FUZZ_RUNS ?? 3), endOnFailure: true, // a failure reports its seed at once: shrinking a batch of child runs could outlast the tier
      ...(process.env.K3OS_FUZZ_SEED ? { seed: Number(process.env.K3OS_FUZZ_SEED) } : {}), examples: [[[known, ...Array.from({ length: TREES_PER_RUN - 1 }, () => [])]]] },
  );
});
