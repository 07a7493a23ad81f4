// What a node writes before it starts its agent's components: directories and the components'
// config files, the same for a joined agent and a server's own agent (server/prepare-server.ts adds
// the server's PKI, tokens and kubeconfigs). Idempotent: a restart rewrites them from the settings.
import { copyFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "../../system/log.ts";
import { renderContainerdConfig } from "../control/containerd-config.ts";
import { renderFlannelNetConf } from "../control/flannel.ts";
import { renderKubeletConfig } from "../control/kubelet.ts";
import type { KubeBinaries } from "../layout/binaries.ts";
import { removeStaleTempsSync, writeFileAtomicSync } from "../../system/atomic-write.ts";
import { ensureDir } from "../util/fs-util.ts";
import type { HostFacts } from "./host-facts.ts";
import type { NodeIdentity } from "./node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import type { Settings } from "../cli/settings.ts";

export interface PrepareContext {
  root: string;
  log: Logger;
  now: Date;
  host: HostFacts;
  bins: KubeBinaries;
}


/** The directories k3s writes state files into: where a writer killed midway left its temp file. */
export function stateDirs(paths: NodePaths): string[] {
  const tls = paths.server.tls;
  const files = [tls.serverCa.crt, tls.etcd.serverCa.crt, paths.server.cred.passwd, paths.server.token, paths.server.deployedManifests, paths.adminKubeconfig, paths.agent.serverCa, paths.agent.kubeletConfig, paths.agent.containerdConfig, paths.agent.flannelNetConf, paths.agent.cniConflist, paths.componentPids, join(paths.root, "etc", "rancher", "node", "password")];
  return [...new Set([...files.map(dirname), paths.server.manifests])];
}

export function makeDirs(paths: NodePaths): void {
  for (const d of stateDirs(paths)) removeStaleTempsSync(d);
  ensureDir(paths.dataDir, 0o755);
  ensureDir(paths.server.dir, 0o700);
  for (const d of [paths.server.manifests, paths.server.logs, paths.agent.images, paths.agent.podManifests, paths.agent.logs, paths.agent.kubeletConfigDir, paths.agent.cniConfDir, paths.run.dir, paths.kubeletDir]) {
    ensureDir(d);
  }
}

/** The agent's own config files; the same for a server's agent and a joined agent. */
export function writeAgentConfigs(s: Settings, paths: NodePaths, identity: NodeIdentity, ctx: PrepareContext): void {
  writeFileAtomicSync(paths.agent.kubeletConfig, renderKubeletConfig({ settings: s, paths, identity }));
  // As in k3s, a template beside the config replaces the generated one (copied as it is).
  const template = join(paths.agent.containerdConfig, "..", "config-v3.toml.tmpl");
  if (existsSync(template)) {
    ctx.log.info(`using ${template} for containerd`);
    ensureDir(join(paths.agent.containerdConfig, ".."));
    copyFileSync(template, paths.agent.containerdConfig);
  } else {
    writeFileAtomicSync(
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
  if (s.flannelBackend !== "none") writeFileAtomicSync(paths.agent.flannelNetConf, renderFlannelNetConf(s));
}
