package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/daemon"
)

// daemonConf is one followupd configuration for a measurement; each gets
// its own directory, database and log.
type daemonConf struct {
	dir       string
	imapAddr  string
	smtpAddr  string
	mailbox   string
	thankYou  string // the thank-you's delay: "0s" sends at once, "1d" plans only
	saveSent  bool
	inprocess bool // run the daemon in this process (for -cpuprofile), not as a child
	conns     int  // smtp.connections; 0: followupd's default
}

// connections is the smtp.connections the daemon runs with.
func (dc daemonConf) connections() int {
	if dc.conns > 0 {
		return dc.conns
	}
	return config.Default().SMTP.Connections
}

func (dc daemonConf) dbPath() string  { return filepath.Join(dc.dir, "followupd.db") }
func (dc daemonConf) cfgPath() string { return filepath.Join(dc.dir, "followupd.toml") }
func (dc daemonConf) logPath() string { return filepath.Join(dc.dir, "followupd.log") }

// write writes the config: no rate limit, no min_gap, no send hours, no
// daily cap and no digest, so nothing but the work measured holds a
// follow-up back.
func (dc daemonConf) write() error {
	if err := os.MkdirAll(dc.dir, 0o700); err != nil {
		return err
	}
	src := fmt.Sprintf(`# written by followupd-bench
[business]
name = "Acme Bikes"
owner_name = "Pam"
owner_email = "owner@example.test"
timezone = "UTC"
min_gap = "0s"
daily_cap = 0

[imap]
address = %q
security = "none"
username = %q
password = %q
mailbox = %q
timeout = "30s"

[smtp]
address = %q
security = "none"
from = "Pam at Acme Bikes <shop@example.test>"
helo = "bench.example.test"
connections = %d
save_sent = %t
sent_mailbox = "Sent"

[store]
path = "followupd.db"

[trust]
authserv_ids = ["mx.bench.example.test"]
# The benchmark measures volume: the limits that hold an attack are off.
new_recipients_per_hour = 0
owner_alerts_per_hour = 0

[digest]
time = ""

[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = %q, template = "thank-you" },
  { after = "3d", template = "check-in" },
]

[[sequence]]
name = "complaint"
on = "complaint"
steps = [
  { after = %q, template = "apology" },
]
`, dc.imapAddr, imapUser, imapPass, dc.mailbox, dc.smtpAddr, dc.connections(), dc.saveSent, dc.thankYou, dc.thankYou)
	return os.WriteFile(dc.cfgPath(), []byte(src), 0o600)
}

// proc is a running daemon.
type proc struct {
	pid     int // 0 when in-process
	done    chan struct{}
	waitErr error
	cpu     time.Duration // user+system time of the child, once done; 0 in-process
	stopFn  func() error
	log     string
}

// startDaemon starts followupd for dc: `bin run -config` as a child
// process, or daemon.Run in this process when dc.inprocess.
func startDaemon(bin string, dc daemonConf) (*proc, error) {
	if dc.inprocess {
		return startInProcess(dc)
	}
	logf, err := os.Create(dc.logPath())
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, "run", "-config", dc.cfgPath())
	cmd.Dir = dc.dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start followupd: %w", err)
	}
	p := &proc{pid: cmd.Process.Pid, done: make(chan struct{}), log: dc.logPath()}
	go func() {
		p.waitErr = cmd.Wait()
		if ps := cmd.ProcessState; ps != nil {
			p.cpu = ps.UserTime() + ps.SystemTime()
		}
		close(p.done)
	}()
	p.stopFn = func() error {
		select {
		case <-p.done:
			return nil
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
			return nil
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-p.done
			return errors.New("followupd did not stop within 20s of SIGTERM: killed")
		}
	}
	return p, nil
}

func startInProcess(dc daemonConf) (*proc, error) {
	cfg, err := config.Load(dc.cfgPath())
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(dc.logPath())
	if err != nil {
		return nil, err
	}
	d, err := daemon.New(context.Background(), cfg, daemon.Options{Log: slog.New(slog.NewTextHandler(logf, nil))})
	if err != nil {
		logf.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &proc{done: make(chan struct{}), log: dc.logPath()}
	go func() {
		p.waitErr = d.Run(ctx)
		close(p.done)
	}()
	p.stopFn = func() error {
		cancel()
		defer logf.Close()
		select {
		case <-p.done:
			return d.Close()
		case <-time.After(20 * time.Second):
			return errors.New("the in-process daemon did not stop within 20s")
		}
	}
	return p, nil
}

// stop stops the daemon (SIGTERM, then SIGKILL after 20 s); it is safe to
// call twice.
func (p *proc) stop() error {
	if p.stopFn == nil {
		return nil
	}
	err := p.stopFn()
	p.stopFn = nil
	return err
}

// exited returns an error if the daemon has stopped by itself.
func (p *proc) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("followupd exited early (%v); log:\n%s", p.waitErr, tail(p.log, 15))
	default:
		return nil
	}
}

// peakRSS returns the child's VmHWM (peak resident set) in bytes; -1
// when the daemon runs in-process.
func (p *proc) peakRSS() (int64, error) {
	if p.pid == 0 {
		return -1, nil
	}
	f, err := os.Open("/proc/" + strconv.Itoa(p.pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("read peak RSS: no VmHWM in /proc/PID/status")
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// buildFollowupd builds ./cmd/followupd of the module at root into dir.
func buildFollowupd(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "followupd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/followupd")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/followupd: %w\n%s", err, out)
	}
	return bin, nil
}

// moduleRoot returns the directory of the go.mod that holds this command.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run followupd-bench from inside the followupd module (or pass -followupd BINARY)")
	}
	return filepath.Dir(mod), nil
}
