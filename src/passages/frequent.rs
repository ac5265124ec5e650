//! Step 1, boilerplate: units → which are site chrome, and the groups
//! reported as boilerplate clusters.
//!
//! A unit is boilerplate — never compared, never linking stories — when
//! its normalized text (fingerprint)
//! - occurs in at least `min_docs` different families (frequency), or
//! - occurs in at least two families and every occurrence sits at the
//!   end of its story, after its last paragraph of story length
//!   ([`tail_units`]): the taglines, sign-offs, share prompts and team
//!   sheets a site puts after every story, which a few stories already
//!   repeat (chrome by position: on the BBC corpus, "Clark Boyd is
//!   technology correspondent for The World, a BBC World Service and
//!   WGBH-Boston co-production" in 8 stories), or
//! - matches a known boilerplate line.
//!
//! Frequency counts *families*, so a wire story syndicated as 30
//! near-identical copies does not turn its own paragraphs into
//! boilerplate.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::stage::Stage;
use crate::boilerplate::fingerprint;
use crate::units::Unit;

/// Which units are boilerplate.
pub(super) struct Boilerplate {
    /// `flags[u]`: unit `u` is boilerplate.
    pub flags: Vec<bool>,
    /// Units of each boilerplate text: frequent fingerprints first, then
    /// one group per known line.
    pub groups: Vec<Vec<u32>>,
}

/// Finds the boilerplate units of the stage's documents.
pub(super) fn find_boilerplate(st: &Stage) -> Boilerplate {
    let fingerprint_of = |u: &super::UnitRef| fingerprint(st.hashes(u));
    let fingerprints: Vec<u64> = if st.parallel {
        st.units.par_iter().map(fingerprint_of).collect()
    } else {
        st.units.iter().map(fingerprint_of).collect()
    };
    let mut flags = vec![false; st.units.len()];
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut by_fp: Vec<(u64, u32)> = fingerprints
        .iter()
        .enumerate()
        .map(|(u, &fp)| (fp, u as u32))
        .collect();
    by_fp.sort_unstable();
    let tail = tail_units(st);
    for group in by_fp.chunk_by(|x, y| x.0 == y.0) {
        if group.len() < 2 {
            continue;
        }
        let families = st.distinct_families(group.iter().map(|&(_, u)| st.doc_of(u)));
        let at_end = families >= 2 && group.iter().all(|&(_, u)| tail[u as usize]);
        if families >= st.min_docs || at_end {
            let members: Vec<u32> = group.iter().map(|&(_, u)| u).collect();
            for &u in &members {
                flags[u as usize] = true;
            }
            groups.push(members);
        }
    }
    let known = &st.opts.known_boilerplate;
    if !known.is_empty() {
        let mut by_line: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for (u, unit) in st.units.iter().enumerate() {
            if flags[u] {
                continue;
            }
            if let Some(line) = known.matches(&st.hashes(unit), fingerprints[u]) {
                flags[u] = true;
                by_line.entry(line).or_default().push(u as u32);
            }
        }
        groups.extend(by_line.into_values());
    }
    Boilerplate { flags, groups }
}

/// A unit of at least this many words is story text: a site's chrome
/// lines are shorter ("Share your experiences, suggestions, and any
/// issues you've encountered on The Jakarta Post. We're here to listen."
/// is 18 words, a browser notice 26), and a story's paragraphs mostly
/// longer.
const BODY_WORDS: usize = 30;

/// `tail[u]`: unit `u` lies after its document's last unit of
/// [`BODY_WORDS`] words ([`tail_of`]).
fn tail_units(st: &Stage) -> Vec<bool> {
    (0..st.docs.len())
        .flat_map(|d| tail_of(&st.docs[d].units))
        .collect()
}

/// For each of a document's `units`, whether it lies after the last unit
/// of [`BODY_WORDS`] words, where a site puts its chrome. A document
/// without such a unit (a short wire item of short paragraphs) has no
/// tail: its text is all story. Only the end counts: the start of a story
/// is its headline and lead, short and often reposted (counting the head,
/// the BBC corpus lost 14 links of duplicated leads).
pub(super) fn tail_of(units: &[Unit]) -> Vec<bool> {
    let last = units.iter().rposition(|u| u.len() >= BODY_WORDS);
    (0..units.len())
        .map(|i| last.is_some_and(|l| i > l))
        .collect()
}
