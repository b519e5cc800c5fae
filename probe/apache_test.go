package probe

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

func parseFixture(t *testing.T, name string) *ApacheVhosts {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := ParseApacheS(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// summary renders parsed vhosts compactly: addr:port default=name [vhost(aliases)...].
func (v *ApacheVhosts) summary() string {
	var b strings.Builder
	for _, p := range v.Ports {
		b.WriteString(p.Addr + ":" + itoa(p.Port) + " default=" + p.Default + " [")
		for i, vh := range p.Vhosts {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(vh.Name)
			if len(vh.Aliases) > 0 {
				b.WriteString("(" + strings.Join(vh.Aliases, ",") + ")")
			}
			if len(vh.WildAliases) > 0 {
				b.WriteString("{" + strings.Join(vh.WildAliases, ",") + "}")
			}
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestParseApacheDebian(t *testing.T) {
	v := parseFixture(t, "apache-S-debian.txt")
	want := "*:443 default=shop.example.com [shop.example.com(www.shop.example.com) blog.example.com example.com(www.example.com){*.cdn.example.com}]\n" +
		"*:80 default=example.com [example.com(www.example.com) blog.example.com]\n"
	if got := v.summary(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if src := v.Ports[0].DefaultSource; src != "/etc/apache2/sites-enabled/000-shop-ssl.conf:2" {
		t.Errorf("default source = %q", src)
	}
	var got []string
	for _, tg := range v.Targets() {
		got = append(got, tg.String()+" default="+tg.DefaultName)
	}
	wantT := []string{
		"https://shop.example.com:443@127.0.0.1 default=shop.example.com",
		"https://www.shop.example.com:443@127.0.0.1 default=shop.example.com",
		"https://blog.example.com:443@127.0.0.1 default=shop.example.com",
		"https://example.com:443@127.0.0.1 default=shop.example.com",
		"https://www.example.com:443@127.0.0.1 default=shop.example.com",
		"http://example.com:80@127.0.0.1 default=example.com",
		"http://www.example.com:80@127.0.0.1 default=example.com",
		"http://blog.example.com:80@127.0.0.1 default=example.com",
	}
	if strings.Join(got, "\n") != strings.Join(wantT, "\n") {
		t.Errorf("targets:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantT, "\n"))
	}
}

func TestParseApacheRHEL(t *testing.T) {
	v := parseFixture(t, "apache-S-rhel.txt")
	want := "192.0.2.10:443 default=portal.example.org [portal.example.org]\n" +
		"192.0.2.11:443 default=api.example.org [api.example.org docs.example.org(documentation.example.org)]\n" +
		"2001:db8::20:8443 default=v6.example.org [v6.example.org]\n" +
		"*:80 default=localhost.localdomain [localhost.localdomain portal.example.org(www.portal.example.org)]\n"
	if got := v.summary(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	ts := v.Targets()
	if len(ts) != 8 {
		t.Fatalf("%d targets, want 8", len(ts))
	}
	if ts[0].Addr != "192.0.2.10" || ts[0].Scheme != SchemeHTTPS {
		t.Errorf("IP-bound vhost target = %+v", ts[0])
	}
	if ts[4].Addr != "2001:db8::20" || ts[4].Scheme != SchemeAuto || ts[4].String() != "auto://v6.example.org:8443@[2001:db8::20]" {
		t.Errorf("IPv6 vhost target = %s", ts[4])
	}
}

func TestParseApacheStockAndErrors(t *testing.T) {
	v := parseFixture(t, "apache-S-debian-stock.txt")
	if got := v.summary(); got != "*:80 default=127.0.0.1 [127.0.0.1]\n" {
		t.Errorf("stock Debian: %q", got)
	}
	if ts := v.Targets(); len(ts) != 1 || ts[0].Host != "127.0.0.1" || !ts[0].IsIP() {
		t.Errorf("stock targets = %+v", ts)
	}
	f, _ := os.Open("testdata/apache-S-syntax-error.txt")
	defer f.Close()
	if _, err := ParseApacheS(f); err == nil || !strings.Contains(err.Error(), "no virtual hosts") {
		t.Errorf("syntax error output: err = %v", err)
	}
}

func TestDiscoverApacheMissing(t *testing.T) {
	_, err := DiscoverApache(t.Context(), []string{"ipcscope-no-such-apachectl", "-S"})
	if err == nil || !strings.Contains(err.Error(), "no Apache control program found") {
		t.Errorf("err = %v", err)
	}
}

// TestParseApacheCaptured parses -S output captured from Debian's apache2
// 2.4.71 running testdata's e2e configuration (IP-bound vhosts, odd ports).
func TestParseApacheCaptured(t *testing.T) {
	v := parseFixture(t, "apache-S-debian-e2e.txt")
	want := "127.0.0.1:46041 default=alpha.test [alpha.test(www.alpha.test) beta.test gamma.test]\n" +
		"127.0.0.1:45759 default=h2c.test [h2c.test]\n" +
		"127.0.0.1:32835 default=plain.test [plain.test]\n"
	if got := v.summary(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if v.Ports[0].DefaultSource != "/tmp/ipcscope-apache-686233094/httpd.conf:35" {
		t.Errorf("default source %q", v.Ports[0].DefaultSource)
	}
}
