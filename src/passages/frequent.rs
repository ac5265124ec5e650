//! Step 1, boilerplate: units → which are site chrome, and the groups
//! reported as boilerplate clusters.
//!
//! A unit is boilerplate — never compared, never linking stories — when
//! its normalized text (fingerprint)
//! - occurs in at least `min_docs` different families (frequency), or
//! - occurs in at least two families and every occurrence sits at the
//!   end of its story, after its body ([`tail_of`]): the taglines,
//!   sign-offs, share prompts and team sheets a site puts after every
//!   story, which a few stories already repeat (chrome by position: on the
//!   BBC corpus, "Clark Boyd is technology correspondent for The World, a
//!   BBC World Service and WGBH-Boston co-production" in 8 stories; in the
//!   two Jakarta Post seed stories, "Share your experiences, suggestions,
//!   and any issues you've encountered on The Jakarta Post"), or
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
    let mut facts: Vec<ChromeFacts> = Vec::new();
    for group in by_fp.chunk_by(|x, y| x.0 == y.0) {
        if group.len() < 2 {
            continue;
        }
        // The rule reads story keys only for a group with a unit past a
        // body's end: the others are not looked for.
        let past_body = group
            .iter()
            .any(|&(_, u)| tail[u as usize] == Tail::PastBody);
        facts.clear();
        facts.extend(group.iter().map(|&(_, u)| {
            let tail = tail[u as usize];
            ChromeFacts {
                family: st.family[st.doc_of(u) as usize],
                tail,
                story: (past_body && tail != Tail::No)
                    .then(|| unit_story(st, &fingerprints, u))
                    .flatten(),
            }
        }));
        if is_chrome(&facts, st.min_docs) {
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

/// What the boilerplate rule reads of one occurrence of a text (one unit
/// of a group of equal fingerprints): its document's family, where it
/// lies ([`tail_of`]) and, for a unit in its document's tail, what comes
/// before it ([`story_before`]; `None` also when no long unit does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChromeFacts {
    /// The near-duplicate family of the unit's document.
    pub family: u32,
    /// Where the unit lies in its document.
    pub tail: Tail,
    /// What precedes it, for a unit in its document's tail.
    pub story: Option<u64>,
}

/// The boilerplate rule for the occurrences of one text (`group`, two or
/// more): it is boilerplate when found in at least `min_docs` families,
/// or in two or more with every occurrence in its document's tail and,
/// when some lie past a body's end only ([`Tail::PastBody`]), no two in
/// different families continuing one story ([`story_before`]): one story
/// sent twice (Reuters-21578 889 and 955, the second time cut short; a
/// BBC story and its update with the same readers' comments after it),
/// not chrome after two stories. The order of `group` does not matter.
pub fn is_chrome(group: &[ChromeFacts], min_docs: usize) -> bool {
    let mut families: Vec<u32> = group.iter().map(|m| m.family).collect();
    families.sort_unstable();
    families.dedup();
    if families.len() >= min_docs {
        return true;
    }
    if families.len() < 2 {
        return false;
    }
    match group.iter().map(|m| m.tail).min() {
        Some(Tail::No) | None => false,
        _ if group.iter().any(|m| m.tail == Tail::PastBody) => {
            // One story key in two families: a group costs its size, not
            // its pairs.
            let mut keys: Vec<(u64, u32)> = group
                .iter()
                .filter_map(|m| Some((m.story?, m.family)))
                .collect();
            keys.sort_unstable();
            keys.dedup();
            !keys.windows(2).any(|w| w[0].0 == w[1].0)
        }
        _ => true,
    }
}

/// [`story_before`] unit `u` (by `fingerprints`).
fn unit_story(st: &Stage, fingerprints: &[u64], u: u32) -> Option<u64> {
    let r = &st.units[u as usize];
    let first = u as usize - r.index as usize;
    let unit = |k: usize| {
        let p = first + k;
        (fingerprints[p], st.units[p].unit.len() >= BODY_WORDS)
    };
    story_before(unit, r.index as usize)
}

/// The units before unit `i` of a document back to the first long one
/// (`unit(k)`: unit `k`'s fingerprint and whether it is long), hashed;
/// `None` when no long unit comes before. Two occurrences with one key
/// continue one story: what precedes a chrome line in two stories differs
/// somewhere after their last paragraphs (a "Read also:" line naming
/// another story), what precedes the end of one story sent twice does
/// not.
pub fn story_before(unit: impl Fn(usize) -> (u64, bool), i: usize) -> Option<u64> {
    let mut key = Vec::new();
    for k in (0..i).rev() {
        let (fp, long) = unit(k);
        key.extend_from_slice(&fp.to_le_bytes());
        if long {
            return Some(xxhash_rust::xxh3::xxh3_64(&key));
        }
    }
    None
}

/// A unit of at least this many words is story text: a site's chrome
/// lines are shorter ("Share your experiences, suggestions, and any
/// issues you've encountered on The Jakarta Post. We're here to listen."
/// is 18 words, a browser notice 26), and a story's paragraphs mostly
/// longer.
pub const BODY_WORDS: usize = 30;

/// `tail[u]`: where unit `u` lies ([`tail_of`]).
fn tail_units(st: &Stage) -> Vec<Tail> {
    (0..st.docs.len())
        .flat_map(|d| tail_of(&st.docs[d].units))
        .collect()
}

/// Whether a unit lies in its document's tail, where a site puts its
/// chrome ([`tail_of`]). Ordered by how weak the position is as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tail {
    /// In the story (or long).
    No,
    /// A short unit after the document's last long unit.
    PastLongUnits,
    /// A short unit after the body's end but before a long unit standing
    /// alone among short ones: chrome only if its occurrences do not
    /// follow one shared long unit ([`is_chrome`]).
    PastBody,
}

