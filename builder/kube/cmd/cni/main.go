// Command cni is the CNI plugins of a node as one binary, as k3s ships them: a runtime execs a
// plugin by its file name in the CNI bin dir, so each plugin name is a symlink to this file and
// the plugin is chosen from basename(argv[0]); `cni PLUGIN` works too, for a shell. One binary
// links the plugins' shared packages (netlink, iptables, ipam, skel) once instead of six times.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/containernetworking/plugins/pkg/utils/buildversion"

	// Upstream's `package main` of each plugin, generated before the build (upstream-mains.ts).
	"k3os/kube/internal/upstream/cni/bandwidth"
	"k3os/kube/internal/upstream/cni/bridge"
	"k3os/kube/internal/upstream/cni/firewall"
	hostlocal "k3os/kube/internal/upstream/cni/host-local"
	"k3os/kube/internal/upstream/cni/loopback"
	"k3os/kube/internal/upstream/cni/portmap"
)

// Each Main reads CNI_COMMAND and the network config from the environment and stdin, and exits.
var plugins = map[string]func(){
	"bridge":     bridge.Main,
	"host-local": hostlocal.Main,
	"loopback":   loopback.Main,
	"portmap":    portmap.Main,
	"bandwidth":  bandwidth.Main,
	"firewall":   firewall.Main,
}

const selfName = "cni"

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := plugins[name]; !ok {
		if len(os.Args) < 2 || os.Args[1] == "--help" || os.Args[1] == "-h" {
			printUsage()
			os.Exit(2)
		}
		if os.Args[1] == "--version" || os.Args[1] == "version" {
			fmt.Println(buildversion.BuildString(selfName))
			return
		}
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	run, ok := plugins[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: unknown plugin %q\n", selfName, name)
		printUsage()
		os.Exit(2)
	}
	os.Args[0] = name
	run()
}

func printUsage() {
	names := make([]string, 0, len(plugins))
	for n := range plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "usage: %s PLUGIN  (or a symlink named PLUGIN; the CNI_* environment and stdin as the CNI spec says)\nplugins: %s\n",
		selfName, strings.Join(names, " "))
}
