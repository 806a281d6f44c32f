package apitest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/scrypt"

	"github.com/seed-a84e9595/descope-mgmt/gen"
)

// secret is a password as the fake keeps it: a hash only, never the password. A password set in
// clear text is kept as its argon2id hash; an imported one as the hash it came with. It checks a
// password against itself and prints as [secret] whatever the verb, so that %v of anything that
// holds one shows no hash. stored is the hash as a PasswordImport (the JSON of a hashedPassword:
// one variant), which the state (WriteState) holds and importedPassword reads back.
type secret struct {
	scheme string // "argon2id" for a password set in clear text, or the imported variant
	verify func(password []byte) (bool, error)
	stored json.RawMessage
}

func (*secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "[secret]") }
func (*secret) String() string             { return "[secret]" }
func (*secret) GoString() string           { return "[secret]" }

// The argon2id parameters of passwords set in clear text: small, since the fake's store needs no
// protection and tests set many passwords.
const (
	plainTime    = 1
	plainMemory  = 4 * 1024 // KiB
	plainThreads = 1
	plainKeyLen  = 32
)

// hashPassword keeps a clear-text password as its argon2id hash with a random salt.
func hashPassword(password string) *secret {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, plainTime, plainMemory, plainThreads, plainKeyLen)
	stored, _ := json.Marshal(map[string]importArgon2JSON{"argon2": {
		Hash: base64.StdEncoding.EncodeToString(key), Salt: base64.StdEncoding.EncodeToString(salt),
		Type: "argon2id", Iterations: plainTime, Memory: plainMemory, Threads: plainThreads,
	}})
	return &secret{scheme: "argon2id", stored: stored, verify: func(pw []byte) (bool, error) {
		return subtle.ConstantTimeCompare(argon2.IDKey(pw, salt, plainTime, plainMemory, plainThreads, plainKeyLen), key) == 1, nil
	}}
}

// importArgon2JSON is the argon2 variant of a PasswordImport as JSON writes it, for the stored
// form of a password set in clear text.
type importArgon2JSON struct {
	Hash       string `json:"hash"`
	Salt       string `json:"salt"`
	Type       string `json:"type"`
	Iterations int    `json:"iterations"`
	Memory     int    `json:"memory"`
	Threads    int    `json:"threads"`
}

// ErrUnsupportedHash is returned (wrapped) by Server.CheckPassword for an imported hash whose
// algorithm the fake keeps but cannot verify (buddyauth, bach, phpass sha512, some Django ones).
var ErrUnsupportedHash = fmt.Errorf("apitest: verifying this kind of imported hash: %w", errors.ErrUnsupported)

func unsupported(scheme string) *secret {
	return &secret{scheme: scheme, verify: func([]byte) (bool, error) {
		return false, fmt.Errorf("%s: %w", scheme, ErrUnsupportedHash)
	}}
}

// badHash refuses a hashed password whose shape is wrong, naming the field and never its value.
func badHash(field, why string) *apiError {
	return invalidArguments(field + ": " + why)
}

// decodeBase64 reads a field that Descope's document types as bytes: standard base64 with
// padding, as protobuf's JSON form and Descope's SDKs write it.
func decodeBase64(field, value string) ([]byte, *apiError) {
	b, err := base64.StdEncoding.Strict().DecodeString(value)
	if err != nil {
		return nil, badHash(field, "not standard base64 with padding (bytes are base64 in JSON)")
	}
	return b, nil
}

// The variants of PasswordImport as they come in JSON: bytes fields as the base64 text they are
// sent as, decoded here so that a bad one is refused naming its field.
type (
	importHash     struct{ Hash string }
	importFirebase struct {
		Hash, Salt, SaltSeparator, SignerKey string
		Memory, Rounds                       int
	}
	importPbkdf2 struct {
		Hash, Salt, Type string
		Iterations       int
	}
	importArgon2 struct {
		Hash, Salt, Type            string
		Iterations, Memory, Threads int
	}
	importSha    struct{ Hash, Type, Salt string }
	importPhpass struct {
		Hash, Salt, Type string
		Iterations       int
	}
)

