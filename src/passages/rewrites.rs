//! Step 3b, rewrites: one document pair → the regions whose sentences
//! share their words in any order.
//!
//! Word alignment ([`crate::align`]) bridges a substituted word when the
//! words around it match; a passage reworded every few words, or with
//! words and clauses moved around, leaves it nothing to bridge. Such
//! passages still share most of their content words sentence by sentence,
//! so they are found as in Sanchez-Perez, Sidorov & Gelbukh's text
//! alignment system ("A Winning Approach to Text Alignment for Text Reuse
//! Detection at PAN 2014"), with their published thresholds:
//! 1. **Bags**: each sentence's distinct words, without the words common
//!    in the pair (a language-blind stop list, [`Weights`]), weighted
//!    by inverse sentence frequency over the sentences of both documents.
//! 2. **Seeds**: sentence pairs whose bags have cosine above
//!    [`SEED_COSINE`] and Dice coefficient above
//!    [`SEED_DICE`](super::alike::SEED_DICE), and do not state different
//!    numbers ([`conflicting`]).
//! 3. **Extension**: seeds within [`MAX_GAP`] sentences of each other in
//!    both documents form a region (split alternately by each document's
//!    order until no split changes); a region is kept when it has
//!    [`MIN_SEEDS`] seeds, its seed sentences hold [`MIN_DENSITY`] of its
//!    words on both sides and its two sides' bags have cosine above
//!    [`REGION_COSINE`]; otherwise its seeds are regrouped with a smaller
//!    gap.
//! 4. **Condensations**: sentences in a row in one document whose seeds
//!    lie in order, apart, across a stretch of the other at least twice
//!    as long — a summary or a brief made of a long story's sentences
//!    ([`condensations`]; Sanchez-Perez et al. widen their gap for
//!    summaries) — form one region over both stretches.
//! 5. **Tightening and filtering**: each side is trimmed to start and end
//!    on a word the other side's bags hold; regions with fewer than
//!    `min_words` words on either side are dropped. The caller merges the
//!    rest with the pair's word alignments ([`super::runs::with_rewrites`]).
//!
//! Which pairs are searched is the caller's choice
//! ([`super::Rewrites`]). Sentences are taken inside the units the
//! caller passes (boilerplate left out), cut at [`DocUnits::sentences`].

use std::ops::Range;

use rayon::prelude::*;

use super::alike::Alike;
use super::profile::{Profile, Scratch, SideWeights, Weights};
use super::runs::{Run, UnitPair};
use super::stage::Stage;
use super::DocUnits;
use crate::units::Unit;

/// Seed threshold on the cosine of two sentences' weighted bags.
const SEED_COSINE: f64 = 0.33;
/// Seeds this many sentences apart (or fewer) in both documents group.
const MAX_GAP: u32 = 4;
/// A region's two sides must have at least this cosine.
const REGION_COSINE: f64 = 0.34;
/// Seeds a region needs. One sentence pair that looks alike as a bag of
/// words is weak evidence — stories on one subject have many ("Markets
/// had expected the move after weeks of …") — and a single reused
/// sentence that is close to verbatim is found by word alignment anyway.
/// (Sanchez-Perez et al. keep single seeds; on PAN 2013 two seeds find
/// nearly as many cases and far fewer unannotated regions.)
const MIN_SEEDS: usize = 2;
/// Share of a region's words (on each side) that must lie in its seed
/// sentences. A reworded passage is reworded sentence by sentence, so
/// nearly all of its sentences are seeds; two stories on one subject
/// share a sentence here and there, with other text between, and
/// paragraphs reposted in another order are separate passages, not one
/// region spanning both stories.
const MIN_DENSITY: f64 = 0.7;

/// A region two documents share by their words, in document word indices.
#[derive(Debug, Clone, PartialEq)]
pub struct BagRegion {
    /// Words of the first document.
    pub a: Range<u32>,
    /// Words of the second document.
    pub b: Range<u32>,
    /// Words the two sides have in common (with multiplicity): the
    /// region's similarity is `matches` over the longer side, as for
    /// alignments.
    pub matches: u32,
}

