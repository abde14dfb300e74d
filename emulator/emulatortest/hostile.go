package emulatortest

// HostileStrings are short strings a terminal would act on, or that are
// no text at all: escape sequences (OSC window title and clipboard, CSI,
// their C1 forms, DCS), bidi overrides, zero-width characters, invalid and
// cut-off UTF-8, bare line breaks, and plain text beside them. They seed
// the fuzz tests of whatever shows tenant strings on a terminal; each call
// returns a new slice.
func HostileStrings() []string {
	return []string{
		"", "alice@example.com", "\x1b]0;pwned\x07", "\x1b]52;c;Y3VybA==\x1b\\", "\x1b[2J\x1b[H",
		"\u009b31m", "\u009d0;x\u009c", "\u202enimda\u202c", "\u200b\u200d\ufeff", "Ren\xe9 \xff\xfe",
		"a\nb\r\n", "\x1bP", "\x1b[", "\xc2", "\x1b\x1b[1;2", "山田\u0301",
	}
}
