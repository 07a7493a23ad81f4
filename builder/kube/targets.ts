// What the orchestrator builds from builder/kube/go.mod: three `go build` runs, because cgo (runc)
// and the CNI plugins' own directory need their own invocation. Data, not code: tests read it.
import type { Versions } from "./versions.ts";

/** Commands of the multi-call binary; pinned against its Go dispatch table by a test. */
export const multicallName = "k3os-kube";
export const applets = [
  "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl",
  "containerd", "ctr", "etcd", "kine", "flanneld",
] as const;

export interface GoTarget {
  /** Output directory inside the cache entry. */
  outDir: "bin" | "cni";
  /** Package paths; each `main` becomes a binary named after its last path element. */
  packages: string[];
  cgo: boolean;
  tags: string[];
  /** Component whose version is stamped into main.version (runc), else the multi-call version. */
  mainVersionOf?: string;
  /** Debian packages this target needs to build. */
  debianBuildDeps: string[];
}

export function goTargets(versions: Versions): GoTarget[] {
  const runc = versions.components.runc;
  return [
    {
      outDir: "bin",
      packages: [
        `./cmd/${multicallName}`,
        // The shim runs once per pod: standalone it starts in ~3 ms with ~14 MB RSS, inside the big
        // binary 62 ms and 167 MB (every package's init runs), and it re-executes /proc/self/exe.
        "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
        "sigs.k8s.io/cri-tools/cmd/crictl",
        // CoreDNS registers flags on the global flag set in init(): kept out of the multi-call binary.
        // Our main links only the plugins a node's Corefile uses (upstream's links every cloud SDK).
        "./cmd/coredns",
      ],
      cgo: false,
      tags: [],
      debianBuildDeps: [],
    },
    {
      outDir: "cni",
      packages: [
        "github.com/containernetworking/plugins/plugins/main/bridge",
        "github.com/containernetworking/plugins/plugins/main/loopback",
        "github.com/containernetworking/plugins/plugins/ipam/host-local",
        "github.com/containernetworking/plugins/plugins/meta/portmap",
        "github.com/containernetworking/plugins/plugins/meta/bandwidth",
        "github.com/containernetworking/plugins/plugins/meta/firewall",
      ],
      cgo: false,
      tags: [],
      debianBuildDeps: [],
    },
    {
      outDir: "bin",
      // runc's nsenter is C run before the Go runtime starts, and seccomp needs libseccomp: cgo.
      packages: ["github.com/opencontainers/runc"],
      cgo: true,
      tags: runc?.buildTags ?? [],
      mainVersionOf: "runc",
      debianBuildDeps: runc?.debianBuildDeps ?? [],
    },
  ];
}

/** Binary file name of a package path. */
export function binaryName(pkg: string): string {
  return pkg.split("/").pop() ?? pkg;
}
