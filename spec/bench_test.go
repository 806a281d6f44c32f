package spec_test

import (
	"strconv"
	"testing"

	"github.com/seed-a84e9595/descope-mgmt/spec"
)

// BenchmarkValidateNested validates a PatchUser request and a 200 answer whose custom attribute
// nests lists d deep, d up to 31, under the request limit (x-max-depth). Before AnyValue's list
// and object alternatives were made open, each level doubled the work.
func BenchmarkValidateNested(b *testing.B) {
	v := validator(b)
	for _, side := range []struct {
		name     string
		validate func(*spec.Validator, string) error
	}{{"request", validateRequest}, {"response", validateResponse}} {
		for _, d := range []int{8, 16, 24, 31} {
			value := nested("lists", d)
			b.Run(side.name+"/depth="+strconv.Itoa(d), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := side.validate(v, value); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
