package testserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// dovecotStartTimeout bounds how long StartDovecot and Restart wait for
// the IMAP greeting.
const dovecotStartTimeout = 10 * time.Second

// Dovecot is a real Dovecot IMAP server running as a child process on
// 127.0.0.1, with one user, INBOX and Sent, its config, maildir and log in
// a directory the caller owns.
type Dovecot struct {
	bin, dir, conf, base string
	user, pass           string
	addr                 string

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil while stopped
	exited chan struct{} // closed when cmd has been waited for
	frozen bool
}

// DovecotAvailable reports whether a dovecot binary is installed.
func DovecotAvailable() bool { return dovecotBinary() != "" }

// StartDovecot writes a config for one user into dir (which must exist and
// which the caller removes) and starts Dovecot in the foreground on a free
// loopback port. It returns once the server sends its IMAP greeting, or an
// error that includes the tail of the Dovecot log.
func StartDovecot(dir, user, pass string) (*Dovecot, error) {
	if user == "" || strings.ContainsAny(user+pass, ":\r\n") {
		return nil, errors.New("dovecot user and password must be non-empty and free of ':' and newlines")
	}
	bin := dovecotBinary()
	if bin == "" {
		return nil, errors.New("dovecot is not installed")
	}
	major, minor, err := dovecotVersion(bin)
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := dovecotParams{Dir: dir, V24: major > 2 || major == 2 && minor >= 4, ConfigVersion: "2.4.0"}
	if err := accounts(&p); err != nil {
		return nil, fmt.Errorf("dovecot accounts: %w", err)
	}
	// Unix sockets live in base_dir; keep its path short (108-byte limit).
	if p.BaseDir, err = os.MkdirTemp("", "fud-dovecot-"); err != nil {
		return nil, err
	}
	if err := os.Chmod(p.BaseDir, 0o755); err != nil { // what Dovecot wants
		os.RemoveAll(p.BaseDir)
		return nil, err
	}
	d := &Dovecot{bin: bin, dir: dir, conf: filepath.Join(dir, "dovecot.conf"), base: p.BaseDir, user: user, pass: pass}
	if err := d.prepare(p); err != nil {
		os.RemoveAll(p.BaseDir)
		return nil, fmt.Errorf("dovecot setup: %w", err)
	}
	// The port is picked by listening on :0 and closing; another process
	// can take it in between, so try a few times.
	for range 3 {
		if p.Port, err = freePort(); err != nil {
			break
		}
		if err = writeDovecotConfig(d.conf, p); err != nil {
			break
		}
		d.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port))
		if err = d.start(); err == nil || !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	if err != nil {
		os.RemoveAll(p.BaseDir)
		return nil, err
	}
	return d, nil
}

