package doctor

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Captured from Debian 12's apache2 2.4.71: the stock /etc/apache2 and a
// -f configuration with "Mutex sysvsem default", "Mutex file:… ssl-cache".
func TestParseRunCfg(t *testing.T) {
	s, err := ParseRunCfg(fixture(t, "runcfg-debian.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if s.ServerRoot != "/etc/apache2" || s.PidFile != "/var/run/apache2/apache2.pid" {
		t.Errorf("ServerRoot %q PidFile %q", s.ServerRoot, s.PidFile)
	}
	if s.User != (Account{"www-data", 33}) || s.Group != (Account{"www-data", 33}) {
		t.Errorf("User %+v Group %+v", s.User, s.Group)
	}
	if s.MutexDefault != (Mutex{Name: "default", Dir: "/var/run/apache2/", Mechanism: "default"}) {
		t.Errorf("default mutex %+v", s.MutexDefault)
	}
	if len(s.Mutexes) != 1 || s.Mutexes[0] != (Mutex{Name: "watchdog-callback", UsesDefault: true}) {
		t.Errorf("named mutexes %+v", s.Mutexes)
	}

	s, err = ParseRunCfg(fixture(t, "runcfg-sysv.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if s.MutexDefault.Mechanism != "sysvsem" {
		t.Errorf("default mechanism %q, want sysvsem", s.MutexDefault.Mechanism)
	}
	var ssl Mutex
	for _, m := range s.Mutexes {
		if m.Name == "ssl-cache" {
			ssl = m
		}
	}
	if ssl.Mechanism != "fcntl" || ssl.Dir != "/srv/test/run" || ssl.UsesDefault {
		t.Errorf("ssl-cache %+v, want fcntl in /srv/test/run", ssl)
	}
	// Default (APR's) mechanism unknown until -V is read: sysvsem by the
	// explicit default only.
	if got := s.SysVMutexes(); !slices.Equal(got, []string{"default"}) {
		t.Errorf("SysVMutexes %v", got)
	}

	if _, err := ParseRunCfg([]byte("AH00526: Syntax error on line 3\n")); err == nil {
		t.Error("garbage parsed without error")
	}
}

func TestParseV(t *testing.T) {
	s := ParseV(fixture(t, "V-debian.txt"))
	if s.Version != "Apache/2.4.71 (Debian)" || s.MPM != "event" || s.APR != "1.7.2" || s.APRProcMutex != "pthread" {
		t.Errorf("got %+v", s)
	}
	s = ParseV(fixture(t, "V-prefork.txt"))
	if s.MPM != "prefork" {
		t.Errorf("MPM %q, want prefork", s.MPM)
	}
	// An APR that defaults to sysvsem (RHEL 8's 1.6.3) makes "default" SysV.
	s = ParseV([]byte("Server loaded:  APR 1.6.3, APR-UTIL 1.6.1\nServer MPM:     prefork\n -D APR_USE_SYSVSEM_SERIALIZE\n -D APR_USE_PTHREAD_SERIALIZE\n"))
	if s.APRProcMutex != "sysvsem" || s.APR != "1.6.3" {
		t.Errorf("got %+v", s)
	}
	r, _ := ParseRunCfg(fixture(t, "runcfg-debian.txt"))
	r.APRProcMutex, r.APR = s.APRProcMutex, s.APR
	if got := r.SysVMutexes(); !slices.Equal(got, []string{"default"}) {
		t.Errorf("SysVMutexes with APR sysvsem default: %v", got)
	}
	a := r.MutexAdvice()
	if a == nil || a.Source != "" || a.Fix[0].Change[:len("Mutex file:")] != "Mutex file:" {
		t.Errorf("advice for APR 1.6 default: %+v (want no source, file: first)", a)
	}
}

func TestParseModules(t *testing.T) {
	m := ParseModules(fixture(t, "M-debian.txt"))
	if len(m) != 27 || m[0] != "core_module" || !slices.Contains(m, "mpm_event_module") || slices.Contains(m, "http2_module") {
		t.Errorf("%d modules: %v", len(m), m)
	}
	s := &ApacheSetup{Modules: m}
	if s.HasModule("http2_module") || !s.HasModule("status_module") {
		t.Error("HasModule wrong")
	}
}

// RHEL's httpd: no APACHE_LOCK_DIR, the file: fix names the directory
// DUMP_RUN_CFG gives the default mutex.
func TestMutexAdviceRHEL(t *testing.T) {
	s, _ := ParseRunCfg([]byte("ServerRoot: \"/etc/httpd\"\nMutex default: dir=\"/run/httpd/\" mechanism=default \nUser: name=\"apache\" id=48\n"))
	s.Program, s.APR, s.APRProcMutex = "/usr/sbin/httpd", "1.6.3", "sysvsem"
	a := s.MutexAdvice()
	if a == nil || !strings.HasPrefix(a.Fix[0].Change, "Mutex file:/run/httpd default") || !strings.Contains(a.Cause, "APR 1.6.3 defaults to sysvsem (httpd -V") {
		t.Fatalf("%+v", a)
	}
}
