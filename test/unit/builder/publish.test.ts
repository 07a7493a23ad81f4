// dist/artifacts/ holds whole artifacts only: a new one replaces the old by a rename, a failed one
// leaves the old in place and no temp file behind.
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { publishArtifact, publishCopy } from "../../../builder/output/publish.ts";
import { DryRunner, RecordingRunner } from "../../../src/exec/runner.ts";

test("an artifact is made under a temp name and renamed over the previous one", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-publish-"));
  const target = join(dir, "k3os-amd64.iso");
  await writeFile(target, "old");
  let madeAt = "";
  await publishArtifact(new RecordingRunner(), target, async (tmp) => {
    madeAt = tmp;
    assert.equal(await readFile(target, "utf8"), "old", "the old artifact stays until the new one is whole");
    await writeFile(tmp, "new");
  });
  assert.notEqual(madeAt, target);
  assert.equal(await readFile(target, "utf8"), "new");
  assert.deepEqual(await readdir(dir), ["k3os-amd64.iso"]);
});

test("a failed artifact leaves the previous one and no temp file", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-publish-"));
  const target = join(dir, "k3os-rootfs-amd64.tar.gz");
  await writeFile(target, "old");
  await assert.rejects(publishArtifact(new RecordingRunner(), target, async (tmp) => {
    await writeFile(tmp, "half");
    throw new Error("tar: write error");
  }), /tar: write error/);
  assert.equal(await readFile(target, "utf8"), "old");
  assert.deepEqual(await readdir(dir), ["k3os-rootfs-amd64.tar.gz"]);
  await assert.rejects(publishCopy(new RecordingRunner(), join(dir, "missing"), join(dir, "k3os-vmlinuz-amd64")), /ENOENT/);
  assert.deepEqual(await readdir(dir), ["k3os-rootfs-amd64.tar.gz"]);
});

test("a dry run prints the commands and publishes nothing", async () => {
  const dir = await mkdtemp(join(tmpdir(), "k3os-publish-"));
  const lines: string[] = [];
  const runner = new DryRunner((l) => lines.push(l));
  await publishArtifact(runner, join(dir, "k3os-amd64.iso"), (tmp) => runner.run(["grub-mkrescue", "-o", tmp]));
  assert.equal(lines.length, 1);
  assert.deepEqual(await readdir(dir), []);
});
