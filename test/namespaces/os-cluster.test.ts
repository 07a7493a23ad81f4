// The BUILT OS booted in namespaces (os-node.ts): two nodes whose PID 1 is the image's
// /sbin/init, on a lab network with DHCP. The server goes Ready with its config.yaml and cmdline
// applied, runs a pod from the image's own archive, an agent configured with server_url + token
// joins it, and killing each node's PID 1 leaves nothing behind on the host.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { labNamespaces, NetLab } from "./lab.ts";
import { bootOsNode, inNode, killOsNode, kubectl, nodeLeftovers, nodePids, osNodeSkipReason, removeOsNode, unpackSystem, waitUntil, type OsNode, type OsSystem } from "./os-node.ts";

// A loaded 2-core machine: minutes, not seconds.
const READY_MS = 600_000;
const POD_MS = 300_000;
const TOKEN = "os-namespaces-secret";

let system: OsSystem | undefined;
let lab: NetLab | undefined;
let server: OsNode | undefined;
let agent: OsNode | undefined;
/** Top-level entries of /sys/fs/cgroup and directories at the top of each hierarchy before the nodes booted. */
let cgroupTopBefore = new Set<string>();

function cgroupTop(): Set<string> {
  const top = new Set<string>();
  for (const h of readdirSync("/sys/fs/cgroup")) {
    top.add(h);
    for (const e of readdirSync(join("/sys/fs/cgroup", h), { withFileTypes: true })) if (e.isDirectory()) top.add(`${h}/${e.name}`);
  }
  return top;
}

/** What appeared at the top of the cgroup tree since `before`, other test runs' nodes (k3os-test-* of
 * node-runner.ts, k3os-os-* of os-node.ts) aside: on a shared machine they come and go meanwhile. */
function cgroupTopAdded(before: Set<string>, ours: OsNode[]): string[] {
  const mine = (e: string) => ours.some((n) => e.endsWith(n.cgroupRoot));
  return [...cgroupTop()].filter((e) => !before.has(e) && (mine(e) || !/\/k3os-(test|os)-/.test(e)));
}

