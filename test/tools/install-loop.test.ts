// `k3os install` for real onto loop devices backed by sparse 2.5 GiB files: real dd, sfdisk, partx,
// mkfs, tune2fs, mount and grub-install. The install source is a small tree with the artifacts'
// names. The result is read back as a boot would see it: table, labels, /k3os/system, grub.cfg.
//
// Host limits, probed rather than assumed: GRUB 2.06 (bookworm) finds a partition's start only
// through HDIO_GETGEO, which loop devices do not implement, so its grub-install cannot install
// onto a loop disk ("cannot find a GRUB drive for /dev/loop0p1"); a kernel without vfat cannot
// mount the ESP. Where a limit applies, the test checks what the install's order promises for a
// cut-off install instead: a complete K3OS_STATE and a disk that does not boot.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { runInstallCommand } from "../../src/install/install-command.ts";
import { planInstallSteps, runInstallSteps, waitForDeviceNode } from "../../src/install/install-steps.ts";
import { preflight } from "../../src/install/preflight.ts";
import { resolveInstallSpec } from "../../src/install/spec.ts";
import { createLogger } from "../../src/system/log.ts";
import { KEY, promptDriver } from "../unit/install/prompt-driver.ts";

const isRoot = process.getuid?.() === 0;
const GIB = 1024 ** 3;
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

async function makeSource(dir: string): Promise<string> {
  const src = join(dir, "medium");
  const put = async (path: string, content: string) => {
    await mkdir(join(src, path, ".."), { recursive: true });
    await writeFile(join(src, path), content);
  };
  await put("k3os/system/k3os/v0.1.0-test/k3os.squashfs", "usr squashfs stand-in\n");
  await put("k3os/system/kernel/6.12.0-test/vmlinuz", "kernel stand-in\n");
  await put("k3os/system/kernel/6.12.0-test/initrd", "initrd stand-in\n");
  await put("k3os/system/kernel/6.12.0-test/kernel.squashfs", "modules stand-in\n");
  await symlink("v0.1.0-test", join(src, "k3os/system/k3os/current"));
  await symlink("6.12.0-test", join(src, "k3os/system/kernel/current"));
  return src;
}

/** A loop device with partition scanning over a sparse file (no disk space used); detached at the end. */
async function makeLoop(dir: string, name: string, bytes: number, loops: string[]): Promise<string> {
  const file = join(dir, name);
  const fh = await open(file, "w");
  await fh.truncate(bytes);
  await fh.close();
  const dev = sh("losetup", ["--find", "--show", "--partscan", file]).trim();
  loops.push(dev);
  return dev;
}

/** Whether this host's GRUB maps a partition of a loop disk to a GRUB drive (see the header). */
async function grubMapsLoopPartitions(dir: string, loops: string[]): Promise<boolean> {
  const dev = await makeLoop(dir, "probe.img", 64 * 1024 * 1024, loops);
  execFileSync("sfdisk", ["-q", dev], { input: "label: dos\nstart=2048, type=83\n" });
  sh("partx", ["--update", dev]);
  return spawnSync("grub-probe", ["--target=drive", "--device", `${dev}p1`]).status === 0;
}

const hasVfat = () => /\svfat$/m.test(readFileSync("/proc/filesystems", "utf8"));

async function withMounted<T>(dev: string, dir: string, fn: (mnt: string) => Promise<T>, type = "ext4"): Promise<T> {
  const mnt = await mkdtemp(join(dir, "mnt-"));
  sh("mount", ["-t", type, "-o", "ro", dev, mnt]);
  try {
    return await fn(mnt);
  } finally {
    sh("umount", [mnt]);
  }
}

async function readBytes(dev: string, length: number, position = 0): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const fh = await open(dev, "r");
  try {
    await fh.read(buf, 0, length, position);
  } finally {
    await fh.close();
  }
  return buf;
}

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

const label = (dev: string) => sh("blkid", ["-s", "LABEL", "-o", "value", dev]).trim();
const table = (dev: string) => JSON.parse(sh("sfdisk", ["--json", dev])).partitiontable;