// importedPassword reads a PasswordImport (exactly one variant: the spec says so) and checks its
// shape; field is where it is in the request, for the messages. The secret keeps raw (compacted)
// as its stored form.
func importedPassword(field string, raw json.RawMessage) (*secret, *apiError) {
	sec, e := readImported(field, raw)
	if e != nil {
		return nil, e
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return nil, badHash(field, "not JSON")
	}
	sec.stored = b.Bytes()
	return sec, nil
}

// readImported is importedPassword without the stored form.
func readImported(field string, raw json.RawMessage) (*secret, *apiError) {
	var variants map[string]json.RawMessage
	if err := json.Unmarshal(raw, &variants); err != nil || len(variants) != 1 {
		return nil, badHash(field, "give exactly one kind of hash")
	}
	for kind, v := range variants {
		at := field + "." + kind
		switch kind {
		case "bcrypt", "django", "md5", "buddyauth":
			var h importHash
			_ = json.Unmarshal(v, &h)
			return hashedText(at+".hash", kind, h.Hash)
		case "firebase":
			var f importFirebase
			_ = json.Unmarshal(v, &f)
			return firebaseHash(at, f)
		case "pbkdf2":
			var p importPbkdf2
			_ = json.Unmarshal(v, &p)
			return pbkdf2Hash(at, p)
		case "argon2":
			var a importArgon2
			_ = json.Unmarshal(v, &a)
			return argon2Hash(at, a)
		case "sha":
			var s importSha
			_ = json.Unmarshal(v, &s)
			return shaHash(at, s)
		case "phpass":
			var p importPhpass
			_ = json.Unmarshal(v, &p)
			return phpassHash(at, p)
		case "bach":
			return unsupported("bach"), nil
		}
		return nil, badHash(field, fmt.Sprintf("unknown kind of hash %q", kind))
	}
	return nil, badHash(field, "give exactly one kind of hash")
}

// hashedText reads the variants whose hash is one string.
func hashedText(field, kind, h string) (*secret, *apiError) {
	switch kind {
	case "bcrypt":
		return bcryptHash(field, kind, []byte(h), nil)
	case "md5":
		digest, err := hex.DecodeString(h)
		if err != nil || len(digest) != md5.Size {
			return nil, badHash(field, "not an MD5 digest (32 hexadecimal digits)")
		}
		return digestHash("md5", md5.New, digest, nil), nil
	case "django":
		return djangoHash(field, h)
	}
	if h == "" {
		return nil, badHash(field, "empty")
	}
	return unsupported(kind), nil
}

// bcryptHash checks a bcrypt hash's shape ($2a$, $2b$ or $2y$, a cost, 53 characters of salt
// and hash); pre, when set, turns the password into what was hashed (Django's bcrypt_sha256).
func bcryptHash(field, scheme string, h []byte, pre func([]byte) []byte) (*secret, *apiError) {
	if len(h) != 60 || !(strings.HasPrefix(string(h), "$2a$") || strings.HasPrefix(string(h), "$2b$") || strings.HasPrefix(string(h), "$2y$")) {
		return nil, badHash(field, "not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)")
	}
	if _, err := bcrypt.Cost(h); err != nil {
		return nil, badHash(field, "not a bcrypt hash (its cost or salt does not read)")
	}
	return &secret{scheme: scheme, verify: func(pw []byte) (bool, error) {
		if pre != nil {
			pw = pre(pw)
		}
		err := bcrypt.CompareHashAndPassword(h, pw)
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		return err == nil, err
	}}, nil
}

// digestHash verifies hex-decoded digests of the password followed by salt.
func digestHash(scheme string, h func() hash.Hash, digest, salt []byte) *secret {
	return &secret{scheme: scheme, verify: func(pw []byte) (bool, error) {
		d := h()
		d.Write(pw)
		d.Write(salt)
		return subtle.ConstantTimeCompare(d.Sum(nil), digest) == 1, nil
	}}
}

