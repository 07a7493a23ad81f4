import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { cpSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { memoryLogger } from "../../../src/system/log.ts";
import { nodePaths, type NodePaths } from "../../../src/k3s/layout/paths.ts";
import { ensureServerPki, writeAdminKubeconfig } from "../../../src/k3s/pki/server-pki.ts";
import { ensureLocalAgentPki } from "../../../src/k3s/pki/agent-pki.ts";
import { validateSettings } from "../../../src/k3s/cli/settings.ts";
import { kubeBinaries } from "../../../src/k3s/layout/binaries.ts";
import type { HostFacts } from "../../../src/k3s/agent/host-facts.ts";
import { prepareServer } from "../../../src/k3s/server/prepare-server.ts";
import { tempRoot } from "./helpers.ts";

const NOW = new Date("2026-06-01T00:00:00Z");
const DAY = 86_400_000;
const settings = validateSettings({ command: "server", tlsSan: ["k3s.example", "10.9.9.9"], nodeIp: ["192.168.1.5"], writeKubeconfigMode: "644" });
const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;

function cert(path: string): X509Certificate {
  return new X509Certificate(readFileSync(path));
}

function copyRoot(from: string): { root: string; paths: NodePaths } {
  const root = tempRoot();
  cpSync(from, root, { recursive: true });
  return { root, paths: nodePaths(settings, root) };
}

describe("server PKI", () => {
  const base = tempRoot();
  const paths = nodePaths(settings, base);
  let written: string[] = [];
  before(async () => {
    written = await ensureServerPki(settings, paths, { now: NOW, log: memoryLogger(), hostname: "node1" });
    await writeAdminKubeconfig(settings, paths, memoryLogger());
  });

  it("lays out k3s's CAs, leaf certificates and keys in server/tls", () => {
    const tls = paths.server.tls;
    for (const f of [
      tls.clientCa.crt, tls.serverCa.crt, tls.requestHeaderCa.crt, tls.serviceKey, tls.clientAdmin.crt, tls.clientSupervisor.crt, tls.clientController.crt,
      tls.clientScheduler.crt, tls.clientKubeApiserver.crt, tls.clientKubeProxy.crt, tls.clientK3sController.crt,
      tls.clientAuthProxy.crt, tls.servingKubeApiserver.crt, tls.clientKubeletKey, tls.servingKubeletKey,
      tls.etcd.serverCa.crt, tls.etcd.peerCa.crt, tls.etcd.client.crt, tls.etcd.serverClient.crt, tls.etcd.peerServerClient.crt,
    ]) {
      assert.ok(written.includes(f), `${f} written`);
    }
    for (const f of [tls.clientCaNoChain, tls.serverCaNoChain, tls.serviceCurrentKey]) assert.ok(statSync(f).isFile(), f);
    assert.equal(statSync(tls.clientAdmin.key).mode & 0o777, 0o600);
    assert.equal(statSync(tls.dir).mode & 0o777, 0o700);
    assert.match(readFileSync(tls.clientAdmin.key, "utf8"), /^-----BEGIN EC PRIVATE KEY-----/);
    assert.match(readFileSync(tls.serviceKey, "utf8"), /^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it("gives CAs 10 years and leaf certificates 1 year, with k3s's names", () => {
    const ca = cert(paths.server.tls.serverCa.crt);
    assert.ok(ca.ca);
    assert.match(ca.subject, /^CN=k3s-server-ca@\d+$/);
    assert.equal(new Date(ca.validTo).getTime() - NOW.getTime(), 3650 * DAY);
    const admin = cert(paths.server.tls.clientAdmin.crt);
    assert.equal(admin.subject, "O=system:masters\nCN=system:admin");
    assert.equal(new Date(admin.validTo).getTime() - NOW.getTime(), 365 * DAY);
    assert.equal(cert(paths.server.tls.clientAuthProxy.crt).subject, "CN=system:auth-proxy");
  });

  it("puts the fixed names, loopback, the service IP, node IPs and --tls-san in the apiserver's certificate", () => {
    const sans = cert(paths.server.tls.servingKubeApiserver.crt).subjectAltName ?? "";
    for (const s of ["DNS:kubernetes.default.svc.cluster.local", "DNS:localhost", "DNS:node1", "DNS:k3s.example", "IP Address:127.0.0.1", "IP Address:10.43.0.1", "IP Address:192.168.1.5", "IP Address:10.9.9.9"]) {
      assert.ok(sans.includes(s), `${s} in ${sans}`);
    }
  });

  it("signs every leaf with its CA, as openssl verifies", { skip: !hasOpenssl && "openssl is not installed" }, () => {
    const tls = paths.server.tls;
    const pairs: [string, string][] = [
      [tls.serverCa.crt, tls.servingKubeApiserver.crt],
      [tls.clientCa.crt, tls.clientAdmin.crt],
      [tls.clientCa.crt, tls.clientKubeProxy.crt],
      [tls.requestHeaderCa.crt, tls.clientAuthProxy.crt],
      [tls.etcd.serverCa.crt, tls.etcd.serverClient.crt],
      [tls.etcd.peerCa.crt, tls.etcd.peerServerClient.crt],
    ];
    for (const [ca, leaf] of pairs) {
      const r = spawnSync("openssl", ["verify", "-attime", String(NOW.getTime() / 1000 + 60), "-CAfile", ca, leaf], { encoding: "utf8" });
      assert.equal(r.status, 0, `${leaf}: ${r.stdout}${r.stderr}`);
    }
    const wrong = spawnSync("openssl", ["verify", "-attime", String(NOW.getTime() / 1000 + 60), "-CAfile", tls.clientCa.crt, tls.servingKubeApiserver.crt], { encoding: "utf8" });
    assert.notEqual(wrong.status, 0);
    const purpose = spawnSync("openssl", ["verify", "-attime", String(NOW.getTime() / 1000 + 60), "-purpose", "sslserver", "-CAfile", tls.serverCa.crt, tls.servingKubeApiserver.crt], { encoding: "utf8" });
    assert.equal(purpose.status, 0, purpose.stderr);
  });

  it("writes component kubeconfigs pointing at the apiserver port, and the admin one embedded with its mode", () => {
    const cfg = parse(readFileSync(paths.server.cred.controllerKubeconfig, "utf8"));
    assert.equal(cfg.clusters[0].cluster.server, "https://127.0.0.1:6444");
    assert.equal(cfg.users[0].user["client-certificate"], paths.server.tls.clientController.crt);
    assert.equal(statSync(paths.server.cred.adminKubeconfig).mode & 0o777, 0o600);
    const admin = parse(readFileSync(paths.adminKubeconfig, "utf8"));
    assert.equal(admin.clusters[0].cluster.server, "https://127.0.0.1:6443");
    assert.equal(Buffer.from(admin.clusters[0].cluster["certificate-authority-data"], "base64").toString(), readFileSync(paths.server.tls.serverCa.crt, "utf8"));
    assert.equal(statSync(paths.adminKubeconfig).mode & 0o777, 0o644);
  });

  it("writes nothing new on a second start", async () => {
    const { paths: p } = copyRoot(base);
    const again = await ensureServerPki(settings, p, { now: new Date(NOW.getTime() + DAY), log: memoryLogger(), hostname: "node1" });
    assert.deepEqual(again, []);
  });

  it("renews leaf certificates within 90 days of expiry, keeping their keys and the CAs", async () => {
    const { paths: p } = copyRoot(base);
    const keyBefore = readFileSync(p.server.tls.clientAdmin.key, "utf8");
    const caBefore = readFileSync(p.server.tls.clientCa.crt, "utf8");
    const later = new Date(NOW.getTime() + 300 * DAY);
    const log = memoryLogger();
    const again = await ensureServerPki(settings, p, { now: later, log, hostname: "node1" });
    assert.ok(again.includes(p.server.tls.clientAdmin.crt));
    assert.ok(again.includes(p.server.tls.servingKubeApiserver.crt));
    assert.ok(!again.includes(p.server.tls.clientCa.crt));
    assert.equal(readFileSync(p.server.tls.clientAdmin.key, "utf8"), keyBefore);
    assert.equal(readFileSync(p.server.tls.clientCa.crt, "utf8"), caBefore);
    assert.equal(new Date(cert(p.server.tls.clientAdmin.crt).validTo).getTime(), later.getTime() + 365 * DAY);
    assert.match(log.lines.join("\n"), /renewing .*client-admin\.crt: expires/);
  });

  it("renews the apiserver's certificate when a new --tls-san appears, and only that one", async () => {
    const { paths: p } = copyRoot(base);
    const more = validateSettings({ ...settings, command: "server", tlsSan: [...settings.tlsSan, "new.example"], writeKubeconfigMode: "644" });
    const again = await ensureServerPki(more, p, { now: NOW, log: memoryLogger(), hostname: "node1" });
    assert.ok(again.includes(p.server.tls.servingKubeApiserver.crt));
    assert.ok(!again.includes(p.server.tls.clientAdmin.crt));
    assert.ok((cert(p.server.tls.servingKubeApiserver.crt).subjectAltName ?? "").includes("DNS:new.example"));
  });

  it("signs the local agent's kubelet certificates for the node and writes its kubeconfigs", async () => {
    const { paths: p } = copyRoot(base);
    const id = { nodeName: "node1", nodeIps: ["192.168.1.5"], advertiseIp: "192.168.1.5" };
    await ensureLocalAgentPki(p, id, { now: NOW, log: memoryLogger(), apiServerUrl: "https://127.0.0.1:6444" });
    const client = cert(p.agent.clientKubelet.crt);
    assert.equal(client.subject, "O=system:nodes\nCN=system:node:node1");
    assert.ok(client.checkIssued(cert(p.server.tls.clientCa.crt)));
    const serving = cert(p.agent.servingKubelet.crt);
    assert.ok((serving.subjectAltName ?? "").includes("IP Address:192.168.1.5"));
    assert.ok(serving.checkIssued(cert(p.server.tls.serverCa.crt)));
    const kc = parse(readFileSync(p.agent.kubeletKubeconfig, "utf8"));
    assert.equal(kc.users[0].user["client-key"], p.agent.clientKubelet.key);
    assert.equal(readFileSync(p.agent.clientKubelet.key, "utf8"), readFileSync(join(p.server.tls.dir, "client-kubelet.key"), "utf8"));
  });
});

describe("server PKI of a node without --node-ip", () => {
  it("puts the address it found on the default route's interface in the apiserver's certificate", async () => {
    const root = tempRoot();
    const s = validateSettings({ command: "server" });
    const host: HostFacts = {
      hostname: "node2",
      procNetRoute: "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\nlo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\neth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\n",
      interfaces: { eth0: [{ address: "10.0.0.7", netmask: "255.255.255.0", family: "IPv4", mac: "02:00:00:00:00:07", internal: false, cidr: "10.0.0.7/24" }] },
      canAdjustOomScore: true,
      apparmorEnabled: false,
      rootIsRamfs: false,
    };
    const node = await prepareServer(s, { root, log: memoryLogger(), now: NOW, host, bins: kubeBinaries("/k") });
    assert.deepEqual(node.identity.nodeIps, ["10.0.0.7"]);
    assert.match(cert(node.paths.server.tls.servingKubeApiserver.crt).subjectAltName ?? "", /IP Address:10\.0\.0\.7\b/);
  });
});
