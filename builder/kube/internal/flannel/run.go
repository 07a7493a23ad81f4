package flannel

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/flannel-io/flannel/pkg/backend"
	_ "github.com/flannel-io/flannel/pkg/backend/hostgw" // registers the host-gw backend
	_ "github.com/flannel-io/flannel/pkg/backend/vxlan"  // registers the vxlan backend
	"github.com/flannel-io/flannel/pkg/ip"
	"github.com/flannel-io/flannel/pkg/ipmatch"
	"github.com/flannel-io/flannel/pkg/lease"
	"github.com/flannel-io/flannel/pkg/subnet"
	"github.com/flannel-io/flannel/pkg/subnet/kube"
	"github.com/flannel-io/flannel/pkg/trafficmngr/iptables"
	"github.com/flannel-io/flannel/pkg/version"
	"github.com/joho/godotenv"
	"k8s.io/klog/v2"
)

// Main runs flanneld until SIGINT/SIGTERM and returns the exit code.
func Main(args []string) int {
	o, err := parseFlags(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, "flanneld:", err)
		return 2
	}
	if o.version {
		fmt.Println(version.Version)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil && !errors.Is(err, context.Canceled) {
		klog.Errorf("flanneld: %v", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, o *options) error {
	// The subnet manager finds its node from NODE_NAME (or POD_NAME/POD_NAMESPACE), as upstream.
	sm, err := kube.NewSubnetManager(ctx, o.kubeAPIURL, o.kubeConfigFile, o.kubeAnnotationPrefix, o.netConfPath, o.setNodeNetworkUnavailable)
	if err != nil {
		return fmt.Errorf("creating the kube subnet manager: %w", err)
	}
	config, err := waitNetworkConfig(ctx, sm)
	if err != nil {
		return err
	}
	extIface, err := findExternalInterface(ctx, sm, o, config)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	be, err := backend.NewManager(ctx, sm, extIface).GetBackend(config.BackendType)
	if err != nil {
		return fmt.Errorf("backend %q (vxlan and host-gw are built in): %w", config.BackendType, err)
	}
	bn, err := registerNetwork(ctx, be, &wg, config)
	if err != nil {
		return fmt.Errorf("registering the network: %w", err)
	}
	if err := setupTraffic(ctx, o, config, bn.Lease()); err != nil {
		return err
	}
	if err := sm.HandleSubnetFile(o.subnetFile, config, o.ipMasq, bn.Lease().Subnet, bn.Lease().IPv6Subnet, bn.MTU()); err != nil {
		return fmt.Errorf("writing %s: %w", o.subnetFile, err)
	}
	klog.Infof("flanneld: wrote %s; running the %s backend", o.subnetFile, config.BackendType)
	wg.Add(1)
	go func() { defer wg.Done(); bn.Run(ctx) }()
	if err := sm.CompleteLease(ctx, bn.Lease(), &wg); err != nil {
		return fmt.Errorf("lease: %w", err)
	}
	<-ctx.Done()
	return nil
}

// waitNetworkConfig retries: the node's podCIDR and the net-conf may appear after we start.
func waitNetworkConfig(ctx context.Context, sm subnet.Manager) (*subnet.Config, error) {
	for {
		config, err := sm.GetNetworkConfig(ctx)
		if err == nil {
			return config, nil
		}
		klog.Errorf("flanneld: network config not ready: %v", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// registerNetwork retries until the node has its lease. Upstream flanneld exits when its Node is
// not registered within 30 s or has no podCIDR yet, and its pod is restarted; on a starting node
// (the kubelet registers the Node, the controller-manager then assigns the CIDR) that costs a
// process start and the supervisor's backoff each time: three restarts, 170 s, under QEMU TCG.
// The vxlan and host-gw backends set up their device idempotently, so retrying in-process is what
// a restart would do.
func registerNetwork(ctx context.Context, be backend.Backend, wg *sync.WaitGroup, config *subnet.Config) (backend.Network, error) {
	for {
		bn, err := be.RegisterNetwork(ctx, wg, config)
		if err == nil {
			return bn, nil
		}
		klog.Errorf("flanneld: registering the network (retrying): %v", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

func findExternalInterface(ctx context.Context, sm subnet.Manager, o *options, config *subnet.Config) (*backend.ExternalInterface, error) {
	ipStack, err := ipmatch.GetIPFamily(config.EnableIPv4, config.EnableIPv6)
	if err != nil {
		return nil, err
	}
	// A public IP annotated on the node wins over the flag, as upstream.
	if v4, v6 := sm.GetStoredPublicIP(ctx); v4 != "" || v6 != "" {
		if v4 != "" {
			o.publicIP = v4
		}
		if v6 != "" {
			o.publicIPv6 = v6
		}
	}
	pub := ipmatch.PublicIPOpts{PublicIP: o.publicIP, PublicIPv6: o.publicIPv6}
	if len(o.ifaces) == 0 {
		target := o.publicIP
		if target == "" {
			target = o.publicIPv6
		}
		return ipmatch.LookupExtIface(target, "", "", ipStack, pub)
	}
	for _, iface := range o.ifaces {
		if ext, err := ipmatch.LookupExtIface(iface, "", "", ipStack, pub); err == nil && ext != nil {
			return ext, nil
		}
	}
	return nil, fmt.Errorf("no interface matches --iface %v", []string(o.ifaces))
}

func setupTraffic(ctx context.Context, o *options, config *subnet.Config, l *lease.Lease) error {
	tm := &iptables.IPTablesManager{}
	if err := tm.Init(ctx); err != nil {
		return fmt.Errorf("iptables: %w", err)
	}
	if o.ipMasq {
		// The previous subnet and network let flannel replace stale rules after a restart.
		prevNet, prevSub := readSubnetFile(o.subnetFile, "FLANNEL_NETWORK"), readSubnetFile(o.subnetFile, "FLANNEL_SUBNET")
		if err := tm.SetupAndEnsureMasqRules(ctx, config.Network, prevSub, prevNet,
			config.IPv6Network, ip.IP6Net{}, ip.IP6Net{}, l, o.iptablesResyncSeconds, o.ipMasqRandomFullyDisable); err != nil {
			return fmt.Errorf("masquerade rules: %w", err)
		}
	}
	if o.iptablesForwardRules {
		tm.SetupAndEnsureForwardRules(ctx, config.Network, config.IPv6Network, o.iptablesResyncSeconds)
	}
	return nil
}

// readSubnetFile reads one IPv4 CIDR from a previous subnet.env; zero when absent or unreadable.
func readSubnetFile(path, key string) ip.IP4Net {
	vals, err := godotenv.Read(path)
	if err != nil {
		return ip.IP4Net{}
	}
	_, cidr, err := net.ParseCIDR(vals[key])
	if err != nil {
		return ip.IP4Net{}
	}
	return ip.FromIPNet(cidr)
}
