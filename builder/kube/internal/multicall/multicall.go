// Package multicall dispatches a multi-call binary (the busybox/hyperkube pattern): the command is
// chosen from the name the binary was started as (a symlink kubelet -> k3os-kube), or, when started
// under its own or an unknown name, from the first argument (k3os-kube kubelet --version).
package multicall

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Binary describes one multi-call binary.
type Binary struct {
	// Self is the binary's own name.
	Self string
	// Noun is what its commands are called in messages: "command", "plugin".
	Noun string
	// Usage follows "usage: SELF " on the usage line.
	Usage string
	// Version is the line `SELF --version` prints.
	Version string
	// Commands run one upstream command with os.Args[0] already set to its name; each returns
	// the process exit code.
	Commands map[string]func() int
}

// Main runs the chosen command and exits with its code; wrong usage exits 2.
func (b Binary) Main() {
	name := filepath.Base(os.Args[0])
	if _, ok := b.Commands[name]; !ok {
		if len(os.Args) < 2 || os.Args[1] == "--help" || os.Args[1] == "-h" {
			b.printUsage()
			os.Exit(2)
		}
		if os.Args[1] == "--version" || os.Args[1] == "version" {
			fmt.Println(b.Version)
			return
		}
		name = os.Args[1]
		os.Args = os.Args[1:]
	}
	run, ok := b.Commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: unknown %s %q\n", b.Self, b.Noun, name)
		b.printUsage()
		os.Exit(2)
	}
	// Upstream commands print their own name from os.Args[0] and parse os.Args[1:].
	os.Args[0] = name
	os.Exit(run())
}

func (b Binary) printUsage() {
	names := make([]string, 0, len(b.Commands))
	for n := range b.Commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "usage: %s %s\n%ss: %s\n", b.Self, b.Usage, b.Noun, strings.Join(names, " "))
}
