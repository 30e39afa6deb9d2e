package daemon

import "crypto/tls"

// insecureTLS is used only when the owner set insecure_skip_verify.
func insecureTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12} //nolint:gosec // the owner asked for it
}
