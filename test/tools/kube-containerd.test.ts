// containerd built here, with the config the node's k3s writes (src/k3s/control/containerd-config.ts,
// at the node's own paths), runs a container from a locally imported image archive, inside a mount,
// network and PID namespace this test makes (tmpfs over /run, /var/lib, /var/log), with the built
// shim and runc; afterwards no process, mount or cgroup of it is left on the host.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ensureKubeComponents, type KubeComponents } from "../../builder/kube/build.ts";
import { renderContainerdConfig } from "../../src/k3s/control/containerd-config.ts";
import { nodePaths } from "../../src/k3s/layout/paths.ts";
import { compileStaticC, packImage } from "../../builder/kube/images.ts";
import { ensureNodeImages } from "../../builder/kube/node-images.ts";
import { Sandbox, waitFor } from "./sandbox.ts";
import { kubeDir } from "../../builder/kube/versions.ts";

const isRoot = process.getuid?.() === 0;
const ctrNamespace = `k3os-test-${process.pid}`;
const imageRef = "localhost/k3os-hello:test";
// The node's paths: /var/lib and /run are the sandbox's own tmpfs.
const nodeDirs = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" });
const sock = nodeDirs.run.containerdSocket;

// The workload proves it ran in a container: it is PID 1 of its own PID namespace.
const helloC = `#include <stdio.h>
#include <unistd.h>
int main(void) { printf("hello from a k3os test image, pid %d\\n", (int)getpid()); return 0; }
`;

// Only the mount points this test could leak: other work on the host may mount elsewhere meanwhile.
const hostMounts = () =>
  readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4] ?? "")
    .filter((m) => /^\/(run|var\/lib|var\/log)$|rancher\/k3s|run\/k3s|k3os-containerd-/.test(m)).sort();
const cgroupLeftovers = () =>
  existsSync("/sys/fs/cgroup") ? readdirSync("/sys/fs/cgroup").map((c) => join("/sys/fs/cgroup", c, ctrNamespace)).filter(existsSync) : [];

describe("containerd in a namespace", { skip: isRoot ? false : "needs root (namespaces, mounts, cgroups)" }, () => {
  let kube: KubeComponents;
  let work: string;
  let archive: string;
  let sandbox: Sandbox | undefined;
  let mountsBefore: string[];
  let pause: string;

  before(async () => {
    kube = await ensureKubeComponents();
    work = await mkdtemp(join(tmpdir(), "k3os-containerd-"));
    await writeFile(join(work, "hello.c"), helloC);
    await compileStaticC(join(work, "hello.c"), join(work, "hello"));
    // The namespace's PID 1 reaps the shims, which daemonize: our pause program does that.
    pause = join(work, "pause");
    await compileStaticC(join(kubeDir, "images", "pause.c"), pause);
    archive = join(work, "hello.tar");
    await packImage({ ref: imageRef, files: [{ src: join(work, "hello"), dest: "/hello" }], entrypoint: ["/hello"] }, archive);
    mountsBefore = hostMounts();
  });

  after(async () => {
    await sandbox?.destroy();
    for (const dir of cgroupLeftovers()) rmdirSync(dir);
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("containerd imports an image archive and runs a container from it to completion", async () => {
    sandbox = await Sandbox.start([pause]);
    const config = join(work, "containerd.toml");
    await writeFile(config, renderContainerdConfig({
      paths: { ...nodeDirs, agent: { ...nodeDirs.agent, cniConfDir: join(work, "cni") } },
      binaries: { runc: kube.binaries.runc!, cniBinDir: kube.cniDir },
      pauseImage: "localhost/pause:test", restrictOomScoreAdj: true, disableApparmor: true, noPivotRoot: false,
    }));
    // The shim is found on containerd's PATH, and it finds runc there too.
    const env = { PATH: `${kube.binDir}:${process.env.PATH}` };
    const log = join(work, "containerd.log");
    sandbox.background([kube.binaries.containerd!, "--config", config], env, log);
    const ctr = (...args: string[]) => sandbox!.exec([kube.binaries.ctr!, "--address", sock, "-n", ctrNamespace, ...args], env);
    await waitFor("containerd's socket", () => ctr("version").code === 0).catch((e: Error) => {
      throw new Error(`${e.message}\n${readFileSync(log, "utf8").slice(-3000)}`);
    });

    const imported = ctr("images", "import", archive);
    assert.equal(imported.code, 0, imported.out);
    assert.match(ctr("images", "ls", "-q").stdout, new RegExp(`^${imageRef}$`, "m"));

    const ran = ctr("run", "--rm", imageRef, "hello-1");
    assert.equal(ran.code, 0, `${ran.out}\n${readFileSync(log, "utf8").slice(-3000)}`);
    assert.match(ran.out, /^hello from a k3os test image, pid 1$/m);
    assert.equal(ctr("containers", "ls", "-q").stdout.trim(), "");
  });

  test("the node images import and their programs run in containers", async () => {
    assert.ok(sandbox, "the first test made the sandbox");
    const env = { PATH: `${kube.binDir}:${process.env.PATH}` };
    const ctr = (...args: string[]) => sandbox!.exec([kube.binaries.ctr!, "--address", sock, "-n", ctrNamespace, ...args], env);
    const images = await ensureNodeImages({ kube });
    for (const img of Object.values(images.images)) {
      const r = ctr("images", "import", img.archive);
      assert.equal(r.code, 0, r.out);
    }
    const v = kube.versions.components;
    const runs: [string, string[], RegExp][] = [
      ["coredns", ["/coredns", "-version"], new RegExp(`CoreDNS-${v.coredns!.version.slice(1)}`)],
      ["local-path-provisioner", ["local-path-provisioner", "--version"], new RegExp(`version ${v["local-path-provisioner"]!.version}`)],
      ["busybox", ["sh", "-c", "mkdir -p /data/pv && rmdir /data/pv && echo helper ok"], /^helper ok$/m],
      ["pause", ["/pause", "-v"], /^pause \(k3os\)$/m],
    ];
    for (const [name, args, expect] of runs) {
      const r = ctr("run", "--rm", images.images[name]!.ref, `run-${name}`, ...args);
      assert.equal(r.code, 0, `${name}: ${r.out}`);
      assert.match(r.out, expect, name);
    }
  });

  test("after the containers exit their shims, rootfs mounts and cgroups are gone", async () => {
    assert.ok(sandbox, "the previous test made the sandbox");
    const shims = () => sandbox!.processes().filter((p) => sandbox!.commOf(p).includes("shim"));
    await waitFor("every shim to exit", () => shims().length === 0, 10_000);
    const mounts = sandbox.exec(["cat", "/proc/self/mountinfo"]).stdout;
    assert.doesNotMatch(mounts, /overlay|hello-1|run-/, "a container mount is left inside the namespace");
    for (const dir of cgroupLeftovers()) assert.deepEqual(readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name), [], `cgroups left in ${dir}`);
  });

  test("destroying the namespace leaves no process and no mount on the host", async () => {
    assert.ok(sandbox, "the first test made the sandbox");
    await sandbox.destroy();
    await waitFor("every process of the namespace to exit", () => sandbox!.processes().length === 0, 10_000);
    assert.deepEqual(hostMounts(), mountsBefore);
    for (const dir of cgroupLeftovers()) rmdirSync(dir); // empty: its containers' cgroups are gone
    assert.deepEqual(cgroupLeftovers(), []);
  });
});
