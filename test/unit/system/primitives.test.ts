import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { removeStaleTemps, tempPathFor, writeFileAtomic, writeFileAtomicSync } from "../../../src/system/atomic-write.ts";
import { gunzipBounded, LimitError, readFileBounded } from "../../../src/system/bounded.ts";
import { quoteArgv, quoteWord } from "../../../src/system/shell.ts";

const dir = () => mkdtempSync(join(tmpdir(), "k3os-prim-"));

test("an atomic write keeps setuid bits given with an owner (chown clears them, so it comes first)", async () => {
  const d = dir();
  await writeFileAtomic(join(d, "a"), "x", { mode: 0o4755, uid: 0, gid: 0 });
  writeFileAtomicSync(join(d, "b"), "y", { mode: 0o2750, uid: 0, gid: 0 });
  assert.equal(statSync(join(d, "a")).mode & 0o7777, 0o4755);
  assert.equal(statSync(join(d, "b")).mode & 0o7777, 0o2750);
  assert.deepEqual(readdirSync(d).sort(), ["a", "b"]);
});

test("temp names are unique per write and swept by removeStaleTemps, other files stay", async () => {
  const d = dir();
  const t1 = tempPathFor(join(d, "f"));
  assert.notEqual(t1, tempPathFor(join(d, "f")));
  writeFileSync(t1, "half");
  writeFileSync(join(d, "keep"), "k");
  assert.deepEqual(await removeStaleTemps(d), [t1.split("/").pop()]);
  assert.deepEqual(readdirSync(d), ["keep"]);
});

test("readFileBounded refuses a FIFO at once, a device, and a file over the limit, naming it", async () => {
  const d = dir();
  execFileSync("mkfifo", [join(d, "fifo")]);
  await assert.rejects(readFileBounded(join(d, "fifo"), 100, { label: "config.d/fifo" }), /config.d\/fifo: is a FIFO/);
  await assert.rejects(readFileBounded("/dev/zero", 100), /\/dev\/zero: is a character device/);
  writeFileSync(join(d, "big"), Buffer.alloc(101));
  await assert.rejects(readFileBounded(join(d, "big"), 100, { label: "big.yaml" }), (e: unknown) => e instanceof LimitError && /big.yaml: is larger than the limit of 100 bytes/.test((e as Error).message));
  writeFileSync(join(d, "ok"), "hello");
  assert.equal((await readFileBounded(join(d, "ok"), 5))?.toString(), "hello");
  assert.equal(await readFileBounded(join(d, "absent"), 5), null);
});

test("gunzipBounded stops a bomb at the limit and names the source", () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
  assert.ok(bomb.length < 100_000);
  assert.throws(() => gunzipBounded(bomb, 1024 * 1024, "write_files[0].content"), /write_files\[0\].content: decompresses to more than the limit of 1 MiB/);
  assert.equal(gunzipBounded(gzipSync("hi"), 10, "x").toString(), "hi");
  assert.throws(() => gunzipBounded(Buffer.from("not gzip"), 10, "y"), /y: not valid gzip data/);
});

test("quoteWord round-trips through a real shell", () => {
  const words = ["plain", "with space", "it's", "$HOME", "`x`", "a\"b", "", "--flag=v"];
  const out = execFileSync("sh", ["-c", `for w in ${quoteArgv(words)}; do printf '%s\\n' "$w"; done`]).toString();
  assert.deepEqual(out.split("\n").slice(0, -1), words);
  assert.equal(quoteWord("abc"), "abc");
});

test("a gid alone sets the group and keeps the owner and the mode", async () => {
  const d = dir();
  await writeFileAtomic(join(d, "g"), "x", { mode: 0o640, gid: 1 });
  writeFileAtomicSync(join(d, "h"), "y", { mode: 0o640, gid: 1 });
  for (const f of ["g", "h"]) {
    const st = statSync(join(d, f));
    assert.equal(st.gid, 1);
    assert.equal(st.uid, process.getuid!());
    assert.equal(st.mode & 0o7777, 0o640);
  }
});