func shaFunc(t string) (func() hash.Hash, bool) {
	switch t {
	case "sha1":
		return sha1.New, true
	case "sha256":
		return sha256.New, true
	case "sha512":
		return sha512.New, true
	}
	return nil, false
}

// shaHash reads a salted SHA digest: hex of SHA(password + salt).
func shaHash(at string, s importSha) (*secret, *apiError) {
	h, ok := shaFunc(s.Type)
	if !ok {
		return nil, badHash(at+".type", "sha1, sha256 or sha512")
	}
	digest, err := hex.DecodeString(s.Hash)
	if err != nil || len(digest) != h().Size() {
		return nil, badHash(at+".hash", fmt.Sprintf("not a %s digest (%d hexadecimal digits)", s.Type, 2*h().Size()))
	}
	return digestHash("sha", h, digest, []byte(s.Salt)), nil
}

func pbkdf2Secret(scheme string, h func() hash.Hash, salt []byte, iterations int, key []byte) *secret {
	return &secret{scheme: scheme, verify: func(pw []byte) (bool, error) {
		return subtle.ConstantTimeCompare(pbkdf2.Key(pw, salt, iterations, len(key), h), key) == 1, nil
	}}
}

// pbkdf2Hash reads PBKDF2 with HMAC-SHA1, SHA-256 or SHA-512, as `type` says.
func pbkdf2Hash(at string, p importPbkdf2) (*secret, *apiError) {
	h, ok := shaFunc(p.Type)
	if !ok {
		return nil, badHash(at+".type", "sha1, sha256 or sha512")
	}
	key, e := decodeBase64(at+".hash", p.Hash)
	if e != nil {
		return nil, e
	}
	salt, e := decodeBase64(at+".salt", p.Salt)
	if e != nil {
		return nil, e
	}
	if len(key) == 0 || p.Iterations < 1 {
		return nil, badHash(at, "an empty hash or no iterations")
	}
	return pbkdf2Secret("pbkdf2", h, salt, p.Iterations, key), nil
}

// maxArgon2Memory caps, in KiB, the memory CheckPassword spends on one imported argon2 hash.
const maxArgon2Memory = 256 * 1024

func argon2Secret(scheme, variant string, salt, key []byte, iterations, memory, threads int) *secret {
	return &secret{scheme: scheme, verify: func(pw []byte) (bool, error) {
		if memory > maxArgon2Memory {
			return false, fmt.Errorf("%s: a memory cost of %d KiB is more than the fake spends (%d KiB)", scheme, memory, maxArgon2Memory)
		}
		f := argon2.IDKey
		if variant == "argon2i" {
			f = argon2.Key
		}
		got := f(pw, salt, uint32(iterations), uint32(memory), uint8(threads), uint32(len(key)))
		return subtle.ConstantTimeCompare(got, key) == 1, nil
	}}
}

// argon2Hash reads argon2i or argon2id (the default: the .NET model has no type).
func argon2Hash(at string, a importArgon2) (*secret, *apiError) {
	variant := a.Type
	if variant == "" {
		variant = "argon2id"
	}
	if variant != "argon2i" && variant != "argon2id" {
		return nil, badHash(at+".type", "argon2i or argon2id")
	}
	key, e := decodeBase64(at+".hash", a.Hash)
	if e != nil {
		return nil, e
	}
	salt, e := decodeBase64(at+".salt", a.Salt)
	if e != nil {
		return nil, e
	}
	switch {
	case len(key) < 4:
		return nil, badHash(at+".hash", "shorter than 4 bytes")
	case a.Iterations < 1 || a.Memory < 1 || a.Threads < 1 || a.Threads > 255 || a.Memory > 1<<32-1:
		return nil, badHash(at, "iterations, memory and threads (1 to 255) must be positive")
	}
	return argon2Secret("argon2", variant, salt, key, a.Iterations, a.Memory, a.Threads), nil
}

