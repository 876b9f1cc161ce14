package dumpdiff

import (
	"errors"
	"regexp"
	"testing"
)

func TestCheckLifecycleRegex(t *testing.T) {
	tests := []struct {
		re   *regexp.Regexp
		want string
	}{
		{nil, ""},
		{regexp.MustCompile(`lc(\d+)`), ""},
		{regexp.MustCompile(`(?P<lc>\d+)`), ""},
		{regexp.MustCompile(`lc\d+`), `lifecycle regex "lc\\d+" has no capture group for the lifecycle number`},
		{regexp.MustCompile(`lc(?:\d+)`), `lifecycle regex "lc(?:\\d+)" has no capture group for the lifecycle number`},
	}
	for _, tt := range tests {
		err := CheckLifecycleRegex(tt.re)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%v: got %v, want nil", tt.re, err)
			}
			continue
		}
		var lre *LifecycleRegexError
		if !errors.As(err, &lre) || err.Error() != tt.want || lre.Regex != tt.re.String() {
			t.Errorf("%v: got %#v, want a *LifecycleRegexError %q", tt.re, err, tt.want)
		}
	}
}
