//go:build race

package faulttest

// raceEnabled: the test binary is built with -race, so the daemon is too
// (which also reuses the race-built packages in the build cache).
const raceEnabled = true
