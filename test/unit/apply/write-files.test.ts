import assert from "node:assert/strict";
import { stat, symlink, readFile } from "node:fs/promises";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { applyWriteFiles } from "../../../src/apply/write-files.ts";
import { parsePermissions, permissionsProblem } from "../../../src/config/checks.ts";
import { decodeContent } from "../../../src/config/content.ts";
import { BASE_NODE, makeContext, makeRoot } from "../../helpers/temp-root.ts";

const HELLO = "hello\n";
const ENCODINGS: [string, string][] = [
  ["", HELLO],
  ["b64", Buffer.from(HELLO).toString("base64")],
  ["base64", Buffer.from(HELLO).toString("base64")],
  ["gz", gzipSync(HELLO).toString("latin1")],
  ["gzip", gzipSync(HELLO).toString("latin1")],
  ["gz+b64", gzipSync(HELLO).toString("base64")],
  ["gzip+base64", gzipSync(HELLO).toString("base64")],
];
for (const [encoding, content] of ENCODINGS) {
  test(`content encoded as "${encoding || "plain"}" is decoded`, () => {
    assert.equal(decodeContent(content, encoding as never).toString(), HELLO);
  });
}

test("bad base64 and bad gzip are errors, not garbage on disk", () => {
  assert.throws(() => decodeContent("%%%", "b64"), /not valid base64/);
  assert.throws(() => decodeContent("aGVsbG8=", "gz+b64"), /not valid gzip/);
});

test("permissions are octal strings; anything else is refused", () => {
  assert.equal(parsePermissions(undefined), 0o644);
  assert.equal(parsePermissions("0755"), 0o755);
  assert.equal(parsePermissions("600"), 0o600);
  assert.equal(parsePermissions("4755"), 0o4755);
  assert.equal(permissionsProblem("rwx"), '"rwx" is not an octal mode such as "0644" or "4755"');
  assert.ok(permissionsProblem("0999"));
});

test("files are written with their mode and owner, parent dirs created", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root);
  await applyWriteFiles(
    { write_files: [{ path: "/etc/local.d/example.start", content: "echo hi\n", permissions: "0755", owner: "rancher:shadow" }] },
    ctx,
  );
  const st = await stat(`${root}/etc/local.d/example.start`);
  assert.equal(st.mode & 0o7777, 0o755);
  assert.equal(st.uid, 1000);
  assert.equal(st.gid, 42);
  assert.equal(await readFile(`${root}/etc/local.d/example.start`, "utf8"), "echo hi\n");
});

test("a relative path, an unknown owner and a bad encoding fail alone; the other files are written", async () => {
  const root = await makeRoot(BASE_NODE);
  const { ctx } = makeContext(root);
  await assert.rejects(
    applyWriteFiles(
      {
        write_files: [
          { path: "etc/relative", content: "x" },
          { path: "/etc/a", content: "a", owner: "nobody-here" },
          { path: "/etc/b", content: "b" },
          { path: "/etc/c", content: "!!", encoding: "b64" },
        ],
      },
      ctx,
    ),
    (e: Error) => {
      assert.match(e.message, /etc\/relative: write_files\[0\]\.path: "etc\/relative" is not an absolute path/);
      assert.match(e.message, /\/etc\/a: write_files\[1\]: unknown user "nobody-here"/);
      assert.match(e.message, /\/etc\/c: write_files\[3\]\.content: not valid base64/);
      return true;
    },
  );
  assert.equal(await readFile(`${root}/etc/b`, "utf8"), "b");
  await assert.rejects(stat(`${root}/etc/a`));
});

test("dot-dot and symlinks pointing outside cannot write outside the root", async () => {
  const root = await makeRoot(BASE_NODE);
  const outside = await makeRoot();
  await symlink(outside, `${root}/etc/escape`);
  await symlink("/../../..", `${root}/etc/up`);
  const { ctx } = makeContext(root);
  await applyWriteFiles(
    {
      write_files: [
        { path: "/../../../tmp/../x1", content: "1" },
        { path: "/etc/escape/x2", content: "2" },
        { path: "/etc/up/x3", content: "3" },
      ],
    },
    ctx,
  );
  assert.equal(await readFile(`${root}/x1`, "utf8"), "1");
  assert.equal(await readFile(`${root}${outside}/x2`, "utf8"), "2"); // the link's target, taken inside root
  assert.equal(await readFile(`${root}/x3`, "utf8"), "3");
  await assert.rejects(stat(`${outside}/x2`));
});

test("a replaced file is swapped atomically: no temp file is left beside it", async () => {
  const root = await makeRoot({ ...BASE_NODE, "/etc/motd": "old" });
  const { ctx } = makeContext(root);
  await applyWriteFiles({ write_files: [{ path: "/etc/motd", content: "new" }] }, ctx);
  const { readdir } = await import("node:fs/promises");
  assert.deepEqual((await readdir(`${root}/etc`)).filter((n) => n.includes("motd")), ["motd"]);
  assert.equal(await readFile(`${root}/etc/motd`, "utf8"), "new");
});
