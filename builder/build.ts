// The stage graph: base tree → node tree → squashfs images + initrd (cached together) → ISO,
// vmlinuz, rootfs tarball, manifest and sums in dist/artifacts/.
import { copyFile, mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { cachedStage, KeyBuilder, pruneStages } from "./cache.ts";
import { step, type BuildContext } from "./context.ts";
import { buildBaseTree } from "./stages/base.ts";
import { buildNodeTree, type NodeTree } from "./stages/node.ts";
import { ensureKubeLayer } from "./stages/kube-layer.ts";
import { makeSquashfs } from "./output/squashfs.ts";
import { makeInitrd } from "./output/initrd.ts";
import { makeIso } from "./output/iso.ts";
import { renderGrubConfig } from "./iso/grub-config.ts";
import { INITRD_EXTRA_MODULES, INITRD_MODULES } from "./kernel/modules.ts";
import { writeChecksums } from "./output/checksums.ts";
import { publishArtifact, publishCopy } from "./output/publish.ts";

export const ARTIFACTS = {
  iso: "k3os-amd64.iso",
  vmlinuz: "k3os-vmlinuz-amd64",
  initrd: "k3os-initrd-amd64",
  kernelSquashfs: "k3os-kernel-amd64.squashfs",
  rootfsTar: "k3os-rootfs-amd64.tar.gz",
  manifest: "k3os-packages-amd64.txt",
  sums: "sha256sum.txt",
} as const;

export async function buildAll(ctx: BuildContext): Promise<void> {
  const base = await step(ctx, "base tree", () => buildBaseTree(ctx));
  const layer = await step(ctx, "Kubernetes components and node images", () => ensureKubeLayer(ctx));
  const node = await step(ctx, "node tree", () => buildNodeTree(ctx, base, layer));
  const images = await step(ctx, "squashfs images and initrd", () => buildImages(ctx, node));
  await step(ctx, "ISO and artifacts", () => writeArtifacts(ctx, node, images));
  const key = (dir: string) => basename(dir).replace(/^[a-z]+-/, "");
  const removed = await pruneStages(ctx.cache, { base: key(base), node: node.key, images: key(images.dir) });
  if (removed.length > 0) ctx.log.info(`pruned old cache entries: ${removed.join(" ")}`);
}

interface Images {
  dir: string;
  usrSquashfs: string;
  kernelSquashfs: string;
  initrd: string;
}

async function buildImages(ctx: BuildContext, node: NodeTree): Promise<Images> {
  const k = new KeyBuilder().addString("node", node.key).addString("fast", String(ctx.fast));
  await k.addTree(join(ctx.repo, "builder/output"), "output");
  await k.addTree(join(ctx.repo, "image/initramfs"), "initramfs");
  const { dir, hit } = await cachedStage(ctx.cache, "images", k.digest(), async (tmp) => {
    await mkdir(tmp, { recursive: true });
    await step(ctx, "initrd", () =>
      makeInitrd(ctx.runner, {
        stage: join(tmp, "initrd-stage"),
        target: join(tmp, "initrd"),
        busybox: join(node.usr, "bin/busybox"),
        init: join(ctx.repo, "image/initramfs/init"),
        modulesDir: join(node.kernel, "modules", node.kver),
        modules: INITRD_MODULES,
        extraModules: INITRD_EXTRA_MODULES,
        epoch: ctx.epoch,
      }),
    );
    await rm(join(tmp, "initrd-stage"), { recursive: true, force: true });
    await step(ctx, "kernel squashfs", () => makeSquashfs(ctx.runner, { source: node.kernel, target: join(tmp, "kernel.squashfs"), epoch: ctx.epoch, fast: ctx.fast }));
    await step(ctx, "rootfs squashfs (/usr)", () => makeSquashfs(ctx.runner, { source: node.usr, target: join(tmp, "k3os.squashfs"), epoch: ctx.epoch, fast: ctx.fast }));
  });
  ctx.log.info(`images ${hit ? "cached" : "built"}: ${dir}`);
  return { dir, usrSquashfs: join(dir, "k3os.squashfs"), kernelSquashfs: join(dir, "kernel.squashfs"), initrd: join(dir, "initrd") };
}

/** The /k3os/system tree of the ISO (and of the rootfs tarball): versioned components, `current` links. */
async function layoutSystem(ctx: BuildContext, node: NodeTree, images: Images, root: string): Promise<string> {
  const system = join(root, "k3os/system");
  const kernelDir = join(system, "kernel", node.kver);
  const k3osDir = join(system, "k3os", ctx.version);
  await mkdir(kernelDir, { recursive: true });
  await mkdir(k3osDir, { recursive: true });
  await copyFile(node.vmlinuz, join(kernelDir, "vmlinuz"));
  await copyFile(images.initrd, join(kernelDir, "initrd"));
  await copyFile(images.kernelSquashfs, join(kernelDir, "kernel.squashfs"));
  await copyFile(images.usrSquashfs, join(k3osDir, "k3os.squashfs"));
  await symlink(node.kver, join(system, "kernel/current"));
  await symlink(ctx.version, join(system, "k3os/current"));
  return `/k3os/system/kernel/${node.kver}`;
}

async function writeArtifacts(ctx: BuildContext, node: NodeTree, images: Images): Promise<void> {
  const work = join(ctx.cache, "work-iso");
  await rm(work, { recursive: true, force: true });
  const isoDir = join(work, `k3os-${ctx.version}`);
  const kernelDir = await layoutSystem(ctx, node, images, isoDir);
  await mkdir(join(isoDir, "boot/grub"), { recursive: true });
  await writeFile(join(isoDir, "boot/grub/grub.cfg"), renderGrubConfig({ kernelDir }));
  await ctx.runner.run(["find", work, "-exec", "touch", "-h", "-d", `@${ctx.epoch}`, "{}", "+"]);

  await mkdir(ctx.out, { recursive: true });
  const out = (name: string) => join(ctx.out, name);
  await step(ctx, "iso", () => publishArtifact(ctx.runner, out(ARTIFACTS.iso), (tmp) => makeIso(ctx.runner, isoDir, tmp, ctx.epoch)));
  await publishCopy(ctx.runner, node.vmlinuz, out(ARTIFACTS.vmlinuz));
  await publishCopy(ctx.runner, images.initrd, out(ARTIFACTS.initrd));
  await publishCopy(ctx.runner, images.kernelSquashfs, out(ARTIFACTS.kernelSquashfs));
  await publishCopy(ctx.runner, node.manifest, out(ARTIFACTS.manifest));
  // As k3OS's: one top directory holding k3os/system (extract with --strip-components=1 onto a root).
  // gzip -1: the tarball is squashfs images, already compressed; level 6 only cost time.
  await step(ctx, "rootfs tarball", () =>
    publishArtifact(ctx.runner, out(ARTIFACTS.rootfsTar), (tmp) =>
      ctx.runner.run(
        ["tar", "--sort=name", `--mtime=@${ctx.epoch}`, "--owner=0", "--group=0", "--numeric-owner", "-I", "gzip -1 -n", "-cf", tmp, "--exclude=boot", `k3os-${ctx.version}`],
        { cwd: work },
      ),
    ),
  );
  await writeChecksums(ctx.runner, ctx.out, Object.values(ARTIFACTS).filter((a) => a !== ARTIFACTS.sums), ARTIFACTS.sums);
  await rm(work, { recursive: true, force: true });
}
