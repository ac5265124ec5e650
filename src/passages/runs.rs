//! Steps 3 and 4, alignment and runs: candidate unit pairs → the aligned
//! regions each document pair shares.
//!
//! Each candidate is aligned ([`crate::align`]) and kept when the
//! alignment reaches `min_similarity`, tightened to the reused words.
//! Per document pair, alignments that follow each other in both
//! documents merge into runs, then runs that overlap or touch in both
//! merge, and runs within `merge_gap` words in both merge while the
//! merged region keeps `min_similarity` (or when both are passages by
//! themselves), until none do, never across different figures; runs shorter than
//! `min_words` on either side are dropped (a shared phrase is not a
//! reposted passage).

use std::borrow::Borrow;
use std::ops::Range;

use ahash::AHashSet;
use rayon::prelude::*;

use super::stage::Stage;
use super::{DocUnits, PassageOptions, UnitRef};
use crate::align::{mark_number, max_matches, similarity, Aligner, WordFilter};

/// Aligns every candidate and merges each document pair's alignments
/// into runs — one document at a time (with every later one), so that
/// only runs are kept: nearly every candidate aligns (a few shared words
/// are a perfect local alignment), and holding every alignment until the
/// end took gigabytes on overlapping text. `candidates` are ascending.
pub(super) fn align_candidates(st: &Stage, candidates: &[(u32, u32)]) -> Vec<Run> {
    let words = UnitWords::new(st.docs, &st.units, candidates, st.parallel);
    let runs_of_doc = |aligner: &mut Aligner, of_doc: &[(u32, u32)]| -> Vec<Run> {
        let mut of_doc = of_doc.to_vec();
        of_doc.sort_unstable_by_key(|&(x, y)| (st.doc_of(y), x, y));
        let mut runs = Vec::new();
        let pairs: Vec<&[(u32, u32)]> = of_doc
            .chunk_by(|a, b| st.doc_of(a.1) == st.doc_of(b.1))
            .collect();
        for (k, &with_doc) in pairs.iter().enumerate() {
            // The next pair's later units lie anywhere in the corpus's
            // words (a tenth of a gigabyte at 20,000 articles): asked for
            // one pair ahead, they arrive while this pair is aligned.
            if let Some(next) = pairs.get(k + 1) {
                for &(_, y) in next.iter() {
                    words.prefetch(y);
                }
            }
            if !may_share_a_passage(st, &words, with_doc) {
                continue;
            }
            let aligned: Vec<UnitPair> = with_doc
                .iter()
                .filter_map(|&(x, y)| {
                    align_units(aligner, &words, &st.units, x, y, st.opts.min_similarity)
                })
                .collect();
            runs.extend(merge_runs(st.docs, &st.units, aligned, st.opts));
        }
        runs
    };
    // Candidates are in unit order, so each document's are together.
    let same_doc = |a: &(u32, u32), b: &(u32, u32)| st.doc_of(a.0) == st.doc_of(b.0);
    if st.parallel {
        candidates
            .par_chunk_by(same_doc)
            .map_init(Aligner::default, runs_of_doc)
            .flatten_iter()
            .collect()
    } else {
        let mut aligner = Aligner::default();
        candidates
            .chunk_by(same_doc)
            .flat_map(|of_doc| runs_of_doc(&mut aligner, of_doc))
            .collect()
    }
}

