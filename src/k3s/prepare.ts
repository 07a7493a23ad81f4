// Everything a server writes before it starts a component: directories, PKI, tokens, kubeconfigs,
// and the config files of its agent's components. Idempotent: a restart reuses what is there and
// renews only what k3s would renew.
import { copyFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../system/log.ts";
import { renderContainerdConfig } from "./args/containerd-config.ts";
import { renderFlannelNetConf } from "./args/flannel.ts";
import { renderKubeletConfig } from "./args/kubelet.ts";
import type { KubeBinaries } from "./binaries.ts";
import { ensureDir, writeFileAtomic } from "./fs-util.ts";
import type { HostFacts } from "./host-facts.ts";
import { resolveNodeIdentity, type NodeIdentity } from "./node-identity.ts";
import { nodePaths, type NodePaths } from "./paths.ts";
import { ensureLocalAgentPki } from "./pki/agent-pki.ts";
import { apiServerPort, ensureServerPki, writeAdminKubeconfig } from "./pki/server-pki.ts";
import type { Settings } from "./settings.ts";
import { ensureServerTokens, type ServerTokens } from "./token-files.ts";

export interface PrepareContext {
  root: string;
  log: Logger;
  now: Date;
  host: HostFacts;
  bins: KubeBinaries;
}

export interface PreparedNode {
  paths: NodePaths;
  identity: NodeIdentity;
  tokens?: ServerTokens;
  written: string[];
}

export function makeDirs(paths: NodePaths): void {
  ensureDir(paths.dataDir, 0o755);
  ensureDir(paths.server.dir, 0o700);
  for (const d of [paths.server.manifests, paths.server.logs, paths.agent.images, paths.agent.podManifests, paths.agent.logs, paths.agent.kubeletConfigDir, paths.agent.cniConfDir, paths.run.dir, paths.kubeletDir]) {
    ensureDir(d);
  }
}

/** The agent's own config files; the same for a server's agent and a joined agent. */
export function writeAgentConfigs(s: Settings, paths: NodePaths, identity: NodeIdentity, ctx: PrepareContext): void {
  writeFileAtomic(paths.agent.kubeletConfig, renderKubeletConfig({ settings: s, paths, identity }));
  // As in k3s, a template beside the config replaces the generated one (copied as it is).
  const template = join(paths.agent.containerdConfig, "..", "config-v3.toml.tmpl");
  if (existsSync(template)) {
    ctx.log.info(`using ${template} for containerd`);
    ensureDir(join(paths.agent.containerdConfig, ".."));
    copyFileSync(template, paths.agent.containerdConfig);
  } else {
    writeFileAtomic(
      paths.agent.containerdConfig,
      renderContainerdConfig({
        paths,
        binaries: ctx.bins,
        pauseImage: s.pauseImage,
        restrictOomScoreAdj: !ctx.host.canAdjustOomScore,
        disableApparmor: !ctx.host.apparmorEnabled,
        noPivotRoot: ctx.host.rootIsRamfs,
      }),
    );
  }
  if (s.flannelBackend !== "none") writeFileAtomic(paths.agent.flannelNetConf, renderFlannelNetConf(s));
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
