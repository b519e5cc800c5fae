package probe

import "strings"

// NameMatches reports whether name is one of a certificate's DNS names,
// with a wildcard standing for exactly one leftmost label (RFC 6125).
func NameMatches(dnsNames []string, name string) bool {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	for _, n := range dnsNames {
		n = strings.ToLower(n)
		if n == name {
			return true
		}
		if rest, ok := strings.CutPrefix(n, "*."); ok {
			if i := strings.IndexByte(name, '.'); i > 0 && name[i+1:] == rest {
				return true
			}
		}
	}
	return false
}