/// The rewrite regions of every document pair in `pairs` (ascending), as
/// runs sorted by `(doc_a, doc_b, a.start)`; units flagged in `skip`
/// (boilerplate) are left out.
pub(super) fn rewrite_runs(st: &Stage, pairs: &[(u32, u32)], skip: &[bool]) -> Vec<Run> {
    let mut involved: Vec<u32> = pairs.iter().flat_map(|&(x, y)| [x, y]).collect();
    involved.sort_unstable();
    involved.dedup();
    // Each document's kept units (and their stage numbers), once: the
    // vocabulary, its profile and every pair it is in read them. A region
    // lies between the first and the last kept word and holds `min_words`
    // on each side, so a document whose kept units span fewer (a
    // headline-only item on wire copy) is in no region: it keeps no units,
    // and its profile and pairs cost nothing.
    let kept: Vec<(Vec<Unit>, Vec<u32>)> = involved
        .iter()
        .map(|&d| {
            let (units, ids): (Vec<Unit>, Vec<u32>) = st
                .units_of(d)
                .filter(|&u| !skip[u])
                .map(|u| (st.units[u].unit, u as u32))
                .unzip();
            let span = match (units.first(), units.last()) {
                (Some(first), Some(last)) => (last.end - first.start) as usize,
                _ => 0,
            };
            if span < st.opts.min_words {
                (Vec::new(), Vec::new())
            } else {
                (units, ids)
            }
        })
        .collect();
    let build = |scratch: &mut Scratch, (&d, (units, _)): (&u32, &(Vec<Unit>, Vec<u32>))| {
        Profile::with(&st.docs[d as usize], units, scratch)
    };
    let profiles: Vec<Profile> = if st.parallel {
        involved
            .par_iter()
            .zip(&kept)
            .map_init(Scratch::default, build)
            .collect()
    } else {
        let mut scratch = Scratch::default();
        involved
            .iter()
            .zip(&kept)
            .map(|p| build(&mut scratch, p))
            .collect()
    };
    // Each pair's two profiles, found once (both documents are among
    // `involved`).
    let at = |d: u32| involved.binary_search(&d).ok();
    let slots: Vec<Option<(usize, usize)>> =
        pairs.iter().map(|&(x, y)| Some((at(x)?, at(y)?))).collect();
    let runs_of = |buffers: &mut Buffers, k: usize| -> Vec<Run> {
        let (Some((kx, ky)), (x, y)) = (slots[k], pairs[k]) else {
            return Vec::new();
        };
        let ((ux, gx), (uy, gy)) = (&kept[kx], &kept[ky]);
        let (dx, dy) = (&st.docs[x as usize], &st.docs[y as usize]);
        regions(
            dx,
            &profiles[kx],
            dy,
            &profiles[ky],
            buffers,
            st.opts.min_words,
        )
        .into_iter()
        .filter_map(|r| region_run(x, ux, gx, y, uy, gy, r))
        .collect()
    };
    // The profiles of most pairs' second documents are out of the
    // processor's caches (a document's pairs are spread over the list):
    // each pair asks for the profiles of the pair two ahead while it works.
    let prefetched = |buffers: &mut Buffers, k: usize| -> Vec<Run> {
        if let Some(&Some((kx, ky))) = slots.get(k + 2) {
            // The first document is most often the one before's too.
            if pairs[k + 1].0 != pairs[k + 2].0 {
                profiles[kx].prefetch();
            }
            profiles[ky].prefetch();
        }
        runs_of(buffers, k)
    };
    if st.parallel {
        (0..pairs.len())
            .into_par_iter()
            .map_init(Buffers::default, prefetched)
            .flatten_iter()
            .collect()
    } else {
        let mut buffers = Buffers::default();
        (0..pairs.len())
            .flat_map(|k| prefetched(&mut buffers, k))
            .collect()
    }
}

/// A region as a run of document `x` (units `ux`, numbered `gx` in the
/// stage) and `y`: each unit it covers is paired with one on the other
/// side (in order, the shorter list repeating its last), so that passage
/// clusters join them as they join aligned units.
pub(super) fn region_run(
    x: u32,
    ux: &[Unit],
    gx: &[u32],
    y: u32,
    uy: &[Unit],
    gy: &[u32],
    r: BagRegion,
) -> Option<Run> {
    let covered = |units: &[Unit], ids: &[u32], words: &Range<u32>| -> Vec<(u32, Range<u32>)> {
        units
            .iter()
            .zip(ids)
            .filter(|(u, _)| u.start < words.end && words.start < u.end)
            .map(|(u, &id)| (id, u.start.max(words.start)..u.end.min(words.end)))
            .collect()
    };
    let (cx, cy) = (covered(ux, gx, &r.a), covered(uy, gy, &r.b));
    // Regions are made of sentences inside the units, so both lists hold
    // one at least; a region outside them would have no unit to join.
    if cx.is_empty() || cy.is_empty() {
        return None;
    }
    let longer = r.a.len().max(r.b.len()).max(1) as f64;
    let n = cx.len().max(cy.len());
    let pairs = (0..n)
        .map(|k| {
            let (ua, a) = cx[k.min(cx.len() - 1)].clone();
            let (ub, b) = cy[k.min(cy.len() - 1)].clone();
            let share = f64::from(r.matches) / longer;
            UnitPair {
                ua,
                ub,
                matches: (share * a.len().max(b.len()) as f64).round() as u32,
                a,
                b,
            }
        })
        .collect();
    Some(Run {
        doc_a: x,
        doc_b: y,
        a: r.a,
        b: r.b,
        matches: r.matches,
        pairs,
    })
}

