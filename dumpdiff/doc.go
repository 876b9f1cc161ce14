// Package dumpdiff is the engine of dumpdiff: it reduces a series of memory
// snapshots taken across task restarts (lifecycles), matches allocation
// sites across them, and says which sites keep what they allocate, how much
// per lifecycle and how sure it is. It does no I/O: it never opens files,
// prints, styles or writes; package loader reads files into it, and front
// ends (the CLI, package report, the TUI) render its results.
//
// # Series and sites
//
// A Builder takes snapshots the way benchstat takes results: Add a parsed
// snapshot, or feed one input's stream to an Input (a parsers.Sink), then
// take the Series. Each sample is reduced as it arrives to an entry of a
// (trimmed stack, labels) pair; profiles are never kept. Frames, stacks and
// label sets are interned once for the series in tables split into shards,
// so inputs are reduced concurrently (and a large snapshot's samples by
// several goroutines: parsers.ParallelSink), and memory grows with the
// number of distinct sites, not with the number or size of snapshots. A
// snapshot's entries are kept as varint columns sorted by stack. Whatever
// order the inputs finish in, the series is the same: it is in the order
// the inputs were created, and where a result depends on which of several
// stacks comes first (a site's representative stack), it is the first seen
// in series order, not the first interned. Trend and Compare only read the
// entries, so the TUI can call them again for another metric, grouping or
// filter without reading anything again.
//
// Site keys survive restarts and ASLR: a symbolised frame is its function name
// (plus file:line for GroupByLine); an address-only frame is its mapped file's
// base name and the offset within that file, "libfoo.so+0x1a2b", never a raw
// address; the file's " (deleted)" (replaced while mapped, as by a deploy)
// is no part of it. Package parsers/framekey holds that rule, and the
// symbolizer names the frames it cannot resolve by it too. Allocator frames (malloc, operator new, je_*, tc_*, os::malloc,
// runtime.mallocgc, …; the profile's own drop_frames/keep_frames; --trim) are
// cut with pprof's Prune rule: scanning from the root, the first allocator
// frame after a non-allocator frame is dropped with everything inside it. A
// site is shown by its innermost kept frame. --focus/--ignore match any kept
// frame's function, file or module, as pprof's do.
//
// # Results
//
// A TrendResult and a CompareResult share their shape: each embeds a
// ResultHeader (metric, grouping, site count, warnings), and each of their
// sites embeds a Site (rank, key, title, frames, category). Both are a
// Result, so a front end holds rows of sites and asks the kind only for
// its own columns and statistics. DistinctTitles names sites for people,
// telling same-titled sites apart by the callers where their stacks part;
// the table, every export and the explorer use it, so a site reads the same
// everywhere.
//
// # Statistics
//
// For each site, y[i] is the metric at snapshot i (0 when absent) and x[i]
// its lifecycle number. The statistics cover the whole series, except for a
// leak that started late (see leak below), whose growth_per_lifecycle, r2
// and mk_p cover the stretch since it started. growth_per_lifecycle is
// measured over the stretch the verdict is about, so the number agrees
// with the word: since a late leak started, since a plateau reached the
// level it holds (the median of the last lifecycles), and 0 for a site
// that is gone (it has held nothing since).
//
//   - growth_per_lifecycle: the Theil–Sen slope, the median of pairwise
//     slopes. One spike moves it little, and a warm-up step followed by a long
//     flat stretch gives (nearly) zero. For noise it is a fitted slope of
//     values that wander, not a rate the site keeps, and it can differ in
//     sign from total_growth (last − first); front ends mark such rows.
//   - r2: the coefficient of determination of the least-squares line (0 when
//     the site does not vary).
//   - mk_p: the two-sided Mann–Kendall p-value with the tie correction. For
//     n ≤ 10 snapshots it is exact: the permutation distribution of S over all
//     arrangements of the observed values (ties included), computed as a
//     q-multinomial coefficient; Kendall's tables use the same distribution.
//     For n > 10 it is the normal approximation with continuity correction and
//     the tie-corrected variance.
//   - monotonic: the fraction of consecutive steps that did not shrink.
//
// # Verdicts
//
// The rules are stated in terms of evidence, not of any particular series.
// A series of two snapshots is one step, which cannot tell growth that goes
// on from a warm-up, so below three snapshots a site is only new, gone,
// steady or noise (Trend warns).
//
//   - steady: present in every snapshot with the same value (a table loaded
//     once, a pool sized at start-up). It is not noise, and it has nothing
//     to rank by growth; front ends draw it at full height so that a flat
//     512 MiB does not look like a flat zero.
//   - new: absent at first, present without a gap to the end, and in fewer
//     than three snapshots: too few points for a trend.
//   - gone: present without a gap, from the first snapshot or for at least
//     three snapshots, then absent to the end: it held memory and freed it.
//     A blip of one or two snapshots in the middle is noise.
//   - leak: all of
//     (1) significant upward trend: one-sided Mann–Kendall p ≤ 0.01. Every
//     site of the series is tested, so 0.05 would call one noise site in
//     twenty a trend; 0.01 makes that one in a hundred, and a site growing at
//     every step reaches it from five snapshots on. With fewer than five
//     snapshots no arrangement reaches 0.01, so every step must grow instead;
//     (2) growth continues through the last lifecycles (the last half of the
//     series, at least three snapshots): the Theil–Sen slope there is at least
//     half the whole series' slope, and the newest value is above the median
//     of those lifecycles; a site that levelled off, or stepped up once and
//     stayed, fails this, while a sampled leak that grows in quanta (flat,
//     flat, jump) passes. A site that grows in quanta also passes the second
//     test when it is on cadence: it rose at least twice (a rise is a step
//     up of at least half its median step up), and the snapshots since its
//     last rise are fewer than the longest gap between two rises, so its
//     next quantum is not overdue (a leak sampled or leaking every third
//     restart can end the series on a flat stretch);
//     (3) the effect is large relative to the site itself: the fitted rise
//     over the series (growth × span) is at least three robust standard
//     deviations (1.4826 × median absolute residual) of the site's scatter
//     around its Theil–Sen line;
//     (4) the site keeps what it gained: its falls between consecutive
//     snapshots add up to less than that fitted rise. A leak keeps its
//     memory, so it falls back only a little (sampling, a part freed, a
//     map's old table); a working set that survives from one lifecycle to
//     the next (a cache, a map of sessions, a pool) wanders up and down,
//     and because each value carries much of the previous one, a stretch of
//     that wandering passes a trend test that assumes independent values.
//     Such a site gives back at least as much as it keeps. The price: a
//     leak that shares its stack with a working set redrawn every lifecycle
//     whose swing is several times the leak per lifecycle gives back about
//     a sixth of that swing per step, whatever the series' length, so with
//     a swing of 0–8 × the leak it is called a leak in about 60% of series
//     (simulated, 15 or 30 lifecycles) where (1)–(3) alone would call it in
//     90–100%; up to 0–4 × the leak nothing changes.
//     Significance is judged on the order of the values, so it holds for
//     sampled profiles too: sampled objects that a leak retains stay in every
//     later snapshot, so their sampling error does not make the series
//     fluctuate.
//     In a sampled series (a bytes metric whose snapshots record a sampling
//     period P > 1: jemalloc, tcmalloc's sampled heap, Go below
//     MemProfileRate 1) each sampled object small against P adds about P to
//     its site, so a site moves in quanta of P and the evidence is the
//     number of quanta. Two rules follow. In (3) the rise must also be at
//     least three quanta (3P): a site holding a constant amount smaller than
//     P reads as zero, one or two samples at random, and such steps say
//     nothing; this is the detection limit, a leak must accumulate about
//     3P (1.5 MiB at jemalloc's and Go's default 512 KiB) over the series.
//     And (2) also passes when the last lifecycles still gained at least one
//     quantum and fewer quanta than the whole series' slope predicts is
//     within Poisson error (P(N ≤ seen) > 0.01 for N Poisson with mean
//     slope × tail span / P): a leak of half a sample per lifecycle is
//     often flat for several snapshots, and judging its tail like exact
//     data called such leaks plateaus. A tail without a new quantum still
//     fails (2): a site that stopped growing gains no samples. This rule
//     only ever makes a site a leak; the plateau rule below is unchanged.
//     A leak that started late is judged on its leaking stretch: when a
//     site held one value over its first snapshots (often none at all),
//     those say nothing about how fast it leaks and would pull the slope
//     of the whole series towards zero (to a sixth of the truth for a leak
//     that starts two thirds of the way in), so the site is judged again
//     from the last of them; if that stretch (at least three snapshots)
//     passes (1)–(4), the site is a leak and its statistics are the
//     stretch's.
//     (5) the growth is worth a look: at least the floor per lifecycle
//     (Options.MinGrowth). Statistics say whether a trend is real, not
//     whether it matters: NMT's own bookkeeping and a class table grow a
//     few hundred bytes per lifecycle, exactly and significantly, beside a
//     leak of megabytes, and calling each of them a leak buried the one
//     that was. The default floor is 0.01% of the median of the snapshots'
//     totals (before --focus/--ignore) per lifecycle: a site under it needs
//     more than 10 000 lifecycles to add what the process holds. It is a
//     share of the series' own scale, so it means the same for a 20 MiB C
//     service and a 30 GiB JVM; --min-growth sets it as a size or a share,
//     and 0 turns it off.
//   - creep: passes (1)–(4) but not (5): a real trend too small to matter.
//     Creeps rank right after the leaks, so the floor changes what a site
//     is called, not where it ranks, and --fail-on ignores them. It is not
//     called noise, because it is not: the site grows, slowly.
//   - plateau: not continuing by (2), and the median level of the last
//     lifecycles is above the first value by at least three robust standard
//     deviations of the site's scatter, and the memory stayed: from the
//     first snapshot that reached half of that rise on, no value fell back
//     below it. It grew, then stayed.
//   - shrinking: significant downward trend (one-sided p ≤ 0.01) with a
//     negative slope whose fall passes (3).
//   - noise: everything else: no significant trend, or a trend too small
//     against the site's own scatter.
//
// Trend warns when the snapshots that record a process id come from more
// than one process: what a process leaked is returned when it exits, so a
// leak across a restart reads as a saw-tooth (noise), and each run's
// snapshots should be judged as their own series.
//
// The verdict deliberately does not compare a site with the noise of the
// process total: a leak of 1% of the heap under large random fluctuations of
// other sites is exactly what per-site analysis must still find.
//
// # Ranking and projection
//
// Sites are ranked leaks first by growth per lifecycle, then creeps, then
// every other site by growth; equal growth by total growth over the series
// (so a plateau that holds memory comes before a site that never moved),
// then by key, so output is deterministic. The process total grows
// by the Theil–Sen slope of the snapshot totals; with Options.Limit, Trend
// projects how many more lifecycles fit before the total reaches the limit.
//
// A pair diff (Compare) gives base, target, delta, delta % of base and a
// status per site, largest growth first; Options.Normalize scales the base to
// the target's total first.
package dumpdiff
