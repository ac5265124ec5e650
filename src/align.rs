//! Align: two word sequences → the best local alignment between them
//! (Smith–Waterman over word hashes).
//!
//! This is how a candidate passage pair is verified and tightened: the
//! alignment starts and ends on matching words, so when only a sentence of
//! a long paragraph was reused, only that sentence is reported. Edits
//! (substituted, inserted, deleted words) are bridged when the text around
//! them matches.
//!
//! Scores: match +2, mismatch −2, gap −2. With these, unrelated text scores
//! below zero on average and an edit every few words is still bridged
//! (two matches pay for one edit).
//!
//! Numbers are facts. The alignment found is cut where a number faces
//! a different word (number or not), or where a number is skipped on
//! both sides between the same two aligned words (one figure put for
//! another), and the best-scoring piece is kept. A wire formula repeated
//! with other figures ("raising 100 mln dlrs … due 2012 with a 7-1/4 pct
//! coupon" / "raising 25 mln dlrs … due 2002 with a 7-3/4 pct coupon")
//! therefore aligns only in a stretch between its figures, too short to
//! be a passage; a reposted paragraph with a corrected figure aligns on
//! the longer side of it (and runs never merge across figures that
//! differ, `passages::runs`); a figure left out on one side ("$412bn (£211.6bn)
//! in the 12 months" / "$412bn in the 12 months") is an edit like any.
//! Callers mark numbers in the low bit of each word hash
//! ([`mark_number`]).

use std::ops::Range;

const MATCH: i32 = 2;
const MISMATCH: i32 = -2;
const GAP: i32 = -2;
/// `hash` with its low bit saying whether the word is a number: the form
/// [`Aligner::align`] reads. (Two distinct words whose hashes differ only
/// in that bit compare equal: a chance of 2⁻⁶³ per pair.)
pub fn mark_number(hash: u64, is_number: bool) -> u64 {
    (hash & !1) | u64::from(is_number)
}

fn is_number(hash: u64) -> bool {
    hash & 1 == 1
}

/// One step of an alignment's path.
#[derive(Clone, Copy)]
enum Step {
    /// `a[i]` faces `b[j]`.
    Face(usize, usize),
    /// `a[i]` skipped.
    SkipA(usize),
    /// `b[j]` skipped.
    SkipB(usize),
}

/// The best local alignment of two sequences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alignment {
    /// Aligned region of the first sequence (indices into it).
    pub a: Range<usize>,
    /// Aligned region of the second sequence.
    pub b: Range<usize>,
    /// Positions where the two aligned words are equal.
    pub matches: usize,
}

impl Alignment {
    /// Matching words over the longer aligned side: 1.0 for verbatim reuse,
    /// lower with every edit.
    pub fn similarity(&self) -> f64 {
        similarity(self.matches, self.a.len(), self.b.len())
    }
}

/// Similarity of an aligned region with `matches` equal words and sides of
/// `a_len` and `b_len` words.
pub fn similarity(matches: usize, a_len: usize, b_len: usize) -> f64 {
    let longer = a_len.max(b_len);
    if longer == 0 {
        0.0
    } else {
        matches as f64 / longer as f64
    }
}

/// Smith–Waterman with reusable score matrices; one per thread.
///
/// The matrix is filled by [`Wave`], eight rows at a time in 16-bit lanes
/// (scores stay below `2 × min(|a|, |b|) + 2`), or, when both sides are
/// longer than [`Wave::MAX_SIDE`] words (or the second is longer than
/// 16-bit word numbers allow), row by row in 32-bit cells
/// (`scores`, two rows at a time). Both give the matrix of the
/// definition (`the_fill_is_smith_waterman`), so the same alignment.
#[derive(Debug, Default)]
pub struct Aligner {
    scores: Vec<i32>,
    wave: Wave,
}

impl Aligner {
    /// The highest-scoring local alignment of `a` and `b`, or `None` when
    /// they share no word. Ties go to the alignment ending first (in `a`,
    /// then `b`), so results are deterministic. Cost O(|a|·|b|) time and
    /// memory; callers keep the inputs short (passage units).
    pub fn align(&mut self, a: &[u64], b: &[u64]) -> Option<Alignment> {
        self.align_filtered(a, &WordFilter::of(a), b, &WordFilter::of(b))
    }