// maxScryptBytes caps the memory CheckPassword spends on one Firebase scrypt (128 * N * r).
const maxScryptBytes = 256 << 20

// firebaseKey is Firebase's modified scrypt: scrypt of the password with the user's salt followed
// by the project's salt separator (N = 2^memory, r = rounds, p = 1, 32 bytes), used as an AES-256
// key to encrypt the project's signer key in CTR mode with a zero IV; the result is the hash.
func firebaseKey(password, salt, separator, signerKey []byte, memory, rounds int) ([]byte, error) {
	if memory < 1 || memory > 30 || rounds < 1 || 128*(1<<memory)*rounds > maxScryptBytes {
		return nil, fmt.Errorf("firebase: memory cost %d and rounds %d need more than the %d bytes the fake spends", memory, rounds, maxScryptBytes)
	}
	key, err := scrypt.Key(password, append(append([]byte(nil), salt...), separator...), 1<<memory, rounds, 1, 32)
	if err != nil {
		return nil, fmt.Errorf("firebase: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("firebase: %w", err)
	}
	out := make([]byte, len(signerKey))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, signerKey)
	return out, nil
}

func firebaseSecret(hashed, salt, separator, signerKey []byte, memory, rounds int) *secret {
	return &secret{scheme: "firebase", verify: func(pw []byte) (bool, error) {
		got, err := firebaseKey(pw, salt, separator, signerKey, memory, rounds)
		if err != nil {
			return false, err
		}
		return subtle.ConstantTimeCompare(got, hashed) == 1, nil
	}}
}

// firebaseHash reads Firebase's modified scrypt with the project's hash configuration.
func firebaseHash(at string, f importFirebase) (*secret, *apiError) {
	var fields [4][]byte
	for i, v := range []struct{ name, value string }{{"hash", f.Hash}, {"salt", f.Salt}, {"saltSeparator", f.SaltSeparator}, {"signerKey", f.SignerKey}} {
		b, e := decodeBase64(at+"."+v.name, v.value)
		if e != nil {
			return nil, e
		}
		fields[i] = b
	}
	if len(fields[0]) == 0 || len(fields[0]) != len(fields[3]) {
		return nil, badHash(at+".hash", "must be as long as signerKey (it is the signer key encrypted)")
	}
	if f.Memory < 1 || f.Memory > 30 || f.Rounds < 1 {
		return nil, badHash(at, "memory (1 to 30) and rounds must be positive")
	}
	return firebaseSecret(fields[0], fields[1], fields[2], fields[3], f.Memory, f.Rounds), nil
}

