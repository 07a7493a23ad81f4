// What an install copies onto K3OS_STATE: each component's `current` version of the source system
// (the live medium's /k3os/system) into /k3os/system/<component>/<version>/ with a `current` link
// (DESIGN's layout, which upgrades add `previous` to), the config at /k3os/system/config.yaml and
// k3OS's growpart marker. readSourceSystem reads the source; planCopy is pure.
import { readdir, readlink, stat } from "node:fs/promises";
import { join } from "node:path";

export const COMPONENTS = ["k3os", "k3s", "kernel"] as const;
export type Component = (typeof COMPONENTS)[number];

/** Files disk mode needs from each component (image/initramfs/init, docs/image.md); k3s is not a
 * separate component in the image yet, so it is copied when the source has it. */
export const REQUIRED_FILES: Record<Component, readonly string[] | null> = {
  k3os: ["k3os.squashfs"],
  k3s: null,
  kernel: ["vmlinuz", "initrd", "kernel.squashfs"],
};

export interface SourceComponent {
  component: Component;
  version: string;
  /** Regular files in the version directory, by name. */
  files: string[];
}

export type CopyOp =
  | { kind: "mkdir"; path: string }
  | { kind: "copy"; from: string; to: string }
  | { kind: "link"; target: string; path: string }
  | { kind: "write"; path: string; content: string; mode: number };

export interface CopyOptions {
  /** The source directory holding k3os/system. */
  source: string;
  components: SourceComponent[];
  /** The config text, already fetched and validated. */
  config?: string;
  /** "DISK N" for the growpart marker (disk mode grows partition N of DISK to the disk's end). */
  growpart?: string;
}

export const SYSTEM_DIR = "k3os/system";

/**
 * Reads the source's components; every problem (a missing `current`, a missing file) is returned
 * naming the path, so that preflight reports them all before anything is written.
 */
export async function readSourceSystem(source: string): Promise<{ components: SourceComponent[]; problems: string[] }> {
  const components: SourceComponent[] = [];
  const problems: string[] = [];
  for (const component of COMPONENTS) {
    const required = REQUIRED_FILES[component];
    const dir = join(source, SYSTEM_DIR, component);
    let version: string;
    try {
      version = await readlink(join(dir, "current"));
    } catch {
      if (required) problems.push(`${join(dir, "current")}: missing (the install source has no ${component} component)`);
      continue;
    }
    if (version.includes("/") || version === "." || version === "..") {
      problems.push(`${join(dir, "current")}: points at ${JSON.stringify(version)}, not a version directory beside it`);
      continue;
    }
    const files: string[] = [];
    try {
      for (const e of await readdir(join(dir, version), { withFileTypes: true })) {
        // stat follows links: a medium may link files between versions
        if ((await stat(join(dir, version, e.name))).isFile()) files.push(e.name);
      }
    } catch (e) {
      problems.push(`${join(dir, version)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      continue;
    }
    for (const f of required ?? []) if (!files.includes(f)) problems.push(`${join(dir, version, f)}: missing`);
    components.push({ component, version, files: files.sort() });
  }
  return { components, problems };
}

/** The operations, in order, with target paths relative to the K3OS_STATE filesystem's root. */
export function planCopy(o: CopyOptions): CopyOp[] {
  const ops: CopyOp[] = [];
  for (const c of o.components) {
    const dir = `${SYSTEM_DIR}/${c.component}`;
    ops.push({ kind: "mkdir", path: `${dir}/${c.version}` });
    for (const f of c.files) ops.push({ kind: "copy", from: join(o.source, dir, c.version, f), to: `${dir}/${c.version}/${f}` });
    // the link last: a component is `current` only once its files are all there
    ops.push({ kind: "link", target: c.version, path: `${dir}/current` });
  }
  // 0600: the config may hold the cluster token and the password
  if (o.config !== undefined) ops.push({ kind: "write", path: `${SYSTEM_DIR}/config.yaml`, content: o.config, mode: 0o600 });
  if (o.growpart !== undefined) ops.push({ kind: "write", path: `${SYSTEM_DIR}/growpart`, content: `${o.growpart}\n`, mode: 0o644 });
  return ops;
}