/// Whether the candidate unit pairs of one document pair could align into
/// a passage at all: `false` when they cannot hold enough equal words.
/// Nine in ten candidates on wire copy belong to pairs that yield no run
/// (units sharing a few stock phrases), and this check costs a fraction
/// of aligning them.
///
/// The bound is exact, not a heuristic. An alignment kept has
/// `matches ≥ min_similarity × longer side`. A run of `k` alignments with
/// `S` matches in all has `longer ≤ S / min_similarity + TOUCH × (k − 1)`:
/// runs that touch add their lengths and at most [`TOUCH`] words between,
/// other merges must keep `min_similarity`, and two runs that are
/// passages already merge freely but each held enough matches alone. So a
/// kept run (`min_words` on each side) needs
/// `S ≥ min_similarity × (min_words − TOUCH × (k − 1))`, with `k` at most
/// the number of candidates; and an alignment of two units matches at
/// most [`max_matches`] words.
fn may_share_a_passage(st: &Stage, unit_words: &UnitWords, with_doc: &[(u32, u32)]) -> bool {
    // Alignments lie inside their units and a run inside its
    // alignments' extent: a side spanning fewer than `min_words` words
    // holds no passage.
    let span = |side: fn(&(u32, u32)) -> u32| {
        let (first, last) = with_doc
            .iter()
            .map(side)
            .fold((u32::MAX, 0), |(f, l), u| (f.min(u), l.max(u)));
        let (first, last) = (&st.units[first as usize], &st.units[last as usize]);
        last.unit.end.saturating_sub(first.unit.start) as usize
    };
    if span(|p| p.0) < st.opts.min_words || span(|p| p.1) < st.opts.min_words {
        return false;
    }
    let slack = TOUCH as usize * (with_doc.len() - 1);
    let Some(words) = st.opts.min_words.checked_sub(slack).filter(|&w| w > 0) else {
        return true;
    };
    // The tolerance keeps a bound that is a whole number (0.7 × 15 in
    // floating point) from rounding the wrong way.
    let need = st.opts.min_similarity * words as f64 - 1e-9;
    let mut held = 0usize;
    for &(x, y) in with_doc {
        let ((a, in_a), (b, in_b)) = (unit_words.of(x), unit_words.of(y));
        held += max_matches(a, in_a, b, in_b);
        if held as f64 >= need {
            return true;
        }
    }
    false
}

/// An alignment of two units, by document word indices.
#[derive(Debug, Clone)]
pub(super) struct UnitPair {
    pub ua: u32,
    pub ub: u32,
    pub a: Range<u32>,
    pub b: Range<u32>,
    pub matches: u32,
}

/// The words of units as the aligner reads them (hashes, numbers marked:
/// [`mark_number`]) and each unit's [`WordFilter`], made once for the
/// units a step aligns: a unit is in several candidate pairs, and marking
/// its words and filling its filter for each pair again was a sixth of
/// the alignment step on wire copy.
pub(super) struct UnitWords {
    /// Unit `u`'s words are `words[at[u]..at[u + 1]]` (none for a unit
    /// not needed), its filter `filters[filter_of[u]]` (128 bytes, kept
    /// for the units needed only).
    at: Vec<usize>,
    words: Vec<u64>,
    filter_of: Vec<u32>,
    filters: Vec<WordFilter>,
}

impl UnitWords {
    /// The words and filters of the units of `units` (of `docs`) that
    /// `pairs` name (the others are empty), on rayon's pool when
    /// `parallel`.
    pub fn new<D: Borrow<DocUnits> + Sync>(
        docs: &[D],
        units: &[UnitRef],
        pairs: &[(u32, u32)],
        parallel: bool,
    ) -> Self {
        let mut needed = vec![false; units.len()];
        for &(x, y) in pairs {
            (needed[x as usize], needed[y as usize]) = (true, true);
        }
        let mut at = Vec::with_capacity(units.len() + 1);
        at.push(0);
        for (r, &n) in units.iter().zip(&needed) {
            at.push(at[at.len() - 1] + if n { r.unit.len() } else { 0 });
        }
        let mut words = vec![0u64; at[at.len() - 1]];
        let (mut filter_of, mut slices) = (Vec::with_capacity(units.len()), Vec::new());
        let mut rest = words.as_mut_slice();
        for (k, (r, &n)) in units.iter().zip(&needed).enumerate() {
            let (slice, tail) = rest.split_at_mut(at[k + 1] - at[k]);
            rest = tail;
            filter_of.push(if n { slices.len() as u32 } else { u32::MAX });
            if n {
                slices.push((r, slice));
            }
        }
        let fill = |(r, slice): (&UnitRef, &mut [u64])| -> WordFilter {
            marked_words(docs[r.doc as usize].borrow(), r, slice);
            WordFilter::of(slice)
        };
        let filters = if parallel {
            slices.into_par_iter().map(fill).collect()
        } else {
            slices.into_iter().map(fill).collect()
        };
        UnitWords {
            at,
            words,
            filter_of,
            filters,
        }
    }

    /// Asks the processor for unit `u`'s words and filter, to be read
    /// soon.
    pub fn prefetch(&self, u: u32) {
        let (words, filter) = self.of(u);
        crate::prefetch::slice(words);
        crate::prefetch::slice(std::slice::from_ref(filter));
    }

