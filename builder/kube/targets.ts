// What the orchestrator builds from builder/kube/go.mod: three `go build` runs, because cgo (runc)
// and the CNI plugins' own directory need their own invocation. Data, not code: tests read it.
import type { Versions } from "./versions.ts";

/** Commands of the multi-call binary; pinned against its Go dispatch table by a test. */
export const multicallName = "k3os-kube";
export const applets = [
  "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl",
  "containerd", "ctr", "crictl", "etcd", "kine", "flanneld",
] as const;

/**
 * The CNI plugins, one multi-call binary (as k3s ships them): runtimes exec a plugin by its file
 * name in the CNI bin dir, so each name is a symlink to `cni`, which dispatches on argv[0].
 */
export const cniName = "cni";
export const cniPlugins = ["bridge", "host-local", "loopback", "portmap", "bandwidth", "firewall"] as const;

/**
 * Upstream `main` packages our dispatchers link. Go cannot import a `main` package, so before the
 * build upstream-mains.ts copies each one's files from the module cache into `dir` (git-ignored)
 * as package `goPackage` with `main()` renamed `Main()`; the version is the module's, checked
 * against versions.json. (k3s did this with forks that export Main; the proxy refuses those.)
 */
export interface UpstreamMain {
  /** The command or plugin name it is dispatched as. */
  name: string;
  pkg: string;
  /** versions.json component whose pinned version the module must have. */
  component: string;
  /** Directory of the generated package, relative to builder/kube. */
  dir: string;
  goPackage: string;
  /** Exact replacements on top of the rename, each of which must match `count` times. */
  patches?: UpstreamPatch[];
}

export interface UpstreamPatch {
  file: string;
  from: string;
  to: string;
  count: number;
  why: string;
}

// crictl imports cri-tools' e2e test framework only for its constant OSWindows; that package links
// ginkgo and gomega, whose init() adds ~50 -ginkgo.* flags to Go's global flag set (kube-proxy
// exposes that set as its own flags) and registers a BeforeSuite, in every applet of k3os-kube.
const crictlWithoutTestFramework: UpstreamPatch[] = ["main.go", "container.go"].flatMap((file) => [
  { file, from: '\t"sigs.k8s.io/cri-tools/pkg/framework"\n', to: "", count: 1, why: "drop the e2e test framework import" },
  { file, from: "framework.OSWindows", to: '"windows"', count: 1, why: "its value, the only thing crictl uses from it" },
]);

/** Parent of the generated packages: git-ignored and left out of the cache key (go.mod pins them). */
export const upstreamDir = "internal/upstream";

const cniPackages: Record<(typeof cniPlugins)[number], string> = {
  bridge: "plugins/main/bridge",
  "host-local": "plugins/ipam/host-local",
  loopback: "plugins/main/loopback",
  portmap: "plugins/meta/portmap",
  bandwidth: "plugins/meta/bandwidth",
  firewall: "plugins/meta/firewall",
};

export const upstreamMains: UpstreamMain[] = [
  {
    name: "crictl", pkg: "sigs.k8s.io/cri-tools/cmd/crictl", component: "cri-tools", dir: `${upstreamDir}/crictl`, goPackage: "crictl",
    patches: crictlWithoutTestFramework,
  },
  ...cniPlugins.map((name) => ({
    name,
    pkg: `github.com/containernetworking/plugins/${cniPackages[name]}`,
    component: "cni-plugins",
    dir: `${upstreamDir}/cni/${name}`,
    goPackage: name.replaceAll("-", ""),
  })),
];

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
      // Its own binary, not applets of k3os-kube: a pod start runs several plugins, each a new
      // process that would run every package init of the big binary (kubectl: 170 MB RSS).
      packages: [`./cmd/${cniName}`],
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
