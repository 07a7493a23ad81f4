import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { cacheFileOf, loadBundle } from "../../../src/cli/load-bundle.ts";

// A small CommonJS bundle like the ones scripts/build.mjs writes: it requires a builtin, keeps its
// own module state and exports a function. Each test's copy ends in its own comment: V8 keeps
// compiled scripts in memory per process, and a second compile of the same text would be served
// from there without looking at the cache file at all. Whether a fresh process takes a real cache
// is checked by test/tools/agent-startup.test.ts on the built agent.
const BUNDLE = `"use strict";
const { join } = require("node:path");
let calls = 0;
function greet(name) { calls++; return join("hello", name) + " " + calls; }
module.exports = { greet, where: __filename, dir: __dirname };
`;

async function bundleDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "k3os-bundle-"));
  after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "k3os.cjs"), `${BUNDLE}// ${dir}\n`);
  return dir;
}

type Greet = (name: string) => string;

test("a bundle without a cache file loads from source and says the cache is missing", async () => {
  const dir = await bundleDir();
  const b = loadBundle(join(dir, "k3os.cjs"));
  assert.equal(b.cache, "missing");
  assert.equal((b.exports.greet as Greet)("k3s"), "hello/k3s 1");
  assert.equal(b.exports.where, join(dir, "k3os.cjs"));
  assert.equal(b.exports.dir, dir);
});

test("writeCache writes a V8 code cache beside the bundle, and each load has its own module state", async () => {
  const dir = await bundleDir();
  const file = join(dir, "k3os.cjs");
  const first = loadBundle(file);
  assert.equal((first.exports.greet as Greet)("a"), "hello/a 1");
  first.writeCache();
  const cache = await readFile(cacheFileOf(file));
  assert.ok(cache.length > 100, `a cache of ${cache.length} bytes`);
  const second = loadBundle(file);
  assert.notEqual(second.cache, "missing");
  assert.equal((second.exports.greet as Greet)("b"), "hello/b 1");
});

test("a cache V8 refuses is reported as rejected and the bundle compiles from source", async () => {
  const dir = await bundleDir();
  const file = join(dir, "k3os.cjs");
  await writeFile(cacheFileOf(file), Buffer.from("not a V8 code cache, but a file of the same name"));
  const b = loadBundle(file);
  assert.equal(b.cache, "rejected");
  assert.equal((b.exports.greet as Greet)("c"), "hello/c 1");
});

test("a cache written for another bundle is rejected rather than run", async () => {
  const dir = await bundleDir();
  const file = join(dir, "k3os.cjs");
  loadBundle(file).writeCache();
  // V8 checks a cache against the source's length: a rebuilt bundle has another length.
  await writeFile(file, `${BUNDLE.replace("hello", "bonjour, et encore une fois bonjour")}// ${dir}\n`);
  const b = loadBundle(file);
  assert.equal(b.cache, "rejected");
  assert.equal((b.exports.greet as Greet)("d"), "bonjour, et encore une fois bonjour/d 1");
});
