package ipc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The audit log: one JSON line per removal, durable before the set goes.
//
//   - A record is a whole line or nothing: a write that fails (a full
//     disk) is cut back to where it began, and a fragment left by a crash
//     is closed with a newline before the next record.
//   - Only a regular file: a FIFO or device is refused at once (opened
//     without blocking), never waited on.
//   - One writer at a time: the log's directory is locked (flock) for the
//     whole of a run of removals, before the first check, so concurrent
//     cleans take turns and the second finds the sets the first removed
//     already gone (no second record). The file itself is only made when
//     there is a record to write.

// auditRecord is one line of the audit log.
type auditRecord struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // remove, remove-failed, remove-cancelled
	UID    int       `json:"uid"`
	User   string    `json:"user"`
	Host   string    `json:"host"`
	IPCNS  uint64    `json:"ipc_namespace"`
	Error  string    `json:"error,omitempty"`
	Set    *Set      `json:"set"`
}

// auditLog is the locked log (its file opened at the first flush).
type auditLog struct {
	dir *os.File // locked
	f   *os.File
	// created: the file was empty when opened (perhaps made just now): its
	// directory entry is made durable with the first record.
	created bool
	path    string
	user    string
	host    string
	ns      uint64
	buf     []byte // records waiting for flush
}

// lockWait is how long to wait for another clean to release the log.
const lockWait = 30 * time.Second

// openAudit locks the directory of the log at path (creating it).
func openAudit(path, user string, ns uint64) (*auditLog, error) {
	if path == "" {
		return nil, errors.New("no audit log file given")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(lockWait)
	for {
		err := unix.Flock(int(dir.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			dir.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("%s is still locked after %v (by another ipcscope clean, or whatever else holds a lock on it)", filepath.Dir(path), lockWait)
			}
			return nil, fmt.Errorf("locking %s: %w", filepath.Dir(path), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	host, _ := os.Hostname()
	return &auditLog{dir: dir, path: path, user: user, host: Printable(host), ns: ns}, nil
}

// open opens (creating) the log file itself: a regular file only.
func (l *auditLog) open() error {
	if l.f != nil {
		return nil
	}
	// O_NONBLOCK: opening a FIFO for writing would otherwise wait for a
	// reader forever (with it: ENXIO at once).
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o640)
	if err != nil {
		if errors.Is(err, unix.ENXIO) {
			return fmt.Errorf("%s is not a regular file (a FIFO?); refusing to use it as the audit log", l.path)
		}
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("%s is not a regular file (%s); refusing to use it as the audit log", l.path, st.Mode().Type())
	}
	l.f = f
	l.created = st.Size() == 0
	return nil
}

// add queues a record; flush writes the queue. The line is what
// encoding/json would write for auditRecord (TestAuditRecordJSON pins
// it), by hand: json.Marshal re-validated every Set's own JSON and took a
// third of a 32,000-set clean.
func (l *auditLog) add(s *Set, action, errText string) {
	l.addAt(time.Now().UTC(), s, action, errText)
}

func (l *auditLog) addAt(now time.Time, s *Set, action, errText string) {
	b := l.buf
	b = append(b, `{"time":`...)
	b = appendRFC3339Nano(b, now)
	b = appendStrField(b, "action", action)
	b = appendIntField(b, "uid", os.Getuid())
	b = appendStrField(b, "user", l.user)
	b = appendStrField(b, "host", l.host)
	b = append(b, `,"ipc_namespace":`...)
	b = strconv.AppendUint(b, l.ns, 10)
	if errText != "" {
		b = appendStrField(b, "error", errText)
	}
	b = append(b, `,"set":`...)
	if s == nil {
		b = append(b, "null"...)
	} else {
		b = s.AppendJSON(b)
	}
	b = append(b, '}', '\n')
	l.buf = b
}

func appendRFC3339Nano(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// flush writes every queued record and makes them durable (fsync). On
// failure nothing of this write stays in the file.
func (l *auditLog) flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	if err := l.open(); err != nil {
		return err
	}
	st, err := l.f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	out := l.buf
	if size > 0 {
		// A crash mid-record (an old version, a power cut) left no
		// newline: close that fragment before ours.
		var last [1]byte
		if r, err := os.Open(l.path); err == nil {
			if _, err := r.ReadAt(last[:], size-1); err == nil && last[0] != '\n' {
				out = append([]byte{'\n'}, out...)
			}
			r.Close()
		}
	}
	n, err := l.f.Write(out)
	if err == nil {
		err = l.f.Sync()
	}
	if err == nil && l.created {
		// A new file survives a crash only with its directory entry.
		// (EINVAL: a file system that does not sync directories.)
		if err = l.dir.Sync(); err == nil || errors.Is(err, unix.EINVAL) {
			err, l.created = nil, false
		}
	}
	if err != nil {
		if n > 0 {
			// A partial record: cut it off, so the log stays JSON Lines.
			if terr := l.f.Truncate(size); terr != nil {
				err = fmt.Errorf("%w (and cutting the partial record off failed: %v)", err, terr)
			}
		}
		return err
	}
	l.buf = l.buf[:0]
	return nil
}

func (l *auditLog) close() error {
	err := l.flush()
	if l.f != nil {
		if cerr := l.f.Close(); err == nil {
			err = cerr
		}
	}
	_ = unix.Flock(int(l.dir.Fd()), unix.LOCK_UN)
	l.dir.Close()
	return err
}