// djangoHash reads Django's `<algorithm>$<fields>`: pbkdf2_sha256 and pbkdf2_sha1
// (`$iterations$salt$base64 hash`), argon2 (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`, base64
// without padding) and bcrypt_sha256 (`$` then a bcrypt hash of the SHA-256 hex digest) are
// verified; other algorithms are kept and not verified.
func djangoHash(field, h string) (*secret, *apiError) {
	algorithm, rest, ok := strings.Cut(h, "$")
	if !ok || algorithm == "" || rest == "" {
		return nil, badHash(field, "not a Django hash (<algorithm>$<fields>)")
	}
	switch algorithm {
	case "pbkdf2_sha256", "pbkdf2_sha1":
		parts := strings.Split(rest, "$")
		if len(parts) != 3 {
			return nil, badHash(field, "not a Django PBKDF2 hash (<algorithm>$<iterations>$<salt>$<hash>)")
		}
		iterations, err := strconv.Atoi(parts[0])
		key, err2 := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || iterations < 1 || err2 != nil || len(key) == 0 {
			return nil, badHash(field, "not a Django PBKDF2 hash (its iterations or base64 hash do not read)")
		}
		h := sha256.New
		if algorithm == "pbkdf2_sha1" {
			h = sha1.New
		}
		return pbkdf2Secret("django", h, []byte(parts[1]), iterations, key), nil
	case "argon2":
		parts := strings.Split(rest, "$")
		var m, t, p int
		if len(parts) != 5 || (parts[0] != "argon2id" && parts[0] != "argon2i") {
			return nil, badHash(field, "not a Django argon2 hash (argon2$<variant>$v=19$m=,t=,p=$<salt>$<hash>)")
		}
		_, err := fmt.Sscanf(parts[2], "m=%d,t=%d,p=%d", &m, &t, &p)
		salt, err2 := base64.RawStdEncoding.DecodeString(parts[3])
		key, err3 := base64.RawStdEncoding.DecodeString(parts[4])
		if err != nil || err2 != nil || err3 != nil || m < 1 || t < 1 || p < 1 || p > 255 || len(key) < 4 {
			return nil, badHash(field, "not a Django argon2 hash (its parameters, salt or hash do not read)")
		}
		return argon2Secret("django", parts[0], salt, key, t, m, p), nil
	case "bcrypt_sha256":
		return bcryptHash(field, "django", []byte(rest), func(pw []byte) []byte {
			d := sha256.Sum256(pw)
			return []byte(hex.EncodeToString(d[:]))
		})
	}
	return unsupported("django " + algorithm), nil
}

// phpassAlphabet is phpass's base64 alphabet.
const phpassAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// phpassEncode is phpass's encoding of bytes (little-endian groups of 3 bytes, 6 bits a
// character).
func phpassEncode(b []byte) string {
	var out strings.Builder
	for i := 0; i < len(b); i += 3 {
		v := int(b[i])
		out.WriteByte(phpassAlphabet[v&0x3f])
		if i+1 < len(b) {
			v |= int(b[i+1]) << 8
		}
		out.WriteByte(phpassAlphabet[(v>>6)&0x3f])
		if i+1 >= len(b) {
			break
		}
		if i+2 < len(b) {
			v |= int(b[i+2]) << 16
		}
		out.WriteByte(phpassAlphabet[(v>>12)&0x3f])
		if i+2 >= len(b) {
			break
		}
		out.WriteByte(phpassAlphabet[(v>>18)&0x3f])
	}
	return out.String()
}

// phpassMD5 is phpass's portable hash: MD5 of the salt and the password, then count times MD5 of
// the last digest and the password, encoded in phpass's alphabet (22 characters).
func phpassMD5(password []byte, salt string, count int) string {
	d := md5.Sum(append([]byte(salt), password...))
	for range count {
		d = md5.Sum(append(d[:], password...))
	}
	return phpassEncode(d[:])
}

// phpassHash reads phpass's portable MD5 hash; its SHA-512 variant (Drupal's) is kept and not
// verified.
func phpassHash(at string, p importPhpass) (*secret, *apiError) {
	for _, f := range []struct{ name, value string }{{"hash", p.Hash}, {"salt", p.Salt}} {
		if strings.Trim(f.value, phpassAlphabet) != "" || f.value == "" {
			return nil, badHash(at+"."+f.name, "not in phpass's alphabet (./0-9A-Za-z)")
		}
	}
	if p.Iterations < 1 {
		return nil, badHash(at+".iterations", "must be positive")
	}
	if p.Type == "sha512" {
		return unsupported("phpass sha512"), nil
	}
	if len(p.Hash) != 22 {
		return nil, badHash(at+".hash", "not a phpass MD5 hash (22 characters)")
	}
	want := p.Hash
	return &secret{scheme: "phpass", verify: func(pw []byte) (bool, error) {
		return subtle.ConstantTimeCompare([]byte(phpassMD5(pw, p.Salt, p.Iterations)), []byte(want)) == 1, nil
	}}, nil
}

