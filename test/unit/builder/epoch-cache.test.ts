import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile, readFile, mkdir } from "node:fs/promises";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { parseEpoch, resolveEpoch } from "../../../builder/host/epoch.ts";
import { cachedDir, cachedStage, cacheRoot, hashFiles, KeyBuilder, sharedCacheRoot } from "../../../builder/cache.ts";

test("SOURCE_DATE_EPOCH wins over the commit time, and must be whole seconds", async () => {
  const runner = new RecordingRunner(() => ({ stdout: "1700000000\n" }));
  assert.equal(await resolveEpoch(runner, "/r", { SOURCE_DATE_EPOCH: "42" }), 42);
  assert.equal(runner.calls.length, 0);
  assert.equal(await resolveEpoch(runner, "/r", {}), 1700000000);
  assert.throws(() => parseEpoch("yesterday"), /whole seconds/);
  const noGit = new RecordingRunner(() => ({ exitCode: 128 }));
  assert.equal(await resolveEpoch(noGit, "/r", {}), 0);
});

test("the cache lives under XDG_CACHE_HOME, else ~/.cache; K3OS_IMAGE_CACHE moves the image stages only", () => {
  assert.equal(cacheRoot({ XDG_CACHE_HOME: "/x" }), "/x/k3os");
  assert.equal(cacheRoot({ HOME: "/home/u" }), "/home/u/.cache/k3os");
  assert.equal(cacheRoot({ HOME: "/home/u", K3OS_IMAGE_CACHE: "/other" }), "/other");
  assert.equal(sharedCacheRoot({ HOME: "/home/u", K3OS_IMAGE_CACHE: "/other" }), "/home/u/.cache/k3os");
});

test("a file-set key depends on the files' paths and contents and the strings, not on the order given", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-hash-"));
  await writeFile(join(dir, "a"), "one");
  await writeFile(join(dir, "b"), "two");
  const [a, b] = [join(dir, "a"), join(dir, "b")];
  const k = await hashFiles(dir, [a, b], ["x"]);
  assert.match(k, /^[0-9a-f]{16}$/);
  assert.equal(await hashFiles(dir, [b, a], ["x"]), k);
  assert.notEqual(await hashFiles(dir, [a, b], ["y"]), k);
  assert.notEqual(await hashFiles(dir, [a], ["x"]), k);
  await writeFile(join(dir, "b"), "three");
  assert.notEqual(await hashFiles(dir, [a, b], ["x"]), k);
});

test("an entry with a marker counts as cached only when the marker is there", async () => {
  const root = await mkdtemp(join(tmpdir(), "k3os-marker-"));
  const dir = join(root, "kube", "0123456789abcdef");
  await mkdir(dir, { recursive: true }); // e.g. left by hand, without its manifest
  let runs = 0;
  const make = async (partial: string) => {
    runs++;
    await mkdir(partial);
    await writeFile(join(partial, "manifest.json"), "{}");
  };
  const first = await cachedDir(dir, make, { marker: "manifest.json" });
  assert.equal(first.hit, false);
  assert.equal(runs, 1);
  // the leftover directory was there first: the rename loses and our partial is discarded
  assert.deepEqual(readdirSync(join(root, "kube")), ["0123456789abcdef"]);
  await writeFile(join(dir, "manifest.json"), "{}");
  assert.equal((await cachedDir(dir, make, { marker: "manifest.json" })).hit, true);
  assert.equal(runs, 1);
});

test("a build whose key another build published meanwhile keeps the other's entry and drops its own", async () => {
  const root = await mkdtemp(join(tmpdir(), "k3os-race-"));
  const dir = join(root, "images", "fedcba9876543210");
  const { hit } = await cachedDir(dir, async (partial) => {
    await mkdir(partial);
    await writeFile(join(partial, "images.json"), "ours");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "images.json"), "theirs");
  });
  assert.equal(hit, false);
  assert.equal(await readFile(join(dir, "images.json"), "utf8"), "theirs");
  assert.deepEqual(readdirSync(join(root, "images")), ["fedcba9876543210"]);
});

test("a cache key changes with any input file's content or mode and not with unrelated files", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-key-"));
  await mkdir(join(dir, "t"));
  await writeFile(join(dir, "t/a"), "one");
  const key = async () => (await new KeyBuilder().addString("s", "v").addTree(join(dir, "t"))).digest();
  const k1 = await key();
  assert.equal(await key(), k1);
  await writeFile(join(dir, "unrelated"), "x");
  assert.equal(await key(), k1);
  await writeFile(join(dir, "t/a"), "two");
  assert.notEqual(await key(), k1);
});

test("a cached stage runs once, and a failed one leaves nothing that looks cached", async () => {
  const root = await mkdtemp(join(tmpdir(), "k3os-cache-"));
  let runs = 0;
  const make = async (tmp: string) => {
    runs++;
    await mkdir(tmp);
    await writeFile(join(tmp, "out"), "ok");
  };
  const a = await cachedStage(root, "s", "k", make);
  const b = await cachedStage(root, "s", "k", make);
  assert.deepEqual([a.hit, b.hit, runs], [false, true, 1]);
  assert.equal(await readFile(join(a.dir, "out"), "utf8"), "ok");
  await assert.rejects(cachedStage(root, "s", "bad", async (tmp) => {
    await mkdir(tmp);
    throw new Error("boom");
  }), /boom/);
  assert.ok(!existsSync(join(root, "s-bad")));
});

test("pruning keeps this build's entries and other tools' directories, and drops older and half-built ones", async () => {
  const { pruneStages } = await import("../../../builder/cache.ts");
  const root = await mkdtemp(join(tmpdir(), "k3os-prune-"));
  const names = ["base-aaaaaaaaaaaaaaaa", "base-bbbbbbbbbbbbbbbb", "node-cccccccccccccccc", "node-cccccccccccccccc.tmp", "node-cccccccccccccccc.partial-42", "images-dddddddddddddddd", "kube", "accel.json-x"];
  for (const n of names) await mkdir(join(root, n));
  const removed = await pruneStages(root, { base: "aaaaaaaaaaaaaaaa", node: "cccccccccccccccc", images: "eeeeeeeeeeeeeeee" });
  assert.deepEqual(removed.sort(), ["base-bbbbbbbbbbbbbbbb", "images-dddddddddddddddd", "node-cccccccccccccccc.partial-42", "node-cccccccccccccccc.tmp"]);
  for (const n of ["base-aaaaaaaaaaaaaaaa", "node-cccccccccccccccc", "kube", "accel.json-x"]) assert.ok(existsSync(join(root, n)), n);
});

test("a second build on the same cache is refused while the first runs, and a dead owner's lock is taken over", async () => {
  const { lockCache } = await import("../../../builder/cache.ts");
  const root = await mkdtemp(join(tmpdir(), "k3os-lock-"));
  const unlock = await lockCache(root, () => true);
  await assert.rejects(lockCache(root, () => true), /another k3os image build \(pid \d+\)/);
  const again = await lockCache(root, () => false);
  await again();
  assert.ok(!existsSync(join(root, "build.lock")));
  await unlock();
});
