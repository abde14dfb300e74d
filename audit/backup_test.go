package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestBackupWriteRead(t *testing.T) {
	b, err := OpenBackups(filepath.Join(t.TempDir(), "backups"))
	if err != nil {
		t.Fatal(err)
	}
	users := map[string]json.RawMessage{
		"auth0|1":          json.RawMessage(`{"user_id":"auth0|1","email":"a@b.com","user_metadata":{"plan":"gold","html":"<b>&</b>"}}`),
		"google-oauth2|42": json.RawMessage(`{"user_id":"google-oauth2|42","identities":[{"user_id":123456789012345678901}]}`),
	}
	start := time.Now().UTC().Truncate(time.Second)
	path, _, err := b.Write("Patch-Metadata", users, nil, map[string]string{"tenant": "acme", "op_id": "op1"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d{8}T\d{6}Z-patch_metadata-[0-9a-f]{12}\.json$`).MatchString(filepath.Base(path)) || filepath.Dir(path) != b.Dir() {
		t.Errorf("backup path %s", path)
	}
	got, err := ReadBackup(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || got.Action != "Patch-Metadata" || got.CreatedAt.Before(start) || got.Meta["tenant"] != "acme" || len(got.Users) != 2 {
		t.Errorf("backup came back as %+v", got)
	}
	for id, want := range users {
		if !jsonEqual(t, got.Users[id], want) {
			t.Errorf("user %s came back as %s, want %s", id, got.Users[id], want)
		}
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), "123456789012345678901") || !strings.Contains(string(raw), "<b>&</b>") {
		t.Errorf("backup altered the data:\n%s", raw)
	}
	list, err := b.List()
	if err != nil || len(list) != 1 || list[0].Path != path || !slices.Equal(list[0].UserIDs, []string{"auth0|1", "google-oauth2|42"}) ||
		list[0].Action != "Patch-Metadata" || list[0].Size != int64(len(raw)) || list[0].Err != nil {
		t.Errorf("List = %+v, %v", list, err)
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestBackupRefuses(t *testing.T) {
	b, _ := OpenBackups(t.TempDir())
	one := map[string]json.RawMessage{"auth0|1": json.RawMessage(`{}`)}
	for name, call := range map[string]func() error{
		"no action": func() error { _, _, err := b.Write("", one, nil, nil); return err },
		"no users":  func() error { _, _, err := b.Write("delete", nil, nil, nil); return err },
		"invalid JSON": func() error {
			_, _, err := b.Write("delete", map[string]json.RawMessage{"x": json.RawMessage(`{`)}, nil, nil)
			return err
		},
		"empty object": func() error {
			_, _, err := b.Write("delete", map[string]json.RawMessage{"x": nil}, nil, nil)
			return err
		},
	} {
		if call() == nil {
			t.Errorf("%s: Write accepted it", name)
		}
	}
	if entries, _ := os.ReadDir(b.Dir()); len(entries) != 0 {
		t.Errorf("refused writes left files: %v", entries)
	}
}

// The file appears whole or not at all: while it is being written it has a
// temporary name, in the same directory (so the rename is atomic), that List
// does not show; the final name does not exist until the rename.
func TestBackupAtomic(t *testing.T) {
	b, _ := OpenBackups(t.TempDir())
	users := map[string]json.RawMessage{"auth0|1": json.RawMessage(`{"user_id":"auth0|1"}`)}
	var sawTmp bool
	testHookBeforeRename = func(tmp, final string) {
		sawTmp = true
		if filepath.Dir(tmp) != b.Dir() || !strings.HasPrefix(filepath.Base(tmp), ".tmp-") {
			t.Errorf("temporary file %s is not a hidden file beside %s", tmp, final)
		}
		if _, err := os.Stat(final); !os.IsNotExist(err) {
			t.Errorf("final name exists before the rename: %v", err)
		}
		if data, _ := os.ReadFile(tmp); !json.Valid(data) {
			t.Errorf("temporary file incomplete before the rename:\n%s", data)
		}
		if list, _ := b.List(); len(list) != 0 {
			t.Errorf("List shows a backup being written: %+v", list)
		}
	}
	defer func() { testHookBeforeRename = nil }()
	path, _, err := b.Write("delete", users, nil, nil)
	if err != nil || !sawTmp {
		t.Fatal(err, sawTmp)
	}
	entries, _ := os.ReadDir(b.Dir())
	if len(entries) != 1 || entries[0].Name() != filepath.Base(path) {
		t.Errorf("directory holds %v, want only %s", entries, path)
	}

	// What a crash mid-write leaves behind, and a damaged backup.
	os.WriteFile(filepath.Join(b.Dir(), ".tmp-20250101T000000Z-delete-000000000000.json-123"), []byte(`{"version":1,"us`), 0o600)
	bad := filepath.Join(b.Dir(), "20240101T000000Z-delete-ffffffffffff.json")
	os.WriteFile(bad, []byte(`{"version":1,"us`), 0o600)
	list, err := b.List()
	if err != nil || len(list) != 2 {
		t.Fatalf("List = %+v, %v", list, err)
	}
	var badSeen bool
	for _, info := range list {
		if info.Path == bad {
			badSeen = info.Err != nil
		} else if info.Path != path || info.Err != nil {
			t.Errorf("unexpected entry %+v", info)
		}
	}
	if !badSeen {
		t.Errorf("a damaged backup is not listed with its error: %+v", list)
	}
}

func TestSecretsNeverWrittenToBackups(t *testing.T) {
	secret := "backup-secret-" + time.Now().Format("150405.000000000")
	RegisterSecret(secret)
	b, _ := OpenBackups(t.TempDir())
	path, _, err := b.Write("link", map[string]json.RawMessage{
		"auth0|1": json.RawMessage(`{"user_id":"auth0|1","identities":[{"provider":"google-oauth2","access_token":"idp-token-value","refresh_token":"idp-refresh-value"}],
			"user_metadata":{"api_token":"customer data","note":"` + secret + `"},"app_metadata":{"password_hint":"kept","client_secret":"customer owned"}}`),
	}, nil, map[string]string{"reason": "operator pasted " + secret})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	assertNoSecrets(t, raw, secret, "idp-token-value", "idp-refresh-value")
	// Metadata is what a link discards and a backup must restore: its keys
	// are kept as they were, whatever their names.
	for _, want := range []string{`"api_token":"customer data"`, `"client_secret":"customer owned"`, `"password_hint":"kept"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("backup lost metadata %s:\n%s", want, raw)
		}
	}
}

// What merely looks like a credential in a user's profile or metadata is
// the tenant's data, which an undo writes back: a backup keeps it as it
// was (a bearer of a flag, a "Basic" plan, a token-shaped value a customer
// stores), and its checksum stands for the data as it was.
func TestABackupKeepsTextThatOnlyLooksLikeACredential(t *testing.T) {
	jwtShaped := "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.sig"
	user := `{"user_id":"auth0|1","name":"Jo Bearer Smith","nickname":"basic QmFzaWNNZW1iZXJzaGlwUGxhbg==",
		"user_metadata":{"club":"proud flag bearer of the rowing club","membership":"Basic MembershipAnnual2024Plan","partner_token_hint":"` + jwtShaped + `"},
		"app_metadata":{"bearer x":"key kept"}}`
	b, _ := OpenBackups(t.TempDir())
	path, sum, err := b.Write("link", map[string]json.RawMessage{"auth0|1": json.RawMessage(user)}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadBackupChecked(path, sum)
	if err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(t, got.Users["auth0|1"], json.RawMessage(user)) {
		t.Errorf("the backup altered the user:\n got %s\nwant %s", got.Users["auth0|1"], user)
	}
}
