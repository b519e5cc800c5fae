package textfmt

import "testing"

func TestBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 56: "56 B", 1023: "1023 B", 1024: "1 KiB", 1536: "1.5 KiB", 4096: "4 KiB", 1 << 30: "1 GiB", 3 << 29: "1.5 GiB", 1<<64 - 1: "16 EiB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
