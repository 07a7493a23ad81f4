// CoreDNS with only the plugins a k3s node's Corefile uses, plus cheap ones people put in
// coredns-custom overrides. Upstream's main imports core/plugin, which links every plugin and with
// them the AWS, Azure, Google Cloud and Datadog SDKs (`go list -deps`: 1,403 packages; this main:
// 843). Same coremain, so `coredns -version` still prints the module's own version.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	// The plugins of k3s's Corefile (errors health ready kubernetes hosts prometheus forward cache
	// loop reload loadbalance; `import` is the Corefile parser's own).
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"

	// Cheap extras (one to five packages each): what coredns-custom overrides commonly use.
	_ "github.com/coredns/coredns/plugin/acl"
	_ "github.com/coredns/coredns/plugin/any"
	_ "github.com/coredns/coredns/plugin/auto"
	_ "github.com/coredns/coredns/plugin/autopath"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/bufsize"
	_ "github.com/coredns/coredns/plugin/cancel"
	_ "github.com/coredns/coredns/plugin/chaos"
	_ "github.com/coredns/coredns/plugin/debug"
	_ "github.com/coredns/coredns/plugin/dns64"
	_ "github.com/coredns/coredns/plugin/file"
	_ "github.com/coredns/coredns/plugin/header"
	_ "github.com/coredns/coredns/plugin/k8s_external"
	_ "github.com/coredns/coredns/plugin/local"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metadata"
	_ "github.com/coredns/coredns/plugin/minimal"
	_ "github.com/coredns/coredns/plugin/multisocket"
	_ "github.com/coredns/coredns/plugin/nsid"
	_ "github.com/coredns/coredns/plugin/pprof"
	_ "github.com/coredns/coredns/plugin/rewrite"
	_ "github.com/coredns/coredns/plugin/root"
	_ "github.com/coredns/coredns/plugin/secondary"
	_ "github.com/coredns/coredns/plugin/timeouts"
	_ "github.com/coredns/coredns/plugin/transfer"
	_ "github.com/coredns/coredns/plugin/whoami"
)

// directives is upstream's core/dnsserver/zdirectives.go (v1.15.0) restricted to the plugins above,
// in the same order: a plugin sees a query only after every plugin listed before it, so the order
// is behaviour, not style. Left out (with the packages each would add on top of the k3s set):
// trace +230, clouddns +107, dnssec +99, route53 +91, etcd +41, tls +33 (and with it the DoT,
// DoH, DoQ and gRPC servers, useless without certificates), azure +24, template +21, view +21,
// nomad +12, dynupdate +9, geoip +7, sign +5, erratic +5 (`go list -deps`, builder/kube).
var directives = []string{
	"root",
	"metadata",
	"cancel",
	"timeouts",
	"multisocket",
	"reload",
	"nsid",
	"bufsize",
	"bind",
	"debug",
	"ready",
	"health",
	"pprof",
	"prometheus",
	"errors",
	"log",
	"dnstap", // registered by forward, which can send to it
	"local",
	"dns64",
	"any",
	"chaos",
	"loadbalance",
	"rewrite",
	"autopath",
	"acl",
	"cache",
	"header",
	"minimal",
	"transfer",
	"hosts",
	"k8s_external",
	"kubernetes",
	"file",
	"auto",
	"secondary",
	"loop",
	"forward",
	"whoami",
}

func main() {
	// dnsserver reads Directives when the Corefile is parsed, after every init has run.
	dnsserver.Directives = directives
	coremain.Run()
}
