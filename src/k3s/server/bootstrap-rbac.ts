// RBAC the runtime's own identities need before their components start, applied with kubectl
// (server-side apply, so re-applying at every start is harmless). k3s ships the same bindings in
// its rolebindings.yaml manifest: system:k3s-controller is the identity flannel runs as.
import type { Runner } from "../../exec/runner.ts";

export const K3S_CONTROLLER_RBAC = {
  apiVersion: "v1",
  kind: "List",
  items: [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:k3s-controller" },
      rules: [
        { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "patch", "update"] },
        { apiGroups: [""], resources: ["nodes/status"], verbs: ["patch", "update"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch", "update"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:k3s-controller" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:k3s-controller" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:k3s-controller" }],
    },
  ],
};

export async function applyBootstrapRbac(runner: Runner, kubectl: string, kubeconfig: string): Promise<void> {
  // --validate=false: validation downloads the whole OpenAPI document first (timed out under TCG).
  await runner.run([kubectl, "--kubeconfig", kubeconfig, "apply", "--server-side", "--validate=false", "--field-manager=k3s", "-f", "-"], {
    input: JSON.stringify(K3S_CONTROLLER_RBAC),
  });
}
