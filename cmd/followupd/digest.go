package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/daemon"
)

func cmdDigest(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("digest", stderr)
	cfgPath := fs.String("config", "", "config file")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	st, cfg, done, ok := openStoreConfig(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	text, any, err := daemon.DigestText(ctx, st, cfg, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "digest:", err)
		return 1
	}
	fmt.Fprint(stdout, text)
	if !any {
		fmt.Fprintln(stdout, "\n(nothing to say today: the daemon sends no digest on such a day)")
	}
	return 0
}

func cmdPreview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("preview", stderr)
	cfgPath := fs.String("config", "", "config file")
	to := fs.String("to", "", "render with this customer's real data (default: a sample customer)")
	lang := fs.String("lang", "", "the language to render in (default: the customer's, else business.language)")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: followupd preview [-to EMAIL] [-lang xx] TEMPLATE")
		return 2
	}
	l, ok := core.ParseLang(*lang)
	if *lang != "" && !ok {
		fmt.Fprintf(stderr, "-lang %q is not a language code (ISO 639-1, such as de or fr)\n", *lang)
		return 2
	}
	cfg, ok := loadOffline(*cfgPath, stderr)
	if !ok {
		return 1
	}
	out, err := daemon.Preview(ctx, cfg, rest[0], *to, l, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "preview:", err)
		return 1
	}
	fmt.Fprint(stdout, out)
	return 0
}
