// Command cni is the CNI plugins of a node as one binary, as k3s ships them: a runtime execs a
// plugin by its file name in the CNI bin dir, so each plugin name is a symlink to this file and
// the plugin is chosen from basename(argv[0]); `cni PLUGIN` works too, for a shell. One binary
// links the plugins' shared packages (netlink, iptables, ipam, skel) once instead of six times.
package main

import (
	"github.com/containernetworking/plugins/pkg/utils/buildversion"

	"k3os/kube/internal/multicall"
	// Upstream's `package main` of each plugin, generated before the build (upstream-mains.ts).
	"k3os/kube/internal/upstream/cni/bandwidth"
	"k3os/kube/internal/upstream/cni/bridge"
	"k3os/kube/internal/upstream/cni/firewall"
	hostlocal "k3os/kube/internal/upstream/cni/host-local"
	"k3os/kube/internal/upstream/cni/loopback"
	"k3os/kube/internal/upstream/cni/portmap"
)

// Each Main reads CNI_COMMAND and the network config from the environment and stdin, and exits.
var plugins = map[string]func() int{
	"bridge":     plugin(bridge.Main),
	"host-local": plugin(hostlocal.Main),
	"loopback":   plugin(loopback.Main),
	"portmap":    plugin(portmap.Main),
	"bandwidth":  plugin(bandwidth.Main),
	"firewall":   plugin(firewall.Main),
}

// plugin adapts an upstream plugin's main, which exits by itself on an error, to a command.
func plugin(main func()) func() int {
	return func() int {
		main()
		return 0
	}
}

func main() {
	multicall.Binary{
		Self:     "cni",
		Noun:     "plugin",
		Usage:    "PLUGIN  (or a symlink named PLUGIN; the CNI_* environment and stdin as the CNI spec says)",
		Version:  buildversion.BuildString("cni"),
		Commands: plugins,
	}.Main()
}
