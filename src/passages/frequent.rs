//! Step 1, boilerplate: units → which are site chrome, and the groups
//! reported as boilerplate clusters.
//!
//! A unit whose normalized text (fingerprint) occurs in at least
//! `min_docs` different families, or that matches a known boilerplate
//! line, is boilerplate: never compared, never linking stories.
//! Frequency counts *families*, so a wire story syndicated as 30
//! near-identical copies does not turn its own paragraphs into
//! boilerplate.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::stage::Stage;
use crate::boilerplate::fingerprint;

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
    for group in by_fp.chunk_by(|x, y| x.0 == y.0) {
        let families = st.distinct_families(group.iter().map(|&(_, u)| st.doc_of(u)));
        if families >= st.min_docs {
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
