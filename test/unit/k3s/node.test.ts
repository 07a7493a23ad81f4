import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { kubeBinaries } from "../../../src/k3s/layout/binaries.ts";
import { checkCgroups, checkKernelOptions, formatChecks, readKernelConfig, REQUIRED_KERNEL_OPTIONS, runChecks } from "../../../src/k3s/cli/check-config.ts";
import { rootFsType } from "../../../src/k3s/agent/host-facts.ts";
import { defaultRouteInterface, resolveNodeIdentity } from "../../../src/k3s/agent/node-identity.ts";
import { agentComponents, serverComponents } from "../../../src/k3s/control/node-plan.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { validateSettings } from "../../../src/k3s/cli/settings.ts";
import { startOrder } from "../../../src/k3s/executor/supervisor.ts";
import { toolInvocation } from "../../../src/k3s/cli/tools.ts";
import { tempRoot, writeFile } from "./helpers.ts";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { imageDirs, importImages } from "../../../src/k3s/agent/images.ts";
import { labelServerNode } from "../../../src/k3s/server/node-labels.ts";

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth1\t00000000\t0101A8C0\t0003\t0\t0\t200\t00000000\t0\t0\t0
eth0\t00000000\t0102000A\t0003\t0\t0\t100\t00000000\t0\t0\t0
eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const iface = (address: string, internal = false) => ({ address, family: "IPv4" as const, internal, netmask: "255.255.255.0", mac: "00:00:00:00:00:00", cidr: `${address}/24` });

describe("node identity", () => {
  it("takes the address of the default route's interface, lowest metric first", () => {
    assert.equal(defaultRouteInterface(ROUTE), "eth0");
    const id = resolveNodeIdentity({ nodeIp: [], nodeExternalIp: [] }, { hostname: "Node-A", procNetRoute: ROUTE, interfaces: { lo: [iface("127.0.0.1", true)], eth0: [iface("10.0.2.15")], eth1: [iface("192.168.1.9")] } });
    assert.deepEqual(id, { nodeName: "node-a", nodeIps: ["10.0.2.15"], advertiseIp: "10.0.2.15" });
  });

  it("prefers --node-ip, --node-name and --advertise-address", () => {
    const id = resolveNodeIdentity({ nodeName: "n1", nodeIp: ["10.1.1.1"], nodeExternalIp: [], advertiseAddress: "10.9.9.9" }, { hostname: "h", procNetRoute: "", interfaces: {} });
    assert.deepEqual(id, { nodeName: "n1", nodeIps: ["10.1.1.1"], advertiseIp: "10.9.9.9" });
  });

  it("says to set --node-ip when it finds no address", () => {
    assert.throws(() => resolveNodeIdentity({ nodeIp: [], nodeExternalIp: [] }, { hostname: "h", procNetRoute: "", interfaces: { lo: [iface("127.0.0.1", true)] } }), /set --node-ip/);
  });

  it("tells an initramfs root from a disk root", () => {
    assert.equal(rootFsType("rootfs / rootfs rw 0 0\n"), "rootfs");
    assert.equal(rootFsType("rootfs / rootfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\n"), "ext4");
  });
});

describe("node plan", () => {
  const settings = validateSettings({ command: "server" });
  const plan = { settings, paths: nodePaths(settings, "/r"), identity: { nodeName: "n1", nodeIps: ["10.0.0.2"], advertiseIp: "10.0.0.2" }, bins: kubeBinaries("/k"), basePath: "/usr/bin" };

  it("runs kine, the control plane and the server's own agent in dependency order", () => {
    const specs = [...serverComponents(plan), ...agentComponents(plan, "kube-apiserver")];
    assert.deepEqual(startOrder(specs), ["kine", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "containerd", "flanneld", "kubelet", "kube-proxy"]);
    const kubelet = specs.find((s) => s.name === "kubelet")!;
    // Not after flannel: flannel needs the Node object the kubelet registers.
    assert.deepEqual(kubelet.dependsOn, ["containerd", "kube-apiserver"]);
    assert.ok(specs.find((s) => s.name === "flanneld")!.afterReady, "flannel's subnet becomes the CNI conflist");
    assert.equal(kubelet.argv[0], "/k/bin/kubelet");
    assert.equal(specs.find((s) => s.name === "containerd")!.env!.PATH, "/k/bin:/usr/bin");
    assert.equal(specs.find((s) => s.name === "kine")!.cwd, "/r/var/lib/rancher/k3s/server");
  });

  it("runs embedded etcd with --cluster-init, and leaves out flannel and kube-proxy when disabled", () => {
    const s = validateSettings({ command: "server", clusterInit: true, flannelBackend: "none", disableKubeProxy: true });
    const specs = [...serverComponents({ ...plan, settings: s }), ...agentComponents({ ...plan, settings: s }, "kube-apiserver")];
    assert.deepEqual(specs.map((c) => c.name), ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "containerd", "kubelet"]);
  });
});