/// One document's side of a pair: its profile, seen through the pair's
/// weights (words common in the pair left out).
struct Side<'a> {
    p: &'a Profile,
    w: SideWeights<'a>,
}

/// A word of a bag: its hash and how many of the pair's sentences hold it
/// (its weight). Bags are sorted by hash, so bags of the two documents
/// compare by merging.
type Weighed = (u64, u32);

impl Side<'_> {
    /// The words of sentence `i` that count (by number in the profile),
    /// ascending.
    fn words(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        self.p.bag(i).iter().copied().filter(|&k| self.w.kept(k))
    }

    /// The words of sentence `i` that count, weighed, by ascending hash
    /// (a profile numbers its words in the order of their hashes).
    fn weighed(&self, i: u32) -> impl Iterator<Item = Weighed> + '_ {
        self.words(i).map(|k| (self.p.hash(k), self.w.sf(k)))
    }

    /// The distinct counted words of sentences `sentences`, weighed, by
    /// ascending hash.
    fn bag(&self, sentences: &Range<u32>) -> Vec<Weighed> {
        // A bit per word of the document, read in order: the words by
        // ascending number, so by ascending hash, without sorting them.
        let mut held = vec![0u64; self.p.words().div_ceil(64)];
        for k in sentences.clone().flat_map(|i| self.words(i)) {
            held[k as usize / 64] |= 1 << (k % 64);
        }
        let mut out = Vec::new();
        for (at, &bits) in (0u32..).zip(&held) {
            let mut bits = bits;
            while bits != 0 {
                let k = 64 * at + bits.trailing_zeros();
                out.push((self.p.hash(k), self.w.sf(k)));
                bits &= bits - 1;
            }
        }
        out
    }
}

/// `v` sorted, without repeats.
fn distinct<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The regions `a` (its units `a_units`) and `b` (`b_units`) share by
/// their sentences' words, ordered by `a` then `b`.
pub fn bag_regions(
    a: &DocUnits,
    a_units: &[Unit],
    b: &DocUnits,
    b_units: &[Unit],
    min_words: usize,
) -> Vec<BagRegion> {
    let (pa, pb) = (Profile::new(a, a_units), Profile::new(b, b_units));
    regions(a, &pa, b, &pb, &mut Buffers::default(), min_words)
}

/// What searching one pair writes and forgets, kept from pair to pair
/// (one per worker thread).
#[derive(Default)]
struct Buffers {
    weights: Weights,
    alike: Alike,
}

/// The regions of documents `a` and `b` (profiles `pa`, `pb`), weighing
/// their words in `weights`; as [`bag_regions`].
fn regions(
    a: &DocUnits,
    pa: &Profile,
    b: &DocUnits,
    pb: &Profile,
    buffers: &mut Buffers,
    min_words: usize,
) -> Vec<BagRegion> {
    if pa.sentences() == 0 || pb.sentences() == 0 {
        return Vec::new();
    }
    buffers.weights.merge(pa, pb);
    let alike = buffers.alike.pairs(pa, pb, &mut buffers.weights);
    // Most pairs searched have too few sentence pairs alike to seed a
    // region.
    if alike.len() < MIN_SEEDS {
        return Vec::new();
    }
    buffers.weights.weigh(pa, pb);
    buffers.weights.weigh_squares();
    let weights = &buffers.weights;
    let sa = Side {
        p: pa,
        w: weights.side(false),
    };
    let sb = Side {
        p: pb,
        w: weights.side(true),
    };
    search(a, &sa, b, &sb, &alike, min_words)
}