    /// Unit `u`'s words and filter; `u` must be one of the units needed.
    pub fn of(&self, u: u32) -> (&[u64], &WordFilter) {
        let u = u as usize;
        let words = &self.words[self.at[u]..self.at[u + 1]];
        (words, &self.filters[self.filter_of[u] as usize])
    }
}

/// Unit `r`'s word hashes, numbers marked for the aligner (which scores
/// them as facts), into `out` (the unit's length).
fn marked_words(doc: &DocUnits, r: &UnitRef, out: &mut [u64]) {
    let mut numbers = doc.numbers[doc.numbers.partition_point(|&n| n < r.unit.start)..]
        .iter()
        .peekable();
    for (i, slot) in (r.unit.start..r.unit.end).zip(out) {
        let number = numbers.next_if_eq(&&i).is_some();
        *slot = mark_number(doc.words[i as usize].hash, number);
    }
}

/// Aligns units `ua` and `ub` (their words in `words`); `None` unless
/// the alignment reaches `min_similarity`.
pub(super) fn align_units(
    aligner: &mut Aligner,
    words: &UnitWords,
    units: &[UnitRef],
    ua: u32,
    ub: u32,
    min_similarity: f64,
) -> Option<UnitPair> {
    let (ra, rb) = (&units[ua as usize], &units[ub as usize]);
    let ((a, in_a), (b, in_b)) = (words.of(ua), words.of(ub));
    let al = aligner.align_filtered(a, in_a, b, in_b)?;
    if al.similarity() < min_similarity {
        return None;
    }
    let offset =
        |u: &UnitRef, r: Range<usize>| u.unit.start + r.start as u32..u.unit.start + r.end as u32;
    Some(UnitPair {
        ua,
        ub,
        a: offset(ra, al.a),
        b: offset(rb, al.b),
        matches: al.matches as u32,
    })
}

/// A region two documents share: the alignments of units merged into it.
#[derive(Clone)]
pub(super) struct Run {
    pub doc_a: u32,
    pub doc_b: u32,
    pub a: Range<u32>,
    pub b: Range<u32>,
    pub matches: u32,
    pub pairs: Vec<UnitPair>,
}

impl Run {
    /// Takes in `other`, a region of the same pair that overlaps this one
    /// or lies close to it: the run covers both, its matches are theirs
    /// (at most the shorter side, as overlapping regions count some
    /// twice).
    fn absorb(&mut self, other: Run) {
        let (a, b, matches) = self.merged(&other);
        (self.a, self.b, self.matches) = (a, b, matches);
        self.pairs.extend(other.pairs);
    }

    /// Whether the run is long enough to be a passage: `min_words` on
    /// each side.
    fn is_passage(&self, min_words: usize) -> bool {
        self.a.len().min(self.b.len()) >= min_words
    }

    /// The regions and matches of this run merged with `other`.
    fn merged(&self, other: &Run) -> (Range<u32>, Range<u32>, u32) {
        let a = self.a.start.min(other.a.start)..self.a.end.max(other.a.end);
        let b = self.b.start.min(other.b.start)..self.b.end.max(other.b.end);
        let matches = (self.matches + other.matches).min(a.len().min(b.len()) as u32);
        (a, b, matches)
    }

    /// The similarity this run would have merged with `other`: merging
    /// must not dilute it with text between the two that is not reused.
    fn merged_similarity(&self, other: &Run) -> f64 {
        let (a, b, matches) = self.merged(other);
        similarity(matches as usize, a.len(), b.len())
    }
}

