package probe

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes a string from a server (or from the system) safe to print on
// a terminal: control characters (C0, DEL, C1), format characters such as
// bidi overrides, and invalid UTF-8 are replaced by visible escapes
// ("\x1b", "\u202e"); everything printable, spaces included, is kept. A
// SAN holding "\x1b[31m" prints as the eight characters \x1b[31m.
func Clean(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsGraphic(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && !unicode.IsGraphic(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsGraphic(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// cleanAll replaces every string reachable from v (a pointer) by Clean of
// it: struct fields, pointers, slices and maps. Run and the Apache parser
// call it on what they return, so that nothing a server sent reaches a
// caller unescaped, whichever field it ends up in.
func cleanAll(v any) { cleanValue(reflect.ValueOf(v)) }

func cleanValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			cleanValue(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanSet() {
				cleanValue(f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			cleanValue(v.Index(i))
		}
	case reflect.String:
		if s := v.String(); Clean(s) != s && v.CanSet() {
			v.SetString(Clean(s))
		}
	case reflect.Map:
		if v.IsNil() || !v.CanSet() || v.Type().Key().Kind() != reflect.String {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for it := v.MapRange(); it.Next(); {
			k := reflect.New(v.Type().Key()).Elem()
			k.Set(it.Key())
			cleanValue(k)
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(it.Value())
			cleanValue(e)
			out.SetMapIndex(k, e)
		}
		v.Set(out)
	}
}
