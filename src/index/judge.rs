//! Judging one article against the index: its near-duplicates (from the
//! signature's bands, verified on the stored texts), else the boilerplate
//! it carries and the passages it shares with admitted articles (from the
//! anchor postings, aligned as `scan` aligns them).

use super::tables::Access;
use super::*;
use crate::passages::{anchor_weight, shared_anchors, DocUnits};
use crate::read::Timestamp;

impl Index {
    pub(super) fn stored_hash(
        &self,
        docs: &impl ReadableTable<u64, &'static [u8]>,
        key: u64,
    ) -> Result<Option<u64>, Error> {
        Ok(docs
            .get(key)
            .map_err(|e| self.err(e))?
            .and_then(|v| decode_record(v.value()).map(|r| r.content_hash)))
    }

    /// The verdict for `doc` against every admitted article except `skip`:
    /// its near-duplicates; when it has none, the passages it shares.
    pub(super) fn judge<T: Access>(
        &self,
        t: &Tables<T>,
        doc: &Document,
        fp: &Fingerprint,
        skip: Option<u64>,
    ) -> Result<Verdict, Error> {
        let when = Window::around(self.window, doc);
        let duplicate_of = self.near_duplicates(t, fp, skip, &when)?;
        if !duplicate_of.is_empty() {
            // A near-duplicate's passages are the whole text again: the
            // verdict is `duplicate`, with no passage list.
            return Ok(Verdict {
                id: doc.id.clone(),
                kind: VerdictKind::Duplicate,
                admitted: false,
                duplicate_of,
                passages: Vec::new(),
            });
        }
        // Passages: winnowed-anchor candidates, aligned with the passage
        // stage on the pair; boilerplate paragraphs (frequent in the index)
        // are left out on both sides.
        let me = i64::from(skip.is_none());
        let my_frequent = self.boilerplate_units(t, fp, me)?;
        let (ranked, held) = self.passage_candidates(t, fp, &my_frequent, skip)?;
        let articles = t.docs.len().map_err(|e| self.err(e))? as i64 + me;
        let weigh = Weigh {
            held: &held,
            me,
            articles: articles as f64,
        };
        let passages = self.align_candidates(t, fp, &my_frequent, ranked, &weigh, &when)?;
        let kind = if !passages.is_empty() {
            VerdictKind::Reposts
        } else {
            VerdictKind::New
        };
        Ok(Verdict {
            id: doc.id.clone(),
            kind,
            admitted: false,
            duplicate_of,
            passages,
        })
    }

