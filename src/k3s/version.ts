// What `k3s --version` prints. The Kubernetes version is the one builder/kube/go.mod pins
// (k8s.io/kubernetes); keep the two in step.
import { VERSION } from "../version.ts";

export const KUBERNETES_VERSION = "v1.37.2";

export function k3sVersionText(): string {
  return (
    `k3s version ${KUBERNETES_VERSION}+k3os-${VERSION.replace(/^v/, "")} (k3os's k3s-compatible runtime, not Rancher's k3s)\n` +
    `kubernetes ${KUBERNETES_VERSION} (upstream components built by k3os)\n` +
    `node ${process.version}\n`
  );
}