    /// [`Self::align`], given each side's [`WordFilter`] (made once for
    /// a sequence aligned with several others).
    pub fn align_filtered(
        &mut self,
        a: &[u64],
        in_a: &WordFilter,
        b: &[u64],
        in_b: &WordFilter,
    ) -> Option<Alignment> {
        // Only the box from the first to the last word each side may share
        // with the other is filled: the matrix is zero above and left of
        // it (no match there to score), and every cell below or right of
        // it scores less than a cell inside it (a step without a match
        // costs), so the best cell, the first among equals and the path
        // back from it are the whole matrix's.
        let (rows, cols) = (shared_span(a, in_b)?, shared_span(b, in_a)?);
        let (a, b) = (&a[rows.clone()], &b[cols.clone()]);
        let path = if Wave::fits(a, b) {
            let (score, i, j) = self.wave.fill(a, b);
            if score == 0 {
                return None;
            }
            let wave = &self.wave;
            trace(a, b, i, j, |i, j| wave.at(i, j))
        } else {
            let (score, i, j) = self.fill(a, b);
            if score == 0 {
                return None;
            }
            let (h, width) = (&self.scores, b.len() + 1);
            trace(a, b, i, j, |i, j| h[i * width + j])
        };
        let al = best_factual_piece(a, b, &path)?;
        let shift = |r: Range<usize>, by: usize| r.start + by..r.end + by;
        Some(Alignment {
            a: shift(al.a, rows.start),
            b: shift(al.b, cols.start),
            matches: al.matches,
        })
    }

    /// Fills the score matrix of `a` against `b` (`(|a| + 1) × (|b| + 1)`,
    /// row 0 and column 0 zero); returns the best score and its cell, the
    /// first in row order among equals.
    fn fill(&mut self, a: &[u64], b: &[u64]) -> (i32, usize, usize) {
        let (n, width) = (a.len(), b.len() + 1);
        // Every cell is written below but row 0 and column 0: only those
        // are zeroed (clearing the whole matrix cost as much as a tenth of
        // filling it).
        if self.scores.len() < (n + 1) * width {
            self.scores.resize((n + 1) * width, 0);
        }
        self.scores[..width].fill(0);
        let h = &mut self.scores[..(n + 1) * width];
        let mut best = (0, 0, 0);
        let mut note = |score: i32, i: usize, row: &[i32]| {
            if score > best.0 {
                let j = row.iter().position(|&s| s == score).unwrap_or(0);
                best = (score, i, j);
            }
        };
        let in_b = WordFilter::of(b);
        // The best score of the row above.
        let mut above_best = 0;
        let mut i = 1;
        while i <= n {
            if above_best <= MATCH && !in_b.may_hold(a[i - 1]) {
                // Nothing above carries over (a cell loses 2 a step) and
                // no word of the row matches: the row is zero. A third of
                // the cells of the passage stage's alignments on wire copy.
                h[i * width..(i + 1) * width].fill(0);
                above_best = 0;
                i += 1;
                continue;
            }
            let (above, rest) = h.split_at_mut(i * width);
            let prev = &above[(i - 1) * width..];
            if i < n {
                let (first, second) = rest[..2 * width].split_at_mut(width);
                let (b1, b2) = fill_two_rows(prev, first, second, a[i - 1], a[i], b);
                note(b1, i, first);
                note(b2, i + 1, second);
                above_best = b2;
                i += 2;
            } else {
                let row = &mut rest[..width];
                let b1 = fill_row(prev, row, a[i - 1], b);
                note(b1, i, row);
                above_best = b1;
                i += 1;
            }
        }
        best
    }
}

/// The path from cell `(i, j)` of a filled matrix (cell `(i, j)` is
/// `h(i, j)`) back to where the score drops to zero, in sequence order.
fn trace(
    a: &[u64],
    b: &[u64],
    mut i: usize,
    mut j: usize,
    h: impl Fn(usize, usize) -> i32,
) -> Vec<Step> {
    let mut path = Vec::new();
    while i > 0 && j > 0 && h(i, j) > 0 {
        let here = h(i, j);
        let same = a[i - 1] == b[j - 1];
        let diag = h(i - 1, j - 1) + if same { MATCH } else { MISMATCH };
        if here == diag {
            i -= 1;
            j -= 1;
            path.push(Step::Face(i, j));
        } else if here == h(i - 1, j) + GAP {
            i -= 1;
            path.push(Step::SkipA(i));
        } else {
            j -= 1;
            path.push(Step::SkipB(j));
        }
    }
    path.reverse();
    path
}

/// Rows filled side by side by [`Wave`].
const LANES: usize = 8;
type Lanes = [i16; LANES];

/// Smith–Waterman filled eight rows at a time along a wavefront: lane `r`
/// of step `t` is cell `(row + r, t − r + 1)`, so every cell of a step
/// depends only on the step before (its left neighbour is its own lane's,
/// its upper and diagonal ones the lane above's) and the eight are
/// computed side by side, as 16-bit lanes of one vector. Words are
/// compared as themselves, eight 64-bit words with eight at a step, where
/// the processor has AVX2; elsewhere as small numbers (a word of the
/// second sequence is numbered by first appearance; a word of the first
/// it lacks gets one none has).
#[derive(Debug, Default)]
struct Wave {
    /// Step `t` of block `k` (rows `8k + 1 ..= 8k + 8`) at
    /// `cells[k × steps + t]`.
    cells: Vec<Lanes>,
    steps: usize,
    /// Each row's best score (row `i` at `i − 1`).
    row_best: Vec<i16>,
    /// The first sequence's words as numbers, eight per block.
    ids_a: Vec<u16>,
    /// The second's, last first, between `LANES − 1` pads each side.
    ids_b: Vec<u16>,
    /// The first sequence's words, eight per block, and the second's,
    /// last first, between pads: the sides as [`steps_words`] reads them.
    words_a: Vec<u64>,
    words_b: Vec<u64>,
    /// (word, number) slots numbering the second sequence's words.
    slots: Vec<(u64, u16)>,
}

