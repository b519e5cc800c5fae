package metrics

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"ipcscope/ipc"
)

func TestWriteObjectsPerVerdict(t *testing.T) {
	o := &Objects{
		Usage: ipc.ObjUsage{ShmPages: 3, Messages: 2,
			ShmByVerdict: map[ipc.Verdict]int{ipc.Live: 1, ipc.Orphan: 2}, ShmBytesByVerdict: map[ipc.Verdict]uint64{ipc.Orphan: 8192},
			MsgByVerdict: map[ipc.Verdict]int{ipc.Stale: 1}, MsgBytesByVerdict: map[ipc.Verdict]uint64{ipc.Stale: 200}},
		Limits: ipc.ObjLimits{SHMALL: 1000, SHMMAX: 4096, MSGMNB: 16384},
	}
	var buf bytes.Buffer
	in := Input{Now: time.Unix(1e9, 0), Namespaces: []Namespace{{Inode: 7, Summary: &ipc.Summary{}, Objects: o}, {Inode: 8, Summary: &ipc.Summary{}}}}
	if err := Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`ipcscope_shm_segments_by_verdict{ipc_namespace="7",verdict="orphan"} 2`,
		`ipcscope_shm_segments_by_verdict{ipc_namespace="7",verdict="unknown"} 0`,
		`ipcscope_shm_memory_bytes{ipc_namespace="7",verdict="orphan"} 8192`,
		`ipcscope_msg_queues_by_verdict{ipc_namespace="7",verdict="stale"} 1`,
		`ipcscope_msg_bytes{ipc_namespace="7",verdict="stale"} 200`,
		`ipcscope_shm_pages{ipc_namespace="7"} 3`,
		`ipcscope_shm_pages_limit{ipc_namespace="7"} 1000`,
		"# TYPE ipcscope_shm_memory_bytes gauge",
	} {
		if !strings.Contains(out, want+"\n") && !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
	if strings.Contains(out, `ipcscope_shm_pages{ipc_namespace="8"}`) {
		t.Error("a namespace without an object scan got object samples")
	}
}
