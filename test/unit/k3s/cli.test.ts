import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { k3sMain, type K3sIo } from "../../../src/k3s/cli.ts";
import { tempRoot, writeFile } from "./helpers.ts";

function io(env: Record<string, string> = {}, runner?: RecordingRunner): K3sIo & { out: string; err: string } {
  const r = { env, out: "", err: "", runner, stdout: (t: string) => void (r.out += t), stderr: (t: string) => void (r.err += t) };
  return r;
}

describe("the k3s command", () => {
  it("says which runtime and which Kubernetes it is", async () => {
    const x = io();
    assert.equal(await k3sMain(["--version"], x), 0);
    assert.match(x.out, /^k3s version v1\.37\.2\+k3os-\S+ \(k3os's k3s-compatible runtime, not Rancher's k3s\)\nkubernetes v1\.37\.2/);
  });

  it("refuses an unsupported flag with exit code 2 (a usage error) and names it", async () => {
    const x = io({ K3OS_ROOT: tempRoot() });
    assert.equal(await k3sMain(["server", "--egress-selector-mode=agent"], x), 2);
    assert.match(x.err, /flag --egress-selector-mode .* not supported/);
    const y = io({ K3OS_ROOT: tempRoot() });
    assert.equal(await k3sMain(["agent", "--no-such-flag"], y), 2);
    assert.match(y.err, /flag --no-such-flag .* not supported/);
  });

  it("prepares a server's state under the root, then stops because the components are missing", async () => {
    const root = tempRoot();
    const kube = join(root, "kube");
    mkdirSync(kube);
    writeFile(root, "etc/rancher/k3s/config.yaml", "write-kubeconfig-mode: \"644\"\ntoken: clustersecret\nnode-name: cli-node\n");
    const x = io({ K3OS_ROOT: root, K3OS_KUBE_DIR: kube });
    assert.equal(await k3sMain(["server", "--node-ip", "10.0.0.2"], x), 1);
    assert.match(x.err, /the Kubernetes components are not installed .*missing: .*\/kube\/bin\/kine/);
    const data = join(root, "var/lib/rancher/k3s");
    assert.match(readFileSync(join(data, "server/token"), "utf8"), /^K10[0-9a-f]{64}::server:clustersecret\n$/);
    for (const f of ["server/tls/serving-kube-apiserver.crt", "server/cred/admin.kubeconfig", "agent/kubelet.kubeconfig", "agent/etc/containerd/config.toml", "agent/etc/kubelet.conf.d/00-k3s-defaults.conf", "agent/etc/flannel/net-conf.json"]) {
      assert.ok(existsSync(join(data, f)), f);
    }
    assert.ok(existsSync(join(root, "etc/rancher/k3s/k3s.yaml")));
    assert.match(readFileSync(join(data, "agent/etc/kubelet.conf.d/00-k3s-defaults.conf"), "utf8"), /address: 10\.0\.0\.2/);

    const runner = new RecordingRunner();
    const t = io({ K3OS_ROOT: root, K3OS_KUBE_DIR: kube }, runner);
    assert.equal(await k3sMain(["token", "create", "abcdef.0123456789abcdef", "--ttl", "2h"], t), 0, t.err);
    assert.match(t.out, /^K10[0-9a-f]{64}::abcdef\.0123456789abcdef\n$/);
    assert.deepEqual(runner.calls[0]!.argv.slice(0, 3), [join(kube, "bin/kubectl"), "--kubeconfig", join(data, "server/cred/admin.kubeconfig")]);
  });

  it("prints a fresh bootstrap token with token generate", async () => {
    const x = io();
    assert.equal(await k3sMain(["token", "generate"], x), 0);
    assert.match(x.out, /^[a-z0-9]{6}\.[a-z0-9]{16}\n$/);
  });

  it("shows what killall would do with --dry-run", async () => {
    const root = tempRoot();
    mkdirSync(join(root, "sys/class/net/cni0"), { recursive: true });
    const x = io({ K3OS_ROOT: root });
    assert.equal(await k3sMain(["killall", "--dry-run"], x), 0, x.err);
    assert.match(x.out, /would run: ip link delete cni0/);
  });

  it("says plainly when an agent cannot reach its server", async () => {
    const x = io({ K3OS_ROOT: tempRoot() });
    assert.equal(await k3sMain(["agent", "--server", "https://127.0.0.1:1", "--token", "t", "--node-ip", "10.0.0.3"], x), 1);
    assert.match(x.err, /cannot reach https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
  });
});
