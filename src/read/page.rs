//! HTML pages: a page → its title and visible text, block elements kept
//! as paragraphs and invisible or navigation elements dropped.

use scraper::{Html, Node};

/// Elements whose content is never visible text.
pub(super) const INVISIBLE: &[&str] = &[
    "script", "style", "nav", "noscript", "template", "head", "iframe", "svg", "button", "select",
    "option", "textarea", "object", "canvas",
];

/// Elements that start and end a paragraph.
pub(super) const BLOCKS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "article",
    "section",
    "header",
    "footer",
    "main",
    "aside",
    "table",
    "tr",
    "td",
    "th",
    "caption",
    "form",
    "fieldset",
    "address",
    "hr",
    "details",
    "summary",
];

/// What reprint reads of an HTML page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlPage {
    /// The text read, as [`HtmlMode`] says: the article, or the body's
    /// whole visible text.
    pub text: String,
    /// The headline: `og:title`, else JSON-LD `headline`, `<title>` or
    /// the first `<h1>`, whitespace collapsed (`read/page_meta.rs` has
    /// every source, in order).
    pub title: Option<String>,
    /// When the page says it was published: `article:published_time`,
    /// else JSON-LD `datePublished`, a publication `<meta>`, or the first
    /// `<time datetime>` ([`super::parse_date`] forms).
    pub date: Option<super::Timestamp>,
    /// The site's name: `og:site_name`, else JSON-LD `publisher`, else the
    /// host of the page's canonical URL.
    pub site: Option<String>,
    /// The author(s) where the page marks them (`<meta name="author">`,
    /// JSON-LD `author`).
    pub author: Option<String>,
    /// Tags removed because they were nested past 512 elements (parsing
    /// such nesting costs the square of its depth); 0 on real pages.
    pub flattened: usize,
}

/// What of a page's body is read as its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HtmlMode {
    /// The article: main content without the page's chrome
    /// (`read/article.rs`; `--html article`).
    #[default]
    Article,
    /// Every visible text of the body (`--html full`).
    Full,
}

/// An HTML page's article text and metadata ([`HtmlMode::Article`]).
pub fn html_page(html: &str) -> HtmlPage {
    html_page_with(html, HtmlMode::Article)
}

/// An HTML page's text, read as `mode` says, and metadata.
pub fn html_page_with(html: &str, mode: HtmlMode) -> HtmlPage {
    let (html, flattened) = crate::html_depth::bounded(html);
    let doc = Html::parse_document(&html);
    let meta = super::page_meta::page_meta(&doc);
    HtmlPage {
        text: match mode {
            HtmlMode::Article => super::article::article_text(&doc),
            HtmlMode::Full => visible_text(&doc),
        },
        title: meta.title,
        date: meta.date,
        site: meta.site,
        author: meta.author,
        flattened,
    }
}

/// The article text of an HTML page ([`HtmlMode::Article`]): whitespace
/// collapsed inside paragraphs, block elements separated by a blank line,
/// `<br>` as a line break.
pub fn html_text(html: &str) -> String {
    html_page(html).text
}

pub(super) fn visible_text(doc: &Html) -> String {
    enum Step<'a> {
        Enter(ego_tree::NodeRef<'a, Node>),
        Leave,
    }
    let root = doc.tree.root();
    let start = root
        .descendants()
        .find(|n| n.value().as_element().is_some_and(|e| e.name() == "body"))
        .unwrap_or(root);
    let mut text = TextBuilder::default();
    // An explicit stack: deeply nested pages must not overflow the call stack.
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
                let name = e.name();
                if INVISIBLE.contains(&name) {
                    continue;
                }
                if name == "br" {
                    text.line_break();
                    continue;
                }
                if BLOCKS.contains(&name) {
                    text.paragraph_break();
                    stack.push(Step::Leave);
                }
                stack.extend(node.children().rev().map(Step::Enter));
            }
            Node::Document | Node::Fragment => {
                stack.extend(node.children().rev().map(Step::Enter));
            }
            _ => {}
        }
    }
    text.finish()
}

/// Accumulates visible text, collapsing whitespace and emitting breaks
/// lazily so that empty blocks do not leave runs of blank lines.
#[derive(Default)]
pub(super) struct TextBuilder {
    out: String,
    /// 0: none, 1: space, 2: line break, 3: paragraph break.
    pending: u8,
}

impl TextBuilder {
    pub(super) fn push(&mut self, s: &str) {
        for (i, word) in s.split_whitespace().enumerate() {
            if i > 0 || s.starts_with(char::is_whitespace) {
                self.pending = self.pending.max(1);
            }
            self.flush_pending();
            self.out.push_str(word);
        }
        // Without trailing whitespace the next node glues on ("<b>Rus</b>sia").
        if s.ends_with(char::is_whitespace) {
            self.pending = self.pending.max(1);
        }
    }

    fn flush_pending(&mut self) {
        if self.out.is_empty() {
            self.pending = 0;
            return;
        }
        match self.pending {
            1 => self.out.push(' '),
            2 => self.out.push('\n'),
            3 => self.out.push_str("\n\n"),
            _ => {}
        }
        self.pending = 0;
    }

    pub(super) fn line_break(&mut self) {
        self.pending = self.pending.max(2);
    }

    pub(super) fn paragraph_break(&mut self) {
        self.pending = 3;
    }

    /// The text written.
    pub(super) fn finish(self) -> String {
        self.out
    }
}
