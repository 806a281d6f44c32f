package migrate_test

import (
	"io"
	"strconv"
)

// Test-only generators of large exports: readers that write the text as it is read, so that
// the input of a 100,000-user read takes no memory of its own and what is measured is the
// reader's.

// genReader writes head, then items 0 to n-1 (item appends item i to a buffer), then tail.
type genReader struct {
	n, i       int
	head, tail string
	item       func(b []byte, i int) []byte
	buf        []byte
	off        int
	done       bool
}

func (g *genReader) Read(p []byte) (int, error) {
	for g.off == len(g.buf) {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == 0 && g.head != "" && g.buf == nil:
			g.buf = append(make([]byte, 0, 4096), g.head...)
			g.off = 0
			continue
		case g.i < g.n:
			g.buf = g.item(g.buf[:0], g.i)
			g.i++
		default:
			g.buf = append(g.buf[:0], g.tail...)
			g.done = true
		}
		g.off = 0
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// genFirebase is a Firebase export of n users laid out as `firebase auth:export` writes it
// (each user indented over 21 lines), each with a password hash of firebasePublished, a phone,
// claims and a Google identity.
func genFirebase(n int) io.Reader {
	v := firebasePublished
	return &genReader{n: n, head: "{\"users\": [\n", tail: "]}", item: func(b []byte, i int) []byte {
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, "{\n  \"localId\": \"uid"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "\",\n  \"email\": \"user"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "@example.com\",\n  \"emailVerified\": true,\n  \"passwordHash\": \""...)
		b = append(b, v.hash...)
		b = append(b, "\",\n  \"salt\": \""...)
		b = append(b, v.salt...)
		b = append(b, "\",\n  \"displayName\": \"User "...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "\",\n  \"photoUrl\": \"https://example.com/u/"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, ".png\",\n  \"lastSignedInAt\": \"1700000000000\",\n  \"createdAt\": \"1508893925000\",\n  \"phoneNumber\": \"+1555"...)
		b = strconv.AppendInt(b, int64(1000000+i), 10)
		b = append(b, "\",\n  \"disabled\": false,\n  \"customAttributes\": \"{\\\"plan\\\":\\\"pro\\\",\\\"seats\\\":3}\",\n"+
			"  \"providerUserInfo\": [\n    {\n      \"providerId\": \"google.com\",\n      \"rawId\": \""...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "\",\n      \"email\": \"user"...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "@gmail.com\"\n    }\n  ]\n}"...)
		return b
	}}
}

// genAuth0 is an Auth0 users export of n users, one a line, with metadata and identities.
func genAuth0(n int) io.Reader {
	return &genReader{n: n, item: func(b []byte, i int) []byte {
		b = append(b, `{"user_id":"auth0|`...)
		b = appendOID(b, i)
		b = append(b, `","email":"user`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `@example.com","email_verified":true,"name":"User `...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `","given_name":"User","family_name":"Number","nickname":"u","picture":"https://example.com/u.png",`+
			`"user_metadata":{"theme":"dark"},"app_metadata":{"plan":"pro","seats":3},"created_at":"2019-12-06T18:36:12.412Z",`+
			`"updated_at":"2024-01-01T00:00:00.000Z","logins_count":7,"blocked":false,`+
			`"identities":[{"provider":"auth0","connection":"Username-Password-Authentication","isSocial":false}]}`+"\n"...)
		return b
	}}
}

// genAuth0Hashes is the hashes file of genAuth0's n users, with hash for each.
func genAuth0Hashes(n int, hash string) io.Reader {
	return &genReader{n: n, item: func(b []byte, i int) []byte {
		b = append(b, `{"_id":{"$oid":"`...)
		b = appendOID(b, i)
		b = append(b, `"},"email_verified":true,"email":"user`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `@example.com","passwordHash":"`...)
		b = append(b, hash...)
		b = append(b, `","password_set_date":{"$date":"2019-12-06T18:36:12.412Z"},"tenant":"example",`+
			`"connection":"Username-Password-Authentication","_tmp_is_unique":true}`+"\n"...)
		return b
	}}
}

// appendOID appends a 24-digit hexadecimal ID for i, as MongoDB's ObjectIDs are.
func appendOID(b []byte, i int) []byte {
	s := strconv.FormatInt(int64(i), 16)
	for range 24 - len(s) {
		b = append(b, '0')
	}
	return append(b, s...)
}