/// Merges alignments of consecutive units (in both documents) into runs —
/// as long as the merged region keeps `min_similarity` — and keeps runs
/// with at least `min_words` aligned words on each side. Output
/// is sorted by `(doc_a, doc_b, a.start)`.
pub(super) fn merge_runs<D: Borrow<DocUnits>>(
    docs: &[D],
    units: &[UnitRef],
    mut aligned: Vec<UnitPair>,
    opts: &PassageOptions,
) -> Vec<Run> {
    let (min_words, min_similarity) = (opts.min_words, opts.min_similarity);
    let gap = opts.merge_gap as u32;
    // The units break ties: the order is total, whatever order the
    // alignments come in.
    aligned.sort_unstable_by_key(|p| {
        let (a, b) = (&units[p.ua as usize], &units[p.ub as usize]);
        (a.doc, b.doc, p.a.start, p.b.start, p.ua, p.ub)
    });
    let mut runs: Vec<Run> = Vec::new();
    for p in aligned {
        let (ua, ub) = (units[p.ua as usize], units[p.ub as usize]);
        if let Some(run) = runs.last_mut() {
            let last = run
                .pairs
                .last()
                .map(|l| (units[l.ua as usize], units[l.ub as usize]));
            if let Some((la, lb)) = last {
                let same_docs = run.doc_a == ua.doc && run.doc_b == ub.doc;
                // The next region starts after the run in both documents,
                // in the same or the next unit on each side (one long
                // paragraph can hold several short ones of the other
                // document), or within `merge_gap` words of it (across a
                // skipped short line or a stretch the alignment left out).
                let after = p.a.start >= run.a.end && p.b.start >= run.b.end;
                let next = |u: UnitRef, l: UnitRef| u.index == l.index || u.index == l.index + 1;
                let close = p.a.start - run.a.end.min(p.a.start) <= gap
                    && p.b.start - run.b.end.min(p.b.start) <= gap;
                let adjacent = after && ((next(ua, la) && next(ub, lb)) || close);
                // Numbers are facts: no merging across one that differs.
                let facts_agree =
                    || same_figures_between(docs, (ua.doc, &run.a, &p.a), (ub.doc, &run.b, &p.b));
                // Merging must not dilute the run with unaligned text
                // between the two regions.
                let keeps_similarity = || {
                    similarity(
                        (run.matches + p.matches) as usize,
                        (p.a.end - run.a.start) as usize,
                        (run.b.end.max(p.b.end) - run.b.start) as usize,
                    ) >= min_similarity
                };
                if same_docs && adjacent && keeps_similarity() && facts_agree() {
                    run.a.end = p.a.end;
                    run.b.end = run.b.end.max(p.b.end);
                    run.matches += p.matches;
                    run.pairs.push(p);
                    continue;
                }
            }
        }
        runs.push(Run {
            doc_a: ua.doc,
            doc_b: ub.doc,
            a: p.a.clone(),
            b: p.b.clone(),
            matches: p.matches,
            pairs: vec![p],
        });
    }
    let mut runs = merge_close_runs(docs, runs, opts);
    runs.retain(|r| r.is_passage(min_words));
    runs
}

/// Whether the words between two regions of one document (`x`: the
/// document and its two regions) and between two regions of another
/// (`y`) state the same figures: the same numbers in the same order, or
/// none (regions that overlap or touch have nothing between them). Two
/// regions separated by the same figure on both sides ("Latin-1
/// Supplement (96 characters), Latin Extended-A (128 characters)"
/// re-wrapped) are one passage; separated by a figure that differs, or
/// stands on one side only, they are not.
fn same_figures_between<D: Borrow<DocUnits>>(
    docs: &[D],
    x: (u32, &Range<u32>, &Range<u32>),
    y: (u32, &Range<u32>, &Range<u32>),
) -> bool {
    let figures = |(doc, r1, r2): (u32, &Range<u32>, &Range<u32>)| {
        // The words between the two regions (empty when they overlap).
        let words = r1.end.min(r2.end)..r1.start.max(r2.start);
        let doc = docs[doc as usize].borrow();
        let first = doc.numbers.partition_point(|&n| n < words.start);
        doc.numbers[first..]
            .iter()
            .take_while(move |&&n| n < words.end)
            .map(move |&n| doc.words[n as usize].hash)
    };
    figures(x).eq(figures(y))
}

