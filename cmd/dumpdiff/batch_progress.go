package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"

	"github.com/dumpdiff/dumpdiff/report"
)

// batchProgress is the one-line progress display of `dumpdiff batch` on a
// terminal: a bar, series done of total, and the series running now. It is
// redrawn in place with \r; when off (stderr piped, or --quiet) it prints
// nothing but still passes messages through.
type batchProgress struct {
	mu       sync.Mutex
	w        io.Writer
	on       bool
	width    int
	total    int
	finished int
	running  []string
	drawn    bool
}

func newBatchProgress(ios *IOStreams, on bool, total int) *batchProgress {
	return &batchProgress{w: ios.ErrOut, on: on, width: ios.TerminalWidth(), total: total}
}

// started notes that series name began.
func (p *batchProgress) started(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.running = append(p.running, name)
	p.draw()
}

// done notes that series name finished.
func (p *batchProgress) done(name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	for i, r := range p.running {
		if r == name {
			p.running = append(p.running[:i], p.running[i+1:]...)
			break
		}
	}
	p.draw()
}

// printf prints a message line above the progress line.
func (p *batchProgress) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	fmt.Fprintf(p.w, format, args...)
	p.draw()
}

// around runs fn with the progress line erased, then redraws it, so output
// written to the same terminal (stdout) does not run into it.
func (p *batchProgress) around(fn func() error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	err := fn()
	p.draw()
	return err
}

// finish erases the progress line so the terminal is left clean.
func (p *batchProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.erase()
	p.on = false
}

func (p *batchProgress) erase() {
	if p.drawn {
		io.WriteString(p.w, "\r\x1b[K")
		p.drawn = false
	}
}

func (p *batchProgress) draw() {
	if !p.on {
		return
	}
	const barWidth = 24
	filled := 0
	if p.total > 0 {
		filled = p.finished * barWidth / p.total
	}
	line := fmt.Sprintf("batch %s%s %d/%d series", strings.Repeat("█", filled), strings.Repeat("░", barWidth-filled), p.finished, p.total)
	if len(p.running) > 0 {
		// Names come from directory names and manifests: cleaned, they
		// cannot move the cursor.
		line += " · " + report.Clean(strings.Join(p.running, ", "))
	}
	line = ansi.Truncate(line, max(20, p.width-1), "…") // within the terminal
	io.WriteString(p.w, "\r\x1b[K"+line)
	p.drawn = true
}
