// The services a live system boots with for the install and the datasources (VM cases 008-install-*
// and 009-datasource-cdrom boot them): which runlevel, in which order, on which terminal.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SERVICES } from "../../../builder/distro/layout.ts";

const rootfs = join(import.meta.dirname, "../../../image/rootfs");
const read = (p: string) => readFileSync(join(rootfs, p), "utf8");

test("cloud-config and k3os-install are in the default runlevel", () => {
  for (const s of ["cloud-config", "k3os-install"]) assert.ok(SERVICES.some(([n, l]) => n === s && l === "default"), s);
});

test("cloud-config probes the configured datasources after the network, before the runtime config and k3s", () => {
  const s = read("etc/init.d/cloud-config");
  assert.match(s, /^\tneed net$/m);
  assert.match(s, /^\tbefore k3os-runtime k3s-service$/m);
  assert.match(s, /^\t\/usr\/sbin\/k3os datasource \$command_args$/m);
  // nothing configured: no probe; a failure never fails the boot
  assert.match(s, /\[ -n "\$\{command_args:-\}" \] \|\| return 0/);
  assert.match(s, /eend \$\? "[^"]*"\n\treturn 0\n\}/);
});

test("k3os-install runs only in install mode, on the console's terminal as its controlling terminal", () => {
  const s = read("etc/init.d/k3os-install");
  assert.match(s, /\[ "\$\(cat \/run\/k3os\/mode 2>\/dev\/null\)" = install \] \|\| return 0/);
  assert.match(s, /^\tneed net$/m);
  assert.match(s, /setsid --ctty --wait \/usr\/sbin\/k3os install <"\$tty" >"\$tty" 2>&1/);
  assert.match(s, /: > \/run\/k3os\/install-finished/);
});

test("k3s does not start on a system booted to install", () => {
  assert.match(read("etc/init.d/k3s-service"), /= install \]; then\n[^\n]*\n\t\treturn 1/);
});

test("both gettys go through console-getty, which holds the installer's console until the install is over", () => {
  const inittab = read("etc/inittab");
  assert.match(inittab, /^1:2345:respawn:\/usr\/lib\/k3os\/console-getty tty1 --noclear 38400 tty1$/m);
  assert.match(inittab, /^S0:2345:respawn:\/usr\/lib\/k3os\/console-getty ttyS0 -L 115200 ttyS0 vt100$/m);
  const getty = read("usr/lib/k3os/console-getty");
  assert.match(getty, /while \[ ! -e \/run\/k3os\/install-finished \]/);
  assert.match(getty, /^exec \/sbin\/getty "\$@"$/m);
});

test("console-tty names the terminal behind /dev/console: the last active console", () => {
  const dir = mkdtempSync(join(tmpdir(), "k3os-console-"));
  const tty = (active: string) => {
    writeFileSync(join(dir, "active"), active);
    return execFileSync("sh", [join(rootfs, "usr/lib/k3os/console-tty"), join(dir, "active")], { encoding: "utf8" }).trim();
  };
  assert.equal(tty("tty1 ttyS0\n"), "ttyS0");
  assert.equal(tty("ttyS0 tty1\n"), "tty1");
  assert.equal(tty("tty0\n"), "tty0");
});

test("the new scripts parse as POSIX sh", () => {
  for (const f of ["etc/init.d/cloud-config", "etc/init.d/k3os-install", "usr/lib/k3os/console-getty", "usr/lib/k3os/console-tty"]) {
    execFileSync("sh", ["-n", join(rootfs, f)]);
  }
});
