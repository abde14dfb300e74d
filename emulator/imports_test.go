package emulator

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImportsKeepTheLayout checks the dependency arrows of the sandbox's
// packages (their non-test files): emulator, lucene and rawjson use only
// the standard library and each other as drawn; lucene never imports
// emulator; emulator never imports gen; gen imports only emulator's;
// emulatortest, the fixture loader of linkdesk's own tests, may also hand
// a fixture over in the client's types.
func TestImportsKeepTheLayout(t *testing.T) {
	const mod = "github.com/linkdesk/linkdesk/emulator"
	allowed := map[string][]string{
		".":                {mod + "/lucene", mod + "/internal/rawjson"},
		"lucene":           {mod + "/internal/rawjson"},
		"internal/rawjson": nil,
		"gen":              {mod, mod + "/internal/rawjson"},
		"emulatortest":     {mod, "github.com/linkdesk/linkdesk/client"},
	}
	for dir, ok := range allowed {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			t.Errorf("%s: no Go files", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range af.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				first, _, _ := strings.Cut(path, "/")
				std := !strings.Contains(first, ".")
				if std {
					continue
				}
				found := false
				for _, a := range ok {
					found = found || a == path
				}
				if !found {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
	}
}
