// A server and an agent in two network namespaces joined by the lab's bridge: a wrong token and a
// wrong CA hash are refused with clear errors; with the server's token the agent joins, goes Ready
// and runs a pod whose logs the server reads through the agent's kubelet; CoreDNS's NodeHosts lists it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { ensureNodeImages } from "../../builder/kube/node-images.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { NetLab } from "./lab.ts";
import { k3sIn, kubectlIn, leftoverProcesses, makeNode, nodeReady, removeNodes, startNode, stopNode, waitFor as waitForNodes, type LabNode } from "./node-runner.ts";

const runner = new ProcessRunner();
let lab: NetLab;
const nodes: LabNode[] = [];
const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs: number) => waitForNodes(what, nodes, check, timeoutMs);

before(async () => {
  const kube = await ensureKubeComponents();
  const images = await ensureNodeImages({ kube });
  lab = await NetLab.create("10.217.0");
  for (const [name, index] of [["srv", 11], ["agt", 12]] as const) {
    nodes.push(makeNode(await lab.addHost(name, index), { name, kubeDir: kube.dir, prefix: "k3s-join", images: ["pause", "busybox", "coredns"].map((n) => images.images[n]!.archive) }));
  }
});

after(async () => {
  await removeNodes(nodes);
  await lab?.destroy();
});

