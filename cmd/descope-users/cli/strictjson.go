package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
)

// decodeObject decodes data, one JSON object and nothing after it, into v; what names the object
// in errors ("a patch"). Unknown fields are errors, and so are fields named twice or in another
// case, and, in a patch, a null that would leave its field unchanged (see checkStrict); numbers
// keep their digits, and null, which would decode as an object with every field empty, is
// refused.
func decodeObject(data []byte, v any, what string, patch bool) error {
	return decodeStrict(data, v, what, patch, '{', "object")
}

// decodeArray is decodeObject for one JSON array, into v, a pointer to a slice: each object in it
// is read as decodeObject reads one. null is refused, and so is an empty array (what names its
// items: "passkeys").
func decodeArray(data []byte, v any, what string) error {
	if err := decodeStrict(data, v, what, false, '[', "array"); err != nil {
		return err
	}
	if reflect.ValueOf(v).Elem().Len() == 0 {
		return fmt.Errorf("the array is empty: give at least one of the %s", what)
	}
	return nil
}

// decodeStrict decodes data, one JSON value that opens with open (a kind of value), into v.
func decodeStrict(data []byte, v any, what string, patch bool, open byte, kind string) error {
	if err := checkStrict(data, reflect.TypeOf(v), patch); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err, what)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON %s (one %s: %s)", kind, kind, what)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] != open {
		return fmt.Errorf("expected a JSON %s (%s), got null", kind, what)
	}
	return nil
}

// describeJSONError turns encoding/json's errors into messages about what was decoded (a patch,
// a user).
func describeJSONError(err error, what string) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: "))
	case errors.As(err, &typ) && typ.Field == "" && typ.Type.Kind() == reflect.Slice:
		return fmt.Errorf("expected a JSON array (%s), got a JSON %s", what, typ.Value)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("expected a JSON object (%s), got a JSON %s", what, typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("field %q: expected %s, got a JSON %s", typ.Field, describeType(typ.Type), typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: the object is not closed")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

func describeType(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return "a list of strings"
		}
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// strictUnmarshal decodes one JSON object into v, refusing unknown fields and anything after it.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the record")
	}
	return nil
}

// checkStrict walks the JSON value in data against t, the Go type it is about to be decoded into,
// and refuses what encoding/json would accept without a word but the API would read otherwise:
//
//   - an object that names a key twice (encoding/json keeps the last);
//   - a key that names a field in another case ("LoginID" for loginId: encoding/json matches
//     names case-insensitively, the API does not);
//   - with patch, null for a field whose Go type is a pointer to a value that is not a list (a
//     string, a boolean, an object): encoding/json leaves the pointer nil, which in a patch reads
//     as "leave unchanged", so the null would silently do nothing. (null for a list means the
//     empty list, as in the API; null inside customAttributes removes that attribute.)
//
// Errors name the field by its path (userTenants[1].tenantId). Syntax errors are left to the
// decoder, which reports them with their offset.
func checkStrict(data []byte, t reflect.Type, patch bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := (&strictWalk{dec: dec, patch: patch}).value(t, "", false)
	var se strictError
	if errors.As(err, &se) {
		return err
	}
	return nil // not JSON, or not of t's shape: the decoder says so better
}

// strictError is a problem checkStrict found (as opposed to a syntax error it ran into).
type strictError struct{ msg string }

func (e strictError) Error() string { return e.msg }

func strictf(format string, a ...any) error { return strictError{fmt.Sprintf(format, a...)} }

// strictWalk is one run of checkStrict.
type strictWalk struct {
	dec   *json.Decoder
	patch bool
}

// value reads one value, whose Go type is t (nil: any JSON), at path; nullIsNoOp refuses null for
// it.
func (w *strictWalk) value(t reflect.Type, path string, nullIsNoOp bool) error {
	dec := w.dec
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil && nullIsNoOp {
		return strictf("field %q is null, which leaves it unchanged: to clear it write %s, or leave the field out", path, clearedValue(t))
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && t.Kind() == reflect.Interface {
		t = nil
	}
	if text, ok := tok.(string); ok && t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		// Bytes (a public key, a hash, a salt): the decoder's own error names no field. The value
		// is not quoted: it may be a secret.
		if _, err := base64.StdEncoding.DecodeString(text); err != nil {
			return strictf("field %q must be standard base64 with padding, as protobuf's JSON writes bytes: %v", path, err)
		}
	}
	switch tok {
	case json.Delim('{'):
		return w.object(t, path)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := w.value(elem, fmt.Sprintf("%s[%d]", path, i), false); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	}
	return nil
}

func (w *strictWalk) object(t reflect.Type, path string) error {
	dec := w.dec
	var fields map[string]fieldInfo
	if t != nil && t.Kind() == reflect.Struct {
		fields = fieldsOf(t)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		at := key
		if path != "" {
			at = path + "." + key
		}
		if seen[key] {
			return strictf("field %q appears twice in one object: give each field once", at)
		}
		seen[key] = true
		var elem reflect.Type
		nullIsNoOp := false
		switch {
		case fields != nil:
			f, ok := fields[key]
			if !ok {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return strictf("field %q: field names are case-sensitive: did you mean %q?", at, joinPath(path, name))
					}
				}
				// Unknown: the decoder refuses it by name.
			}
			elem, nullIsNoOp = f.typ, f.nullIsNoOp && w.patch
		case t != nil && t.Kind() == reflect.Map:
			elem = t.Elem()
		}
		if err := w.value(elem, at, nullIsNoOp); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return err
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// clearedValue is what clears a field of type t, for the message about a null.
func clearedValue(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return "a value"
	case t.Kind() == reflect.String:
		return `""`
	case t.Kind() == reflect.Bool:
		return "true or false (there is no clearing a flag)"
	case t.Kind() == reflect.Map:
		return "null for each key inside it"
	}
	return "a value"
}

// fieldInfo is what checkStrict needs of one struct field: its type, and whether null for it
// would decode to a nil pointer that means "unchanged".
type fieldInfo struct {
	typ        reflect.Type
	nullIsNoOp bool
}

var fieldCache sync.Map // reflect.Type -> map[string]fieldInfo

// fieldsOf maps the JSON names of t's fields to what checkStrict needs of them.
func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		noOp := f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() != reflect.Slice
		m[name] = fieldInfo{typ: f.Type, nullIsNoOp: noOp}
	}
	fieldCache.Store(t, m)
	return m
}