func (d *Dovecot) prepare(p dovecotParams) error {
	if err := allowTraverse(d.dir); err != nil {
		return err
	}
	mail := filepath.Join(d.dir, "mail")
	if err := os.MkdirAll(mail, 0o700); err != nil {
		return err
	}
	if err := os.Chown(mail, p.MailUID, p.MailGID); err != nil {
		return err
	}
	line := fmt.Sprintf("%s:{PLAIN}%s\n", d.user, d.pass)
	return os.WriteFile(filepath.Join(d.dir, "passwd"), []byte(line), 0o644)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr returns the IMAP host:port; it does not change on Restart.
func (d *Dovecot) Addr() string { return d.addr }

// Dir returns the directory holding the config, maildir and dovecot.log.
func (d *Dovecot) Dir() string { return d.dir }

// LogTail returns the last lines of dovecot.log.
func (d *Dovecot) LogTail() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func (d *Dovecot) start() error {
	// A master killed by SIGKILL leaves its pid file; if that pid has been
	// reused, Dovecot would refuse to start.
	os.Remove(filepath.Join(d.base, "master.pid"))
	cmd := exec.Command(d.bin, "-F", "-c", d.conf)
	cmd.Dir = d.dir
	out, err := os.OpenFile(filepath.Join(d.dir, "dovecot.stderr"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	// Own process group, so Freeze, Thaw and Close reach every Dovecot
	// process; killed if the test binary dies.
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dovecot: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	d.cmd, d.exited = cmd, exited

	deadline := time.Now().Add(dovecotStartTimeout)
	for {
		if greeted(d.addr) {
			return nil
		}
		select {
		case <-exited:
			d.signal(syscall.SIGKILL) // leftovers of a failed start
			d.reapGroupLocked()
			stderr, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.stderr"))
			return fmt.Errorf("dovecot exited at start (%v): %s\n%s", cmd.ProcessState, strings.TrimSpace(string(stderr)), d.LogTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.killLocked()
			return fmt.Errorf("dovecot did not greet on %s within %v:\n%s", d.addr, dovecotStartTimeout, d.LogTail())
		}
	}
}

// greeted reports whether an IMAP server on addr sends "* OK".
func greeted(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "* OK")
}

// signal sends sig to Dovecot's process group.
func (d *Dovecot) signal(sig syscall.Signal) error {
	if d.cmd == nil {
		return errors.New("dovecot is not running")
	}
	return syscall.Kill(-d.cmd.Process.Pid, sig)
}

// Freeze stops (SIGSTOP) every Dovecot process: connections stay open and
// new ones are accepted by the kernel, but nothing answers until Thaw.
func (d *Dovecot) Freeze() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("freeze dovecot: %w", err)
	}
	d.frozen = true
	return nil
}

// Thaw resumes (SIGCONT) the processes stopped by Freeze.
func (d *Dovecot) Thaw() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.signal(syscall.SIGCONT); err != nil {
		return fmt.Errorf("thaw dovecot: %w", err)
	}
	d.frozen = false
	return nil
}

// Stop shuts Dovecot down, as a server going away: SIGTERM to every
// Dovecot process (SIGKILL after 2 s), which closes every client
// connection, then waits for all of them to exit. The maildir is kept.
func (d *Dovecot) Stop() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopLocked()
}

func (d *Dovecot) stopLocked() error {
	if d.cmd == nil {
		return nil
	}
	if d.frozen {
		d.signal(syscall.SIGCONT)
		d.frozen = false
	}
	// SIGTERM to the whole group: the master alone takes a second or more
	// and leaves imap processes with clients running. The master usually
	// exits within milliseconds, sometimes waits for a child for seconds;
	// after a grace period the group is killed (maildir is crash-safe).
	d.signal(syscall.SIGTERM)
	select {
	case <-d.exited:
		return d.reapGroupLocked()
	case <-time.After(2 * time.Second):
		return d.killLocked()
	}
}

// killLocked SIGKILLs the whole process group and waits for it.
func (d *Dovecot) killLocked() error {
	if d.cmd == nil {
		return nil
	}
	d.signal(syscall.SIGKILL)
	<-d.exited
	return d.reapGroupLocked()
}

// reapGroupLocked ends what the master left behind and forgets the
// command. Dovecot's master exits without waiting for imap processes that
// still have clients, nor for log and stats; they get SIGTERM, then
// SIGKILL, so that no connection survives Stop.
func (d *Dovecot) reapGroupLocked() error {
	pgid := d.cmd.Process.Pid
	d.cmd = nil
	for _, step := range []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{syscall.SIGTERM, 2 * time.Second}, {syscall.SIGKILL, 5 * time.Second}} {
		if !groupAlive(pgid) {
			return nil
		}
		syscall.Kill(-pgid, step.sig)
		for deadline := time.Now().Add(step.grace); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if !groupAlive(pgid) {
				return nil
			}
		}
	}
	return fmt.Errorf("dovecot process group %d survived SIGKILL", pgid)
}

// Restart starts Dovecot again, after Stop, on the same port with the same
// maildir (so UIDs and UIDVALIDITY are kept). A running server is stopped
// first.
func (d *Dovecot) Restart() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.stopLocked(); err != nil {
		return err
	}
	return d.start()
}

// Close stops Dovecot (SIGTERM, then SIGKILL if it does not exit), waits
// for every process and removes the socket directory. The caller's dir is
// left in place.
func (d *Dovecot) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	err := d.stopLocked()
	if rmErr := os.RemoveAll(d.base); err == nil {
		err = rmErr
	}
	return err
}
