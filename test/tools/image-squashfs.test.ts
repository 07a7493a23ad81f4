// mksquashfs with the builder's options: readable by unsquashfs, and the same bytes twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, writeFile, symlink, utimes } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { makeSquashfs } from "../../builder/output/squashfs.ts";
import { sha256File } from "../../builder/output/checksums.ts";

async function tree(dir: string): Promise<string> {
  const src = join(dir, "src");
  await mkdir(join(src, "etc/init.d"), { recursive: true });
  await writeFile(join(src, "etc/inittab"), "id:2:initdefault:\n");
  await symlink("../var/local", join(src, "local"));
  return src;
}

test("a squashfs made twice from one tree with one epoch has one checksum, whatever the file times", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-sqfs-"));
  const src = await tree(dir);
  const runner = new ProcessRunner();
  await makeSquashfs(runner, { source: src, target: join(dir, "a.squashfs"), epoch: 1700000000, fast: true });
  await utimes(join(src, "etc/inittab"), new Date(), new Date());
  await makeSquashfs(runner, { source: src, target: join(dir, "b.squashfs"), epoch: 1700000000, fast: true });
  assert.equal(await sha256File(join(dir, "a.squashfs")), await sha256File(join(dir, "b.squashfs")));
});

test("the squashfs is zstd with 1 MiB blocks and keeps symlinks", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-sqfs-"));
  const src = await tree(dir);
  const img = join(dir, "c.squashfs");
  await makeSquashfs(new ProcessRunner(), { source: src, target: img, epoch: 1700000000 });
  const info = execFileSync("unsquashfs", ["-s", img]).toString();
  assert.match(info, /Compression zstd/);
  assert.match(info, /Block size 1048576/);
  const list = execFileSync("unsquashfs", ["-lls", img]).toString();
  assert.match(list, /squashfs-root\/local -> \.\.\/var\/local/);
});
