package faulttest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binDir holds the followupd binary built for this test binary.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "followupd-faulttest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var build struct {
	once sync.Once
	path string
	err  error
}

// daemonBinary builds ./cmd/followupd once (with -race when the tests run
// with -race) and returns its path.
func daemonBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			build.err = fmt.Errorf("the go tool is not on PATH: %w", err)
			return
		}
		out := filepath.Join(binDir, "followupd")
		args := []string{"build", "-o", out}
		if raceEnabled {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool, append(args, "github.com/followupd/followupd/cmd/followupd")...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("go build ./cmd/followupd: %v\n%s", err, msg)
			return
		}
		build.path = out
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// proc is one `followupd run` process. Its stderr (JSON logs) is appended
// to the environment's log file.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // the exit status; read after done is closed
}

// start runs the daemon on the environment's config. The process is
// killed and waited for at cleanup, if it is still running.
func (e *env) start() *proc {
	e.t.Helper()
	bin := daemonBinary(e.t)
	f, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close() // the child has its own descriptor
	cmd := exec.Command(bin, "run", "-config", e.cfgPath, "-log-format", "json")
	cmd.Dir = e.dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		e.t.Fatalf("start followupd: %v", err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	e.t.Cleanup(p.kill)
	return p
}

// kill sends SIGKILL (a crash: nothing runs after it) and waits for the
// process to be gone.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// exited reports whether the process has ended on its own.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop asks the daemon to stop (SIGTERM) and waits, bounded, for it to
// exit; it returns the exit error (nil for status 0).
func (p *proc) stop(bound time.Duration) error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(bound):
		p.kill()
		return errors.New("followupd did not exit within " + bound.String() + " of SIGTERM; killed")
	}
}
