// The cdrom datasource on real discs: images labelled cidata (NoCloud) and config-2 (OpenStack
// config drive), attached read-only to loop devices (always detached), found by blkid, mounted
// read-only and unmounted by `k3os datasource cdrom`. ISO 9660 (xorriso) is what clouds and
// cloud-localds make, vfat (upper-case labels) what some tools make; ext4 is a filesystem every
// test kernel mounts, so the real blkid/mount/umount path runs even where the kernel has neither
// (some CI kernels lack isofs and vfat): a format the kernel cannot mount is skipped, saying so.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { mkdtempSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { k3osMain } from "../../src/cli/k3os.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";

const runner = new ProcessRunner();
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE disc@example";
// No top-level await: the runner would start the tests (and the after hook) before the loop below
// had registered them all.
const work = mkdtempSync(join(tmpdir(), "k3os-ds-cdrom-"));
after(() => rm(work, { recursive: true, force: true }));

type Format = "iso9660" | "vfat" | "ext4";

const MAKE: Record<Format, (label: string, tree: string, image: string) => string[][]> = {
  iso9660: (label, tree, image) => [["xorriso", "-as", "mkisofs", "-quiet", "-V", label, "-J", "-r", "-o", image, tree]],
  vfat: (label, tree, image) => [["mkfs.vfat", "-C", "-n", label.toUpperCase(), image, "4096"], ["mcopy", "-s", "-i", image, ...["meta-data", "user-data", "openstack"].map((f) => join(tree, f)).filter(exists), "::/"]],
  ext4: (label, tree, image) => [["mkfs.ext4", "-q", "-L", label, "-d", tree, image, "4M"]],
};

function exists(p: string): boolean {
  try {
    readFileSync(p);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EISDIR";
  }
}

function kernelMounts(format: Format): boolean {
  const fs = format === "iso9660" ? "iso9660" : format;
  return readFileSync("/proc/filesystems", "utf8").split("\n").some((l) => l.split("\t").at(-1) === fs);
}

async function withDisc(format: Format, label: string, files: Record<string, string>, body: (device: string) => Promise<void>): Promise<void> {
  const tree = await mkdtemp(join(work, `${label}-tree-`));
  for (const [p, c] of Object.entries(files)) {
    await mkdir(dirname(join(tree, p)), { recursive: true });
    await writeFile(join(tree, p), c);
  }
  const image = join(tree, "..", `${label}-${format}-${Date.now()}.img`);
  for (const argv of MAKE[format](label, tree, image)) await runner.run(argv);
  const device = (await runner.run(["losetup", "--find", "--show", "--read-only", image])).stdout.trim();
  try {
    await body(device);
  } finally {
    await runner.run(["losetup", "--detach", device]);
  }
}

function io() {
  const err: string[] = [];
  return { err, io: { out: () => {}, err: (l: string) => void err.push(l) } };
}

async function mountsUnder(root: string): Promise<string[]> {
  return (await readFile("/proc/self/mounts", "utf8")).split("\n").filter((l) => l.includes(root));
}

for (const format of ["iso9660", "vfat", "ext4"] as const) {
  // modprobe first: the module may be there, only not loaded yet.
  if (!kernelMounts(format)) spawnSync("modprobe", [format === "iso9660" ? "isofs" : format], { stdio: "ignore" });
  const skip = kernelMounts(format) ? false : `this kernel cannot mount ${format}`;

// Where the kernel cannot mount the disc, blkid still finds it by label: the source fails with
// mount's reason, the boot goes on (exit 0), and no mount point is left behind.
test(`a cidata disc the kernel cannot mount (${format}) fails the source, not the command`, { skip: skip ? false : `this kernel mounts ${format}` }, async () => {
  await withDisc(format, "cidata", { "user-data": "hostname: x\n" }, async (device) => {
    const root = await mkdtemp(join(work, "root-"));
    const r = io();
    assert.equal(await k3osMain(["datasource", "--debug", "--root", root, "cdrom"], r.io), 0);
    assert.ok(r.err.some((l) => l.includes(`cdrom: ${device} is labelled`)), r.err.join("\n"));
    assert.ok(r.err.some((l) => /datasource cdrom: failed: command failed: mount -o ro,nosuid,nodev,noexec /.test(l)), r.err.join("\n"));
    assert.deepEqual(await readdir(join(root, "run")), []);
  });
});

test(`a NoCloud cidata disc (${format}): user-data, local-hostname and public-keys written under /run/config, the disc unmounted`, { skip }, async () => {
  await withDisc(format, "cidata", {
    "meta-data": `instance-id: iid-tools-1\nlocal-hostname: nocloud-1\npublic-keys:\n  - ${KEY}\n`,
    "user-data": "#cloud-config\nk3os:\n  labels:\n    disc: cidata\n",
  }, async (device) => {
    const root = await mkdtemp(join(work, "root-"));
    const r = io();
    assert.equal(await k3osMain(["datasource", "--debug", "--root", root, "cdrom"], r.io), 0, r.err.join("\n"));
    assert.ok(r.err.some((l) => l.includes(`cdrom: ${device} is labelled ${format === "vfat" ? "CIDATA" : "cidata"}`)), r.err.join("\n"));
    assert.equal(await readFile(join(root, "run/config/userdata"), "utf8"), "#cloud-config\nk3os:\n  labels:\n    disc: cidata\n");
    assert.equal(await readFile(join(root, "run/config/local_hostname"), "utf8"), "nocloud-1\n");
    assert.equal(await readFile(join(root, "run/config/ssh/authorized_keys"), "utf8"), `${KEY}\n`);
    assert.deepEqual(await mountsUnder(root), []);
    assert.deepEqual((await readdir(join(root, "run"))).filter((n) => n.startsWith("k3os-cdrom-")), []);
  });
});

test(`an OpenStack config-2 drive (${format}): meta_data.json and user_data`, { skip }, async () => {
  await withDisc(format, "config-2", {
    "openstack/latest/meta_data.json": JSON.stringify({ uuid: "u-1", hostname: "drive-1", public_keys: { k: KEY } }),
    "openstack/latest/user_data": "#!/bin/sh\necho from the drive\n",
  }, async () => {
    const root = await mkdtemp(join(work, "root-"));
    const r = io();
    assert.equal(await k3osMain(["datasource", "--root", root, "cdrom"], r.io), 0, r.err.join("\n"));
    assert.equal(await readFile(join(root, "run/config/userdata"), "utf8"), "#!/bin/sh\necho from the drive\n");
    assert.equal(await readFile(join(root, "run/config/local_hostname"), "utf8"), "drive-1\n");
    assert.deepEqual(await mountsUnder(root), []);
  });
});
}