/// A number no word gets: the pads around the second sequence.
const PAD: u16 = u16::MAX - 1;
/// The number of a word of the first sequence the second lacks.
const NONE: u16 = u16::MAX;
/// The pads around the second sequence's words compared as words
/// ([`steps_words`]); a first sequence holding it (a chance of 2⁻⁶³ per
/// word) is numbered instead, so that no word meets a pad.
const B_PAD: u64 = 0;

impl Wave {
    /// Scores stay below `2 × MAX_SIDE + 2`, within 16 bits.
    const MAX_SIDE: usize = 16_000;

    /// Whether `a` against `b` fits the wave: scores within 16 bits, and
    /// the second sequence's words numbered below [`PAD`].
    fn fits(a: &[u64], b: &[u64]) -> bool {
        a.len().min(b.len()) <= Self::MAX_SIDE && b.len() < usize::from(PAD)
    }

    /// Numbers the words of `b` by first appearance into `ids_b` (last
    /// word first, between pads) and those of `a` into `ids_a` ([`NONE`]
    /// for a word `b` lacks, and for the rows that fill the last block).
    fn number(&mut self, a: &[u64], b: &[u64]) {
        let size = (2 * b.len()).next_power_of_two().max(16);
        let mask = size - 1;
        self.slots.clear();
        self.slots.resize(size, (0, NONE));
        let mut next = 0u16;
        let slot = |w: u64| (w >> 32) as usize & mask;
        let mut id_of = |slots: &mut Vec<(u64, u16)>, w: u64, insert: bool| -> u16 {
            let mut at = slot(w);
            loop {
                let (h, id) = slots[at];
                if id == NONE {
                    if !insert {
                        return NONE;
                    }
                    slots[at] = (w, next);
                    next += 1;
                    return next - 1;
                }
                if h == w {
                    return id;
                }
                at = (at + 1) & mask;
            }
        };
        self.ids_b.clear();
        self.ids_b.resize(b.len() + 2 * (LANES - 1), PAD);
        for (j, &w) in b.iter().enumerate() {
            let id = id_of(&mut self.slots, w, true);
            self.ids_b[LANES - 1 + b.len() - 1 - j] = id;
        }
        self.ids_a.clear();
        for &w in a {
            let id = id_of(&mut self.slots, w, false);
            self.ids_a.push(id);
        }
        self.ids_a.resize(a.len().div_ceil(LANES) * LANES, NONE);
    }

    /// Lays out the words of `b` into `words_b` (last word first, between
    /// pads) and those of `a` into `words_a` (the rows that fill the last
    /// block any word: rows past the last feed no cell of the matrix).
    fn lay_out(&mut self, a: &[u64], b: &[u64]) {
        self.words_b.clear();
        self.words_b.resize(LANES - 1, B_PAD);
        self.words_b.extend(b.iter().rev());
        self.words_b.resize(b.len() + 2 * (LANES - 1), B_PAD);
        self.words_a.clear();
        self.words_a.extend_from_slice(a);
        self.words_a.resize(a.len().div_ceil(LANES) * LANES, !B_PAD);
    }

