package emulator

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUserRoundTripKeepsTenantShapes(t *testing.T) {
	in := `{"user_id":"auth0|1","email":"a@b.com","email_verified":"true",` +
		`"identities":[{"connection":"github","provider":"github","user_id":123456789012345678901,"isSocial":true}],` +
		`"name":42,"user_metadata":{"a": 1},"custom":{"x":[1,2]}}`
	var u User
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	if u.EmailVerified != FlagTrueString || !u.EmailVerified.Bool() {
		t.Fatalf("email_verified = %v", u.EmailVerified)
	}
	if got := u.Identities[0].UserID; !got.Numeric || got.Value != "123456789012345678901" {
		t.Fatalf("identity id = %+v", got)
	}
	out := string(u.AppendJSON(nil))
	for _, want := range []string{`"email_verified":"true"`, `"user_id":123456789012345678901`, `"name":42`, `"custom":{"x":[1,2]}`, `"user_metadata":{"a":1}`} {
		if !strings.Contains(out, want) {
			t.Errorf("%s missing from %s", want, out)
		}
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
}

func TestMistypedModelledFieldIsWrittenOnce(t *testing.T) {
	var u User
	in := `{"user_id":"auth0|1","created_at":"2024-01-02T03:04:05.000Z","logins_count":"many","identities":"none"}`
	if err := json.Unmarshal([]byte(in), &u); err != nil {
		t.Fatal(err)
	}
	out := string(u.AppendJSON(nil))
	for _, k := range []string{`"logins_count"`, `"identities"`} {
		if n := strings.Count(out, k); n != 1 {
			t.Errorf("%s written %d times in %s", k, n, out)
		}
	}
}
