// Which components a node runs, with what arguments, in what order, and how each is known to be
// ready. Pure: it only describes; the supervisor runs it.
import { readFileSync } from "node:fs";
import { apiServerArgs, chooseDatastore, controllerManagerArgs, etcdArgs, kineArgs, schedulerArgs } from "./control-plane.ts";
import { flanneldArgs, parseSubnetEnv, renderCniConflist } from "./flannel.ts";
import { kubeProxyArgs } from "./kube-proxy.ts";
import { kubeletArgs } from "./kubelet.ts";
import type { Runner } from "../../exec/runner.ts";
import type { Logger } from "../../system/log.ts";
import type { KubeBinaries } from "../layout/binaries.ts";
import { imageDirs, importImages } from "../agent/images.ts";
import { writeFileAtomicSync } from "../../system/atomic-write.ts";
import type { NodeIdentity } from "../agent/node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import { apiServerPort } from "../pki/server-pki.ts";
import type { Settings } from "../cli/settings.ts";
import { fileExists, httpOk, socketAccepts } from "../executor/probes.ts";
import type { ComponentSpec } from "../executor/supervisor.ts";
import type { InitialCluster } from "../cluster/server-join.ts";

export interface PlanInput {
  /** Runs ctr to import agent/images (absent: no import, e.g. in unit tests). */
  runner?: Runner;
  log?: Logger;
  settings: Settings;
  paths: NodePaths;
  identity: NodeIdentity;
  bins: KubeBinaries;
  /** PATH for containerd: the shim and runc must be found there. */
  basePath: string;
  /** A server joining an etcd cluster: the members to start with, and how its member is known to
   * be ready (server-join.ts). Absent: a new cluster of this member alone. */
  etcdJoin?: { initialCluster: InitialCluster; ready: () => Promise<boolean> };
}

export function serverComponents(p: PlanInput): ComponentSpec[] {
  const { settings: s, paths, bins } = p;
  const tls = paths.server.tls;
  const input = { settings: s, paths, identity: p.identity };
  const ds = chooseDatastore(s);
  const specs: ComponentSpec[] = [];
  let storage: string | undefined;
  if (ds.kind === "kine") {
    const k = kineArgs(paths, ds.endpoint);
    specs.push({ name: "kine", argv: [bins.applet("kine"), ...k.argv], cwd: k.cwd, ready: socketAccepts(paths.server.kineSocket) });
    storage = "kine";
  } else if (ds.kind === "embedded-etcd") {
    specs.push({
      name: "etcd",
      argv: [bins.applet("etcd"), ...etcdArgs(input, p.etcdJoin?.initialCluster ?? { state: "new", members: [] })],
      ready: p.etcdJoin?.ready ?? httpOk("https://127.0.0.1:2379/health", { ca: tls.etcd.serverCa.crt, cert: tls.etcd.client.crt, key: tls.etcd.client.key }),
    });
    storage = "etcd";
  }
  specs.push(
    {
      name: "kube-apiserver",
      argv: [bins.applet("kube-apiserver"), ...apiServerArgs(input)],
      dependsOn: storage ? [storage] : [],
      ready: httpOk(`https://127.0.0.1:${apiServerPort(s)}/readyz`, { ca: tls.serverCa.crt, cert: tls.clientAdmin.crt, key: tls.clientAdmin.key }),
    },
    {
      name: "kube-controller-manager",
      argv: [bins.applet("kube-controller-manager"), ...controllerManagerArgs(input)],
      dependsOn: ["kube-apiserver"],
      ready: httpOk("https://127.0.0.1:10257/healthz"),
    },
    {
      name: "kube-scheduler",
      argv: [bins.applet("kube-scheduler"), ...schedulerArgs(input)],
      dependsOn: ["kube-apiserver"],
      ready: httpOk("https://127.0.0.1:10259/healthz"),
    },
  );
  return specs;
}

/** The agent's components. `apiServer` names the component they wait for, when it runs here. */
export function agentComponents(p: PlanInput, apiServer?: string): ComponentSpec[] {
  const { settings: s, paths, bins, identity } = p;
  const afterApi = apiServer ? [apiServer] : [];
  const specs: ComponentSpec[] = [
    {
      name: "containerd",
      argv: [bins.applet("containerd"), "--config", paths.agent.containerdConfig],
      env: { PATH: `${bins.binDir}:${p.basePath}` },
      ready: socketAccepts(paths.run.containerdSocket),
      afterReady: p.runner && p.log ? importAfterReady(p.runner, p.log, bins, paths) : undefined,
    },
  ];
  const kubeletDeps = ["containerd", ...afterApi];
  if (s.flannelBackend !== "none") {
    const f = flanneldArgs({ settings: s, paths, identity });
    specs.push({
      name: "flanneld",
      argv: [bins.applet("flanneld"), ...f.argv],
      env: f.env,
      dependsOn: afterApi,
      ready: fileExists(paths.run.flannelSubnetEnv),
      // The conflist carries the subnet flannel leased. The kubelet does not wait for it: flannel
      // needs the Node the kubelet registers; the node turns Ready once the conflist exists.
      afterReady: async () => writeConflist(paths),
    });
  }
  specs.push({
    name: "kubelet",
    argv: [bins.applet("kubelet"), ...kubeletArgs({ settings: s, paths, identity })],
    dependsOn: kubeletDeps,
    ready: httpOk("http://127.0.0.1:10248/healthz"),
  });
  if (!s.disableKubeProxy) {
    specs.push({
      name: "kube-proxy",
      argv: [bins.applet("kube-proxy"), ...kubeProxyArgs({ settings: s, paths, identity })],
      dependsOn: afterApi,
      ready: httpOk("http://127.0.0.1:10256/healthz"),
    });
  }
  return specs;
}

/** k3s labels servers as control-plane nodes. The kubelet may not set node-role.kubernetes.io/*
 * labels on itself (NodeRestriction), so the server patches them onto its Node once registered. */
export const SERVER_NODE_LABELS = ["node-role.kubernetes.io/control-plane=true", "node-role.kubernetes.io/master=true"];

function importAfterReady(runner: Runner, log: Logger, bins: KubeBinaries, paths: NodePaths): () => Promise<void> {
  return async () => {
    await importImages({ runner, ctr: bins.applet("ctr"), socket: paths.run.containerdSocket, dirs: imageDirs(paths.agent.images), log });
  };
}

export function writeConflist(paths: NodePaths): void {
  const subnet = parseSubnetEnv(readFileSync(paths.run.flannelSubnetEnv, "utf8"));
  writeFileAtomicSync(paths.agent.cniConflist, renderCniConflist(subnet, paths));
}
