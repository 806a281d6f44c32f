// Package wire holds the Go types that the generated code (package gen) uses for JSON forms the
// spec allows beyond what encoding/json reads into a plain Go type. It depends on nothing of this
// module, so that gen can use it.
package wire

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Int64 is a 64-bit integer that reads a JSON number or a decimal string: protobuf's JSON form of
// an int64, which Descope's own document uses and its .NET SDK sends. It is written as a number,
// as Descope's Go, Node and Python SDKs write it.
type Int64 int64

// MarshalJSON writes i as a JSON number.
func (i Int64) MarshalJSON() ([]byte, error) {
	return strconv.AppendInt(nil, int64(i), 10), nil
}

// UnmarshalJSON reads a JSON number or a string holding a decimal integer. null leaves i as it
// is, as encoding/json does for numbers.
func (i *Int64) UnmarshalJSON(data []byte) error {
	if bytes.Equal(data, []byte("null")) {
		return nil
	}
	text := data
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		text = []byte(s)
	}
	n, err := strconv.ParseInt(string(text), 10, 64)
	if err != nil {
		return fmt.Errorf("%s is not a 64-bit integer, as a number or a decimal string", data)
	}
	*i = Int64(n)
	return nil
}

// Secret is a password, a password hash or another secret a request carries. It goes on the
// wire as the JSON string it holds, and nowhere else: printing it (%v, %+v, %#v, %s, %q, and
// every struct or slice that holds it) shows Redacted, so that a request logged or quoted in an
// error never shows it.
type Secret string

// Redacted is what a Secret prints as.
const Redacted = "[secret redacted]"

// String is Redacted.
func (Secret) String() string { return Redacted }

// GoString is Redacted, for %#v.
func (Secret) GoString() string { return Redacted }

// Format prints Redacted for every verb, so that no formatting reaches the value.
func (Secret) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, Redacted) }

// MarshalJSON writes the secret itself: it is sent.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(string(s)) }

// UnmarshalJSON reads a JSON string.
func (s *Secret) UnmarshalJSON(data []byte) error {
	var v string
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = Secret(v)
	return nil
}

// SecretBytes is a secret the spec types as bytes (a hash, a salt, a key): base64 on the wire, as
// protobuf's JSON form writes bytes (the standard or URL alphabet, padded or not, is read), and
// Redacted when printed, as Secret.
type SecretBytes []byte

// String is Redacted.
func (SecretBytes) String() string { return Redacted }

// GoString is Redacted, for %#v.
func (SecretBytes) GoString() string { return Redacted }

// Format prints Redacted for every verb.
func (SecretBytes) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, Redacted) }

// MarshalJSON writes the bytes in standard base64.
func (s SecretBytes) MarshalJSON() ([]byte, error) {
	return json.Marshal(base64.StdEncoding.EncodeToString(s))
}

// UnmarshalJSON reads base64 in the standard or the URL alphabet, padded or not.
func (s *SecretBytes) UnmarshalJSON(data []byte) error {
	var v string
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(v); err == nil {
			*s = b
			return nil
		}
	}
	return errors.New("a secret's bytes are not base64")
}
