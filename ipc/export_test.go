package ipc

// Hooks for the kernel tests in package ipc_test (see remove.go).

func SetTestHookAfterRecord(f func()) func() {
	old := testHookAfterRecord
	testHookAfterRecord = f
	return func() { testHookAfterRecord = old }
}

func SetTestHookAfterSems(f func(id int)) func() {
	old := testHookAfterSems
	testHookAfterSems = f
	return func() { testHookAfterSems = old }
}