    /// Whether this processor compares `a`'s words with the second
    /// side's as words ([`steps_words`]), not numbers.
    fn by_words(a: &[u64]) -> bool {
        #[cfg(target_arch = "x86_64")]
        return std::arch::is_x86_feature_detected!("avx2") && !a.contains(&B_PAD);
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = a;
            false
        }
    }

    /// Fills the matrix of `a` against `b`; returns the best score and
    /// its cell, the first in row order among equals (as
    /// [`Aligner::fill`]).
    fn fill(&mut self, a: &[u64], b: &[u64]) -> (i32, usize, usize) {
        self.fill_as(a, b, Self::by_words(a))
    }

    /// [`Self::fill`], comparing words as words when `by_words` (which
    /// [`Self::by_words`] must allow), else as numbers.
    fn fill_as(&mut self, a: &[u64], b: &[u64], by_words: bool) -> (i32, usize, usize) {
        let (n, m) = (a.len(), b.len());
        if by_words {
            self.lay_out(a, b);
        } else {
            self.number(a, b);
        }
        self.steps = m + LANES - 1;
        let blocks = n.div_ceil(LANES);
        // Every cell is written: the buffer only grows.
        if self.cells.len() < blocks * self.steps {
            self.cells.resize(blocks * self.steps, [0; LANES]);
        }
        self.row_best.clear();
        for k in 0..blocks {
            let best = self.block(k, by_words);
            self.row_best.extend_from_slice(&best);
        }
        self.row_best.truncate(n);
        let top = self.row_best.iter().copied().max().unwrap_or(0);
        if top <= 0 {
            return (0, 0, 0);
        }
        let i = self.row_best.iter().position(|&s| s == top).unwrap_or(0) + 1;
        let j = (1..=m)
            .find(|&j| self.at(i, j) == i32::from(top))
            .unwrap_or(0);
        (i32::from(top), i, j)
    }

    /// Fills block `k`, comparing words as words when `by_words`; returns
    /// its rows' best scores.
    fn block(&mut self, k: usize, by_words: bool) -> Lanes {
        let rows = k * LANES..(k + 1) * LANES;
        let (done, rest) = self.cells.split_at_mut(k * self.steps);
        let cells = &mut rest[..self.steps];
        // The row above the block is the block before's last lane.
        let above = done.get((k.max(1) - 1) * self.steps..).filter(|_| k > 0);
        #[cfg(target_arch = "x86_64")]
        if by_words {
            let words = self.words_a[rows].try_into().unwrap_or(&[!B_PAD; LANES]);
            // SAFETY: the processor has AVX2 (`by_words` says so).
            return unsafe { steps_words(words, &self.words_b, above, cells) };
        }
        let ids = self.ids_a[rows].try_into().unwrap_or(&[NONE; LANES]);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: SSE2 is part of every x86-64 processor.
        let best = unsafe { steps(ids, &self.ids_b, above, cells) };
        #[cfg(not(target_arch = "x86_64"))]
        let best = {
            let _ = by_words;
            steps(ids, &self.ids_b, above, cells)
        };
        best
    }

    /// Cell `(i, j)` of the matrix last filled.
    fn at(&self, i: usize, j: usize) -> i32 {
        if i == 0 || j == 0 {
            return 0;
        }
        let (k, r) = ((i - 1) / LANES, (i - 1) % LANES);
        i32::from(self.cells[k * self.steps + j - 1 + r][r])
    }
}

/// The steps of one block of [`Wave`]: `ids` its rows' words, `ids_b`
/// the second sequence's (last first, padded), `above` the steps of the
/// block above (none for the first: row 0 is zero); writes each step's
/// cells into `cells` and returns each row's best score. One vector of
/// eight 16-bit lanes per step (SSE2, part of every x86-64 processor).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn steps(ids: &[u16; LANES], ids_b: &[u16], above: Option<&[Lanes]>, cells: &mut [Lanes]) -> Lanes {
    use std::arch::x86_64::*;
    let m = cells.len() + 1 - LANES;
    let load = |lanes: &[u16; LANES]| -> __m128i {
        // SAFETY: an unaligned load of the array's 16 bytes.
        unsafe { _mm_loadu_si128(lanes.as_ptr().cast()) }
    };
    let window = |t: usize| -> &[u16; LANES] {
        let from = LANES + m - 2 - t;
        ids_b[from..from + LANES]
            .try_into()
            .unwrap_or(&[PAD; LANES])
    };
    let ids = load(ids);
    wave_steps(
        |t| _mm_cmpeq_epi16(ids, load(window(t))),
        |v, w| _mm_insert_epi16::<0>(_mm_slli_si128::<2>(v), _mm_extract_epi16::<7>(w)),
        above,
        cells,
    )
}

/// [`steps`] with the words themselves, not numbers: `words` the rows'
/// words, `words_b` the second sequence's, last first, between pads
/// ([`Wave::lay_out`]). Each step compares eight 64-bit words with eight
/// (AVX2), work beside the cells' chain of dependencies, which sets the
/// pace: the two sides need not be numbered first, which cost as much
/// as filling the matrix.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn steps_words(
    words: &[u64; LANES],
    words_b: &[u64],
    above: Option<&[Lanes]>,
    cells: &mut [Lanes],
) -> Lanes {
    use std::arch::x86_64::*;
    let m = cells.len() + 1 - LANES;
    let load = |four: &[u64]| -> __m256i {
        let four: &[u64; 4] = four[..4].try_into().unwrap_or(&[B_PAD; 4]);
        // SAFETY: an unaligned load of the array's 32 bytes.
        unsafe { _mm256_loadu_si256(four.as_ptr().cast()) }
    };
    let (low, high) = (load(&words[..4]), load(&words[4..]));
    // The low 32 bits of each 64-bit lane, to the low half.
    let evens = _mm256_set_epi32(7, 5, 3, 1, 6, 4, 2, 0);
    wave_steps(
        |t| {
            let from = LANES + m - 2 - t;
            let window = &words_b[from..from + LANES];
            // Each 64-bit lane all ones or all zeros, narrowed to 16 bits.
            let narrow =
                |same: __m256i| _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(same, evens));
            let same_low = narrow(_mm256_cmpeq_epi64(low, load(&window[..4])));
            let same_high = narrow(_mm256_cmpeq_epi64(high, load(&window[4..])));
            _mm_packs_epi32(same_low, same_high)
        },
        |v, w| _mm_alignr_epi8::<14>(v, w),
        above,
        cells,
    )
}