/// The document pairs with a run, ascending.
pub(super) fn linked_pairs(runs: &[Run]) -> Vec<(u32, u32)> {
    let mut pairs: Vec<(u32, u32)> = runs.iter().map(|r| (r.doc_a, r.doc_b)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Adds the rewrite regions ([`super::rewrites`]) to the alignment runs:
/// a region overlapping or near a run of its pair merges with it as runs
/// merge with each other. A pair without rewrite regions keeps its runs
/// as they are: what happens to a pair depends on that pair alone (a
/// distributed run computes each pair on its own). Both inputs and the
/// output are sorted by `(doc_a, doc_b, a.start)`.
pub(super) fn with_rewrites<D: Borrow<DocUnits>>(
    docs: &[D],
    runs: Vec<Run>,
    rewrites: Vec<Run>,
    opts: &PassageOptions,
) -> Vec<Run> {
    if rewrites.is_empty() {
        return without_shadows(runs);
    }
    let rewritten: AHashSet<(u32, u32)> = rewrites.iter().map(|r| (r.doc_a, r.doc_b)).collect();
    let (mut touched, plain): (Vec<Run>, Vec<Run>) = runs
        .into_iter()
        .partition(|r| rewritten.contains(&(r.doc_a, r.doc_b)));
    touched.extend(rewrites);
    // Stable: equal keys keep alignment runs first.
    touched.sort_by_key(|r| (r.doc_a, r.doc_b, r.a.start, r.b.start));
    let mut touched = merge_close_runs(docs, touched, opts);
    touched.retain(|r| r.is_passage(opts.min_words));
    let mut all = plain;
    all.extend(touched);
    // Stable, and the two sets hold different pairs: each pair's runs
    // keep their order.
    all.sort_by_key(|r| (r.doc_a, r.doc_b));
    without_shadows(all)
}

/// A pair's runs without shadows: a run is dropped when at least half of
/// one of its sides lies inside a stronger run of the same pair (higher
/// similarity; then longer; then earlier). Text repeated in one document
/// — a list of names, a recap of the lead, a blog's template — matches
/// each copy in the other; every stretch of one story is shown with its
/// best match in the other, not with each place that resembles it.
/// Input and output sorted by `(doc_a, doc_b, a.start)`.
fn without_shadows(runs: Vec<Run>) -> Vec<Run> {
    let mut out = Vec::with_capacity(runs.len());
    for pair in runs.chunk_by(|x, y| (x.doc_a, x.doc_b) == (y.doc_a, y.doc_b)) {
        if pair.len() == 1 {
            out.extend(pair.iter().cloned());
            continue;
        }
        let strength = |r: &Run| {
            let longer = r.a.len().max(r.b.len());
            (similarity(r.matches as usize, r.a.len(), r.b.len()), longer)
        };
        let mut order: Vec<usize> = (0..pair.len()).collect();
        order.sort_by(|&i, &j| {
            let (si, li) = strength(&pair[i]);
            let (sj, lj) = strength(&pair[j]);
            sj.total_cmp(&si).then(lj.cmp(&li)).then(i.cmp(&j))
        });
        let inside = |x: &Range<u32>, y: &Range<u32>| {
            let common = x.end.min(y.end).saturating_sub(x.start.max(y.start));
            2 * common as usize >= x.len()
        };
        let mut kept: Vec<usize> = Vec::new();
        for i in order {
            let r = &pair[i];
            if !kept
                .iter()
                .any(|&k| inside(&r.a, &pair[k].a) || inside(&r.b, &pair[k].b))
            {
                kept.push(i);
            }
        }
        kept.sort_unstable();
        out.extend(kept.into_iter().map(|i| pair[i].clone()));
    }
    out
}

/// Runs of a pair that overlap or touch (at most this many words apart)
/// in both documents merge whatever the merged similarity: the gap adds
/// next to nothing that was not aligned.
const TOUCH: u32 = 3;

/// How many earlier runs (in `a` order) a run is compared with when
/// merging close runs: bounds the work on a pair with thousands of
/// regions (text repeated many times in both documents).
const MERGE_LOOKBACK: usize = 64;

/// Merges runs of one document pair that overlap or lie within
/// `merge_gap` words of each other in both documents, until none do: the
/// same passage found twice (text repeated in one document aligns with
/// each copy in the other), or in pieces whose order the alignment could
/// not join, is one region. Close runs merge while the merged region
/// keeps `min_similarity`, or whatever it keeps when each is a passage by
/// itself (`min_words` on both sides): a passage reworded in the middle,
/// or with a sentence put in, is one passage, not two (on PAN 2013,
/// random and translation edits split cases this way), while fragments
/// too short to be passages do not add up to one across a reworded
/// stretch (the pieces of a wire formula, "issuing a 50 mln Australian
/// dlr eurobond due …"). Runs separated by different figures (in the
/// words between them, [`same_figures_between`]) stay apart: a formula's
/// stretches between its figures are not one passage. Input and output
/// sorted by `(doc_a, doc_b, a.start)`.
fn merge_close_runs<D: Borrow<DocUnits>>(
    docs: &[D],
    runs: Vec<Run>,
    opts: &PassageOptions,
) -> Vec<Run> {
    let (gap, min_similarity) = (opts.merge_gap as u32, opts.min_similarity);
    let near = |x: &Range<u32>, y: &Range<u32>, gap: u32| {
        x.start <= y.end.saturating_add(gap) && y.start <= x.end.saturating_add(gap)
    };
    let mut out: Vec<Run> = Vec::with_capacity(runs.len());
    for pair in runs.chunk_by(|x, y| (x.doc_a, x.doc_b) == (y.doc_a, y.doc_b)) {
        let mut merged: Vec<Run> = Vec::with_capacity(pair.len());
        let mut pending: Vec<Run> = pair.to_vec();
        loop {
            pending.sort_by_key(|r| (r.a.start, r.b.start));
            let before = pending.len();
            for run in pending.drain(..) {
                let from = merged.len().saturating_sub(MERGE_LOOKBACK);
                let into = merged[from..].iter().rposition(|m| {
                    let touching = near(&m.a, &run.a, TOUCH) && near(&m.b, &run.b, TOUCH);
                    let close = || {
                        near(&m.a, &run.a, gap)
                            && near(&m.b, &run.b, gap)
                            && (m.merged_similarity(&run) >= min_similarity
                                || (m.is_passage(opts.min_words) && run.is_passage(opts.min_words)))
                    };
                    let facts_agree = || {
                        same_figures_between(docs, (m.doc_a, &m.a, &run.a), (m.doc_b, &m.b, &run.b))
                    };
                    (touching || close()) && facts_agree()
                });
                match into {
                    Some(i) => merged[from + i].absorb(run),
                    None => merged.push(run),
                }
            }
            if merged.len() == before {
                break;
            }
            pending = std::mem::take(&mut merged);
        }
        out.append(&mut merged);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;

    /// Text of `n` words from a small vocabulary with figures, so that
    /// two texts share many words, repeats and numbers.
    fn words(picks: &[u8]) -> String {
        const VOCAB: [&str; 16] = [
            "the", "bank", "said", "rates", "rose", "in", "march", "to", "12", "pct", "from",
            "shares", "of", "acme", "fell", "1987",
        ];
        picks
            .iter()
            .map(|&p| VOCAB[p as usize % VOCAB.len()])
            .collect::<Vec<_>>()
            .join(" ")
    }

    proptest::proptest! {
        /// The pruning is exact: whenever `may_share_a_passage` says no,
        /// aligning and merging every unit pair of the two documents
        /// gives no run. (Half of `b` is copied from `a`, with edits, so
        /// that runs are found too.)
        #[test]
        fn pruned_pairs_have_no_run(
            a_paras in proptest::collection::vec(proptest::collection::vec(0u8..16, 8..30), 1..4),
            b_own in proptest::collection::vec(proptest::collection::vec(0u8..16, 8..30), 1..3),
            edits in proptest::collection::vec((0usize..200, 0u8..16), 0..6),
            min_words in 5usize..20,
        ) {
            let mut copied: Vec<u8> = a_paras.concat();
            for &(at, w) in &edits {
                if let Some(slot) = copied.get_mut(at) {
                    *slot = w;
                }
            }
            let a = a_paras.iter().map(|p| words(p)).collect::<Vec<_>>().join("\n\n");
            let b = format!("{}\n\n{}", words(&copied), b_own.iter().map(|p| words(p)).collect::<Vec<_>>().join("\n\n"));
            let docs = [doc(&a), doc(&b)];
            let opts = PassageOptions { min_words, ..PassageOptions::default() };
            let st = Stage::new(&docs, &[0, 1], &opts);
            let (ua, ub) = (st.units_of(0), st.units_of(1));
            let group: Vec<(u32, u32)> = ua
                .flat_map(|x| ub.clone().map(move |y| (x as u32, y as u32)))
                .collect();
            proptest::prop_assume!(!group.is_empty());
            let mut aligner = Aligner::default();
            let words = UnitWords::new(st.docs, &st.units, &group, false);
            let aligned: Vec<UnitPair> = group
                .iter()
                .filter_map(|&(x, y)| align_units(&mut aligner, &words, &st.units, x, y, opts.min_similarity))
                .collect();
            let runs = merge_runs(st.docs, &st.units, aligned, &opts);
            if !may_share_a_passage(&st, &words, &group) {
                proptest::prop_assert!(runs.is_empty(), "{} runs", runs.len());
            }
        }
    }
}
