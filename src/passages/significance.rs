//! Step 6, significance: runs → how much each one's shared words say,
//! measured by their rarity in the corpus.
//!
//! A run's significance is the information content of the words its two
//! sides share: the sum, over its distinct shared words, of their inverse
//! document frequency `ln(1 + F / df(w))` (smoothed so that a word in
//! every document still counts a little: in a corpus of two stories every
//! shared word is in both), where `F` is the number of
//! near-duplicate families in the corpus and `df(w)` the number of them
//! holding `w` (a family counts once, by its first document, so that a
//! story syndicated fifty times does not make its own words common).
//! This is the weighting the text-reuse literature uses to tell what is
//! distinctive from what is merely long or merely frequent (passim drops
//! n-grams above a document frequency; here they only weigh less):
//! a formulaic item ("… will be listed in Luxembourg. Fees comprise …")
//! shares words every such item holds, and a headline-only match shares
//! few words, so both weigh little; a reposted paragraph shares names and
//! figures found in a handful of stories, and weighs much.
//!
//! Links are ranked by the sum of their runs' significance
//! (`crate::scan`), and `PassageOptions::min_significance` drops the
//! links below it. Only the words of linked runs are counted: the pass
//! over the corpus looks each document's words up in that set and keeps
//! no other counts.

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;

use super::runs::Run;
use super::stage::Stage;

/// The significance of every run of `runs`, in order.
pub(super) fn weigh(st: &Stage, runs: &[Run]) -> Vec<f64> {
    let shared: Vec<Vec<u64>> = runs.iter().map(|r| shared_words(st, r)).collect();
    let mut index: AHashMap<u64, u32> = AHashMap::new();
    for &w in shared.iter().flatten() {
        let next = index.len() as u32;
        index.entry(w).or_insert(next);
    }
    let (df, families) = family_frequency(st, &index);
    let families = families.max(1) as f64;
    shared
        .iter()
        .map(|words| {
            words
                .iter()
                .map(|w| {
                    let n = df[index[w] as usize].max(1);
                    (1.0 + families / f64::from(n)).ln()
                })
                .sum()
        })
        .collect()
}

/// The distinct word hashes found on both sides of `run`, sorted.
fn shared_words(st: &Stage, run: &Run) -> Vec<u64> {
    let side = |doc: u32, words: &std::ops::Range<u32>| -> Vec<u64> {
        let mut v: Vec<u64> = st.docs[doc as usize].words[words.start as usize..words.end as usize]
            .iter()
            .map(|w| w.hash)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (a, b) = (side(run.doc_a, &run.a), side(run.doc_b, &run.b));
    a.into_iter()
        .filter(|w| b.binary_search(w).is_ok())
        .collect()
}

/// For each word of `index` (by its number there), how many families
/// hold it, counted on each family's first document; and how many
/// families there are.
fn family_frequency(st: &Stage, index: &AHashMap<u64, u32>) -> (Vec<u32>, usize) {
    let mut seen: AHashSet<u32> = AHashSet::new();
    let firsts: Vec<usize> = (0..st.docs.len())
        .filter(|&d| seen.insert(st.family[d]))
        .collect();
    let count = |mut counts: Vec<u32>, &d: &usize| {
        let mut ids: Vec<u32> = st.docs[d]
            .words
            .iter()
            .filter_map(|w| index.get(&w.hash).copied())
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
            .map(|i| format!("Issuer number{i} said today. {formula}. Other words here{i}."))
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
}
