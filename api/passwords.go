package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/seed-a84e9595/descope-mgmt/api/wire"
	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// SetTemporaryPassword sets the user's password and marks it expired: the user must replace it
// at the next sign-in. The password is never printed or shown in an error; a retry is safe (it
// sets the same password again).
func (c *Client) SetTemporaryPassword(ctx context.Context, loginID, password string) error {
	return c.setPassword(ctx, "SetUserTemporaryPassword", gen.NewSetUserTemporaryPasswordRequest, loginID, password, false)
}

// SetActivePassword sets the user's password, usable at once.
func (c *Client) SetActivePassword(ctx context.Context, loginID, password string) error {
	return c.setPassword(ctx, "SetUserActivePassword", gen.NewSetUserActivePasswordRequest, loginID, password, true)
}

// SetPassword is the call behind Descope's deprecated SetPassword: active sets an active
// password, otherwise a temporary one (see SetTemporaryPassword and SetActivePassword).
func (c *Client) SetPassword(ctx context.Context, loginID, password string, active bool) error {
	return c.setPassword(ctx, "SetUserPassword", gen.NewSetUserPasswordRequest, loginID, password, active)
}

func (c *Client) setPassword(ctx context.Context, op string, build builder[gen.SetUserPasswordRequest], loginID, password string, active bool) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	if password == "" {
		return invalid("password is empty")
	}
	_, err := call[struct{}](ctx, c, op, build, gen.SetUserPasswordRequest{LoginID: loginID, Password: wire.Secret(password), SetActive: &active})
	return hideSecrets(err, password)
}

// ExpirePassword marks the user's password expired: the user must reset it at the next sign-in.
func (c *Client) ExpirePassword(ctx context.Context, loginID string) error {
	if err := checkCall(ctx, loginID); err != nil {
		return err
	}
	_, err := call[struct{}](ctx, c, "ExpireUserPassword", gen.NewExpireUserPasswordRequest, gen.UserNamedRequest{LoginID: loginID})
	return err
}

// The shapes of the hashes CheckPasswordImport recognises.
var (
	bcryptHash = regexp.MustCompile(`^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$`)
	djangoHash = regexp.MustCompile(`^[a-z0-9_]+\$.+`)
	phpassText = regexp.MustCompile(`^[./0-9A-Za-z]+$`)
)

