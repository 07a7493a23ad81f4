// The cdrom source's steps with a recording runner: which device it picks, that it mounts read-only
// and always unmounts, and how it reads NoCloud and config-2 layouts. The mount is played by
// copying a disc's files into the mount point; test/tools/datasource-cdrom.test.ts mounts a real ISO.
import assert from "node:assert/strict";
import { cp, mkdir, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { cdrom, parseNocloudMetadata } from "../../../src/datasource/cdrom.ts";
import type { Found } from "../../../src/datasource/types.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { makeRoot } from "../../helpers/temp-root.ts";
import { probeContext } from "./metadata-server.ts";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC nc@example";

/** A runner where blkid finds `device` under `label`. */
function blkidRunner(label: string, device: string) {
  return new RecordingRunner((argv) => {
    if (argv[0] === "blkid") return argv.at(-1) === `LABEL=${label}` ? { stdout: `${device}\n` } : { exitCode: 2 };
    return {};
  });
}

async function disc(files: Record<string, string>): Promise<string> {
  const dir = await makeRoot();
  for (const [p, c] of Object.entries(files)) {
    await mkdir(join(dir, p, ".."), { recursive: true });
    await writeFile(join(dir, p), c);
  }
  return dir;
}

/** blkidRunner, and mount lays the disc's files on the mount point, umount takes them away. */
function awaitingRunner(label: string, device: string, discDir: string) {
  const runner = blkidRunner(label, device);
  const run = runner.run.bind(runner);
  runner.run = async (argv, opts) => {
    const r = await run(argv, opts);
    if (argv[0] === "mount") await cp(discDir, argv.at(-1)!, { recursive: true });
    if (argv[0] === "umount") await rm(argv.at(-1)!, { recursive: true, force: true }).then(() => mkdir(argv.at(-1)!));
    return r;
  };
  return runner;
}

test("cidata: meta-data's local-hostname and public-keys, user-data; mounted read-only and unmounted", async () => {
  const d = await disc({ "meta-data": `instance-id: iid-1\nlocal-hostname: nc-1\npublic-keys:\n  - ${KEY}\n`, "user-data": "#cloud-config\nhostname: ud\n" });
  const root = await makeRoot();
  const runner = awaitingRunner("cidata", "/dev/sr0", d);
  const found = (await cdrom.probe(probeContext(undefined, { root, runner }))) as Found;
  assert.equal(found.hostname, "nc-1");
  assert.deepEqual(found.sshKeys, [KEY]);
  assert.equal(found.userdata?.toString(), "#cloud-config\nhostname: ud\n");
  const argvs = runner.calls.map((c) => c.argv);
  const mount = argvs.find((a) => a[0] === "mount")!;
  assert.deepEqual(mount.slice(0, 4), ["mount", "-o", "ro,nosuid,nodev,noexec", "/dev/sr0"]);
  assert.deepEqual(argvs.at(-1), ["umount", mount[4]]);
  assert.deepEqual(await readdir(join(root, "run")), [], "the mount point is removed");
});

test("config-2: openstack/latest/meta_data.json and user_data", async () => {
  const d = await disc({
    "openstack/latest/meta_data.json": JSON.stringify({ hostname: "cd-os-1", public_keys: { k: KEY } }),
    "openstack/latest/user_data": "hostname: from-drive\n",
  });
  const found = (await cdrom.probe(probeContext(undefined, { root: await makeRoot(), runner: awaitingRunner("config-2", "/dev/vdb", d) }))) as Found;
  assert.deepEqual({ h: found.hostname, k: found.sshKeys, u: found.userdata?.toString() }, { h: "cd-os-1", k: [KEY], u: "hostname: from-drive\n" });
});

test("a broken meta-data fails the source, and the disc is still unmounted", async () => {
  const d = await disc({ "meta-data": "local-hostname: [unclosed\n" });
  const root = await makeRoot();
  const runner = awaitingRunner("cidata", "/dev/sr0", d);
  await assert.rejects(cdrom.probe(probeContext(undefined, { root, runner })), /\/dev\/sr0:\/meta-data: not valid YAML/);
  assert.equal(runner.calls.at(-1)?.argv[0], "umount");
});

test("a device linked under <root>/dev/disk/by-label is used when blkid finds none", async () => {
  const d = await disc({ "user-data": "hostname: by-label\n" });
  const root = await makeRoot({ "/dev/sr7": "" });
  await mkdir(join(root, "dev/disk/by-label"), { recursive: true });
  await symlink("../../sr7", join(root, "dev/disk/by-label/cidata"));
  const runner = awaitingRunner("none", "/dev/unused", d);
  const found = (await cdrom.probe(probeContext(undefined, { root, runner }))) as Found;
  assert.equal(found.userdata?.toString(), "hostname: by-label\n");
  assert.equal(runner.calls.find((c) => c.argv[0] === "mount")?.argv[3], join(root, "dev/sr7"));
});

test("no labelled disc: absent, nothing mounted", async () => {
  const runner = new RecordingRunner((argv) => (argv[0] === "blkid" ? { exitCode: 2 } : {}));
  assert.equal(await cdrom.probe(probeContext(undefined, { root: await makeRoot(), runner })), "absent");
  assert.ok(runner.calls.every((c) => c.argv[0] === "blkid"));
});

test("NoCloud meta-data: keys as a list, a map or one string; hostname as a fallback name", () => {
  assert.deepEqual(parseNocloudMetadata(Buffer.from(`hostname: h\npublic-keys: {a: "${KEY}"}\n`), "m"), { hostname: "h", sshKeys: [KEY] });
  assert.deepEqual(parseNocloudMetadata(Buffer.from(`public-keys: "${KEY}"\n`), "m"), { sshKeys: [KEY] });
  assert.deepEqual(parseNocloudMetadata(Buffer.from(""), "m"), { sshKeys: [] });
  assert.throws(() => parseNocloudMetadata(Buffer.from("- a\n"), "m"), /m: expected a map/);
});
