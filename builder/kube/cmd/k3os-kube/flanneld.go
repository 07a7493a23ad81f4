package main

import (
	"os"

	"k3os/kube/internal/flannel"
)

func runFlanneld() int { return flannel.Main(os.Args[1:]) }
