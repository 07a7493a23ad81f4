// `k3s server`: prepare the node's state, then run the control plane and the node's own agent under
// the supervisor until SIGTERM/SIGINT, which stops every component cleanly.
import type { Logger } from "../../system/log.ts";
import { kubeBinaries } from "../layout/binaries.ts";
import { applyBootstrapRbac } from "./bootstrap-rbac.ts";
import { missingPrograms, type RunContext } from "../agent/run-context.ts";
import { agentComponents, serverComponents, type PlanInput } from "../control/node-plan.ts";
import { prepareServer, type PreparedNode } from "./prepare-server.ts";
import { chooseDatastore, etcdPeerUrl } from "../control/control-plane.ts";
import type { EtcdEndpoint } from "../cluster/etcd-client.ts";
import { nodePaths, type NodePaths } from "../layout/paths.ts";
import { checkClusterSettings, joinEtcdCluster, joinedEtcdReady, takeClusterBootstrap, type JoinedServer } from "../cluster/server-join.ts";
import type { Settings } from "../cli/settings.ts";
import { Supervisor } from "../executor/supervisor.ts";
import { superviseUntilSignal } from "../executor/until-signal.ts";
import { BackgroundTasks } from "../executor/background-tasks.ts";
import { createFrontServer } from "../listener/k3s-port.ts";
import { apiServerPort } from "../pki/server-pki.ts";
import { labelServerNode } from "./node-labels.ts";
import { BUNDLED_MANIFESTS, stageBundledManifests } from "../deploy/stage.ts";
import { ManifestDeployer } from "../deploy/deployer.ts";
import { startNodeHostsLoop } from "../deploy/node-hosts.ts";

/** The local etcd member's client endpoint, as the server's own etcd client sees it. */
function localEtcd(paths: NodePaths): EtcdEndpoint {
  const tls = paths.server.tls.etcd;
  return { url: "https://127.0.0.1:2379", ca: tls.serverCa.crt, cert: tls.client.crt, key: tls.client.key };
}

/** A server given --server joins that server's embedded etcd (k3s's HA with embedded etcd). */
async function joinEtcd(s: Settings, prepared: PreparedNode, joined: JoinedServer & { first: boolean }, log: Logger): Promise<NonNullable<PlanInput["etcdJoin"]>> {
  if (joined.first) await checkClusterSettings(joined, s);
  const peerUrl = etcdPeerUrl(prepared.identity);
  const initialCluster = await joinEtcdCluster(joined, { name: prepared.identity.nodeName, peerUrl, etcdDir: prepared.paths.server.etcdDir });
  if (initialCluster.members.length > 0) log.info(`etcd: joining ${initialCluster.members.join(",")} as ${prepared.identity.nodeName}=${peerUrl}`);
  return { initialCluster, ready: joinedEtcdReady(joined, peerUrl, localEtcd(prepared.paths), log) };
}

export async function runServer(s: Settings, ctx: RunContext): Promise<number> {
  const bins = kubeBinaries(ctx.kubeDir);
  const ds = chooseDatastore(s);
  // Before the PKI: a joining server signs with the cluster's CAs, not new ones of its own.
  const joined = s.server ? await takeClusterBootstrap({ server: s.server, token: s.token!, paths: nodePaths(s, ctx.root), log: ctx.log }) : undefined;
  const prepared = await prepareServer(s, { root: ctx.root, log: ctx.log, now: new Date(), host: ctx.host, bins });
  ctx.log.info(`node ${prepared.identity.nodeName} (${prepared.identity.nodeIps.join(", ")}); token in ${prepared.paths.server.token}`);
  const etcdJoin = joined && ds.kind === "embedded-etcd" ? await joinEtcd(s, prepared, joined, ctx.log) : undefined;
  const plan: PlanInput = { runner: ctx.runner, log: ctx.log, settings: s, paths: prepared.paths, identity: prepared.identity, bins, basePath: ctx.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", etcdJoin };
  const specs = [...serverComponents(plan), ...(s.disableAgent ? [] : agentComponents(plan, "kube-apiserver"))];
  const flannel = specs.find((c) => c.name === "flanneld");
  if (flannel) {
    flannel.beforeStart = () => applyBootstrapRbac(ctx.runner, bins.applet("kubectl"), prepared.paths.server.cred.adminKubeconfig);
  }
  const background = new BackgroundTasks(ctx.log);
  const kubelet = specs.find((c) => c.name === "kubelet");
  if (kubelet) {
    // In the background: the Node appears shortly after the kubelet answers its health check.
    kubelet.afterReady = async () => {
      background.run("labelling the node", () => labelServerNode({ runner: ctx.runner, kubectl: bins.applet("kubectl"), kubeconfig: prepared.paths.server.cred.adminKubeconfig, nodeName: prepared.identity.nodeName, log: ctx.log }));
    };
  }
  const staged = stageBundledManifests({ dir: prepared.paths.server.manifests, settings: s, root: ctx.root, nodeName: prepared.identity.nodeName, nodeIps: prepared.identity.nodeIps });
  for (const f of staged.removed) ctx.log.info(`manifests: removed ${f} (--disable; the deployer deletes what it applied)`);
  const deployer = new ManifestDeployer({
    dir: prepared.paths.server.manifests,
    runner: ctx.runner,
    kubectl: bins.applet("kubectl"),
    kubeconfig: prepared.paths.server.cred.adminKubeconfig,
    log: ctx.log,
    stateFile: prepared.paths.server.deployedManifests,
    disabled: BUNDLED_MANIFESTS.filter((m) => (s.disable as readonly string[]).includes(m)).map((m) => `${m}.yaml`),
  });
  const apiserver = specs.find((c) => c.name === "kube-apiserver");
  let stopNodeHosts = () => {};
  if (apiserver) {
    let deploying = false;
    // Once, in the background: the deployer's own resync covers later apiserver restarts.
    apiserver.afterReady = async () => {
      if (deploying) return;
      deploying = true;
      background.run("the manifest deployer", () => deployer.start());
      if (!s.disable.includes("coredns")) {
        stopNodeHosts = startNodeHostsLoop({ runner: ctx.runner, kubectl: bins.applet("kubectl"), kubeconfig: prepared.paths.server.cred.adminKubeconfig, log: ctx.log });
      }
    };
  }
  const missing = missingPrograms(specs, bins);
  if (missing.length > 0) {
    throw new Error(`the Kubernetes components are not installed (K3OS_KUBE_DIR=${ctx.kubeDir}); missing: ${missing.join(", ")}`);
  }
  const sup = new Supervisor(specs, { logDir: prepared.paths.server.logs, log: ctx.log, pidFile: prepared.paths.componentPids });
  const front = createFrontServer({ paths: prepared.paths, config: s, now: () => new Date(), apiServerPort: apiServerPort(s), log: ctx.log, etcd: ds.kind === "embedded-etcd" ? localEtcd(prepared.paths) : undefined });
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(s.httpsListenPort, s.bindAddress ?? "0.0.0.0", () => resolve());
  });
  ctx.log.info(`k3s port listening on ${s.bindAddress ?? "0.0.0.0"}:${s.httpsListenPort}`);
  return superviseUntilSignal(sup, ctx.log, () => {
    void background.stop();
    deployer.stop();
    stopNodeHosts();
    front.close();
    front.closeAllConnections();
  });
}
