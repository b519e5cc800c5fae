package cli

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"os/signal"
	"time"

	"ipcscope/doctor"
	"ipcscope/probe"
)

func init() {
	register("probe", "check SNI certificates and HTTP/2 per host", runProbe)
}

// probeJSON is `ipcscope probe --json`.
type probeJSON struct {
	Schema  int                 `json:"schema_version"` // probe.SchemaVersion
	Results []probe.Result      `json:"results"`
	Apache  *probe.ApacheVhosts `json:"apache"` // null without --apache
	Nginx   *probe.NginxServers `json:"nginx"`  // null without --nginx
	Errors  []string            `json:"errors"` // malformed targets, discovery failures
	OK      bool                `json:"ok"`
	// Interrupted is true after Ctrl-C: results of targets not finished
	// have error_class "cancelled".
	Interrupted bool `json:"interrupted"`
	// WhyNoH2 has one entry per target that answered without HTTP/2 (h2
	// over TLS, h2c on cleartext): the missing prerequisites, from the
	// configuration read with --apache/--nginx, else the Server header.
	WhyNoH2 []*doctor.NoH2 `json:"why_no_h2"`
}

// resolveFlag collects repeated --resolve values.
type resolveFlag []probe.Resolve

func (r *resolveFlag) String() string { return fmt.Sprint(len(*r)) }

func (r *resolveFlag) Set(s string) error {
	v, err := probe.ParseResolve(s)
	if err != nil {
		return err
	}
	*r = append(*r, v)
	return nil
}

