//! Page metadata: a parsed page → its title, publication date, site and
//! author, from what the page marks.
//!
//! Each is taken from the first source that has it, in this order (what
//! news sites mark most reliably first):
//! - **title**: `og:title`, `twitter:title`, JSON-LD `headline`,
//!   `<title>`, the first `<h1>` (a social title is the headline without
//!   the site's name appended);
//! - **date**: `article:published_time`, JSON-LD `datePublished`,
//!   `itemprop="datePublished"`, the common `<meta name>`s (`pubdate`,
//!   `publishdate`, `date`, `dc.date.issued`, `parsely-pub-date`,
//!   `sailthru.date`), the first `<time datetime>`; a value that is not a
//!   date ([`super::parse_date`]) is passed over;
//! - **site**: `og:site_name`, JSON-LD `publisher.name`, the host of
//!   `<link rel="canonical">` or `og:url` (without `www.`); a site named
//!   by its address is named by its host;
//! - **author**: `<meta name="author">`, JSON-LD `author.name` (the
//!   names of several, joined by commas), `article:author` when it is a
//!   name rather than a link.
//!
//! JSON-LD blocks (`<script type="application/ld+json">`) are read with
//! serde_json; a block that does not parse is passed over.

use scraper::{Html, Node};
use serde_json::Value;

use super::Timestamp;

/// What a page says about itself.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct PageMeta {
    pub title: Option<String>,
    pub date: Option<Timestamp>,
    pub site: Option<String>,
    pub author: Option<String>,
}

/// Candidates met while walking the page, one slot per source.
#[derive(Default)]
struct Found {
    meta: Vec<(String, String)>,
    title_tag: Option<String>,
    h1: Option<String>,
    time: Option<String>,
    canonical: Option<String>,
    ld: Vec<Value>,
}

