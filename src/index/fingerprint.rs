//! What the gate computes of one text before touching the index: its
//! words, units and shingles read by a thread's
//! [`crate::fingerprint::Fingerprinter`] (the path `scan` reads texts by),
//! then band keys, paragraph fingerprints and winnowed passage anchors.

use xxhash_rust::xxh3::xxh3_64;

use super::{IndexParams, BOTTOM_K, WINNOW};
use crate::boilerplate::fingerprint;
use crate::fingerprint::Fingerprinter;
use crate::lsh::band_key;
use crate::passages::{anchor_hash, unit_shape, DocUnits, PassageOptions};
use crate::shingle::ShingleSet;
use crate::sketch::{Signature, Sketcher};
use crate::tokenize::Word;
use crate::units::Unit;

/// What a bulk load stores of an article's fingerprint: its keys, not its
/// words (a batch of 10,000 articles holds about 5 MB of them instead of
/// 300 MB).
pub(super) struct Keys {
    pub(super) content_hash: u64,
    pub(super) band_keys: Vec<u64>,
    pub(super) anchors: Vec<u64>,
    pub(super) unit_fps: Vec<u64>,
    /// The shapes of the units that have one ([`unit_shapes`]).
    pub(super) shapes: Vec<u64>,
    /// The article's date (seconds since 1970, UTC), stored in its record.
    pub(super) date: Option<i64>,
}

impl Keys {
    /// What the paragraph counts count of this article: its paragraphs'
    /// fingerprints and their shapes.
    pub(super) fn counted(&self) -> impl Iterator<Item = u64> + '_ {
        self.unit_fps.iter().chain(&self.shapes).copied()
    }
}

/// Everything the gate computes of one article before touching the index.
pub(super) struct Fingerprint {
    pub(super) content_hash: u64,
    /// Shingle hashes (a set is made of them only when a near-duplicate
    /// candidate must be verified).
    pub(super) shingle_hashes: Vec<u64>,
    pub(super) band_keys: Vec<u64>,
    pub(super) doc: DocUnits,
    pub(super) unit_fps: Vec<u64>,
    /// Each unit's shape, for those that have one ([`unit_shapes`]).
    pub(super) unit_shapes: Vec<Option<u64>>,
    pub(super) anchors: Vec<u64>,
    /// The winnowed anchors of each unit (queried only for units that are
    /// not boilerplate).
    pub(super) unit_anchors: Vec<Vec<u64>>,
}

/// Everything the gate needs of one text, computed as `scan` does.
pub(super) fn fingerprint_text(p: &IndexParams, text: &str) -> Fingerprint {
    let (doc, hashes) = read_text(p, text);
    let unit_fps = unit_fingerprints(&doc);
    let unit_shapes = unit_shapes(&doc);
    let band_keys = band_keys_of(p, &hashes);
    let mut scratch = Vec::new();
    let unit_anchors: Vec<Vec<u64>> = doc
        .units
        .iter()
        .map(|u| {
            let mut a = Vec::new();
            let words = &doc.words[u.start as usize..u.end as usize];
            winnow(words, p.anchor_words, &mut scratch, &mut a);
            a
        })
        .collect();
    let mut anchors: Vec<u64> = unit_anchors.iter().flatten().copied().collect();
    anchors.sort_unstable();
    anchors.dedup();
    Fingerprint {
        unit_anchors,
        content_hash: xxh3_64(text.as_bytes()),
        shingle_hashes: hashes,
        band_keys,
        doc,
        unit_fps,
        unit_shapes,
        anchors,
    }
}

impl Fingerprint {
    /// What the paragraph counts count of this article, as
    /// [`Keys::counted`].
    pub(super) fn counted(&self) -> impl Iterator<Item = u64> + '_ {
        self.unit_fps
            .iter()
            .copied()
            .chain(self.unit_shapes.iter().flatten().copied())
    }
}