// PasswordInfo is what the fake knows of a user's password, without the password.
type PasswordInfo struct {
	Set     bool   // the user has a password
	Expired bool   // set as temporary, or expired: the user must replace it at the next sign-in
	Scheme  string // "argon2id" for a password set in clear text (as the fake keeps it), or the imported variant
}

// Password returns what the fake knows of the password of the user with loginID among its login
// IDs, or with that user ID, and whether there is such a user.
func (s *Server) Password(loginID string) (PasswordInfo, bool) {
	s.store.mu.RLock()
	defer s.store.mu.RUnlock()
	sl := s.store.byID[loginID]
	if sl == nil {
		return PasswordInfo{}, false
	}
	ks := sl.kept()
	info := PasswordInfo{Set: ks.password != nil, Expired: ks.passwordExpired}
	if ks.password != nil {
		info.Scheme = ks.password.scheme
	}
	return info, true
}

// CheckPassword reports whether password is the password of the user with loginID among its
// login IDs, or with that user ID, as it was set (in clear text, kept as a hash) or imported
// (checked against the hash it came with). A user without a password gives false. It fails for
// an unknown user, and for imported hashes the fake cannot verify (ErrUnsupportedHash).
// Whether the password has expired is Password's business.
func (s *Server) CheckPassword(loginID, password string) (bool, error) {
	s.store.mu.RLock()
	sl := s.store.byID[loginID]
	var sec *secret
	if sl != nil {
		sec = sl.kept().password
	}
	s.store.mu.RUnlock()
	if sl == nil {
		return false, fmt.Errorf("apitest: CheckPassword: no user %q", loginID)
	}
	if sec == nil {
		return false, nil
	}
	return sec.verify([]byte(password))
}

// setPassword sets the password of the user a SetUserPasswordRequest names, active or not.
func (o operations) setPassword(w http.ResponseWriter, r *http.Request, active func(setActive *bool) (bool, *apiError)) {
	req, c, ok := decodeBody[gen.SetUserPasswordRequest](o.s, w, r)
	if !ok {
		return
	}
	id, e := userNamed(string(req.LoginID), string(req.Identifier))
	var isActive bool
	if e == nil {
		isActive, e = active(req.SetActive)
	}
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	sec := hashPassword(string(req.Password)) // outside the lock: hashing takes a while
	_, e = o.s.store.update(id, func(sl *slot, old *gen.User) (*gen.User, *apiError) {
		ks := sl.keep()
		ks.password, ks.passwordExpired = sec, !isActive
		u := *old
		u.Password = true
		return &u, nil
	})
	if e != nil {
		o.s.fail(w, r, c, e)
		return
	}
	o.s.respond(w, r, c, http.StatusOK, gen.PasswordSetResponse{})
}

// pathSays checks that setActive, when sent, agrees with the path's kind of password.
func pathSays(active bool) func(*bool) (bool, *apiError) {
	return func(setActive *bool) (bool, *apiError) {
		if setActive != nil && *setActive != active {
			return false, invalidArguments(fmt.Sprintf("setActive %v contradicts this path, which sets an %s password", *setActive, map[bool]string{true: "active", false: "expired (temporary)"}[active]))
		}
		return active, nil
	}
}

func (o operations) SetUserTemporaryPassword(w http.ResponseWriter, r *http.Request) {
	o.setPassword(w, r, pathSays(false))
}

func (o operations) SetUserActivePassword(w http.ResponseWriter, r *http.Request) {
	o.setPassword(w, r, pathSays(true))
}

func (o operations) SetUserPassword(w http.ResponseWriter, r *http.Request) {
	o.setPassword(w, r, func(setActive *bool) (bool, *apiError) { return deref(setActive), nil })
}

func (o operations) ExpireUserPassword(w http.ResponseWriter, r *http.Request) {
	o.changeState(w, r, func(sl *slot, u *gen.User) *gen.User {
		if sl.state != nil {
			sl.state.passwordExpired = sl.state.password != nil
		}
		return u
	})
}
