// Where the Kubernetes components live on the node. The image ships one multi-call binary
// (k3os-kube, applet chosen by the name it is started as) with a symlink per applet, plus the
// programs that must stay separate: the containerd shim (it re-executes itself), runc (cgo) and
// the CNI plugins (one `cni` binary in cni/, a symlink per plugin: runtimes exec them by file name).
// K3OS_KUBE_DIR overrides the directory (tests, and builds that place it elsewhere).
import { join } from "node:path";

export const DEFAULT_KUBE_DIR = "/usr/libexec/k3os/kube";

export type Applet =
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubelet"
  | "kube-proxy"
  | "kubectl"
  | "containerd"
  | "ctr"
  | "crictl"
  | "etcd"
  | "kine"
  | "flanneld";

export function kubeDir(env: Record<string, string | undefined> = process.env): string {
  return env.K3OS_KUBE_DIR || DEFAULT_KUBE_DIR;
}

export function kubeBinaries(dir: string) {
  const bin = join(dir, "bin");
  return {
    dir,
    binDir: bin,
    /** The symlink named after the applet, so argv[0] picks it. */
    applet: (name: Applet) => join(bin, name),
    multiCall: join(bin, "k3os-kube"),
    /** An applet too; the wrappers and `k3s crictl` run it by this path. */
    crictl: join(bin, "crictl"),
    runc: join(bin, "runc"),
    shim: join(bin, "containerd-shim-runc-v2"),
    cniBinDir: join(dir, "cni"),
  };
}

export type KubeBinaries = ReturnType<typeof kubeBinaries>;
