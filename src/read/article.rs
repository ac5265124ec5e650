//! Main content: a parsed page → the article's body text, without the
//! page's navigation, teasers, related links, share and comment widgets
//! and footers.
//!
//! The extractor follows readability.js and trafilatura, on reprint's own
//! parsed tree (`scraper`'s), in three steps:
//! 1. **Chrome** ([`measure`]): subtrees that are never the article —
//!    invisible elements, `nav`, `aside`, `footer`, figures and their
//!    captions, ARIA landmarks of navigation and furniture, hidden
//!    elements (by attribute, inline style or a CSS framework's class),
//!    search and sign-up forms, and blocks whose `class` or `id` name a
//!    widget ([`WIDGET_WORDS`]: share, related, comments, byline …)
//!    — are left out of everything below, unless they hold the article
//!    itself (`main`, `article`, `itemprop="articleBody"`): a page wrapped
//!    in one `<form>` or a `theiaStickySidebar` is still read. Blocks
//!    named as furniture ([`FURNITURE_WORDS`]: sidebar, menu, print …)
//!    are left out of the article's text, but not of choosing where the
//!    article is: sloppy markup leaves articles inside them.
//! 2. **The container** ([`container`]): every paragraph (a `p`, a block
//!    with text and no block inside, or a line of text between `<br>`s
//!    in a block) of 25 characters or more scores for its ancestors, as in
//!    readability.js — commas and length, shared with the parent, half
//!    with the grandparent and a third per level above — and each
//!    ancestor's score, raised or lowered by what its tag and `class`/`id`
//!    say, is scaled by how little of its text is link text. The
//!    best-scoring element, or the ancestor holding three runners-up (an
//!    article cut into blocks between advertisements), is the container;
//!    it stands for its parent while it holds most of the parent's text,
//!    and takes along the siblings that score well or are paragraphs of
//!    prose.
//! 3. **The text** ([`article_text`]): the container's text, blocks as
//!    paragraphs, without chrome, without headings that come before the
//!    first paragraph (the title, kept apart as metadata), and without
//!    blocks made mostly of links (lists of other stories).
//!
//! When no container holds enough — no paragraph scored, or less than
//! [`MIN_SHARE`] of the page's paragraph text — the page is looked at
//! again without judging blocks by their names (a wrapper named
//! `social-share-wrapper` may hold the whole page). If that finds no
//! container either, the page is not an article page (a list, a form, a page of short items) and its whole
//! visible text, chrome left out, is the text: nothing a person would read
//! as the page's content is lost for the sake of a page that has no
//! article.
//!
//! Measured with the article-extraction benchmark's own measure
//! (`benches/extraction.rs`, figures in `docs/html.md`). Work is linear in
//! the page: one pass computes every element's text and link lengths (an
//! explicit stack; nesting is bounded before parsing by
//! [`crate::html_depth`]), one scores paragraphs over at most five
//! ancestors, one writes the text.

use std::collections::HashMap;

use ego_tree::{NodeId, NodeRef};
use scraper::{node::Element, Html, Node};

use super::page::{TextBuilder, BLOCKS, INVISIBLE};

/// A paragraph shorter than this (in characters) scores nothing
/// (readability.js: 25).
const MIN_PARAGRAPH: usize = 25;

/// Ancestors a paragraph scores for (readability.js: 5).
const SCORED_LEVELS: usize = 5;

/// The container must hold at least this share of the text of the page's
/// scored paragraphs; below it the page is read whole (chrome left out).
const MIN_SHARE: f64 = 0.25;

/// A block (list, table, division) with more than this share of its text
/// in links is a list of links: left out of the article.
const MAX_LINK_DENSITY: f64 = 0.5;

/// Words of a `class` or `id` that name a widget, never the article.
const WIDGET_WORDS: &[&str] = &[
    "advert",
    "author",
    "byline",
    "caption",
    "credit",
    "credits",
    "dateline",
    "timestamp",
    "advertisement",
    "breadcrumb",
    "breadcrumbs",
    "comment",
    "comments",
    "cookie",
    "cookies",
    "disqus",
    "gdpr",
    "modal",
    "newsletter",
    "outbrain",
    "popup",
    "promo",
    "recommended",
    "related",
    "share",
    "sharing",
    "social",
    "sponsor",
    "sponsored",
    "subscribe",
    "subscription",
    "taboola",
];

