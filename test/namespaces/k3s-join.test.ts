// A server and an agent in two network namespaces joined by the lab's bridge: a wrong token and a
// wrong CA hash are refused with clear errors; with the server's token the agent joins, goes Ready
// and runs a pod whose logs the server reads through the agent's kubelet.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureKubeComponents } from "../../builder/kube/build.ts";
import { ensureNodeImages } from "../../builder/kube/node-images.ts";
import { ProcessRunner } from "../../src/exec/runner.ts";
import { NetLab, type LabHost } from "./lab.ts";

const repo = resolve(import.meta.dirname, "../..");
const runner = new ProcessRunner();
const k3sScript = `import { k3sMain } from ${JSON.stringify(join(repo, "src/k3s/cli.ts"))}; process.exitCode = await k3sMain(process.argv.slice(1));`;
let kubeDir = "";
let lab: NetLab;

interface Node {
  name: string;
  host: LabHost;
  root: string;
  cgroupRoot: string;
  proc?: ChildProcess;
  output: string;
  exit: { done: boolean; code: number | null };
}
const nodes: Node[] = [];

function k3sIn(n: Node, args: string[], input?: string) {
  const argv = [...n.host.enter, "env", `K3OS_ROOT=${n.root}`, `K3OS_KUBE_DIR=${kubeDir}`, process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, ...args];
  return runner.run(argv, { cwd: repo, input, allowFailure: true });
}

function cgroupDirs(cgroupRoot: string): string[] {
  return readdirSync("/sys/fs/cgroup").map((d) => join("/sys/fs/cgroup", d, cgroupRoot)).filter((d) => existsSync(join(d, "..", "cgroup.procs")));
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(join(dir, e.name));
  try {
    rmdirSync(dir);
  } catch {
    // busy: left for the leak report
  }
}

/** Starts `k3s ARGS` as a node in its own mount + PID namespace inside the host's netns. */
function startNode(n: Node, args: string[]): void {
  for (const d of cgroupDirs(n.cgroupRoot)) mkdirSync(d, { recursive: true });
  const setup = [
    "set -eu",
    `cg=${n.root}/cgroup-aside; mkdir -p "$cg"; mount --rbind /sys/fs/cgroup "$cg"; mount -t sysfs sysfs /sys; mount --rbind "$cg" /sys/fs/cgroup`,
    "for d in /run /var/log /var/lib; do mount -t tmpfs tmpfs $d; done",
    `mkdir -p ${n.root}/proc ${n.root}/sys && mount --rbind /proc ${n.root}/proc && mount --rbind /sys ${n.root}/sys`,
    `exec env K3OS_ROOT=${n.root} K3OS_KUBE_DIR=${kubeDir} "$@"`,
  ].join("\n");
  const k3s = [process.execPath, "--import", "tsx", "--input-type=module", "-e", k3sScript, ...args, "--node-name", n.name, "--node-ip", n.host.address, `--kubelet-arg=cgroup-root=${n.cgroupRoot}`];
  const argv = [...n.host.enter, "unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "sh", "-c", setup, "k3s", ...k3s];
  n.proc = spawn(argv[0]!, argv.slice(1), { cwd: repo, stdio: ["ignore", "pipe", "pipe"] });
  n.proc.stdout!.on("data", (d: Buffer) => (n.output += d));
  n.proc.stderr!.on("data", (d: Buffer) => (n.output += d));
  n.proc.on("exit", (code) => Object.assign(n.exit, { done: true, code }));
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const dead = nodes.find((n) => n.proc && n.exit.done);
    if (dead) throw new Error(`${dead.name} exited (${dead.exit.code}) while waiting for ${what}:\n${dead.output.slice(-4000)}`);
    if (await check().catch(() => false)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${nodes.map((n) => `--- ${n.name}\n${n.output.slice(-2500)}`).join("\n")}`);
}

const nodeReady = (server: Node, name: string) => async () =>
  (await k3sIn(server, ["kubectl", "get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).stdout.trim() === "True";

before(async () => {
  const kube = await ensureKubeComponents();
  kubeDir = kube.dir;
  const images = await ensureNodeImages({ kube });
  lab = await NetLab.create("10.217.0");
  for (const [name, index] of [["srv", 11], ["agt", 12]] as const) {
    const root = mkdtempSync(join(tmpdir(), `k3s-join-${name}-`));
    const imagesDir = join(root, "var/lib/rancher/k3s/agent/images");
    mkdirSync(imagesDir, { recursive: true });
    for (const img of ["pause", "busybox"]) copyFileSync(images.images[img]!.archive, join(imagesDir, `${img}.tar`));
    nodes.push({ name, host: await lab.addHost(name, index), root, cgroupRoot: `/k3os-test-${root.slice(-6).toLowerCase()}`, output: "", exit: { done: false, code: null } });
  }
});

after(async () => {
  for (const n of nodes) if (n.proc && !n.exit.done) n.proc.kill("SIGKILL");
  await new Promise((r) => setTimeout(r, 1000));
  await lab?.destroy();
  for (const n of nodes) {
    for (const d of cgroupDirs(n.cgroupRoot)) removeCgroupTree(d);
    rmSync(n.root, { recursive: true, force: true });
  }
});

describe("k3s agent joining a server across namespaces", { timeout: 900_000 }, () => {
  it("starts the server", async () => {
    const [srv] = nodes;
    // CoreDNS and local-path are tested in k3s-node.test.ts; here they would only cost time.
    startNode(srv!, ["server", "--token", "jointoken", "--disable", "coredns", "--disable", "local-storage"]);
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
      const child = (await runner.run(["pgrep", "-P", String(n.proc!.pid)], { allowFailure: true })).stdout.trim().split("\n")[0];
      process.kill(Number(child), "SIGTERM");
      const t0 = Date.now();
      while (!n.exit.done && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 200));
      assert.equal(n.exit.code, 0, n.output.slice(-2000));
      assert.equal((await runner.run(["pgrep", "-f", n.root], { allowFailure: true })).stdout.trim(), "", `nothing of ${n.name} left`);
    }
  });
});
