package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
	"github.com/dumpdiff/dumpdiff/report"
)

// commandLineKey holds, in the command's context, the arguments dumpdiff
// was started with, for the reports that record how they were made.
type commandLineKey struct{}

func withCommandLine(ctx context.Context, args []string) context.Context {
	return context.WithValue(ctx, commandLineKey{}, args)
}

// commandLine is the command that is running, as one could type it again:
// "dumpdiff trend --format html -o 'leak report.html' dumps/"; "" when the
// context does not hold it (a test that runs a command directly).
func commandLine(cmd *cobra.Command) string {
	if cmd == nil || cmd.Context() == nil {
		return ""
	}
	args, ok := cmd.Context().Value(commandLineKey{}).([]string)
	if !ok {
		return ""
	}
	words := []string{"dumpdiff"}
	for _, a := range args {
		words = append(words, shellQuote(a))
	}
	return strings.Join(words, " ")
}

// shellQuote quotes a word for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// provenance is what an HTML report says about where it came from: this
// build, the command line, the series' directory and when it was made.
func provenance(cmd *cobra.Command, snaps []dumpdiff.SnapshotInfo) (report.Provenance, error) {
	made, err := reportTime()
	if err != nil {
		return report.Provenance{}, err
	}
	return report.Provenance{
		Version:   buildVersion(),
		Command:   commandLine(cmd),
		Directory: seriesDirectory(snaps),
		Generated: made,
	}, nil
}

// reportTime is when a report is made: now, or SOURCE_DATE_EPOCH (seconds
// since 1970) when set, the reproducible-builds convention that lets a
// report made twice come out byte for byte the same.
func reportTime() (time.Time, error) {
	v, ok := os.LookupEnv("SOURCE_DATE_EPOCH")
	if !ok || v == "" {
		return time.Now(), nil
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil || sec < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want whole seconds since 1970", v)
	}
	return time.Unix(sec, 0), nil
}

// seriesDirectory is the absolute directory that holds every snapshot of
// the series ("" when there are none).
func seriesDirectory(snaps []dumpdiff.SnapshotInfo) string {
	if len(snaps) == 0 {
		return ""
	}
	dir := filepath.Dir(snaps[0].Path)
	for _, s := range snaps[1:] {
		for !within(filepath.Dir(s.Path), dir) {
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return dir
}

// within reports whether path is dir or below it (both cleaned by Dir).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
