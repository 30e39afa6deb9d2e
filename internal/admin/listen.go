package admin

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// checkListen returns an error when listen is not host:port, or when its
// host is not a loopback address and allowRemote is false. "localhost",
// 127.0.0.0/8 and ::1 are loopback; an empty host and the unspecified
// addresses (0.0.0.0, ::) listen on every interface and are not. Other
// host names are not resolved and count as remote.
func checkListen(listen string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("admin listen %q: %w", listen, err)
	}
	if allowRemote || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("admin listen %q is not a loopback address: /healthz and /metrics have no authentication; "+
		"listen on 127.0.0.1 or ::1, or set [admin] allow_remote = true", listen)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
