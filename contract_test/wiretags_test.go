package contract_test

// The wire-tag guard: the JSON names of the generated types are exactly the spec's property
// names, so a hand-edited json tag in gen/ fails here even where no other test sends that field.

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// wireTypes pairs each generated model with its schema in components/schemas.
var wireTypes = []struct {
	schema   string
	goType   any // a pointer to the zero value
	response bool
}{
	{"User", &gen.User{}, true},
	{"UserTenant", &gen.UserTenant{}, true},
	{"UserResponse", &gen.UserResponse{}, true},
	{"PatchUsersBatchResponse", &gen.PatchUsersBatchResponse{}, true},
	{"PatchUserBatchFailure", &gen.PatchUserBatchFailure{}, true},
	{"Error", &gen.Error{}, true},
	{"PatchUserRequest", &gen.PatchUserRequest{}, false},
	{"PatchUserTenant", &gen.PatchUserTenant{}, false},
	{"PatchUsersBatchRequest", &gen.PatchUsersBatchRequest{}, false},
	{"UpdateUserCustomAttributeRequest", &gen.UpdateUserCustomAttributeRequest{}, false},
	{"UpdateUserNameRequest", &gen.UpdateUserNameRequest{}, false},
	{"UpdateUserPictureRequest", &gen.UpdateUserPictureRequest{}, false},
	{"UpdateUserPhoneRequest", &gen.UpdateUserPhoneRequest{}, false},

	// Spec 1.3.0.
	{"CreateUserRequest", &gen.CreateUserRequest{}, false},
	{"CreateUsersBatchRequest", &gen.CreateUsersBatchRequest{}, false},
	{"BatchUser", &gen.BatchUser{}, false},
	{"PasswordImport", &gen.PasswordImport{}, false},
	{"PasswordImportHash", &gen.PasswordImportHash{}, false},
	{"PasswordImportFirebase", &gen.PasswordImportFirebase{}, false},
	{"PasswordImportPbkdf2", &gen.PasswordImportPbkdf2{}, false},
	{"PasswordImportArgon2", &gen.PasswordImportArgon2{}, false},
	{"PasswordImportSha", &gen.PasswordImportSha{}, false},
	{"PasswordImportPhpass", &gen.PasswordImportPhpass{}, false},
	{"PasswordImportBach", &gen.PasswordImportBach{}, false},
	{"DeleteUserRequest", &gen.DeleteUserRequest{}, false},
	{"DeleteUsersRequest", &gen.DeleteUsersRequest{}, false},
	{"UserLogoutRequest", &gen.UserLogoutRequest{}, false},
	{"UserNamedRequest", &gen.UserNamedRequest{}, false},
	{"SetUserPasswordRequest", &gen.SetUserPasswordRequest{}, false},
	{"RemoveUserPasskeysRequest", &gen.RemoveUserPasskeysRequest{}, false},
	{"RemoveUserPasskeyRequest", &gen.RemoveUserPasskeyRequest{}, false},
	{"ImportUserPasskeysRequest", &gen.ImportUserPasskeysRequest{}, false},
	{"WebauthnImportDevice", &gen.WebauthnImportDevice{}, false},
	{"WebauthnImportDescope", &gen.WebauthnImportDescope{}, false},
	{"WebauthnImportAuth0", &gen.WebauthnImportAuth0{}, false},
	{"ListTrustedDevicesRequest", &gen.ListTrustedDevicesRequest{}, false},
	{"RemoveTrustedDevicesRequest", &gen.RemoveTrustedDevicesRequest{}, false},
	{"LoginOptions", &gen.LoginOptions{}, false},
	{"GenerateOTPRequest", &gen.GenerateOTPRequest{}, false},
	{"GenerateMagicLinkRequest", &gen.GenerateMagicLinkRequest{}, false},
	{"GenerateEnchantedLinkRequest", &gen.GenerateEnchantedLinkRequest{}, false},
	{"EmbeddedLinkSigninRequest", &gen.EmbeddedLinkSigninRequest{}, false},
	{"EmbeddedLinkSignupRequest", &gen.EmbeddedLinkSignupRequest{}, false},
	{"SignUpUser", &gen.SignUpUser{}, false},
	{"UsersAuthHistoryRequest", &gen.UsersAuthHistoryRequest{}, false},
	{"CreateCustomAttributesRequest", &gen.CreateCustomAttributesRequest{}, false},
	{"CustomAttributeDefinition", &gen.CustomAttributeDefinition{}, false},
	{"CustomAttributeOptionInput", &gen.CustomAttributeOptionInput{}, false},
	{"DeleteCustomAttributesRequest", &gen.DeleteCustomAttributesRequest{}, false},
	{"UpdateUserImpersonationConsentRequest", &gen.UpdateUserImpersonationConsentRequest{}, false},
	{"ImportUsersRequest", &gen.ImportUsersRequest{}, false},
	{"CreateUsersBatchResponse", &gen.CreateUsersBatchResponse{}, true},
	{"CreateUsersBatchFailure", &gen.CreateUsersBatchFailure{}, true},
	{"PasswordSetResponse", &gen.PasswordSetResponse{}, true},
	{"UserPasskey", &gen.UserPasskey{}, true},
	{"UserPasskeysResponse", &gen.UserPasskeysResponse{}, true},
	{"TrustedDevice", &gen.TrustedDevice{}, true},
	{"TrustedDevicesResponse", &gen.TrustedDevicesResponse{}, true},
	{"GenerateOTPResponse", &gen.GenerateOTPResponse{}, true},
	{"GenerateMagicLinkResponse", &gen.GenerateMagicLinkResponse{}, true},
	{"GenerateEnchantedLinkResponse", &gen.GenerateEnchantedLinkResponse{}, true},
	{"EmbeddedLinkResponse", &gen.EmbeddedLinkResponse{}, true},
	{"UserAuthHistory", &gen.UserAuthHistory{}, true},
	{"AuthHistoryResponse", &gen.AuthHistoryResponse{}, true},
	{"UserProviderToken", &gen.UserProviderToken{}, true},
	{"CustomAttribute", &gen.CustomAttribute{}, true},
	{"CustomAttributeOption", &gen.CustomAttributeOption{}, true},
	{"CustomAttributesResponse", &gen.CustomAttributesResponse{}, true},
	{"UserImportResponse", &gen.UserImportResponse{}, true},
	{"UserImportFailure", &gen.UserImportFailure{}, true},
}

