//! Step 1b, templates: units → the paragraphs that are a formula many
//! stories fill with their own figures, reported as template clusters.
//!
//! A wire service writes the same paragraph again and again around other
//! numbers: "Japanese crushers bought 2,000 tonnes of Canadian rapeseed in
//! export business overnight for May shipment, trade sources said" one
//! day, "… 8,000 tonnes … for April shipment …" the next. Such a
//! paragraph is not a repost, and alignment already refuses to link two
//! of them across a figure that differs (`crate::align`); but two
//! instances with the same figures would still link, and a reader wants
//! to see the formula for what it is. So a unit's **shape** is its words
//! with every number and month name ([`super::is_number`]) masked; a
//! shape is a template when
//! - it has a number to mask and at least `min_words` words (shorter
//!   lines are headlines and datelines, left to the other steps),
//! - it is found in at least [`MIN_TEMPLATE_FAMILIES`] near-duplicate
//!   families, and
//! - at least half as many different texts as families fill it: the
//!   figures change from story to story. A paragraph reposted by six
//!   stories, one of which corrected a figure, has two texts for six
//!   families and stays reuse.
//!
//! Template units are never compared (as boilerplate units are not), so
//! they link no stories, and each template is reported as one cluster
//! of all its units.

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::stage::Stage;
use super::DocUnits;
use crate::units::Unit;

/// A template is filled in at least this many families: fewer are as
/// likely a passage reposted with a figure corrected along the way.
pub const MIN_TEMPLATE_FAMILIES: usize = 5;

/// Seed of the shape and text hashes (stable across runs, never
/// persisted).
const SHAPE_SEED: u64 = 0x7265_7072_696e_7406; // "reprint" + 0x06

/// What a masked number hashes as.
const MASK: u64 = 0x6e75_6d62_6572; // "number"

/// The template units of the stage's documents, one group per template
/// (units ascending, groups by their first unit); units flagged in `skip`
/// (boilerplate) are left out.
pub(super) fn find_templates(st: &Stage, skip: &[bool]) -> Vec<Vec<u32>> {
    let shape_of = |u: usize| -> Option<(u64, u64, u32)> {
        let r = &st.units[u];
        if skip[u] || r.unit.len() < st.opts.min_words {
            return None;
        }
        unit_shape(&st.docs[r.doc as usize], &r.unit).map(|(shape, text)| (shape, text, u as u32))
    };
    let mut shapes: Vec<(u64, u64, u32)> = if st.parallel {
        (0..st.units.len())
            .into_par_iter()
            .filter_map(shape_of)
            .collect()
    } else {
        (0..st.units.len()).filter_map(shape_of).collect()
    };
    shapes.sort_unstable();
    let mut groups: Vec<Vec<u32>> = shapes
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|group| group.len() >= MIN_TEMPLATE_FAMILIES && is_template(st, group))
        .map(|group| {
            let mut units: Vec<u32> = group.iter().map(|&(_, _, u)| u).collect();
            units.sort_unstable();
            units
        })
        .collect();
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

/// The shape of `unit` of `doc` (its words, numbers and month names
/// masked) and the hash of its text, when it has a number to mask. (The
/// caller leaves out units shorter than `min_words`.)
pub(crate) fn unit_shape(doc: &DocUnits, unit: &Unit) -> Option<(u64, u64)> {
    let first = doc.numbers.partition_point(|&n| n < unit.start);
    // Most units state no number: nothing to mask, nothing to hash.
    if !doc.numbers.get(first).is_some_and(|&n| n < unit.end) {
        return None;
    }
    let mut numbers = doc.numbers[first..].iter().peekable();
    let mut masked = false;
    let mut shape = Vec::with_capacity(8 * unit.len());
    let mut text = Vec::with_capacity(8 * unit.len());
    for i in unit.start..unit.end {
        let hash = doc.words[i as usize].hash;
        let number = numbers.next_if_eq(&&i).is_some();
        masked |= number;
        shape.extend_from_slice(&if number { MASK } else { hash }.to_le_bytes());
        text.extend_from_slice(&hash.to_le_bytes());
    }
    masked.then(|| {
        (
            xxh3_64_with_seed(&shape, SHAPE_SEED),
            xxh3_64_with_seed(&text, SHAPE_SEED),
        )
    })
}

