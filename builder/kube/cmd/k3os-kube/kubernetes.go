package main

import (
	"context"
	"os"
	_ "time/tzdata" // CronJob time zones, as upstream's apiserver and controller-manager mains do

	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"          // the JSON log format, as every upstream main
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as every upstream main
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric, as every upstream main
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"

	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's client auth plugins
)

func runAPIServer() int         { return cli.Run(apiserver.NewAPIServerCommand()) }
func runControllerManager() int { return cli.Run(controllermanager.NewControllerManagerCommand()) }
func runScheduler() int         { return cli.Run(scheduler.NewSchedulerCommand()) }
func runKubelet() int           { return cli.Run(kubelet.NewKubeletCommand(context.Background())) }
func runKubeProxy() int         { return cli.Run(proxy.NewProxyCommand()) }

func runKubectl() int {
	// kubectl sets klog's verbosity before building its command tree (plugins, .kuberc), as upstream.
	_, _ = logs.GlogSetter(cmd.GetLogVerbosity(os.Args))
	if err := cli.RunNoErrOutput(cmd.NewDefaultKubectlCommand()); err != nil {
		util.CheckErr(err) // prints the error the kubectl way and exits non-zero
	}
	return 0
}
