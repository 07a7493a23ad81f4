// The k3s flags this runtime supports: k3s's names, short aliases, env vars and defaults, one table.
// The CLI parser, the config-file reader and the error for an unsupported flag all read this table,
// so a flag exists everywhere or nowhere.

import { K3S_DEFAULTS as D } from "../layout/defaults.ts";
import { UsageError, type OptionSpec } from "./argv.ts";

export type FlagKind = "string" | "bool" | "list" | "int";
export type NodeCommand = "server" | "agent";

export interface FlagSpec extends OptionSpec {
  /** k3s's long name, without dashes; also the config.yaml key. */
  name: string;
  kind: FlagKind;
  /** Default as k3s documents it (strings even for ints: parsed by the settings schema). */
  default?: string;
  commands: readonly NodeCommand[];
  /** Comma-separated values are split into several (k3s does this for address and name lists). */
  splitCommas?: boolean;
  help: string;
}

const both: readonly NodeCommand[] = ["server", "agent"];
const server: readonly NodeCommand[] = ["server"];

export const FLAGS: readonly FlagSpec[] = [
  // Common
  { name: "config", short: "c", env: "K3S_CONFIG_FILE", kind: "string", default: D.configFile, commands: both, help: "Load configuration from FILE" },
  { name: "debug", env: "K3S_DEBUG", kind: "bool", commands: both, help: "Turn on debug logs" },
  { name: "data-dir", short: "d", env: "K3S_DATA_DIR", kind: "string", default: D.dataDir, commands: both, help: "Folder to hold state" },
  { name: "token", short: "t", env: "K3S_TOKEN", kind: "string", commands: both, help: "Shared secret used to join a server or agent to a cluster" },
  { name: "token-file", env: "K3S_TOKEN_FILE", kind: "string", commands: both, help: "File containing the token" },
  { name: "server", short: "s", env: "K3S_URL", kind: "string", commands: both, help: "Server to connect to" },
  // Agent/node
  { name: "node-name", env: "K3S_NODE_NAME", kind: "string", commands: both, help: "Node name" },
  { name: "node-ip", short: "i", kind: "list", splitCommas: true, commands: both, help: "IPv4/IPv6 addresses to advertise for node" },
  { name: "node-external-ip", kind: "list", splitCommas: true, commands: both, help: "IPv4/IPv6 external IP addresses to advertise for node" },
  { name: "node-label", kind: "list", commands: both, help: "Registering and starting kubelet with set of labels" },
  { name: "node-taint", kind: "list", commands: both, help: "Registering kubelet with set of taints" },
  { name: "kubelet-arg", kind: "list", commands: both, help: "Customized flag for kubelet process" },
  { name: "kube-proxy-arg", kind: "list", commands: both, help: "Customized flag for kube-proxy process" },
  { name: "flannel-iface", kind: "string", commands: both, help: "Override default flannel interface" },
  { name: "pause-image", kind: "string", default: D.pauseImage, commands: both, help: "Customized pause image for containerd sandbox" },
  { name: "resolv-conf", env: "K3S_RESOLV_CONF", kind: "string", commands: both, help: "Kubelet resolv.conf file" },
  // Server: networking
  { name: "cluster-cidr", kind: "list", splitCommas: true, default: D.clusterCidr, commands: server, help: "IPv4/IPv6 network CIDRs to use for pod IPs" },
  { name: "service-cidr", kind: "list", splitCommas: true, default: D.serviceCidr, commands: server, help: "IPv4/IPv6 network CIDRs to use for service IPs" },
  { name: "service-node-port-range", kind: "string", default: D.serviceNodePortRange, commands: server, help: "Port range to reserve for services with NodePort visibility" },
  { name: "cluster-dns", kind: "list", splitCommas: true, commands: server, help: "IPv4 Cluster IP for coredns service (default: 10th address of --service-cidr)" },
  { name: "cluster-domain", kind: "string", default: D.clusterDomain, commands: server, help: "Cluster Domain" },
  { name: "flannel-backend", kind: "string", default: D.flannelBackend, commands: server, help: "Backend: 'none', 'vxlan', 'host-gw'" },
  // Server: listener and kubeconfig
  { name: "bind-address", kind: "string", commands: server, help: "k3s bind address (default: 0.0.0.0)" },
  { name: "advertise-address", kind: "string", commands: server, help: "IPv4/IPv6 address that apiserver uses to advertise to members of the cluster (default: node-external-ip/node-ip)" },
  { name: "https-listen-port", kind: "int", default: String(D.httpsListenPort), commands: server, help: "HTTPS listen port" },
  { name: "tls-san", kind: "list", splitCommas: true, commands: server, help: "Add additional hostnames or IPv4/IPv6 addresses as Subject Alternative Names on the server TLS cert" },
  { name: "write-kubeconfig", short: "o", env: "K3S_KUBECONFIG_OUTPUT", kind: "string", default: D.kubeconfig, commands: server, help: "Write kubeconfig for admin client to this file" },
  { name: "write-kubeconfig-mode", env: "K3S_KUBECONFIG_MODE", kind: "string", commands: server, help: "Write kubeconfig with this mode (octal, e.g. 644)" },
  { name: "write-kubeconfig-group", env: "K3S_KUBECONFIG_GROUP", kind: "string", commands: server, help: "Write kubeconfig with this group (a name from /etc/group, or a number)" },
  // Server: tokens and datastore
  { name: "agent-token", env: "K3S_AGENT_TOKEN", kind: "string", commands: server, help: "Shared secret used to join agents to the cluster, but not servers" },
  { name: "agent-token-file", env: "K3S_AGENT_TOKEN_FILE", kind: "string", commands: server, help: "File containing the agent secret" },
  { name: "cluster-init", env: "K3S_CLUSTER_INIT", kind: "bool", commands: server, help: "Initialize a new cluster using embedded Etcd" },
  { name: "datastore-endpoint", env: "K3S_DATASTORE_ENDPOINT", kind: "string", commands: server, help: "Specify etcd, NATS, MySQL, Postgres, or SQLite (default) data source name" },
  // Server: components
  { name: "kube-apiserver-arg", kind: "list", commands: server, help: "Customized flag for kube-apiserver process" },
  { name: "kube-controller-manager-arg", kind: "list", commands: server, help: "Customized flag for kube-controller-manager process" },
  { name: "kube-scheduler-arg", kind: "list", commands: server, help: "Customized flag for kube-scheduler process" },
  { name: "disable", kind: "list", splitCommas: true, commands: server, help: "Do not deploy packaged components and delete any deployed components (valid items: coredns, local-storage)" },
  { name: "disable-kube-proxy", kind: "bool", commands: server, help: "Disable running kube-proxy" },
  { name: "disable-agent", kind: "bool", commands: server, help: "Do not run a local agent and register a local kubelet" },
  { name: "default-local-storage-path", kind: "string", commands: server, help: "Default local storage path for local provisioner storage class" },
];

const byName = new Map<string, FlagSpec>();
for (const f of FLAGS) {
  byName.set(f.name, f);
  if (f.short) byName.set(f.short, f);
}

/** Finds a flag by long name or short alias, whatever the command. */
export function findFlag(name: string): FlagSpec | undefined {
  return byName.get(name);
}

export function flagsFor(command: NodeCommand): FlagSpec[] {
  return FLAGS.filter((f) => f.commands.includes(command));
}

/** The names listed when a flag is refused: every flag of the command, with its short alias. */
export function describeSupportedFlags(command: NodeCommand): string {
  return flagsFor(command)
    .map((f) => (f.short ? `--${f.name} (-${f.short})` : `--${f.name}`))
    .join(", ");
}

/** Thrown for a flag or config key this runtime does not implement: never silently ignored. */
export class UnsupportedFlagError extends UsageError {
  constructor(
    readonly flag: string,
    command: NodeCommand,
    where = "on the command line",
  ) {
    super(
      `k3s ${command}: flag ${flag} ${where} is not supported by k3os's k3s runtime; supported flags: ${describeSupportedFlags(command)}`,
    );
    this.name = "UnsupportedFlagError";
  }
}
