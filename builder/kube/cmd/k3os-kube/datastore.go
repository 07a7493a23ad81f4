package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	kine "github.com/k3s-io/kine/pkg/app"
	"go.etcd.io/etcd/server/v3/etcdmain"
)

// runEtcd returns only when etcd was asked for help or its version; a server exits the process.
func runEtcd() int {
	etcdmain.Main(os.Args)
	return 0
}

func runKine() int {
	if err := kine.New().Run(os.Args); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "kine:", err)
		return 1
	}
	return 0
}
