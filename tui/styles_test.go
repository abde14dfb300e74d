package tui

import (
	"image/color"
	"strconv"
	"strings"
	"testing"

	"github.com/linkdesk/linkdesk/linking"
)

func TestNoColorThemeUsesNoColour(t *testing.T) {
	s := NewStyles(ThemeNoColor)
	for _, out := range []string{
		s.Selected.Render("row"), s.Bad.Render("✗"), s.Good.Render("✓"), s.StatusKey.Render("tenant"),
		s.Error.Render("error"), s.Class(linking.ClassMixed).Render("mixed"), s.Bar.Render("███"),
	} {
		if hasColour(out) {
			t.Errorf("%q carries a colour", out)
		}
	}
	if !strings.Contains(s.Selected.Render("row"), "\x1b[") {
		t.Error("without colour, the selected row must still stand out (reverse)")
	}
}

// hasColour reports an SGR sequence that sets a foreground or background colour.
func hasColour(s string) bool {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return false
		}
		s = s[i+2:]
		end := strings.IndexByte(s, 'm')
		if end < 0 {
			return false
		}
		for _, p := range strings.Split(s[:end], ";") {
			n, err := strconv.Atoi(p)
			if err == nil && (n >= 30 && n <= 49 || n >= 90 && n <= 107) {
				return true
			}
		}
		s = s[end:]
	}
}

func TestHasColourSeesAColour(t *testing.T) {
	if !hasColour(NewStyles(ThemeDark).Good.Render("x")) {
		t.Fatal("hasColour misses the dark theme's green")
	}
}

func TestPlainThemeEmitsNoEscapes(t *testing.T) {
	s := NewStyles(ThemePlain)
	for _, out := range []string{s.Selected.Render("row"), s.Title.Render("t"), s.Error.Render("e"), s.Class(linking.ClassLinkCandidate).Render("c")} {
		if strings.ContainsRune(out, 0x1b) {
			t.Errorf("%q holds an escape", out)
		}
	}
}

func TestLightAndDarkThemesDiffer(t *testing.T) {
	light, dark := NewStyles(ThemeLight), NewStyles(ThemeDark)
	fg := func(s *Styles) color.Color { return s.Title.GetForeground() }
	if fg(light) == fg(dark) {
		t.Error("the light and dark themes use the same title colour")
	}
}
