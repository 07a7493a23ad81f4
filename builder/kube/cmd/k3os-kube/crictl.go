package main

// Generated before the build from upstream's `package main` (builder/kube/upstream-mains.ts).
import "k3os/kube/internal/upstream/crictl"

// runCrictl returns only on success: upstream's main exits 1 itself after logging an error.
func runCrictl() int {
	crictl.Main()
	return 0
}
