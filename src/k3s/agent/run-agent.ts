// `k3s agent`: join the server named by --server with the token, take the cluster's settings from
// it, write the agent's configs and run containerd, flannel, the kubelet and kube-proxy until
// SIGTERM/SIGINT.
import { kubeBinaries } from "../layout/binaries.ts";
import { joinServer, nodePassword } from "./join-client.ts";
import { resolveNodeIdentity } from "./node-identity.ts";
import { agentComponents } from "../control/node-plan.ts";
import { nodePaths } from "../layout/paths.ts";
import { makeDirs, writeAgentConfigs } from "./prepare-agent.ts";
import { missingPrograms, type RunContext } from "./run-context.ts";
import type { Settings } from "../cli/settings.ts";
import { Supervisor } from "../executor/supervisor.ts";
import { superviseUntilSignal } from "../executor/until-signal.ts";

export async function runAgent(s: Settings, ctx: RunContext): Promise<number> {
  const bins = kubeBinaries(ctx.kubeDir);
  const paths = nodePaths(s, ctx.root);
  const identity = resolveNodeIdentity(s, ctx.host);
  makeDirs(paths);
  const cluster = await joinServer({ server: s.server!, token: s.token!, paths, identity, password: nodePassword(ctx.root) });
  ctx.log.info(`joined ${s.server} as ${identity.nodeName} (${identity.nodeIps.join(", ")})`);
  // The cluster's networks and DNS are the server's, whatever the agent's own defaults say.
  const settings: Settings = { ...s, ...cluster };
  writeAgentConfigs(settings, paths, identity, { root: ctx.root, log: ctx.log, now: new Date(), host: ctx.host, bins });
  const specs = agentComponents({ runner: ctx.runner, log: ctx.log, settings, paths, identity, bins, basePath: ctx.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" });
  const missing = missingPrograms(specs, bins);
  if (missing.length > 0) {
    throw new Error(`the Kubernetes components are not installed (K3OS_KUBE_DIR=${ctx.kubeDir}); missing: ${missing.join(", ")}`);
  }
  return superviseUntilSignal(new Supervisor(specs, { logDir: paths.agent.logs, log: ctx.log, pidFile: paths.componentPids }), ctx.log);
}
