package probe

import (
	"os"
	"strings"
	"testing"
)

func (v *NginxServers) summary() string {
	var b strings.Builder
	for _, l := range v.Listens {
		b.WriteString(l.Addr + ":" + itoa(l.Port))
		if l.SSL {
			b.WriteString(" ssl")
		}
		if l.H2 {
			b.WriteString(" h2")
		}
		b.WriteString(" default=" + l.Default)
		if l.DefaultExplicit {
			b.WriteString("(explicit)")
		}
		b.WriteString(" [")
		for i, s := range l.Servers {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(strings.Join(s.Names, ",") + "@" + s.Source[strings.LastIndexByte(s.Source, '/')+1:])
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestParseNginxT: includes followed through the dump (globs sorted),
// listen forms, default_server over declaration order, names that can be
// probed, h2 per listen.
func TestParseNginxT(t *testing.T) {
	f, err := os.Open("testdata/nginx-T-debian.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := ParseNginxT(f)
	if err != nil {
		t.Fatal(err)
	}
	want := "*:80 default=(explicit) [@default:1 nolisten.example@shop:12]\n" +
		":::80 default=(explicit) [@default:1]\n" +
		"127.0.0.1:8443 ssl h2 default=blog.example(explicit) [shop.example,www.shop.example@shop:1 blog.example@shop:7]\n"
	if got := v.summary(); got != want {
		t.Errorf("parsed\n%s\nwant\n%s", got, want)
	}
	if !v.Listens[2].Servers[1].RejectHandshake {
		t.Error("ssl_reject_handshake not seen")
	}
	var got []string
	for _, tg := range v.Targets() {
		got = append(got, tg.String()+" default="+tg.DefaultName)
	}
	wantT := "http://nolisten.example:80@127.0.0.1 default=|https://shop.example:8443@127.0.0.1 default=blog.example|" +
		"https://www.shop.example:8443@127.0.0.1 default=blog.example|https://blog.example:8443@127.0.0.1 default=blog.example"
	if strings.Join(got, "|") != wantT {
		t.Errorf("targets\n%s\nwant\n%s", strings.Join(got, "|"), wantT)
	}
}

func TestParseNginxTErrors(t *testing.T) {
	for in, want := range map[string]string{
		"": "no \"# configuration file\" section",
		"# configuration file /x.conf:\nhttp {\n":                         "missing }",
		"# configuration file /x.conf:\n}\n":                              "/x.conf:1: unexpected }",
		"# configuration file /x.conf:\nevents {}\n":                      "no server blocks",
		"# configuration file /x.conf:\ninclude /x.conf;\n":               "nested more than 20",
		"# configuration file /x.conf:\nhttp { server { listen 1; } ;\n}": "unexpected ;",
	} {
		_, err := ParseNginxT(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}
