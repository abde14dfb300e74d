package emulatortest

import (
	"fmt"
	"strings"
)

// FirstDifference is where two multi-line texts (two reports as JSON,
// one line a group) first differ, each line cut to 600 bytes, or how many
// lines each has when one is the start of the other.
func FirstDifference(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			return fmt.Sprintf("line %d:\n got %.600s\nwant %.600s", i+1, gl[i], wl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(gl), len(wl))
}
