// Package flannel is our flanneld: flannel's upstream main cannot be imported (it is a `main`
// package that also links the tencentvpc backend, whose SDK the module proxy refuses), so this
// glue wires flannel's own packages together the way its main does, for the Kubernetes subnet
// manager and the vxlan and host-gw backends only. Flag names follow upstream flanneld.
package flannel

import (
	"flag"
	"fmt"
	"strings"
)

type options struct {
	kubeSubnetMgr             bool
	kubeAPIURL                string
	kubeConfigFile            string
	kubeAnnotationPrefix      string
	netConfPath               string
	subnetFile                string
	ifaces                    stringList
	publicIP                  string
	publicIPv6                string
	ipMasq                    bool
	ipMasqRandomFullyDisable  bool
	iptablesResyncSeconds     int
	iptablesForwardRules      bool
	setNodeNetworkUnavailable bool
	version                   bool
}

// stringList is a flag that may be given several times (--iface eth1 --iface eth0).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// parseFlags uses its own FlagSet: the global flag.CommandLine belongs to other applets' packages.
func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("flanneld", flag.ContinueOnError)
	fs.BoolVar(&o.kubeSubnetMgr, "kube-subnet-mgr", true, "use the Kubernetes API for subnet assignment (the only subnet manager here)")
	fs.StringVar(&o.kubeAPIURL, "kube-api-url", "", "Kubernetes API server URL")
	fs.StringVar(&o.kubeConfigFile, "kubeconfig-file", "", "kubeconfig file location")
	fs.StringVar(&o.kubeAnnotationPrefix, "kube-annotation-prefix", "flannel.alpha.coreos.com", "Kubernetes annotation prefix")
	fs.StringVar(&o.netConfPath, "net-config-path", "/etc/kube-flannel/net-conf.json", "path to the network configuration file")
	fs.StringVar(&o.subnetFile, "subnet-file", "/run/flannel/subnet.env", "file where the subnet, MTU, ... are written as env variables")
	fs.Var(&o.ifaces, "iface", "interface (IP or name) for inter-host traffic; may be repeated, the first match wins")
	fs.StringVar(&o.publicIP, "public-ip", "", "IP other nodes reach this node at")
	fs.StringVar(&o.publicIPv6, "public-ipv6", "", "IPv6 other nodes reach this node at")
	fs.BoolVar(&o.ipMasq, "ip-masq", false, "masquerade traffic leaving the overlay network")
	fs.BoolVar(&o.ipMasqRandomFullyDisable, "ip-masq-fully-random-disable", false, "disable fully-random mode for MASQUERADE")
	fs.IntVar(&o.iptablesResyncSeconds, "iptables-resync", 5, "resync period of the iptables rules, in seconds")
	fs.BoolVar(&o.iptablesForwardRules, "iptables-forward-rules", true, "add ACCEPT rules for the overlay network to the FORWARD chain")
	fs.BoolVar(&o.setNodeNetworkUnavailable, "set-node-network-unavailable", true, "clear the node's NetworkUnavailable condition when ready")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if !o.kubeSubnetMgr {
		return nil, fmt.Errorf("only the Kubernetes subnet manager is built in (--kube-subnet-mgr)")
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, nil
}
