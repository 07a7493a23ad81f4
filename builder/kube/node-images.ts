// The images a node runs, built here as docker-archives (no registry is reachable) into
// ${XDG_CACHE_HOME:-~/.cache}/k3os/images/<key>/ and imported by containerd from agent/images/:
// pause (our own static C program), CoreDNS (the binary built from its module), local-path-provisioner
// (built from its module) and the busybox its helper pods run (Debian's static busybox).
import { mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { writeFileAtomic } from "../../src/system/atomic-write.ts";
import { cachedDir, hashFiles, sharedCacheRoot } from "../cache.ts";
import { isMain, parseNoArguments, runMain } from "../cli-args.ts";
import { ensureDebianPackages } from "../host/prerequisites.ts";
import { ensureKubeComponents, type KubeComponents } from "./build.ts";
import { goEnv } from "./go-build.ts";
import { findGo, runGo } from "./go-tool.ts";
import { compileStaticC, imageToolPackages, packImage, type ImageSpec } from "./images.ts";
import { kubeDir, versionOf, versionsPath, type Versions } from "./versions.ts";

/** Image references the node's manifests and containerd config use; nothing is ever pulled. */
export function nodeImageRefs(versions: Versions): Record<string, string> {
  return {
    pause: "localhost/k3os/pause:3.10",
    coredns: `localhost/k3os/coredns:${versionOf(versions, "coredns")}`,
    "local-path-provisioner": `localhost/k3os/local-path-provisioner:${versionOf(versions, "local-path-provisioner")}`,
    busybox: "localhost/k3os/busybox:1.35",
  };
}

/** CoreDNS's image: the trimmed binary of the components build (builder/kube/cmd/coredns), alone. */
export function corednsImageSpec(kube: KubeComponents): ImageSpec {
  const binary = kube.binaries.coredns;
  if (!binary) throw new Error(`${kube.binDir} has no coredns binary`);
  return { ref: nodeImageRefs(kube.versions).coredns!, files: [{ src: binary, dest: "/coredns" }], entrypoint: ["/coredns"] };
}

export interface NodeImages {
  dir: string;
  key: string;
  /** name -> archive path and the reference it carries. */
  images: Record<string, { archive: string; ref: string; sha256: string }>;
  built: boolean;
}

const lppDir = join(kubeDir, "local-path-provisioner");
const debianInputs = ["gcc", "libc6-dev", "busybox-static", ...imageToolPackages];
// Commands the local-path-provisioner helper pod's setup/teardown scripts use.
const busyboxApplets = ["sh", "mkdir", "rm", "rmdir", "chmod", "ls", "cat", "echo", "test", "["];

async function debianVersions(runner = new ProcessRunner()): Promise<string> {
  const r = await runner.run(["dpkg-query", "-W", "-f=${Package}=${Version}\\n", ...debianInputs]);
  return r.stdout;
}

async function buildLocalPathProvisioner(versions: Versions, out: string, log: (m: string) => void): Promise<string> {
  const version = versionOf(versions, "local-path-provisioner");
  const ldflags = `-s -w -X main.VERSION=${version}`;
  log(`go build github.com/rancher/local-path-provisioner ${version}`);
  await runGo(findGo(), ["build", "-trimpath", "-ldflags", ldflags, "-o", `${out}/`, "github.com/rancher/local-path-provisioner"], {
    cwd: lppDir,
    env: goEnv(versions, false),
  });
  return join(out, "local-path-provisioner");
}

export async function ensureNodeImages(opts: { kube?: KubeComponents; cacheRoot?: string; log?: (m: string) => void } = {}): Promise<NodeImages> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`images: ${m}\n`));
  const kube = opts.kube ?? (await ensureKubeComponents({ log }));
  await ensureDebianPackages(debianInputs, { log });
  const here = fileURLToPath(import.meta.url);
  const inputs = [versionsPath, here, join(kubeDir, "images.ts"), join(kubeDir, "images", "pause.c"), join(lppDir, "go.mod"), join(lppDir, "go.sum")];
  const key = await hashFiles(join(kubeDir, ".."), inputs, [kube.key, await debianVersions()]);
  const dir = join(opts.cacheRoot ?? join(sharedCacheRoot(), "images"), key);
  const refs = nodeImageRefs(kube.versions);
  const { hit } = await cachedDir(
    dir,
    async (partial) => {
      const work = join(partial, "work");
      await mkdir(work, { recursive: true });
      await compileStaticC(join(kubeDir, "images", "pause.c"), join(work, "pause"));
      const lpp = await buildLocalPathProvisioner(kube.versions, work, log);
      const specs: Record<string, ImageSpec> = {
        pause: { ref: refs.pause!, files: [{ src: join(work, "pause"), dest: "/pause" }], entrypoint: ["/pause"] },
        coredns: corednsImageSpec(kube),
        "local-path-provisioner": {
          ref: refs["local-path-provisioner"]!,
          files: [{ src: lpp, dest: "/usr/bin/local-path-provisioner" }],
          entrypoint: ["local-path-provisioner"],
          env: ["PATH=/usr/bin:/bin"],
        },
        busybox: {
          ref: refs.busybox!,
          files: [{ src: "/bin/busybox", dest: "/bin/busybox" }],
          links: busyboxApplets.map((a) => ({ dest: `/bin/${a}`, target: "busybox" })),
          entrypoint: ["/bin/sh"],
          env: ["PATH=/bin"],
        },
      };
      const images: NodeImages["images"] = {};
      for (const [name, spec] of Object.entries(specs)) {
        log(`packing ${spec.ref}`);
        const packed = await packImage(spec, join(partial, `${name}.tar`), { log });
        images[name] = { archive: join(dir, `${name}.tar`), ref: packed.ref, sha256: packed.sha256 };
      }
      await rm(work, { recursive: true, force: true });
      await writeFileAtomic(join(partial, "images.json"), `${JSON.stringify(images, null, 2)}\n`);
    },
    { marker: "images.json" },
  );
  return { dir, key, images: JSON.parse(await readFile(join(dir, "images.json"), "utf8")), built: !hit };
}

if (isMain(import.meta.url)) {
  runMain(
    { name: "images", usage: "usage: tsx builder/kube/node-images.ts", details: "  Builds the node images (pause, CoreDNS, local-path-provisioner, busybox) once per input key; prints the cache entry." },
    async (args) => {
      parseNoArguments(args);
      process.stdout.write(`${(await ensureNodeImages()).dir}\n`);
    },
  );
}
