package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ipcscope/probe"
)

type inputMode int

const (
	inputNone inputMode = iota
	inputFilter
	inputTarget
)

// lineInput is the one-line input that replaces the status line: the set
// filter (/) and a new probe target (n). Model embeds it.
type lineInput struct {
	input  textinput.Model
	inMode inputMode
	// inputErr says why the typed target was refused; the input stays
	// open with the text, so that nothing typed is lost.
	inputErr string
}

func newLineInput() lineInput {
	in := lineInput{input: textinput.New()}
	in.setDark(true)
	return in
}

// setDark styles the input for a dark or light background.
func (in *lineInput) setDark(dark bool) {
	st := textinput.DefaultStyles(dark)
	st.Cursor.Blink = false // no animation
	in.input.SetStyles(st)
}

// openTarget opens the input for a new probe target.
func (in *lineInput) openTarget() tea.Cmd {
	in.inMode = inputTarget
	in.input.Reset()
	in.input.Prompt = "add target (host[:port], https://name, name:443@addr): "
	return in.input.Focus()
}

// openFilter opens the input on the current filter.
func (in *lineInput) openFilter(current string) tea.Cmd {
	in.inMode = inputFilter
	in.input.Prompt = "/"
	in.input.SetValue(current)
	in.input.CursorEnd()
	return in.input.Focus()
}

func (in *lineInput) close() {
	in.inMode = inputNone
	in.input.Blur()
}

// inputResult is what a key in the input did, for the model to act on.
type inputResult struct {
	filter *string       // the set filter is now this
	target *probe.Target // a target was entered (parsed, not yet resolved)
}

// key handles a key while the input is open: esc closes it (and clears
// the filter), enter closes it (a target only once it parses: the text
// stays to be fixed), anything else edits the text.
func (in *lineInput) key(msg tea.KeyPressMsg) (inputResult, tea.Cmd) {
	in.inputErr = ""
	switch msg.String() {
	case "esc":
		var res inputResult
		if in.inMode == inputFilter {
			res.filter = new(string)
		}
		in.close()
		return res, nil
	case "enter":
		mode, val := in.inMode, strings.TrimSpace(in.input.Value())
		if mode == inputTarget && val != "" {
			t, err := probe.ParseTarget(val)
			if err != nil {
				// One line, and the text stays to be fixed. The input
				// line above already shows the text: drop its echo.
				why := strings.TrimPrefix(err.Error(), fmt.Sprintf("target %q: ", val))
				in.inputErr = "not a target: " + strings.Join(strings.Fields(why), " ") + " (fix it, or esc)"
				return inputResult{}, nil
			}
			in.close()
			return inputResult{target: &t}, nil
		}
		in.close()
		return inputResult{}, nil
	}
	var cmd tea.Cmd
	in.input, cmd = in.input.Update(msg)
	var res inputResult
	if in.inMode == inputFilter {
		v := in.input.Value()
		res.filter = &v
	}
	return res, cmd
}
