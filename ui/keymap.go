package ui

import "charm.land/bubbles/v2/key"

// KeyMap is every binding of the inspector, in one place; the help bar and
// the full help (?) are generated from it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Tab                                     key.Binding
	Select, SelectOrphans, SelectStale      key.Binding // destructive: off with --read-only
	ClearMarks, Remove                      key.Binding
	Refresh, Sort, Filter                   key.Binding
	SortPrev, SortNext, Invert              key.Binding
	Probe, AddTarget                        key.Binding
	Namespaces, Pause                       key.Binding
	Details, Back, Help, Quit               key.Binding
	Copy                                    key.Binding // the command shown, to the clipboard (OSC 52)
	Limits                                  key.Binding
}

// newKeyMap returns the default bindings; readOnly removes every
// destructive one (they neither match nor show in help).
func newKeyMap(readOnly bool) KeyMap {
	k := KeyMap{
		Up:            key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:          key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:        key.NewBinding(key.WithKeys("pgup", "b"), key.WithHelp("pgup", "page up")),
		PageDown:      key.NewBinding(key.WithKeys("pgdown", "f"), key.WithHelp("pgdn", "page down")),
		Top:           key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g", "top")),
		Bottom:        key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "bottom")),
		Tab:           key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "pane")),
		Select:        key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		SelectOrphans: key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "orphans")),
		SelectStale:   key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "mark stale")),
		ClearMarks:    key.NewBinding(key.WithKeys("U", "ctrl+\\"), key.WithHelp("U", "clear marks")),
		Remove:        key.NewBinding(key.WithKeys("x", "f9", "delete", "ctrl+d"), key.WithHelp("x", "remove")),
		Refresh:       key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "refresh")),
		Sort:          key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		SortPrev:      key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "sort column left")),
		SortNext:      key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "sort column right")),
		Invert:        key.NewBinding(key.WithKeys("I"), key.WithHelp("I", "invert sort")),
		Filter:        key.NewBinding(key.WithKeys("/", "f3"), key.WithHelp("/", "filter")),
		Probe:         key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "probe")),
		AddTarget:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "add target")),
		Namespaces:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "namespaces")),
		Pause:         key.NewBinding(key.WithKeys("P", "ctrl+s"), key.WithHelp("P", "pause")),
		Details:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:          key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help:          key.NewBinding(key.WithKeys("?", "f1"), key.WithHelp("?", "help")),
		Quit:          key.NewBinding(key.WithKeys("q", "f10", "ctrl+c"), key.WithHelp("q", "quit")),
		Copy:          key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy command")),
		Limits:        key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "limits")),
	}
	if readOnly {
		k.Select.SetEnabled(false)
		k.SelectOrphans.SetEnabled(false)
		k.SelectStale.SetEnabled(false)
		k.ClearMarks.SetEnabled(false)
		k.Remove.SetEnabled(false)
	}
	return k
}

// ShortHelp is the one-line help bar, most important first; ? and q are
// kept last and never dropped (see shortHelpFor).
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Select, k.SelectOrphans, k.Remove, k.Details, k.Tab, k.Filter, k.Sort, k.Limits, k.Refresh, k.Namespaces, k.Pause, k.Probe, k.Help, k.Quit}
}

// probesHelp is the help bar when the probe pane has focus: only keys
// that act there.
func (k KeyMap) probesHelp() []key.Binding {
	return []key.Binding{k.Probe, k.AddTarget, k.Details, k.Tab, k.Refresh, k.Limits, k.Namespaces, k.Pause, k.Help, k.Quit}
}

// detailsHelp is the help bar of the details view.
func (k KeyMap) detailsHelp() []key.Binding {
	return []key.Binding{k.Copy, k.Up, k.Down, k.PageDown, k.PageUp, k.Top, k.Bottom, k.Help, k.backQ()}
}

// backQ is how the help bar of details and the picker says that esc and
// q go back there (F10 and ctrl+c quit).
func (k KeyMap) backQ() key.Binding {
	return key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc/q", "back"))
}

// namespacesHelp is the help bar of the namespace picker.
func (k KeyMap) namespacesHelp() []key.Binding {
	sw := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "switch to it"))
	list := key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "list again"))
	return []key.Binding{k.Up, k.Down, sw, list, k.Pause, k.Help, k.backQ()}
}

// FullHelp is the key map shown by ?.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Tab, k.Details, k.Limits, k.Back, k.Sort, k.SortPrev, k.SortNext, k.Invert, k.Filter, k.Refresh, k.Pause},
		{k.Select, k.SelectOrphans, k.SelectStale, k.ClearMarks, k.Remove, k.Copy, k.Probe, k.AddTarget, k.Namespaces},
		{k.Help, k.Quit},
	}
}

// destructive lists the bindings --read-only turns off.
func (k KeyMap) destructive() []key.Binding {
	return []key.Binding{k.Select, k.SelectOrphans, k.SelectStale, k.ClearMarks, k.Remove}
}
