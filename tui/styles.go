package tui

import (
	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"

	"github.com/dumpdiff/dumpdiff/dumpdiff"
)

// Styles are the explorer's lipgloss styles. Colours are the terminal's own
// 16 ANSI colours, so they follow the user's theme on dark and light
// backgrounds; Bubble Tea downsamples them to the terminal's profile and drops
// them under NO_COLOR. Nothing is told by colour alone: verdicts are words,
// the cursor row has a marker.
type Styles struct {
	Title    lipgloss.Style // the first header line
	Subtle   lipgloss.Style // secondary header text, units, separators
	Header   lipgloss.Style // column headings
	Selected lipgloss.Style // the cursor row
	Error    lipgloss.Style // error and warning lines
	Status   lipgloss.Style // "wrote x.json" and similar
	Section  lipgloss.Style // section titles in the detail and tree screens
	Bar      lipgloss.Style // bars of the detail chart
	Grow     lipgloss.Style // positive deltas
	Shrink   lipgloss.Style // negative deltas
	Prompt   lipgloss.Style // filter and export prompts
	// Verdicts colours each verdict's word; Statuses each pair status.
	Verdicts map[dumpdiff.Verdict]lipgloss.Style
	Statuses map[dumpdiff.PairStatus]lipgloss.Style
	// Flame colours a flame graph's frames by the worst verdict beneath;
	// frames are also separated by a bar, so no colour is needed to tell
	// them apart.
	Flame map[dumpdiff.Verdict]lipgloss.Style
	Help  help.Styles
}

// DefaultStyles returns the explorer's restrained default palette.
func DefaultStyles() Styles {
	red, green, yellow, magenta, cyan := lipgloss.Color("1"), lipgloss.Color("2"), lipgloss.Color("3"), lipgloss.Color("5"), lipgloss.Color("6")
	grey := lipgloss.Color("8")
	plain := lipgloss.NewStyle()
	dim := plain.Foreground(grey)
	h := help.DefaultDarkStyles()
	h.ShortKey = plain.Bold(true)
	h.FullKey = plain.Bold(true)
	h.ShortDesc, h.FullDesc = dim, dim
	h.ShortSeparator, h.FullSeparator, h.Ellipsis = dim, dim, dim
	return Styles{
		Title:    plain.Bold(true),
		Subtle:   dim,
		Header:   plain.Bold(true),
		Selected: plain.Reverse(true),
		Error:    plain.Foreground(red).Bold(true),
		Status:   plain.Foreground(green),
		Section:  plain.Bold(true).Foreground(cyan),
		Bar:      plain.Foreground(cyan),
		Grow:     plain.Foreground(red),
		Shrink:   plain.Foreground(green),
		Prompt:   plain.Foreground(cyan).Bold(true),
		Verdicts: map[dumpdiff.Verdict]lipgloss.Style{
			dumpdiff.VerdictLeak:      plain.Foreground(red).Bold(true),
			dumpdiff.VerdictCreep:     plain.Foreground(red),
			dumpdiff.VerdictPlateau:   plain.Foreground(yellow),
			dumpdiff.VerdictNoise:     dim,
			dumpdiff.VerdictShrinking: plain.Foreground(green),
			dumpdiff.VerdictNew:       plain.Foreground(magenta),
			dumpdiff.VerdictGone:      dim,
		},
		Statuses: map[dumpdiff.PairStatus]lipgloss.Style{
			dumpdiff.StatusNew:       plain.Foreground(magenta),
			dumpdiff.StatusGone:      dim,
			dumpdiff.StatusGrown:     plain.Foreground(red),
			dumpdiff.StatusShrunk:    plain.Foreground(green),
			dumpdiff.StatusUnchanged: dim,
		},
		Flame: map[dumpdiff.Verdict]lipgloss.Style{
			dumpdiff.VerdictLeak:      plain.Background(red).Foreground(lipgloss.Color("15")).Bold(true),
			dumpdiff.VerdictCreep:     plain.Background(magenta).Foreground(lipgloss.Color("15")),
			dumpdiff.VerdictPlateau:   plain.Background(yellow).Foreground(lipgloss.Color("0")),
			dumpdiff.VerdictNew:       plain.Foreground(magenta),
			dumpdiff.VerdictSteady:    plain.Foreground(cyan),
			dumpdiff.VerdictNoise:     dim,
			dumpdiff.VerdictShrinking: plain.Foreground(green),
			dumpdiff.VerdictGone:      dim,
		},
		Help: h,
	}
}
