//go:build race

package main

// raceEnabled makes the subprocess tests build followupd with -race too.
const raceEnabled = true
