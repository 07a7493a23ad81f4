// Image archives without Docker or a registry: files laid into one layer with Debian's umoci, the
// OCI layout turned into a docker-archive with Debian's skopeo (containerd and the k3s agent's
// images/ directory import it). Reproducible: every timestamp is the given epoch, so the same
// inputs give the same archive, byte for byte.
import { chmod, copyFile, lstat, lutimes, mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { ProcessRunner, type Runner } from "../../src/exec/runner.ts";
import { ensureDebianPackages } from "../host/prerequisites.ts";

export const imageToolPackages = ["umoci", "skopeo"];

export interface ImageFile {
  /** File on the host. */
  src: string;
  /** Absolute path in the image. */
  dest: string;
  mode?: number;
}

export interface ImageLink {
  /** Absolute path of the symlink in the image. */
  dest: string;
  target: string;
}

export interface ImageSpec {
  /** Reference the archive carries, e.g. localhost/pause:3.10 (no registry is ever contacted). */
  ref: string;
  files: ImageFile[];
  links?: ImageLink[];
  entrypoint: string[];
  cmd?: string[];
  env?: string[];
  user?: string;
  /** Seconds since 1970 for every timestamp (SOURCE_DATE_EPOCH); default 0. */
  epoch?: number;
}

export interface PackedImage {
  archive: string;
  ref: string;
  /** sha256 of the archive file. */
  sha256: string;
}

/** Compiles one C file into a static, stripped executable (the programs our images run). */
export async function compileStaticC(src: string, out: string, runner: Runner = new ProcessRunner()): Promise<void> {
  await mkdir(dirname(out), { recursive: true });
  // -ffile-prefix-map keeps the build directory out of the binary: same source, same bytes.
  await runner.run(["gcc", "-static", "-Os", "-s", `-ffile-prefix-map=${dirname(src)}=.`, "-o", out, src]);
}

/** Sets every timestamp under root (not following symlinks' targets) to the epoch. */
async function clampTimes(root: string, epoch: number): Promise<void> {
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const p = join(root, entry.name);
    if (entry.isDirectory()) await clampTimes(p, epoch);
    if ((await lstat(p)).isSymbolicLink()) await lutimes(p, epoch, epoch);
    else await utimes(p, epoch, epoch);
  }
  await utimes(root, epoch, epoch);
}

export async function packImage(
  spec: ImageSpec,
  archive: string,
  opts: { runner?: Runner; log?: (m: string) => void } = {},
): Promise<PackedImage> {
  const runner = opts.runner ?? new ProcessRunner();
  await ensureDebianPackages(imageToolPackages, { log: opts.log, runner });
  const epoch = spec.epoch ?? 0;
  const created = new Date(epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
  const work = await mkdtemp(join(tmpdir(), "k3os-image-"));
  try {
    const layout = join(work, "oci");
    const bundle = join(work, "bundle");
    const image = `${layout}:latest`;
    // Not root: umoci maps ownership itself and the files still land as 0:0 in the layer.
    const rootless = process.getuid?.() === 0 ? [] : ["--rootless"];
    await runner.run(["umoci", "init", "--layout", layout]);
    await runner.run(["umoci", "new", "--image", image]);
    await runner.run(["umoci", "unpack", ...rootless, "--image", image, bundle]);
    const rootfs = join(bundle, "rootfs");
    for (const f of spec.files) {
      const dest = join(rootfs, f.dest);
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(f.src, dest);
      await chmod(dest, f.mode ?? 0o755);
    }
    for (const l of spec.links ?? []) {
      const dest = join(rootfs, l.dest);
      await mkdir(dirname(dest), { recursive: true });
      await symlink(l.target, dest);
    }
    await clampTimes(rootfs, epoch);
    // One layer with the files; its history entry carries the epoch, not the build time.
    await runner.run([
      "umoci", "repack", "--image", image, "--history.created", created,
      "--history.created_by", `k3os builder: ${[...spec.files, ...(spec.links ?? [])].map((f) => f.dest).join(" ")}`, bundle,
    ]);
    const config = [
      "umoci", "config", "--no-history", "--image", image, "--created", created,
      "--os", "linux", "--architecture", "amd64",
      ...spec.entrypoint.flatMap((a) => ["--config.entrypoint", a]),
      ...(spec.cmd ?? []).flatMap((a) => ["--config.cmd", a]),
      ...(spec.env ?? []).flatMap((e) => ["--config.env", e]),
      ...(spec.user ? ["--config.user", spec.user] : []),
    ];
    await runner.run(config);
    await runner.run(["umoci", "gc", "--layout", layout]);
    await mkdir(dirname(archive), { recursive: true });
    await rm(archive, { force: true });
    await runner.run(["skopeo", "copy", "--quiet", `oci:${image}`, `docker-archive:${archive}:${spec.ref}`]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const sha256 = createHash("sha256").update(await readFile(archive)).digest("hex");
  return { archive, ref: spec.ref, sha256 };
}