// CheckPasswordImport reports, before anything is sent, what the API would refuse in an imported
// password hash: not exactly one variant, or a hash that does not look like one of its variant
// (a bcrypt hash is `$2a$NN$` and 53 characters, an MD5 or SHA digest hexadecimal of the
// digest's length, the bytes of firebase, pbkdf2 and argon2 not empty, their counts positive).
// The error wraps ErrInvalidArgument and names the field; it never shows the hash.
func CheckPasswordImport(h PasswordImport) error {
	set := map[string]bool{
		"bcrypt": h.Bcrypt != nil, "django": h.Django != nil, "md5": h.Md5 != nil, "buddyauth": h.Buddyauth != nil,
		"firebase": h.Firebase != nil, "pbkdf2": h.Pbkdf2 != nil, "argon2": h.Argon2 != nil, "sha": h.Sha != nil,
		"phpass": h.Phpass != nil, "bach": h.Bach != nil,
	}
	var given []string
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if set[k] {
			given = append(given, k)
		}
	}
	switch len(given) {
	case 0:
		return invalid("no variant: give exactly one of bcrypt, django, md5, buddyauth, firebase, pbkdf2, argon2, sha, phpass, bach")
	case 1:
	default:
		return invalid("%s: give exactly one variant", strings.Join(given, " and "))
	}
	hexOf := func(field, s string, n int) error {
		if b, err := hex.DecodeString(s); err != nil || len(b) != n {
			return invalid("%s: not %d hexadecimal digits", field, 2*n)
		}
		return nil
	}
	switch {
	case h.Bcrypt != nil:
		if !bcryptHash.MatchString(string(h.Bcrypt.Hash)) {
			return invalid("bcrypt.hash: not a bcrypt hash ($2a$, a cost of two digits, $, and 53 characters)")
		}
	case h.Django != nil:
		if !djangoHash.MatchString(string(h.Django.Hash)) {
			return invalid("django.hash: not <algorithm>$<fields>, as Django writes it")
		}
	case h.Md5 != nil:
		return hexOf("md5.hash", string(h.Md5.Hash), 16)
	case h.Buddyauth != nil:
		if h.Buddyauth.Hash == "" {
			return invalid("buddyauth.hash is empty")
		}
	case h.Firebase != nil:
		f := h.Firebase
		switch {
		case len(f.Hash) == 0, len(f.Salt) == 0, len(f.SignerKey) == 0:
			return invalid("firebase: hash, salt and signerKey are needed (base64)")
		case f.Memory < 1 || f.Rounds < 1:
			return invalid("firebase: memory and rounds must be at least 1")
		}
	case h.Pbkdf2 != nil:
		p := h.Pbkdf2
		switch {
		case len(p.Hash) == 0 || len(p.Salt) == 0:
			return invalid("pbkdf2: hash and salt are needed (base64)")
		case p.Iterations < 1:
			return invalid("pbkdf2.iterations must be at least 1")
		case !p.Type.Valid():
			return invalid("pbkdf2.type %q is not one of sha1, sha256, sha512", p.Type)
		}
	case h.Argon2 != nil:
		a := h.Argon2
		switch {
		case len(a.Hash) == 0 || len(a.Salt) == 0:
			return invalid("argon2: hash and salt are needed (base64)")
		case a.Iterations < 1 || a.Memory < 1 || a.Threads < 1 || a.Threads > 255:
			return invalid("argon2: iterations and memory must be at least 1, threads from 1 to 255")
		case a.Type != "" && !a.Type.Valid():
			return invalid("argon2.type %q is not argon2i or argon2id", a.Type)
		}
	case h.Sha != nil:
		size := map[gen.PasswordImportShaType]int{"sha1": 20, "sha256": 32, "sha512": 64}[h.Sha.Type]
		if size == 0 {
			return invalid("sha.type %q is not one of sha1, sha256, sha512", h.Sha.Type)
		}
		return hexOf("sha.hash", string(h.Sha.Hash), size)
	case h.Phpass != nil:
		p := h.Phpass
		switch {
		case !phpassText.MatchString(string(p.Hash)) || !phpassText.MatchString(string(p.Salt)):
			return invalid("phpass: hash and salt must be in phpass's alphabet (./0-9A-Za-z)")
		case p.Iterations < 1:
			return invalid("phpass.iterations must be at least 1")
		case !p.Type.Valid():
			return invalid("phpass.type %q is not md5 or sha512", p.Type)
		}
	case h.Bach != nil:
		if h.Bach.Hash == "" {
			return invalid("bach.hash is empty")
		}
	}
	return nil
}

// secretsOf lists the texts of a password and a hashed password as a request carries them (the
// bytes of a hash as base64, as they go on the wire), for hideSecrets.
func secretsOf(password string, h *PasswordImport) []string {
	out := []string{password}
	if h == nil {
		return out
	}
	text := func(ss ...wire.Secret) {
		for _, s := range ss {
			out = append(out, string(s))
		}
	}
	bytesOf := func(bs ...wire.SecretBytes) {
		for _, b := range bs {
			if len(b) > 0 {
				out = append(out, base64.StdEncoding.EncodeToString(b), string(b))
			}
		}
	}
	for _, p := range []*gen.PasswordImportHash{h.Bcrypt, h.Django, h.Md5, h.Buddyauth} {
		if p != nil {
			text(p.Hash)
		}
	}
	if f := h.Firebase; f != nil {
		bytesOf(f.Hash, f.Salt, f.SaltSeparator, f.SignerKey)
	}
	if p := h.Pbkdf2; p != nil {
		bytesOf(p.Hash, p.Salt)
	}
	if a := h.Argon2; a != nil {
		bytesOf(a.Hash, a.Salt)
	}
	if s := h.Sha; s != nil {
		text(s.Hash, s.Salt)
	}
	if p := h.Phpass; p != nil {
		text(p.Hash, p.Salt)
	}
	if b := h.Bach; b != nil {
		text(b.Hash, b.Key)
	}
	return out
}
