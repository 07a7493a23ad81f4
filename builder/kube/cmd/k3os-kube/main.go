// Command k3os-kube is the multi-call binary of the Kubernetes components (the hyperkube pattern):
// one Go program links every upstream command once, so the node ships one ~200 MB file instead of
// ~800 MB of separate binaries that each carry their own copy of client-go, grpc and the runtime.
//
// The applet is chosen from the name it was started as (a symlink kubelet -> k3os-kube), or, when
// started under its own name, from the first argument (k3os-kube kubelet --version).
package main

import "k3os/kube/internal/multicall"

// Each runs one upstream command (os.Args[0] is the applet's name) and returns the exit code.
var applets = map[string]func() int{
	"kube-apiserver":          runAPIServer,
	"kube-controller-manager": runControllerManager,
	"kube-scheduler":          runScheduler,
	"kubelet":                 runKubelet,
	"kube-proxy":              runKubeProxy,
	"kubectl":                 runKubectl,
	"containerd":              runContainerd,
	"ctr":                     runCtr,
	"crictl":                  runCrictl,
	"etcd":                    runEtcd,
	"kine":                    runKine,
	"flanneld":                runFlanneld,
}

// version is stamped with -X by the build.
var version = "unknown"

func main() {
	multicall.Binary{
		Self:     "k3os-kube",
		Noun:     "command",
		Usage:    "COMMAND [ARGS...]  (or a symlink named COMMAND)",
		Version:  "k3os-kube " + version,
		Commands: applets,
	}.Main()
}
