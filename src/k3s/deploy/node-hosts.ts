// CoreDNS's NodeHosts (the `hosts` file its Corefile reads, reloaded every 15 s) kept up to date from
// every Node, as k3s's node controller does, so pods resolve every node's name, agents' included.
// The staged coredns.yaml starts it with this server alone; this loop patches the ConfigMap's key
// whenever the Nodes' InternalIP addresses say otherwise.
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";

export interface NodeAddresses {
  name: string;
  ips: string[];
}

/** The Nodes' names and InternalIP addresses from `kubectl get nodes -o json`. */
export function parseNodeAddresses(stdout: string): NodeAddresses[] {
  const items = (JSON.parse(stdout) as { items?: { metadata?: { name?: string }; status?: { addresses?: { type: string; address: string }[] } }[] }).items ?? [];
  return items
    .filter((n) => n.metadata?.name)
    .map((n) => ({ name: n.metadata!.name!, ips: (n.status?.addresses ?? []).filter((a) => a.type === "InternalIP").map((a) => a.address) }));
}

/** `IP name` lines, by node name then address, as the hosts plugin reads them. */
export function renderNodeHosts(nodes: NodeAddresses[]): string {
  const lines = [...nodes].sort((a, b) => a.name.localeCompare(b.name)).flatMap((n) => n.ips.map((ip) => `${ip} ${n.name}`));
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

export interface NodeHostsOptions {
  runner: Runner;
  kubectl: string;
  kubeconfig: string;
  log: Logger;
}

/** One pass: reads the Nodes and the ConfigMap, patches NodeHosts when it differs. Returns whether
 * it patched. Errors (apiserver down, no ConfigMap yet) are left to the next pass. */
export async function syncNodeHosts(o: NodeHostsOptions): Promise<boolean> {
  const kubectl = (...args: string[]) => o.runner.run([o.kubectl, "--kubeconfig", o.kubeconfig, ...args], { allowFailure: true, timeoutMs: 30_000 });
  const nodes = await kubectl("get", "nodes", "-o", "json");
  if (nodes.exitCode !== 0) return false;
  const want = renderNodeHosts(parseNodeAddresses(nodes.stdout));
  if (want === "") return false;
  const cm = await kubectl("-n", "kube-system", "get", "configmap", "coredns", "-o", "jsonpath={.data.NodeHosts}");
  if (cm.exitCode !== 0 || cm.stdout.trim() === want.trim()) return false;
  const patch = JSON.stringify({ data: { NodeHosts: want } });
  const r = await kubectl("-n", "kube-system", "patch", "configmap", "coredns", "--type", "merge", "-p", patch);
  if (r.exitCode !== 0) {
    o.log.warn(`coredns NodeHosts: ${r.stderr.trim().split("\n").at(-1)}`);
    return false;
  }
  o.log.info(`coredns NodeHosts: ${want.trim().split("\n").length} entries`);
  return true;
}

/** Passes now and every `periodMs` (CoreDNS rereads the file every 15 s, so more often is moot);
 * returns the function that stops them. */
export function startNodeHostsLoop(o: NodeHostsOptions, periodMs = 15_000): () => void {
  let busy = false;
  const pass = () => {
    if (busy) return;
    busy = true;
    syncNodeHosts(o)
      .catch((e: Error) => o.log.warn(`coredns NodeHosts: ${e.message}`))
      .finally(() => (busy = false));
  };
  pass();
  const timer = setInterval(pass, periodMs);
  timer.unref();
  return () => clearInterval(timer);
}