/// Text of an element, whitespace collapsed; `None` when empty.
fn collapsed<'a>(texts: impl Iterator<Item = &'a str>) -> Option<String> {
    let words: Vec<&str> = texts.flat_map(str::split_whitespace).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn walk(doc: &Html) -> Found {
    let mut found = Found::default();
    for node in doc.tree.root().descendants() {
        let Some(e) = node.value().as_element() else {
            continue;
        };
        let text = || {
            collapsed(
                node.descendants()
                    .filter_map(|d| d.value().as_text().map(|t| &**t)),
            )
        };
        match e.name() {
            "meta" => {
                let key = e
                    .attr("property")
                    .or_else(|| e.attr("name"))
                    .or_else(|| e.attr("itemprop"));
                let content = e.attr("content").or_else(|| e.attr("datetime"));
                if let (Some(k), Some(c)) = (key, content.map(str::trim)) {
                    if !c.is_empty() {
                        found.meta.push((k.to_ascii_lowercase(), c.to_owned()));
                    }
                }
            }
            "title" if found.title_tag.is_none() => found.title_tag = text(),
            "h1" if found.h1.is_none() => found.h1 = text(),
            "time" if found.time.is_none() => found.time = e.attr("datetime").map(str::to_owned),
            "link"
                if e.attr("rel")
                    .is_some_and(|r| r.eq_ignore_ascii_case("canonical")) =>
            {
                found.canonical = found.canonical.take().or(e.attr("href").map(str::to_owned));
            }
            "script"
                if e.attr("type")
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json")) =>
            {
                let json: String = node
                    .children()
                    .filter_map(|c| match c.value() {
                        Node::Text(t) => Some(&**t),
                        _ => None,
                    })
                    .collect();
                if let Ok(v) = serde_json::from_str::<Value>(json.trim()) {
                    found.ld.push(v);
                }
            }
            _ => {}
        }
    }
    found
}

/// Every object in JSON-LD `v`: itself, the items of an array, the
/// members of an `@graph`.
fn ld_objects(v: &Value) -> Vec<&serde_json::Map<String, Value>> {
    match v {
        Value::Array(items) => items.iter().flat_map(ld_objects).collect(),
        Value::Object(o) => {
            let mut out = vec![o];
            if let Some(graph) = o.get("@graph") {
                out.extend(ld_objects(graph));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// A name in JSON-LD: a string, an object's `name`, or the names of an
/// array's items joined by commas.
fn ld_name(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => collapsed(std::iter::once(s.as_str())),
        Value::Object(o) => o.get("name").and_then(ld_name),
        Value::Array(items) => {
            let names: Vec<String> = items.iter().filter_map(ld_name).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        _ => None,
    }
}

/// The host of an absolute URL, without `www.`.
pub(super) fn host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#', ':']).next()?;
    let host = host.strip_prefix("www.").unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The metadata of a parsed page ([module docs](self)).
pub(super) fn page_meta(doc: &Html) -> PageMeta {
    let found = walk(doc);
    let meta = |keys: &[&str]| -> Vec<&str> {
        keys.iter()
            .flat_map(|k| found.meta.iter().filter(move |(key, _)| key == k))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let ld: Vec<&serde_json::Map<String, Value>> = found.ld.iter().flat_map(ld_objects).collect();
    let ld_field =
        |field: &str| -> Vec<&Value> { ld.iter().filter_map(|o| o.get(field)).collect() };

    let title = meta(&["og:title", "twitter:title"])
        .into_iter()
        .map(str::to_owned)
        .chain(ld_field("headline").into_iter().filter_map(ld_name))
        .chain(found.title_tag.clone())
        .chain(found.h1.clone())
        .find_map(|t| collapsed(std::iter::once(t.as_str())));

    let ld_dates: Vec<&str> = ld_field("datePublished")
        .into_iter()
        .filter_map(Value::as_str)
        .collect();
    let date = meta(&["article:published_time"])
        .into_iter()
        .chain(ld_dates)
        .chain(meta(&[
            "datepublished",
            "pubdate",
            "publishdate",
            "date",
            "dc.date.issued",
            "parsely-pub-date",
            "sailthru.date",
        ]))
        .chain(found.time.as_deref())
        .find_map(super::parse_date);

    let site = meta(&["og:site_name"])
        .into_iter()
        .map(str::to_owned)
        .chain(ld_field("publisher").into_iter().filter_map(ld_name))
        .chain(found.canonical.as_deref().and_then(host))
        .chain(meta(&["og:url"]).into_iter().find_map(host))
        // Some sites name themselves by their address.
        .map(|s| {
            if s.contains("://") {
                host(&s).unwrap_or(s)
            } else {
                s
            }
        })
        .next();

    let author = meta(&["author"])
        .into_iter()
        .map(str::to_owned)
        .chain(ld_field("author").into_iter().filter_map(ld_name))
        .chain(
            meta(&["article:author"])
                .into_iter()
                .filter(|a| !a.contains("://"))
                .map(str::to_owned),
        )
        .find_map(|a| collapsed(std::iter::once(a.as_str())));

    PageMeta {
        title,
        date,
        site,
        author,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(html: &str) -> PageMeta {
        page_meta(&Html::parse_document(html))
    }

    #[test]
    fn social_tags_come_first() {
        let m = meta(
            r#"<html><head><title>Port strike | The Herald</title>
            <meta property="og:title" content="Port strike enters second week">
            <meta property="og:site_name" content="The Herald">
            <meta property="og:site_name" content="ignored: the first one counts">
            <meta property="article:published_time" content="2024-05-01T08:00:00+02:00">
            <meta name="author" content="A. Reporter">
            <link rel="canonical" href="https://www.herald.example/port"></head>
            <body><h1>Port strike</h1><time datetime="2023-01-01">old</time></body></html>"#,
        );
        assert_eq!(m.title.as_deref(), Some("Port strike enters second week"));
        assert_eq!(
            m.date.map(|d| d.to_string()).as_deref(),
            Some("2024-05-01T06:00:00Z")
        );
        assert_eq!(m.site.as_deref(), Some("The Herald"));
        assert_eq!(m.author.as_deref(), Some("A. Reporter"));
    }

    #[test]
    fn json_ld_then_the_page_itself() {
        let m = meta(
            r#"<html><head><title>  Festival
              moves </title>
            <script type="application/ld+json">{"@context":"https://schema.org","@graph":[
              {"@type":"WebSite","name":"ignored"},
              {"@type":"NewsArticle","datePublished":"2024-06-02T10:00:00Z",
               "author":[{"@type":"Person","name":"Ann Lee"},{"@type":"Person","name":"Bo Chan"}],
               "publisher":{"@type":"Organization","name":"Coast News"}}]}</script>
            <script type="application/ld+json">{ not json</script>
            <link rel="canonical" href="https://www.coast.example/a"></head><body><h1>Festival</h1></body></html>"#,
        );
        assert_eq!(m.title.as_deref(), Some("Festival moves"));
        assert_eq!(
            m.date.map(|d| d.to_string()).as_deref(),
            Some("2024-06-02T10:00:00Z")
        );
        assert_eq!(m.site.as_deref(), Some("Coast News"));
        assert_eq!(m.author.as_deref(), Some("Ann Lee, Bo Chan"));
    }

    #[test]
    fn last_resorts_and_bad_values() {
        let m = meta(
            r#"<html><head><meta property="article:published_time" content="yesterday">
            <meta property="og:site_name" content="https://www.coast.example/">
            <meta property="article:author" content="https://facebook.com/someone">
            <link rel="canonical" href="https://www.coast.example/a?x=1"></head>
            <body><h1>Only a heading</h1><time datetime="2024-07-03">3 July</time></body></html>"#,
        );
        assert_eq!(m.title.as_deref(), Some("Only a heading"));
        assert_eq!(
            m.date.map(|d| d.to_string()).as_deref(),
            Some("2024-07-03T00:00:00Z")
        );
        assert_eq!(m.site.as_deref(), Some("coast.example"));
        assert_eq!(m.author, None);
        assert_eq!(meta("<p>nothing</p>"), PageMeta::default());
    }
}
