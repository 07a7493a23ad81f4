import { test } from "node:test";
import assert from "node:assert/strict";
import { listPackages, PACKAGE_GROUPS, renderMmdebstrapArgv } from "../../../builder/distro/debian.ts";

test("the package list has OpenRC and the node's tools but no systemd init, compiler or initramfs-tools", () => {
  const pkgs = listPackages();
  for (const p of ["openrc", "sysvinit-core", "connman", "openssh-server", "sudo", "iptables", "nodejs", "linux-image-amd64", "e2fsprogs", "fdisk"]) {
    assert.ok(pkgs.includes(p), `${p} is in the list`);
  }
  for (const p of ["systemd", "systemd-sysv", "gcc", "make", "initramfs-tools", "udev"]) assert.ok(!pkgs.includes(p), `${p} is not`);
  assert.deepEqual(pkgs, [...pkgs].sort(), "sorted, so the cache key does not depend on group order");
});

test("mmdebstrap runs minbase trixie with the merged-usr hook, no recommends, and no docs or locales", () => {
  const argv = renderMmdebstrapArgv({ target: "/t", packages: ["a", "b"] });
  assert.equal(argv[0], "mmdebstrap");
  for (const a of ["--variant=minbase", "--include=a,b", "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr", "--aptopt=APT::Install-Recommends \"false\"", "--dpkgopt=path-exclude=/usr/share/man/*", "--dpkgopt=path-exclude=/usr/share/locale/*", "trixie", "/t"]) {
    assert.ok(argv.includes(a), `has ${a}`);
  }
  assert.ok(argv.indexOf("trixie") < argv.indexOf("/t"), "suite before target");
  assert.ok(argv.slice(argv.indexOf("/t") + 1).every((m) => m.startsWith("deb http://deb.debian.org/")), "mirrors last");
});

test("every package group says what it is for (no empty group)", () => {
  for (const [name, pkgs] of Object.entries(PACKAGE_GROUPS)) assert.ok(pkgs.length > 0, name);
});