describe("k3s check-config", () => {
  it("reads the kernel config from /proc/config.gz or /boot and reports missing options", () => {
    const root = tempRoot();
    const all = REQUIRED_KERNEL_OPTIONS.map((o) => `CONFIG_${o}=y`).join("\n").replace("CONFIG_VXLAN=y", "CONFIG_VXLAN=m").replace("CONFIG_VETH=y\n", "# CONFIG_VETH is not set\n");
    writeFile(root, "boot/config-6.12.0", all);
    const cfg = readKernelConfig(root, "6.12.0");
    assert.equal(cfg?.source, "/boot/config-6.12.0");
    const checks = checkKernelOptions(cfg!.text);
    assert.equal(checks.find((c) => c.what === "CONFIG_VXLAN")?.detail, "module");
    assert.deepEqual(checks.filter((c) => !c.ok).map((c) => c.what), ["CONFIG_VETH"]);
    writeFile(root, "proc/.keep", "");
    writeFileSync(join(root, "proc/config.gz"), gzipSync(all));
    assert.equal(readKernelConfig(root, "6.12.0")?.source, "/proc/config.gz");
  });

  it("finds cgroup v1 controllers and cgroup v2's", () => {
    const v1 = tempRoot();
    writeFile(v1, "proc/self/mounts", "cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,memory 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\ncgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n");
    assert.deepEqual(checkCgroups(v1).filter((c) => !c.ok).map((c) => c.what), ["cgroup controller cpuset"]);
    const v2 = tempRoot();
    writeFile(v2, "proc/self/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
    writeFile(v2, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    assert.ok(checkCgroups(v2).every((c) => c.ok));
  });

  it("fails when components are missing and passes when they are there", () => {
    const root = tempRoot();
    writeFile(root, "proc/self/mounts", "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n");
    writeFile(root, "sys/fs/cgroup/cgroup.controllers", "cpuset cpu memory pids\n");
    const bins = kubeBinaries(join(root, "kube"));
    const missing = formatChecks(runChecks({ root, release: "x", bins }));
    assert.ok(missing.failed > 0);
    assert.match(missing.text, /kernel options not checked/);
    for (const a of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl", "containerd", "ctr", "kine", "etcd", "flanneld", "runc", "containerd-shim-runc-v2"]) writeFile(bins.binDir, a, "");
    for (const p of ["bridge", "host-local", "portmap", "loopback"]) writeFile(bins.cniBinDir, p, "");
    const ok = formatChecks(runChecks({ root, release: "x", bins }));
    assert.equal(ok.failed, 0, ok.text);
    assert.match(ok.text, /STATUS: pass/);
  });
});

describe("k3s kubectl, crictl and ctr", () => {
  const paths = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" }, "/nonexistent-root");
  const bins = kubeBinaries("/k");

  it("presets the containerd socket and the k8s.io namespace unless set", () => {
    assert.deepEqual(toolInvocation("ctr", ["images", "ls"], bins, paths, {}), {
      argv: ["/k/bin/ctr", "images", "ls"],
      env: { CONTAINERD_ADDRESS: "/nonexistent-root/run/k3s/containerd/containerd.sock", CONTAINERD_NAMESPACE: "k8s.io" },
    });
    assert.deepEqual(toolInvocation("ctr", [], bins, paths, { CONTAINERD_NAMESPACE: "default" }).env.CONTAINERD_NAMESPACE, undefined);
    assert.equal(toolInvocation("crictl", ["ps"], bins, paths, {}).env.CONTAINER_RUNTIME_ENDPOINT, "unix:///nonexistent-root/run/k3s/containerd/containerd.sock");
  });

  it("gives kubectl the admin kubeconfig when readable, else the server's own, never over the user's", () => {
    const root = tempRoot();
    const p = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" }, root);
    assert.deepEqual(toolInvocation("kubectl", ["get", "nodes"], bins, p, {}).env, {});
    writeFile(root, "var/lib/rancher/k3s/server/cred/admin.kubeconfig", "x");
    assert.equal(toolInvocation("kubectl", [], bins, p, {}).env.KUBECONFIG, p.server.cred.adminKubeconfig);
    writeFile(root, "etc/rancher/k3s/k3s.yaml", "x");
    assert.equal(toolInvocation("kubectl", [], bins, p, {}).env.KUBECONFIG, p.adminKubeconfig);
    assert.deepEqual(toolInvocation("kubectl", [], bins, p, { KUBECONFIG: "/mine" }).env, {});
    assert.deepEqual(toolInvocation("kubectl", ["--kubeconfig=/x"], bins, p, {}).env, {});
  });
});

describe("agent/images", () => {
  it("imports the OS's image archives, then agent/images' in name order, into containerd's k8s.io namespace", async () => {
    const root = tempRoot();
    for (const f of ["b-coredns.tar.gz", "a-pause.tar", "notes.txt", "c.tar.zst"]) writeFile(root, `images/${f}`, "x");
    writeFile(root, "system/z-os.tar", "x");
    const runner = new RecordingRunner();
    const n = await importImages({ runner, ctr: "/k/bin/ctr", socket: "/run/k3s/containerd/containerd.sock", dirs: [join(root, "system"), join(root, "images")], log: memoryLogger() });
    assert.equal(n, 4);
    assert.deepEqual(runner.calls.map((c) => c.argv.at(-1)), [join(root, "system/z-os.tar"), ...["a-pause.tar", "b-coredns.tar.gz", "c.tar.zst"].map((f) => join(root, "images", f))]);
    assert.deepEqual(runner.calls[0]!.argv.slice(0, 7), ["/k/bin/ctr", "--address", "/run/k3s/containerd/containerd.sock", "--namespace", "k8s.io", "images", "import"]);
    assert.equal(await importImages({ runner, ctr: "ctr", socket: "s", dirs: [join(root, "none")], log: memoryLogger() }), 0);
  });
});

describe("server node labels", () => {
  it("labels the server's Node as control-plane once it registers, retrying until then", async () => {
    let tries = 0;
    const runner = new RecordingRunner(() => (++tries < 3 ? { exitCode: 1, stderr: 'nodes "n1" not found' } : {}));
    const ok = await labelServerNode({ runner, kubectl: "/k/bin/kubectl", kubeconfig: "/a", nodeName: "n1", log: memoryLogger(), intervalMs: 1 });
    assert.ok(ok);
    assert.equal(runner.calls.length, 3);
    assert.deepEqual(runner.calls[2]!.argv, ["/k/bin/kubectl", "--kubeconfig", "/a", "label", "node", "n1", "--overwrite", "node-role.kubernetes.io/control-plane=true", "node-role.kubernetes.io/master=true"]);
  });

  it("gives up with a warning when the Node never registers", async () => {
    const log = memoryLogger();
    const ok = await labelServerNode({ runner: new RecordingRunner(() => ({ exitCode: 1 })), kubectl: "k", kubeconfig: "a", nodeName: "n1", log, attempts: 2, intervalMs: 1 });
    assert.equal(ok, false);
    assert.match(log.lines.join("\n"), /could not label node n1/);
  });
});

describe("image directories", () => {
  it("reads the OS's images from /usr/lib/k3os/images unless K3OS_SYSTEM_IMAGES_DIR says otherwise, before agent/images", () => {
    assert.deepEqual(imageDirs("/var/lib/rancher/k3s/agent/images", {}), ["/usr/lib/k3os/images", "/var/lib/rancher/k3s/agent/images"]);
    assert.deepEqual(imageDirs("/d/agent/images", { K3OS_SYSTEM_IMAGES_DIR: "/x" }), ["/x", "/d/agent/images"]);
  });
});
