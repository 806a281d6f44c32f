package api

import (
	"context"
	"fmt"
	"strings"
)

// pager reads the pages of one search in order, from the page its options name on, for
// SearchAll and SearchAllTestUsers and for each chunk of PlanSync's searches, and hands out each
// user once. It holds the server to its total:
//
//   - it is done when as many distinct users have come as the latest page's total counts from
//     the first page's offset on (and no more than most, when set): users deleted meanwhile make
//     the total drop, which ends it sooner and is no error;
//   - a page that comes back empty before that, a page that brings no user not seen before, and
//     a page that reaches the end of the total before that, end it with an error wrapping
//     ErrMalformedResponse that says so. Every page brings a new user or ends it, so a server
//     that repeats itself cannot keep it going;
//   - a page with fewer users than asked that is not the last means the server answers fewer
//     than asked (a cap): the next pages are asked at that size, from the page of that size
//     that holds the first position not yet read. Its first users may have come before; they
//     are not handed out again. A page with more users than asked (a server that ignores the
//     limit) is followed by the next page at the same size.
//
// A user is known by its userId, or by its first login ID when it has none; a user with
// neither cannot be told from another, and ends the pages with an error.
//
// Options with a positive Offset (the position of the first user, which the API reads instead of
// Page * Limit) are read by offset: each next call asks for the first position not yet read.
type pager struct {
	op     string // what is searched, for the errors: "SearchUsers"...
	search func(context.Context, SearchOptions) ([]User, int, error)
	pace   *callPace     // nil: not paced
	opts   SearchOptions // the next page to ask for
	size   int64         // the page size asked for: opts.Limit, or DefaultSearchLimit when 0
	asked  int64         // the page size first asked for
	start  int64         // the offset of the first page asked for: the users before it are not wanted
	end    int64         // the offset just past the last position read
	most   int64         // no more users than this can match (0: no bound)
	byOffs bool          // the options named an Offset: pages are asked for by offset, not by page
	seen   seenUsers
	count  int64 // distinct users handed out
}

func newPager(op string, search func(context.Context, SearchOptions) ([]User, int, error), pace *callPace, opts SearchOptions, most int) *pager {
	size := int64(opts.Limit)
	if size == 0 {
		size = DefaultSearchLimit
	}
	start, byOffs := int64(opts.Page)*size, opts.Offset > 0
	if byOffs {
		start = int64(opts.Offset)
	}
	return &pager{op: op, search: search, pace: pace, opts: opts, size: size, asked: size, start: start, end: start, most: int64(most), byOffs: byOffs}
}

// next asks for the next page and returns its users that did not come before, in the server's
// order, and whether there may be more. An error (a failed call, the context's, or a server
// that did not keep to its total) comes after the users returned with it, and ends the pages.
func (p *pager) next(ctx context.Context) (fresh []User, more bool, err error) {
	if err := p.pace.wait(ctx); err != nil {
		return nil, false, err
	}
	users, total, err := p.search(ctx, p.opts)
	if err != nil {
		return nil, false, err
	}
	page, offset := int64(p.opts.Page), int64(p.opts.Page)*p.size
	name := fmt.Sprintf("page %d", page)
	if p.byOffs {
		offset = int64(p.opts.Offset)
		name = fmt.Sprintf("the page at offset %d", offset)
	}
	if p.size != p.asked {
		name += fmt.Sprintf(" (%d a page)", p.size)
	}
	fresh = users[:0] // in place: users is this call's own
	for i := range users {
		isNew, known := p.seen.add(&users[i])
		if !known {
			return fresh, false, fmt.Errorf("%w: %s: %s holds a user with neither a userId nor a login ID, who cannot be told from another",
				ErrMalformedResponse, p.op, name)
		}
		if isNew {
			fresh = append(fresh, users[i])
		}
	}
	p.count += int64(len(fresh))
	want := max(0, int64(total)-p.start)
	if p.most > 0 {
		want = min(want, p.most)
	}
	switch {
	case p.count >= want:
		return fresh, false, nil
	case len(users) == 0:
		return fresh, false, p.short(total, want, "%s is empty", name)
	case len(fresh) == 0:
		return fresh, false, p.short(total, want, "%s holds only users that came before (%d of them)", name, len(users))
	}
	got := int64(len(users))
	if got < p.size {
		// Fewer than asked, and not the last: ask for pages of that size from the page that
		// holds the first position not read.
		p.end = max(p.end, offset+got)
		p.size = got
		p.opts.Limit = int32(got)
	} else {
		p.end = max(p.end, offset+p.size)
	}
	if p.end >= int64(total) {
		return fresh, false, p.short(total, want, "%s is the last by its total", name)
	}
	if p.byOffs {
		p.opts.Offset = int32(p.end) // < total <= MaxInt32
	} else {
		p.opts.Page = int32(p.end / p.size)
	}
	return fresh, true, nil
}

// short is the error of pages that ended before as many users came as the total counts.
func (p *pager) short(total int, want int64, format string, args ...any) error {
	of := fmt.Sprintf("%d users its total counts", want)
	switch {
	case p.most > 0 && want == p.most && int64(total)-p.start > want:
		of = fmt.Sprintf("%d users it can find (one per name; its total: %d)", want, total)
	case p.start > 0:
		of = fmt.Sprintf("%d users its total (%d) counts after the first %d", want, total, p.start)
	}
	return fmt.Errorf("%w: %s: %s, but only %d of the %s came", ErrMalformedResponse, p.op, fmt.Sprintf(format, args...), p.count, of)
}

// seenUsers is the set of the users a pager handed out: by user ID, or by first login ID for the
// users without one (a separate set, so that a login ID cannot be taken for a user ID).
type seenUsers struct{ byID, byLoginID map[string]struct{} }

// add adds u and reports whether it is new; known is false, and nothing is added, when u has
// neither a userId nor a login ID.
func (s *seenUsers) add(u *User) (isNew, known bool) {
	set, key := &s.byID, u.UserID
	if key == "" {
		if len(u.LoginIDs) == 0 || u.LoginIDs[0] == "" {
			return false, false
		}
		set, key = &s.byLoginID, u.LoginIDs[0]
	}
	if _, dup := (*set)[key]; dup {
		return false, true
	}
	if *set == nil {
		*set = map[string]struct{}{}
	}
	(*set)[strings.Clone(key)] = struct{}{} // the key alone, never what it was cut from
	return true, true
}