    /// The admitted articles (but `skip`) sharing a band key with `fp`
    /// whose exact Jaccard reaches the threshold, most similar first.
    pub(super) fn near_duplicates<T: Access>(
        &self,
        t: &Tables<T>,
        fp: &Fingerprint,
        skip: Option<u64>,
        when: &Window,
    ) -> Result<Vec<DuplicateOf>, Error> {
        let p = &self.params;
        // Near-duplicates: band-key candidates, exact Jaccard on their text.
        let mut candidates: Vec<u64> = Vec::new();
        let mut found = Vec::new();
        for &k in &fp.band_keys {
            t.postings(&t.bands, Kind::Bands, k, usize::MAX, &mut found)
                .map_err(|e| self.err(e))?;
            candidates.extend(found.iter().map(|p| p & u64::from(u32::MAX)));
        }
        candidates.sort_unstable();
        candidates.dedup();
        candidates.retain(|&k| Some(k) != skip);
        let mut duplicate_of = Vec::new();
        let mine = if candidates.is_empty() {
            ShingleSet::default()
        } else {
            ShingleSet::from_hashes(fp.shingle_hashes.clone())
        };
        for key in candidates {
            if !self.in_window(t, key, when)? {
                continue;
            }
            let Some((id, text)) = self.load(&t.docs, &t.texts, key)? else {
                continue;
            };
            let jaccard = mine.jaccard(&shingle_set(p, &text));
            if jaccard >= p.threshold {
                duplicate_of.push(DuplicateOf { id, jaccard });
            }
        }
        duplicate_of.sort_by(|a, b| {
            b.jaccard
                .total_cmp(&a.jaccard)
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok(duplicate_of)
    }

    /// For each of `fp`'s units, whether it is left out of the passage
    /// search: boilerplate (frequent among admitted articles, or a known
    /// line) or a template's filling ([`Self::fills_a_template`]). `me` is
    /// 1 when the article is not admitted yet (it is one more article
    /// holding its paragraphs), else 0.
    pub(super) fn boilerplate_units<T: Access>(
        &self,
        t: &Tables<T>,
        fp: &Fingerprint,
        me: i64,
    ) -> Result<Vec<bool>, Error> {
        let min_docs =
            auto_boilerplate_min_docs(t.docs.len().map_err(|e| self.err(e))? as usize) as i64;
        // Each paragraph's count, read once: it decides frequency here and
        // is the text count of the template rule below.
        let counts: Vec<i64> = fp
            .unit_fps
            .iter()
            .map(|f| t.paragraph_count(post(*f)).map_err(|e| self.err(e)))
            .collect::<Result<_, _>>()?;
        let mut my_frequent: Vec<bool> = counts.iter().map(|&n| n >= min_docs).collect();
        if !self.known.is_empty() {
            for ((u, f), flag) in fp.doc.units.iter().zip(&fp.unit_fps).zip(&mut my_frequent) {
                let words: Vec<u64> = fp.doc.words[u.start as usize..u.end as usize]
                    .iter()
                    .map(|w| w.hash)
                    .collect();
                *flag |= self.known.matches(&words, *f).is_some();
            }
        }
        for ((flag, &text), shape) in my_frequent.iter_mut().zip(&counts).zip(&fp.unit_shapes) {
            if let (false, Some(shape)) = (*flag, shape) {
                *flag = self.fills_a_template(t, *shape, text + me, me)?;
            }
        }
        Ok(my_frequent)
    }

    /// Whether a paragraph of shape `shape`, whose exact text `text`
    /// articles hold (this one included), fills a template among the admitted articles (and this one, `me`),
    /// by the scan's rule (`crate::passages::templates`): the shape is in
    /// enough articles, and they hold at least half as many different
    /// texts. The index counts articles by paragraph and by shape, not the
    /// texts of a shape; the number of texts is taken at the most the
    /// counts allow — one for this paragraph's, and one for each other
    /// article holding the shape (`shape` articles − `text` articles + 1).
    /// So a formula whose figures change is a template as in `scan`, and a
    /// paragraph reposted word for word stays a passage; a repost with one
    /// figure corrected, which the scan keeps as a passage (its texts are
    /// two), is taken for a template in the corrected article (its
    /// alignment with the original would stop at the figure anyway).
    fn fills_a_template<T: Access>(
        &self,
        t: &Tables<T>,
        shape: u64,
        text: i64,
        me: i64,
    ) -> Result<bool, Error> {
        let holding = t.paragraph_count(post(shape)).map_err(|e| self.err(e))? + me;
        if holding < MIN_TEMPLATE_FAMILIES as i64 {
            return Ok(false);
        }
        let texts = holding - text + 1;
        Ok(is_template_fill(holding as usize, texts.max(1) as usize))
    }

    /// The admitted articles (but `skip`) sharing the most anchors of
    /// `fp`'s units that are not boilerplate, most first (ties by key):
    /// the head of them, with room for removed articles. With them, each
    /// anchor queried and the number of its postings (a stock phrase's
    /// taken as [`MAX_ANCHOR_DOCS`]), by anchor.
    pub(super) fn passage_candidates<T: Access>(
        &self,
        t: &Tables<T>,
        fp: &Fingerprint,
        my_frequent: &[bool],
        skip: Option<u64>,
    ) -> Result<(Counted, Counted), Error> {
        let mut found = Vec::new();
        // Query only anchors of paragraphs that are not boilerplate: chrome
        // shared with a whole site would otherwise rank every article of
        // that site above the real source, and cost thousands of postings.
        let mut query: Vec<u64> = fp
            .unit_anchors
            .iter()
            .zip(my_frequent)
            .filter(|(_, &f)| !f)
            .flat_map(|(a, _)| a.iter().copied())
            .collect();
        query.sort_unstable();
        query.dedup();
        // Documents by shared anchors. A check can count tens of thousands
        // of hits (anchors shared with up to MAX_ANCHOR_DOCS articles):
        // they go to this thread's tally, an array indexed by document key
        // kept between checks (sorting them took a sixth of a served
        // check).
        let mut held = Vec::with_capacity(query.len());
        let head = 4 * MAX_PASSAGE_CANDIDATES;
        let order = |a: &(u64, u32), b: &(u64, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        let mut ranked = TALLY.with(|tally| -> Result<Vec<(u64, u32)>, Error> {
            let tally = &mut *tally.borrow_mut();
            tally.clear();
            for &a in &query {
                let usable = t
                    .postings(&t.anchors, Kind::Anchors, a, MAX_ANCHOR_DOCS, &mut found)
                    .map_err(|e| self.err(e))?;
                if !usable {
                    held.push((a, MAX_ANCHOR_DOCS as u32));
                    continue;
                }
                held.push((a, found.len() as u32));
                for p in &found {
                    let key = p & u64::from(u32::MAX);
                    if Some(key) != skip {
                        tally.add(key);
                    }
                }
            }
            // Only the head is needed in order (with room for removed
            // articles, which are skipped).
            let ranked = tally.counts(head);
            if ranked.len() > head {
                ranked.select_nth_unstable_by(head, order);
                ranked.truncate(head);
            }
            Ok(ranked.clone())
        })?;
        ranked.sort_unstable_by(order);
        Ok((ranked, held))
    }

    /// The passages `fp` (without its boilerplate units) shares with the
    /// first [`MAX_PASSAGE_CANDIDATES`] of `ranked` still admitted, by
    /// position in `fp`'s text.
    pub(super) fn align_candidates<T: Access>(
        &self,
        t: &Tables<T>,
        fp: &Fingerprint,
        my_frequent: &[bool],
        ranked: Vec<(u64, u32)>,
        weigh: &Weigh,
        when: &Window,
    ) -> Result<Vec<PassageMatch>, Error> {
        let p = &self.params;
        let mine = keep_units(fp.doc.clone(), my_frequent);
        // This article's anchors are computed once, then each candidate is
        // aligned with it as the passage stage would align the pair.
        let mut probe = PassageProbe::new(&mine, &PassageOptions::default());
        let mut passages = Vec::new();
        // Postings of removed articles name no document: skipped, not
        // counted against the candidate limit.
        let mut aligned = 0;
        for (key, _) in ranked {
            if aligned == MAX_PASSAGE_CANDIDATES {
                break;
            }
            if !self.in_window(t, key, when)? {
                continue;
            }
            let Some((id, text)) = self.load(&t.docs, &t.texts, key)? else {
                continue;
            };
            aligned += 1;
            // The candidate's paragraphs are not looked up: they can only
            // align with this article's non-boilerplate ones, and one that
            // is frequent in the index would have made this one frequent.
            let other = words_and_units(p, &text);
            for s in probe.shared_with(&other) {
                let significance = weigh.passage(p, fp, &mine, &s.a_span, &other, &s.b_span);
                passages.push(PassageMatch {
                    id: id.clone(),
                    span: (s.a_span.start, s.a_span.end),
                    other_span: (s.b_span.start, s.b_span.end),
                    similarity: s.similarity,
                    significance,
                });
            }
        }
        passages.sort_by(|a, b| (a.span, &a.id, a.other_span).cmp(&(b.span, &b.id, b.other_span)));
        Ok(passages)
    }

    /// Whether admitted article `key` is dated within `when` (always, when
    /// there is no window).
    fn in_window<T: Access>(&self, t: &Tables<T>, key: u64, when: &Window) -> Result<bool, Error> {
        let Window::Around { at, seconds } = *when else {
            return Ok(true);
        };
        let record = t.docs.get(key).map_err(|e| self.err(e))?;
        let date = record.and_then(|v| decode_record(v.value()).and_then(|r| r.date));
        Ok(date.is_some_and(|d| d.abs_diff(at) <= seconds))
    }

    pub(super) fn load(
        &self,
        docs: &impl ReadableTable<u64, &'static [u8]>,
        texts: &impl ReadableTable<u64, &'static [u8]>,
        key: u64,
    ) -> Result<Option<(String, String)>, Error> {
        Ok(read_stored(docs, texts, key)
            .map_err(|e| self.err(e))?
            .map(|s| (s.id, s.text)))
    }
}

/// Keys (documents, anchors) with a count.
type Counted = Vec<(u64, u32)>;

/// What a verdict's passages weigh: as the scan's significance
/// (`crate::passages::significance`), the sum over the anchors a passage
/// shares of `ln(1 + N / df)`, with `N` the admitted articles (and this
/// one) and `df` the articles holding the anchor. The index keeps only
/// each paragraph's winnowed anchors, so `df` is known for those this
/// article's own winnowing picked — a sample of its anchors chosen by
/// hash, not by frequency — and the passage's weight is its number of
/// shared anchors times their mean weight over that sample: the shared
/// ones picked, else those of the paragraphs the passage lies in, else
/// (a paragraph with no anchor held anywhere) the weight of an anchor
/// found in the two articles only.
pub(super) struct Weigh<'a> {
    /// Each anchor queried, with its number of postings, by anchor.
    held: &'a [(u64, u32)],
    /// 1 when this article is not admitted (its postings are not counted).
    me: i64,
    articles: f64,
}

impl Weigh<'_> {
    fn weight(&self, anchor: u64) -> Option<f64> {
        let i = self.held.binary_search_by_key(&anchor, |h| h.0).ok()?;
        let df = i64::from(self.held[i].1).max(1) + self.me;
        Some(anchor_weight(self.articles, df as u32))
    }

    /// The weight of the passage at `span` of `mine` (the article, `fp`,
    /// without its boilerplate units) and `other_span` of `other`.
    fn passage(
        &self,
        p: &IndexParams,
        fp: &Fingerprint,
        mine: &DocUnits,
        span: &std::ops::Range<u32>,
        other: &DocUnits,
        other_span: &std::ops::Range<u32>,
    ) -> f64 {
        let (a, b) = (words_in(mine, span), words_in(other, other_span));
        let shared = shared_anchors(mine, a.clone(), other, b, p.anchor_words);
        let mean = |w: Vec<f64>| (!w.is_empty()).then(|| w.iter().sum::<f64>() / w.len() as f64);
        let picked = mean(shared.iter().filter_map(|&g| self.weight(g)).collect());
        let around = || {
            let units = fp.doc.units.iter().zip(&fp.unit_anchors);
            let near = units.filter(|(u, _)| u.start < a.end && a.start < u.end);
            mean(
                near.flat_map(|(_, g)| g.iter().filter_map(|&g| self.weight(g)))
                    .collect(),
            )
        };
        let pair = || anchor_weight(self.articles, (1 + self.me) as u32);
        shared.len() as f64 * picked.or_else(around).unwrap_or_else(pair)
    }
}

/// The words of `doc` that lie in byte span `span`.
fn words_in(doc: &DocUnits, span: &std::ops::Range<u32>) -> std::ops::Range<u32> {
    let at = |b: u32| doc.words.partition_point(|w| w.start < b) as u32;
    at(span.start)..at(span.end)
}

/// The time window a verdict matches admitted articles in
/// ([`Index::set_window`]).
pub(super) enum Window {
    /// Every admitted article.
    Any,
    /// Those dated at most `seconds` from `at` (seconds since 1970).
    Around { at: i64, seconds: u64 },
}

impl Window {
    /// The window of `window` seconds around `doc`'s date, or around now
    /// for an undated article.
    fn around(window: Option<u64>, doc: &Document) -> Self {
        match window {
            None => Window::Any,
            Some(seconds) => Window::Around {
                at: doc.date.unwrap_or_else(Timestamp::now).as_second(),
                seconds,
            },
        }
    }
}
