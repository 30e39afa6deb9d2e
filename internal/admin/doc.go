// Package admin is followupd's optional admin listener and its metrics.
//
// Metrics holds every Prometheus metric the daemon exports, on a registry
// of its own (nothing is registered globally), together with the standard
// Go runtime and process collectors. Its methods are safe for concurrent
// use and never block on I/O, so the ingest and dispatch loops may call
// them freely. Every label takes a small, bounded set of values: skip
// reasons are folded into a fixed set by SkipLabel, and the other labels
// (message kind, template name, failure kind) come from code or from the
// configuration, never from mail.
//
// Server serves two read-only endpoints and nothing else:
//
//   - GET /healthz answers 200 with a JSON status when the IMAP watcher is
//     connected and its last full mailbox sync is recent enough, and 503
//     with the reasons otherwise;
//   - GET /metrics is the Prometheus text exposition of Metrics.
//
// Every other path is 404. The listener binds only a loopback address
// unless the configuration explicitly allows a remote one ([admin]
// allow_remote), because neither endpoint is authenticated.
package admin
