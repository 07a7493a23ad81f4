import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { nodeImageRefs } from "../../../builder/kube/node-images.ts";
import { readVersions } from "../../../builder/kube/versions.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { BUNDLED_IMAGES } from "../../../src/k3s/deploy/image-refs.ts";
import { listManifests, ManifestDeployer } from "../../../src/k3s/deploy/deployer.ts";
import { stageBundledManifests, type StageOptions } from "../../../src/k3s/deploy/stage.ts";
import { tempRoot, writeFile } from "./helpers.ts";

type Obj = { kind: string; metadata: { name: string }; [k: string]: unknown };
const docs = (text: string) =>
  parseAllDocuments(text).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as Obj;
  });
const find = (objs: Obj[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `${kind}/${name}`);
  return o as any;
};

function stageOpts(dir: string, over: Partial<StageOptions["settings"]> = {}): StageOptions {
  return {
    dir,
    root: "/tmp/noderoot",
    nodeName: "srv",
    nodeIps: ["10.0.0.5"],
    settings: { disable: [], clusterDns: ["10.43.0.10"], clusterDomain: "cluster.local", defaultLocalStoragePath: "/var/lib/rancher/k3s/storage", ...over },
  };
}

describe("bundled manifests", () => {
  it("name the images builder/kube packs into the node's image archives", async () => {
    const refs = nodeImageRefs(await readVersions());
    assert.equal(BUNDLED_IMAGES.coredns, refs.coredns);
    assert.equal(BUNDLED_IMAGES.localPathProvisioner, refs["local-path-provisioner"]);
    assert.equal(BUNDLED_IMAGES.busybox, refs.busybox);
  });

  it("CoreDNS: Service at the --cluster-dns address, k3s's Corefile for the cluster domain, the local image, NodeHosts", () => {
    const dir = tempRoot();
    stageBundledManifests(stageOpts(dir, { clusterDns: ["10.96.0.10"], clusterDomain: "example.internal" }));
    const objs = docs(readFileSync(join(dir, "coredns.yaml"), "utf8"));
    assert.deepEqual(objs.map((o) => o.kind), ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Service"]);
    assert.equal(find(objs, "Service", "kube-dns").spec.clusterIP, "10.96.0.10");
    const cm = find(objs, "ConfigMap", "coredns").data;
    assert.match(cm.Corefile, /^ {4}kubernetes example\.internal in-addr\.arpa ip6\.arpa \{$/m);
    assert.match(cm.Corefile, /forward \. \/etc\/resolv\.conf/);
    assert.equal(cm.NodeHosts, "10.0.0.5 srv\n");
    const c = find(objs, "Deployment", "coredns").spec.template.spec.containers[0];
    assert.equal(c.image, BUNDLED_IMAGES.coredns);
    assert.equal(c.imagePullPolicy, "IfNotPresent");
  });

  it("local-storage: default StorageClass local-path, volumes under the node's storage path", () => {
    const dir = tempRoot();
    stageBundledManifests(stageOpts(dir));
    const objs = docs(readFileSync(join(dir, "local-storage.yaml"), "utf8"));
    const sc = find(objs, "StorageClass", "local-path");
    assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.equal(sc.provisioner, "rancher.io/local-path");
    const data = find(objs, "ConfigMap", "local-path-config").data;
    assert.deepEqual(JSON.parse(data["config.json"]).nodePathMap[0].paths, ["/tmp/noderoot/var/lib/rancher/k3s/storage"]);
    assert.match(data.setup, /mkdir -m 0777 -p "\$\{VOL_DIR\}"/);
    assert.match(data["helperPod.yaml"], new RegExp(`image: "${BUNDLED_IMAGES.busybox}"`));
    assert.equal(find(objs, "Deployment", "local-path-provisioner").spec.template.spec.containers[0].image, BUNDLED_IMAGES.localPathProvisioner);
  });

  it("--disable removes the staged file; NAME.yaml.skip keeps a user's copy untouched", () => {
    const dir = tempRoot();
    stageBundledManifests(stageOpts(dir));
    writeFileSync(join(dir, "local-storage.yaml"), "# mine\n");
    writeFileSync(join(dir, "local-storage.yaml.skip"), "");
    const r = stageBundledManifests(stageOpts(dir, { disable: ["coredns"] }));
    assert.equal(existsSync(join(dir, "coredns.yaml")), false);
    assert.deepEqual(r.removed, [join(dir, "coredns.yaml")]);
    assert.equal(readFileSync(join(dir, "local-storage.yaml"), "utf8"), "# mine\n");
  });
});

describe("server/manifests auto-deploy", () => {
  it("lists *.yaml, *.yml and *.json, subdirectories included, without files that have a .skip", () => {
    const dir = tempRoot();
    for (const f of ["a.yaml", "b.yml", "c.json", "d.txt", "e.yaml", "e.yaml.skip", "sub/f.yaml", ".hidden.yaml"]) writeFile(dir, f, "x: 1\n");
    assert.deepEqual(listManifests(dir).map((p) => p.slice(dir.length + 1)), ["a.yaml", "b.yml", "c.json", "sub/f.yaml"]);
  });

  it("applies each file with server-side apply, reports a failing file and still applies the rest", async () => {
    const dir = tempRoot();
    writeFile(dir, "a.yaml", "kind: A\n");
    writeFile(dir, "b.yaml", "kind: B\n");
    writeFile(dir, "c.yaml", "kind: C\n");
    const runner = new RecordingRunner((argv) => (argv.at(-1)!.endsWith("b.yaml") ? { exitCode: 1, stderr: 'error: no matches for kind "B"' } : {}));
    const log = memoryLogger();
    const d = new ManifestDeployer({ dir, runner, kubectl: "/k/kubectl", kubeconfig: "/k/admin.kubeconfig", log, stateFile: join(tempRoot(), "state.json") });
    const r = await d.sync();
    assert.deepEqual(runner.calls[0]!.argv, ["/k/kubectl", "--kubeconfig", "/k/admin.kubeconfig", "apply", "--server-side", "--force-conflicts", "--validate=false", "--field-manager=k3s-deploy", "-o", "json", "-f", join(dir, "a.yaml")]);
    assert.deepEqual(r.applied, [join(dir, "a.yaml"), join(dir, "c.yaml")]);
    assert.deepEqual(r.failed, [{ file: join(dir, "b.yaml"), error: 'error: no matches for kind "B"' }]);
    assert.ok(log.lines.includes('error: manifests: b.yaml: error: no matches for kind "B"'), log.lines.join("\n"));
  });

  it("re-applies only changed files and files whose last apply failed", async () => {
    const dir = tempRoot();
    writeFile(dir, "a.yaml", "kind: A\n");
    writeFile(dir, "b.yaml", "kind: B\n");
    let failB = true;
    const runner = new RecordingRunner((argv) => (failB && argv.at(-1)!.endsWith("b.yaml") ? { exitCode: 1, stderr: "boom" } : {}));
    const d = new ManifestDeployer({ dir, runner, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), stateFile: join(tempRoot(), "state.json") });
    await d.sync();
    failB = false;
    const second = await d.sync();
    assert.deepEqual(second.applied, [join(dir, "b.yaml")]);
    assert.deepEqual(second.unchanged, [join(dir, "a.yaml")]);
    writeFile(dir, "a.yaml", "kind: A2\n");
    const third = await d.sync();
    assert.deepEqual(third.applied, [join(dir, "a.yaml")]);
    assert.equal(runner.calls.length, 4);
  });

  it("applies a file added to the watched directory without waiting for the resync", async () => {
    const dir = tempRoot();
    const runner = new RecordingRunner();
    const d = new ManifestDeployer({ dir, runner, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger(), resyncMs: 3_600_000, stateFile: join(tempRoot(), "state.json") });
    await d.start();
    try {
      writeFile(dir, "new.json", '{"kind":"ConfigMap"}');
      const t0 = Date.now();
      while (runner.calls.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
      assert.equal(runner.calls[0]?.argv.at(-1), join(dir, "new.json"));
    } finally {
      d.stop();
    }
  });
});