/** The K3OS_STATE tree the install leaves, whatever GRUB did. */
async function assertStateTree(part: string, dir: string, growpart: string, tty: string | undefined): Promise<void> {
  await withMounted(part, dir, async (mnt) => {
    const sys = join(mnt, "k3os/system");
    assert.equal(await readlink(join(sys, "k3os/current")), "v0.1.0-test");
    assert.equal(await readlink(join(sys, "kernel/current")), "6.12.0-test");
    assert.equal(await readFile(join(sys, "k3os/current/k3os.squashfs"), "utf8"), "usr squashfs stand-in\n");
    for (const f of ["vmlinuz", "initrd", "kernel.squashfs"]) await readFile(join(sys, "kernel/6.12.0-test", f));
    assert.equal(await readFile(join(sys, "growpart"), "utf8"), `${growpart}\n`);
    const cfg = await readFile(join(mnt, "boot/grub/grub.cfg"), "utf8");
    for (const entry of ["k3os Current", "k3os Previous", "k3os Rescue"]) assert.match(cfg, new RegExp(`menuentry "${entry}"`));
    if (tty) assert.match(cfg, new RegExp(`k3os\\.mode=disk console=tty1 console=${tty},115200 quiet`));
  });
}

describe("k3os install onto a loop device", { skip: isRoot ? false : "needs root (loop devices, mount)" }, () => {
  let dir: string;
  let source: string;
  let configFile: string;
  let grubWorks: boolean;
  const loops: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "k3os-install-"));
    source = await makeSource(dir);
    configFile = join(dir, "config.yaml");
    await writeFile(configFile, "hostname: installed-node\nk3os:\n  labels:\n    disk: loop\n");
    grubWorks = await grubMapsLoopPartitions(dir, loops);
    if (!grubWorks) console.log("# this host's grub-install cannot install onto loop disks: checking the cut-off state instead");
  });
  after(async () => {
    for (const dev of loops) spawnSync("losetup", ["-d", dev]);
    await rm(dir, { recursive: true, force: true });
  });

  test("BIOS: msdos table, K3OS_STATE holding the system, the config and growpart; GRUB last", async () => {
    const dev = await makeLoop(dir, "bios.img", 2.5 * GIB, loops);
    const { io, out, err } = collect();
    const started = Date.now();
    const code = await runInstallCommand(["--device", dev, "--source", source, "--config-url", configFile, "--tty", "ttyS0", "--yes"], io);
    console.log(`# BIOS install onto a 2.5 GiB loop device: ${((Date.now() - started) / 1000).toFixed(1)} s, exit ${code}`);
    const t = table(dev);
    assert.equal(t.label, "dos");
    assert.deepEqual(t.partitions.map((p: { start: number; type: string }) => [p.start, p.type]), [[2048, "83"]]);
    const part = `${dev}p1`;
    assert.equal(label(part), "K3OS_STATE");
    assert.equal(sh("blkid", ["-s", "TYPE", "-o", "value", part]).trim(), "ext4");
    await assertStateTree(part, dir, `${dev} 1`, "ttyS0");
    await withMounted(part, dir, async (mnt) => {
      assert.match(await readFile(join(mnt, "k3os/system/config.yaml"), "utf8"), /hostname: installed-node/);
    });
    const mbr = await readBytes(dev, 512);
    if (grubWorks) {
      assert.equal(code, 0, err.join("\n"));
      assert.ok(out.some((l) => l.startsWith(`installed k3os to ${dev}`)), out.join("\n"));
      assert.ok(mbr.includes("GRUB"), "GRUB's boot code is in the MBR");
      assert.equal(t.partitions[0].bootable, true);
    } else {
      assert.equal(code, 1);
      assert.match(err.join("\n"), new RegExp(`failed at step \\d+/\\d+ \\(install GRUB \\(i386-pc\\) on ${dev}\\).*cannot find a GRUB drive`, "s"));
      assert.ok(mbr.subarray(0, 440).every((b) => b === 0), "no boot code in the MBR");
      assert.notEqual(t.partitions[0].bootable, true);
    }
  });

  test("an install cut off after copying leaves a disk that does not boot, and the next install over it starts afresh", async () => {
    const dev = await makeLoop(dir, "cut.img", 2.5 * GIB, loops);
    const spec = resolveInstallSpec({ device: dev }, { source }, { efiFirmware: false });
    const prepared = await preflight(spec, "/");
    const target = await mkdtemp(join(dir, "target-"));
    const ctx = { runner: new ProcessRunner(), log: createLogger({ write: () => {} }), target, liveCmdline: "", waitForDevice: (p: string) => waitForDeviceNode(p) };
    const steps = planInstallSteps(prepared, ctx);
    const cut = steps.findIndex((s) => s.name === "copy the system") + 1;
    await runInstallSteps(steps.slice(0, cut), ctx);
    sh("umount", [target]); // what a power cut does to the mount
    assert.equal(label(`${dev}p1`), "K3OS_INSTALLING", "not yet a K3OS_STATE the initramfs would boot");
    assert.ok((await readBytes(dev, 440)).every((b) => b === 0), "no boot code in the MBR");
    assert.notEqual(table(dev).partitions[0].bootable, true);

    const { io, err } = collect();
    const code = await runInstallCommand(["--device", dev, "--source", source, "--yes"], io);
    assert.equal(code, grubWorks ? 0 : 1, err.join("\n"));
    assert.equal(label(`${dev}p1`), "K3OS_STATE");
    await assertStateTree(`${dev}p1`, dir, `${dev} 1`, undefined);
  });

  test("EFI (force_efi): GPT with an ESP, then K3OS_STATE; the ESP gets GRUB last", async () => {
    const dev = await makeLoop(dir, "efi.img", 2.5 * GIB, loops);
    const { io, err } = collect();
    const code = await runInstallCommand(["--device", dev, "--source", source, "--force-efi", "--yes"], io);
    const t = table(dev);
    assert.equal(t.label, "gpt");
    assert.deepEqual(t.partitions.map((p: { type: string }) => p.type), ["C12A7328-F81F-11D2-BA4B-00A0C93EC93B", "0FC63DAF-8483-4772-8E79-3D69D8477DE4"]);
    assert.equal(t.partitions[0].start, 2048);
    assert.equal(t.partitions[1].start, 2048 + 64 * 2048);
    assert.equal(label(`${dev}p1`), "K3OS_GRUB");
    assert.equal(label(`${dev}p2`), "K3OS_STATE");
    await assertStateTree(`${dev}p2`, dir, `${dev} 2`, undefined);
    // "BOOTX64 EFI" is the loader's 8.3 directory entry in the ESP
    const esp = await readBytes(`${dev}p1`, 4 * 1024 * 1024);
    if (grubWorks && hasVfat()) {
      assert.equal(code, 0, err.join("\n"));
      await withMounted(`${dev}p1`, dir, async (mnt) => void (await readFile(join(mnt, "EFI/BOOT/BOOTX64.EFI"))), "vfat");
    } else {
      assert.equal(code, 1);
      assert.match(err.join("\n"), /failed at step \d+\/\d+ \(install GRUB \(x86_64-efi\)/);
      assert.equal(esp.indexOf("BOOTX64 EFI"), -1, "no loader in the ESP");
    }
  });
  test("--dry-run prints the whole install onto a real disk and leaves it as it was", async () => {
    const dev = await makeLoop(dir, "dry.img", 2.5 * GIB, loops);
    const { io, out, err } = collect();
    assert.equal(await runInstallCommand(["--device", dev, "--source", source, "--config-url", configFile, "--dry-run"], io), 0, err.join("\n"));
    for (const want of [`would run: sfdisk --wipe always --wipe-partitions always ${dev}`, `would run: grub-install --target=i386-pc`, "would write k3os/system/config.yaml"]) {
      assert.ok(out.some((l) => l.includes(want)), `${want}\n${out.join("\n")}`);
    }
    assert.ok((await readBytes(dev, 2 * 1024 * 1024)).every((b) => b === 0), "the disk's first 2 MiB are still zero");
  });

  test("a refused install (disk too small, invalid config) names both and writes nothing", async () => {
    const dev = await makeLoop(dir, "small.img", 1 * GIB, loops);
    const fh = await open(dev, "r+");
    await fh.write(Buffer.from("previous contents"), 0, 17, 0);
    await fh.close();
    const bad = join(dir, "bad.yaml");
    await writeFile(bad, "k3os:\n  labels: [a]\n");
    const { io, err } = collect();
    assert.equal(await runInstallCommand(["--device", dev, "--source", source, "--config-url", bad, "--yes"], io), 1);
    assert.deepEqual(err.join("\n").split("\n"), [
      "k3os install: install refused, nothing was written:",
      `  - ${dev}: 1.00 GiB is too small: K3OS_STATE needs at least 2.00 GiB, so the disk at least 2.00 GiB (BIOS)`,
      `  - k3os.install.config_url: ${bad} is not a valid config:`,
      `    ${bad}:2: k3os.labels: expected a map, got a list`,
    ]);
    assert.equal((await readBytes(dev, 17)).toString(), "previous contents");
  });
  test("no_format installs into an existing K3OS_STATE partition and keeps what else is on it", async () => {
    const dev = await makeLoop(dir, "noformat.img", 2.5 * GIB, loops);
    execFileSync("sfdisk", ["-q", dev], { input: "label: dos\nstart=2048, type=83\n" });
    sh("partx", ["--update", dev]);
    const part = `${dev}p1`;
    sh("mkfs.ext4", ["-q", "-F", "-L", "K3OS_STATE", part]);
    const mnt = await mkdtemp(join(dir, "mnt-"));
    sh("mount", [part, mnt]);
    await mkdir(join(mnt, "var/lib"), { recursive: true });
    await writeFile(join(mnt, "var/lib/keep"), "node data\n");
    sh("umount", [mnt]);

    const whole = collect();
    assert.equal(await runInstallCommand(["--device", dev, "--no-format", "--source", source, "--yes"], whole.io), 1);
    assert.match(whole.err.join("\n"), new RegExp(`${dev}: no_format installs into an existing K3OS_STATE partition; this is a whole disk`));

    const { io, err } = collect();
    const code = await runInstallCommand(["--device", part, "--no-format", "--source", source, "--yes"], io);
    assert.equal(code, grubWorks ? 0 : 1, err.join("\n"));
    if (!grubWorks) assert.match(err.join("\n"), new RegExp(`install GRUB \\(i386-pc\\) on ${dev}\\)`));
    assert.ok(!err.join("\n").includes("mkfs"), "nothing formatted");
    assert.equal(label(part), "K3OS_STATE");
    await withMounted(part, dir, async (m) => {
      assert.equal(await readFile(join(m, "var/lib/keep"), "utf8"), "node data\n");
      assert.equal(await readlink(join(m, "k3os/system/kernel/current")), "6.12.0-test");
      await readFile(join(m, "boot/grub/grub.cfg"));
      await assert.rejects(readFile(join(m, "k3os/system/growpart")), /ENOENT/);
    });
  });
  test("interactive: typed answers become the installed config.yaml; a no at the confirmation writes nothing", async () => {
    const dev = await makeLoop(dir, "interactive.img", 2.5 * GIB, loops);
    const answers: [RegExp, string][] = [
      [/from a config file/, KEY.enter],
      [/Authorize GitHub users/, "y" + KEY.enter],
      [/GitHub users or public keys/, "alice" + KEY.enter],
      [/Password for rancher/, KEY.enter],
      [/Configure wifi\?/, KEY.enter],
      [/server or an agent/, KEY.enter],
      [/Token or cluster secret/, "cluster-secret" + KEY.enter],
    ];
    const no = promptDriver([...answers, [new RegExp(`Everything on ${dev} will be erased`), "n" + KEY.enter]]);
    const refused = collect();
    assert.equal(await runInstallCommand(["--device", dev, "--source", source], { ...refused.io, prompts: no.streams }), 1);
    assert.deepEqual(refused.err, ["k3os install: not confirmed; nothing was written"]);
    assert.ok((await readBytes(dev, 2 * 1024 * 1024)).every((b) => b === 0), "the disk is untouched");

    const yes = promptDriver([...answers, [new RegExp(`Everything on ${dev} will be erased`), "y" + KEY.enter]]);
    const { io, out, err } = collect();
    const code = await runInstallCommand(["--device", dev, "--source", source], { ...io, prompts: yes.streams });
    assert.equal(yes.answered(), answers.length + 1);
    assert.equal(code, grubWorks ? 0 : 1, err.join("\n"));
    assert.ok(out.includes("config:    answered here"), out.join("\n"));
    await withMounted(`${dev}p1`, dir, async (m) => {
      assert.equal(await readFile(join(m, "k3os/system/config.yaml"), "utf8"), "ssh_authorized_keys:\n  - github:alice\nk3os:\n  token: cluster-secret\n");
    });
  });
});