/// The steps of one block given, for each step `t`, the lanes whose two
/// words are the same (`same(t)`: all ones there, zero elsewhere), and
/// `shift_in(v, w)`: `v`'s lanes moved up one, `w`'s last lane into lane
/// 0.
///
/// A step waits on the step before through its left and upper
/// neighbours only, so that chain is kept short: both are taken after a
/// gap and floored at zero in one saturating subtraction (scores are
/// never negative), the upper ones shifted from the left ones, and the
/// diagonal (from two steps back) joins off the chain.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn wave_steps(
    same: impl Fn(usize) -> std::arch::x86_64::__m128i,
    shift_in: impl Fn(
        std::arch::x86_64::__m128i,
        std::arch::x86_64::__m128i,
    ) -> std::arch::x86_64::__m128i,
    above: Option<&[Lanes]>,
    cells: &mut [Lanes],
) -> Lanes {
    use std::arch::x86_64::*;
    const { assert!(GAP < 0 && MISMATCH < 0 && MATCH > 0) };
    let (gap, zero) = (_mm_set1_epi16(-GAP as i16), _mm_setzero_si128());
    let span = _mm_set1_epi16((MATCH - MISMATCH) as i16);
    // The row above the block at step `t`: the block above's cells at
    // `t + LANES − 1`, whose last lane is lane 0's upper neighbour (past
    // the last column any value does: the cell is not one of the matrix).
    let above_at = |t: usize| -> __m128i {
        above.map_or(zero, |a| {
            let cells = &a[(t + LANES - 1).min(a.len() - 1)];
            // SAFETY: an unaligned load of the cells' 16 bytes.
            unsafe { _mm_loadu_si128((cells as *const Lanes).cast()) }
        })
    };
    let (mut out, mut up_before, mut best) = (zero, zero, zero);
    for (t, slot) in cells.iter_mut().enumerate() {
        // MISMATCH, raised to MATCH where the words are the same.
        let here = _mm_add_epi16(
            _mm_and_si128(same(t), span),
            _mm_set1_epi16(MISMATCH as i16),
        );
        let row_above = above_at(t);
        // Lane r's upper neighbour is lane r − 1's last cell; lane 0's is
        // the row above the block. Exact, for the next step's diagonal.
        let up = shift_in(out, row_above);
        // max(left + GAP, 0) and max(up + GAP, 0): scores are ≥ 0, and
        // the unsigned saturating subtraction stops at zero.
        let left = _mm_subs_epu16(out, gap);
        let upper = shift_in(left, _mm_subs_epu16(row_above, gap));
        let next = _mm_max_epi16(_mm_max_epi16(_mm_add_epi16(up_before, here), left), upper);
        best = _mm_max_epi16(best, next);
        // SAFETY: an unaligned store of the slot's 16 bytes.
        unsafe { _mm_storeu_si128((slot as *mut Lanes).cast(), next) };
        (out, up_before) = (next, up);
    }
    let mut lanes = [0i16; LANES];
    // SAFETY: as above.
    unsafe { _mm_storeu_si128(lanes.as_mut_ptr().cast(), best) };
    lanes
}

/// [`steps`] lane by lane, where SSE2 is not there.
#[cfg(not(target_arch = "x86_64"))]
fn steps(ids: &[u16; LANES], ids_b: &[u16], above: Option<&[Lanes]>, cells: &mut [Lanes]) -> Lanes {
    let m = cells.len() + 1 - LANES;
    let (mut out, mut up_before, mut best) = ([0i16; LANES], [0i16; LANES], [0i16; LANES]);
    for (t, slot) in cells.iter_mut().enumerate() {
        let from = LANES + m - 2 - t;
        let mut up = [0i16; LANES];
        up[0] = up_first(above, t);
        up[1..].copy_from_slice(&out[..LANES - 1]);
        let mut next = [0i16; LANES];
        for r in 0..LANES {
            let here = if ids[r] == ids_b[from + r] {
                MATCH
            } else {
                MISMATCH
            } as i16;
            next[r] = (up_before[r] + here)
                .max(up[r] + GAP as i16)
                .max(out[r] + GAP as i16)
                .max(0);
            best[r] = best[r].max(next[r]);
        }
        *slot = next;
        (out, up_before) = (next, up);
    }
    best
}

/// The upper neighbour of lane 0's cell at step `t`, `(row, t + 1)`: the
/// block above's last lane at step `t + LANES − 1`, where that is a cell
/// of the matrix (past the last column, lane 0's cell is not one, and any
/// value does).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn up_first(above: Option<&[Lanes]>, t: usize) -> i16 {
    above.map_or(0, |a| a[(t + LANES - 1).min(a.len() - 1)][LANES - 1])
}