/// Steps 2 to 5 of the module over one weighed pair.
fn search(
    a: &DocUnits,
    sa: &Side,
    b: &DocUnits,
    sb: &Side,
    alike: &[(u32, u32)],
    min_words: usize,
) -> Vec<BagRegion> {
    let seeds = seeds(sa, sb, alike);
    let mut regions = Vec::new();
    regions.extend(condensations(sa, sb, &seeds, min_words));
    let flipped: Vec<(u32, u32)> = seeds.iter().map(|&(i, j)| (j, i)).collect();
    regions.extend(
        condensations(sb, sa, &flipped, min_words)
            .into_iter()
            .map(|(y, x)| (x, y)),
    );
    extend(sa, sb, seeds, MAX_GAP, &mut regions);
    let mut out: Vec<BagRegion> = regions
        .into_iter()
        .filter_map(|(x, y)| {
            let (ra, rb) = tightened(a, sa, &x, b, sb, &y);
            (ra.len().min(rb.len()) >= min_words).then(|| BagRegion {
                matches: shared_words(a, &ra, b, &rb),
                a: ra,
                b: rb,
            })
        })
        .collect();
    // A region inside a condensation (on both sides) is part of it.
    let within = |x: &BagRegion, y: &BagRegion| {
        x != y
            && y.a.start <= x.a.start
            && x.a.end <= y.a.end
            && y.b.start <= x.b.start
            && x.b.end <= y.b.end
    };
    let nested: Vec<bool> = out
        .iter()
        .map(|x| out.iter().any(|y| within(x, y)))
        .collect();
    let mut nested = nested.into_iter();
    out.retain(|_| !nested.next().unwrap_or(false));
    out.sort_by_key(|r| (r.a.start, r.b.start, r.a.end, r.b.end));
    out
}

/// The word ranges of sentences `x` of `a` and `y` of `b`, each trimmed to
/// start and end on a word the other side's bags hold (function words
/// are in no bag): a region starts and ends on reused words, as an
/// alignment does, not on the sentence's first word ("Fitzwater said the
/// administration did not endorse remarks by White House budget chief …").
fn tightened(
    a: &DocUnits,
    sa: &Side,
    x: &Range<u32>,
    b: &DocUnits,
    sb: &Side,
    y: &Range<u32>,
) -> (Range<u32>, Range<u32>) {
    let trim = |d: &DocUnits, s: &Side, r: &Range<u32>, other: &[Weighed]| -> Range<u32> {
        let words = s.p.ranges[r.start as usize].start..s.p.ranges[r.end as usize - 1].end;
        let reused = |i: &u32| {
            let hash = d.words[*i as usize].hash;
            other.binary_search_by_key(&hash, |w| w.0).is_ok()
        };
        let start = words.clone().find(reused).unwrap_or(words.start);
        let end = words
            .clone()
            .rev()
            .find(reused)
            .map_or(words.end, |e| e + 1);
        start..end.max(start)
    };
    (trim(a, sa, x, &sb.bag(y)), trim(b, sb, y, &sa.bag(x)))
}

/// The weighted length of a bag.
fn norm(bag: impl Iterator<Item = Weighed>, w: SideWeights) -> f64 {
    bag.map(|x| w.squared(x.1)).sum::<f64>().sqrt()
}

/// Sentence pairs `(i, j)` similar enough to seed a region, ascending,
/// from the pairs whose words are alike ([`Alike::pairs`]): their
/// weighted bags have a cosine above [`SEED_COSINE`], and they do not
/// state different numbers.
fn seeds(a: &Side, b: &Side, alike: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let w = a.w;
    // Each sentence's weighted length, for the sentences in an alike
    // pair only.
    let mut a_norm: Vec<Option<f64>> = vec![None; a.p.sentences()];
    let mut b_norm: Vec<Option<f64>> = vec![None; b.p.sentences()];
    let mut out = Vec::new();
    for &(i, j) in alike {
        let (iu, ju) = (i as usize, j as usize);
        let na = *a_norm[iu].get_or_insert_with(|| norm(a.weighed(i), w));
        let nb = *b_norm[ju].get_or_insert_with(|| norm(b.weighed(j), w));
        let cosine = dot(a.weighed(i), b.weighed(j), w) / (na * nb);
        if cosine > SEED_COSINE && !conflicting(a.p.numbers(i), b.p.numbers(j)) {
            out.push((i, j));
        }
    }
    out
}

