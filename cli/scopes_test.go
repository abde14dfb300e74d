package cli

import (
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/emulator"
)

// readmeScopes reads the scopes of the README's table under "## Scopes",
// row by row: those of the read-only row; those every row but the optional
// ones lists (read-only included), which the commands need; and those of
// the rows that say they are optional.
func readmeScopes(t *testing.T) (readOnly, needed, optional []string) {
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
		if len(cells) < 4 || !strings.HasPrefix(line, "|") {
			continue
		}
		var found []string
		for _, m := range scope.FindAllStringSubmatch(cells[2], -1) {
			found = append(found, m[1])
		}
		switch use := strings.TrimSpace(cells[1]); {
		case strings.HasPrefix(use, "Optional"):
			optional = append(optional, found...)
			continue
		case strings.HasPrefix(use, "Read-only"):
			readOnly = found
		}
		needed = append(needed, found...)
	}
	if len(readOnly) == 0 || len(needed) == len(readOnly) {
		t.Fatalf("the README's Scopes table lists no read-only or no write scopes: read-only %v, all %v", readOnly, needed)
	}
	// The auth0 CLI's and the Management API's grants below the table ask
	// for every scope of it.
	table := slices.Sorted(slices.Values(append(slices.Clone(needed), optional...)))
	grants := regexp.MustCompile(`--scopes "([^"]*)"|"scope":\[([^\]]*)\]`).FindAllStringSubmatch(section, -1)
	if len(grants) == 0 {
		t.Error("the README's Scopes section shows no grant")
	}
	for _, g := range grants {
		asked := strings.Split(strings.ReplaceAll(g[1]+g[2], `"`, ""), ",")
		if slices.Sort(asked); !slices.Equal(asked, table) {
			t.Errorf("the README's grant %s asks for %v, its table lists %v", g[0], asked, table)
		}
	}
	return readOnly, needed, optional
}

// scopesFixture is the small fixture with roles and organizations to carry
// and give back: Alice's Google account (the secondary of her link) is a
// support agent and a member of Beta; Mike (whose database account is
// deleted, then re-created) an admin and a member of Acme.
func scopesFixture(t *testing.T) string {
	t.Helper()
	return accessFixture(t, map[string]userAccess{
		cmdAliceGoogle: {roles: []string{"rol_support"}, orgs: []string{"org_beta"}},
		cmdMike:        {roles: []string{"rol_admin"}, orgs: []string{"org_acme"}},
	})
}

// undoOf stands, in a command's arguments, for the op_id of the newest
// call of action on user that `linkdesk audit --json` lists as done.
func undoOf(action, user string) string { return "OP_ID(" + action + " " + user + ")" }

var undoOfArg = regexp.MustCompile(`^OP_ID\((\S+) (\S+)\)$`)

// opID reads the op_id undoOf stands for from the audit log ("" when the
// log has no such call done: the command that makes it failed).
func opID(t *testing.T, action, user string) string {
	t.Helper()
	r := runBounded(t, nil, "audit", "--json", "--limit", "0", "--action", action, "--user", user, "--result", "ok")
	if r.code != exitOK {
		t.Fatalf("audit --json: exit %d: %s", r.code, r.errOut)
	}
	first, _, _ := strings.Cut(r.out, "\n")
	var rec struct {
		OpID string `json:"op_id"`
	}
	if first != "" {
		if err := json.Unmarshal([]byte(first), &rec); err != nil {
			t.Fatalf("audit --json: %v: %s", err, first)
		}
	}
	return rec.OpID
}

// askedFor is the scopes a tenant's insufficient_scope error says it
// expected ("Insufficient scope, expected any of: a,b").
var askedFor = regexp.MustCompile(`expected any of: ([a-z_:,]+)`)

// logFailed lists the commands that failed and the scopes they asked for.
func logFailed(t *testing.T, title string, failed map[string][]string) {
	t.Helper()
	var b strings.Builder
	for _, name := range slices.Sorted(maps.Keys(failed)) {
		b.WriteString("\n    " + name + ": " + strings.Join(failed[name], " or "))
	}
	t.Logf("%s, these fail:%s", title, b.String())
}