/// Words of a `class` or `id` that name page furniture unless the article
/// is named too (`content-with-sidebar`, `l-sidebar l-article-body`).
const FURNITURE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "banner",
    "footer",
    "menu",
    "nav",
    "navbar",
    "navigation",
    "pager",
    "pagination",
    "popular",
    "prev",
    "previous",
    "print",
    "recent",
    "sidebar",
    "tags",
    "toolbar",
    "tools",
    "trending",
];

/// Words of a `class` or `id` that name the article or its body.
const ARTICLE_WORDS: &[&str] = &[
    "article", "body", "content", "entry", "main", "post", "story", "text",
];

/// ARIA roles of page furniture.
const CHROME_ROLES: &[&str] = &[
    "navigation",
    "menu",
    "menubar",
    "complementary",
    "banner",
    "contentinfo",
    "dialog",
    "alertdialog",
    "search",
];

/// The words of an element's `class` and `id`, lower-cased, split at
/// every character that is not a letter or digit and at camelCase humps
/// (`articleBody` → `article`, `body`).
fn name_words(e: &Element) -> Vec<String> {
    let mut words = Vec::new();
    for value in [e.attr("class"), e.attr("id")].into_iter().flatten() {
        let mut word = String::new();
        let mut prev_lower = false;
        for c in value.chars() {
            let boundary = !c.is_alphanumeric() || (c.is_uppercase() && prev_lower);
            if boundary && !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            }
            prev_lower = c.is_lowercase();
        }
        if !word.is_empty() {
            words.push(word);
        }
    }
    words
}

/// Whether an element is page furniture by what it is: invisible, a
/// landmark of navigation or furniture, or hidden ([module docs](self),
/// step 1).
fn is_furniture(e: &Element) -> bool {
    let name = e.name();
    INVISIBLE.contains(&name)
        || matches!(
            name,
            "aside" | "footer" | "dialog" | "figure" | "figcaption" | "picture"
        )
        || e.attr("hidden").is_some()
        || e.attr("aria-hidden") == Some("true")
        || e.attr("role").is_some_and(|r| CHROME_ROLES.contains(&r))
        || e.attr("style")
            .is_some_and(|s| s.replace(' ', "").contains("display:none"))
}

/// Classes that hide an element in the common CSS frameworks (Bootstrap,
/// WordPress, Foundation): text for screen readers ("Opens in a new
/// window") and markup kept for later. Chrome unless the element holds
/// the article (a script may reveal a hidden article body).
const HIDDEN_CLASSES: &[&str] = &[
    "hidden",
    "d-none",
    "sr-only",
    "visually-hidden",
    "screen-reader-text",
    "show-for-sr",
];

/// Elements that are chrome when named so: blocks a widget is made of,
/// not `body` (a page's body is often named after its layout,
/// `has-sidebar`) nor links and text.
const NAMED: &[&str] = &[
    "div", "section", "ul", "ol", "li", "dl", "span", "p", "header", "figure", "table",
];

/// What an element's `class` or `id` names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Named {
    /// Nothing of the page's furniture.
    Nothing,
    /// A widget ([`WIDGET_WORDS`]): chrome wherever it is.
    Widget,
    /// Furniture without the article ([`FURNITURE_WORDS`]): chrome inside
    /// the article's container, but not in choosing it — sloppy markup
    /// leaves an article inside a `recentNews` block that is never
    /// closed.
    Furniture,
}

fn named(e: &Element) -> Named {
    let words = name_words(e);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    // A post embedded in the story (`social-media-embed`, `twitter-tweet`)
    // is quoted content, not a share button.
    if has(&["embed", "embedded", "tweet"]) {
        return Named::Nothing;
    }
    if has(WIDGET_WORDS) {
        Named::Widget
    } else if has(FURNITURE_WORDS) && !has(ARTICLE_WORDS) {
        Named::Furniture
    } else {
        Named::Nothing
    }
}

