//go:build linux

package main

import "syscall"

// childAttr kills the daemon if the benchmark dies (Pdeathsig), so no
// process outlives a crashed or killed run.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
