package cli

import "testing"

func TestConfFromCmdline(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/sbin/apache2\x00-k\x00start\x00":                               "",
		"/usr/sbin/apache2\x00-f\x00/srv/web/httpd.conf\x00-DFOREGROUND\x00": "/srv/web/httpd.conf",
		"httpd\x00-f/etc/httpd/alt.conf\x00":                                 "/etc/httpd/alt.conf",
		"apache2\x00-f":                                                      "",
	} {
		if got := confFromCmdline([]byte(in)); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