/// Whether an element marks the article itself: `main`, `article` or
/// `itemprop="articleBody"`, not named as furniture (a comment is often
/// an `article`).
fn marks_article(e: &Element) -> bool {
    (matches!(e.name(), "main" | "article") || e.attr("itemprop") == Some("articleBody"))
        && named(e) != Named::Widget
}

/// What an element's `class`/`id` says of it: +25 for the article's
/// words, −25 for chrome's (readability.js's class weight).
fn name_weight(e: &Element) -> f64 {
    let words = name_words(e);
    let mut weight = 0.0;
    if words.iter().any(|w| ARTICLE_WORDS.contains(&w.as_str())) {
        weight += 25.0;
    }
    if words
        .iter()
        .any(|w| WIDGET_WORDS.contains(&w.as_str()) || FURNITURE_WORDS.contains(&w.as_str()))
    {
        weight -= 25.0;
    }
    weight
}

/// What an element's tag says of it as a container (readability.js).
fn tag_weight(name: &str) -> f64 {
    match name {
        "article" => 10.0,
        "div" | "main" | "section" => 5.0,
        "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

/// Text lengths of one element, chrome left out.
#[derive(Default, Clone, Copy)]
struct Lengths {
    /// Characters of text, whitespace runs counted as one.
    text: usize,
    /// Characters of it inside links.
    links: usize,
    /// Commas in it (Latin and CJK), a sign of prose.
    commas: usize,
    /// Whether a block element is inside.
    has_block: bool,
    /// Whether the element is or holds a [`marks_article`] element.
    holds_article: bool,
    /// Whether the element is chrome: furniture, or named as a widget
    /// without holding the article (a page's wrapper called
    /// `Page-ad-margins` or `theiaStickySidebar` holds everything).
    chrome: bool,
    /// Whether the element is named as furniture ([`Named::Furniture`])
    /// without holding the article: left out of the article's text.
    furniture: bool,
}

impl Lengths {
    fn link_density(&self) -> f64 {
        if self.text == 0 {
            0.0
        } else {
            self.links as f64 / self.text as f64
        }
    }
}

/// The page's elements, chrome marked and text measured.
struct Measured<'a> {
    /// Every element of the body with its lengths.
    lengths: HashMap<NodeId, Lengths>,
    /// The body (or the root).
    body: NodeRef<'a, Node>,
    /// The elements outside chrome, in document order.
    order: Vec<NodeRef<'a, Node>>,
}

impl Measured<'_> {
    /// The lengths of an element outside chrome.
    fn of(&self, node: NodeRef<Node>) -> Option<&Lengths> {
        self.lengths.get(&node.id()).filter(|l| !l.chrome)
    }
}

/// The element children of a node.
fn elements<'a>(n: NodeRef<'a, Node>) -> impl DoubleEndedIterator<Item = NodeRef<'a, Node>> {
    n.children().filter(|c| c.value().is_element())
}

/// Characters of a text node, whitespace runs counted as one.
fn text_chars(t: &str) -> usize {
    t.split_whitespace().map(|w| w.chars().count() + 1).sum()
}

fn measure(doc: &Html, by_name: bool) -> Measured<'_> {
    let root = doc.tree.root();
    let body = root
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
        .unwrap_or(root);
    let mut lengths: HashMap<NodeId, Lengths> = HashMap::new();
    // Post-order over an explicit stack: (node, children done).
    let mut stack = vec![(body, false)];
    while let Some((node, done)) = stack.pop() {
        if !done {
            stack.push((node, true));
            stack.extend(elements(node).rev().map(|c| (c, false)));
            continue;
        }
        let mut own = Lengths::default();
        for child in node.children() {
            match child.value() {
                Node::Text(t) => {
                    own.text += text_chars(t);
                    own.commas += commas(t);
                }
                Node::Element(e) => {
                    let Some(l) = lengths.get(&child.id()) else {
                        continue;
                    };
                    own.holds_article |= l.holds_article;
                    if l.chrome {
                        continue;
                    }
                    own.text += l.text;
                    own.commas += l.commas;
                    own.links += if e.name() == "a" { l.text } else { l.links };
                    own.has_block |= l.has_block || BLOCKS.contains(&e.name());
                }
                _ => {}
            }
        }
        if let Some(e) = node.value().as_element() {
            own.holds_article |= marks_article(e);
            // A form is a search box or a sign-up, unless it wraps the
            // page (ASP.NET pages are one form).
            let name = if by_name && NAMED.contains(&e.name()) {
                named(e)
            } else {
                Named::Nothing
            };
            let unless_article = e.name() == "form"
                || name == Named::Widget
                || e.classes().any(|c| HIDDEN_CLASSES.contains(&c));
            own.chrome = is_furniture(e) || (unless_article && !own.holds_article);
            own.furniture = name == Named::Furniture && !own.holds_article;
        }
        lengths.insert(node.id(), own);
    }
    let mut order = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        if lengths.get(&node.id()).is_some_and(|l| l.chrome) {
            continue;
        }
        order.push(node);
        stack.extend(elements(node).rev());
    }
    Measured {
        lengths,
        body,
        order,
    }
}

