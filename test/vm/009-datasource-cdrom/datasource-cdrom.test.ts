// The datasources at boot: a NoCloud `cidata` disc the test makes (xorriso) as a second CD drive
// and k3os.data_sources=cdrom on the cmdline. `k3os config --boot` writes
// /etc/conf.d/cloud-config, the cloud-config service runs `k3os datasource cdrom` before the
// runtime config, which applies the disc's hostname (meta-data) and its #cloud-config userdata
// (write_files, ssh_authorized_keys).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { KERNEL, INITRD, Vm } from "../../../builder/vm/console.ts";
import { liveCmdline } from "../../../builder/vm/qemu-args.ts";

const exec = promisify(execFile);
const PASSWORD = "k3os-datasource";
const HOSTNAME = "k3os-nocloud";
let dir: string;
let key: string;
let vm: Vm;

before(async () => {
  dir = await mkdtemp("/var/tmp/k3os-vmtest-cidata-");
  await exec("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "cidata-test", "-f", join(dir, "key")]);
  key = (await readFile(join(dir, "key.pub"), "utf8")).trim();
  const seed = join(dir, "seed");
  await mkdir(seed);
  await writeFile(join(seed, "meta-data"), `instance-id: k3os-vmtest\nlocal-hostname: ${HOSTNAME}\n`);
  await writeFile(join(seed, "user-data"), [
    "#cloud-config",
    "ssh_authorized_keys:",
    `  - ${key}`,
    "write_files:",
    "  - path: /etc/k3os-from-cidata",
    "    content: written from the cidata user-data",
    "",
  ].join("\n"));
  await exec("xorriso", ["-as", "mkisofs", "-quiet", "-V", "cidata", "-J", "-r", "-o", join(dir, "seed.iso"), seed]);
  vm = await Vm.boot({
    name: "009-datasource-cdrom",
    kernel: KERNEL,
    initrd: INITRD,
    append: liveCmdline(`k3os.data_sources=cdrom k3os.password=${PASSWORD}`),
    cdroms: [join(dir, "seed.iso")],
  });
});
after(async () => {
  await vm?.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("the cloud-config service probes the cidata disc before the runtime config", async () => {
  const seconds = await vm.login("rancher", PASSWORD, 600_000);
  process.stdout.write(`# boot to login with k3os.data_sources=cdrom (${vm.accel}): ${seconds.toFixed(1)} s\n`);
  assert.match(vm.text, /datasource cdrom: userdata/);
  assert.equal((await vm.run("cat /etc/conf.d/cloud-config")).out, 'command_args="cdrom"');
  assert.match((await vm.run("rc-service cloud-config status")).out, /started/);
});

test("the disc's meta-data names the node", async () => {
  assert.equal((await vm.run("cat /run/config/local_hostname")).out, HOSTNAME);
  assert.equal((await vm.run("hostname")).out, HOSTNAME);
});

test("the disc's #cloud-config user-data applied: write_files and ssh_authorized_keys", async () => {
  assert.equal((await vm.run("cat /etc/k3os-from-cidata")).out, "written from the cidata user-data");
  assert.match((await vm.run("cat /home/rancher/.ssh/authorized_keys")).out, new RegExp(key.split(" ")[1]?.replace(/[+/]/g, "\\$&") ?? "missing"));
});
