// kube-proxy as k3s runs it: iptables mode, health on loopback, conntrack left to the kernel's
// settings (a node in a container or namespace may not write the conntrack sysctls).
import type { NodeIdentity } from "../agent/node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import type { Settings } from "../cli/settings.ts";
import { buildArgs } from "./extra-args.ts";

export function kubeProxyArgs(input: {
  settings: Pick<Settings, "clusterCidr" | "kubeProxyArg">;
  paths: NodePaths;
  identity: NodeIdentity;
}): string[] {
  return buildArgs(
    {
      "cluster-cidr": input.settings.clusterCidr.join(","),
      "conntrack-max-per-core": "0",
      "conntrack-tcp-timeout-close-wait": "0s",
      "conntrack-tcp-timeout-established": "0s",
      "healthz-bind-address": "127.0.0.1",
      "hostname-override": input.identity.nodeName,
      kubeconfig: input.paths.agent.kubeproxyKubeconfig,
      "proxy-mode": "iptables",
    },
    input.settings.kubeProxyArg,
  );
}