describe("k3s agent joining a server across namespaces", { timeout: 900_000 }, () => {
  it("starts the server", async () => {
    const [srv] = nodes;
    // local-path is tested in k3s-node.test.ts; CoreDNS stays for its NodeHosts, which must list the agent.
    startNode(srv!, ["server", "--token", "jointoken", "--disable", "local-storage"]);
    const ms = await waitFor("server node Ready", nodeReady(srv!, "srv"), 300_000);
    process.stderr.write(`server Ready after ${ms} ms\n`);
  });

  it("refuses a token with another cluster's CA hash, and a wrong secret, with clear errors", async () => {
    const [srv, agt] = nodes;
    const token = readFileSync(join(srv!.root, "var/lib/rancher/k3s/server/token"), "utf8").trim();
    const url = `https://${srv!.host.address}:6443`;
    const badHash = await k3sIn(agt!, ["agent", "--server", url, "--token", token.replace(/^K10[0-9a-f]{64}/, `K10${"0".repeat(64)}`)]);
    assert.equal(badHash.exitCode, 1);
    assert.match(badHash.stderr, /refusing to join .*token CA hash does not match the Cluster CA certificate hash/);
    const badSecret = await k3sIn(agt!, ["agent", "--server", url, "--token", token.replace(/jointoken$/, "guess")]);
    assert.equal(badSecret.exitCode, 1);
    assert.match(badSecret.stderr, /refused the token \(HTTP 401\)/);
  });

  it("joins with the server's token and goes Ready", async () => {
    const [srv, agt] = nodes;
    const token = readFileSync(join(srv!.root, "var/lib/rancher/k3s/server/token"), "utf8").trim();
    const t0 = Date.now();
    startNode(agt!, ["agent", "--server", `https://${srv!.host.address}:6443`, "--token", token]);
    await waitFor("agent node Ready", nodeReady(srv!, "agt"), 300_000);
    process.stderr.write(`agent Ready ${Date.now() - t0} ms after it started\n`);
  });

  it("lists the agent in CoreDNS's NodeHosts, as k3s's node controller does", async () => {
    const [srv, agt] = nodes;
    const nodeHosts = async () => (await kubectlIn(srv!, ["-n", "kube-system", "get", "configmap", "coredns", "-o", "jsonpath={.data.NodeHosts}"])).stdout;
    const ms = await waitFor("agt in NodeHosts", async () => (await nodeHosts()).includes(`${agt!.host.address} agt`), 60_000);
    process.stderr.write(`NodeHosts listed the agent ${ms} ms after it was Ready\n`);
    assert.equal(await nodeHosts(), `${agt!.host.address} agt\n${srv!.host.address} srv\n`);
  });

  it("runs a pod on the agent and reads its logs from the server", async () => {
    const [srv] = nodes;
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "on-agent", namespace: "default" },
      spec: { nodeName: "agt", containers: [{ name: "c", image: "localhost/k3os/busybox:1.35", imagePullPolicy: "Never", command: ["sh", "-c", "echo hello from the agent; while :; do sleep 3600; done"] }] },
    };
    const applied = await k3sIn(srv!, ["kubectl", "apply", "-f", "-"], JSON.stringify(pod));
    assert.equal(applied.exitCode, 0, applied.stderr);
    await waitFor("the pod on the agent Running", async () => (await k3sIn(srv!, ["kubectl", "get", "pod", "on-agent", "-o", "jsonpath={.status.phase}"])).stdout.trim() === "Running", 180_000);
    const logs = await waitFor("its logs", async () => (await k3sIn(srv!, ["kubectl", "logs", "on-agent"])).stdout.includes("hello from the agent"), 60_000);
    assert.ok(logs >= 0);
  });

  it("reaches a pod on the agent from a pod on the server, directly and through a ClusterIP Service", async () => {
    const [srv] = nodes;
    const pod = (name: string, node: string, script: string, labels: Record<string, string> = {}) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default", labels },
      spec: { nodeName: node, containers: [{ name: "c", image: "localhost/k3os/busybox:1.35", imagePullPolicy: "Never", command: ["/bin/busybox", "sh", "-c", script] }] },
    });
    const web = pod("web", "agt", "mkdir -p /tmp/w && echo hello over flannel > /tmp/w/index.html && exec /bin/busybox httpd -f -p 8080 -h /tmp/w", { app: "web" });
    const client = pod("client", "srv", "while :; do /bin/busybox sleep 3600; done");
    const svc = { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace: "default" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 8080 }] } };
    const applied = await k3sIn(srv!, ["kubectl", "apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [web, client, svc] }));
    assert.equal(applied.exitCode, 0, applied.stderr);
    for (const name of ["web", "client"]) {
      await waitFor(`pod ${name} Running`, async () => (await k3sIn(srv!, ["kubectl", "get", "pod", name, "-o", "jsonpath={.status.phase}"])).stdout.trim() === "Running", 180_000);
    }
    const webIp = (await k3sIn(srv!, ["kubectl", "get", "pod", "web", "-o", "jsonpath={.status.podIP}"])).stdout.trim();
    const clusterIp = (await k3sIn(srv!, ["kubectl", "get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"])).stdout.trim();
    // Debian's static busybox wget segfaults (on the host too); nc speaks the HTTP request instead.
    const get = (ip: string, port: number) => ["kubectl", "exec", "client", "--", "/bin/busybox", "sh", "-c", `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 3 ${ip} ${port}`];
    const fetch = (ip: string, port: number) => async () => (await k3sIn(srv!, get(ip, port))).stdout.includes("hello over flannel");
    const direct = await waitFor(`http://${webIp}:8080 from the server's pod`, fetch(webIp, 8080), 90_000).catch(async (e: Error) => {
      // What the network looked like, for the failure message.
      const diag: string[] = [];
      const ex = await k3sIn(srv!, get(webIp, 8080));
      diag.push(`exec: ${ex.exitCode} ${ex.stdout} ${ex.stderr}`);
      for (const n of nodes) {
        for (const cmd of [["ip", "route"], ["ip", "-d", "link", "show", "flannel.1"], ["ip", "addr", "show", "cni0"], ["iptables", "-S", "FORWARD"], ["cat", `/proc/sys/net/ipv4/ip_forward`]]) {
          const r = await runner.run([...n.host.enter, ...cmd], { allowFailure: true });
          diag.push(`[${n.name}] ${cmd.join(" ")}: ${r.stdout}${r.stderr}`);
        }
      }
      throw new Error(`${e.message.slice(0, 300)}\n${diag.join("\n")}`);
    });
    const viaService = await waitFor(`the Service ${clusterIp}`, fetch(clusterIp, 80), 90_000);
    process.stderr.write(`pod to pod across nodes after ${direct} ms, through the Service after ${viaService} ms more\n`);
  });

  it("stops both nodes cleanly", async () => {
    for (const n of [...nodes].reverse()) {
      await stopNode(n);
      assert.equal(n.exit.code, 0, n.output.slice(-2000));
      assert.equal(await leftoverProcesses(n), "", `nothing of ${n.name} left`);
    }
  });
});
