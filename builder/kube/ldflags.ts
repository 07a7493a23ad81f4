// Version stamps: every upstream command prints a version from a package variable that upstream's
// own Makefiles set with -X; without them they print v0.0.0-master, dev or "unknown".
import { versionOf, type Versions } from "./versions.ts";

/** -X stamps for every binary; the linker ignores stamps for packages a binary does not link. */
export function versionStamps(versions: Versions): string[] {
  const kube = versionOf(versions, "kubernetes");
  const [major, minor] = kube.slice(1).split(".");
  const stamps: Record<string, string> = {
    "github.com/containerd/containerd/v2/version.Version": versionOf(versions, "containerd"),
    "github.com/containerd/containerd/v2/version.Revision": "",
    "github.com/k3s-io/kine/pkg/version.Version": versionOf(versions, "kine"),
    "github.com/k3s-io/kine/pkg/version.GitCommit": "",
    "github.com/flannel-io/flannel/pkg/version.Version": versionOf(versions, "flannel"),
    "sigs.k8s.io/cri-tools/pkg/version.Version": versionOf(versions, "cri-tools"),
    "github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion": versionOf(versions, "cni-plugins"),
  };
  // Both copies of the Kubernetes version: component-base (servers) and client-go (kubectl).
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    stamps[`${pkg}.gitVersion`] = kube;
    stamps[`${pkg}.gitMajor`] = major ?? "";
    stamps[`${pkg}.gitMinor`] = minor ?? "";
    stamps[`${pkg}.gitTreeState`] = "clean";
  }
  return Object.entries(stamps).map(([k, v]) => `-X ${k}=${v}`);
}

/**
 * The -ldflags value: stripped (-s -w), stamped, and for cgo binaries linked statically.
 * mainVersion goes to main.version: our multi-call binary's, and runc's ("runc version 1.5.2").
 */
export function ldflagsFor(versions: Versions, opts: { mainVersion: string; staticCgo?: boolean }): string {
  const flags = ["-s", "-w", ...versionStamps(versions), `-X main.version=${opts.mainVersion}`];
  if (opts.staticCgo) flags.push("-linkmode", "external", "-extldflags", "-static");
  return flags.join(" ");
}