// TestReadmeScopesAreExactlyWhatTheCommandsNeed runs the commands against
// a sandbox tenant that grants only the scopes the README lists: they are
// enough, and without any one of them some command fails asking for it.
// The optional scope (read:logs) is what lets a scan bring the last one up
// to date instead of exporting the tenant again.
func TestReadmeScopesAreExactlyWhatTheCommandsNeed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a tenant per scope")
	}
	readOnly, needed, optional := readmeScopes(t)
	type command struct {
		args  []string
		needs string // a listed scope it fails without, asking for it
	}
	reads := []command{
		{[]string{"scan"}, "read:users"},
		{[]string{"plan", "--out", "-"}, "read:connections"},
		{[]string{"scan", "--email", "alice.nguyen@gmail.com"}, ""},
		{[]string{"link", cmdAliceDB, cmdAliceGoogle}, ""}, // a dry run reads, roles and organizations too
		{[]string{"show", "alice.nguyen@gmail.com"}, ""},
		{[]string{"show", cmdMike, "--json"}, ""},
	}
	fixes := []command{
		// Google's role and membership go over to the database account, its metadata is merged, then the link.
		{[]string{"link", cmdAliceDB, cmdAliceGoogle, "--force"}, "create:organization_members"},
		{[]string{"unlink", cmdSam, "google-oauth2", "101202303404505606707", "--force"}, "update:users"},
		{[]string{"delete", "samlp|acme-corp|John.Doe@Acme.com", "--force"}, "delete:users"},
		{[]string{"ticket", cmdAliceDB, "--force"}, "create:user_tickets"},
		{[]string{"verify-email", cmdMariaDB, "--force"}, ""},
		// The undo of the link takes the carried role and membership back.
		{[]string{"undo", undoOf("link", cmdAliceGoogle), "--force"}, "delete:organization_members"},
		// The undo of a deletion re-creates the account, its role and membership.
		{[]string{"delete", cmdMike, "--force"}, ""},
		{[]string{"undo", undoOf("delete", cmdMike), "--force"}, "create:users"},
	}
	fixture := scopesFixture(t)
	// run runs the commands in order on a fresh tenant that grants only
	// these scopes. A command fails with the scopes its error asks for; one
	// that fails otherwise, or mentions a scope it lacked and carries on,
	// is an error of the test.
	run := func(granted []string, commands []command) (failed map[string][]string) {
		t.Helper()
		newWriteEnvFrom(t, fixture, emulator.Options{Rate: -1, Scopes: granted})
		failed = map[string][]string{}
		for _, c := range commands {
			args := slices.Clone(c.args)
			name := strings.Join(args, " ")
			for i, a := range args {
				if m := undoOfArg.FindStringSubmatch(a); m != nil {
					if args[i] = opID(t, m[1], m[2]); args[i] == "" {
						failed[name] = []string{"nothing to undo: " + m[1] + " failed"}
					}
				}
			}
			if failed[name] != nil {
				continue
			}
			r := runBounded(t, nil, args...)
			asked := askedFor.FindStringSubmatch(r.errOut)
			switch {
			case r.code != exitOK && asked != nil:
				failed[name] = strings.Split(asked[1], ",")
			case r.code != exitOK:
				t.Errorf("%q with %v: exit %d: %s", args, granted, r.code, r.errOut)
				failed[name] = []string{"?"}
			case strings.Contains(r.out+r.errOut, "insufficient_scope"):
				t.Errorf("%q with %v succeeds without a scope it asked for:\n%s%s", args, granted, r.out, r.errOut)
				failed[name] = []string{"?"}
			}
		}
		return failed
	}
	all := append(slices.Clone(reads), fixes...)
	if failed := run(readOnly, reads); len(failed) > 0 {
		t.Errorf("read-only commands fail with only %v: %v", readOnly, failed)
	}
	if failed := run(needed, all); len(failed) > 0 {
		t.Errorf("commands fail with %v: %v", needed, failed)
	}
	// Each needed scope is needed: without it, some command fails asking
	// for it, the one that says it needs it among them.
	for _, s := range needed {
		granted := slices.DeleteFunc(slices.Clone(needed), func(g string) bool { return g == s })
		failed := run(granted, all)
		logFailed(t, "without "+s, failed)
		proof := slices.IndexFunc(all, func(c command) bool { return c.needs == s })
		switch {
		case !slices.ContainsFunc(slices.Collect(maps.Values(failed)), func(asked []string) bool { return slices.Contains(asked, s) }):
			t.Errorf("without %s every command still works: the README asks for a scope linkdesk does not need", s)
		case proof < 0:
			t.Errorf("no command here says it needs %s, which some do", s)
		case !slices.Contains(failed[strings.Join(all[proof].args, " ")], s):
			t.Errorf("without %s, %q, which says it needs it, does not fail asking for it", s, all[proof].args)
		}
	}

	// The optional scope: with it a second scan brings the first one's
	// snapshot up to date from the tenant's log; without it, it exports the
	// tenant again (the commands above work either way).
	if !slices.Equal(optional, []string{"read:logs"}) {
		t.Fatalf("the README's optional scopes are %v; this test knows what read:logs is for, and nothing else", optional)
	}
	secondScan := func(granted []string) string {
		t.Helper()
		newWriteEnvFrom(t, fixture, emulator.Options{Rate: -1, Scopes: granted})
		var method string
		for range 2 {
			r := runBounded(t, nil, "scan", "--json")
			var rep struct {
				Method string `json:"method"`
			}
			if r.code != exitOK || json.Unmarshal([]byte(r.out), &rep) != nil {
				t.Fatalf("scan --json with %v: exit %d: %s", granted, r.code, r.errOut)
			}
			method = rep.Method
		}
		return method
	}
	with, without := secondScan(append(slices.Clone(needed), optional...)), secondScan(needed)
	t.Logf("a second scan with %v: %s; without: %s", optional, with, without)
	if with != "incremental" {
		t.Errorf("with %v a second scan reads the tenant by %q, not incrementally", optional, with)
	}
	if without != "export" {
		t.Errorf("without %v a second scan reads the tenant by %q, not by an export", optional, without)
	}
}