impl Tail {
    /// The tail as a number (0, 1, 2 in the order above), for engines
    /// that carry it in a table.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The tail numbered `code` ([`Tail::code`]).
    pub fn from_code(code: u8) -> Option<Tail> {
        [Tail::No, Tail::PastLongUnits, Tail::PastBody]
            .get(usize::from(code))
            .copied()
    }
}

/// For each of a document's `units`, whether it is a short unit after
/// the document's body. The body ends at its last long unit
/// ([`BODY_WORDS`]) with another long unit among the `BODY_GAP` (3) units
/// before it, when at most a third of the document's words come after
/// it: a long line standing alone among short ones after the story (a
/// subscription pitch between share prompts: "Share the best of The
/// Jakarta Post with friends, family, or colleagues. As a subscriber, you
/// can gift 3 to 5 articles each month …", 31 words) is chrome's
/// neighbour, not story, while a market report written in paragraphs of
/// 15 to 35 words is story to its end. Otherwise (long units all alone,
/// or the tail would be most of the text) the body ends at the last long
/// unit; a document without any (a short wire item of short paragraphs)
/// has no tail: its text is all story. Only the end counts: the start of
/// a story is its headline and lead, short and often reposted (counting
/// the head, the BBC corpus lost 14 links of duplicated leads).
pub fn tail_of(units: &[Unit]) -> Vec<Tail> {
    let long = |i: usize| units[i].len() >= BODY_WORDS;
    let in_body = |i: usize| long(i) && (i.saturating_sub(BODY_GAP)..i).any(long);
    let Some(last_long) = (0..units.len()).rev().find(|&i| long(i)) else {
        return vec![Tail::No; units.len()];
    };
    let words: usize = units.iter().map(Unit::len).sum();
    let after = |l: usize| units[l + 1..].iter().map(Unit::len).sum::<usize>();
    let body_end = (0..units.len())
        .rev()
        .find(|&i| in_body(i))
        .filter(|&l| 3 * after(l) <= words)
        .map_or(last_long, |l| l.min(last_long));
    (0..units.len())
        .map(|i| match i {
            _ if long(i) || i <= body_end => Tail::No,
            _ if i > last_long => Tail::PastLongUnits,
            _ => Tail::PastBody,
        })
        .collect()
}

/// How far back (in units) a long unit looks for another to count as
/// the story's body ([`tail_of`]).
const BODY_GAP: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    /// Units of the given lengths, one after another.
    fn units(lengths: &[u32]) -> Vec<Unit> {
        let mut at = 0;
        lengths
            .iter()
            .map(|&n| {
                at += n;
                Unit {
                    start: at - n,
                    end: at,
                }
            })
            .collect()
    }

    #[test]
    fn the_tail_is_what_follows_the_body() {
        use Tail::{No, PastBody, PastLongUnits};
        // A story, then prompts, a long pitch standing alone among them,
        // and a last prompt (the second seed's end).
        let seed = tail_of(&units(&[60, 50, 45, 52, 36, 14, 17, 10, 15, 31, 15]));
        assert_eq!(seed[..5], [No; 5]);
        assert_eq!(seed[5..9], [PastBody; 4]);
        assert_eq!(seed[9..], [No, PastLongUnits]);
        // The same end after a story half as long: the prompts would be a
        // third of it, too much to set the long line aside.
        let short = tail_of(&units(&[60, 50, 14, 17, 10, 15, 31, 15]));
        assert_eq!(short[..6], [No; 6]);
        // A market report of paragraphs around 30 words: the tail would be
        // most of it, so it ends at its last long paragraph.
        let report = tail_of(&units(&[
            10, 18, 32, 44, 17, 28, 32, 21, 17, 28, 21, 24, 34, 16, 31, 9,
        ]));
        assert_eq!(report[..15], [No; 15]);
        assert_eq!(report[15], PastLongUnits);
        // No long unit: no tail.
        assert_eq!(tail_of(&units(&[10, 20, 25])), [No; 3]);
    }
}
