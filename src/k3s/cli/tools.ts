// `k3s kubectl|crictl|ctr ...`: the built tools with this node's kubeconfig and sockets preset,
// unless the user set them (as k3s does).
import { accessSync, constants, existsSync } from "node:fs";
import type { KubeBinaries } from "../layout/binaries.ts";
import type { NodePaths } from "../layout/paths.ts";

import type { Tool } from "../layout/defaults.ts";

export type { Tool };

function readable(p: string): boolean {
  try {
    accessSync(p, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The argv and extra environment for a tool; `env` is the caller's environment. */
export function toolInvocation(
  tool: Tool,
  args: string[],
  bins: KubeBinaries,
  paths: NodePaths,
  env: Record<string, string | undefined>,
): { argv: string[]; env: Record<string, string> } {
  const extra: Record<string, string> = {};
  switch (tool) {
    case "kubectl": {
      const hasFlag = args.some((a) => a === "--kubeconfig" || a.startsWith("--kubeconfig="));
      if (!env.KUBECONFIG && !hasFlag) {
        // The admin file if this user may read it, else the server's own admin credentials.
        if (readable(paths.adminKubeconfig)) extra.KUBECONFIG = paths.adminKubeconfig;
        else if (existsSync(paths.server.cred.adminKubeconfig)) extra.KUBECONFIG = paths.server.cred.adminKubeconfig;
      }
      return { argv: [bins.applet("kubectl"), ...args], env: extra };
    }
    case "crictl": {
      const endpoint = `unix://${paths.run.containerdSocket}`;
      if (!env.CONTAINER_RUNTIME_ENDPOINT) extra.CONTAINER_RUNTIME_ENDPOINT = endpoint;
      if (!env.IMAGE_SERVICE_ENDPOINT) extra.IMAGE_SERVICE_ENDPOINT = endpoint;
      return { argv: [bins.crictl, ...args], env: extra };
    }
    case "ctr": {
      if (!env.CONTAINERD_ADDRESS) extra.CONTAINERD_ADDRESS = paths.run.containerdSocket;
      if (!env.CONTAINERD_NAMESPACE) extra.CONTAINERD_NAMESPACE = "k8s.io";
      return { argv: [bins.applet("ctr"), ...args], env: extra };
    }
  }
}