// An undo is refused whole when a call of any of its operations needs a
// scope the token lacks: the undo of a link that carried a membership over,
// without delete:organization_members, leaves the link as it is rather than
// unlink and keep the membership carried.
func TestAnUndoLackingAScopeIsRefusedBeforeItsFirstWrite(t *testing.T) {
	_, needed, _ := readmeScopes(t)
	granted := slices.DeleteFunc(slices.Clone(needed), func(s string) bool { return s == "delete:organization_members" })
	e := newWriteEnvFrom(t, scopesFixture(t), emulator.Options{Rate: -1, Scopes: granted})
	mustRun(t, "link", cmdAliceDB, cmdAliceGoogle, "--force")
	writes := e.userWrites()
	r := runCmd(t, nil, "undo", e.opIDOf("link"), "--force")
	if r.code != exitRefused || !strings.Contains(r.errOut, "missing_scope") || !strings.Contains(r.errOut, "expected any of: delete:organization_members") {
		t.Fatalf("undo without delete:organization_members: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if e.userWrites() != writes || e.exists(cmdAliceGoogle) {
		t.Errorf("the refused undo wrote to the tenant (%d writes; alice's Google account is back: %v)", e.userWrites()-writes, e.exists(cmdAliceGoogle))
	}
}

// The dry run says, before any --force, that the token lacks a scope the
// write needs: the write would be refused.
func TestADryRunSaysAScopeTheTokenLacks(t *testing.T) {
	_, needed, _ := readmeScopes(t)
	granted := slices.DeleteFunc(slices.Clone(needed), func(s string) bool { return s == "update:users" })
	newWriteEnvFrom(t, scopesFixture(t), emulator.Options{Rate: -1, Scopes: granted})
	r := runCmd(t, nil, "link", cmdAliceDB, cmdAliceGoogle)
	if r.code != exitOK || !strings.Contains(r.errOut, "the access token lacks a scope these calls need (expected any of: update:users") {
		t.Fatalf("the link's dry run without update:users: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// apply's dry run, which checks the steps left, says a scope the token
// lacks once: as the refusal of the step that needs it (missing_scope,
// exit 3), which names the step and what to do; it said it a second time
// in a note before it.
func TestAnApplyDryRunSaysAScopeTheTokenLacksOnce(t *testing.T) {
	_, needed, _ := readmeScopes(t)
	granted := slices.DeleteFunc(slices.Clone(needed), func(s string) bool { return s == "update:users" })
	newWriteEnvFrom(t, scopesFixture(t), emulator.Options{Rate: -1, Scopes: granted})
	plan := alicesPlan(t)
	for _, args := range [][]string{{"apply", plan}, {"apply", plan, "--json"}} {
		r := runCmd(t, nil, args...)
		if r.code != exitRefused || !strings.Contains(r.out, "refused (missing_scope)") && !strings.Contains(r.out, `"check": "missing_scope"`) {
			t.Fatalf("%v without update:users: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
		if n := strings.Count(r.out+r.errOut, "lacks a scope"); n != 2 { // the step refused, and why the dry run exits 3
			t.Errorf("%v says %d times that the token lacks a scope, want it said once, with the step refused, and on stderr why it exits 3:\n%s%s", args, n, r.out, r.errOut)
		}
		if strings.Contains(r.errOut, "Note: the access token lacks") {
			t.Errorf("%v says the scope in a note as well:\n%s", args, r.errOut)
		}
	}
}
