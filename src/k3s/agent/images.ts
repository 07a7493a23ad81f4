// agent/images/: image archives imported into containerd's k8s.io namespace at every start, before
// the kubelet runs, as k3s does. Nothing is pulled on a k3os node: the pause image, CoreDNS and
// local-path-provisioner arrive this way.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";

/** The images the OS itself ships (read-only /usr): imported before agent/images at every start. */
import { SYSTEM_IMAGES_DIR } from "../layout/defaults.ts";

export { SYSTEM_IMAGES_DIR };

/** Where archives are imported from, in order: the OS's own (K3OS_SYSTEM_IMAGES_DIR overrides), then agent/images. */
export function imageDirs(agentImages: string, env: Record<string, string | undefined> = process.env): string[] {
  return [env.K3OS_SYSTEM_IMAGES_DIR || SYSTEM_IMAGES_DIR, agentImages];
}

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.zst|tzst)$/;

/** Archive files in the images dir, in name order (k3s reads them the same way). */
export function listImageArchives(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => ARCHIVE.test(n) && statSync(join(dir, n)).isFile())
    .sort()
    .map((n) => join(dir, n));
}

export async function importImages(o: { runner: Runner; ctr: string; socket: string; dirs: readonly string[]; log: Logger }): Promise<number> {
  const files = o.dirs.flatMap((d) => listImageArchives(d));
  for (const f of files) {
    const t0 = Date.now();
    await o.runner.run([o.ctr, "--address", o.socket, "--namespace", "k8s.io", "images", "import", f]);
    o.log.info(`imported ${f} in ${Date.now() - t0} ms`);
  }
  return files.length;
}
