// The Kubernetes part of the node tree: the components built from Go modules (issue 11) under
// /usr/libexec/k3os/kube, the node's image archives under /usr/lib/k3os/images (imported by k3s at
// every start; nothing is pulled), and /usr/bin/kubectl|crictl|ctr wrappers.
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ensureKubeComponents, type KubeComponents } from "../kube/build.ts";
import { ensureNodeImages, type NodeImages } from "../kube/node-images.ts";
import { DEFAULT_KUBE_DIR, kubeBinaries } from "../../src/k3s/layout/binaries.ts";
import { SYSTEM_IMAGES_DIR } from "../../src/k3s/layout/defaults.ts";
import { nodePaths } from "../../src/k3s/layout/paths.ts";
import { renderToolWrapper, WRAPPED_TOOLS } from "../../src/k3s/layout/tool-wrappers.ts";
import type { BuildContext } from "../context.ts";
import { mergeDockerArchives } from "./image-bundle.ts";

/** Every image the node runs, one archive (see image-bundle.ts for why one). */
export const IMAGE_BUNDLE = "k3os-images.tar";

export interface KubeLayer {
  kube: KubeComponents;
  images: NodeImages;
}

/** Builds (or finds cached) the components and image archives; their keys go into the node key. */
export async function ensureKubeLayer(ctx: BuildContext): Promise<KubeLayer> {
  const log = (m: string) => ctx.log.info(`kube: ${m}`);
  const kube = await ensureKubeComponents({ log });
  const images = await ensureNodeImages({ kube, log });
  return { kube, images };
}

/** Binaries a node never runs from /usr: CoreDNS runs from its image archive. */
const NOT_ON_NODE = ["coredns"];

export async function installKubeLayer(ctx: BuildContext, tree: string, layer: KubeLayer): Promise<void> {
  const kubeDir = join(tree, DEFAULT_KUBE_DIR);
  await mkdir(kubeDir, { recursive: true });
  // cp -a keeps the relative symlinks: applets -> bin/k3os-kube, CNI plugins -> cni/cni
  await ctx.runner.run(["cp", "-a", "--no-preserve=ownership", layer.kube.binDir, join(kubeDir, "bin")]);
  await ctx.runner.run(["cp", "-a", "--no-preserve=ownership", layer.kube.cniDir, join(kubeDir, "cni")]);
  for (const name of NOT_ON_NODE) await rm(join(kubeDir, "bin", name), { force: true });

  const imagesDir = join(tree, SYSTEM_IMAGES_DIR);
  await mkdir(imagesDir, { recursive: true });
  await mergeDockerArchives({
    runner: ctx.runner,
    archives: Object.values(layer.images.images).map((i) => i.archive),
    work: join(tree, "..", "image-bundle"),
    out: join(imagesDir, IMAGE_BUNDLE),
    epoch: ctx.epoch,
  });
  await chmod(join(imagesDir, IMAGE_BUNDLE), 0o644);

  const bins = kubeBinaries(DEFAULT_KUBE_DIR);
  const paths = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" });
  for (const tool of WRAPPED_TOOLS) {
    const file = join(tree, "usr/bin", tool);
    await rm(file, { force: true });
    await writeFile(file, renderToolWrapper(tool, bins, paths), { mode: 0o755 });
  }
}
