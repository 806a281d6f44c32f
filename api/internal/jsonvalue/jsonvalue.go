// Package jsonvalue turns Go values into the plain JSON values encoding/json decodes into an any,
// so that values from any source compare and copy alike. The client's sync and the fake use it.
package jsonvalue

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Plain returns a copy of v as encoding/json would decode v's encoding into an any: nil, bool,
// string, float64, []any or map[string]any. Numbers become float64, the precision the API keeps.
// The common kinds are converted directly; anything else goes through a JSON round trip, and
// what JSON cannot carry (NaN, a channel) is an error.
func Plain(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string:
		return v, nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%v is not a JSON number", v)
		}
		return v, nil
	case json.Number:
		return strconv.ParseFloat(string(v), 64)
	case int:
		return float64(v), nil
	case int32:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case []any:
		if v == nil {
			return nil, nil // encoded as null
		}
		out := make([]any, len(v))
		for i, e := range v {
			var err error
			if out[i], err = Plain(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[string]any:
		if v == nil {
			return nil, nil // encoded as null
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			var err error
			if out[k], err = Plain(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []string:
		if v == nil {
			return nil, nil // encoded as null
		}
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out, nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}
