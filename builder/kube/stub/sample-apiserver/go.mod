// k8s.io/kubernetes requires k8s.io/sample-apiserver, which the Go module proxy refuses (403).
// Nothing we build imports it; this empty module answers for it so `go list -m all` never asks.
module k8s.io/sample-apiserver

go 1.26