func TestWireTags(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	for _, wt := range wireTypes {
		t.Run(wt.schema, func(t *testing.T) {
			t.Parallel()
			ref := doc.Components.Schemas[wt.schema]
			if ref == nil {
				t.Fatalf("no schema %s in the spec", wt.schema)
			}
			schema := ref.Value

			// Every field set: the keys, at every depth, are the spec's properties.
			v := reflect.New(reflect.TypeOf(wt.goType).Elem())
			fill(v.Elem())
			full := deepCopyJSON(t, v.Interface())
			for _, m := range keyMismatches(wt.schema, schema, full) {
				t.Error(m)
			}
			// And the populated value is valid against the schema, so the Go field types agree
			// with the spec's types too.
			opt := openapi3.VisitAsRequest()
			if wt.response {
				opt = openapi3.VisitAsResponse()
			}
			// (Where the schema wants exactly one of its properties, every one set is one too
			// many, and only that is allowed.)
			if err := schema.VisitJSON(full, openapi3.MultiErrors(), opt); err != nil && !onlyOneTooMany(err) {
				t.Errorf("a fully populated %T does not match its schema: %v", wt.goType, err)
			}

			// Request types: the zero value sends exactly the required properties and those the
			// spec marks x-omitempty: false; every other field is left out until set.
			if !wt.response {
				want := slices.Clone(schema.Required)
				for name, p := range schema.Properties {
					if p.Value != nil && p.Value.Extensions["x-omitempty"] == false && !slices.Contains(want, name) {
						want = append(want, name)
					}
				}
				slices.Sort(want)
				zero := deepCopyJSON(t, wt.goType).(map[string]any)
				if got := sortedKeys(zero); !slices.Equal(got, want) {
					t.Errorf("zero %T sends %v, want exactly %v", wt.goType, got, want)
				}
			}
		})
	}
}

// onlyOneTooMany reports whether every error err holds is a schema that takes at most one
// property meeting an object that has more (PasswordImport, WebauthnImportDevice filled whole).
func onlyOneTooMany(err error) bool {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			if !onlyOneTooMany(e) {
				return false
			}
		}
		return len(me) > 0
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return false
	}
	if se.Origin != nil {
		return onlyOneTooMany(se.Origin)
	}
	return se.SchemaField == "maxProperties" && se.Schema != nil && se.Schema.MaxProps != nil && *se.Schema.MaxProps == 1
}