/// The weighted dot product of two ascending bags: the sum of the squared
/// weights of the words both hold (a word held by both has one weight,
/// the pair's), in ascending order.
fn dot(x: impl Iterator<Item = Weighed>, y: impl Iterator<Item = Weighed>, w: SideWeights) -> f64 {
    let (mut x, mut y) = (x.peekable(), y.peekable());
    let mut sum = 0.0;
    while let (Some(&p), Some(&q)) = (x.peek(), y.peek()) {
        match p.0.cmp(&q.0) {
            std::cmp::Ordering::Less => {
                x.next();
            }
            std::cmp::Ordering::Greater => {
                y.next();
            }
            std::cmp::Ordering::Equal => {
                sum += w.squared(p.1);
                x.next();
                y.next();
            }
        }
    }
    sum
}

/// Whether two sentences state different numbers: each has a number the
/// other lacks. A formula repeated with other amounts, dates or scores
/// ("raising 100 mln dlrs … due 2012" / "raising 25 mln dlrs … due 2002")
/// is the same words around different facts, not a reused passage; a
/// rewrite that drops a number, or keeps them all, is.
fn conflicting(x: &[u64], y: &[u64]) -> bool {
    let missing =
        |from: &[u64], other: &[u64]| from.iter().any(|n| other.binary_search(n).is_err());
    missing(x, y) && missing(y, x)
}

/// Groups `seeds` into regions (sentence ranges in `a` and `b`) as the
/// module describes, appending the regions that validate to `out`.
fn extend(
    a: &Side,
    b: &Side,
    seeds: Vec<(u32, u32)>,
    gap: u32,
    out: &mut Vec<(Range<u32>, Range<u32>)>,
) {
    for group in cluster(seeds, gap) {
        let x = group.iter().map(|s| s.0).min().unwrap_or(0)
            ..group.iter().map(|s| s.0).max().unwrap_or(0) + 1;
        let y = group.iter().map(|s| s.1).min().unwrap_or(0)
            ..group.iter().map(|s| s.1).max().unwrap_or(0) + 1;
        if group.len() < MIN_SEEDS {
            continue;
        }
        if region_cosine(a, &x, b, &y) > REGION_COSINE
            && dense(a, &x, group.iter().map(|s| s.0))
            && dense(b, &y, group.iter().map(|s| s.1))
        {
            out.push((x, y));
        } else if gap > 1 {
            extend(a, b, group, gap - 1, out);
        }
    }
}

/// Seeds of a condensation that are consecutive in the short text may lie
/// this many sentences apart in the long one (Sanchez-Perez et al.'s gap
/// for summaries).
const SUMMARY_GAP: u32 = 24;
/// Seeds a condensation needs: one more than a region, as its long side
/// need not be dense.
const SUMMARY_SEEDS: usize = 3;

/// Regions where `x` condenses `y`: sentences in a row in `x` (seeds at
/// most [`MAX_GAP`] apart, holding [`MIN_DENSITY`] of the words) whose
/// seeds follow each other in `y`'s order, at most [`SUMMARY_GAP`]
/// sentences apart and mostly not next to each other, over a stretch of
/// `y` at least twice as long — a
/// summary, a digest item, a brief made of a long story's sentences. A
/// region spans `y` from its first seed sentence to its last; the bags of
/// its seed sentences must have [`REGION_COSINE`] and share `min_words`
/// distinct words (common words aside): its long side is mostly not
/// reused, so its evidence is the words that are.
fn condensations(
    x: &Side,
    y: &Side,
    seeds: &[(u32, u32)],
    min_words: usize,
) -> Vec<(Range<u32>, Range<u32>)> {
    let mut by_x = seeds.to_vec();
    by_x.sort_unstable();
    let words =
        |s: &Side, r: Range<u32>| -> usize { r.map(|i| s.p.ranges[i as usize].len()).sum() };
    let mut out = Vec::new();
    for run in by_x.chunk_by(|p, q| q.0 - p.0 <= MAX_GAP) {
        let chain = ordered_chain(run);
        let distinct_x = distinct(chain.iter().map(|s| s.0).collect());
        if distinct_x.len() < SUMMARY_SEEDS {
            continue;
        }
        // A chain that mostly follows `y` sentence by sentence is a
        // passage reused in order (extension finds it), perhaps with a
        // stray seed before or after it; a condensation skips most of the
        // long text between its sentences.
        // It also draws on at least [`SUMMARY_SEEDS`] places of `y`: two
        // passages reused in a row in `x`, far apart in `y`, are two
        // passages, not a summary.
        let in_step = chain.windows(2).filter(|w| w[1].1 - w[0].1 == 1).count();
        let places = chain.len() - in_step;
        if 2 * in_step > chain.len() - 1 || places < SUMMARY_SEEDS {
            continue;
        }
        let (first, last) = (chain[0], chain[chain.len() - 1]);
        let (xr, yr) = (first.0..last.0 + 1, first.1..last.1 + 1);
        if words(y, yr.clone()) < 2 * words(x, xr.clone()) || !dense(x, &xr, distinct_x.into_iter())
        {
            continue;
        }
        let seeded_y = distinct(chain.iter().flat_map(|s| y.weighed(s.1)).collect());
        let bag = x.bag(&xr);
        if cosine(&bag, &seeded_y, x.w) > REGION_COSINE && common(&bag, &seeded_y) >= min_words {
            out.push((xr, yr));
        }
    }
    out
}

