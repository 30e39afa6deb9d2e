// Package testserver runs real mail servers on loopback for tests and for
// the "followupd demo" command.
//
// It offers three servers:
//
//   - IMAP: an in-process go-imap v2 server (imapmemserver) with one user,
//     an INBOX and a Sent mailbox, advertising IDLE and allowing plaintext
//     LOGIN. Append delivers straight into the in-memory store, so clients
//     in IDLE get an untagged EXISTS.
//   - SMTP: an in-process go-smtp server that captures every accepted
//     message and can inject faults (4xx, 5xx, dropped connections, stalls)
//     and per-recipient rejections. StartSMTPTLS adds STARTTLS or
//     implicit TLS with a certificate from a TestCA made at run time;
//     SetAuthMechanisms offers AUTH LOGIN and XOAUTH2 besides PLAIN.
//   - Dovecot: a real Dovecot started as a separate process with its own
//     configuration in a directory the caller owns, for the truth.
//
// Contract: every server listens only on 127.0.0.1. Stop closes the
// listener and every open connection (a server going away); Restart listens
// again on the same port with the same mailbox contents. Close stops the
// server for good and waits for every goroutine and process it started.
// Nothing here imports "testing"; test helpers take the small TB interface,
// which *testing.T satisfies.
package testserver

import (
	"os"
	"path/filepath"
)

// TB is the part of testing.TB the helpers in this package use.
type TB interface {
	Helper()
	Cleanup(func())
	TempDir() string
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
}

// Unavailable skips a test that lacks what it needs (a server, a corpus)
// when run by hand, and fails it when the CI environment variable is
// set: a suite must not pass in CI by not running.
func Unavailable(t TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set: the test must run)", why)
	}
	t.Skip(why)
}

// SharedCorpus returns the folder corpus/sub of the workplace's shared
// material (the real mail the project checks its parsers against, kept
// outside the repository): $FOLLOWUPD_SHARED, else the first "shared"
// folder found beside the working directory or one of its parents. When
// there is none, the test is skipped, or failed in CI (Unavailable).
func SharedCorpus(t TB, sub string) string {
	t.Helper()
	if root := os.Getenv("FOLLOWUPD_SHARED"); root != "" {
		return filepath.Join(root, "corpus", sub)
	}
	dir, err := os.Getwd()
	for err == nil {
		p := filepath.Join(dir, "shared", "corpus", sub)
		if fi, e := os.Stat(p); e == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	Unavailable(t, "no shared corpus folder shared/corpus/"+sub+" beside the repository or above it (or set FOLLOWUPD_SHARED)")
	return ""
}
