// What `k3s --version` prints. The Kubernetes version is builder/versions.json's (the builder checks
// go.mod against it); test/unit/k3s/version.test.ts fails when the two differ.
import { VERSION } from "../version.ts";

export const KUBERNETES_VERSION = "v1.37.2";

export function k3sVersionText(): string {
  return (
    `k3s version ${KUBERNETES_VERSION}+k3os-${VERSION.replace(/^v/, "")} (k3os's k3s-compatible runtime, not Rancher's k3s)\n` +
    `kubernetes ${KUBERNETES_VERSION} (upstream components built by k3os)\n` +
    `node ${process.version}\n`
  );
}
