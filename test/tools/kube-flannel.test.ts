// Our flanneld glue against a real control plane from the same multi-call binary: kine (SQLite) and
// kube-apiserver run inside a network namespace the test makes; flanneld takes the node's podCIDR
// from the API, writes /run/flannel/subnet.env, and programs the vxlan and host-gw backends for a
// second node that exists only as a Node object with flannel's annotations.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ensureKubeComponents, type KubeComponents } from "../../builder/kube/build.ts";
import { compileStaticC } from "../../builder/kube/images.ts";
import { Sandbox, waitFor } from "./sandbox.ts";
import { kubeDir } from "../../builder/kube/versions.ts";

const isRoot = process.getuid?.() === 0;
// kine applies its SQLite defaults only to an empty DSN; a bare path made the apiserver hang.
const kineParams = "_journal_mode=WAL&_busy_timeout=30000&_synchronous=NORMAL&_txlock=immediate&_stmt_cache_size=20&cache=shared";
const nodeIP = "10.99.0.1";
const peerIP = "10.99.0.2";

// Every node a kubelet registers has annotations; flannel v0.28.10 panics on a node without any
// (it writes into the nil map), so the stand-in nodes carry the one the kubelet always sets.
const nodeYaml = (name: string, cidr: string, annotations: Record<string, string> = {}) =>
  JSON.stringify({
    apiVersion: "v1", kind: "Node",
    metadata: { name, annotations: { "node.alpha.kubernetes.io/ttl": "0", ...annotations } },
    spec: { podCIDR: cidr, podCIDRs: [cidr] },
  });

