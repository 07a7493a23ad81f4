import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT_MOUNTPOINTS, RUNLEVELS, SERVICES } from "../../../builder/distro/layout.ts";
import { ARTIFACTS } from "../../../builder/build.ts";

const initd = join(import.meta.dirname, "../../../image/rootfs/etc/init.d");
// services OpenRC itself ships (everything else must be ours, as a native script)
const FROM_OPENRC = new Set(["cgroups"]);

test("every service in the runlevel table is a native openrc-run script in image/rootfs or OpenRC's own", () => {
  for (const [service, level] of SERVICES) {
    assert.ok(RUNLEVELS.includes(level), `${service}: runlevel ${level}`);
    if (FROM_OPENRC.has(service)) continue;
    const path = join(initd, service);
    assert.ok(existsSync(path), `${path} exists`);
    assert.match(readFileSync(path, "utf8"), /^#!\/usr\/sbin\/openrc-run\n/, `${service} is native`);
  }
});

test("no service runs in sysinit: /usr/lib/k3os/sysinit replaces `openrc sysinit`", () => {
  assert.deepEqual(SERVICES.filter(([, l]) => l === "sysinit"), []);
  const inittab = readFileSync(join(initd, "../inittab"), "utf8");
  assert.match(inittab, /^si::sysinit:\/usr\/lib\/k3os\/sysinit$/m);
  assert.match(inittab, /console-getty ttyS0 -L 115200 ttyS0/);
});

test("the config phases run in order: boot before the network and sshd, runtime after the network", () => {
  const boot = readFileSync(join(initd, "k3os-boot"), "utf8");
  assert.match(boot, /before connman sshd/);
  assert.match(boot, /k3os config --boot/);
  const runtime = readFileSync(join(initd, "k3os-runtime"), "utf8");
  assert.match(runtime, /after net k3os-boot/);
  assert.match(runtime, /\/usr\/sbin\/k3os config$/m);
});

test("the root skeleton has the mountpoints the initramfs mounts on", () => {
  for (const d of ["usr", "etc", "k3os", "proc", "sys", "dev", "run"]) assert.ok(ROOT_MOUNTPOINTS.includes(d), d);
});

test("artifact names are the ones DESIGN.md promises", () => {
  assert.deepEqual(
    [ARTIFACTS.iso, ARTIFACTS.vmlinuz, ARTIFACTS.initrd, ARTIFACTS.kernelSquashfs, ARTIFACTS.rootfsTar, ARTIFACTS.sums],
    ["k3os-amd64.iso", "k3os-vmlinuz-amd64", "k3os-initrd-amd64", "k3os-kernel-amd64.squashfs", "k3os-rootfs-amd64.tar.gz", "sha256sum.txt"],
  );
});