/// What a bulk load stores of one text: [`fingerprint_text`] without what
/// only a verdict needs (shingles kept, anchors per paragraph), and with
/// the anchors neither sorted nor deduplicated (the load's runs are).
pub(super) fn keys_of_text(p: &IndexParams, text: &str) -> Keys {
    let (doc, hashes) = read_text(p, text);
    let unit_fps = unit_fingerprints(&doc);
    let shapes = unit_shapes(&doc).into_iter().flatten().collect();
    let mut scratch = hashes;
    let band_keys = band_keys_of(p, &scratch);
    let mut anchors = Vec::new();
    for u in &doc.units {
        let words = &doc.words[u.start as usize..u.end as usize];
        winnow(words, p.anchor_words, &mut scratch, &mut anchors);
    }
    Keys {
        content_hash: xxh3_64(text.as_bytes()),
        band_keys,
        anchors,
        unit_fps,
        shapes,
        date: None,
    }
}

/// The LSH band keys of a text's shingle hashes (none for a text too short
/// to have shingles).
pub(super) fn band_keys_of(p: &IndexParams, shingle_hashes: &[u64]) -> Vec<u64> {
    Sketcher::new(p.num_perm)
        .sketch(shingle_hashes)
        .map(|sig: Signature| (0..p.bands).map(|b| band_key(&sig, p.lsh(), b)).collect())
        .unwrap_or_default()
}

/// Runs `f` with this thread's [`Fingerprinter`] for `p`'s options.
fn with_fingerprinter<T>(p: &IndexParams, f: impl FnOnce(&mut Fingerprinter) -> T) -> T {
    Fingerprinter::with_local(p.normalize(), p.shingle, f)
}

/// The words and units of a text, and its shingle hashes.
fn read_text(p: &IndexParams, text: &str) -> (DocUnits, Vec<u64>) {
    with_fingerprinter(p, |fp| {
        let hashes = fp.read(text).to_vec();
        (fp.units(text, PassageOptions::default().units), hashes)
    })
}

/// The fingerprint of each of a document's units.
fn unit_fingerprints(doc: &DocUnits) -> Vec<u64> {
    doc.units
        .iter()
        .map(|u| {
            fingerprint(
                doc.words[u.start as usize..u.end as usize]
                    .iter()
                    .map(|w| w.hash),
            )
        })
        .collect()
}

/// The shape of each of a document's units that could be a template's
/// ([`crate::passages::unit_shape`]: long enough to be a passage, with a
/// number to mask), hashed with its own seed so that it is counted beside
/// the paragraph fingerprints without meeting them.
fn unit_shapes(doc: &DocUnits) -> Vec<Option<u64>> {
    let min_words = PassageOptions::default().min_words;
    doc.units
        .iter()
        .map(|u| {
            (u.len() >= min_words)
                .then(|| unit_shape(doc, u))
                .flatten()
                .map(|(shape, _)| shape)
        })
        .collect()
}

/// Just the words and units of a text (aligning a passage candidate, whose
/// paragraphs need no fingerprints).
pub(super) fn words_and_units(p: &IndexParams, text: &str) -> DocUnits {
    with_fingerprinter(p, |fp| {
        fp.tokenize(text);
        fp.units(text, PassageOptions::default().units)
    })
}

/// Just the shingle set of a text (verifying a near-duplicate candidate).
pub(super) fn shingle_set(p: &IndexParams, text: &str) -> ShingleSet {
    with_fingerprinter(p, |fp| fp.shingle_set(text))
}

/// A document's units without the ones flagged.
pub(super) fn keep_units(doc: DocUnits, drop: &[bool]) -> DocUnits {
    let units: Vec<Unit> = doc
        .units
        .iter()
        .zip(drop)
        .filter(|(_, &d)| !d)
        .map(|(u, _)| *u)
        .collect();
    DocUnits { units, ..doc }
}