/** The command names of the node's processes. */
function nodeCommands(n: OsNode): string[] {
  return nodePids(n).flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/comm`, "utf8").trim()];
    } catch {
      return []; // exited meanwhile
    }
  });
}

const nodeReady = (via: OsNode, name: string) => async () =>
  (await kubectl(via, ["get", "node", name, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])).stdout.trim() === "True";

async function podPhase(via: OsNode, pod: string): Promise<string> {
  return (await kubectl(via, ["get", "pod", pod, "-o", "jsonpath={.status.phase}"])).stdout.trim();
}

describe("the built OS booted in namespaces", { skip: osNodeSkipReason(), timeout: 40 * 60_000 }, () => {
  before(async () => {
    cgroupTopBefore = cgroupTop();
    system = await unpackSystem();
    lab = await NetLab.create("10.217.0");
  });

  after(async () => {
    for (const n of [agent, server]) if (n) await removeOsNode(n);
    await lab?.destroy();
    if (system) rmSync(system.dir, { recursive: true, force: true });
  });

  it("boots a server whose PID 1 is the image's init and goes Ready with its config.yaml and cmdline applied", async () => {
    const host = await lab!.addDhcpHost("os-srv", 11);
    server = await bootOsNode(system!, host, {
      name: "os-srv",
      cmdline: "console=ttyS0 k3os.mode=live k3os.labels.boot-source=cmdline",
      config: {
        hostname: "os-srv",
        k3os: { token: TOKEN, labels: { "k3os-test/tier": "namespaces" }, k3s_args: ["server", "--node-label=k3s-args=applied"] },
      },
    });
    const ms = await waitUntil("os-srv Ready", server, nodeReady(server, "os-srv"), READY_MS, 5000);
    process.stderr.write(`# os-srv: boot to node Ready ${((Date.now() - server.startedAt) / 1000).toFixed(1)} s (Ready seen ${ms} ms after init started)\n`);
    const labels = JSON.parse((await kubectl(server, ["get", "node", "os-srv", "-o", "jsonpath={.metadata.labels}"])).stdout) as Record<string, string>;
    assert.equal(labels["k3os-test/tier"], "namespaces", "k3os.labels from config.yaml");
    assert.equal(labels["boot-source"], "cmdline", "k3os.labels from the node's /proc/cmdline");
    assert.equal(labels["k3s-args"], "applied", "k3os.k3s_args");
    assert.equal(labels["k3os.io/mode"], "live");
    assert.equal(labels["node-role.kubernetes.io/control-plane"], "true");
    const ip = (await kubectl(server, ["get", "node", "os-srv", "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}"])).stdout.trim();
    assert.equal(ip, host.address, "the node's address is the one the lab's DHCP leased to connman");
  });

  it("runs the image's services under OpenRC, leaving out those not for a container (cgroups, drivers, kernel sysctls)", async () => {
    const n = server!;
    assert.equal((await inNode(n, ["cat", "/proc/1/comm"])).stdout.trim(), "init");
    assert.equal((await inNode(n, ["hostname"])).stdout.trim(), "os-srv");
    assert.equal((await inNode(n, ["openrc", "--sys"])).stdout.trim(), "SYSTEMD-NSPAWN");
    const status = (await inNode(n, ["rc-status", "--all", "--nocolor"])).stdout;
    for (const s of ["k3os-mounts", "k3os-boot", "dbus", "connman", "sshd", "k3os-runtime", "k3s-service"]) {
      assert.match(status, new RegExp(`^\\s*${s}\\s+\\[\\s*started`, "m"), `${s} started:\n${status}`);
    }
    const started = (await inNode(n, ["ls", "/run/openrc/started"])).stdout.split("\n");
    for (const s of ["cgroups", "k3os-coldplug", "k3os-sysctl"]) assert.ok(!started.includes(s), `${s} (keyword -systemd-nspawn) is not started in the container`);
    const mounts = (await inNode(n, ["findmnt", "-n", "-o", "TARGET,FSTYPE", "-l"])).stdout;
    assert.match(mounts, /^\/usr\s+squashfs$/m);
    assert.match(mounts, /^\/etc\s+overlay$/m);
  });

  it("lets rancher run kubectl and k3os in a login shell without sudo; the admin kubeconfig is 0640 root:rancher", async () => {
    const n = server!;
    assert.equal((await inNode(n, ["stat", "-c", "%a %U %G", "/etc/rancher/k3s/k3s.yaml"])).stdout.trim(), "640 root rancher");
    const asRancher = (cmd: string) => inNode(n, ["su", "-l", "rancher", "-c", cmd]);
    const nodes = await asRancher("kubectl get nodes --no-headers 2>&1");
    assert.equal(nodes.exitCode, 0, nodes.stdout + nodes.stderr);
    assert.match(nodes.stdout, /^os-srv\s+Ready\s/m);
    const version = await asRancher("k3os --version 2>&1");
    assert.equal(version.exitCode, 0, version.stdout + version.stderr);
    assert.match(version.stdout, /v\d|dev/);
  });

  it("runs a pod from the image archive the OS ships (nothing is pulled)", async () => {
    const n = server!;
    const run = await kubectl(n, ["run", "os-probe", "--image=localhost/k3os/busybox:1.35", "--image-pull-policy=Never", "--restart=Never", "--command", "--", "sh", "-c", "echo hello-from-os-node"]);
    assert.equal(run.exitCode, 0, run.stderr);
    let phase = "";
    const ms = await waitUntil("os-probe Succeeded or Failed", n, async () => ["Succeeded", "Failed"].includes((phase = await podPhase(n, "os-probe"))), POD_MS, 2000);
    assert.equal(phase, "Succeeded", (await kubectl(n, ["describe", "pod", "os-probe"])).stdout);
    process.stderr.write(`# os-srv: pod Succeeded ${ms} ms after kubectl run\n`);
    assert.equal((await kubectl(n, ["logs", "os-probe"])).stdout.trim(), "hello-from-os-node");
  });

  it("joins a second OS node configured as an agent (server_url + token), and a pod runs on it", async () => {
    const host = await lab!.addDhcpHost("os-agent", 12);
    agent = await bootOsNode(system!, host, {
      name: "os-agent",
      config: { hostname: "os-agent", k3os: { server_url: `https://${server!.host.address}:6443`, token: TOKEN } },
    });
    const ms = await waitUntil("os-agent Ready", agent, nodeReady(server!, "os-agent"), READY_MS, 5000);
    process.stderr.write(`# os-agent: boot to node Ready ${((Date.now() - agent.startedAt) / 1000).toFixed(1)} s (${ms} ms after init started)\n`);
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "on-agent", namespace: "default" },
      spec: { nodeName: "os-agent", restartPolicy: "Never", containers: [{ name: "c", image: "localhost/k3os/busybox:1.35", imagePullPolicy: "Never", command: ["sh", "-c", "echo hello-from-agent"] }] },
    };
    const applied = await kubectl(server!, ["apply", "-f", "-"], JSON.stringify(pod));
    assert.equal(applied.exitCode, 0, applied.stderr);
    await waitUntil("on-agent Succeeded", agent, async () => (await podPhase(server!, "on-agent")) === "Succeeded", POD_MS, 2000);
    assert.equal((await kubectl(server!, ["logs", "on-agent"])).stdout.trim(), "hello-from-agent");
  });

  it("stopping k3s-service and running `k3s killall` end every Kubernetes process while the OS runs on", async () => {
    // The idle memory of these nodes (each whole, then this agent's OS alone) is measured by
    // `npm run bench -- --only os` (scripts/bench-os.ts), not here.
    const stop = await inNode(agent!, ["rc-service", "k3s-service", "stop"]);
    assert.equal(stop.exitCode, 0, stop.stdout + stop.stderr);
    // Pods (and their shims) outlive k3s, as in k3s: `k3s killall` ends them.
    const killall = await inNode(agent!, ["k3s", "killall"]);
    assert.equal(killall.exitCode, 0, killall.stdout + killall.stderr);
    const kube = () => nodeCommands(agent!).filter((c) => /^(k3s|containerd|kubelet|k3os-kube|pause)/.test(c));
    await waitUntil("no Kubernetes process left in os-agent", agent, () => kube().length === 0, 30_000, 500).catch(() => assert.fail(`left: ${kube().join(" ")}`));
    const os = nodeCommands(agent!);
    for (const c of ["init", "connmand", "sshd"]) assert.ok(os.includes(c), `${c} still runs: ${os.join(" ")}`);
  });

  it("killing a node's PID 1 tears it down and leaves nothing on the host", async () => {
    for (const n of [agent!, server!]) {
      assert.ok(nodePids(n).includes(n.initPid!), `${n.name}'s init runs`);
      await killOsNode(n);
      assert.ok(n.exit.done, `${n.name}: script exited after its PID 1 was killed`);
      // The loop device of the /usr squashfs is released when its mount namespace is gone.
      let left: string[] = [];
      await waitUntil(`${n.name}'s processes, mounts and loop device gone`, undefined, async () => (left = await nodeLeftovers(n, { cgroups: false })).length === 0, 60_000, 500).catch(() => assert.fail(`${n.name} left: ${left.join("\n")}`));
      await removeOsNode(n);
      assert.deepEqual(await nodeLeftovers(n), [], `${n.name}: nothing left`);
    }
    const theLab = lab!;
    await theLab.destroy();
    lab = undefined;
    assert.deepEqual(await labNamespaces(theLab), [], "no network namespace of the lab left");
    assert.deepEqual(cgroupTopAdded(cgroupTopBefore, [server!, agent!]), [], "no cgroup directory left at the top of any hierarchy");
  });
});
