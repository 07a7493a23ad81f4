// Argument lists of the control plane: kine or etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler. Defaults follow k3s's; the user's --kube-*-arg values are applied with k3s's rules.
import type { NodeIdentity } from "../agent/node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import { apiServerPort } from "../pki/server-pki.ts";
import type { Settings } from "../cli/settings.ts";
import { buildArgs, type ArgMap } from "./extra-args.ts";

export interface ControlPlaneInput {
  settings: Settings;
  paths: NodePaths;
  identity: NodeIdentity;
}

export type Datastore =
  | { kind: "kine"; endpoint?: string }
  | { kind: "embedded-etcd" }
  | { kind: "external-etcd"; endpoints: string };

/** k3s: --cluster-init = embedded etcd, and so is a server joining another with --server; an
 * http(s) --datastore-endpoint = external etcd; any other endpoint (mysql, postgres, sqlite, nats)
 * goes through kine; nothing = kine with SQLite. */
export function chooseDatastore(s: Partial<Pick<Settings, "command" | "server">> & Pick<Settings, "clusterInit" | "datastoreEndpoint">): Datastore {
  if (s.clusterInit || (s.command === "server" && s.server && !s.datastoreEndpoint)) return { kind: "embedded-etcd" };
  const ep = s.datastoreEndpoint;
  if (ep && /^https?:\/\//.test(ep)) return { kind: "external-etcd", endpoints: ep };
  return ep ? { kind: "kine", endpoint: ep } : { kind: "kine" };
}

/**
 * kine with no --endpoint uses its own SQLite defaults, relative to its working directory: the
 * supervisor starts it in server/, so the database is server/db/state.db as in k3s. (A DSN with
 * k3s's `?_journal=WAL&cache=shared` left the apiserver never ready with the cgo-less driver.)
 */
export function kineArgs(paths: NodePaths, endpoint?: string): { argv: string[]; cwd: string } {
  const argv = ["--listen-address", `unix://${paths.server.kineSocket}`, "--metrics-bind-address", "0"];
  if (endpoint) argv.push("--endpoint", endpoint);
  return { argv, cwd: paths.server.dir };
}

/** The URL other etcd members reach this one at. */
export function etcdPeerUrl(identity: Pick<NodeIdentity, "nodeIps">): string {
  const ip = identity.nodeIps[0]!;
  return `https://${ip.includes(":") ? `[${ip}]` : ip}:2380`;
}

/** `members`: `name=peerURL` of the other members (none for --cluster-init). With data in the data
 * dir etcd ignores the initial-cluster flags and rejoins the cluster it knows. */
export function etcdArgs(input: ControlPlaneInput, initialCluster: { state: "new" | "existing"; members: string[] }): string[] {
  const { paths, identity } = input;
  const tls = paths.server.tls.etcd;
  const ip = identity.nodeIps[0]!;
  const name = identity.nodeName;
  return [
    `--name=${name}`,
    `--data-dir=${paths.server.etcdDir}`,
    `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
    `--advertise-client-urls=https://${ip}:2379`,
    `--listen-peer-urls=https://${ip}:2380`,
    `--initial-advertise-peer-urls=${etcdPeerUrl(identity)}`,
    `--initial-cluster=${[`${name}=${etcdPeerUrl(identity)}`, ...initialCluster.members].join(",")}`,
    `--initial-cluster-state=${initialCluster.state}`,
    "--listen-metrics-urls=http://127.0.0.1:2381",
    "--client-cert-auth=true",
    `--trusted-ca-file=${tls.serverCa.crt}`,
    `--cert-file=${tls.serverClient.crt}`,
    `--key-file=${tls.serverClient.key}`,
    "--peer-client-cert-auth=true",
    `--peer-trusted-ca-file=${tls.peerCa.crt}`,
    `--peer-cert-file=${tls.peerServerClient.crt}`,
    `--peer-key-file=${tls.peerServerClient.key}`,
    "--heartbeat-interval=500",
    "--election-timeout=5000",
    "--snapshot-count=10000",
  ];
}

function storageArgs(input: ControlPlaneInput): ArgMap {
  const ds = chooseDatastore(input.settings);
  const etcdTls = input.paths.server.tls.etcd;
  switch (ds.kind) {
    case "kine":
      return { "storage-backend": "etcd3", "etcd-servers": `unix://${input.paths.server.kineSocket}` };
    case "embedded-etcd":
      return {
        "storage-backend": "etcd3",
        "etcd-servers": "https://127.0.0.1:2379",
        "etcd-cafile": etcdTls.serverCa.crt,
        "etcd-certfile": etcdTls.client.crt,
        "etcd-keyfile": etcdTls.client.key,
      };
    case "external-etcd":
      return { "storage-backend": "etcd3", "etcd-servers": ds.endpoints };
  }
}

export function apiServerArgs(input: ControlPlaneInput): string[] {
  const { settings: s, paths, identity } = input;
  const tls = paths.server.tls;
  const issuer = `https://kubernetes.default.svc.${s.clusterDomain}`;
  const defaults: ArgMap = {
    ...storageArgs(input),
    "advertise-address": identity.advertiseIp,
    "allow-privileged": "true",
    "anonymous-auth": "false",
    "api-audiences": `${issuer},k3s`,
    "authorization-mode": "Node,RBAC",
    // Pods reach the apiserver at the advertised address on this port (the kubernetes Service).
    "bind-address": s.bindAddress ?? "0.0.0.0",
    "cert-dir": tls.temporaryCerts,
    "client-ca-file": tls.clientCa.crt,
    "enable-admission-plugins": "NodeRestriction",
    "enable-bootstrap-token-auth": "true",
    "kubelet-certificate-authority": tls.serverCa.crt,
    "kubelet-client-certificate": tls.clientKubeApiserver.crt,
    "kubelet-client-key": tls.clientKubeApiserver.key,
    // Without it `kubectl logs` resolves node names, which nothing serves.
    "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
    profiling: "false",
    "proxy-client-cert-file": tls.clientAuthProxy.crt,
    "proxy-client-key-file": tls.clientAuthProxy.key,
    "requestheader-allowed-names": "system:auth-proxy",
    "requestheader-client-ca-file": tls.requestHeaderCa.crt,
    "requestheader-extra-headers-prefix": "X-Remote-Extra-",
    "requestheader-group-headers": "X-Remote-Group",
    "requestheader-username-headers": "X-Remote-User",
    "secure-port": String(apiServerPort(s)),
    "service-account-issuer": issuer,
    "service-account-key-file": tls.serviceKey,
    "service-account-signing-key-file": tls.serviceCurrentKey,
    "service-cluster-ip-range": s.serviceCidr.join(","),
    "service-node-port-range": s.serviceNodePortRange,
    // At SIGTERM the apiserver otherwise gives its HTTP server 60 s to close, and the watches of
    // pods that outlive the stop (CoreDNS, local-path-provisioner) hold it all that time: the
    // supervisor's 10 s grace ran out at every stop. With this it answers Retry-After while
    // in-flight requests drain, then closes within 2 s.
    "shutdown-send-retry-after": "true",
    "tls-cert-file": tls.servingKubeApiserver.crt,
    "tls-private-key-file": tls.servingKubeApiserver.key,
  };
  return buildArgs(defaults, s.kubeApiserverArg);
}

/**
 * As k3s: a single server on SQLite (kine's default) is the only possible controller-manager and
 * scheduler, so they run without leader election; with etcd (--cluster-init, a joined server) or
 * an external datastore other servers may run them too. Leader election also cost a slow node
 * its controllers: under QEMU TCG a lease renewal that missed its 10 s deadline made them exit.
 */
export function needsLeaderElection(s: Pick<Settings, "clusterInit" | "server" | "datastoreEndpoint">): boolean {
  const d = chooseDatastore({ ...s, command: "server" });
  return d.kind !== "kine" || (d.endpoint !== undefined && !d.endpoint.startsWith("sqlite:"));
}

function leaderElection(s: Settings): ArgMap {
  return needsLeaderElection(s) ? {} : { "leader-elect": "false" };
}

export function controllerManagerArgs(input: ControlPlaneInput): string[] {
  const { settings: s, paths } = input;
  const tls = paths.server.tls;
  const kubeconfig = paths.server.cred.controllerKubeconfig;
  const defaults: ArgMap = {
    "allocate-node-cidrs": "true",
    "authentication-kubeconfig": kubeconfig,
    "authorization-kubeconfig": kubeconfig,
    "bind-address": "127.0.0.1",
    "cluster-cidr": s.clusterCidr.join(","),
    "cluster-signing-kube-apiserver-client-cert-file": tls.clientCaNoChain,
    "cluster-signing-kube-apiserver-client-key-file": tls.clientCa.key,
    "cluster-signing-kubelet-client-cert-file": tls.clientCaNoChain,
    "cluster-signing-kubelet-client-key-file": tls.clientCa.key,
    "cluster-signing-kubelet-serving-cert-file": tls.serverCaNoChain,
    "cluster-signing-kubelet-serving-key-file": tls.serverCa.key,
    "cluster-signing-legacy-unknown-cert-file": tls.serverCaNoChain,
    "cluster-signing-legacy-unknown-key-file": tls.serverCa.key,
    // tokencleaner removes expired bootstrap tokens (k3s token create --ttl).
    controllers: "*,tokencleaner",
    kubeconfig,
    profiling: "false",
    "root-ca-file": tls.serverCa.crt,
    "secure-port": "10257",
    "service-account-private-key-file": tls.serviceCurrentKey,
    "service-cluster-ip-range": s.serviceCidr.join(","),
    "use-service-account-credentials": "true",
    ...leaderElection(s),
  };
  return buildArgs(defaults, s.kubeControllerManagerArg);
}

export function schedulerArgs(input: ControlPlaneInput): string[] {
  const kubeconfig = input.paths.server.cred.schedulerKubeconfig;
  const defaults: ArgMap = {
    "authentication-kubeconfig": kubeconfig,
    "authorization-kubeconfig": kubeconfig,
    "bind-address": "127.0.0.1",
    kubeconfig,
    profiling: "false",
    "secure-port": "10259",
    ...leaderElection(input.settings),
  };
  return buildArgs(defaults, input.settings.kubeSchedulerArg);
}
