// The Kubernetes components built from Go modules: every command answers with the version pinned
// in builder/versions.json, through its symlink and as the multi-call binary's first argument.
// The first run builds everything (minutes, cached by key after): see docs/kube-components.md.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { lstat, readFile, readlink } from "node:fs/promises";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { ensureKubeComponents, type KubeComponents } from "../../builder/kube/build.ts";
import { applets, cniName, cniPlugins, multicallName } from "../../builder/kube/targets.ts";
import { checkGoMod, kubeDir, versionOf } from "../../builder/kube/versions.ts";
import { kubeBinaries, type Applet } from "../../src/k3s/layout/binaries.ts";

// The node runtime's Applet type names exactly the applets the build links: the typecheck
// (scripts/test.sh runs tsc before the tiers) fails on this line when one list gains a name.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<Applet, (typeof applets)[number]>;

let kube: KubeComponents;

function run(bin: string, args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync(bin, args, { encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const escape = (s: string) => s.replaceAll(".", "\\.");

/** How each command reports its version, and the text that must appear (from versions.json). */
function versionChecks(k: KubeComponents): { name: string; args: string[]; expect: RegExp; env?: Record<string, string> }[] {
  const v = (c: string) => escape(versionOf(k.versions, c));
  const bare = (c: string) => escape(versionOf(k.versions, c).slice(1));
  const kubeServer = (name: string) => ({ name, args: ["--version"], expect: new RegExp(`^Kubernetes ${v("kubernetes")}$`, "m") });
  const cni = (name: string) => ({
    name, args: [], env: { CNI_COMMAND: "" }, expect: new RegExp(`CNI ${name} plugin ${v("cni-plugins")}`),
  });
  return [
    kubeServer("kube-apiserver"), kubeServer("kube-controller-manager"), kubeServer("kube-scheduler"),
    kubeServer("kubelet"), kubeServer("kube-proxy"),
    { name: "kubectl", args: ["version", "--client"], expect: new RegExp(`^Client Version: ${v("kubernetes")}$`, "m") },
    { name: "containerd", args: ["--version"], expect: new RegExp(`containerd/v2 ${v("containerd")}\\b`) },
    { name: "ctr", args: ["--version"], expect: new RegExp(`^ctr github.com/containerd/containerd/v2 ${v("containerd")}\\b`, "m") },
    { name: "etcd", args: ["--version"], expect: new RegExp(`^etcd Version: ${bare("etcd")}$`, "m") },
    { name: "kine", args: ["--version"], expect: new RegExp(`^kine version ${v("kine")}\\b`, "m") },
    { name: "flanneld", args: ["--version"], expect: new RegExp(`^${v("flannel")}$`, "m") },
    { name: "containerd-shim-runc-v2", args: ["-v"], expect: new RegExp(`Version:\\s+${v("containerd")}\\b`) },
    { name: "crictl", args: ["--version"], expect: new RegExp(`^crictl version ${v("cri-tools")}$`, "m") },
    { name: "runc", args: ["--version"], expect: new RegExp(`^runc version ${bare("runc")}$`, "m") },
    { name: "coredns", args: ["-version"], expect: new RegExp(`^CoreDNS-${bare("coredns")}$`, "m") },
    { name: cniName, args: ["--version"], expect: new RegExp(`^CNI cni plugin ${v("cni-plugins")}$`, "m") },
    ...cniPlugins.map(cni),
  ];
}

describe("kube components", () => {
  before(async () => {
    kube = await ensureKubeComponents();
  });

  test("go.mod requires exactly the versions pinned in versions.json", async () => {
    const goMod = await readFile(join(kubeDir, "go.mod"), "utf8");
    assert.deepEqual(checkGoMod(kube.versions, goMod), []);
  });

  test("a second ensureKubeComponents is a cache hit that returns the same directory at once", async () => {
    const started = Date.now();
    const again = await ensureKubeComponents({ log: () => assert.fail("a warm run must not build") });
    assert.equal(again.built, false);
    assert.equal(again.dir, kube.dir);
    assert.ok(Date.now() - started < 3000, `warm run took ${Date.now() - started} ms`);
  });

  test("every command answers its version with the pinned version", () => {
    for (const c of versionChecks(kube)) {
      const bin = kube.binaries[c.name];
      assert.ok(bin, `${c.name} was not built`);
      const r = run(bin, c.args, c.env);
      assert.match(r.out, c.expect, `${c.name} ${c.args.join(" ")} (exit ${r.code}) printed:\n${r.out}`);
    }
  });

  test("each applet also runs as the first argument of the multi-call binary", () => {
    const byName = new Map(versionChecks(kube).map((c) => [c.name, c]));
    for (const name of applets) {
      const c = byName.get(name);
      assert.ok(c, `no version check for applet ${name}`);
      const r = run(kube.multicall, [name, ...c.args]);
      assert.match(r.out, c.expect, `${multicallName} ${name} ${c.args.join(" ")} printed:\n${r.out}`);
    }
  });

  test("each CNI plugin also runs as the first argument of the cni binary", () => {
    const byName = new Map(versionChecks(kube).map((c) => [c.name, c]));
    for (const name of cniPlugins) {
      const c = byName.get(name)!;
      const r = run(kube.binaries[cniName]!, [name], c.env);
      assert.match(r.out, c.expect, `${cniName} ${name} printed:\n${r.out}`);
    }
  });

  test("the multi-call binary dispatches exactly the applets the orchestrator links", () => {
    const r = run(kube.multicall, []);
    assert.equal(r.code, 2);
    const listed = r.out.match(/^commands: (.*)$/m)?.[1]?.split(" ") ?? [];
    assert.deepEqual(listed, [...applets].sort());
  });

  test("the cni binary dispatches exactly the plugins the orchestrator links", () => {
    const r = run(kube.binaries[cniName]!, []);
    assert.equal(r.code, 2);
    const listed = r.out.match(/^plugins: (.*)$/m)?.[1]?.split(" ") ?? [];
    assert.deepEqual(listed, [...cniPlugins].sort());
  });

  test("every applet and CNI plugin is a relative symlink to its multi-call binary", async () => {
    // Relative, so the image's cp -a of bin/ and cni/ keeps them pointing next door.
    for (const [names, target] of [[applets, multicallName], [cniPlugins, cniName]] as const) {
      for (const name of names) {
        const p = kube.binaries[name]!;
        assert.ok((await lstat(p)).isSymbolicLink(), `${p} is not a symlink`);
        assert.equal(await readlink(p), target, p);
      }
    }
  });

  test("the node runtime looks for each component where the build put it", () => {
    // The image copies the cache entry's bin/ and cni/ to the runtime's kube dir as they are.
    const paths = kubeBinaries(kube.dir);
    for (const name of applets) assert.equal(paths.applet(name), kube.binaries[name], name);
    assert.equal(paths.multiCall, kube.multicall);
    assert.equal(paths.crictl, kube.binaries.crictl);
    assert.equal(paths.runc, kube.binaries.runc);
    assert.equal(paths.shim, kube.binaries["containerd-shim-runc-v2"]);
    assert.equal(paths.cniBinDir, kube.cniDir);
    const r = run(paths.applet("kubectl"), ["version", "--client"]);
    assert.match(r.out, new RegExp(`Client Version: ${escape(versionOf(kube.versions, "kubernetes"))}`), r.out);
  });

  test("an unknown command fails and names itself", () => {
    const r = run(kube.multicall, ["kube-nonesuch"]);
    assert.equal(r.code, 2);
    assert.match(r.out, /unknown command "kube-nonesuch"/);
  });

  test("kube-proxy --version prints the version and exits instead of starting the proxy", () => {
    // CoreDNS's global flags once made kube-proxy ignore --version and start; it is kept out.
    const r = run(kube.binaries["kube-proxy"]!, ["--version"]);
    assert.equal(r.code, 0, r.out);
    assert.doesNotMatch(r.out, /coredns|Starting|proxier/i);
  });

  test("the binaries are static: no program interpreter", () => {
    for (const name of [multicallName, "containerd-shim-runc-v2", "runc", "coredns", cniName]) {
      const r = run("readelf", ["-l", kube.binaries[name]!]);
      assert.equal(r.code, 0, r.out);
      assert.doesNotMatch(r.out, /Requesting program interpreter/, `${name} is dynamically linked`);
    }
  });
});