/// Whether a node is a paragraph for scoring: a `p`, `pre` or `td`, or a
/// block with text and no block inside.
fn is_paragraph(node: NodeRef<Node>, l: &Lengths) -> bool {
    node.value().as_element().is_some_and(|e| {
        matches!(e.name(), "p" | "pre" | "td")
            || (matches!(e.name(), "div" | "section" | "article") && !l.has_block)
    })
}

/// Where the article is.
struct Container<'a> {
    /// The blocks holding it, in document order.
    blocks: Vec<NodeRef<'a, Node>>,
    /// The best-scoring candidate, inside one of them.
    best: NodeRef<'a, Node>,
}

/// Every element's score from the paragraphs under it (before link
/// density), and the characters of all scored paragraphs.
fn paragraph_scores(m: &Measured) -> (HashMap<NodeId, f64>, usize) {
    let mut scores: HashMap<NodeId, f64> = HashMap::new();
    let mut paragraph_text = 0usize;
    let mut add = |node: NodeRef<Node>, chars: usize, commas: usize| {
        paragraph_text += chars;
        let score = 1.0 + commas as f64 + (chars / 100).min(3) as f64;
        for (level, ancestor) in node.ancestors().take(SCORED_LEVELS).enumerate() {
            let Some(e) = ancestor.value().as_element() else {
                break;
            };
            let divider = match level {
                0 => 1.0,
                1 => 2.0,
                _ => level as f64 * 3.0,
            };
            *scores
                .entry(ancestor.id())
                .or_insert_with(|| tag_weight(e.name()) + name_weight(e)) += score / divider;
        }
    };
    for &node in &m.order {
        let Some(l) = m.of(node) else {
            continue;
        };
        if is_paragraph(node, l) {
            if l.text >= MIN_PARAGRAPH {
                add(node, l.text, l.commas);
            }
            continue;
        }
        // Text written straight into a block beside other blocks, lines
        // between `<br>`s: each line long enough is a paragraph of the
        // block (readability.js wraps such runs in paragraphs). Not the
        // text of links, list items or inline elements: titles of other
        // stories.
        let block = node.value().as_element().is_some_and(|e| {
            matches!(
                e.name(),
                "div" | "section" | "article" | "main" | "td" | "blockquote"
            )
        });
        for child in node.children().filter(|_| block) {
            if let Some(t) = child.value().as_text() {
                if text_chars(t) >= MIN_PARAGRAPH {
                    add(child, text_chars(t), commas(t));
                }
            }
        }
    }
    (scores, paragraph_text)
}

