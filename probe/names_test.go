package probe

import "testing"

func TestNameMatches(t *testing.T) {
	for _, c := range []struct {
		names []string
		name  string
		want  bool
	}{
		{[]string{"a.test"}, "A.Test.", true},
		{[]string{"*.test"}, "a.test", true},
		{[]string{"*.test"}, "b.a.test", false},
		{[]string{"*.test"}, "test", false},
		{[]string{"*.a.test"}, ".a.test", false},
		{nil, "a.test", false},
	} {
		if got := NameMatches(c.names, c.name); got != c.want {
			t.Errorf("NameMatches(%q, %q) = %v", c.names, c.name, got)
		}
	}
}
