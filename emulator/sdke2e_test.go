package emulator_test

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linkdesk/linkdesk/emulator"
)

// sdkE2ETests are go-auth0 v1.45.0's own end-to-end tests that the sandbox
// must pass: the user manager's and the users export.
var sdkE2ETests = []string{
	"TestUserManager_Create", "TestUserManager_Read", "TestUserManager_Update", "TestUserManager_Delete",
	"TestUserManager_List", "TestUserManager_Search", "TestUserManager_ListByEmail", "TestUserManager_Link",
	"TestUserManager_Unlink", "TestJobManager_ExportUsers",
}

// TestGoAuth0EndToEndTestsPassAgainstTheSandbox runs go-auth0's own
// end-to-end tests, from a copy of its module directory, against a sandbox
// tenant served over HTTPS: as its README says to run them against a real
// tenant (AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, and
// AUTH0_HTTP_RECORDINGS unset so that they do not replay their
// recordings), the tenant's certificate trusted by SSL_CERT_FILE alone.
// Opt-in with LINKDESK_SDK_E2E=1 (it builds go-auth0's tests, whose test
// dependencies come from the module proxy the first time); .ci/run runs it.
func TestGoAuth0EndToEndTestsPassAgainstTheSandbox(t *testing.T) {
	if os.Getenv("LINKDESK_SDK_E2E") != "1" {
		t.Skip("LINKDESK_SDK_E2E=1 runs go-auth0's end-to-end tests against the sandbox")
	}
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/auth0/go-auth0").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	src := strings.TrimSpace(string(out))
	if !strings.HasSuffix(src, "@v1.45.0") {
		t.Fatalf("go-auth0 is %s, want v1.45.0", src)
	}
	dir := t.TempDir()
	module := filepath.Join(dir, "go-auth0")
	if err := copyTree(src, module); err != nil {
		t.Fatal(err)
	}

	s, err := emulator.New(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cert := filepath.Join(dir, "sandbox.pem")
	base, err := s.StartTLS("127.0.0.1:0", cert)
	if err != nil {
		t.Fatal(err)
	}

	run := "^(" + strings.Join(sdkE2ETests, "|") + ")$"
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AUTH0_") && !strings.HasPrefix(kv, "SSL_CERT_") {
			env = append(env, kv)
		}
	}
	// Its test dependencies come through the module proxy first, with the
	// system's certificates: the tests below trust the sandbox's alone (on
	// a fresh machine the go command fetched them under that trust, and
	// failed).
	download := exec.Command("go", "mod", "download")
	download.Dir, download.Env = module, env
	if out, err := download.CombinedOutput(); err != nil {
		t.Fatalf("go mod download in a copy of %s: %v\n%s", src, err, out)
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", run, "./management")
	cmd.Dir = module
	cmd.Env = append(env, "SSL_CERT_FILE="+cert, "SSL_CERT_DIR="+dir,
		"AUTH0_DOMAIN="+strings.TrimPrefix(base, "https://"),
		"AUTH0_CLIENT_ID="+s.ClientID(), "AUTH0_CLIENT_SECRET="+s.ClientSecret())
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	start := time.Now()
	err = cmd.Run()
	t.Logf("go test %s ./management in a copy of %s (%s):\n%s", run, src, time.Since(start).Round(time.Second), log.String())
	if err != nil {
		t.Errorf("go-auth0's tests failed: %v", err)
	}
	for _, name := range sdkE2ETests {
		if !regexp.MustCompile(`(?m)^--- PASS: ` + name + ` `).Match(log.Bytes()) {
			t.Errorf("%s did not pass", name)
		}
	}
	st := s.Stats()
	t.Logf("the sandbox answered %d API calls (%d writes)", st.APICalls, st.Writes)
}

// copyTree copies the directory src to dst, writable (the module cache's
// copy is read-only).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
