//! Step 6, significance: runs → how much each one's shared text says,
//! measured by the rarity of its word sequences in the corpus.
//!
//! A run's significance is the information content of the anchors (word
//! windows of `anchor_words`, as the candidate search uses) its two sides
//! share: the sum, over its distinct shared anchors, of their inverse
//! document frequency `ln(1 + F / df(g))` (smoothed so that an anchor in
//! every document still counts a little: in a corpus of two stories every
//! shared anchor is in both), where `F` is the number of near-duplicate
//! families in the corpus and `df(g)` the number of them holding `g` (a
//! family counts once, by its first document, so that a story syndicated
//! fifty times does not make its own sentences common).
//!
//! Sequences, not single words: a formulaic item ("The selling
//! concession is 1-1/2 pct while management and underwriting combined
//! pays 3/4 pct") is made of words that are each fairly rare in a wire
//! corpus — "concession", "underwriting", "Luxembourg" — but of phrases
//! that every such item repeats, so weighing its words made a long
//! formula outrank a reposted paragraph; weighing its anchors does not.
//! A reposted paragraph's anchors are found in the handful of stories
//! that carry it, and weigh much; a headline-only match shares few
//! anchors, and weighs little. (This is the weighting the text-reuse
//! literature uses to tell what is distinctive from what is merely long
//! or merely frequent: passim drops n-grams above a document frequency;
//! here they only weigh less. On Reuters-21578, `cargo bench --bench
//! reuters` shows where the reposts a reader found rank.)
//!
//! Links are ranked by the sum of their runs' significance
//! (`crate::scan`), and `PassageOptions::min_significance` drops the
//! links below it. Only the anchors of linked runs are counted: the pass
//! over the corpus looks each document's anchors up in that set and
//! keeps no other counts.

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::runs::Run;
use super::stage::Stage;
use super::{window_anchors, DocUnits};
use crate::filter::HashFilter;
use std::ops::Range;

/// The significance of every run of `runs`, in order.
pub(super) fn weigh(st: &Stage, runs: &[Run]) -> Vec<f64> {
    let n = st.opts.anchor_words;
    let shared: Vec<Vec<u64>> = runs
        .iter()
        .map(|r| {
            let (a, b) = (&st.docs[r.doc_a as usize], &st.docs[r.doc_b as usize]);
            shared_anchors(a, r.a.clone(), b, r.b.clone(), n)
        })
        .collect();
    let mut index: AHashMap<u64, u32> = AHashMap::new();
    for &g in shared.iter().flatten() {
        let next = index.len() as u32;
        index.entry(g).or_insert(next);
    }
    let (df, families) = family_frequency(st, &index, n);
    shared
        .iter()
        .map(|anchors| weight(anchors.iter().map(|g| df[index[g] as usize]), families))
        .collect()
}

/// What a run weighs in a corpus of `families` families when its shared
/// anchors (ascending, [`shared_anchors`]) are held by `dfs` of them each
/// (counted on each family's first document, [`document_anchors`]): the
/// sum of their [`anchor_weight`]s, in the anchors' order.
pub(crate) fn weight(dfs: impl IntoIterator<Item = u32>, families: usize) -> f64 {
    let families = families.max(1) as f64;
    dfs.into_iter().map(|df| anchor_weight(families, df)).sum()
}

