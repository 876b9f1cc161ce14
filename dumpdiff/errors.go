package dumpdiff

import (
	"fmt"
	"regexp"
	"strings"
)

// The engine's typed errors: each check is made once, here, and front ends
// that want to say more (the CLI names the flag to change) find the error
// with errors.As and word it their way.

// LabelError reports that the snapshots do not carry the label a grouping
// by category asks for (Options.Label, "category" by default).
type LabelError struct {
	GroupBy GroupBy
	Label   string
	// Available is the labels the snapshots carry (Series.Labels); none
	// when they carry no labels at all.
	Available []string
}

func (e *LabelError) Error() string {
	if len(e.Available) == 0 {
		return fmt.Sprintf("group by %s: the snapshots have no %q label (they carry no labels at all)", e.GroupBy, e.Label)
	}
	return fmt.Sprintf("group by %s: the snapshots have no %q label (available: %s)", e.GroupBy, e.Label, strings.Join(e.Available, ", "))
}

// LifecycleRegexError reports a lifecycle regex that cannot number the
// snapshots: it has no capture group for the lifecycle number.
type LifecycleRegexError struct {
	Regex string
}

func (e *LifecycleRegexError) Error() string {
	return fmt.Sprintf("lifecycle regex %q has no capture group for the lifecycle number", e.Regex)
}

// CheckLifecycleRegex returns a *LifecycleRegexError when re, which numbers
// snapshots from the first capture group on their file names, has no
// capture group; nil for a nil re.
func CheckLifecycleRegex(re *regexp.Regexp) error {
	if re != nil && re.NumSubexp() < 1 {
		return &LifecycleRegexError{Regex: re.String()}
	}
	return nil
}
