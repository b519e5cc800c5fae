package doctor

// The real Debian apache2 reads the configurations in testdata (apache2ctl
// -f FILE -t -D DUMP_RUN_CFG, -V, -M); Apache is never started.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/template"

	"ipcscope/ipc/ipctest"
)

// apacheConf writes testdata/NAME.conf.tmpl into a new directory (with
// conf.d/ holding the files of extra) and returns its path.
func apacheConf(t *testing.T, name string, extra map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("apache2ctl"); err != nil {
		if _, err := exec.LookPath("httpd"); err != nil {
			if os.Getenv("IPCSCOPE_REQUIRE_E2E") == "1" {
				t.Fatal("no apache2ctl or httpd")
			}
			t.Skip("no apache2ctl or httpd")
		}
	}
	mods := ""
	for _, d := range []string{"/usr/lib/apache2/modules", "/usr/lib64/httpd/modules"} {
		if _, err := os.Stat(filepath.Join(d, "mod_http2.so")); err == nil {
			mods = d
		}
	}
	if mods == "" {
		t.Skip("no Apache module directory with mod_http2.so")
	}
	ipctest.HoldApacheLock(t)
	dir := t.TempDir()
	for _, d := range []string{"run", "conf.d"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := template.Must(template.ParseFiles("testdata/" + name + ".conf.tmpl"))
	conf := filepath.Join(dir, "httpd.conf")
	f, err := os.Create(conf)
	if err != nil {
		t.Fatal(err)
	}
	if err := tmpl.Execute(f, map[string]any{"Dir": dir, "Modules": mods, "Port": 1}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for n, c := range extra {
		if err := os.WriteFile(filepath.Join(dir, "conf.d", n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return conf
}

func TestReadApacheSysV(t *testing.T) {
	conf := apacheConf(t, "sysvsem", map[string]string{"mutex.conf": string(fixture(t, "mutex.conf.txt"))})
	s, err := ReadApache(context.Background(), conf)
	if err != nil {
		t.Fatal(err)
	}
	if s.MPM != "prefork" || !s.HasModule("http2_module") || s.User.Name != "www-data" || s.PidFile != filepath.Join(filepath.Dir(conf), "run", "httpd.pid") {
		t.Errorf("setup %+v", s)
	}
	a := s.MutexAdvice()
	if a == nil {
		t.Fatalf("no mutex advice for Mutex sysvsem default: %+v", s)
	}
	want := filepath.Join(filepath.Dir(conf), "conf.d", "mutex.conf") + ":3"
	if a.Source != want || !strings.Contains(a.Cause, `"Mutex sysvsem default"`) || !strings.Contains(a.Cause, want) {
		t.Errorf("advice source %q cause %q, want the directive at %s", a.Source, a.Cause, want)
	}
	if len(a.Fix) != 2 || !strings.HasPrefix(a.Fix[0].Change, "Mutex pthread default") || !strings.HasPrefix(a.Fix[1].Change, "Mutex file:${APACHE_LOCK_DIR} default") || a.Fix[0].Cost == "" || a.Fix[1].Cost == "" {
		t.Errorf("fixes %+v", a.Fix)
	}
}

func TestReadApacheDefaultMutex(t *testing.T) {
	s, err := ReadApache(context.Background(), apacheConf(t, "default", nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.MutexDefault.Mechanism != "default" || s.APRProcMutex == "" || s.MPM != "event" || s.HasModule("http2_module") {
		t.Errorf("setup %+v", s)
	}
	if s.APRProcMutex != "sysvsem" {
		if a := s.MutexAdvice(); a != nil {
			t.Errorf("advice for APR default %s: %+v", s.APRProcMutex, a)
		}
	}
}

func TestReadApacheBadConf(t *testing.T) {
	conf := apacheConf(t, "default", nil)
	if err := os.WriteFile(conf, []byte("Mutex bogus default\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadApache(context.Background(), conf)
	if err == nil || !strings.Contains(err.Error(), "DUMP_RUN_CFG") {
		t.Errorf("bad configuration: %v", err)
	}
	if _, err := ReadApache(context.Background(), filepath.Join(t.TempDir(), "none.conf")); err == nil {
		t.Error("missing file read without error")
	}
}

// BenchmarkReadApache is what one diagnosis costs: three apache2ctl runs.
func BenchmarkReadApache(b *testing.B) {
	if _, err := exec.LookPath("apache2ctl"); err != nil {
		b.Skip("no apache2ctl")
	}
	for b.Loop() {
		if _, err := ReadApache(context.Background(), ""); err != nil {
			b.Fatal(err)
		}
	}
}
