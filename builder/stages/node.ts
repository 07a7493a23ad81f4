// Stage 2: the node tree. A copy of the base tree made into k3os: the agent, image/rootfs files,
// users, services, then split into what boots it: the /usr tree (rootfs squashfs), the kernel
// part (modules + firmware squashfs, vmlinuz) and the package manifest.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, symlink, writeFile, chmod } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { cachedStage, KeyBuilder } from "../cache.ts";
import { step, type BuildContext } from "../context.ts";
import { PRUNED_MODULE_DIRS } from "../kernel/modules.ts";
import { REPLACED_LSB_SCRIPTS, ROOT_MOUNTPOINTS, RUNLEVELS, SERVICES } from "../distro/layout.ts";
import { installKubeLayer, type KubeLayer } from "./kube-layer.ts";
import { installAgent, listAgentFiles } from "./agent-files.ts";

export interface NodeTree {
  dir: string;
  key: string;
  /** the /usr tree: what the rootfs squashfs holds */
  usr: string;
  /** modules/<kver>, firmware/: what the kernel squashfs holds */
  kernel: string;
  vmlinuz: string;
  kver: string;
  manifest: string;
}

export async function nodeTreeKey(ctx: BuildContext, baseDir: string, layer: KubeLayer): Promise<string> {
  const k = new KeyBuilder().addString("base", baseDir).addString("version", ctx.version).addString("epoch", String(ctx.epoch));
  k.addString("kube", layer.kube.key).addString("node-images", layer.images.key);
  if (ctx.agent) {
    if (!existsSync(ctx.agent)) throw new Error(`${ctx.agent} is missing: run \`npm run build\` first (the image ships the agent bundle), or pass --without-agent`);
    for (const f of await listAgentFiles(ctx.agent)) await k.addFile(f, `agent/${relative(dirname(ctx.agent), f)}`);
  } else k.addString("agent", "none");
  await k.addTree(join(ctx.repo, "image/rootfs"), "image/rootfs");
  for (const d of ["stages", "kernel", "distro"]) await k.addTree(join(ctx.repo, "builder", d), d);
  return k.digest();
}

export async function buildNodeTree(ctx: BuildContext, baseDir: string, layer: KubeLayer): Promise<NodeTree> {
  const key = await nodeTreeKey(ctx, baseDir, layer);
  const { dir, hit } = await cachedStage(ctx.cache, "node", key, (tmp) => step(ctx, "customize a copy of the base tree", () => makeNodeTree(ctx, baseDir, layer, tmp)));
  ctx.log.info(`node tree ${hit ? "cached" : "built"}: ${dir}`);
  const kver = (await readFile(join(dir, "kver"), "utf8")).trim();
  return { dir, key, usr: join(dir, "usr"), kernel: join(dir, "kernel"), vmlinuz: join(dir, "vmlinuz"), kver, manifest: join(dir, "manifest.tsv") };
}

async function makeNodeTree(ctx: BuildContext, baseDir: string, layer: KubeLayer, out: string): Promise<void> {
  const run = (argv: string[]) => ctx.runner.run(argv);
  const tree = join(out, "tree");
  await mkdir(out, { recursive: true });
  await run(["cp", "-a", "--reflink=auto", baseDir, tree]);
  // mmdebstrap leaves these as mountpoints; anything under them is not part of the image.
  for (const d of ["proc", "sys", "dev", "run", "tmp"]) await run(["find", join(tree, d), "-mindepth", "1", "-delete"]);

  if (ctx.agent) await installAgent(ctx.runner, ctx.agent, tree);
  await installKubeLayer(ctx, tree, layer);
  await run(["cp", "-a", "--no-preserve=ownership", `${join(ctx.repo, "image/rootfs")}/.`, `${tree}/`]);
  await chmod(join(tree, "etc/sudoers.d/k3os"), 0o440);
  await writeOsRelease(ctx, tree);
  await addUsers(ctx, tree);
  await setRunlevels(ctx, tree);
  await writeManifest(ctx, tree, join(out, "manifest.tsv"));
  await removeBuildLeftovers(ctx, tree);
  const kver = await splitKernel(ctx, tree, out);
  await splitUsr(ctx, tree, out);
  await rm(tree, { recursive: true, force: true });
  await writeFile(join(out, "kver"), `${kver}\n`);
}

async function writeOsRelease(ctx: BuildContext, tree: string): Promise<void> {
  const id = ctx.version.replace(/^v/, "");
  const text = [
    `PRETTY_NAME="k3os ${ctx.version}"`, 'NAME="k3os"', "ID=k3os", "ID_LIKE=debian",
    `VERSION="${ctx.version}"`, `VERSION_ID=${id}`, 'HOME_URL="https://github.com/rancher/k3os"',
  ];
  await rm(join(tree, "usr/lib/os-release"), { force: true });
  await writeFile(join(tree, "usr/lib/os-release"), `${text.join("\n")}\n`);
}

async function addUsers(ctx: BuildContext, tree: string): Promise<void> {
  // useradd and passwd date the shadow entries from SOURCE_DATE_EPOCH when it is set
  const env = { SOURCE_DATE_EPOCH: String(ctx.epoch) };
  const chroot = (argv: string[]) => ctx.runner.run(["chroot", tree, ...argv], { env });
  await chroot(["useradd", "--uid", "1000", "--user-group", "--create-home", "--shell", "/bin/bash", "--groups", "sudo", "rancher"]);
  // rancher stays locked until live mode or the config gives it a password or keys; root never logs in.
  await chroot(["passwd", "--lock", "root"]);
}