/// The rule: a shape found in `families` families, filled with `texts`
/// different texts, is a template.
pub(crate) fn is_template_fill(families: usize, texts: usize) -> bool {
    families >= MIN_TEMPLATE_FAMILIES && 2 * texts >= families
}

/// Whether the units of one shape (`(shape, text, unit)`, sorted) fill it
/// in enough families with figures that change.
fn is_template(st: &Stage, group: &[(u64, u64, u32)]) -> bool {
    let fills: Vec<(u32, u64)> = group
        .iter()
        .map(|&(_, text, u)| (st.family[st.doc_of(u) as usize], text))
        .collect();
    is_template_group(&fills)
}

/// The template rule for the units of one shape, given as each one's
/// family and text hash (`unit_shape`, [`super::parts::UnitFacts::shape`]), in any order: found in at least
/// [`MIN_TEMPLATE_FAMILIES`] families and filled with at least half as
/// many different texts (`is_template_fill`).
pub fn is_template_group(fills: &[(u32, u64)]) -> bool {
    let mut families: Vec<u32> = fills.iter().map(|f| f.0).collect();
    families.sort_unstable();
    families.dedup();
    let mut texts: Vec<u64> = fills.iter().map(|f| f.1).collect();
    texts.sort_unstable();
    texts.dedup();
    is_template_fill(families.len(), texts.len())
}

#[cfg(test)]
mod tests {
    use super::super::tests::doc;
    use super::super::{find_passages, PassageKind, PassageOptions};

    fn story(i: usize, body: &str) -> String {
        format!("Story {i} opened with a headline of its own.\n\n{body}")
    }

    /// Ten stories fill one formula with their own figures: one template
    /// cluster of ten occurrences, and no story linked through it.
    #[test]
    fn a_formula_filled_with_other_figures_is_one_template() {
        let texts: Vec<String> = (0..10)
            .map(|i| {
                story(
                    i,
                    &format!(
                        "Japanese crushers bought {} tonnes of Canadian rapeseed in export business overnight for shipment in week {}, trade sources said",
                        1000 + 500 * i,
                        i + 10
                    ),
                )
            })
            .collect();
        let docs: Vec<_> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let found = find_passages(&docs, &family, &PassageOptions::default());
        let templates: Vec<_> = found
            .clusters
            .iter()
            .filter(|c| c.kind == PassageKind::Template)
            .collect();
        assert_eq!(templates.len(), 1);
        assert_eq!(templates[0].occurrences.len(), 10);
        let text = &texts[3];
        let span = &templates[0].occurrences[3].span;
        assert!(text[span.start as usize..span.end as usize]
            .starts_with("Japanese crushers bought 2500"));
        assert!(found.links.is_empty(), "{:?}", found.links);
    }

    /// Six stories repost one paragraph and one of them corrects its
    /// figure: two texts for six families is a repost, not a template.
    #[test]
    fn a_repost_with_one_figure_corrected_is_not_a_template() {
        let texts: Vec<String> = (0..6)
            .map(|i| {
                let killed = if i == 5 { 14 } else { 12 };
                story(
                    i,
                    &format!(
                        "Floods in the northern province have killed {killed} people and forced thousands from their homes since the river burst its banks, officials said"
                    ),
                )
            })
            .collect();
        let docs: Vec<_> = texts.iter().map(|t| doc(t)).collect();
        let family: Vec<u32> = (0..docs.len() as u32).collect();
        let found = find_passages(&docs, &family, &PassageOptions::default());
        assert!(found.clusters.iter().all(|c| c.kind == PassageKind::Reuse));
        assert!(found.links.iter().any(|l| (l.a, l.b) == (0, 1)));
    }
}
