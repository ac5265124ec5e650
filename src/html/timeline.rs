//! Provenance on the page: a link's arrow from the earlier story, each
//! side's source and date, and a shared passage's timeline — views of what
//! `crate::provenance` put in the scan's result.

use std::collections::HashMap;

use serde::Serialize;

use crate::provenance::{human_lag, Direction};
use crate::scan::{LinkOut, OccurrenceOut, PassageClusterOut};

/// One occurrence of a passage on its timeline.
#[derive(Serialize)]
pub(super) struct Moment {
    doc: String,
    source: String,
    /// Its date (RFC 3339), or empty when undated.
    date: String,
    /// "first", "+3 h", or empty when undated.
    lag: String,
    first: bool,
}

/// Occurrences a passage's timeline shows at most.
const MAX_MOMENTS: usize = 12;

/// The timeline of passage cluster `c`: its dated occurrences, earliest
/// first (the first appearance, then each repost with its lag), one per
/// document, then the undated ones; `None` when none is dated.
pub(super) fn timeline(
    c: &PassageClusterOut,
    sources: &HashMap<&str, &str>,
) -> Option<(Vec<Moment>, usize)> {
    c.first.as_ref()?;
    let mut seen = std::collections::HashSet::new();
    let mut occ: Vec<&OccurrenceOut> = c
        .occurrences
        .iter()
        .filter(|o| seen.insert(&o.doc))
        .collect();
    // Dated by date (ties by id, as listed), undated last.
    occ.sort_by_key(|o| (o.date.is_none(), o.date));
    let total = occ.len();
    let moments = occ
        .into_iter()
        .take(MAX_MOMENTS)
        .map(|o| Moment {
            doc: o.doc.clone(),
            source: sources
                .get(o.doc.as_str())
                .map(|s| s.to_string())
                .unwrap_or_default(),
            date: o.date.map(|d| d.to_string()).unwrap_or_default(),
            first: o.lag == Some(0),
            lag: match o.lag {
                Some(0) => "first".into(),
                Some(l) => format!("+{}", human_lag(l)),
                None => String::new(),
            },
        })
        .collect();
    Some((moments, total.saturating_sub(MAX_MOMENTS)))
}

/// "4 → 16, 14 min later" for a link whose stories are both dated and
/// differ; "dated alike" for two at one instant.
pub(super) fn arrow(link: &LinkOut) -> Option<String> {
    let lag = link.lag?;
    Some(match link.direction {
        Some(Direction::AToB) => format!("{} → {}, {} later", link.a, link.b, human_lag(lag)),
        Some(Direction::BToA) => format!("{} → {}, {} later", link.b, link.a, human_lag(lag)),
        None => "dated alike".into(),
    })
}

/// A story's date and source as shown beside its id ("agency ·
/// 2024-05-01T08:00:00Z"), empty when neither is known.
pub(super) fn about(date: Option<crate::read::Timestamp>, source: Option<&str>) -> String {
    let date = date.map(|d| d.to_string());
    [source.map(str::to_owned), date]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}
