package ipc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"ipcscope/internal/textfmt"
)

// semRow is one line of /proc/sysvipc/sem:
//
//	key semid perms nsems uid gid cuid cgid otime ctime
type semRow struct {
	Key                  Key
	ID                   int
	Mode                 uint32
	NSems                int
	UID, GID, CUID, CGID int
	OTime, CTime         int64
}

// parseSysvSem parses /proc/sysvipc/sem. A line that does not parse is
// reported in warnings and skipped; the rest are still returned.
func parseSysvSem(r io.Reader) (rows []semRow, warnings []string, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if line == 1 && bytes.Contains(text, []byte("semid")) {
			continue // header
		}
		f := bytes.Fields(text)
		if len(f) == 0 {
			continue
		}
		row, perr := parseSemFields(f)
		if perr != nil {
			warnings = append(warnings, fmt.Sprintf("/proc/sysvipc/sem line %d: %v: %q", line, perr, textfmt.Clip(string(text), 120)))
			continue
		}
		rows = append(rows, row)
	}
	return rows, warnings, sc.Err()
}

func parseSemFields(f [][]byte) (semRow, error) {
	var r semRow
	if len(f) < 10 {
		return r, fmt.Errorf("want 10 fields, got %d", len(f))
	}
	var n [10]int64
	for i := 0; i < 10; i++ {
		base := 10
		if i == 2 {
			base = 8 // perms are printed with %4o
		}
		v, err := strconv.ParseInt(string(f[i]), base, 64)
		if err != nil {
			return r, fmt.Errorf("field %d is not a number", i+1)
		}
		n[i] = v
	}
	// The kernel prints the key with %10d: keys >= 0x80000000 are negative.
	if n[0] < -1<<31 || n[0] > 1<<32-1 {
		return r, fmt.Errorf("key %d out of range", n[0])
	}
	if n[1] < 0 || n[3] < 0 {
		return r, fmt.Errorf("negative semid or nsems")
	}
	r.Key = Key(uint32(n[0]))
	r.ID = int(n[1])
	r.Mode = uint32(n[2])
	r.NSems = int(n[3])
	r.UID, r.GID, r.CUID, r.CGID = int(n[4]), int(n[5]), int(n[6]), int(n[7])
	r.OTime, r.CTime = n[8], n[9]
	return r, nil
}

// parseKernelSem parses /proc/sys/kernel/sem: SEMMSL SEMMNS SEMOPM SEMMNI.
func parseKernelSem(b []byte) (msl int, mns int64, opm, mni int, err error) {
	f := strings.Fields(string(b))
	if len(f) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("/proc/sys/kernel/sem: want 4 numbers (SEMMSL SEMMNS SEMOPM SEMMNI), got %q", strings.TrimSpace(string(b)))
	}
	var v [4]int64
	for i := range f {
		v[i], err = strconv.ParseInt(f[i], 10, 64)
		if err != nil || v[i] < 0 {
			return 0, 0, 0, 0, fmt.Errorf("/proc/sys/kernel/sem: field %d %q is not a count", i+1, f[i])
		}
	}
	return int(v[0]), v[1], int(v[2]), int(v[3]), nil
}

// parseSysvShm returns the number of segments and the pages they use
// (sum of ceil(size/pagesize)) from /proc/sysvipc/shm.
func parseSysvShm(r io.Reader, pageSize uint64) (segs int, pages uint64, warnings []string, err error) {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || (line == 1 && strings.Contains(sc.Text(), "shmid")) {
			continue
		}
		if len(f) < 4 {
			warnings = append(warnings, fmt.Sprintf("/proc/sysvipc/shm line %d: want at least 4 fields", line))
			continue
		}
		size, perr := strconv.ParseUint(f[3], 10, 64)
		if perr != nil {
			warnings = append(warnings, fmt.Sprintf("/proc/sysvipc/shm line %d: size %q is not a number", line, f[3]))
			continue
		}
		segs++
		pages += (size + pageSize - 1) / pageSize
	}
	return segs, pages, warnings, sc.Err()
}

// countRows counts the data lines of a /proc/sysvipc file.
func countRows(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	n, line := 0, 0
	for sc.Scan() {
		line++
		if line == 1 || len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		n++
	}
	return n, sc.Err()
}

// readIntFile reads a file holding one unsigned number.
func readUintFile(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: %q is not a number", path, strings.TrimSpace(string(b)))
	}
	return v, nil
}

// procPath joins a path below the proc root.
func procPath(root string, elem ...string) string {
	return filepath.Join(append([]string{root}, elem...)...)
}
