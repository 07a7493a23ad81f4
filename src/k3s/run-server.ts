// `k3s server`: prepare the node's state, then run the control plane and the node's own agent under
// the supervisor until SIGTERM/SIGINT, which stops every component cleanly.
import { existsSync } from "node:fs";
import type { Runner } from "../exec/runner.ts";
import type { Logger } from "../system/log.ts";
import { kubeBinaries, type KubeBinaries } from "./binaries.ts";
import { applyBootstrapRbac } from "./bootstrap-rbac.ts";
import type { HostFacts } from "./host-facts.ts";
import { agentComponents, serverComponents } from "./node-plan.ts";
import { prepareServer } from "./prepare.ts";
import type { Settings } from "./settings.ts";
import { Supervisor, type ComponentSpec } from "./supervisor/supervisor.ts";
import { superviseUntilSignal } from "./supervisor/until-signal.ts";
import { createFrontServer } from "./front/server.ts";
import { apiServerPort } from "./pki/server-pki.ts";
import { labelServerNode } from "./node-labels.ts";
import { stageBundledManifests } from "./manifests/stage.ts";
import { ManifestDeployer } from "./manifests/deploy.ts";

export interface RunContext {
  root: string;
  kubeDir: string;
  env: Record<string, string | undefined>;
  log: Logger;
  runner: Runner;
  host: HostFacts;
}

/** The programs a set of components needs that are not installed, by path. */
export function missingPrograms(specs: ComponentSpec[], bins: KubeBinaries): string[] {
  const runtime = specs.some((s) => s.name === "containerd") ? [bins.runc, bins.shim] : [];
  const wanted = new Set([...specs.map((s) => s.argv[0]!), ...runtime]);
  return [...wanted].filter((p) => !existsSync(p));
}

export async function runServer(s: Settings, ctx: RunContext): Promise<number> {
  const bins = kubeBinaries(ctx.kubeDir);
  const prepared = await prepareServer(s, { root: ctx.root, log: ctx.log, now: new Date(), host: ctx.host, bins });
  ctx.log.info(`node ${prepared.identity.nodeName} (${prepared.identity.nodeIps.join(", ")}); token in ${prepared.paths.server.token}`);
  const plan = { runner: ctx.runner, log: ctx.log, settings: s, paths: prepared.paths, identity: prepared.identity, bins, basePath: ctx.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
  const specs = [...serverComponents(plan), ...(s.disableAgent ? [] : agentComponents(plan, "kube-apiserver"))];
  const flannel = specs.find((c) => c.name === "flanneld");
  if (flannel) {
    flannel.beforeStart = () => applyBootstrapRbac(ctx.runner, bins.applet("kubectl"), prepared.paths.server.cred.adminKubeconfig);
  }
  const kubelet = specs.find((c) => c.name === "kubelet");
  if (kubelet) {
    // In the background: the Node appears shortly after the kubelet answers its health check.
    kubelet.afterReady = async () => {
      void labelServerNode({ runner: ctx.runner, kubectl: bins.applet("kubectl"), kubeconfig: prepared.paths.server.cred.adminKubeconfig, nodeName: prepared.identity.nodeName, log: ctx.log });
    };
  }
  const staged = stageBundledManifests({ dir: prepared.paths.server.manifests, settings: s, root: ctx.root, nodeName: prepared.identity.nodeName, nodeIps: prepared.identity.nodeIps });
  for (const f of staged.removed) ctx.log.info(`manifests: removed ${f} (--disable)`);
  const deployer = new ManifestDeployer({ dir: prepared.paths.server.manifests, runner: ctx.runner, kubectl: bins.applet("kubectl"), kubeconfig: prepared.paths.server.cred.adminKubeconfig, log: ctx.log });
  const apiserver = specs.find((c) => c.name === "kube-apiserver");
  if (apiserver) {
    let deploying = false;
    // Once, in the background: the deployer's own resync covers later apiserver restarts.
    apiserver.afterReady = async () => {
      if (deploying) return;
      deploying = true;
      void deployer.start();
    };
  }
  const missing = missingPrograms(specs, bins);
  if (missing.length > 0) {
    throw new Error(`the Kubernetes components are not installed (K3OS_KUBE_DIR=${ctx.kubeDir}); missing: ${missing.join(", ")}`);
  }
  const sup = new Supervisor(specs, { logDir: prepared.paths.server.logs, log: ctx.log });
  const front = createFrontServer({ paths: prepared.paths, config: s, now: () => new Date(), apiServerPort: apiServerPort(s), log: ctx.log });
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(s.httpsListenPort, s.bindAddress ?? "0.0.0.0", () => resolve());
  });
  ctx.log.info(`k3s port listening on ${s.bindAddress ?? "0.0.0.0"}:${s.httpsListenPort}`);
  return superviseUntilSignal(sup, ctx.log, () => {
    deployer.stop();
    front.close();
    front.closeAllConnections();
  });
}