/// The distinct anchors (windows of `n` words) of the whole of `doc`,
/// ascending: what each family's first document counts for.
pub(crate) fn document_anchors(doc: &DocUnits, n: usize) -> Vec<u64> {
    let hashes = hashes(doc, 0..doc.words.len());
    let mut v: Vec<u64> = window_anchors(&hashes, n).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The word hashes of the words `range` of `doc` (whose anchors
/// [`window_anchors`] gives).
fn hashes(doc: &DocUnits, range: std::ops::Range<usize>) -> Vec<u64> {
    doc.words[range].iter().map(|w| w.hash).collect()
}

/// What a shared anchor held by `df` of `families` families weighs:
/// `ln(1 + families / df)` (a `df` of 0 counts as 1).
pub(crate) fn anchor_weight(families: f64, df: u32) -> f64 {
    (1.0 + families / f64::from(df.max(1))).ln()
}

/// The distinct anchors (windows of `n` words) found both in words
/// `a_words` of `a` and in words `b_words` of `b`, ascending.
pub(crate) fn shared_anchors(
    a: &DocUnits,
    a_words: Range<u32>,
    b: &DocUnits,
    b_words: Range<u32>,
    n: usize,
) -> Vec<u64> {
    let side = |doc: &DocUnits, words: Range<u32>| {
        let hashes = hashes(doc, words.start as usize..words.end as usize);
        let mut v: Vec<u64> = window_anchors(&hashes, n).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (a, b) = (side(a, a_words), side(b, b_words));
    a.into_iter()
        .filter(|g| b.binary_search(g).is_ok())
        .collect()
}

/// For each anchor of `index` (by its number there), how many families
/// hold it, counted on each family's first document; and how many
/// families there are.
fn family_frequency(st: &Stage, index: &AHashMap<u64, u32>, n: usize) -> (Vec<u32>, usize) {
    let mut seen: AHashSet<u32> = AHashSet::new();
    let firsts: Vec<usize> = (0..st.docs.len())
        .filter(|&d| seen.insert(st.family[d]))
        .collect();
    let held = HashFilter::of(index.keys().copied());
    let count = |mut counts: Vec<u32>, &d: &usize| {
        let doc = &st.docs[d];
        let hashes = hashes(doc, 0..doc.words.len());
        let mut ids: Vec<u32> = window_anchors(&hashes, n)
            .filter(|&g| held.may_hold(g))
            .filter_map(|g| index.get(&g).copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            counts[id as usize] += 1;
        }
        counts
    };
    let add = |mut x: Vec<u32>, y: Vec<u32>| {
        for (a, b) in x.iter_mut().zip(y) {
            *a += b;
        }
        x
    };
    let zeros = || vec![0u32; index.len()];
    let df = if st.parallel {
        firsts.par_iter().fold(zeros, count).reduce(zeros, add)
    } else {
        firsts.iter().fold(zeros(), count)
    };
    (df, firsts.len())
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;

    use super::super::{find_passages, PassageOptions};

    /// Two pairs share a passage of the same length: one a formula found
    /// in many other stories, one a distinctive paragraph. The formula's
    /// link weighs less.
    #[test]
    fn a_formula_weighs_less_than_a_distinctive_passage_of_its_length() {
        let formula = "The bonds will be issued in denominations of one thousand dollars and will be listed in Luxembourg with fees for selling and management";
        let rare = "Quarrying at the Kestrel Ridge site halted after geologists found fossilised amphibian tracks embedded beneath the limestone terraces near Ballyvourney village";
        let mut texts: Vec<String> = (0..12)
            .map(|i| format!("Issuer number{i} said today.\n\n{formula}.\n\nOther words here{i}."))
            .collect();
        texts.push(format!("A story about rocks. {rare}. It ended."));
        texts.push(format!("Another story entirely. {rare}. Nobody commented."));
        let docs: Vec<_> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let found = find_passages(&docs, &family, &PassageOptions::default());
        let weight = |a: u32, b: u32| {
            let l = found.links.iter().find(|l| (l.a, l.b) == (a, b));
            l.map(|l| l.shared.iter().map(|s| s.significance).sum::<f64>())
        };
        let formula_link = weight(0, 1).expect("the formula links the first two");
        let rare_link = weight(12, 13).expect("the rare passage links its two stories");
        assert!(
            rare_link > 2.0 * formula_link,
            "rare {rare_link} vs formula {formula_link}"
        );
    }

    /// The same words, weighed by the sequences they make: a phrase that
    /// twelve stories repeat weighs less than its very words put in an
    /// order only two stories share (weighing words alone, the two were
    /// equal).
    #[test]
    fn a_repeated_phrase_weighs_less_than_its_words_in_a_new_order() {
        let formula = "The selling concession is one and a half percent while management and underwriting combined pays three quarters of a percent for the notes";
        let reordered: String = formula.split(' ').rev().collect::<Vec<_>>().join(" ");
        let mut texts: Vec<String> = (0..12)
            .map(|i| format!("Issuer number{i} said today.\n\n{formula}.\n\nOther words here{i}."))
            .collect();
        texts.push(format!("A story about bonds. {reordered}. It ended."));
        texts.push(format!(
            "Another story entirely. {reordered}. Nobody commented."
        ));
        let docs: Vec<_> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let found = find_passages(&docs, &family, &PassageOptions::default());
        let weight = |a: u32, b: u32| {
            let l = found.links.iter().find(|l| (l.a, l.b) == (a, b));
            l.map(|l| l.significance)
        };
        let formula_link = weight(0, 1).expect("the phrase links the first two");
        let reordered_link = weight(12, 13).expect("the new order links its two stories");
        assert!(
            reordered_link > 2.0 * formula_link,
            "new order {reordered_link} vs repeated phrase {formula_link}"
        );
    }
}
