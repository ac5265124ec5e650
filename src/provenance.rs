//! Provenance: document dates → where a passage appeared first, and which
//! way a link between two stories points.
//!
//! Dates come from the documents ([`crate::read::Document::date`]); a
//! document without one takes no part in ordering. A passage cluster's
//! **first appearance** is its earliest dated occurrence — every document
//! dated at that instant when several are (a tie is stated, never broken
//! by id) — and each dated occurrence's **lag** is the time since it. A
//! link points from the earlier story to the later when both are dated
//! and their dates differ; its lag is the difference.
//!
//! Nothing here infers a source from text: with dates alone, "first" is
//! "earliest seen in this corpus", which is what a reader can check.

use crate::read::Timestamp;

/// Where a passage appeared first.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstSeen {
    /// The instant of its earliest dated occurrence.
    pub date: Timestamp,
    /// The documents with an occurrence at that instant (more than one: a
    /// tie), in the order given.
    pub docs: Vec<String>,
}

/// The first appearance among occurrences `(document, date)`; `None` when
/// none is dated.
pub fn first_seen<'a>(
    occurrences: impl Iterator<Item = (&'a str, Option<Timestamp>)> + Clone,
) -> Option<FirstSeen> {
    let date = occurrences.clone().filter_map(|(_, d)| d).min()?;
    let mut docs: Vec<String> = occurrences
        .filter(|(_, d)| *d == Some(date))
        .map(|(doc, _)| doc.to_owned())
        .collect();
    docs.dedup();
    Some(FirstSeen { date, docs })
}

/// Seconds from `first` to `date`, when `date` is known.
pub fn lag(first: Option<&FirstSeen>, date: Option<Timestamp>) -> Option<i64> {
    Some(date?.as_second() - first?.date.as_second())
}

/// Which way a link between stories `a` and `b` points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `a` is the earlier.
    AToB,
    /// `b` is the earlier.
    BToA,
}

impl Direction {
    /// The name in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::AToB => "a_to_b",
            Direction::BToA => "b_to_a",
        }
    }
}

/// The direction of a link whose stories are dated `a` and `b` (none when
/// either is undated or both are the same instant) and the seconds between
/// them (when both are dated).
pub fn direction(a: Option<Timestamp>, b: Option<Timestamp>) -> (Option<Direction>, Option<i64>) {
    let (Some(a), Some(b)) = (a, b) else {
        return (None, None);
    };
    let lag = (b.as_second() - a.as_second()).abs();
    let way = match a.cmp(&b) {
        std::cmp::Ordering::Less => Some(Direction::AToB),
        std::cmp::Ordering::Greater => Some(Direction::BToA),
        std::cmp::Ordering::Equal => None,
    };
    (way, Some(lag))
}

/// A lag in words a reader takes in at a glance: "3 h", "2 d", "45 s".
pub fn human_lag(seconds: i64) -> String {
    let s = seconds.abs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7_199 => format!("{} min", s / 60),
        7_200..=172_799 => format!("{} h", s / 3_600),
        _ => format!("{} d", s / 86_400),
    }
}

/// Parses durations like `2d`, `12h`, `90m`, `45s`, `1w` into seconds
/// (a day is 24 hours: dates are instants, not calendar days).
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (examples: 2d, 12h, 90m)"))?;
    let factor: u64 = match unit.trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        "" => return Err(format!("'{s}' needs a unit: s, m, h, d or w (e.g. {s}d)")),
        other => {
            return Err(format!(
                "unknown duration unit '{other}' (use s, m, h, d or w)"
            ))
        }
    };
    n.checked_mul(factor)
        .ok_or_else(|| format!("'{s}' is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Option<Timestamp> {
        crate::read::parse_date(s)
    }

    #[test]
    fn the_first_appearance_is_the_earliest_dated_occurrence_and_ties_are_kept() {
        let occ = [
            ("wire", at("1987-03-02T10:00:00Z")),
            ("paper", at("1987-03-02T13:00:00Z")),
            ("blog", None),
        ];
        let first = first_seen(occ.iter().copied()).unwrap();
        assert_eq!(first.docs, ["wire"]);
        assert_eq!(lag(Some(&first), occ[1].1), Some(3 * 3600));
        assert_eq!(lag(Some(&first), None), None);
        let tied = [
            ("x", at("2024-01-01")),
            ("y", at("2024-01-01")),
            ("z", at("2024-01-02")),
        ];
        assert_eq!(first_seen(tied.iter().copied()).unwrap().docs, ["x", "y"]);
        assert_eq!(first_seen([("u", None)].into_iter()), None);
    }

    #[test]
    fn links_point_from_the_earlier_story() {
        let (a, b) = (at("2024-01-01T00:00:00Z"), at("2024-01-01T03:00:00Z"));
        assert_eq!(direction(a, b), (Some(Direction::AToB), Some(10_800)));
        assert_eq!(direction(b, a), (Some(Direction::BToA), Some(10_800)));
        assert_eq!(direction(a, a), (None, Some(0)));
        assert_eq!(direction(a, None), (None, None));
        assert_eq!(human_lag(10_800), "3 h");
        assert_eq!(human_lag(5 * 86_400), "5 d");
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("2d"), Ok(172_800));
        assert_eq!(parse_duration("90m"), Ok(5_400));
        assert_eq!(parse_duration("1w"), Ok(604_800));
        assert!(parse_duration("2").is_err());
        assert!(parse_duration("two days").is_err());
        assert!(parse_duration("3 fortnights").is_err());
    }
}