func runProbe(env *Env, args []string) int {
	fs := newFlags(env, "probe", "[TARGET...] [--hosts-file F] [--resolve name:port:addr] [--apache [--apache-conf FILE]] [--nginx [--nginx-conf FILE]] [--ca|--cacert FILE] [-k] [--timeout 5s] [--budget 15s] [--parallel 16] [--json]\n\n"+
		"TARGET is host, host:port, https://host[:port], http://host[:port] (cleartext: h2c checks),\n"+
		"[::1]:8443, or any of these followed by @addr to connect to addr while naming host.\n"+
		"Exit status: 0 every target ok (warnings allowed), 1 a target failed, 2 usage, 130 interrupted.")
	hostsFile := fs.String("hosts-file", "", "read targets from `FILE`, one per line, # comments")
	var resolves resolveFlag
	fs.Var(&resolves, "resolve", "connect to addr for name:port, as curl `name:port:addr[,addr...]`; name * for every host; the next addr is tried when one refuses (repeatable)")
	apache := fs.Bool("apache", false, "probe every vhost name found by apache2ctl/apachectl/httpd -S on the address Apache listens on")
	nginx := fs.Bool("nginx", false, "probe every server_name of nginx -T on its listen addresses")
	nginxConf := fs.String("nginx-conf", "", "with --nginx: read the configuration `FILE` (passed as -c)")
	apacheConf := fs.String("apache-conf", "", "with --apache: read the configuration `FILE` (passed as -f; Debian's apache2ctl also honours APACHE_CONFDIR)")
	caFile := fs.String("ca", "", "verify certificates against the CAs in `FILE` (PEM) instead of the system roots")
	fs.StringVar(caFile, "cacert", "", "the same as --ca `FILE` (curl's spelling)")
	var insecure bool
	fs.BoolVar(&insecure, "k", false, "certificate problems are warnings, not failures (still reported; as curl -k)")
	fs.BoolVar(&insecure, "insecure", false, "the same as -k")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline for every network step")
	budget := fs.Duration("budget", 0, "deadline for all the checks of one target (default 3 × --timeout)")
	parallel := fs.Int("parallel", 16, "probe at most `N` targets at once")
	warnDays := fs.Int("warn-days", 30, "warn when a certificate has fewer than `N` days left")
	noticeDays := fs.Int("notice-days", 60, "note when a certificate has fewer than `N` days left (at least --warn-days)")
	asJSON := fs.Bool("json", false, "print every check as JSON")
	rest, code, done := parseFlags(env, fs, args)
	if done {
		return code
	}
	if *timeout <= 0 || *parallel < 1 || *warnDays < 1 || *noticeDays < 1 || *budget < 0 {
		fmt.Fprintln(env.Stderr, "ipcscope probe: --timeout, --parallel, --warn-days and --notice-days must be positive, --budget not negative")
		return ExitUsage
	}
	opts := probe.Options{Timeout: *timeout, Parallel: *parallel, Resolve: resolves, WarnDays: *warnDays, NoticeDays: *noticeDays, Insecure: insecure, Budget: *budget}
	if *caFile != "" {
		pool, err := loadCA(*caFile)
		if err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope probe:", err)
			return ExitUsage
		}
		opts.Roots = pool
	}

	var targets []probe.Target
	var problems []string
	for _, a := range rest {
		t, err := probe.ParseTarget(a)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		targets = append(targets, t)
	}
	if *hostsFile != "" {
		f, err := os.Open(*hostsFile)
		if err != nil {
			fmt.Fprintln(env.Stderr, "ipcscope probe:", err)
			return ExitUsage
		}
		ts, errs := probe.ParseTargetsFile(f, *hostsFile)
		f.Close()
		targets = append(targets, ts...)
		for _, e := range errs {
			problems = append(problems, e.Error())
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var vhosts *probe.ApacheVhosts
	if *apache {
		v, err := probe.DiscoverApache(ctx, probe.ApacheCommandsFor(*apacheConf)...)
		if err != nil {
			problems = append(problems, "--apache: "+err.Error())
		} else {
			vhosts = v
			targets = append(targets, v.Targets()...)
		}
	}
	var nginxServers *probe.NginxServers
	if *nginx {
		v, err := probe.DiscoverNginx(ctx, probe.NginxCommandsFor(*nginxConf)...)
		if err != nil {
			problems = append(problems, "--nginx: "+err.Error())
		} else {
			nginxServers = v
			targets = append(targets, v.Targets()...)
		}
	}
	if len(targets) == 0 && len(problems) == 0 {
		fmt.Fprintln(env.Stderr, "ipcscope probe: no targets (give TARGET..., --hosts-file, --apache or --nginx)")
		fs.Usage()
		return ExitUsage
	}
	for _, p := range problems {
		fmt.Fprintln(env.Stderr, "ipcscope probe:", p)
	}
	if len(targets) == 0 {
		if (*apache || *nginx) && len(rest) == 0 && *hostsFile == "" {
			return ExitFail // discovery failed: something asked for failed
		}
		return ExitUsage
	}

	begin := time.Now()
	// Large runs stream: rows appear as targets finish (in that order).
	table := newProbeTable(env.Stdout, targets)
	var each func(int, probe.Result)
	stream := !*asJSON && len(targets) > streamAfter
	if stream {
		printNginx(env.Stdout, nginxServers)
		printApache(env.Stdout, vhosts)
		table.header()
		each = func(_ int, r probe.Result) {
			if r.ErrorClass != probe.ClassCancelled || ctx.Err() == nil {
				table.row(r)
			}
		}
	}
	results := probe.RunAll(ctx, targets, opts, each)
	interrupted := ctx.Err() != nil
	ok := len(problems) == 0 && !interrupted
	for _, r := range results {
		ok = ok && r.OK
	}
	whyNoH2 := explainNoH2(ctx, results, *apache, *apacheConf, nginxServers)
	if *asJSON {
		out := probeJSON{Schema: probe.SchemaVersion, Results: results, Apache: vhosts, Nginx: nginxServers, Errors: problems, OK: ok, Interrupted: interrupted, WhyNoH2: whyNoH2}
		if out.Errors == nil {
			out.Errors = []string{}
		}
		if err := writeJSON(env.Stdout, out); err != nil {
			return ExitFail
		}
	} else {
		shown := results
		if interrupted {
			// Keep what finished; say how much did not.
			shown = nil
			for _, r := range results {
				if r.ErrorClass != probe.ClassCancelled {
					shown = append(shown, r)
				}
			}
		}
		if !stream {
			printNginx(env.Stdout, nginxServers)
			printApache(env.Stdout, vhosts)
			table.header()
			for _, r := range shown {
				table.row(r)
			}
		}
		table.footer(time.Since(begin))
		printWhyNoH2(env.Stdout, whyNoH2)
		if interrupted {
			fmt.Fprintf(env.Stdout, "interrupted: %d of %d target(s) finished, %d cancelled\n", len(shown), len(results), len(results)-len(shown))
		}
	}
	switch {
	case interrupted:
		return exitInterrupted
	case !ok:
		return ExitFail
	}
	return ExitOK
}

// streamAfter: with more targets, text rows are printed as they finish.
const streamAfter = 20

// exitInterrupted is the shell's code for a command ended by SIGINT
// (128 + 2): Ctrl-C during a probe, with the results so far printed.
const exitInterrupted = 130

// loadCA reads a PEM bundle.
func loadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--ca/--cacert %s: no PEM certificates found", path)
	}
	return pool, nil
}