describe("flanneld", { skip: isRoot ? false : "needs root (namespaces, links, iptables)" }, () => {
  let kube: KubeComponents;
  let work: string;
  let sandbox: Sandbox;
  let kubeconfig: string;
  const kubectl = (...args: string[]) => sandbox.exec([kube.binaries.kubectl!, "--kubeconfig", kubeconfig, ...args]);
  const inNs = (...cmd: string[]) => sandbox.exec(cmd);

  before(async () => {
    kube = await ensureKubeComponents();
    work = await mkdtemp(join(tmpdir(), "k3os-flannel-"));
    await compileStaticC(join(kubeDir, "images", "pause.c"), join(work, "pause"));
    sandbox = await Sandbox.start([join(work, "pause")]);
    // The node's interface: flannel needs an address that is not loopback to advertise (a veth
    // pair: this host's kernel has no dummy links).
    for (const cmd of [
      ["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0-peer"], ["ip", "addr", "add", `${nodeIP}/24`, "dev", "eth0"],
      ["ip", "link", "set", "eth0-peer", "up"], ["ip", "link", "set", "eth0", "up"],
    ]) {
      const r = inNs(...cmd);
      assert.equal(r.code, 0, r.out);
    }
    const openssl = (...args: string[]) => assert.equal(spawnSync("openssl", args, { cwd: work }).status, 0, `openssl ${args.join(" ")}`);
    openssl("genrsa", "-out", "sa.key", "2048");
    openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub");
    await writeFile(join(work, "tokens.csv"), "test-token,admin,admin,system:masters\n");
    kubeconfig = join(work, "kubeconfig");
    await writeFile(kubeconfig, JSON.stringify({
      apiVersion: "v1", kind: "Config", "current-context": "t",
      clusters: [{ name: "t", cluster: { server: "https://127.0.0.1:6443", "insecure-skip-tls-verify": true } }],
      users: [{ name: "t", user: { token: "test-token" } }],
      contexts: [{ name: "t", context: { cluster: "t", user: "t" } }],
    }));
    assert.equal(inNs("mkdir", "-p", "/var/lib/kine").code, 0);
    sandbox.background([kube.binaries.kine!, "--endpoint", `sqlite:///var/lib/kine/state.db?${kineParams}`, "--listen-address", "127.0.0.1:2379"], {}, join(work, "kine.log"));
    sandbox.background([
      kube.binaries["kube-apiserver"]!, "--etcd-servers=http://127.0.0.1:2379", `--advertise-address=${nodeIP}`,
      "--secure-port=6443", "--cert-dir=/var/lib/apiserver", `--token-auth-file=${join(work, "tokens.csv")}`,
      `--service-account-key-file=${join(work, "sa.pub")}`, `--service-account-signing-key-file=${join(work, "sa.key")}`,
      "--service-account-issuer=https://kubernetes.default.svc", "--service-cluster-ip-range=10.43.0.0/16",
      "--authorization-mode=RBAC",
    ], {}, join(work, "apiserver.log"));
    // Under load (CI runs other builds beside) the apiserver takes far longer than its native ~2 s.
    await waitFor("the apiserver's /readyz", () => kubectl("get", "--raw", "/readyz").stdout.trim() === "ok", 180_000);
  });

  after(async () => {
    await sandbox?.destroy();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** The Node flanneld runs as, and a peer whose flannel (at peerIP) already announced its subnet with `backend`. */
  async function createNodes(node: [string, string], peer: [string, string], backend: "vxlan" | "host-gw", backendData: string): Promise<void> {
    const announced = {
      "flannel.alpha.coreos.com/backend-type": backend,
      "flannel.alpha.coreos.com/backend-data": backendData,
      "flannel.alpha.coreos.com/public-ip": peerIP,
      "flannel.alpha.coreos.com/kube-subnet-manager": "true",
    };
    for (const [[name, cidr], ann] of [[node, {}], [peer, announced]] as const) {
      await writeFile(join(work, `${name}.json`), nodeYaml(name, cidr, ann));
      const r = kubectl("create", "-f", join(work, `${name}.json`));
      assert.equal(r.code, 0, r.out);
    }
  }

  async function startFlannel(backend: "vxlan" | "host-gw", node: string): Promise<void> {
    const netConf = join(work, `net-conf-${backend}.json`);
    await writeFile(netConf, JSON.stringify({ Network: "10.42.0.0/16", EnableIPv4: true, Backend: { Type: backend } }));
    sandbox.background(
      [kube.binaries.flanneld!, "--kubeconfig-file", kubeconfig, "--net-config-path", netConf, "--iface", "eth0", "--ip-masq", "--subnet-file", `/run/flannel/${node}.env`],
      { NODE_NAME: node },
      join(work, `flanneld-${backend}.log`),
    );
    const log = join(work, `flanneld-${backend}.log`);
    await waitFor(`/run/flannel/${node}.env`, () => inNs("cat", `/run/flannel/${node}.env`).code === 0, 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\nflanneld's log:\n${readFileSync(log, "utf8").slice(-3000)}`);
    });
  }

  test("with vxlan, flanneld writes subnet.env from the node's podCIDR and routes a peer's subnet over flannel.1", async () => {
    await createNodes(["node-a", "10.42.0.0/24"], ["peer-vxlan", "10.42.1.0/24"], "vxlan", JSON.stringify({ VNI: 1, VtepMAC: "0a:58:0a:2a:01:00" }));
    await startFlannel("vxlan", "node-a");
    const env = inNs("cat", "/run/flannel/node-a.env").stdout;
    assert.match(env, /^FLANNEL_NETWORK=10\.42\.0\.0\/16$/m);
    assert.match(env, /^FLANNEL_SUBNET=10\.42\.0\.1\/24$/m);
    assert.match(env, /^FLANNEL_MTU=1450$/m); // eth0's 1500 less the vxlan header
    assert.match(env, /^FLANNEL_IPMASQ=true$/m);
    assert.match(inNs("ip", "-d", "link", "show", "flannel.1").stdout, new RegExp(`vxlan id 1 local ${nodeIP.replaceAll(".", "\\.")} dev eth0`));
    await waitFor("the route to the peer's subnet", () => /10\.42\.1\.0\/24 via 10\.42\.1\.0 dev flannel\.1/.test(inNs("ip", "route").stdout), 30_000);
    const annotations = kubectl("get", "node", "node-a", "-o", "jsonpath={.metadata.annotations}").stdout;
    assert.match(annotations, /"flannel.alpha.coreos.com\/backend-type":"vxlan"/);
    assert.match(annotations, new RegExp(`"flannel.alpha.coreos.com/public-ip":"${nodeIP.replaceAll(".", "\\.")}"`));
    assert.match(inNs("iptables", "-t", "nat", "-S").stdout, /FLANNEL-POSTRTG/);
  });

  test("with host-gw, flanneld routes a peer's subnet via the peer's address", async () => {
    await createNodes(["node-b", "10.42.2.0/24"], ["peer-hostgw", "10.42.3.0/24"], "host-gw", "null");
    await startFlannel("host-gw", "node-b");
    assert.match(inNs("cat", "/run/flannel/node-b.env").stdout, /^FLANNEL_SUBNET=10\.42\.2\.1\/24$/m);
    await waitFor("the host-gw route to the peer", () => new RegExp(`10\\.42\\.3\\.0/24 via ${peerIP.replaceAll(".", "\\.")} dev eth0`).test(inNs("ip", "route").stdout), 30_000);
  });
});
