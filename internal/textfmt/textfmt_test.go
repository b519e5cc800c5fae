package textfmt

import (
	"math"
	"testing"
	"time"
)

func TestCommas(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {32000, "32,000"}, {-1234567, "-1,234,567"}, {-999, "-999"}, {math.MinInt64, "-9,223,372,036,854,775,808"}, {math.MaxInt64, "9,223,372,036,854,775,807"}} {
		if got := Commas(c.n); got != c.want {
			t.Errorf("Commas(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := CommasU(18446744073692774399); got != "18,446,744,073,692,774,399" {
		t.Errorf("CommasU(SHMALL) = %q", got)
	}
}

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 sets"}, {1, "1 set"}, {2, "2 sets"}, {1200, "1,200 sets"}} {
		if got := Plural(c.n, "set", "sets"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestAge(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		ago  time.Duration
		want string
	}{{45 * time.Second, "45s"}, {12 * time.Minute, "12m"}, {3 * time.Hour, "3h"}, {47 * time.Hour, "47h"}, {5 * 24 * time.Hour, "5d"}, {-5 * time.Second, "now"}} {
		if got := Age(now.Add(-c.ago), now); got != c.want {
			t.Errorf("Age(%v ago) = %q, want %q", c.ago, got, c.want)
		}
	}
	if got := Age(time.Time{}, now); got != "never" {
		t.Errorf("Age(zero) = %q", got)
	}
}

func TestClip(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{{"abc", 3, "abc"}, {"abcd", 3, "abc…"}, {"ééé", 3, "ééé"}, {"éééé", 2, "éé…"}, {"", 0, ""}, {"a", 0, "…"}} {
		if got := Clip(c.s, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}
