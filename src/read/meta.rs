//! Document metadata: publication dates and sources, as read from JSONL
//! fields, HTML pages or files.
//!
//! A date is an instant ([`Timestamp`], UTC). Accepted forms, as news
//! feeds and archives write them: an RFC 3339 / ISO 8601 date and time
//! with an offset (`2024-05-01T08:30:00+02:00`, `…Z`), one without an
//! offset (`1987-02-26T15:01:01`, Reuters-21578's form; taken as UTC,
//! since a feed that omits the zone gives nothing better), or a date
//! alone (`2024-05-01`, midnight UTC). Anything else is not a date: the
//! caller warns, naming the file and line, and keeps the document
//! undated.

use jiff::civil;
use jiff::tz::TimeZone;
pub use jiff::Timestamp;

/// The instant `text` names, in one of the module's forms; `None` when it
/// is none of them.
pub fn parse_date(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t);
    }
    let utc = |dt: civil::DateTime| TimeZone::UTC.to_timestamp(dt).ok();
    if let Ok(dt) = text.parse::<civil::DateTime>() {
        return utc(dt);
    }
    text.parse::<civil::Date>()
        .ok()
        .and_then(|d| utc(d.to_datetime(civil::Time::midnight())))
}

/// The message of a date that could not be read from field `field`.
pub(crate) fn bad_date(field: &str, value: &str) -> String {
    let shown: String = value.chars().take(40).collect();
    format!(
        "field \"{field}\" is not a date (\"{shown}\"; expected RFC 3339 or ISO 8601, e.g. \
         2024-05-01T08:30:00Z or 2024-05-01); the document is kept undated"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_feeds_write() {
        let at = |s: &str| parse_date(s).map(|t| t.to_string());
        assert_eq!(
            at("2024-05-01T08:30:00+02:00").as_deref(),
            Some("2024-05-01T06:30:00Z")
        );
        assert_eq!(
            at("2024-05-01T06:30:00Z").as_deref(),
            Some("2024-05-01T06:30:00Z")
        );
        assert_eq!(
            at("1987-02-26T15:01:01").as_deref(),
            Some("1987-02-26T15:01:01Z")
        );
        assert_eq!(at(" 2024-05-01 ").as_deref(), Some("2024-05-01T00:00:00Z"));
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "01/05/2024",
            "2024-05-01T25:00:00Z",
        ] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
