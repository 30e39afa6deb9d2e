// Package faulttest holds followupd's fault tests (issue 7): the daemon
// runs as a separate process (built from ./cmd/followupd once per test
// binary) against a real Dovecot and an in-process SMTP capture, and the
// tests break things for real: SIGKILL at random moments, IMAP server
// restarts and freezes, an SMTP outage, a UIDVALIDITY change. Afterwards
// they read the SQLite database (read-only) and the SMTP capture and check
// the guarantees: nothing lost, nothing ingested twice, no follow-up sent
// twice, an interrupted send either settled or reported "in doubt".
//
// The tests are skipped when Dovecot is not installed. The package has no
// code outside its tests.
package faulttest
