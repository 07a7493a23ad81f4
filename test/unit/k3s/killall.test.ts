import assert from "node:assert/strict";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DryRunner, RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { kubeBinaries } from "../../../src/k3s/layout/binaries.ts";
import { filterRules, findNodeProcesses, killall, nodeMounts } from "../../../src/k3s/cli/killall.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { tempRoot, writeFile } from "./helpers.ts";

const SAVE = `*filter
:INPUT ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:FLANNEL-FWD - [0:0]
-A INPUT -j KUBE-SERVICES
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A INPUT -p tcp --dport 22 -j ACCEPT
COMMIT
`;

function fakeNode(root: string) {
  const paths = nodePaths({ dataDir: "/var/lib/rancher/k3s", writeKubeconfig: "/etc/rancher/k3s/k3s.yaml" }, root);
  const bins = kubeBinaries("/opt/kube");
  writeFile(root, "proc/self/mounts", [
    "proc /proc proc rw 0 0",
    `shm ${root}/run/k3s/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/shm tmpfs rw 0 0`,
    `overlay ${root}/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs overlay rw 0 0`,
    `tmpfs ${root}/var/lib/kubelet/pods/uid/volumes/kubernetes.io~projected/kube-api-access tmpfs rw 0 0`,
    `nsfs ${root}/run/netns/cni-1234 nsfs rw 0 0`,
    `nsfs ${root}/run/netns/mine nsfs rw 0 0`,
    `/dev/sda1 ${root}/var/lib/rancher/k3s/storage\\040x ext4 rw 0 0`,
    "/dev/sda2 /home ext4 rw 0 0",
  ].join("\n"));
  writeFile(root, "run/netns/cni-1234", "");
  writeFile(root, "run/netns/mine", "");
  for (const l of ["cni0", "flannel.1", "eth0", "veth1", "veth2"]) mkdirSync(join(root, "sys/class/net", l), { recursive: true });
  symlinkSync("../cni0", join(root, "sys/class/net/veth1/master"));
  writeFile(root, "var/lib/cni/networks/cbr0/10.42.0.5", "x");
  return { paths, bins };
}

describe("k3s killall", () => {
  it("picks the node's mounts, deepest first, and leaves others alone", () => {
    const m = nodeMounts("a /run/k3s/x/y t 0 0\nb /run/k3s/x t 0 0\nc /home t 0 0\nd /run/k3sother t 0 0\n", ["/run/k3s"]);
    assert.deepEqual(m, ["/run/k3s/x/y", "/run/k3s/x"]);
  });

  it("removes kube-proxy, flannel and CNI rules from iptables-save output", () => {
    assert.equal(filterRules(SAVE), "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n");
  });

  it("finds processes whose executable is in the Kubernetes bin dir", () => {
    const root = tempRoot();
    for (const [pid, exe] of [["10", "/opt/kube/bin/k3os-kube"], ["11", "/usr/bin/sshd"], ["12", "/opt/kube/bin/containerd-shim-runc-v2"]]) {
      mkdirSync(join(root, "proc", pid!), { recursive: true });
      symlinkSync(exe!, join(root, "proc", pid!, "exe"));
    }
    assert.deepEqual(findNodeProcesses(root, kubeBinaries("/opt/kube")).sort(), [10, 12]);
  });

  it("unmounts, deletes CNI namespaces and interfaces, cleans iptables and removes CNI state", async () => {
    const root = tempRoot();
    const { paths, bins } = fakeNode(root);
    const runner = new RecordingRunner((argv) => (argv[0] === "iptables-save" ? { stdout: SAVE } : argv[0] === "ip6tables-save" ? { stdout: "*filter\nCOMMIT\n" } : {}));
    await killall({ root, paths, bins, runner, log: memoryLogger(), kill: () => {} });
    const cmds = runner.calls.map((c) => c.argv.join(" "));
    assert.deepEqual(cmds.filter((c) => c.startsWith("umount")).sort(), [
      `umount --lazy ${root}/run/k3s/containerd/io.containerd.grpc.v1.cri/sandboxes/abc/shm`,
      `umount --lazy ${root}/run/k3s/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs`,
      `umount --lazy ${root}/var/lib/kubelet/pods/uid/volumes/kubernetes.io~projected/kube-api-access`,
      `umount --lazy ${root}/var/lib/rancher/k3s/storage x`,
      `umount --lazy ${root}/run/netns/cni-1234`,
    ].sort());
    assert.ok(cmds.includes("ip netns delete cni-1234"));
    assert.ok(!cmds.includes("ip netns delete mine"));
    assert.deepEqual(cmds.filter((c) => c.startsWith("ip link")), ["ip link delete veth1", "ip link delete cni0", "ip link delete flannel.1"]);
    const restore = runner.calls.find((c) => c.argv[0] === "iptables-restore");
    assert.equal(restore?.opts.input, filterRules(SAVE));
    assert.ok(!runner.calls.some((c) => c.argv[0] === "ip6tables-restore"), "nothing to remove from ip6tables");
    assert.ok(!existsSync(join(root, "var/lib/cni")));
  });

  it("only prints commands and keeps files with --dry-run", async () => {
    const root = tempRoot();
    const { paths, bins } = fakeNode(root);
    const lines: string[] = [];
    await killall({ root, paths, bins, runner: new DryRunner((l) => lines.push(l)), log: memoryLogger(), kill: () => assert.fail("no kill in dry run") });
    assert.ok(lines.some((l) => l.startsWith("would run: ip link delete cni0")));
    assert.ok(existsSync(join(root, "var/lib/cni/networks/cbr0/10.42.0.5")));
  });
});
