// --write-kubeconfig-group (K3S_KUBECONFIG_GROUP, `write-kubeconfig-group:` in config.yaml), as k3s:
// the admin kubeconfig's group becomes that group (a name from the node's /etc/group, or a number),
// so a user in it can read the file through a group mode such as 0640 without it being
// world-readable. An unknown group is logged and the file keeps its owner, as k3s does.
import assert from "node:assert/strict";
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { k3sMain } from "../../../src/k3s/cli.ts";
import { tempRoot, writeFile } from "./helpers.ts";

async function startServer(config: string, env: Record<string, string> = {}) {
  const root = tempRoot();
  const kube = join(root, "kube");
  mkdirSync(kube);
  writeFile(root, "etc/group", "root:x:0:\nrancher:x:1234:rancher\n");
  writeFile(root, "etc/rancher/k3s/config.yaml", `token: clustersecret\nnode-name: group-node\n${config}`);
  let err = "";
  // The components are missing, so the server stops after preparing its state: enough here.
  const code = await k3sMain(["server", "--node-ip", "10.0.0.2"], { env: { K3OS_ROOT: root, K3OS_KUBE_DIR: kube, ...env }, stdout: () => {}, stderr: (t) => void (err += t) });
  assert.equal(code, 1);
  assert.match(err, /the Kubernetes components are not installed/);
  return { st: statSync(join(root, "etc/rancher/k3s/k3s.yaml")), err };
}

describe("--write-kubeconfig-group", () => {
  it("gives the admin kubeconfig a group named in config.yaml, read from the node's /etc/group", async () => {
    const { st } = await startServer('write-kubeconfig-group: rancher\nwrite-kubeconfig-mode: "0640"\n');
    assert.equal(st.gid, 1234);
    assert.equal(st.mode & 0o777, 0o640);
  });

  it("takes a numeric group from K3S_KUBECONFIG_GROUP, and keeps k3s's 0600 unless a mode is given", async () => {
    const { st } = await startServer("", { K3S_KUBECONFIG_GROUP: "4321" });
    assert.equal(st.gid, 4321);
    assert.equal(st.mode & 0o777, 0o600);
  });

  it("logs an unknown group and leaves the file's group alone", async () => {
    const { st, err } = await startServer("write-kubeconfig-group: nosuchgroup\n");
    assert.equal(st.gid, process.getgid!());
    assert.match(err, /k3s\.yaml: group nosuchgroup: no such group in .*etc\/group/);
  });
});
