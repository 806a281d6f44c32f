//go:build race

package migrate_test

// raceEnabled: the race detector slows reads down, so the memory test reads smaller files.
const raceEnabled = true
