package main

import (
	"runtime/debug"
	"strings"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); otherwise
// the module version from the build info is used.
var version = ""

// buildVersion is what --version prints and reports record: the version,
// then the source revision when the build stamped one.
func buildVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionString(version, bi)
}

// versionString reads "v1.2.3", "v0.0.0-20250301100000-1a2b3c4d5e6f+dirty
// (git 1a2b3c4d5e6f, 2025-03-01T10:00:00Z, modified)" or "dev". The
// version is the one set at link time, else the module's: a tagged release
// (go install …@v1.2.3), or the pseudo-version go build gives a clone. The
// revision, its time and whether the tree had changes come from the build's
// VCS stamp, which go build (not go run) writes in a git clone. Built any
// other way the version is "dev".
func versionString(linked string, bi *debug.BuildInfo) string {
	v := linked
	if v == "" && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v = bi.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	if bi == nil {
		return v
	}
	var vcs, rev, at string
	modified := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs":
			vcs = s.Value
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return v
	}
	parts := []string{strings.TrimSpace(vcs + " " + shortRevision(rev))}
	if at != "" {
		parts = append(parts, at)
	}
	if modified {
		parts = append(parts, "modified")
	}
	return v + " (" + strings.Join(parts, ", ") + ")"
}

// shortRevision is the first 12 characters of a commit hash, as Go's
// pseudo-versions write it.
func shortRevision(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}
