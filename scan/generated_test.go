package scan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/client"
	"github.com/linkdesk/linkdesk/emulator/emulatortest"
	"github.com/linkdesk/linkdesk/emulator/gen"
	"github.com/linkdesk/linkdesk/linking"
)

// generatedTenant is gen.Generate's tenant as linkdesk sees it: the
// connections as go-auth0 decodes them, and the users as an NDJSON export.
func generatedTenant(tb testing.TB, users int, seed int64) (*linking.Connections, []byte, int) {
	tb.Helper()
	t := gen.Generate(gen.GenOptions{Users: users, Seed: seed})
	return linking.ConnectionsFromClient(emulatortest.Connections(tb, t)), emulatortest.Export(t), len(t.Users)
}

func TestScanGeneratedTenant(t *testing.T) {
	conns, export, users := generatedTenant(t, 5000, 7)
	s := New(conns, Options{})
	if err := s.ReadExport(bytes.NewReader(export)); err != nil {
		t.Fatal(err)
	}
	r := s.Report(linking.ReportMeta{Method: linking.MethodExport})
	if r.UsersScanned != users || r.SkippedLines != 0 {
		t.Fatalf("users %d of %d, skipped %d: %+v", r.UsersScanned, users, r.SkippedLines, r.LineErrors)
	}
	counts := r.Counts()
	for _, c := range linking.Classes {
		if counts[c] == 0 {
			t.Errorf("no %s group among %d groups: %v", c, len(r.Groups), counts)
		}
	}
	grouped := 0
	missed, linked, caseVariants := 0, 0, 0
	for _, g := range r.Groups {
		grouped += len(g.Accounts)
		if g.MissedByExtension {
			missed++
		}
		for _, a := range g.Accounts {
			if len(a.Linked) > 0 {
				linked++
			}
		}
		for _, reason := range g.Reasons {
			if strings.Contains(reason, "differ only in case") {
				caseVariants++
			}
		}
		if (g.RecommendedPrimary != "") != (g.Class == linking.ClassLinkCandidate || g.Class == linking.ClassNeedsVerification) {
			t.Errorf("%s (%s): recommended primary %q", g.Email, g.Class, g.RecommendedPrimary)
		}
	}
	// About a third of the users are in groups.
	if grouped < users/5 || grouped > users/2 {
		t.Errorf("%d of %d users grouped", grouped, users)
	}
	if missed == 0 || linked == 0 || caseVariants == 0 {
		t.Errorf("missed %d, linked accounts %d, case variants %d: each should occur", missed, linked, caseVariants)
	}

	// The API path (client.User, AccountFromUser, Add) reports the same.
	api := New(conns, Options{})
	for _, line := range bytes.Split(bytes.TrimSuffix(export, []byte("\n")), []byte("\n")) {
		var u client.User
		if err := json.Unmarshal(line, &u); err != nil {
			t.Fatal(err)
		}
		api.Add(linking.AccountFromUser(u, conns))
	}
	if got, want := reportJSON(t, api.Report(linking.ReportMeta{Method: linking.MethodExport})), reportJSON(t, r); got != want {
		t.Errorf("the API path reports differently from the export path")
	}
}
