package report

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

func TestWriteGroupsKeepsOrder(t *testing.T) {
	groups := make([]*linking.Group, 5*encodeBatch+7)
	var want bytes.Buffer
	for i := range groups {
		groups[i] = &linking.Group{Email: fmt.Sprintf("g%d@x.com", i)}
		fmt.Fprintf(&want, "%d:%s\n", i, groups[i].Email)
	}
	var got bytes.Buffer
	err := writeGroups(&got, groups, func(b []byte, i int, g *linking.Group) []byte {
		return fmt.Appendf(b, "%d:%s\n", i, g.Email)
	})
	if err != nil || got.String() != want.String() {
		t.Fatalf("err %v; output differs (%d bytes, want %d)", err, got.Len(), want.Len())
	}
}

type failAfter struct{ n int }

var errFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, errFull
	}
	return len(p), nil
}

func TestWriteGroupsStopsAtAWriteError(t *testing.T) {
	groups := make([]*linking.Group, 50*encodeBatch)
	for i := range groups {
		groups[i] = &linking.Group{}
	}
	err := writeGroups(&failAfter{n: 2}, groups, func(b []byte, i int, g *linking.Group) []byte { return append(b, 'x') })
	if !errors.Is(err, errFull) {
		t.Fatalf("error %v", err)
	}
	// A failing report writer surfaces from WriteJSON too.
	r := &linking.Report{Version: 1, Groups: groups}
	if err := WriteJSON(&failAfter{n: 0}, r); !errors.Is(err, errFull) {
		t.Errorf("WriteJSON: %v", err)
	}
}
