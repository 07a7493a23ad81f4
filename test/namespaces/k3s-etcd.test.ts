// Embedded etcd across two servers, as k3s's HA: `k3s server --cluster-init` in one namespace goes
// Ready on etcd; `k3s server --server https://srv1:6443 --token T` in another joins that etcd
// cluster through the join API (learner, then promoted); both nodes are Ready, etcd lists two voting
// members, and what is written through one server is read through the other.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { ensureNodeImages } from "../../builder/kube/node-images.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { NetLab } from "./lab.ts";
import { k3sIn, kubectlIn, leftoverProcesses, makeNode, nodeReady, removeNodes, startNode, stopLines, stopNode, waitFor as waitForNodes, type LabNode } from "./node-runner.ts";

const runner = new ProcessRunner();
let lab: NetLab;
const nodes: LabNode[] = [];
const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitForNodes(what, nodes, check, timeoutMs);
// Bundled CoreDNS and local-storage are tested in k3s-node.test.ts; here they would only cost time.
const common = ["--disable", "coredns", "--disable", "local-storage"];
const serverDir = (n: LabNode) => join(n.root, "var/lib/rancher/k3s/server");

/** etcd's member list, asked on the node's own etcd client port with its etcd client certificate. */
async function etcdMembers(n: LabNode): Promise<{ name?: string; peerURLs: string[]; isLearner?: boolean }[]> {
  const tls = join(serverDir(n), "tls/etcd");
  const r = await runner.run(
    [...n.host.enter, "curl", "-sS", "--max-time", "5", "--cacert", join(tls, "server-ca.crt"), "--cert", join(tls, "client.crt"), "--key", join(tls, "client.key"), "-X", "POST", "-d", "{}", "https://127.0.0.1:2379/v3/cluster/member/list"],
    { allowFailure: true },
  );
  return (JSON.parse(r.stdout || "{}") as { members?: [] }).members ?? [];
}

const configMap = (name: string, value: string) => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "default" }, data: { value } });
const configMapValue = async (n: LabNode, name: string) => (await kubectlIn(n, ["get", "configmap", name, "-o", "jsonpath={.data.value}"])).stdout.trim();

before(async () => {
  const kube = await ensureKubeComponents();
  const images = await ensureNodeImages({ kube });
  lab = await NetLab.create("10.219.0");
  for (const [name, index] of [["srv1", 11], ["srv2", 12]] as const) {
    nodes.push(makeNode(await lab.addHost(name, index), { name, kubeDir: kube.dir, prefix: "k3s-etcd", images: [images.images.pause!.archive] }));
  }
});

after(async () => {
  await removeNodes(nodes);
  await lab?.destroy();
});

