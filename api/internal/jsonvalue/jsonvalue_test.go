package jsonvalue

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// Plain gives what a JSON round trip gives, by the fast paths and by the round trip alike.
func TestPlainIsTheRoundTrip(t *testing.T) {
	type custom struct {
		N int `json:"n"`
	}
	for _, v := range []any{
		nil, true, "s", 1.5, 3, int32(-4), int64(1 << 40), json.Number("5e0"),
		[]any{1, "a", nil, []any{int64(2)}}, []any(nil), []any{},
		map[string]any{"a": 1, "b": map[string]any{"c": []string{"x"}}}, map[string]any(nil),
		[]string{"x", "y"}, []string(nil), []string{},
		custom{N: 7}, []int{1, 2}, uint8(9), float32(0.5),
	} {
		got, err := Plain(v)
		if err != nil {
			t.Errorf("Plain(%#v): %v", v, err)
			continue
		}
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var want any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Plain(%#v) = %#v, want %#v", v, got, want)
		}
	}
}

func TestPlainRefusesWhatJSONCannotCarry(t *testing.T) {
	for _, v := range []any{math.NaN(), math.Inf(1), []any{math.Inf(-1)}, map[string]any{"c": make(chan int)}, json.Number("x")} {
		if got, err := Plain(v); err == nil {
			t.Errorf("Plain(%#v) = %#v, want an error", v, got)
		}
	}
}
