package cli

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// readmeScopes reads the scopes of the README's table under "## Scopes":
// those of the read-only row, and those the writes row adds.
func readmeScopes(t *testing.T) (readOnly, writes []string) {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## Scopes\n")
	if !ok {
		t.Fatal("README.md has no Scopes section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	scope := regexp.MustCompile("`([a-z_]+:[a-z_]+)`")
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 {
			continue
		}
		var found []string
		for _, m := range scope.FindAllStringSubmatch(cells[2], -1) {
			found = append(found, m[1])
		}
		switch {
		case strings.HasPrefix(strings.TrimSpace(cells[1]), "Read-only"):
			readOnly = found
		case strings.HasPrefix(strings.TrimSpace(cells[1]), "Writes"):
			writes = found
		}
	}
	if len(readOnly) == 0 || len(writes) == 0 {
		t.Fatalf("the README's Scopes table lists no scopes: read-only %v, writes %v", readOnly, writes)
	}
	return readOnly, writes
}

// TestReadmeScopesAreExactlyWhatTheCommandsNeed runs the commands against
// a sandbox tenant that grants only the scopes the README lists: they are
// enough, and without any one of them some command fails for lack of it.
func TestReadmeScopesAreExactlyWhatTheCommandsNeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a tenant per scope")
	}
	readOnly, writes := readmeScopes(t)
	all := append(slices.Clone(readOnly), writes...)
	type command struct {
		args  []string
		needs string // a scope it needs, among those listed
	}
	reads := []command{
		{[]string{"scan"}, "read:users"},
		{[]string{"plan", "--out", "-"}, "read:connections"},
		{[]string{"scan", "--email", "alice.nguyen@gmail.com"}, ""},
		{[]string{"link", cmdAliceDB, cmdAliceGoogle}, ""}, // a dry run reads
	}
	fixes := []command{
		{[]string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}, "update:users"}, // a merge, then the link
		{[]string{"unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force"}, ""},
		{[]string{"delete", "samlp|acme-corp|John.Doe@Acme.com", "--force"}, "delete:users"},
		{[]string{"ticket", cmdAliceDB, "--force"}, "create:user_tickets"},
	}
	run := func(granted []string, commands []command) (failed map[string]bool) {
		t.Helper()
		newWriteEnvFrom(t, cmdFixture, emulator.Options{Rate: -1, Scopes: granted})
		failed = map[string]bool{}
		for _, c := range commands {
			r := runBounded(t, nil, c.args...)
			if r.code != exitOK {
				if !strings.Contains(r.errOut, "insufficient_scope") {
					t.Errorf("%q with %v: exit %d: %s", c.args, granted, r.code, r.errOut)
				}
				failed[c.needs] = true
				failed[strings.Join(c.args, " ")] = true
			}
		}
		return failed
	}
	if failed := run(readOnly, reads); len(failed) > 0 {
		t.Errorf("read-only commands fail with only %v: %v", readOnly, failed)
	}
	if failed := run(all, append(reads, fixes...)); len(failed) > 0 {
		t.Errorf("commands fail with %v: %v", all, failed)
	}
	// Each listed scope is needed: without it, the command that needs it fails.
	for _, s := range all {
		granted := slices.DeleteFunc(slices.Clone(all), func(g string) bool { return g == s })
		if !run(granted, append(reads, fixes...))[s] {
			t.Errorf("without %s every command still works: the README asks for a scope linkdesk does not need", s)
		}
	}
}
