package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/daemon"
)

// inspectorFor loads the config if one is given or found; without one,
// inspect still works with the built-in rules.
func inspectorFor(cfgPath string, stderr io.Writer, need bool) (*daemon.Inspector, *config.Config, bool) {
	path := config.Find(cfgPath)
	var cfg *config.Config
	if _, err := os.Stat(path); err == nil || cfgPath != "" || need {
		c, ok := loadOffline(cfgPath, stderr)
		if !ok {
			return nil, nil, false
		}
		cfg = c
	}
	ins, err := daemon.NewInspector(cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	return ins, cfg, true
}

func cmdInspect(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("inspect", stderr)
	cfgPath := fs.String("config", "", "config file (optional: without one, the built-in rules and any sender's forwards)")
	files, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "usage: followupd inspect [-config FILE] FILE.eml...")
		return 2
	}
	ins, _, ok := inspectorFor(*cfgPath, stderr, false)
	if !ok {
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	now := time.Now()
	for _, f := range files {
		enc.Encode(ins.Inspect(f, now))
	}
	return 0
}

func cmdPlan(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("plan", stderr)
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "one JSON object per file")
	files, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "usage: followupd plan [-config FILE] [-json] FILE.eml...")
		return 2
	}
	ins, _, ok := inspectorFor(*cfgPath, stderr, true)
	if !ok {
		return 1
	}
	now := time.Now()
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	for _, f := range files {
		p := ins.Plan(f, now)
		if *asJSON {
			enc.Encode(p)
			continue
		}
		fmt.Fprintf(stdout, "%s: %s from %s <%s>, %s", f, p.Kind, p.Customer.Name, p.Customer.Email, p.Category)
		if p.Unsure {
			fmt.Fprint(stdout, ", unsure")
		}
		if p.Rule != "" {
			fmt.Fprintf(stdout, " (%s)", p.Rule)
		}
		if p.Language != "" {
			fmt.Fprintf(stdout, ", in %s", p.Language.Name())
		}
		if len(p.Tags) > 0 {
			fmt.Fprintf(stdout, " tags %s", strings.Join(p.Tags, " "))
		}
		fmt.Fprintln(stdout)
		for _, e := range p.Evidence {
			fmt.Fprintf(stdout, "  evidence: %s\n", e)
		}
		if v := p.Owner; v != nil {
			if v.Verified {
				fmt.Fprintf(stdout, "  owner mail, verified: %s\n", v.By)
			} else {
				fmt.Fprintf(stdout, "  owner mail, NOT verified (it would be %s): %s\n", p.Would, v.Why)
			}
			if len(v.IDs) > 0 {
				fmt.Fprintf(stdout, "  Authentication-Results ids, topmost first: %s\n", strings.Join(v.IDs, ", "))
			}
		}
		switch {
		case p.Error != "":
			fmt.Fprintf(stdout, "  error: %s\n", p.Error)
		case p.Skip != "" && len(p.Sends) == 0:
			fmt.Fprintf(stdout, "  nothing would be sent: %s\n", p.Skip)
		case len(p.Sends) == 0 && len(p.Why) == 0:
			fmt.Fprintf(stdout, "  nothing would be sent: no sequence starts on %q\n", p.Category)
		}
		for _, w := range p.Why {
			fmt.Fprintf(stdout, "  %s\n", w)
		}
		for _, s := range p.Sends {
			fmt.Fprintf(stdout, "  %s\n", s)
		}
	}
	return 0
}
