// The certificates and kubeconfigs of the agent that runs inside a server: k3s's agent/ layout,
// signed here directly with the server's CAs (a remote agent gets the same files on join).
import { copyFileSync, readFileSync } from "node:fs";
import type { Logger } from "../../system/log.ts";
import { ensureDir } from "../util/fs-util.ts";
import { writeFileKubeconfig } from "./kubeconfig.ts";
import type { NodeIdentity } from "../agent/node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import { ensureLeaf, type StoreContext } from "./cert-store.ts";
import { importEcKey } from "./keys.ts";

export interface AgentPkiOptions {
  now: Date;
  log: Logger;
  /** The URL the agent's components use for the apiserver. */
  apiServerUrl: string;
}

/** The kubelet's client identity: the Node authorizer and NodeRestriction key on it. */
export function kubeletClientSpec(nodeName: string) {
  return { commonName: `system:node:${nodeName}`, organization: ["system:nodes"], usages: ["client" as const] };
}

export function kubeletServingSpec(id: NodeIdentity) {
  return { commonName: id.nodeName, dnsNames: [id.nodeName, "localhost"], ips: ["127.0.0.1", ...id.nodeIps], usages: ["server" as const] };
}

export async function ensureLocalAgentPki(paths: NodePaths, id: NodeIdentity, opts: AgentPkiOptions): Promise<string[]> {
  const tls = paths.server.tls;
  const agent = paths.agent;
  ensureDir(agent.dir, 0o700);
  const ctx: StoreContext = { now: opts.now, log: opts.log, written: [] };
  const ca = async (pair: { crt: string; key: string }) => ({
    certPem: readFileSync(pair.crt, "utf8"),
    key: await importEcKey(readFileSync(pair.key, "utf8")),
    created: false,
  });
  const clientCa = await ca(tls.clientCa);
  const serverCa = await ca(tls.serverCa);
  copyFileSync(tls.clientCa.crt, agent.clientCa);
  copyFileSync(tls.serverCa.crt, agent.serverCa);
  // The server made these keys in tls/ (as k3s does); the agent's certificates are for them.
  for (const [from, to] of [[tls.clientKubeletKey, agent.clientKubelet.key], [tls.servingKubeletKey, agent.servingKubelet.key]] as const) {
    copyFileSync(from, to);
  }
  await ensureLeaf(agent.clientKubelet, kubeletClientSpec(id.nodeName), clientCa, ctx);
  await ensureLeaf(agent.servingKubelet, kubeletServingSpec(id), serverCa, ctx);
  for (const [from, to] of [[tls.clientKubeProxy, agent.clientKubeProxy], [tls.clientK3sController, agent.clientK3sController]] as const) {
    copyFileSync(from.crt, to.crt);
    copyFileSync(from.key, to.key);
  }
  const kubeconfigs = [
    [agent.kubeletKubeconfig, agent.clientKubelet],
    [agent.kubeproxyKubeconfig, agent.clientKubeProxy],
    [agent.k3scontrollerKubeconfig, agent.clientK3sController],
  ] as const;
  for (const [file, pair] of kubeconfigs) {
    writeFileKubeconfig(file, { server: opts.apiServerUrl, caFile: agent.serverCa, certFile: pair.crt, keyFile: pair.key });
  }
  return ctx.written;
}