/// Appends the winnowed anchors of one paragraph's words: of every window
/// of [`WINNOW`] consecutive anchors, the smallest. `scratch` is any buffer
/// (overwritten; passed in so that a document's paragraphs share one).
pub(super) fn winnow(
    words: &[Word],
    anchor_words: usize,
    scratch: &mut Vec<u64>,
    out: &mut Vec<u64>,
) {
    let n = anchor_words.min(words.len()).max(1);
    let first = out.len();
    scratch.clear();
    if n == 4 {
        // The default window, without the general path's 16-word buffer.
        scratch.extend(
            words
                .windows(4)
                .map(|w| anchor_hash(&[w[0].hash, w[1].hash, w[2].hash, w[3].hash])),
        );
    } else {
        scratch.extend(words.windows(n).map(|w| {
            let mut window = [0u64; 16];
            for (h, w) in window.iter_mut().zip(w) {
                *h = w.hash;
            }
            // `anchor_hash` reads at most 16 words.
            anchor_hash(&window[..n.min(16)])
        }));
    }
    let anchors = &scratch[..];
    if anchors.len() <= WINNOW {
        out.extend(anchors.iter().min());
        return;
    }
    // The minimum is carried from window to window; only when it leaves
    // is the window scanned again (taking its last minimum, which stays
    // longest). On hashes that is about one comparison per window, where a
    // scan of every window took twelve; a monotone queue measured twice as
    // slow as those scans.
    let at_last_min = |w: &[u64]| {
        w.iter()
            .enumerate()
            .fold(0, |best, (i, &a)| if a <= w[best] { i } else { best })
    };
    let mut min = at_last_min(&anchors[..WINNOW]);
    for end in WINNOW - 1..anchors.len() {
        let start = end + 1 - WINNOW;
        if min < start {
            min = start + at_last_min(&anchors[start..=end]);
        } else if anchors[end] <= anchors[min] {
            min = end;
        }
        let m = anchors[min];
        if out.last() != Some(&m) {
            out.push(m);
        }
    }
    // Plus the paragraph's smallest anchors (a bottom-k sketch): an edited
    // copy of a whole paragraph shares about k·J of them even when no run
    // between edits is long enough for winnowing to guarantee a match.
    // Those winnowing kept already (always the smallest) are not repeated:
    // a bulk load holds what this returns until it sorts it.
    let mut smallest: Vec<u64> = Vec::with_capacity(BOTTOM_K + 1);
    for &a in anchors {
        if smallest.len() == BOTTOM_K && a >= smallest[BOTTOM_K - 1] || smallest.contains(&a) {
            continue;
        }
        let at = smallest.partition_point(|&s| s < a);
        smallest.insert(at, a);
        smallest.truncate(BOTTOM_K);
    }
    for a in smallest {
        if !out[first..].contains(&a) {
            out.push(a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{BOTTOM_K, WINNOW};

    proptest::proptest! {
        /// Winnowing keeps, of every window of WINNOW anchors, the
        /// smallest (consecutive repeats once), then those of the bottom-k
        /// it did not keep.
        #[test]
        fn winnowing_keeps_every_window_minimum(
            hashes in proptest::collection::vec(0u64..6, 0..60),
            before in proptest::option::of(0u64..u64::MAX),
        ) {
            let words: Vec<Word> = hashes
                .iter()
                .map(|&hash| Word { start: 0, end: 0, hash })
                .collect();
            let mut got: Vec<u64> = before.into_iter().collect();
            winnow(&words, 4, &mut Vec::new(), &mut got);
            let mut want: Vec<u64> = before.into_iter().collect();
            let first = want.len();
            let n = 4.min(hashes.len()).max(1);
            let anchors: Vec<u64> = hashes.windows(n).map(anchor_hash).collect();
            if anchors.len() <= WINNOW {
                want.extend(anchors.iter().min());
            } else {
                for w in anchors.windows(WINNOW) {
                    let m = *w.iter().min().unwrap();
                    if want.last() != Some(&m) {
                        want.push(m);
                    }
                }
                let mut sorted = anchors.clone();
                sorted.sort_unstable();
                sorted.dedup();
                for a in sorted.into_iter().take(BOTTOM_K) {
                    if !want[first..].contains(&a) {
                        want.push(a);
                    }
                }
            }
            proptest::prop_assert_eq!(got, want);
        }
    }
}
