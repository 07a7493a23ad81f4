// `k3s server`'s preparation: the agent's directories and files (agent/prepare-agent.ts), then the
// server's PKI, tokens and admin kubeconfig, its own agent's certificates.
import { nodePaths, type NodePaths } from "../layout/paths.ts";
import { makeDirs, writeAgentConfigs, type PrepareContext } from "../agent/prepare-agent.ts";
import { resolveNodeIdentity, type NodeIdentity } from "../agent/node-identity.ts";
import { ensureLocalAgentPki } from "../pki/agent-pki.ts";
import { apiServerPort, ensureServerPki, writeAdminKubeconfig } from "../pki/server-pki.ts";
import type { Settings } from "../cli/settings.ts";
import { ensureServerTokens, type ServerTokens } from "../tokens/token-files.ts";

export interface PreparedNode {
  paths: NodePaths;
  identity: NodeIdentity;
  tokens?: ServerTokens;
  written: string[];
}

export async function prepareServer(s: Settings, ctx: PrepareContext): Promise<PreparedNode> {
  const paths = nodePaths(s, ctx.root);
  const identity = resolveNodeIdentity(s, ctx.host);
  makeDirs(paths);
  // As k3s: the node's addresses are SANs of the serving certificate, a detected one too (without
  // --node-ip it is the default route's): agents and other servers join at it.
  const written = await ensureServerPki({ ...s, nodeIp: identity.nodeIps }, paths, { now: ctx.now, log: ctx.log, hostname: identity.nodeName });
  const tokens = ensureServerTokens(s, paths);
  await writeAdminKubeconfig(s, paths, ctx.log);
  written.push(
    ...(await ensureLocalAgentPki(paths, identity, { now: ctx.now, log: ctx.log, apiServerUrl: `https://127.0.0.1:${apiServerPort(s)}` })),
  );
  writeAgentConfigs(s, paths, identity, ctx);
  return { paths, identity, tokens, written };
}
