// Package wire holds the Go types that the generated code (package gen) uses for JSON forms the
// spec allows beyond what encoding/json reads into a plain Go type. It depends on nothing of this
// module, so that gen can use it.
package wire

import (
	"bytes"
	"encoding/json"
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
