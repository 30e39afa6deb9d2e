package main

import (
	"context"
	"fmt"
	"io"

	"github.com/followupd/followupd/internal/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("demo", stderr)
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	if err := demo.Run(ctx, stdout, demo.Options{}); err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	return 0
}