async function setRunlevels(ctx: BuildContext, tree: string): Promise<void> {
  // Debian's LSB scripts that provide a name our native services take (ssh provides "sshd").
  for (const s of REPLACED_LSB_SCRIPTS) await rm(join(tree, "etc/init.d", s), { force: true });
  for (const level of RUNLEVELS) {
    await rm(join(tree, "etc/runlevels", level), { recursive: true, force: true });
    await mkdir(join(tree, "etc/runlevels", level), { recursive: true });
  }
  for (const [service, level] of SERVICES) await ctx.runner.run(["chroot", tree, "rc-update", "add", service, level]);
  // OpenRC's dependency tree, made here once: computed at boot it took 24 s under TCG (it sources
  // every init script). /usr/lib/k3os/sysinit lays it in /run/openrc at boot.
  await ctx.runner.run(["chroot", tree, "rc-update", "--update"]);
  const cache = join(tree, "usr/lib/k3os/openrc");
  await mkdir(cache, { recursive: true });
  await rename(join(tree, "run/openrc/deptree"), join(cache, "deptree"));
  await rm(join(tree, "run/openrc"), { recursive: true, force: true });
  // mount(8) and df read /etc/mtab; Debian's checkroot.sh used to make this link at every boot
  await rm(join(tree, "etc/mtab"), { force: true });
  await symlink("../proc/self/mounts", join(tree, "etc/mtab"));
}

async function writeManifest(ctx: BuildContext, tree: string, file: string): Promise<void> {
  const r = await ctx.runner.run([
    "dpkg-query", `--admindir=${join(tree, "var/lib/dpkg")}`, "-W", "-f", "${Package}\t${Version}\t${Installed-Size}\n",
  ]);
  const lines = r.stdout.split("\n").filter(Boolean).sort();
  await writeFile(file, `# package\tversion\tinstalled-size-KiB\n${lines.join("\n")}\n`);
}

async function removeBuildLeftovers(ctx: BuildContext, tree: string): Promise<void> {
  const gone = [
    "var/lib/apt/lists", "var/cache/apt", "var/cache/debconf/templates.dat-old", "var/log",
    "var/lib/dpkg/info", "etc/machine-id", "etc/hostname", "etc/resolv.conf",
  ];
  for (const p of gone) await rm(join(tree, p), { recursive: true, force: true });
  for (const d of ["var/lib/apt/lists/partial", "var/cache/apt", "var/log", "var/lib/dpkg/info"]) await mkdir(join(tree, d), { recursive: true });
  // Host keys are per node: generated on first boot (k3os-sshkeys), never shipped in the image.
  for (const f of await readdir(join(tree, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) await rm(join(tree, "etc/ssh", f));
  }
}

/** Moves modules, firmware and vmlinuz out of the tree; prunes module trees a node never uses. */
async function splitKernel(ctx: BuildContext, tree: string, out: string): Promise<string> {
  const modules = join(tree, "usr/lib/modules");
  const kvers = await readdir(modules);
  if (kvers.length !== 1 || kvers[0] === undefined) throw new Error(`expected one kernel in ${modules}, found: ${kvers.join(", ") || "none"}`);
  const kver = kvers[0];
  for (const d of PRUNED_MODULE_DIRS) await rm(join(modules, kver, "kernel", d), { recursive: true, force: true });
  // Stored uncompressed: the squashfs compresses them better than per-file xz, and modprobe under
  // TCG then spends no time in xz at boot.
  await ctx.runner.run(["find", join(modules, kver), "-name", "*.ko.xz", "-exec", "xz", "-d", "-q", "{}", "+"]);
  await ctx.runner.run(["chroot", tree, "depmod", "-a", kver]);
  await mkdir(join(out, "kernel/modules"), { recursive: true });
  await rename(join(modules, kver), join(out, "kernel/modules", kver));
  const firmware = join(tree, "usr/lib/firmware");
  if (existsSync(firmware)) await rename(firmware, join(out, "kernel/firmware"));
  else await mkdir(join(out, "kernel/firmware"));
  // Left empty: the kernel squashfs is bind-mounted here at boot.
  await mkdir(firmware, { recursive: true });
  await rename(join(tree, "boot", `vmlinuz-${kver}`), join(out, "vmlinuz"));
  await rm(join(tree, "boot"), { recursive: true, force: true });
  await mkdir(join(tree, "boot"));
  // Debian's /vmlinuz and /initrd.img links point into /boot, which the image leaves empty.
  for (const l of ["vmlinuz", "vmlinuz.old", "initrd.img", "initrd.img.old"]) await rm(join(tree, l), { force: true });
  return kver;
}

/**
 * Makes the tree a /usr tree: /etc becomes /usr/etc (copied to a tmpfs /etc each boot), everything
 * else outside /usr becomes the root skeleton /usr/lib/k3os/skel that the initramfs lays on the root.
 */
async function splitUsr(ctx: BuildContext, tree: string, out: string): Promise<void> {
  const usr = join(tree, "usr");
  const skel = join(usr, "lib/k3os/skel");
  await rename(join(tree, "etc"), join(usr, "etc"));
  await mkdir(skel, { recursive: true });
  // /usr/local is persistent through /var/local (as k3OS).
  await rename(join(usr, "local"), join(tree, "var/local"));
  await symlink("../var/local", join(usr, "local"));
  for (const name of await readdir(tree)) {
    if (name === "usr") continue;
    await ctx.runner.run(["mv", join(tree, name), join(skel, name)]);
  }
  for (const d of ROOT_MOUNTPOINTS) await mkdir(join(skel, d), { recursive: true });
  await rename(usr, join(out, "usr"));
}