/// The longest chain of `seeds` (sorted by `x`) increasing in both
/// documents, with steps of at most [`MAX_GAP`] sentences in `x` and
/// [`SUMMARY_GAP`] in `y`; the first such on ties.
fn ordered_chain(seeds: &[(u32, u32)]) -> Vec<(u32, u32)> {
    // Quadratic in the seeds of one run of `x`, a few dozen at most in
    // text; bounded for a pathological one.
    let seeds = &seeds[..seeds.len().min(512)];
    let mut best: Vec<(usize, Option<usize>)> = Vec::with_capacity(seeds.len());
    for (k, &(i, j)) in seeds.iter().enumerate() {
        let prev = (0..k)
            .filter(|&p| {
                let (pi, pj) = seeds[p];
                pi < i && i - pi <= MAX_GAP && pj < j && j - pj <= SUMMARY_GAP
            })
            .max_by_key(|&p| (best[p].0, std::cmp::Reverse(p)));
        best.push(prev.map_or((1, None), |p| (best[p].0 + 1, Some(p))));
    }
    let Some(mut at) = (0..best.len()).max_by_key(|&k| (best[k].0, std::cmp::Reverse(k))) else {
        return Vec::new();
    };
    let mut chain = vec![seeds[at]];
    while let Some(p) = best[at].1 {
        chain.push(seeds[p]);
        at = p;
    }
    chain.reverse();
    chain
}

/// Whether the seed sentences `seeds` hold at least [`MIN_DENSITY`] of
/// the words of `side`'s sentences `region`.
fn dense(side: &Side, region: &Range<u32>, seeds: impl Iterator<Item = u32>) -> bool {
    let seeds = distinct(seeds.collect());
    let words = |i: u32| side.p.ranges[i as usize].len();
    let seeded: usize = seeds.into_iter().map(words).sum();
    let all: usize = region.clone().map(words).sum();
    seeded as f64 >= MIN_DENSITY * all as f64
}

/// Splits seeds into groups whose consecutive members are at most `gap`
/// sentences apart in `a`'s order and in `b`'s, alternately, until a
/// pass by both orders splits nothing.
fn cluster(seeds: Vec<(u32, u32)>, gap: u32) -> Vec<Vec<(u32, u32)>> {
    let mut groups = vec![seeds];
    let mut by_b = false;
    let mut still = 0;
    while still < 2 {
        let before = groups.len();
        groups = groups
            .into_iter()
            .flat_map(|mut g| {
                g.sort_unstable_by_key(|&(i, j)| if by_b { (j, i) } else { (i, j) });
                let key = |s: &(u32, u32)| if by_b { s.1 } else { s.0 };
                g.chunk_by(|x, y| key(y) - key(x) <= gap)
                    .map(<[_]>::to_vec)
                    .collect::<Vec<_>>()
            })
            .filter(|g| !g.is_empty())
            .collect();
        still = if groups.len() == before { still + 1 } else { 0 };
        by_b = !by_b;
    }
    groups.sort_unstable();
    groups
}

/// Cosine of the bags of sentences `x` of `a` and `y` of `b`.
fn region_cosine(a: &Side, x: &Range<u32>, b: &Side, y: &Range<u32>) -> f64 {
    cosine(&a.bag(x), &b.bag(y), a.w)
}

/// How many words two bags share.
fn common(x: &[Weighed], y: &[Weighed]) -> usize {
    x.iter()
        .filter(|w| y.binary_search_by_key(&w.0, |v| v.0).is_ok())
        .count()
}

