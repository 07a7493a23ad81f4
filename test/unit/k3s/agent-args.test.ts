import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { renderContainerdConfig } from "../../../src/k3s/control/containerd-config.ts";
import { hasSysResource } from "../../../src/k3s/agent/host-facts.ts";
import { flanneldArgs, parseSubnetEnv, renderCniConflist, renderFlannelNetConf, subnetFromPodCidr } from "../../../src/k3s/control/flannel.ts";
import { kubeProxyArgs } from "../../../src/k3s/control/kube-proxy.ts";
import { kubeletArgs, renderKubeletConfig } from "../../../src/k3s/control/kubelet.ts";
import { kubeBinaries } from "../../../src/k3s/layout/binaries.ts";
import { nodePaths } from "../../../src/k3s/layout/paths.ts";
import { validateSettings, type SettingsInput } from "../../../src/k3s/cli/settings.ts";

const identity = { nodeName: "node1", nodeIps: ["192.168.1.5"], advertiseIp: "192.168.1.5" };
const make = (over: Partial<SettingsInput> = {}) => {
  const settings = validateSettings({ command: "server", ...over });
  return { settings, paths: nodePaths(settings, "/r"), identity };
};
const flag = (argv: string[], name: string) => argv.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));

describe("kubelet", () => {
  it("writes a config with cgroupfs, cgroup v1 allowed, the cluster DNS and the node's serving certificate", () => {
    const c = parse(renderKubeletConfig(make({ resolvConf: "/etc/k3s-resolv.conf" })));
    assert.equal(c.kind, "KubeletConfiguration");
    assert.equal(c.cgroupDriver, "cgroupfs");
    assert.equal(c.failCgroupV1, false);
    assert.equal(c.failSwapOn, false);
    assert.equal(c.readOnlyPort, 0);
    assert.deepEqual(c.clusterDNS, ["10.43.0.10"]);
    assert.equal(c.address, "192.168.1.5");
    assert.equal(c.resolvConf, "/etc/k3s-resolv.conf");
    assert.equal(c.containerRuntimeEndpoint, "unix:///r/run/k3s/containerd/containerd.sock");
    assert.equal(c.tlsCertFile, "/r/var/lib/rancher/k3s/agent/serving-kubelet.crt");
    assert.equal(c.authentication.x509.clientCAFile, "/r/var/lib/rancher/k3s/agent/client-ca.crt");
  });

  it("passes name, IP, labels and taints as flags, and lets --kubelet-arg override them", () => {
    const a = kubeletArgs(make({ nodeLabel: ["a=b"], nodeTaint: ["k=v:NoSchedule"], kubeletArg: ["cgroup-root=/test1", "node-ip=10.0.0.1"] }));
    assert.deepEqual(flag(a, "hostname-override"), ["node1"]);
    assert.deepEqual(flag(a, "node-labels"), ["a=b"]);
    assert.deepEqual(flag(a, "register-with-taints"), ["k=v:NoSchedule"]);
    assert.deepEqual(flag(a, "node-ip"), ["10.0.0.1"]);
    assert.deepEqual(flag(a, "cgroup-root"), ["/test1"]);
    assert.deepEqual(flag(a, "config-dir"), ["/r/var/lib/rancher/k3s/agent/etc/kubelet.conf.d"]);
    assert.deepEqual(flag(a, "kubeconfig"), ["/r/var/lib/rancher/k3s/agent/kubelet.kubeconfig"]);
  });
});

describe("kube-proxy", () => {
  it("runs in iptables mode with the cluster CIDR and leaves conntrack sysctls alone", () => {
    const a = kubeProxyArgs(make({ kubeProxyArg: ["proxy-mode=nftables"] }));
    assert.deepEqual(flag(a, "proxy-mode"), ["nftables"]);
    assert.deepEqual(flag(a, "cluster-cidr"), ["10.42.0.0/16"]);
    assert.deepEqual(flag(a, "conntrack-max-per-core"), ["0"]);
    assert.deepEqual(flag(a, "kubeconfig"), ["/r/var/lib/rancher/k3s/agent/kubeproxy.kubeconfig"]);
  });
});

describe("containerd config", () => {
  const base = { paths: make().paths, binaries: kubeBinaries("/k"), pauseImage: "localhost/k3os/pause:3.10", disableApparmor: true, noPivotRoot: false };

  it("pins the sandbox image, runs runc by path and points CNI at the node's dirs", () => {
    const t = renderContainerdConfig({ ...base, restrictOomScoreAdj: true });
    assert.match(t, /^version = 3$/m);
    assert.match(t, /\[plugins\."io\.containerd\.cri\.v1\.images"\.pinned_images\]\n {2}sandbox = "localhost\/k3os\/pause:3\.10"/);
    assert.match(t, /restrict_oom_score_adj = true/);
    assert.match(t, /BinaryName = "\/k\/bin\/runc"/);
    assert.match(t, /SystemdCgroup = false/);
    assert.match(t, /bin_dirs = \["\/k\/cni"\]/);
    assert.match(t, /conf_dir = "\/r\/var\/lib\/rancher\/k3s\/agent\/etc\/cni\/net\.d"/);
    assert.match(t, /address = "\/r\/run\/k3s\/containerd\/containerd\.sock"/);
  });

  it("lowers oom_score_adj only where root may", () => {
    assert.match(renderContainerdConfig({ ...base, restrictOomScoreAdj: false }), /restrict_oom_score_adj = false/);
    assert.equal(hasSysResource("CapEff:\t000001fffeffffff\n"), false);
    assert.equal(hasSysResource("CapEff:\t000001ffffffffff\n"), true);
  });
});

describe("flannel and CNI", () => {
  it("writes net-conf.json for the cluster CIDR and backend", () => {
    assert.deepEqual(JSON.parse(renderFlannelNetConf({ clusterCidr: ["10.42.0.0/16"], flannelBackend: "host-gw" })), {
      Network: "10.42.0.0/16",
      EnableIPv4: true,
      EnableIPv6: false,
      Backend: { Type: "host-gw" },
    });
  });

  it("runs flanneld with the kube subnet manager, the k3s-controller identity and the node's interface", () => {
    const f = flanneldArgs(make({ flannelIface: "eth1" }));
    assert.ok(f.argv.includes("--kube-subnet-mgr"));
    assert.ok(f.argv.includes("--iface=eth1"));
    assert.ok(f.argv.includes("--kubeconfig-file=/r/var/lib/rancher/k3s/agent/k3scontroller.kubeconfig"));
    assert.deepEqual(f.env, { NODE_NAME: "node1" });
  });

  it("turns flannel's subnet.env into a bridge + host-local + portmap conflist", () => {
    const subnet = parseSubnetEnv("FLANNEL_NETWORK=10.42.0.0/16\nFLANNEL_SUBNET=10.42.3.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
    assert.deepEqual(subnet, { subnet: "10.42.3.0/24", gateway: "10.42.3.1", mtu: 1450 });
    const c = JSON.parse(renderCniConflist(subnet, make().paths));
    assert.deepEqual(c.plugins.map((p: { type: string }) => p.type), ["bridge", "portmap"]);
    assert.equal(c.plugins[0].bridge, "cni0");
    assert.equal(c.plugins[0].mtu, 1450);
    assert.deepEqual(c.plugins[0].ipam.ranges, [[{ subnet: "10.42.3.0/24", gateway: "10.42.3.1" }]]);
    assert.deepEqual(subnetFromPodCidr("10.42.7.0/24"), { subnet: "10.42.7.0/24", gateway: "10.42.7.1", mtu: 1500 });
  });
});
