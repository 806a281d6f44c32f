package wire_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/api/wire"
)

func TestInt64ReadsNumbersAndDecimalStrings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{`0`, 0}, {`1717000000000`, 1717000000000}, {`"1717000000000"`, 1717000000000}, {`"0"`, 0},
		{`"9223372036854775807"`, math.MaxInt64}, {`-5`, -5}, {`"-5"`, -5},
	} {
		var v struct{ T wire.Int64 }
		if err := json.Unmarshal([]byte(`{"T":`+tc.in+`}`), &v); err != nil || int64(v.T) != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.in, v.T, err, tc.want)
		}
	}
	var v struct{ T wire.Int64 }
	v.T = 7
	if err := json.Unmarshal([]byte(`{"T":null}`), &v); err != nil || v.T != 7 {
		t.Errorf("null: got %d, %v; want it unchanged, as for an int64", v.T, err)
	}
}

func TestInt64RefusesWhatIsNoInteger(t *testing.T) {
	for _, in := range []string{`"abc"`, `"1.5"`, `1.5`, `"9223372036854775808"`, `""`, `" 12"`, `true`, `"1e3"`} {
		var v struct{ T wire.Int64 }
		err := json.Unmarshal([]byte(`{"T":`+in+`}`), &v)
		if err == nil {
			t.Errorf("%s was read as %d", in, v.T)
		} else if !strings.Contains(err.Error(), "64-bit integer") && !strings.Contains(err.Error(), "cannot unmarshal") {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestInt64WritesANumber(t *testing.T) {
	b, err := json.Marshal(struct {
		T wire.Int64 `json:"t"`
		Z wire.Int64 `json:"z,omitempty"`
	}{T: 1717000000000})
	if err != nil || string(b) != `{"t":1717000000000}` {
		t.Errorf("got %s, %v", b, err)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	type req struct {
		LoginID  string       `json:"loginId"`
		Password wire.Secret  `json:"password"`
		Hash     *wire.Secret `json:"hash,omitempty"`
		Seeds    []wire.Secret
	}
	h := wire.Secret("$2a$10$abcdefghijklmnopqrstuv")
	r := req{LoginID: "jane", Password: "hunter2-very-secret", Hash: &h, Seeds: []wire.Secret{"seed-secret"}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%10s"} {
		for _, v := range []any{r, &r, r.Password, r.Hash, *r.Hash, r.Seeds} {
			out := fmt.Sprintf(verb, v)
			for _, secret := range []string{"hunter2", "abcdefghij", "seed-secret", "68756e74657232"} {
				if strings.Contains(out, secret) {
					t.Errorf("%s of %T shows a secret: %s", verb, v, out)
				}
			}
		}
	}
	b, err := json.Marshal(r)
	if err != nil || !strings.Contains(string(b), `"password":"hunter2-very-secret"`) || !strings.Contains(string(b), `"hash":"$2a$10$abcdefghijklmnopqrstuv"`) {
		t.Errorf("the secret is not sent: %s %v", b, err)
	}
	var back req
	if err := json.Unmarshal(b, &back); err != nil || string(back.Password) != "hunter2-very-secret" {
		t.Errorf("read back %v, %v", string(back.Password), err)
	}
}

func TestSecretBytes(t *testing.T) {
	v := struct{ Salt wire.SecretBytes }{wire.SecretBytes("pepper-and-salt")}
	if out := fmt.Sprintf("%v %+v %#v %s %x", v, v, v, v.Salt, v.Salt); strings.Contains(out, "pepper") || strings.Contains(out, "706570706572") {
		t.Errorf("printed: %s", out)
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) != `{"Salt":"cGVwcGVyLWFuZC1zYWx0"}` {
		t.Fatalf("%s %v", b, err)
	}
	for _, in := range []string{`"cGVwcGVyLWFuZC1zYWx0"`, `"cGVwcGVyLWFuZC1zYWx0"`, `"YWJj_w"`, `"YWJj_w=="`} {
		var s wire.SecretBytes
		if err := json.Unmarshal([]byte(in), &s); err != nil || len(s) == 0 {
			t.Errorf("%s: %v", in, err)
		}
	}
	var s wire.SecretBytes
	if err := json.Unmarshal([]byte(`"not base64!"`), &s); err == nil || strings.Contains(err.Error(), "not base64!") {
		t.Errorf("bad base64: %v", err)
	}
}