/// Cosine of two bags, weighted by `idf`.
fn cosine(ba: &[Weighed], bb: &[Weighed], w: SideWeights) -> f64 {
    let dot = dot(ba.iter().copied(), bb.iter().copied(), w);
    let denominator = norm(ba.iter().copied(), w) * norm(bb.iter().copied(), w);
    if denominator == 0.0 {
        0.0
    } else {
        dot / denominator
    }
}

/// Words the two regions have in common, counted with multiplicity (a
/// word twice on each side counts twice, not once per occurrence on the
/// longer side): the region's matches, as alignment counts matching words.
fn shared_words(a: &DocUnits, ra: &Range<u32>, b: &DocUnits, rb: &Range<u32>) -> u32 {
    let sorted = |d: &DocUnits, r: &Range<u32>| -> Vec<u64> {
        let mut s: Vec<u64> = d.words[r.start as usize..r.end as usize]
            .iter()
            .map(|w| w.hash)
            .collect();
        s.sort_unstable();
        s
    };
    let (x, y) = (sorted(a, ra), sorted(b, rb));
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => (i, j, n) = (i + 1, j + 1, n + 1),
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::*;

    /// The text of words `r` of `d` (read from `text`).
    fn text_of<'t>(d: &DocUnits, text: &'t str, r: &Range<u32>) -> &'t str {
        &text[d.words[r.start as usize].start as usize..d.words[r.end as usize - 1].end as usize]
    }

    /// A passage from PAN 2013's random obfuscation: its words moved
    /// within and across sentences, some replaced. Word alignment finds
    /// no more than a few words in a row; the sentences' bags match.
    #[test]
    fn a_shuffled_passage_is_one_region() {
        let source = "Choose other country guides.\n\nProbably the most famous Spanish dish outside of Spain, paella is a rich saffron rice with a variety of meat pieces, seafood and vegetables. It's believed that the word 'paella' derives from the Arabic word, which means leftovers. According to a legend, the dish was created by servants of Moorish kings, who were allowed to take mixed leftovers from the courtly feasts home in large pots.\n\nThe next part of this guide is about wines of the region and their history over centuries of trade with merchants.";
        let reuse = "A completely different opening about train timetables and their delays across the northern network this winter.\n\nAccording to the legend, a dish was make by servants of country kings, paella were let to take mixed leftovers from the large dinner home in courtly pots. It's seafood believed that the Arabic word derives from the paella word, which means leftovers. Take spanish dish guides Paella probably a a other rich Moorish outside of Spain, who is most famous saffron rice with the variety of meat pieces, s and vegetables.\n\nTickets can be bought at the station or online, and prices rise again in spring.";
        let (a, b) = (doc(source), doc(reuse));
        let found = bag_regions(&a, &a.units, &b, &b.units, 15);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(text_of(&a, source, &found[0].a).starts_with("Probably the most famous"));
        assert!(text_of(&a, source, &found[0].a).ends_with("in large pots"));
        assert!(text_of(&b, reuse, &found[0].b).starts_with("According to the legend"));
        assert!(text_of(&b, reuse, &found[0].b).ends_with("s and vegetables"));
    }

    /// A brief that condenses a long story sentence by sentence, each of
    /// its sentences drawn from a different part of the story, is one
    /// region: the brief whole, the story from the first sentence it
    /// draws on to the last.
    #[test]
    fn a_summary_is_one_region_over_what_it_condenses() {
        let story = "The city council voted on Tuesday to close the old harbour bridge to cars from the first of March. \
                     Engineers found deep cracks in two of its steel supports during an inspection last autumn. \
                     Traffic will be diverted over the ring road, which officials expect to add ten minutes to commutes. \
                     Shopkeepers near the bridge said they feared losing customers who drive in from the suburbs. \
                     A ferry service between the two banks will run every fifteen minutes during rush hours. \
                     The mayor said the decision was painful but that safety had to come first for everyone. \
                     Repairs are expected to cost about forty million euros and to take at least two years. \
                     The regional government has promised to pay half of the bill from its infrastructure fund. \
                     Cyclists and pedestrians will still be allowed to cross on a narrow lane along the east side. \
                     Opposition councillors accused the mayor of ignoring warnings about the bridge for a decade. \
                     A public meeting on the diversion plans is planned for next month in the town hall. \
                     The bridge was opened in 1931 and carries about twenty thousand vehicles a day.";
        let brief = "In other local news this week, the library extends its opening hours on weekends. \
                     \n\nCouncillors decided on Tuesday that cars may no longer use the old harbour bridge from March. \
                     Cracks were found in the steel supports of the bridge by engineers last autumn. \
                     During rush hours a ferry will carry people between the banks every fifteen minutes. \
                     The repairs will take two years and cost some forty million euros. \
                     Critics in the opposition say warnings about the bridge were ignored by the mayor for a decade.\n\n\
                     The weather stays mild, with rain expected on Sunday afternoon.";
        let (a, b) = (doc(story), doc(brief));
        let found = bag_regions(&a, &a.units, &b, &b.units, 15);
        assert_eq!(found.len(), 1, "{found:?}");
        let (in_story, in_brief) = (
            text_of(&a, story, &found[0].a),
            text_of(&b, brief, &found[0].b),
        );
        // Trimmed to the first word the brief reuses ("council" is not
        // "Councillors").
        assert!(in_story.starts_with("Tuesday to close"), "{in_story}");
        assert!(in_story.ends_with("for a decade"), "{in_story}");
        assert!(in_brief.starts_with("Councillors decided"), "{in_brief}");
        assert!(in_brief.ends_with("for a decade"), "{in_brief}");
    }

    /// Wire formulas repeated with other figures (Reuters-21578, 18021 and
    /// 7384) are not rewrites of each other; with the same figures they
    /// would be.
    #[test]
    fn a_formula_with_other_numbers_is_not_a_rewrite() {
        let formula = |amount: &str, due: &str, coupon: &str, fee: &str| {
            format!(
                "The company is raising {amount} mln dlrs via an offering of convertible \
                 subordinated debentures due {due} with a {coupon} pct coupon and par pricing, \
                 said lead manager Morgan Stanley. Each debenture is convertible into the \
                 company's common stock, and the selling concession is {fee} pct while \
                 management and underwriting combined pays one pct."
            )
        };
        let a = doc(&formula("100", "2012", "7-1/4", "1-1/2"));
        let b = doc(&formula("25", "2002", "7-3/4", "1-3/8"));
        assert!(bag_regions(&a, &a.units, &b, &b.units, 15).is_empty());
        let c = doc(&formula("100", "2012", "7-1/4", "1-1/2"));
        assert_eq!(bag_regions(&a, &a.units, &c, &c.units, 15).len(), 1);
    }

    /// Two stories on one subject, written independently, share a
    /// sentence that looks alike here and there, with other text between:
    /// no region (one seed is not enough, and seeds must hold most of a
    /// region's words). The same sentences, reworded in a row, are one.
    #[test]
    fn stories_on_one_subject_share_no_region() {
        let a = doc("The central bank kept its key interest rate unchanged at its policy meeting in the capital on Thursday. \
                     Governor Lena Marsh told reporters that inflation was easing more slowly than hoped. \
                     The decision surprised some traders who had bet on a cut before the summer. \
                     The bank will publish new forecasts for growth and prices in its quarterly report next month. \
                     Exporters have complained for months that borrowing costs are hurting factory orders.");
        let b = doc("Shares fell in early trading as investors weighed the outlook for company earnings. \
                     Policymakers at the central bank kept the key interest rate unchanged at their policy meeting on Thursday. \
                     Analysts at several brokers said a cut was still likely later in the year. \
                     Retail sales data due next week will show whether households are spending again. \
                     The quarterly report of the bank with new forecasts for growth and prices is due next month. \
                     Oil prices slipped as stockpiles grew for a third week in a row.");
        assert!(bag_regions(&a, &a.units, &b, &b.units, 15).is_empty());
        let c = doc("Shares fell in early trading as investors weighed the outlook for company earnings. \
                     Policymakers at the central bank kept the key rate unchanged at Thursday's meeting. \
                     Inflation was easing more slowly than hoped, Governor Lena Marsh told reporters. \
                     Some traders who had bet on a cut before the summer were surprised by the decision. \
                     Oil prices slipped as stockpiles grew for a third week in a row.");
        let found = bag_regions(&a, &a.units, &c, &c.units, 15);
        assert_eq!(found.len(), 1, "{found:?}");
        // Sentences 1 to 3 of `a` (words 1.. past "summer"), from their
        // first reused word.
        let summer = a.sentences[3] - 1;
        assert_eq!((found[0].a.start, found[0].a.end), (1, summer + 1));
    }
}
