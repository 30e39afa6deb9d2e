// Command followupd is the follow-up daemon and its command line: it parses
// flags, picks the subcommand and maps outcomes to exit codes. The work is
// done in internal/daemon and the packages it wires together.
//
// Exit codes: 0 success, 1 the command failed (bad config, unreachable
// database, ...), 2 usage error.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"run":        {"run the daemon (the default in a service unit)", cmdRun},
	"demo":       {"play a day of mail against in-process servers and print the timeline", cmdDemo},
	"check":      {"validate the config and templates; exit 1 with file:line messages", cmdCheck},
	"status":     {"counts of customers, messages and follow-ups [-json]", cmdStatus},
	"version":    {"print the version", cmdVersion},
	"inspect":    {"how the daemon would read .eml files (JSON lines), touching nothing", cmdInspect},
	"plan":       {"what .eml files would make followupd send, to whom and when (dry run)", cmdPlan},
	"queue":      {"pending follow-ups with due time, sequence, step and customer [-json]", cmdQueue},
	"customer":   {"one customer's timeline and language; -lang xx sets the language [-json]", cmdCustomer},
	"resolve":    {"resolve a complaint case: followupd resolve EMAIL|CASE", cmdResolve},
	"reclassify": {"correct how a customer's newest message was read: followupd reclassify EMAIL CATEGORY", cmdReclassify},
	"optout":     {"opt an address out for good: followupd optout EMAIL", cmdOptOut},
	"forget":     {"erase everything of an address, at its owner's request: followupd forget EMAIL", cmdForget},
	"cancel":     {"cancel a pending follow-up: followupd cancel ID", cmdCancel},
	"retry":      {"send a failed or in-doubt follow-up again: followupd retry ID", cmdRetry},
	"digest":     {"print today's owner digest", cmdDigest},
	"review":     {"mail kept for the owner: unverified owner mail, forwards whose customer was not found [-json]", cmdReview},
	"approve":    {"apply unverified owner mail as the owner's: followupd approve ID", cmdApprove},
	"preview":    {"render a template's variants: followupd preview [-to EMAIL] TEMPLATE", cmdPreview},
}

func main() {
	os.Exit(Main(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the command line; it is main without the process around it, so
// tests can run it.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "followupd: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: followupd COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nThe config is -config FILE, else $FOLLOWUPD_CONFIG, else ./followupd.toml.")
}

// newFlags returns a flag set that reports errors on stderr and does not exit.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("followupd "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parse parses flags; it allows flags after positional arguments too.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

func cmdVersion(_ context.Context, _ []string, stdout, _ io.Writer) int {
	fmt.Fprintln(stdout, "followupd", version)
	return 0
}
