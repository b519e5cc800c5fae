package ipc

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns s with every byte or rune that could steer a terminal
// written as an escape: C0 and C1 controls and DEL as \xNN, invalid UTF-8
// as \xNN, and the bidirectional overrides and isolates (which reorder what
// follows them) as \uNNNN. Process names, user names and anything else
// the system hands ipcscope pass through it before they are kept, so that
// a name of "\n\x1b[2J" neither splits a row nor clears the screen.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s // the common case: printable ASCII
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`\x`)
			b.WriteString(hex2(s[i]))
		case r < 0x80 && (r < 0x20 || r == 0x7f), r >= 0x80 && r < 0xa0:
			if r < 0x100 {
				b.WriteString(`\x`)
				b.WriteString(hex2(byte(r)))
			}
		case isBidiControl(r) || (r >= 0x80 && unicode.Is(unicode.Cc, r)):
			b.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(strings.Repeat("0", 4-len(h)) + h)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

// isBidiControl reports the explicit directional formatting characters
// (Unicode UAX #9): embeddings, overrides, isolates and marks.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}