/// At most how many words an alignment of `a` and `b` ([`Aligner::align`],
/// with or without [`mark_number`]'s marks) matches, given their
/// [`WordFilter`]s: each word it matches in either sequence is held by
/// the other. One pass over each sequence, where aligning them costs
/// their product: callers skip pairs that could not match enough.
pub fn max_matches(a: &[u64], in_a: &WordFilter, b: &[u64], in_b: &WordFilter) -> usize {
    in_b.held(a).min(in_a.held(b))
}

/// The stretch of `a` from its first to its last word that `in_b` (the
/// other side's [`WordFilter`]) may hold, `None` when it holds none.
fn shared_span(a: &[u64], in_b: &WordFilter) -> Option<Range<usize>> {
    let first = a.iter().position(|&w| in_b.may_hold(w))?;
    let last = a.iter().rposition(|&w| in_b.may_hold(w))?;
    Some(first..last + 1)
}

/// Which words a sequence may hold: a 1,024-bit filter of their hashes
/// (bits above the number mark, [`mark_number`], so a sequence's filter
/// is the same with numbers marked or not). "No" is certain; "maybe" is
/// wrong for about one word in twenty against a paragraph of sixty.
#[derive(Debug, Clone)]
pub struct WordFilter([u64; 16]);

impl WordFilter {
    /// The filter of `words`.
    pub fn of(words: &[u64]) -> Self {
        let mut bits = [0u64; 16];
        for &w in words {
            let k = Self::bit(w);
            bits[k >> 6] |= 1 << (k & 63);
        }
        WordFilter(bits)
    }

    fn bit(word: u64) -> usize {
        ((word >> 8) & 1023) as usize
    }

    fn may_hold(&self, word: u64) -> bool {
        let k = Self::bit(word);
        self.0[k >> 6] & (1 << (k & 63)) != 0
    }

    /// How many of `words` (with repeats) the filter may hold.
    fn held(&self, words: &[u64]) -> usize {
        words.iter().filter(|&&w| self.may_hold(w)).count()
    }
}

/// The score of a cell from its diagonal, upper and left neighbours.
#[inline(always)]
fn cell(diag: i32, up: i32, left: i32, same: bool) -> i32 {
    let here = if same { MATCH } else { MISMATCH };
    // The left neighbour last: it is the only term that waits on the
    // cell just computed.
    (diag + here).max(up + GAP).max(0).max(left + GAP)
}

/// Fills `row` (row `i` of the matrix, for word `ai`) from `prev` (row
/// `i − 1`); returns the row's best score.
fn fill_row(prev: &[i32], row: &mut [i32], ai: u64, b: &[u64]) -> i32 {
    row[0] = 0;
    let (mut diag, mut left, mut best) = (0, 0, 0);
    for ((out, &up), &bj) in row[1..].iter_mut().zip(&prev[1..]).zip(b) {
        let score = cell(diag, up, left, ai == bj);
        *out = score;
        (diag, left) = (up, score);
        best = best.max(score);
    }
    best
}

/// Fills two rows at once (for words `a1` and `a2`) from `prev`: each
/// cell waits on its left neighbour, so one row at a time leaves the
/// processor idle between cells; two rows side by side keep it busy
/// (twice the cells for nearly the same time). Returns each row's best
/// score.
fn fill_two_rows(
    prev: &[i32],
    first: &mut [i32],
    second: &mut [i32],
    a1: u64,
    a2: u64,
    b: &[u64],
) -> (i32, i32) {
    (first[0], second[0]) = (0, 0);
    let (mut diag1, mut left1, mut best1) = (0, 0, 0);
    let (mut diag2, mut left2, mut best2) = (0, 0, 0);
    let cells = first[1..].iter_mut().zip(second[1..].iter_mut());
    for ((out1, out2), (&up, &bj)) in cells.zip(prev[1..].iter().zip(b)) {
        let s1 = cell(diag1, up, left1, a1 == bj);
        let s2 = cell(diag2, s1, left2, a2 == bj);
        (*out1, *out2) = (s1, s2);
        (diag1, left1, diag2, left2) = (up, s1, s1, s2);
        best1 = best1.max(s1);
        best2 = best2.max(s2);
    }
    (best1, best2)
}

