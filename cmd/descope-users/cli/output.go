package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/seed-a84e9595/descope-mgmt/api"
)

// printJSON writes v as indented JSON, without HTML escaping.
func printJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// summary is what printSummary reports of a bulk run of inputs of type T.
type summary[T any] struct {
	input       string // the input, as the summary names it
	res         *api.BulkResult[T]
	inputs      string // what the inputs are called: "patches"
	applied     string // what an applied input is: "patched"
	reasons     *reasonTally
	total       int // inputs in the input
	resumed     int // inputs with an outcome in the journal of the killed run this one resumes
	stopped     string
	pacing      string
	failedPath  string
	failedLines int // lines in the failed file
	retry       string
	// shared says that other runs of the same command write the same failed file (sync's
	// patches, creates and deletes): the line of a run that applied everything does not speak for
	// the file.
	shared bool
}

// unfinished reports whether some input was not applied: it failed, was not attempted, or is in
// the failed file from the killed run this one resumed.
func (s summary[T]) unfinished() bool {
	return s.failedLines > 0 || s.res.Failed+s.res.NotAttempted > 0
}

const maxReasons = 10

func printSummary[T any](w io.Writer, s summary[T]) {
	r := s.res
	elapsed := r.Elapsed
	rate := 0.0
	if elapsed > 0 {
		rate = float64(r.Applied+r.Existing+r.Failed) / elapsed.Seconds()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Summary of %s", s.input)
	if s.stopped != "" {
		fmt.Fprintf(&b, " (%s)", s.stopped)
	}
	b.WriteString("\n")
	row := func(label string, format string, a ...any) {
		fmt.Fprintf(&b, "  %-14s %s\n", label, fmt.Sprintf(format, a...))
	}
	row("total", "%d", s.total)
	if s.resumed > 0 {
		row("resumed", "%d already had an outcome in the journal of the killed run (not sent again)", s.resumed)
	}
	row(s.applied, "%d", r.Applied)
	if r.Existing > 0 {
		row("existing", "%d (a user has the login ID already: not created again)", r.Existing)
	}
	row("failed", "%d", r.Failed)
	row("not attempted", "%d", r.NotAttempted)
	if r.Requeued > 0 {
		row("batches", "%d (%d calls: %d sent again after a 429)", r.Batches-r.Requeued, r.Batches, r.Requeued)
	} else {
		row("batches", "%d", r.Batches)
	}
	if r.RateLimited > 0 {
		row("429s met", "%d (all batches paused for the Retry-After the server asked for)", r.RateLimited)
	} else {
		row("429s met", "0")
	}
	row("paced", "%s", s.pacing)
	row("elapsed", "%v", round(elapsed))
	row("rate", "%.0f %s/s", rate, s.inputs)
	s.reasons.print(&b)
	if len(r.AdditionalErrors) > 0 {
		fmt.Fprintf(&b, "The API also sent %d additionalErrors.\n", len(r.AdditionalErrors))
	}
	switch {
	case s.failedLines > 0:
		fmt.Fprintf(&b, "Failed file: %d unfinished %s in %s\n  retry them with: %s\n", s.failedLines, s.inputs, s.failedPath, s.retry)
	case r.Failed+r.NotAttempted == 0 && s.shared:
		fmt.Fprintf(&b, "All %s applied\n", s.inputs)
	case r.Failed+r.NotAttempted == 0:
		fmt.Fprintf(&b, "All %s applied; no failed file written\n", s.inputs)
	}
	_, _ = io.WriteString(w, b.String())
}

// reasonTally counts the unfinished inputs of a run by reason, for the summary.
type reasonTally struct {
	counts map[string]int
	order  []string // reasons in order of first appearance
	other  int      // inputs whose reason did not fit in counts
	total  int
}

// maxDistinctReasons bounds the summary's memory: reasons beyond it are counted together.
const maxDistinctReasons = 1000

// add counts an input that was not applied, with its reason (the status when it has none).
func (t *reasonTally) add(reason string, status api.Status) {
	t.total++
	reason = oneLine(reason)
	if reason == "" {
		reason = status.String()
	}
	// The api has hidden the key in the reason before anything else (api.Result), so this cut
	// can leave no part of it.
	reason = truncate(reason, 200)
	if t.counts == nil {
		t.counts = map[string]int{}
	}
	if _, ok := t.counts[reason]; !ok {
		if len(t.counts) >= maxDistinctReasons {
			t.other++
			return
		}
		t.order = append(t.order, reason)
	}
	t.counts[reason]++
}

// print lists the reasons, most frequent first, up to maxReasons.
func (t *reasonTally) print(b *strings.Builder) {
	if t.total == 0 {
		return
	}
	keys := sortedCounts(t.counts, t.order)
	if len(keys) > maxReasons {
		fmt.Fprintf(b, "Failure reasons (top %d of %d):\n", maxReasons, len(keys))
	} else {
		b.WriteString("Failure reasons:\n")
	}
	rest := t.other
	for i, k := range keys {
		if i >= maxReasons {
			rest += t.counts[k]
			continue
		}
		fmt.Fprintf(b, "  %6d  %s\n", t.counts[k], k)
	}
	if rest > 0 {
		fmt.Fprintf(b, "  %6d  (other reasons)\n", rest)
	}
}

// article is word after "a" or "an": "a patch", "an import".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// sortedCounts returns the keys of m by count, highest first, then by first appearance.
func sortedCounts(m map[string]int, order []string) []string {
	keys := append([]string(nil), order...)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	return keys
}

// truncate cuts s to at most n bytes, at a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// round makes durations readable in summaries.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

// isTerminal reports whether w is a terminal; a variable so that tests can pretend.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressOutput returns where the progress bar goes: stderr when it is a terminal, else nil.
func progressOutput(stderr io.Writer) io.Writer {
	if isTerminal(stderr) {
		return stderr
	}
	return nil
}

// progress draws the bulk progress bar. A bulk run calls update after every batch, never
// concurrently.
type progress struct {
	bar    *progressbar.ProgressBar
	doing  string // what the run does: "patching"
	failed int
}

// newProgressBar draws a bar on w (none when w is nil) for a run that does doing to total
// inputs, which are called inputs.
func newProgressBar(w io.Writer, total int, doing, inputs string) *progress {
	if w == nil {
		return nil
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(doing),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(inputs),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	_ = bar.RenderBlank()
	return &progress{bar: bar, doing: doing}
}

func (p *progress) update(pr api.Progress) {
	if pr.Failed != p.failed {
		p.failed = pr.Failed
		p.bar.Describe(fmt.Sprintf("%s (%d failed)", p.doing, pr.Failed))
	}
	_ = p.bar.Set(pr.Done)
}

// done erases the bar, so that the summary starts on a clean line.
func (p *progress) done() {
	_ = p.bar.Clear()
}

// redactingWriter masks the management key (as api.RedactedKey) in everything written through
// it: the tool's messages and summaries, never its data (see cli.data). A key split across two
// writes would get through, but every line this program writes is written whole.
type redactingWriter struct {
	w io.Writer
	r *api.Redactor
}

func redactWriter(w io.Writer, r *api.Redactor) io.Writer {
	return &redactingWriter{w: w, r: r}
}

func (rw *redactingWriter) Write(p []byte) (int, error) {
	if _, err := rw.w.Write(rw.r.Bytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// printPlan writes each user to change with the fields that differ, current and desired values;
// where names the line of a desired user by its index.
func printPlan(w io.Writer, where func(i int) string, plan *api.SyncPlan) {
	var b strings.Builder
	for _, ch := range plan.Changes {
		if ch.UserID == ch.LoginID {
			fmt.Fprintf(&b, "%s: %s\n", where(ch.Index), ch.LoginID)
		} else {
			fmt.Fprintf(&b, "%s: %s (%s)\n", where(ch.Index), ch.LoginID, ch.UserID)
		}
		fields := make([]planField, len(ch.Fields))
		for i, f := range ch.Fields {
			from, to := planValue(f.Old), planValue(f.New)
			if strings.HasPrefix(f.Field, "customAttributes.") {
				if f.Old == nil {
					from = "(absent)"
				}
				if f.New == nil {
					to = "(removed)"
				}
			}
			fields[i] = planField{f.Field, from + " -> " + to}
		}
		writeFields(&b, fields)
	}
	_, _ = io.WriteString(w, b.String())
}

// planField is one line of a user in the plan: a field, and what the plan says of it.
type planField struct{ name, says string }

// writeFields writes a user's fields, indented, their names in a column.
func writeFields(b *strings.Builder, fields []planField) {
	width := 0
	for _, f := range fields {
		width = max(width, len(f.name))
	}
	for _, f := range fields {
		fmt.Fprintf(b, "  %-*s  %s\n", width, f.name, f.says)
	}
}

// planValue is a value of the plan as compact JSON, without HTML escaping.
func planValue(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprintf("%v", v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
