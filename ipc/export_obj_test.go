package ipc

// Hook for the segment and queue kernel tests (see objremove.go).

func SetTestHookObjAfterRecord(f func()) func() {
	old := testHookObjAfterRecord
	testHookObjAfterRecord = f
	return func() { testHookObjAfterRecord = old }
}
