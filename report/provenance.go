package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// Provenance says where a report came from, for the HTML report's header:
// an incident document outlives the shell that made it. The front end fills
// it in; a zero field is left out of the page.
type Provenance struct {
	// Version is dumpdiff's version and source revision, as --version prints it.
	Version string
	// Command is the command line that made the report, quoted for a shell.
	Command string
	// Directory is where the series' files are, as an absolute path.
	Directory string
	// Generated is when the report was made. Zero leaves it out, which
	// keeps golden files stable.
	Generated time.Time
}

// htmlProvenance is Provenance as the page shows it, with what the
// snapshots say about themselves.
type htmlProvenance struct {
	Version, Command, Directory, Generated string
	// Taken reads "2025-03-01 10:00:00 → 10:42:13 UTC", "" when the files
	// record no time.
	Taken string
	// Processes reads "pid 4242" or "8 processes: pids 11, 12, …".
	Processes string
}

func (p htmlProvenance) Any() bool {
	return p != htmlProvenance{}
}

func newHTMLProvenance(p Provenance, snaps []dumpdiff.SnapshotInfo) htmlProvenance {
	out := htmlProvenance{
		Version: clean(p.Version), Command: clean(p.Command), Directory: clean(p.Directory),
		Taken: timeSpan(snaps), Processes: processes(snaps),
	}
	if !p.Generated.IsZero() {
		out.Generated = formatTime(p.Generated)
	}
	return out
}

// formatTime prints a time in UTC to the second, the way every time in a
// report reads: "2025-03-01 10:00:00 UTC".
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

// timeSpan reads the first and last snapshot times; the last drops its date
// when it is the first's.
func timeSpan(snaps []dumpdiff.SnapshotInfo) string {
	var first, last time.Time
	for _, s := range snaps {
		if s.Time.IsZero() {
			continue
		}
		if first.IsZero() || s.Time.Before(first) {
			first = s.Time
		}
		if s.Time.After(last) {
			last = s.Time
		}
	}
	if first.IsZero() {
		return ""
	}
	f, l := first.UTC(), last.UTC()
	if f.Format(time.DateTime) == l.Format(time.DateTime) {
		return formatTime(f) // apart by less than a second
	}
	end := l.Format("2006-01-02 15:04:05")
	if f.Format("2006-01-02") == l.Format("2006-01-02") {
		end = l.Format("15:04:05")
	}
	return f.Format("2006-01-02 15:04:05") + " → " + end + " UTC"
}

// processes names the pids the snapshots record: one process, or how many
// and the first few.
func processes(snaps []dumpdiff.SnapshotInfo) string {
	var pids []int
	for _, s := range snaps {
		if s.PID != 0 && !slices.Contains(pids, s.PID) {
			pids = append(pids, s.PID)
		}
	}
	switch len(pids) {
	case 0:
		return ""
	case 1:
		return "pid " + strconv.Itoa(pids[0])
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d processes: pids ", len(pids))
	for i, p := range pids[:min(len(pids), 6)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(p))
	}
	if len(pids) > 6 {
		b.WriteString(", …")
	}
	return b.String()
}
