package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// The tests here run the command line as a user does: in-process through
// Main for the one-shot commands, and as a real subprocess for "run", so
// that signals, exit codes and stderr are the real ones. The mail servers
// always live in the test process, on 127.0.0.1.

var binDir string // where TestMain's temp dir holds the built binary

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "followupd-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
	buildOut  []byte
)

// binary builds followupd from this package once per test binary run (with
// the race detector when the tests have it) and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "followupd")
	buildOnce.Do(func() {
		args := []string{"build", "-o", bin}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool(), append(args, ".")...)
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return bin
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// cli runs Main in-process and returns what it printed and its exit code.
func cli(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// cliOK runs Main and fails the test unless it exits 0.
func cliOK(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, code := cli(t, args...)
	if code != 0 {
		t.Fatalf("followupd %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// cliJSON runs Main, wants exit 0, and decodes stdout into v.
func cliJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := cliOK(t, args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("followupd %s: stdout is not one JSON value: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// syncBuffer collects a process's stderr and lets a test wait for a line.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitLine waits (bounded) until a line after the first `after` bytes
// contains every one of subs, and returns that line and the offset just
// past it.
func (b *syncBuffer) waitLine(t *testing.T, after int, subs ...string) (string, int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := b.String()
		off := after
		for _, line := range strings.SplitAfter(s[after:], "\n") {
			off += len(line)
			if !strings.HasSuffix(line, "\n") {
				break // not complete yet
			}
			if containsAll(line, subs) {
				return line, off
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q appeared; log:\n%s", subs, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// mailEnv is an in-process IMAP server, an SMTP capture and a directory
// for a config, a database and templates.
type mailEnv struct {
	t        *testing.T
	dir      string
	imap     *testserver.IMAP // nil when imapAddr is a Dovecot
	imapAddr string
	appendFn func(raw []byte) error
	smtp     *testserver.SMTP
	pass     string
}

func newMailEnv(t *testing.T, imapPass string) *mailEnv {
	t.Helper()
	if imapPass == "" {
		imapPass = "secret"
	}
	im, err := testserver.StartIMAP("shop@example.test", imapPass)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { im.Close() })
	e := &mailEnv{t: t, dir: t.TempDir(), imap: im, imapAddr: im.Addr(), pass: imapPass,
		appendFn: func(raw []byte) error { _, err := im.Append("INBOX", raw); return err }}
	e.startSMTP()
	return e
}

// newDovecotEnv is newMailEnv with a real Dovecot for IMAP; it skips the
// test when Dovecot is not installed.
func newDovecotEnv(t *testing.T, imapPass string) *mailEnv {
	t.Helper()
	if !testserver.DovecotAvailable() {
		testserver.Unavailable(t, "dovecot is not installed")
	}
	d, err := testserver.StartDovecot(t.TempDir(), "shop@example.test", imapPass)
	if err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Logf("close dovecot: %v\n%s", err, d.LogTail())
		}
	})
	e := &mailEnv{t: t, dir: t.TempDir(), imapAddr: d.Addr(), pass: imapPass,
		appendFn: func(raw []byte) error { return d.Append("INBOX", raw) }}
	e.startSMTP()
	return e
}

func (e *mailEnv) startSMTP() {
	sm, err := testserver.StartSMTP()
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { sm.Close() })
	e.smtp = sm
}

// deliver appends a message to the INBOX.
func (e *mailEnv) deliver(raw []byte) {
	e.t.Helper()
	if err := e.appendFn(raw); err != nil {
		e.t.Fatalf("append: %v", err)
	}
}

// waitSent waits (bounded) for at least n captured messages.
func (e *mailEnv) waitSent(n int) []testserver.Captured {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs, err := e.smtp.Wait(ctx, n)
	if err != nil {
		e.t.Fatalf("waiting for %d message(s) at the SMTP server: %v\n%s", n, err, summary(msgs))
	}
	return msgs
}

// sentTo returns the captured messages to addr.
func (e *mailEnv) sentTo(addr string) []testserver.Captured {
	var out []testserver.Captured
	for _, c := range e.smtp.Messages() {
		for _, to := range c.To {
			if strings.EqualFold(to, addr) {
				out = append(out, c)
			}
		}
	}
	return out
}

func summary(msgs []testserver.Captured) string {
	var b strings.Builder
	for _, c := range msgs {
		subject := ""
		if _, rest, ok := strings.Cut(string(c.Data), "\nSubject: "); ok {
			subject, _, _ = strings.Cut(rest, "\r\n")
		}
		fmt.Fprintf(&b, "  to %v: %s\n", c.To, subject)
	}
	return b.String()
}

// cfg says what goes into a test config besides the servers.
type cfg struct {
	business  string // extra lines in [business]
	imap      string // extra lines in [imap]; default idle_refresh and timeout
	smtp      string // extra lines in [smtp]
	tables    string // extra tables after [store]
	trust     string // extra lines in [trust]
	sequences string // the [[sequence]] tables; default thank-you then check-in
}

const newContactSequence = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "3d", template = "check-in" },
]
`

// writeConfig writes followupd.toml for the env's servers and returns its path.
func (e *mailEnv) writeConfig(c cfg) string {
	e.t.Helper()
	if c.imap == "" {
		c.imap = "idle_refresh = \"1m\"\ntimeout = \"10s\""
	}
	if c.sequences == "" {
		c.sequences = newContactSequence
	}
	src := fmt.Sprintf(`[business]
name = "Acme Bikes"
owner_name = "Pam"
owner_email = "owner@example.test"
timezone = "America/Chicago"
%s

[imap]
address = %q
security = "none"
username = "shop@example.test"
password_env = "FOLLOWUPD_TEST_IMAP_PASSWORD"
%s

[smtp]
address = %q
security = "none"
from = "Pam at Acme Bikes <shop@example.test>"
%s

[store]
path = "followupd.db"

[trust]
authserv_ids = ["mx.example.test"]
%s

%s
%s`, c.business, e.imapAddr, c.imap, e.smtp.Addr(), c.smtp, c.trust, c.tables, c.sequences)
	path := filepath.Join(e.dir, "followupd.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		e.t.Fatal(err)
	}
	return path
}

// writeFile writes name (relative to the env's dir), making directories.
func (e *mailEnv) writeFile(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// customerMail is a plain customer email with CRLF line ends.
var customerMail = testserver.CustomerMail

// fixture reads testdata/name with CRLF line ends, as IMAP serves mail.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// inProcess runs `followupd run` through Main in a goroutine, as the
// binary would, until stop is called (or the test ends).
type inProcess struct {
	stderr *syncBuffer
	stop   func() int
}

func runInProcess(t *testing.T, env map[string]string, args ...string) *inProcess {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{stderr: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- Main(ctx, append([]string{"run"}, args...), &bytes.Buffer{}, p.stderr) }()
	var once sync.Once
	code := -1
	p.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("followupd run did not return 30s after its context was cancelled\n%s", p.stderr)
			}
			t.Logf("followupd run stderr:\n%s", p.stderr)
		})
		return code
	}
	t.Cleanup(func() { p.stop() })
	return p
}

// proc is followupd running as a subprocess.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *syncBuffer
	exited chan struct{}
	err    error // what Wait returned, once exited is closed
}

// startProc starts the built binary with args and the extra environment.
// The process is killed and waited for when the test ends.
func startProc(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{t: t, cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout = p.stderr
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("followupd stderr:\n%s", p.stderr)
		}
	})
	return p
}

func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits up to limit for the process to exit and returns its exit
// code; it fails the test if the process is still running then.
func (p *proc) wait(limit time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		p.t.Fatalf("followupd still running %v later; stderr:\n%s", limit, p.stderr)
		return -1
	}
}

// waitConnected waits until the daemon has selected the mailbox and
// written its checkpoint, so that mail appended from now on is new mail
// (mail already there at the first start is history and gets no answer).
func (p *proc) waitConnected() {
	p.t.Helper()
	p.stderr.waitLine(p.t, 0, "imap connected")
}
