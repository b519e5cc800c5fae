// Command probetargets starts N HTTPS targets on 127.0.0.1 for
// bench/probe-compare.sh: each on its own port, with two name-based sites
// (a default one and the target's name with its own certificate), h2 on
// and Apache-like 421. It writes into DIR:
//
//	ca.pem       the CA that signed every certificate
//	targets.txt  one "https://nameI.bench.test:PORT@127.0.0.1" per line
//	plain.txt    one "nameI.bench.test PORT default.bench.test" per line
//
// then prints "ready" and serves until stdin closes. Loopback only.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"time"

	loopback "ipcscope/internal/demo/servers"
)

func main() {
	n := flag.Int("n", 50, "number of targets")
	dir := flag.String("dir", "", "output directory (required)")
	flag.Parse()
	if *dir == "" || *n < 1 {
		log.Fatal("usage: probetargets -dir DIR [-n 50]")
	}
	ca, err := loopback.NewCA()
	if err != nil {
		log.Fatal(err)
	}
	def, err := ca.Issue([]string{"default.bench.test"}, time.Time{}, time.Time{})
	if err != nil {
		log.Fatal(err)
	}
	var targets, plain []byte
	var servers []*loopback.Server
	for i := 1; i <= *n; i++ {
		name := fmt.Sprintf("name%d.bench.test", i)
		c, err := ca.Issue([]string{name}, time.Time{}, time.Time{})
		if err != nil {
			log.Fatal(err)
		}
		s, err := loopback.StartTLS(loopback.TLSOptions{
			Sites:       []loopback.Site{{Names: []string{"default.bench.test"}, Cert: def}, {Names: []string{name}, Cert: c, HSTS: "max-age=60"}},
			H2:          true,
			Misdirected: true,
		})
		if err != nil {
			log.Fatal(err)
		}
		servers = append(servers, s)
		targets = fmt.Appendf(targets, "https://%s:%d@127.0.0.1\n", name, s.Port)
		plain = fmt.Appendf(plain, "%s %d default.bench.test\n", name, s.Port)
	}
	for f, b := range map[string][]byte{"ca.pem": ca.PEM, "targets.txt": targets, "plain.txt": plain} {
		if err := os.WriteFile(filepath.Join(*dir, f), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, bufio.NewReader(os.Stdin))
	for _, s := range servers {
		s.Close()
	}
}