/// The element holding the article, and whether it holds enough of the
/// page's paragraph text to be taken for it ([module docs](self), step 2).
fn container<'a>(m: &Measured<'a>) -> Option<Container<'a>> {
    let (scores, paragraph_text) = paragraph_scores(m);
    let density = |id: NodeId| m.lengths.get(&id).map_or(1.0, Lengths::link_density);
    let score = |n: NodeRef<Node>| scores.get(&n.id()).map(|s| s * (1.0 - density(n.id())));
    let mut ranked: Vec<(NodeRef<Node>, f64)> = m
        .order
        .iter()
        .filter_map(|&n| score(n).map(|s| (n, s)))
        .collect();
    // Stable: equal scores keep document order.
    ranked.sort_by(|x, y| y.1.total_cmp(&x.1));
    let &(best, best_score) = ranked.first()?;
    let mut top = split_article(m, best, &ranked);
    // The container stands for its parent when it holds most of it.
    let text = |n: NodeRef<Node>| m.of(n).map_or(0, |l| l.text);
    while let Some(parent) = top.parent().filter(|p| p.id() != m.body.id()) {
        if parent.value().as_element().is_none() || text(top) * 10 < text(parent) * 8 {
            break;
        }
        top = parent;
    }
    let top_score = score(top).unwrap_or(best_score);
    let blocks = with_siblings(m, top, top_score, score);
    let held: usize = blocks.iter().map(|&b| text(b)).sum();
    (held as f64 >= MIN_SHARE * paragraph_text as f64).then_some(Container { blocks, best })
}

/// The best candidate, or the nearest ancestor of it that holds three of
/// the next candidates scoring at least 3/4 as high: an article cut into
/// blocks between advertisements (readability.js's alternative
/// candidates).
fn split_article<'a>(
    m: &Measured<'a>,
    best: NodeRef<'a, Node>,
    ranked: &[(NodeRef<'a, Node>, f64)],
) -> NodeRef<'a, Node> {
    const ALTERNATIVES: usize = 3;
    let Some(&(_, best_score)) = ranked.first() else {
        return best;
    };
    let alternatives: Vec<NodeRef<Node>> = ranked
        .iter()
        .skip(1)
        .take(4)
        .filter(|(_, s)| *s >= 0.75 * best_score)
        .map(|(n, _)| *n)
        // An ancestor or a part of the best candidate is the same block.
        .filter(|n| {
            !best.ancestors().any(|a| a.id() == n.id())
                && !n.ancestors().any(|a| a.id() == best.id())
        })
        .collect();
    if alternatives.len() < ALTERNATIVES {
        return best;
    }
    for ancestor in best.ancestors() {
        if ancestor.id() == m.body.id() || ancestor.value().as_element().is_none() {
            break;
        }
        let held = alternatives
            .iter()
            .filter(|a| a.ancestors().any(|x| x.id() == ancestor.id()))
            .count();
        if held >= ALTERNATIVES {
            return ancestor;
        }
    }
    best
}

/// The container and the siblings that belong with it, in document order
/// (readability.js): a sibling scoring a fifth of the container (and at
/// least 10; siblings of the container's class score a fifth more), or a
/// paragraph of prose — over 80 characters with few links, or shorter,
/// without links, ending a sentence.
fn with_siblings<'a>(
    m: &Measured<'a>,
    top: NodeRef<'a, Node>,
    top_score: f64,
    score: impl Fn(NodeRef<Node>) -> Option<f64>,
) -> Vec<NodeRef<'a, Node>> {
    let Some(parent) = top.parent().filter(|p| p.value().is_element()) else {
        return vec![top];
    };
    fn class<'n>(n: NodeRef<'n, Node>) -> Option<&'n str> {
        n.value().as_element().and_then(|e| e.attr("class"))
    }
    let threshold = (0.2 * top_score).max(10.0);
    elements(parent)
        .filter(|&sibling| {
            if sibling.id() == top.id() {
                return true;
            }
            let Some(l) = m.of(sibling) else {
                return false;
            };
            let bonus = if class(sibling).is_some() && class(sibling) == class(top) {
                0.2 * top_score
            } else {
                0.0
            };
            if score(sibling).is_some_and(|s| s + bonus >= threshold) {
                return true;
            }
            // A paragraph, or a block wrapping one paragraph.
            let mut children = elements(sibling);
            let wraps_one = match (children.next(), children.next()) {
                (Some(c), None) => m.of(c).is_some_and(|cl| is_paragraph(c, cl)),
                _ => false,
            };
            let is_p = is_paragraph(sibling, l) || wraps_one;
            let prose = l.text > 80 && l.link_density() < 0.25
                || (l.text > 0 && l.links == 0 && text_of(sibling).trim_end().ends_with('.'));
            is_p && prose
        })
        .collect()
}

/// Commas in a text (Latin and CJK), a sign of prose.
fn commas(text: &str) -> usize {
    text.matches([',', '，', '、']).count()
}

