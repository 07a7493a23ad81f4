// /usr/bin/kubectl, crictl and ctr on the image: shell wrappers that preset the node's kubeconfig
// and sockets exactly as `k3s kubectl|crictl|ctr` does (tools.ts), without a Node.js start per
// command (seconds under TCG). The image builder writes them from here; a unit test runs them
// against toolInvocation so the two cannot drift.
import type { KubeBinaries } from "./binaries.ts";
import type { NodePaths } from "./paths.ts";
import type { Tool } from "./defaults.ts";

export const WRAPPED_TOOLS: readonly Tool[] = ["kubectl", "crictl", "ctr"];

function q(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function setDefault(name: string, value: string): string {
  return `[ -n "\${${name}:-}" ] || export ${name}=${q(value)}\n`;
}

export function renderToolWrapper(tool: Tool, bins: KubeBinaries, paths: NodePaths): string {
  const head = `#!/bin/sh\n# ${tool} with this node's ${tool === "kubectl" ? "kubeconfig" : "containerd socket"} preset unless set, as \`k3s ${tool}\` does. Written by the k3os image builder.\n`;
  switch (tool) {
    case "kubectl":
      return (
        head +
        `if [ -z "\${KUBECONFIG:-}" ]; then\n` +
        `\tpreset=yes\n` +
        `\tfor a in "$@"; do case $a in --kubeconfig|--kubeconfig=*) preset=no ;; esac; done\n` +
        `\tif [ $preset = yes ]; then\n` +
        // the admin file if this user may read it, else the server's own admin credentials
        `\t\tif [ -r ${q(paths.adminKubeconfig)} ]; then export KUBECONFIG=${q(paths.adminKubeconfig)}\n` +
        `\t\telif [ -e ${q(paths.server.cred.adminKubeconfig)} ]; then export KUBECONFIG=${q(paths.server.cred.adminKubeconfig)}; fi\n` +
        `\tfi\n` +
        `fi\n` +
        `exec ${q(bins.applet("kubectl"))} "$@"\n`
      );
    case "crictl": {
      const endpoint = `unix://${paths.run.containerdSocket}`;
      return head + setDefault("CONTAINER_RUNTIME_ENDPOINT", endpoint) + setDefault("IMAGE_SERVICE_ENDPOINT", endpoint) + `exec ${q(bins.crictl)} "$@"\n`;
    }
    case "ctr":
      return head + setDefault("CONTAINERD_ADDRESS", paths.run.containerdSocket) + setDefault("CONTAINERD_NAMESPACE", "k8s.io") + `exec ${q(bins.applet("ctr"))} "$@"\n`;
  }
}
