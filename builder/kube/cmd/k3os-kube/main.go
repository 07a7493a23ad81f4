// Command k3os-kube is the multi-call binary of the Kubernetes components (the hyperkube pattern):
// one Go program links every upstream command once, so the node ships one ~200 MB file instead of
// ~800 MB of separate binaries that each carry their own copy of client-go, grpc and the runtime.
//
// The applet is chosen from the name it was started as (a symlink kubelet -> k3os-kube), or, when
// started under its own name, from the first argument (k3os-kube kubelet --version).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// applet runs one upstream command with os.Args already rewritten so that os.Args[0] is the
// applet's name; it returns the process exit code.
type applet func() int

var applets = map[string]applet{
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

// selfName is the name of the binary itself; version is stamped with -X by the build.
const selfName = "k3os-kube"

var version = "unknown"

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := applets[name]; !ok {
		// Started under its own (or any unknown) name: the applet is the first argument.
		if len(os.Args) < 2 || os.Args[1] == "--help" || os.Args[1] == "-h" {
			printUsage()
			os.Exit(2)
		}
		if os.Args[1] == "--version" || os.Args[1] == "version" {
			fmt.Printf("%s %s\n", selfName, version)
			return
		}
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	run, ok := applets[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: unknown command %q\n", selfName, name)
		printUsage()
		os.Exit(2)
	}
	// Upstream commands print their own name from os.Args[0] and parse os.Args[1:].
	os.Args[0] = name
	os.Exit(run())
}

func printUsage() {
	names := make([]string, 0, len(applets))
	for n := range applets {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "usage: %s COMMAND [ARGS...]  (or a symlink named COMMAND)\ncommands: %s\n",
		selfName, strings.Join(names, " "))
}
