package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/termsafe"
)

// An export file in another format than linkdesk reads (a CSV export, a
// JSON array) is a failure (exit 1) that names the file, as the operator
// gave it, and says what it looks like.
func TestScanOfAFileThatIsNoExportNamesTheFile(t *testing.T) {
	t.Setenv("AUTH0_DOMAIN", "") // connections inferred: no tenant needed
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	dir := t.TempDir()
	for name, content := range map[string]string{
		"users.csv":  "user_id,email,email_verified\nauth0|1,a@example.com,true\nauth0|2,b@example.com,false\n",
		"users.json": `[{"user_id": "auth0|1", "email": "a@example.com"},` + "\n" + `{"user_id": "auth0|2", "email": "b@example.com"}]` + "\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"users.csv": path + " is a CSV export", "users.json": path + " is a JSON array"}[name]
		r := runCmd(t, nil, "scan", "--from-export", path)
		if r.code != exitFailure || !strings.Contains(r.errOut, "linkdesk: "+want) || r.out != "" {
			t.Errorf("scan --from-export %s: exit %d, want %q:\n%s%s", name, r.code, want, r.out, r.errOut)
		}
	}
}

// The table says how the tenant was read, as the JSON's "method" does: a
// first scan exports it, the next brings that snapshot up to date and says
// how to export again (tester: the table did not say incremental or full).
func TestScanTableSaysHowTheTenantWasRead(t *testing.T) {
	newWriteEnv(t)
	for _, want := range []string{
		"linkdesk: scanned in full, through a users-export job (",
		"linkdesk: scanned incrementally: the last scan's snapshot brought up to date with what changed since (",
	} {
		r := mustRun(t, "scan")
		if !strings.Contains(r.errOut, want) || !strings.Contains(r.out, "users scanned") {
			t.Errorf("scan says %q, want %q", r.errOut, want)
		}
	}
	if r := mustRun(t, "scan", "--full"); !strings.Contains(r.errOut, "in full") {
		t.Errorf("scan --full says %q", r.errOut)
	}
	if r := mustRun(t, "scan", "--json"); strings.Contains(r.errOut, "scanned") {
		t.Errorf("scan --json says on stderr what its method says: %q", r.errOut)
	}
}

// scan --help says what the CSV does to a phone number, as the CSV writes it.
func TestScanHelpSaysHowTheCSVWritesAPhoneNumber(t *testing.T) {
	help := runCmd(t, nil, "scan", "--help").out
	if phone := termsafe.CSVCell("+14155550100"); !strings.Contains(help, " "+phone+",") || strings.Contains(help, "stay as they are") {
		t.Errorf("scan --help on the CSV, which writes +14155550100 as %s:\n%s", phone, help)
	}
}