/// The text of a node, all of it.
fn text_of(node: NodeRef<Node>) -> String {
    node.descendants()
        .filter_map(|d| d.value().as_text().map(|t| &**t))
        .collect()
}

/// The article text of a parsed page ([module docs](self)). When no
/// container is found, the page is looked at again without judging
/// blocks by their names, and an article found that way is taken (as
/// readability.js retries without its "unlikely candidates"): a wrapper
/// named like a widget must not cost a page its article. Only then —
/// a short post above a long comment thread has a container, and the
/// comments must not win it.
pub(super) fn article_text(doc: &Html) -> String {
    match extract(doc, true) {
        Ok(text) => text,
        Err(whole) => extract(doc, false).unwrap_or(whole),
    }
}

/// The article text, with blocks judged by their names (`by_name`) or
/// by what they are only; `Err` with the page's whole text (chrome left
/// out) when no container holds the article.
fn extract(doc: &Html, by_name: bool) -> Result<String, String> {
    let m = measure(doc, by_name);
    let (blocks, keep) = match container(&m) {
        Some(c) => {
            // Furniture names inside the container mark furniture, but
            // never the blocks that hold the best candidate.
            let keep: Vec<NodeId> = c.best.ancestors().map(|a| a.id()).collect();
            (c.blocks, Some(keep))
        }
        None => (vec![m.body], None),
    };
    let mut text = TextBuilder::default();
    let mut seen_paragraph = false;
    let found = keep.is_some();
    for block in blocks {
        write_text(&m, block, keep.as_deref(), &mut text, &mut seen_paragraph);
        text.paragraph_break();
    }
    if found {
        Ok(text.finish())
    } else {
        Err(text.finish())
    }
}