describe("k3s servers on embedded etcd across namespaces", { timeout: 900_000 }, () => {
  it("starts a server with --cluster-init on etcd and goes Ready", async () => {
    const [srv1] = nodes;
    startNode(srv1!, ["server", "--cluster-init", "--token", "etcdtoken", ...common]);
    const ms = await waitFor("srv1 Ready", nodeReady(srv1!, "srv1"), 300_000);
    process.stderr.write(`srv1 (--cluster-init) Ready after ${ms} ms\n`);
    assert.ok(existsSync(join(serverDir(srv1!), "db/etcd/member")), "etcd's data in server/db/etcd");
    assert.ok(!existsSync(join(serverDir(srv1!), "db/state.db")), "no kine database");
    assert.equal((await kubectlIn(srv1!, ["get", "--raw", "/readyz/etcd"])).stdout.trim(), "ok");
    assert.deepEqual((await etcdMembers(srv1!)).map((m) => m.name), ["srv1"]);
  });

  it("refuses a joining server with a wrong secret, before it changes anything", async () => {
    const [srv1, srv2] = nodes;
    const token = readFileSync(join(serverDir(srv1!), "token"), "utf8").trim();
    const r = await k3sIn(srv2!, ["server", "--server", `https://${srv1!.host.address}:6443`, "--token", token.replace(/etcdtoken$/, "guess"), "--node-name", "srv2", "--node-ip", srv2!.host.address, ...common]);
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /refused the token \(HTTP 401\)/);
    assert.ok(!existsSync(join(serverDir(srv2!), "tls/server-ca.crt")), "no CA taken");
    assert.equal((await etcdMembers(srv1!)).length, 1);
  });

  it("joins a second server to the etcd cluster: both nodes Ready, two voting members", async () => {
    const [srv1, srv2] = nodes;
    const token = readFileSync(join(serverDir(srv1!), "token"), "utf8").trim();
    const t0 = Date.now();
    startNode(srv2!, ["server", "--server", `https://${srv1!.host.address}:6443`, "--token", token, ...common]);
    await waitFor("srv2 Ready, seen through srv2's own apiserver", nodeReady(srv2!, "srv2"), 300_000);
    process.stderr.write(`srv2 joined and Ready ${Date.now() - t0} ms after it started\n`);
    await waitFor("srv1 Ready, seen through srv2", nodeReady(srv2!, "srv1"), 60_000);
    await waitFor("srv2 Ready, seen through srv1", nodeReady(srv1!, "srv2"), 60_000);
    const members = await etcdMembers(srv2!);
    assert.deepEqual(members.map((m) => m.name).sort(), ["srv1", "srv2"]);
    assert.ok(members.every((m) => !m.isLearner), `no learner left: ${JSON.stringify(members)}`);
    assert.deepEqual(members.map((m) => m.peerURLs[0]).sort(), [`https://${srv1!.host.address}:2380`, `https://${srv2!.host.address}:2380`]);
    assert.match(srv2!.output, /etcd: promoted to a voting member/);
    // One cluster: the same CA, so the same token, on both servers.
    assert.equal(readFileSync(join(serverDir(srv2!), "tls/server-ca.crt"), "utf8"), readFileSync(join(serverDir(srv1!), "tls/server-ca.crt"), "utf8"));
    assert.equal(readFileSync(join(serverDir(srv2!), "token"), "utf8"), readFileSync(join(serverDir(srv1!), "token"), "utf8"));
    assert.equal((await kubectlIn(srv2!, ["get", "--raw", "/readyz/etcd"])).stdout.trim(), "ok");
    const labels = (await kubectlIn(srv1!, ["get", "nodes", "-l", "node-role.kubernetes.io/control-plane=true", "-o", "name"])).stdout.trim().split("\n").sort();
    assert.deepEqual(labels, ["node/srv1", "node/srv2"]);
  });

  it("reads through one server what was written through the other", async () => {
    const [srv1, srv2] = nodes;
    assert.equal((await kubectlIn(srv1!, ["apply", "-f", "-"], configMap("from-srv1", "written-via-srv1"))).exitCode, 0);
    assert.equal((await kubectlIn(srv2!, ["apply", "-f", "-"], configMap("from-srv2", "written-via-srv2"))).exitCode, 0);
    await waitFor("from-srv1 through srv2", async () => (await configMapValue(srv2!, "from-srv1")) === "written-via-srv1", 30_000);
    await waitFor("from-srv2 through srv1", async () => (await configMapValue(srv1!, "from-srv2")) === "written-via-srv2", 30_000);
  });

  it("stops both servers: the joined one first, then the first, which has lost its etcd quorum", async () => {
    const [srv1, srv2] = nodes;
    const ms2 = await stopNode(srv2!);
    process.stderr.write(`srv2 stopped in ${ms2} ms\n${stopLines(srv2!)}\n`);
    assert.equal(srv2!.exit.code, 0, srv2!.output.slice(-2000));
    // With one of two members gone etcd has no quorum: srv1's apiserver stops serving.
    const ms1 = await stopNode(srv1!);
    process.stderr.write(`srv1 stopped in ${ms1} ms (without etcd quorum)\n${stopLines(srv1!)}\n`);
    assert.ok(srv1!.exit.done, "srv1 exited within 60 s");
    assert.equal(srv1!.exit.code, 0, srv1!.output.slice(-2000));
    for (const n of nodes) assert.equal(await leftoverProcesses(n), "", `nothing of ${n.name} left`);
  });
});
