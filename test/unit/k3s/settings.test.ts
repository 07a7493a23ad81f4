import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SettingsError, validateSettings } from "../../../src/k3s/cli/settings.ts";
import { formatIp, nthAddress, parseCidr, parseIp } from "../../../src/k3s/util/net-util.ts";

describe("k3s settings", () => {
  it("fills k3s's defaults, with cluster DNS the 10th address of the service network", () => {
    const s = validateSettings({ command: "server" });
    assert.equal(s.dataDir, "/var/lib/rancher/k3s");
    assert.deepEqual(s.clusterCidr, ["10.42.0.0/16"]);
    assert.deepEqual(s.serviceCidr, ["10.43.0.0/16"]);
    assert.deepEqual(s.clusterDns, ["10.43.0.10"]);
    assert.equal(s.httpsListenPort, 6443);
    assert.equal(s.flannelBackend, "vxlan");
    assert.equal(s.writeKubeconfig, "/etc/rancher/k3s/k3s.yaml");
    assert.equal(s.writeKubeconfigMode, undefined);
    assert.equal(s.defaultLocalStoragePath, "/var/lib/rancher/k3s/storage");
  });

  it("derives cluster DNS from a custom service network", () => {
    assert.deepEqual(validateSettings({ command: "server", serviceCidr: ["10.96.0.0/12"], clusterCidr: ["10.244.0.0/16"] }).clusterDns, ["10.96.0.10"]);
  });

  it("reads --write-kubeconfig-mode as octal", () => {
    assert.equal(validateSettings({ command: "server", writeKubeconfigMode: "644" }).writeKubeconfigMode, 0o644);
    assert.equal(validateSettings({ command: "server", writeKubeconfigMode: "0600" }).writeKubeconfigMode, 0o600);
  });

  it("reports every problem at once, each named by its flag", () => {
    assert.throws(
      () => validateSettings({ command: "server", nodeIp: ["300.1.1.1"], clusterCidr: ["10.42.0.0"], httpsListenPort: "99999", flannelBackend: "udp", disable: ["nope"] }),
      (e: unknown) => {
        assert.ok(e instanceof SettingsError);
        const text = e.problems.join("\n");
        for (const f of ["--node-ip[0]", "--cluster-cidr[0]", "--https-listen-port", "--flannel-backend", "--disable[0]"]) assert.ok(text.includes(f), `${f} in ${text}`);
        return true;
      },
    );
  });

  it("requires a server URL and a token for an agent", () => {
    assert.throws(() => validateSettings({ command: "agent" }), /--server: k3s agent needs --server[\s\S]*--token: k3s agent needs --token/);
    assert.throws(() => validateSettings({ command: "agent", server: "http://x:6443", token: "t" }), /https/);
    assert.doesNotThrow(() => validateSettings({ command: "agent", server: "https://10.0.0.1:6443", token: "t" }));
  });

  it("refuses --cluster-init together with --datastore-endpoint", () => {
    assert.throws(() => validateSettings({ command: "server", clusterInit: true, datastoreEndpoint: "mysql://x" }), /cannot be used together/);
  });

  it("refuses a server joining with --server while it names its own --datastore-endpoint", () => {
    assert.throws(() => validateSettings({ command: "server", server: "https://10.0.0.1:6443", token: "t", datastoreEndpoint: "mysql://x" }), /--server joins a server's embedded etcd/);
  });

  it("accepts k3s's labels and taints and refuses malformed ones", () => {
    assert.doesNotThrow(() => validateSettings({ command: "server", nodeLabel: ["k3os.io/mode=local"], nodeTaint: ["dedicated=db:NoSchedule", "x:NoExecute"] }));
    assert.throws(() => validateSettings({ command: "server", nodeTaint: ["dedicated=db"] }), /--node-taint\[0\]/);
  });
});

describe("address arithmetic", () => {
  it("finds the n-th address of IPv4 and IPv6 networks", () => {
    assert.equal(nthAddress("10.43.0.0/16", 10), "10.43.0.10");
    assert.equal(nthAddress("10.43.7.9/16", 1), "10.43.0.1");
    assert.equal(nthAddress("2001:cafe:43::/112", 10), "2001:cafe:43::a");
  });

  it("prints IPv6 addresses compressed and parses embedded IPv4 tails", () => {
    assert.equal(formatIp(6, parseIp("0:0:0:0:0:0:0:1").value), "::1");
    assert.equal(formatIp(6, parseIp("::ffff:1.2.3.4").value), "::ffff:102:304");
    assert.throws(() => parseCidr("10.0.0.0/33"), /prefix longer/);
  });
});