/// The text under `start`, chrome left out, blocks as paragraphs, lists
/// of links and the headings before the first paragraph dropped.
fn write_text(
    m: &Measured,
    start: NodeRef<Node>,
    keep: Option<&[NodeId]>,
    text: &mut TextBuilder,
    seen_paragraph: &mut bool,
) {
    enum Step<'a> {
        Enter(NodeRef<'a, Node>),
        Leave,
    }
    let mut stack = vec![Step::Enter(start)];
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Leave => {
                text.paragraph_break();
                continue;
            }
            Step::Enter(node) => node,
        };
        match node.value() {
            Node::Text(t) => text.push(t),
            Node::Element(e) => {
                let Some(l) = m
                    .of(node)
                    .filter(|l| !l.furniture || keep.map_or(true, |k| k.contains(&node.id())))
                else {
                    continue; // chrome
                };
                let name = e.name();
                if name == "br" {
                    text.line_break();
                    continue;
                }
                let heading = matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
                if heading && !*seen_paragraph {
                    continue;
                }
                let listing = matches!(name, "ul" | "ol" | "div" | "section" | "table" | "dl");
                if listing && node.id() != start.id() && l.link_density() > MAX_LINK_DENSITY {
                    continue;
                }
                if name == "p" && l.text >= MIN_PARAGRAPH {
                    *seen_paragraph = true;
                }
                if BLOCKS.contains(&name) {
                    text.paragraph_break();
                    stack.push(Step::Leave);
                }
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(html: &str) -> String {
        article_text(&Html::parse_document(html))
    }

    const P1: &str = "Dock workers at the country's largest container port extended their strike into a second week on Monday, after talks with terminal operators broke down.";
    const P2: &str = "The union, which represents about 4,000 crane operators, lashers and truck drivers, said it would not return until no jobs were cut.";
    const P3: &str = "The operators' association said it had offered retraining for every affected worker, and accused the union of walking away from a fair proposal.";
    const P4: &str = "Shipping lines have begun diverting vessels to other ports in the region, and exporters warned of losses if the dispute dragged on.";

    /// A news page: the article between the chrome a real page carries.
    fn page(body: &str) -> String {
        format!(
            "<html><head><title>Port strike</title></head><body>\
             <header><ul class=\"menu\"><li><a href=/>Home</a></li><li><a href=/w>World</a></li></ul></header>\
             <nav><a href=/a>Asia</a> <a href=/e>Europe</a></nav>\
             <div class=\"share-bar\">Share this story on Facebook, Twitter and by e-mail to your friends today</div>\
             {body}\
             <div class=\"related-stories\"><h3>More news</h3><ul>\
             <li><a href=/1>Rail workers vote to strike over pay, the union says, in a ballot of members</a></li>\
             <li><a href=/2>Harbour cranes to be automated by 2030, the authority says in its annual plan</a></li></ul></div>\
             <section id=\"comments\"><p>I think the workers are right, and the operators should listen to them.</p></section>\
             <footer><p>Copyright The Coastal Herald, all rights reserved, 2024. Terms, privacy and cookies.</p></footer>\
             </body></html>"
        )
    }

    #[test]
    fn the_article_is_read_without_the_pages_chrome() {
        let html = page(&format!(
            "<article><h1>Port strike enters second week</h1><p class=\"byline\">By A. Reporter, Harbour correspondent</p>\
             <p>{P1}</p><p>{P2}<a href=/x><span class=\"screen-reader-text\">Opens in a new window</span></a></p>\
             <h2>Losses</h2><p>{P3}</p><p>{P4}</p></article>"
        ));
        assert_eq!(
            article(&html),
            format!("{P1}\n\n{P2}\n\nLosses\n\n{P3}\n\n{P4}")
        );
    }

    #[test]
    fn an_article_cut_by_an_advertisement_is_read_whole() {
        let html = page(&format!(
            "<div class=\"story\"><div class=\"story-body\"><p>{P1}</p><p>{P2}</p></div>\
             <div class=\"ad-slot\"><a href=/ad>Buy the best cranes at low prices today and save</a></div>\
             <div class=\"story-body\"><p>{P3}</p><p>{P4}</p></div></div>"
        ));
        assert_eq!(article(&html), format!("{P1}\n\n{P2}\n\n{P3}\n\n{P4}"));
    }

    #[test]
    fn lines_between_breaks_are_paragraphs() {
        let html = page(&format!(
            "<div id=\"article\"><table><tr><td><img src=x.jpg></td></tr></table><br>{P1}<br><br>{P2}<br><br>{P3}</div>"
        ));
        let text = article(&html);
        for p in [P1, P2, P3] {
            assert!(text.contains(p), "{p} missing from {text:?}");
        }
        assert!(!text.contains("Rail workers"), "{text:?}");
    }

    #[test]
    fn a_page_in_one_form_still_has_its_article() {
        let html = format!(
            "<html><body><form id=\"aspnetForm\" method=post><div class=\"sidebar\"><a href=/x>Other news of the day</a></div>\
             <article><p>{P1}</p><p>{P2}</p><p>{P3}</p></article></form></body></html>"
        );
        assert_eq!(article(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
    }

    #[test]
    fn a_wrapper_named_like_a_widget_does_not_cost_the_article() {
        // Themes name page wrappers after what they also hold.
        let html = format!(
            "<html><body><div class=\"social-share-wrapper\"><div class=\"inner\">\
             <p>{P1}</p><p>{P2}</p><p>{P3}</p></div></div></body></html>"
        );
        assert_eq!(article(&html), format!("{P1}\n\n{P2}\n\n{P3}"));
    }

    #[test]
    fn a_page_without_an_article_is_read_whole_without_chrome() {
        // A list of short items: nothing scores as a paragraph.
        let html = "<html><body><nav><a href=/>Home</a></nav><ul>\
                    <li>Harbour opens at six</li><li>Ferry times change</li></ul>\
                    <div class=\"share\">Share</div></body></html>";
        assert_eq!(article(html), "Harbour opens at six\n\nFerry times change");
    }

    #[test]
    fn nested_paragraphs_are_each_read_once() {
        // Tables nested to the parser's bound, a cell of prose in each: every
        // cell is a paragraph holding the next (html_depth bounds nesting
        // before parsing, at 512 elements).
        let depth = 250;
        let cell = format!("{P1} ");
        let html = format!(
            "<html><body>{}{}</body></html>",
            format!("<table><tr><td>{cell}").repeat(depth),
            "</td></tr></table>".repeat(depth)
        );
        let text = article(&html);
        assert_eq!(text.matches(P1).count(), depth);
    }
}
