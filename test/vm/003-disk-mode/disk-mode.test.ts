// Disk mode: a disk with a K3OS_STATE partition (the rootfs tarball's /k3os/system on ext4) boots
// with the kernel and initrd alone, no ISO attached, so nothing can come from a live medium. Booted
// twice from the same disk: what lives under /var, /home, /opt and /usr/local survives, /etc does not.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { ARTIFACTS, INITRD, KERNEL, Vm } from "../../../builder/vm/console.ts";
import { sshRun, waitForSsh, type SshOptions } from "../ssh.ts";
import { makeStateDisk } from "./state-disk.ts";

const run = promisify(execFile);
const TARBALL = join(ARTIFACTS, "k3os-rootfs-amd64.tar.gz");
const PASSWORD = "k3os-disk-test";
// TCG boots to a login took 40-275 s depending on the machine's load (275 s at load ~18).
const BOOT_TIMEOUT_MS = 600_000;
const GiB = 2 ** 30;

/** No k3os.mode: the initramfs must find K3OS_STATE by itself. */
function diskCmdline(extra: string): string {
  return ["console=ttyS0,115200", "quiet", "panic=10", extra].join(" ");
}

let dir: string;
let disk: string;
let ssh: SshOptions;
let publicKey: string;
let first: Vm | undefined;
let second: Vm | undefined;
let firstHostname = "";

before(async () => {
  dir = await mkdtemp("/var/tmp/k3os-vmtest-disk-");
  disk = join(dir, "state.raw");
  await makeStateDisk({ tarball: TARBALL, path: disk, diskBytes: 3 * GiB, partitionBytes: 2 * GiB, growpart: true });
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "k3os-vmtest", "-f", join(dir, "id_ed25519")]);
  publicKey = (await readFile(join(dir, "id_ed25519.pub"), "utf8")).trim();
  ssh = { args: ["-i", join(dir, "id_ed25519"), "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"] };
});
after(async () => {
  await first?.kill();
  await second?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("a disk with a K3OS_STATE partition boots in disk mode with no ISO attached", async () => {
  first = await Vm.boot({ name: "003-disk-mode-1", iso: false, kernel: KERNEL, initrd: INITRD, append: diskCmdline(`k3os.password=${PASSWORD}`), disks: [disk] });
  const seconds = await first.login("rancher", PASSWORD, BOOT_TIMEOUT_MS);
  process.stdout.write(`# disk mode, first boot to login (${first.accel}): ${seconds.toFixed(1)} s\n`);
  assert.equal((await first.run("cat /run/k3os/mode")).out, "disk");
  // QEMU's pc machine has an empty CD-ROM drive: no medium, so no filesystem labelled K3OS
  assert.notEqual((await first.run("sudo -n blkid -L K3OS")).code, 0, "no K3OS medium");
  assert.match((await first.run("grep ' /run/k3os/state ' /proc/mounts")).out, /^\/dev\/vda1 \/run\/k3os\/state ext4 rw/);
});

test("the state partition and its filesystem grew to the end of the disk, as k3os/system/growpart asked", async () => {
  const vm = first as Vm;
  const sectors = Number((await vm.run("cat /sys/class/block/vda1/size")).out);
  assert.equal(sectors, (3 * GiB - 2 ** 20) / 512, "partition 1 ends at the end of the 3 GiB disk");
  const size = Number((await vm.run("df -B1 --output=size /run/k3os/state | tail -1")).out);
  assert.ok(size > 2.8 * GiB, `ext4 is ${size} bytes`);
  assert.notEqual((await vm.run("test -e /k3os/system/growpart")).code, 0, "the marker is gone");
});

test("/usr is the read-only squashfs from the state partition's current k3os component", async () => {
  const vm = first as Vm;
  const usr = await vm.run("grep ' /usr ' /proc/mounts");
  assert.match(usr.out, /^\/dev\/loop\d+ \/usr squashfs ro[,\s]/m);
  const backing = await vm.run("cat /sys/block/$(awk '$2 == \"/usr\" {sub(\"/dev/\", \"\", $1); print $1}' /proc/mounts)/loop/backing_file");
  assert.match(backing.out, /^\/run\/k3os\/state\/k3os\/system\/k3os\/[^/]+\/k3os\.squashfs$/);
  assert.notEqual((await vm.run("sudo -n touch /usr/k3os-test")).code, 0, "/usr refuses writes");
  assert.match((await vm.run("grep ' /usr/lib/modules ' /proc/mounts")).out, /squashfs ro/);
});

test("/var, /home, /opt and /k3os are on the state partition, /k3os/system read-only, /etc a tmpfs overlay", async () => {
  const vm = first as Vm;
  for (const d of ["/var", "/home", "/opt", "/k3os"]) {
    assert.equal((await vm.run(`findmnt -n -o SOURCE ${d}`)).out, `/dev/vda1[${d}]`, d);
  }
  assert.match((await vm.run("findmnt -n -o OPTIONS /k3os/system")).out, /^ro,/);
  assert.notEqual((await vm.run("sudo -n touch /k3os/system/k3os-test")).code, 0, "/k3os/system refuses writes");
  assert.equal((await vm.run("sudo -n touch /k3os/data/k3os-test && echo ok")).out, "ok");
  assert.match((await vm.run("grep ' /etc ' /proc/mounts")).out, /^etc \/etc overlay rw,/);
  assert.equal((await vm.run("readlink -f /usr/local")).out, "/var/local");
});

test("files under /var, /home, /opt, /usr/local and the node's name survive a power-off; /etc does not", async () => {
  const vm = first as Vm;
  firstHostname = (await vm.run("hostname")).out;
  assert.match(firstHostname, /^k3os-\d{5}$/);
  const write = "echo kept > ~/k3os-kept && sudo -n sh -c 'echo kept > /var/lib/k3os-kept && echo kept > /opt/k3os-kept && " +
    "echo kept > /usr/local/k3os-kept && echo lost > /etc/k3os-lost' && sync && echo written";
  assert.equal((await vm.run(write)).out, "written");
  vm.send("sudo -n poweroff\n");
  await vm.waitFor(/reboot: Power down/, 180_000);
  await vm.kill();

  // The second boot has no password: only the key (and so SSH) logs in.
  second = await Vm.boot({ name: "003-disk-mode-2", iso: false, kernel: KERNEL, initrd: INITRD, append: diskCmdline(`ssh_authorized_keys="${publicKey}"`), disks: [disk] });
  const seconds = await waitForSsh(second, "rancher", ssh, BOOT_TIMEOUT_MS);
  process.stdout.write(`# disk mode, second boot to SSH login (${second.accel}): ${seconds.toFixed(1)} s\n`);
  const check = await sshRun(second.sshPort, "rancher", "cat /run/k3os/mode ~/k3os-kept /var/lib/k3os-kept /opt/k3os-kept /usr/local/k3os-kept; hostname; test -e /etc/k3os-lost || echo no-etc-file", ssh);
  assert.equal(check.code, 0, check.err);
  assert.deepEqual(check.out.split("\n"), ["disk", "kept", "kept", "kept", "kept", firstHostname, "no-etc-file"]);
});

test("without a configured password rancher's password stays locked in disk mode", async () => {
  const vm = second as Vm;
  const status = await sshRun(vm.sshPort, "rancher", "sudo -n passwd -S rancher", ssh);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /^rancher L /);
});