/// The best-scoring piece of `path` that puts no figure for another (see
/// the module), tightened to its first and last matching words.
fn best_factual_piece(a: &[u64], b: &[u64], path: &[Step]) -> Option<Alignment> {
    // (score, first step, last matching step) of the best piece so far
    // and of the current one.
    let mut best: Option<(i32, usize, usize)> = None;
    let mut current: Option<(i32, usize, usize)> = None;
    let (mut skipped_a, mut skipped_b) = (false, false);
    // What the steps since the current piece's last match cost.
    let mut pending = 0;
    let mut close = |piece: Option<(i32, usize, usize)>| {
        if let Some(p) = piece {
            if best.map_or(true, |b| p.0 > b.0) {
                best = Some(p);
            }
        }
    };
    for (k, step) in path.iter().enumerate() {
        match *step {
            Step::SkipA(i) => {
                skipped_a |= is_number(a[i]);
                pending += GAP;
            }
            Step::SkipB(j) => {
                skipped_b |= is_number(b[j]);
                pending += GAP;
            }
            Step::Face(i, j) => {
                let same = a[i] == b[j];
                let conflict =
                    (!same && (is_number(a[i]) || is_number(b[j]))) || (skipped_a && skipped_b);
                if conflict {
                    close(current.take());
                }
                (skipped_a, skipped_b) = (false, false);
                if same {
                    current = Some(match current {
                        Some((score, first, _)) => (score + pending + MATCH, first, k),
                        None => (MATCH, k, k),
                    });
                    pending = 0;
                } else {
                    pending += MISMATCH;
                    // A piece whose running score would fall to zero ends
                    // at its last match (as the alignment's own start did).
                    if current.is_some_and(|(score, _, _)| score + pending <= 0) {
                        close(current.take());
                    }
                }
            }
        }
    }
    close(current);
    let (_, first, last) = best?;
    let (Step::Face(i0, j0), Step::Face(i1, j1)) = (path[first], path[last]) else {
        return None;
    };
    let matches = path[first..=last]
        .iter()
        .filter(|s| matches!(s, Step::Face(i, j) if a[*i] == b[*j]))
        .count();
    Some(Alignment {
        a: i0..i1 + 1,
        b: j0..j1 + 1,
        matches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(words: &str) -> Vec<u64> {
        words
            .split_whitespace()
            .map(|w| {
                let number = w.chars().any(|c| c.is_ascii_digit());
                mark_number(crate::tokenize::word_hash(w), number)
            })
            .collect()
    }

    #[test]
    fn verbatim_reuse_inside_longer_text_is_tightened() {
        let a = seq(
            "in this file photo taken in july the general arrives to pay his respects to the hero",
        );
        let b = seq(
            "the general arrives to pay his respects to the hero united nations investigators said",
        );
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!(al.a, 7..17);
        assert_eq!(al.b, 0..10);
        assert_eq!(al.matches, 10);
        assert_eq!(al.similarity(), 1.0);
    }

    #[test]
    fn edits_are_bridged() {
        let a = seq("rights activists have accused moscow of legitimizing myanmar's military junta which came to power in a coup by continuing visits");
        let b = seq("rights activists have accused moscow of legitimizing myanmar's junta which seized power in a coup by continuing visits");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!((al.a.clone(), al.b.clone()), (0..a.len(), 0..b.len()));
        assert_eq!(al.matches, 17);
        assert!(al.similarity() > 0.8);
    }

    /// A formula repeated with other figures aligns only between them.
    #[test]
    fn different_numbers_stop_an_alignment() {
        let a = seq("acme is raising 100 mln dlrs via an offering of convertible subordinated debentures due 2012 with a 7-1/4 pct coupon");
        let b = seq("zenith is raising 25 mln dlrs via an offering of convertible subordinated debentures due 2002 with a 7-3/4 pct coupon");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!(al.a, 4..14, "the words between 100/25 and 2012/2002");
        assert_eq!(al.matches, 10);
        // A changed figure is a changed fact even in identical text: the
        // alignment keeps the longer stretch beside it.
        let a = seq("the company said net profit for the year rose to 120 mln dlrs from 98 mln dlrs a year earlier on higher sales in asia and europe");
        let b = seq("the company said net profit for the year rose to 125 mln dlrs from 98 mln dlrs a year earlier on higher sales in asia and europe");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!((al.a.clone(), al.b.clone()), (11..a.len(), 11..b.len()));
        // A figure left out on one side is an edit like any.
        let a = seq("the budget deficit hit a record 412bn 211.6bn in the 12 months to 30 september and 377bn in the previous year");
        let b = seq("the budget deficit hit a record 412bn in the 12 months to 30 september and 377bn in the previous year");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!((al.a.clone(), al.b.clone()), (0..a.len(), 0..b.len()));
        // The same figure on both sides is a match like any word.
        let al = Aligner::default().align(&a, &a).unwrap();
        assert_eq!(al.a, 0..a.len());
    }

    /// Smith–Waterman as defined, one cell at a time, and its first best
    /// cell in row order.
    fn reference_fill(a: &[u64], b: &[u64]) -> (Vec<i32>, (i32, usize, usize)) {
        let width = b.len() + 1;
        let mut h = vec![0; (a.len() + 1) * width];
        let mut best = (0, 0, 0);
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let here = if a[i - 1] == b[j - 1] {
                    MATCH
                } else {
                    MISMATCH
                };
                let score = (h[(i - 1) * width + j - 1] + here)
                    .max(h[(i - 1) * width + j] + GAP)
                    .max(h[i * width + j - 1] + GAP)
                    .max(0);
                h[i * width + j] = score;
                if score > best.0 {
                    best = (score, i, j);
                }
            }
        }
        (h, best)
    }

    /// A small number spread over 64 bits as a word hash is (the word
    /// filters and the wave's numbering read its high bits).
    fn spread(w: u64) -> u64 {
        w.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    /// `words` spread, each below `numbers_below` marked a number where
    /// `numbers` says so at its position.
    fn marked(words: &[u64], numbers: &[bool], numbers_below: u64) -> Vec<u64> {
        words
            .iter()
            .zip(numbers)
            .map(|(&w, &n)| mark_number(spread(w), n && w < numbers_below))
            .collect()
    }

    proptest::proptest! {
        /// Rows filled in pairs, over a reused matrix, rows without a
        /// match skipped, give the matrix and best cell of the definition
        /// (small alphabets: many matches and ties; spread as hashes are,
        /// so that the word filter tells rows without a match).
        #[test]
        fn the_fill_is_smith_waterman(
            a in proptest::collection::vec(0u64..9, 0..23),
            b in proptest::collection::vec(0u64..9, 0..23),
            earlier in proptest::collection::vec(0u64..9, 0..23),
        ) {
            let spread_all = |v: Vec<u64>| -> Vec<u64> { v.into_iter().map(spread).collect() };
            let (a, b, earlier) = (spread_all(a), spread_all(b), spread_all(earlier));
            // An aligner reused after another pair, as every caller does.
            let mut aligner = Aligner::default();
            aligner.fill(&earlier, &a);
            let best = aligner.fill(&a, &b);
            let (scores, expected) = reference_fill(&a, &b);
            proptest::prop_assert_eq!(best, expected);
            proptest::prop_assert_eq!(&aligner.scores[..scores.len()], &scores[..]);
            // The wavefront, reused too.
            // Words compared as numbers, and as words where the processor
            // can.
            for by_words in [false, Wave::by_words(&a)] {
                let mut wave = Wave::default();
                wave.fill_as(&earlier, &b, by_words && Wave::by_words(&earlier));
                proptest::prop_assert_eq!(wave.fill_as(&a, &b, by_words), expected);
                let width = b.len() + 1;
                for i in 0..=a.len() {
                    for j in 0..=b.len() {
                        proptest::prop_assert_eq!(wave.at(i, j), scores[i * width + j], "cell ({}, {})", i, j);
                    }
                }
            }
        }
    }

    proptest::proptest! {
        /// No alignment matches more words than `max_matches` allows,
        /// numbers marked or not.
        #[test]
        fn alignments_match_at_most_max_matches(
            a in proptest::collection::vec(0u64..12, 0..40),
            b in proptest::collection::vec(0u64..12, 0..40),
            numbers in proptest::collection::vec(proptest::bool::ANY, 40),
        ) {
            let (a, b) = (marked(&a, &numbers, 3), marked(&b, &numbers, 3));
            let bound = max_matches(&a, &WordFilter::of(&a), &b, &WordFilter::of(&b));
            if let Some(al) = Aligner::default().align(&a, &b) {
                proptest::prop_assert!(al.matches <= bound, "{} > {bound}", al.matches);
            }
        }
    }

    proptest::proptest! {
        /// Filling only the box of words both sides may share finds what
        /// the whole matrix does (a larger alphabet than above, so that
        /// the sides have words the other lacks at either end).
        #[test]
        fn the_box_aligns_as_the_whole_matrix(
            a in proptest::collection::vec(0u64..30, 0..40),
            b in proptest::collection::vec(0u64..30, 0..40),
            numbers in proptest::collection::vec(proptest::bool::ANY, 40),
        ) {
            let (a, b) = (marked(&a, &numbers, 6), marked(&b, &numbers, 6));
            let mut whole = Aligner::default();
            let (score, i, j) = whole.fill(&a, &b);
            let expected = if score == 0 {
                None
            } else {
                let width = b.len() + 1;
                best_factual_piece(&a, &b, &trace(&a, &b, i, j, |i, j| whole.scores[i * width + j]))
            };
            proptest::prop_assert_eq!(Aligner::default().align(&a, &b), expected);
        }
    }

    /// A second sequence with more words than 16-bit numbers name is
    /// aligned row by row, with the same result.
    #[test]
    fn a_second_sequence_past_the_wave_aligns_row_by_row() {
        let b: Vec<u64> = (0..70_000).map(|w| spread(w) & !1).collect();
        // Words from both ends of `b`, so that its whole length is filled.
        let a: Vec<u64> = [&b[..10], &b[69_980..]].concat();
        assert!(!Wave::fits(&a, &b));
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!((al.a, al.b, al.matches), (10..30, 69_980..70_000, 20));
    }

    #[test]
    fn unrelated_text_does_not_align_far() {
        let a = seq("the cat sat on the mat");
        let b = seq("stock markets fell sharply on monday");
        let al = Aligner::default().align(&a, &b).unwrap();
        assert_eq!(al.matches, 1);
        assert!(Aligner::default().align(&seq("x y"), &seq("z w")).is_none());
    }
}
