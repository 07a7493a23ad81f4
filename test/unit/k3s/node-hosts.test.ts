// CoreDNS's NodeHosts kept from every Node's InternalIP, as k3s's node controller keeps it; kubectl is
// the recording runner answering as an apiserver would.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RecordingRunner } from "../../../src/exec/runner.ts";
import { memoryLogger } from "../../../src/system/log.ts";
import { parseNodeAddresses, renderNodeHosts, syncNodeHosts } from "../../../src/k3s/deploy/node-hosts.ts";

const node = (name: string, ...addresses: [string, string][]) => ({ metadata: { name }, status: { addresses: addresses.map(([type, address]) => ({ type, address })) } });
const nodes = JSON.stringify({ items: [node("srv", ["InternalIP", "10.0.0.11"], ["Hostname", "srv"]), node("agt", ["InternalIP", "10.0.0.12"], ["ExternalIP", "1.2.3.4"])] });

function apiserver(nodeHosts: string): RecordingRunner {
  return new RecordingRunner((argv) => {
    if (argv.includes("nodes")) return { stdout: nodes };
    if (argv.includes("get")) return { stdout: nodeHosts };
    return {};
  });
}

describe("CoreDNS NodeHosts from the Nodes", () => {
  it("lists every node's InternalIP addresses by node name, not its external or host names", () => {
    assert.equal(renderNodeHosts(parseNodeAddresses(nodes)), "10.0.0.12 agt\n10.0.0.11 srv\n");
  });

  it("patches the coredns ConfigMap when a node is missing from it", async () => {
    const runner = apiserver("10.0.0.11 srv\n");
    assert.equal(await syncNodeHosts({ runner, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger() }), true);
    const patch = runner.calls.at(-1)!.argv;
    assert.deepEqual(patch.slice(3, 10), ["-n", "kube-system", "patch", "configmap", "coredns", "--type", "merge"]);
    assert.deepEqual(JSON.parse(patch.at(-1)!), { data: { NodeHosts: "10.0.0.12 agt\n10.0.0.11 srv\n" } });
  });

  it("leaves it alone when it already lists them, and when the ConfigMap is not there", async () => {
    const same = apiserver("10.0.0.12 agt\n10.0.0.11 srv\n");
    assert.equal(await syncNodeHosts({ runner: same, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger() }), false);
    assert.equal(same.calls.length, 2);
    const none = new RecordingRunner((argv) => (argv.includes("nodes") ? { stdout: nodes } : { exitCode: 1, stderr: 'configmaps "coredns" not found' }));
    assert.equal(await syncNodeHosts({ runner: none, kubectl: "kubectl", kubeconfig: "kc", log: memoryLogger() }), false);
    assert.ok(!none.calls.some((c) => c.argv.includes("patch")));
  });
});