// The guard itself must notice a renamed, a missing and an extra key.
func TestWireTagsGuardDetects(t *testing.T) {
	t.Parallel()
	schema := loadSpec(t).Components.Schemas["UserTenant"].Value
	type renamed struct {
		TenantID    string   `json:"tenantID"`
		RoleNames   []string `json:"roleNames"`
		TenantName  string   `json:"tenantName"`
		Permissions []string `json:"permissions"`
	}
	type missing struct {
		TenantID  string   `json:"tenantId"`
		RoleNames []string `json:"roleNames"`
	}
	for name, goType := range map[string]any{"renamed": &renamed{}, "missing": &missing{}} {
		v := reflect.New(reflect.TypeOf(goType).Elem())
		fill(v.Elem())
		if got := keyMismatches("UserTenant", schema, deepCopyJSON(t, v.Interface())); len(got) == 0 {
			t.Errorf("%s: no mismatch found", name)
		}
	}
	// A hash with every variant is one too many, and nothing else; a wrong type beside it is more.
	hash := loadSpec(t).Components.Schemas["PasswordImport"].Value
	var every gen.PasswordImport
	fill(reflect.ValueOf(&every).Elem())
	if err := hash.VisitJSON(deepCopyJSON(t, every), openapi3.MultiErrors()); err == nil || !onlyOneTooMany(err) {
		t.Errorf("every variant of a hash: %v, want only one too many", err)
	}
	every.Pbkdf2.Type = "md5"
	if err := hash.VisitJSON(deepCopyJSON(t, every), openapi3.MultiErrors()); err == nil || onlyOneTooMany(err) {
		t.Errorf("every variant and a wrong pbkdf2 type: %v, want more than one too many", err)
	}
	one := gen.PasswordImport{Pbkdf2: every.Pbkdf2}
	if err := hash.VisitJSON(deepCopyJSON(t, one), openapi3.MultiErrors()); err == nil || onlyOneTooMany(err) {
		t.Errorf("one variant with a wrong type: %v, want an error that is not one too many", err)
	}
	// Nested: a User whose tenant carries an unknown key.
	user := map[string]any{"userTenants": []any{map[string]any{"tenantId": "x", "tenantNme": "x"}}}
	userSchema := loadSpec(t).Components.Schemas["User"].Value
	want := "User/userTenants/0: spec properties missing from the JSON [permissions roleNames tenantName], JSON keys not in the spec [tenantNme]"
	if got := keyMismatches("User", userSchema, user); !slices.Contains(got, want) {
		t.Errorf("nested mismatch not reported as expected: %v", got)
	}
}

// keyMismatches compares the object keys of v with schema's properties, recursively through
// properties, items and additionalProperties.
func keyMismatches(at string, schema *openapi3.Schema, v any) []string {
	if schema == nil {
		return nil
	}
	props := properties(schema)
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if len(props) > 0 {
			var missing, extra []string
			for k := range props {
				if _, ok := v[k]; !ok {
					missing = append(missing, k)
				}
			}
			for k := range v {
				if _, ok := props[k]; !ok {
					extra = append(extra, k)
				}
			}
			if len(missing)+len(extra) > 0 {
				slices.Sort(missing)
				slices.Sort(extra)
				out = append(out, fmt.Sprintf("%s: spec properties missing from the JSON %v, JSON keys not in the spec %v", at, missing, extra))
			}
			for _, k := range sortedKeys(v) {
				if p := props[k]; p != nil {
					out = append(out, keyMismatches(at+"/"+k, p.Value, v[k])...)
				}
			}
		} else if ap := schema.AdditionalProperties.Schema; ap != nil {
			for _, k := range sortedKeys(v) {
				out = append(out, keyMismatches(at+"/"+k, ap.Value, v[k])...)
			}
		}
	case []any:
		if schema.Items != nil {
			for i, item := range v {
				out = append(out, keyMismatches(fmt.Sprintf("%s/%d", at, i), schema.Items.Value, item)...)
			}
		}
	}
	return out
}

// properties merges a schema's properties with those of its allOf members.
func properties(s *openapi3.Schema) openapi3.Schemas {
	out := openapi3.Schemas{}
	for k, v := range s.Properties {
		out[k] = v
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			for k, v := range properties(sub.Value) {
				out[k] = v
			}
		}
	}
	return out
}

// enumValues are a value of each enum of the generated types, for fill.
var enumValues = map[reflect.Type]string{
	reflect.TypeFor[gen.UserStatus]():               string(gen.UserStatusEnabled),
	reflect.TypeFor[gen.PasswordImportPbkdf2Type](): string(gen.PasswordImportPbkdf2TypeSha256),
	reflect.TypeFor[gen.PasswordImportArgon2Type](): string(gen.PasswordImportArgon2TypeArgon2ID),
	reflect.TypeFor[gen.PasswordImportShaType]():    string(gen.PasswordImportShaTypeSha256),
	reflect.TypeFor[gen.PasswordImportPhpassType](): string(gen.PasswordImportPhpassTypeMd5),
}

// fill sets every field reachable from v to a non-zero value: pointers are allocated, slices and
// maps get one element, interfaces a string. An enum gets a value of its own (enumValues).
func fill(v reflect.Value) {
	if e, ok := enumValues[v.Type()]; ok {
		v.SetString(e)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem())
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0))
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("x"))
	default:
		panic(fmt.Sprintf("fill: unhandled kind %s", v.Kind()))
	}
}

// Sanity check of fill on the type with the most shapes.
func TestWireTagsFillSetsEverything(t *testing.T) {
	t.Parallel()
	var u gen.User
	fill(reflect.ValueOf(&u).Elem())
	raw, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := len(back), reflect.TypeOf(u).NumField(); got != want {
		t.Errorf("filled User marshals %d keys for %d fields: %s", got, want, raw)
	}
}
