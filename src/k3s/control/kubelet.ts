// The kubelet: a KubeletConfiguration drop-in (agent/etc/kubelet.conf.d/00-k3s-defaults.conf, as
// k3s writes it) and the flags that must stay flags. --kubelet-arg values win over both, as in k3s.
import { stringify } from "yaml";
import type { NodeIdentity } from "../agent/node-identity.ts";
import type { NodePaths } from "../layout/paths.ts";
import type { Settings } from "../cli/settings.ts";
import { buildArgs, type ArgMap } from "./extra-args.ts";

export interface KubeletInput {
  settings: Pick<Settings, "clusterDns" | "clusterDomain" | "resolvConf" | "nodeLabel" | "nodeTaint" | "kubeletArg">;
  paths: NodePaths;
  identity: NodeIdentity;
  /** Taints a server adds to itself, e.g. none by default in k3s. */
  extraTaints?: string[];
  /** Labels k3s adds (node-role for servers). */
  extraLabels?: string[];
}

export function kubeletConfig(input: KubeletInput): Record<string, unknown> {
  const { settings: s, paths, identity } = input;
  const config: Record<string, unknown> = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    address: identity.nodeIps[0],
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true, cacheTTL: "2m0s" },
      x509: { clientCAFile: paths.agent.clientCa },
    },
    authorization: { mode: "Webhook", webhook: { cacheAuthorizedTTL: "5m0s", cacheUnauthorizedTTL: "30s" } },
    // cgroupfs: OpenRC has no systemd to delegate cgroups to.
    cgroupDriver: "cgroupfs",
    clusterDNS: s.clusterDns,
    clusterDomain: s.clusterDomain,
    containerRuntimeEndpoint: `unix://${paths.run.containerdSocket}`,
    evictionHard: { "imagefs.available": "5%", "nodefs.available": "5%" },
    evictionMinimumReclaim: { "imagefs.available": "10%", "nodefs.available": "10%" },
    // Kubernetes 1.35+ refuses cgroup v1 unless told; hosts and old kernels still have it.
    failCgroupV1: false,
    failSwapOn: false,
    healthzBindAddress: "127.0.0.1",
    readOnlyPort: 0,
    serializeImagePulls: false,
    staticPodPath: paths.agent.podManifests,
    tlsCertFile: paths.agent.servingKubelet.crt,
    tlsPrivateKeyFile: paths.agent.servingKubelet.key,
  };
  if (s.resolvConf) config.resolvConf = s.resolvConf;
  return config;
}

export function renderKubeletConfig(input: KubeletInput): string {
  return stringify(kubeletConfig(input));
}

export function kubeletArgs(input: KubeletInput): string[] {
  const { settings: s, paths, identity } = input;
  const labels = [...(input.extraLabels ?? []), ...s.nodeLabel];
  const taints = [...(input.extraTaints ?? []), ...s.nodeTaint];
  const defaults: ArgMap = {
    "config-dir": paths.agent.kubeletConfigDir,
    "hostname-override": identity.nodeName,
    kubeconfig: paths.agent.kubeletKubeconfig,
    "node-ip": identity.nodeIps.join(","),
    "root-dir": paths.kubeletDir,
  };
  if (labels.length > 0) defaults["node-labels"] = labels.join(",");
  if (taints.length > 0) defaults["register-with-taints"] = taints.join(",");
  return buildArgs(defaults, s.kubeletArg);
}
