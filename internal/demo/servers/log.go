package servers

import (
	"io"
	"log"
)

// quietLog drops the http.Server's log lines (TLS handshake errors from
// probes are expected).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
