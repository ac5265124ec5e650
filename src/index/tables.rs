//! The index's tables and how postings and records are encoded in them:
//! table definitions, the posting layout, document records, key
//! allocation, and writing and removing an article's postings.

use std::sync::Arc;

use redb::{ReadableTable, TableDefinition};

use crate::read::Document;

use super::fingerprint::{fingerprint_text, Fingerprint, Keys};
use super::segment::{self, BlockCache, Blocks, Kind, Resident, Segment};
use super::{IndexParams, SATURATED};

pub(super) const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
/// The `meta` key of the first document a bulk load stored without its
/// postings yet (see [`super::Index::admit_batches`]); absent when every document
/// is indexed.
pub(super) const UNINDEXED: &str = "unindexed";
/// Document key → record: content hash, id and where the text is (see
/// [`encode_record`]).
pub(super) const DOCS: TableDefinition<u64, &[u8]> = TableDefinition::new("docs");
/// Text group (the key of its first document) → the LZ4 blocks of its
/// documents' texts, one after another. A bulk batch packs consecutive
/// documents into groups of up to [`GROUP_BYTES`]: one value a page instead
/// of one per text, whose sizes fit redb's power-of-two pages badly (the
/// docs table was half again the size of the texts it held) and each of
/// which was a B-tree entry to write. A single admit's text is a group of
/// its own. A group goes when its last document does.
pub(super) const TEXTS: TableDefinition<u64, &[u8]> = TableDefinition::new("texts");
/// Bytes of texts a group holds at most (unless one text is larger): with
/// its key and redb's leaf header, a 32 KiB page. A candidate's text is
/// read with its group, a single page.
pub(super) const GROUP_BYTES: usize = 32 * 1024 - 64;
pub(super) const IDS: TableDefinition<&str, u64> = TableDefinition::new("ids");
/// Postings: high 32 bits of a band key or anchor, then the document key,
/// packed in a `u64` (see [`posting`]) → ().
/// A plain table of fixed-width keys costs a fraction of a multimap entry;
/// two keys sharing their high half only add a candidate, which is then
/// verified exactly.
pub(super) const BANDS: TableDefinition<u64, ()> = TableDefinition::new("bands");
pub(super) const ANCHORS: TableDefinition<u64, ()> = TableDefinition::new("anchors");

/// A posting: the high half of a band key or anchor above a document key,
/// as one `u64` (one integer comparison per B-tree step).
pub(super) fn posting(h: u64, key: u64) -> u64 {
    (u64::from(post(h)) << 32) | u64::from(key32(key))
}

/// All postings of `h`.
pub(super) fn postings_of(h: u64) -> std::ops::RangeInclusive<u64> {
    let base = u64::from(post(h)) << 32;
    base..=base | u64::from(u32::MAX)
}
/// High 32 bits of a paragraph fingerprint → number of documents with it,
/// besides those counted in segments (negative after removing articles
/// loaded in bulk).
pub(super) const UNITS: TableDefinition<u32, i64> = TableDefinition::new("units");

/// The posting-key half of a 64-bit band key, anchor or fingerprint.
pub(super) fn post(h: u64) -> u32 {
    (h >> 32) as u32
}

/// A document key as stored in postings.
pub(super) fn key32(key: u64) -> u32 {
    // Keys are sequential from 0; `check_capacity` refuses u32::MAX and
    // above (`SATURATED` is a marker).
    key as u32
}

/// Refuses document keys that postings could not hold.
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn check_capacity(last_key: u64) -> Result<(), redb::Error> {
    // The largest key is `SATURATED`, a marker.
    if last_key >= SATURATED {
        return Err(redb::Error::Corrupted(format!(
            "the index is full ({SATURATED} documents)"
        )));
    }
    Ok(())
}

/// The table types of one kind of transaction, so that code reading
/// either kind names one type parameter, not one per table.
pub(super) trait Access {
    /// Key → bytes: documents, texts, segment blocks.
    type Bytes: ReadableTable<u64, &'static [u8]>;
    /// Id → document key.
    type Ids: ReadableTable<&'static str, u64>;
    /// Postings: band keys, anchors.
    type Postings: ReadableTable<u64, ()>;
    /// Paragraph counts.
    type Counts: ReadableTable<u32, i64>;
}

/// The tables of a write transaction (admitting reads them too).
pub(super) struct Write<'t>(std::marker::PhantomData<&'t ()>);

impl<'t> Access for Write<'t> {
    type Bytes = redb::Table<'t, u64, &'static [u8]>;
    type Ids = redb::Table<'t, &'static str, u64>;
    type Postings = redb::Table<'t, u64, ()>;
    type Counts = redb::Table<'t, u32, i64>;
}

/// The tables of a read transaction (checks).
pub(super) struct Read;

impl Access for Read {
    type Bytes = redb::ReadOnlyTable<u64, &'static [u8]>;
    type Ids = redb::ReadOnlyTable<&'static str, u64>;
    type Postings = redb::ReadOnlyTable<u64, ()>;
    type Counts = redb::ReadOnlyTable<u32, i64>;
}

/// The tables a verdict reads, and the segments of the snapshot.
pub(super) struct Tables<T: Access> {
    pub(super) docs: T::Bytes,
    pub(super) texts: T::Bytes,
    pub(super) ids: T::Ids,
    pub(super) bands: T::Postings,
    pub(super) anchors: T::Postings,
    pub(super) units: T::Counts,
    /// Each segment's table, in the order of `segs`.
    pub(super) blocks: Vec<T::Bytes>,
    pub(super) segs: Vec<Segment>,
    /// The index's block cache, for tables of a read transaction only
    /// (see [`BlockCache`]).
    pub(super) cache: Option<Arc<BlockCache>>,
    /// The resident form of each segment, in the order of `segs` (read
    /// transactions only).
    pub(super) residents: Vec<Option<Arc<Resident>>>,
}

pub(super) type WriteTables<'t> = Tables<Write<'t>>;

impl<T: Access> Tables<T> {
    /// Appends every posting of `h` to `out` (cleared first): the B-tree's
    /// (`btree`, the table of `kind`), then each segment's. `false` (and
    /// `out` incomplete) when there are more than `limit`.
    // See `open_write_tables`.
    #[allow(clippy::result_large_err)]
    pub(super) fn postings(
        &self,
        btree: &impl ReadableTable<u64, ()>,
        kind: Kind,
        h: u64,
        limit: usize,
        out: &mut Vec<u64>,
    ) -> Result<bool, redb::Error> {
        out.clear();
        for entry in btree.range(postings_of(h))? {
            if out.len() == limit {
                return Ok(false);
            }
            out.push(entry?.0.value());
        }
        self.segment_postings(kind, postings_of(h), limit, out)
    }

    /// Appends each segment's postings of `kind` in `range` to `out`;
    /// `false` (and `out` incomplete) when that makes more than `limit`.
    // See `open_write_tables`.
    #[allow(clippy::result_large_err)]
    pub(super) fn segment_postings(
        &self,
        kind: Kind,
        range: std::ops::RangeInclusive<u64>,
        limit: usize,
        out: &mut Vec<u64>,
    ) -> Result<bool, redb::Error> {
        for (i, (s, table)) in self.segs.iter().zip(&self.blocks).enumerate() {
            let blocks = match (self.residents.get(i), self.cache.as_deref()) {
                (Some(Some(res)), _) => Blocks::Resident(res),
                (_, Some(cache)) => Blocks::Cached(cache),
                (_, None) => Blocks::Uncached,
            };
            if !segment::lookup(table, s, kind, range.clone(), limit, out, blocks)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// How many admitted articles have a paragraph with fingerprint `fp`.
    // See `open_write_tables`.
    #[allow(clippy::result_large_err)]
    pub(super) fn paragraph_count(&self, fp: u32) -> Result<i64, redb::Error> {
        let n = self.units.get(fp)?.map_or(0, |c| c.value());
        let base = u64::from(fp) << 32;
        let mut found = Vec::new();
        let range = base..=base | u64::from(u32::MAX);
        self.segment_postings(Kind::Units, range, usize::MAX, &mut found)?;
        Ok(n + found
            .iter()
            .map(|p| (p & u64::from(u32::MAX)) as i64)
            .sum::<i64>())
    }
}

/// The first document a bulk load stored without indexing it (see
/// [`UNINDEXED`]), if any.
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn unindexed_from(
    meta: &impl ReadableTable<&'static str, &'static str>,
) -> Result<Option<u64>, redb::Error> {
    meta.get(UNINDEXED)?
        .map(|v| {
            v.value().parse::<u64>().map_err(|_| {
                redb::Error::Corrupted("unreadable mark of unindexed documents".into())
            })
        })
        .transpose()
}

/// The keys of the documents in `ids`, as a bitmap.
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn live_keys(
    ids: &impl ReadableTable<&'static str, u64>,
) -> Result<Vec<u64>, redb::Error> {
    let mut live: Vec<u64> = Vec::new();
    for entry in ids.iter()? {
        let key = entry?.1.value() as usize;
        if live.len() <= key / 64 {
            live.resize(key / 64 + 1, 0);
        }
        live[key / 64] |= 1 << (key % 64);
    }
    Ok(live)
}

/// Whether `key` is in the bitmap of [`live_keys`].
pub(super) fn is_live(live: &[u64], key: u64) -> bool {
    let key = key as usize;
    live.get(key / 64)
        .is_some_and(|w| w & (1 << (key % 64)) != 0)
}

/// Reserves `n` document keys; keys are never handed out twice, even after
/// the article holding one is removed (segments may still name it).
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn allocate_keys(txn: &redb::WriteTransaction, n: u64) -> Result<u64, redb::Error> {
    let after_last = txn
        .open_table(DOCS)?
        .last()?
        .map_or(0, |(k, _)| k.value() + 1);
    let mut meta = txn.open_table(META)?;
    let stored = meta
        .get("next_key")?
        .and_then(|v| v.value().parse::<u64>().ok())
        .unwrap_or(0);
    let first = stored.max(after_last);
    check_capacity(first + n.saturating_sub(1))?;
    meta.insert("next_key", (first + n).to_string().as_str())?;
    Ok(first)
}

// redb's own error type, straight from `?` on redb calls; the public API
// wraps it into `Error::Index` with the file name.
#[allow(clippy::result_large_err)]
pub(super) fn open_write_tables(
    txn: &redb::WriteTransaction,
) -> Result<WriteTables<'_>, redb::Error> {
    let segs = segment::list(&txn.open_table(segment::SEGMENTS)?)?;
    Ok(Tables {
        docs: txn.open_table(DOCS)?,
        texts: txn.open_table(TEXTS)?,
        ids: txn.open_table(IDS)?,
        bands: txn.open_table(BANDS)?,
        anchors: txn.open_table(ANCHORS)?,
        units: txn.open_table(UNITS)?,
        blocks: segment::open_write(txn, &segs)?,
        segs,
        cache: None,
        residents: Vec::new(),
    })
}

pub(super) type ReadTables = Tables<Read>;

// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn open_read_tables(
    txn: &redb::ReadTransaction,
    cache: &Arc<BlockCache>,
) -> Result<ReadTables, redb::Error> {
    let segs = segment::list(&txn.open_table(segment::SEGMENTS)?)?;
    Ok(Tables {
        docs: txn.open_table(DOCS)?,
        texts: txn.open_table(TEXTS)?,
        ids: txn.open_table(IDS)?,
        bands: txn.open_table(BANDS)?,
        anchors: txn.open_table(ANCHORS)?,
        units: txn.open_table(UNITS)?,
        blocks: segment::open_read(txn, &segs)?,
        residents: cache.residents(&segs),
        segs,
        cache: Some(Arc::clone(cache)),
    })
}

// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn insert(
    txn: &redb::WriteTransaction,
    doc: &Document,
    fp: &Fingerprint,
) -> Result<(), redb::Error> {
    let key = allocate_keys(txn, 1)?;
    let mut t = open_write_tables(txn)?;
    let compressed = lz4_flex::compress_prepend_size(doc.text.as_bytes());
    t.texts.insert(key, compressed.as_slice())?;
    let date = doc.date.map(|d| d.as_second());
    let record = encode_record(
        &doc.id,
        fp.content_hash,
        key,
        0,
        compressed.len() as u64,
        date,
    );
    t.docs.insert(key, record.as_slice())?;
    t.ids.insert(doc.id.as_str(), key)?;
    for &b in &fp.band_keys {
        t.bands.insert(posting(b, key), ())?;
    }
    for &a in &fp.anchors {
        t.anchors.insert(posting(a, key), ())?;
    }
    let mut fps: Vec<u32> = fp.counted().map(post).collect();
    fps.sort_unstable();
    fps.dedup();
    for f in fps {
        let count = t.units.get(f)?.map_or(0, |c| c.value());
        t.units.insert(f, count + 1)?;
    }
    Ok(())
}

/// Stores `docs[i]` for every `i` in `chosen`: texts and ids in the
/// B-trees (keys sorted, which keeps redb's inserts local), postings as one
/// new segment — or, for a `bulk` load, not yet: their runs are returned
/// (see [`runs_of`]) and the documents marked unindexed. `None`: nothing
/// to hold.
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn insert_sorted(
    txn: &redb::WriteTransaction,
    ids: &[String],
    prepared: &[(Keys, Vec<u8>)],
    chosen: &[usize],
    bulk: bool,
) -> Result<Option<Runs>, redb::Error> {
    if chosen.is_empty() {
        return Ok(None);
    }
    let first = allocate_keys(txn, chosen.len() as u64)?;
    let keyed: Vec<(u64, usize)> = chosen
        .iter()
        .enumerate()
        .map(|(n, &i)| (first + n as u64, i))
        .collect();
    {
        // Consecutive texts packed into groups, each keyed by its first
        // document; both tables written in key order.
        let mut records: Vec<Vec<u8>> = Vec::with_capacity(keyed.len());
        let mut texts = txn.open_table(TEXTS)?;
        let mut group: Vec<u8> = Vec::with_capacity(GROUP_BYTES);
        let mut group_key = first;
        for &(key, i) in &keyed {
            let compressed = &prepared[i].1;
            if !group.is_empty() && group.len() + compressed.len() > GROUP_BYTES {
                texts.insert(group_key, group.as_slice())?;
                group.clear();
            }
            if group.is_empty() {
                group_key = key;
            }
            records.push(encode_record(
                &ids[i],
                prepared[i].0.content_hash,
                group_key,
                group.len() as u64,
                compressed.len() as u64,
                prepared[i].0.date,
            ));
            group.extend_from_slice(compressed);
        }
        if !group.is_empty() {
            texts.insert(group_key, group.as_slice())?;
        }
        let mut docs = txn.open_table(DOCS)?;
        for (&(key, _), record) in keyed.iter().zip(&records) {
            docs.insert(key, record.as_slice())?;
        }
    }
    {
        let mut table = txn.open_table(IDS)?;
        let mut sorted: Vec<(&str, u64)> =
            keyed.iter().map(|&(k, i)| (ids[i].as_str(), k)).collect();
        sorted.sort_unstable();
        for (id, key) in sorted {
            table.insert(id, key)?;
        }
    }
    let runs = runs_of(keyed.iter().map(|&(key, i)| (key, &prepared[i].0)));
    if bulk {
        // The postings stay in memory until the load writes them; the
        // mark says which documents a crash would leave unindexed.
        let mut meta = txn.open_table(META)?;
        if meta.get(UNINDEXED)?.is_none() {
            meta.insert(UNINDEXED, first.to_string().as_str())?;
        }
        return Ok(Some(runs));
    }
    let [bands, anchors, units] = &runs;
    let counts: Vec<u64> = units
        .chunk_by(|a, b| a >> 32 == b >> 32)
        .map(|c| (c[0] & !u64::from(u32::MAX)) | c.len() as u64)
        .collect();
    let id = segment::next_id(txn)?;
    segment::write(txn, id, [bands, anchors, &counts])?;
    Ok(None)
}

/// A bulk load's postings held in memory (see [`runs_of`]).
pub(super) type Runs = [Vec<u64>; 3];

/// The postings of `docs` (key and keys of each, in ascending key order)
/// as a bulk load holds them: band and anchor postings, and paragraph
/// postings (`fingerprint << 32 | key`, a paragraph once per document),
/// each kind sorted.
pub(super) fn runs_of<'a>(docs: impl Iterator<Item = (u64, &'a Keys)> + Clone) -> Runs {
    // Sized up front: growing them copied and faulted in fresh pages.
    let sum = |f: fn(&Keys) -> usize| docs.clone().map(|(_, k)| f(k)).sum();
    let mut bands: Vec<u64> = Vec::with_capacity(sum(|k| k.band_keys.len()));
    let mut anchors: Vec<u64> = Vec::with_capacity(sum(|k| k.anchors.len()));
    let mut units: Vec<u64> = Vec::with_capacity(sum(|k| k.unit_fps.len() + k.shapes.len()));
    for (key, fp) in docs {
        bands.extend(fp.band_keys.iter().map(|&b| posting(b, key)));
        anchors.extend(fp.anchors.iter().map(|&a| posting(a, key)));
        units.extend(fp.counted().map(|f| posting(f, key)));
    }
    for run in [&mut bands, &mut anchors, &mut units] {
        sort_postings(run);
        run.dedup();
    }
    [bands, anchors, units]
}

/// Sorts postings that were pushed in ascending document key (the low
/// half): a stable sort by their hash half then leaves each hash's
/// documents ascending, so one radix sort on 32 bits sorts them fully —
/// several times faster than a comparison sort on 64.
pub(super) fn sort_postings(postings: &mut [u64]) {
    radsort::sort_by_key(postings, |&p| (p >> 32) as u32);
    debug_assert!(postings.windows(2).all(|w| w[0] <= w[1]));
}

/// Removes document `key` and everything derived from it (recomputed from
/// its stored text).
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn remove_key(
    txn: &redb::WriteTransaction,
    key: u64,
    params: &IndexParams,
) -> Result<(), redb::Error> {
    let mut t = open_write_tables(txn)?;
    let Some(Stored { id, text, group }) = read_stored(&t.docs, &t.texts, key)? else {
        return Ok(());
    };
    let fp = fingerprint_text(params, &text);
    let mut in_btrees = false;
    for &b in &fp.band_keys {
        in_btrees |= t.bands.remove(posting(b, key))?.is_some();
    }
    for &a in &fp.anchors {
        in_btrees |= t.anchors.remove(posting(a, key))?.is_some();
    }
    // A document a bulk load still holds in memory (stored after the
    // mark, not admitted alone) has no counts anywhere yet: the load
    // leaves it out when it writes them. (An article too short for band
    // keys or anchors, admitted alone during a load, is taken for one.)
    let unindexed = unindexed_from(&txn.open_table(META)?)?;
    let held = unindexed.is_some_and(|first| key >= first) && !in_btrees;
    let mut fps: Vec<u32> = fp.counted().map(post).collect();
    fps.sort_unstable();
    fps.dedup();
    if held {
        fps.clear();
    }
    // The count may live in a segment: the B-tree holds the change.
    for f in fps {
        let count = t.units.get(f)?.map_or(0, |c| c.value()) - 1;
        if count == 0 {
            t.units.remove(f)?;
        } else {
            t.units.insert(f, count)?;
        }
    }
    t.ids.remove(id.as_str())?;
    t.docs.remove(key)?;
    // The group holds the texts of the documents keyed from it up to the
    // next group; it goes with the last of them.
    let next_group = t.texts.range(group + 1..)?.next().transpose()?;
    let end = next_group.map_or(u64::MAX, |(k, _)| k.value());
    if t.docs.range(group..end)?.next().is_none() {
        t.texts.remove(group)?;
    }
    Ok(())
}

pub(super) struct Record<'a> {
    pub(super) id: &'a str,
    pub(super) content_hash: u64,
    /// The text group holding the text, and where in it the text's LZ4
    /// block is.
    pub(super) group: u64,
    pub(super) offset: u64,
    pub(super) len: u64,
    /// The article's date, in seconds since 1970 (UTC), when it has one.
    pub(super) date: Option<i64>,
}

/// Record layout: content hash, text group, offset and length of the
/// text's LZ4 block in the group (u64 LE each), id length (u32 LE), id
/// (UTF-8), then, for a dated article, its date in seconds since 1970
/// (i64 LE). A record without the date (every record of an index written
/// before dates were kept) is an undated article.
pub(super) fn encode_record(
    id: &str,
    content_hash: u64,
    group: u64,
    offset: u64,
    len: u64,
    date: Option<i64>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(44 + id.len());
    for n in [content_hash, group, offset, len] {
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(&(id.len() as u32).to_le_bytes());
    out.extend_from_slice(id.as_bytes());
    if let Some(d) = date {
        out.extend_from_slice(&d.to_le_bytes());
    }
    out
}

pub(super) fn decode_record(bytes: &[u8]) -> Option<Record<'_>> {
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let len = u32::from_le_bytes(bytes.get(32..36)?.try_into().ok()?) as usize;
    Some(Record {
        content_hash: u64_at(0)?,
        group: u64_at(8)?,
        offset: u64_at(16)?,
        len: u64_at(24)?,
        id: std::str::from_utf8(bytes.get(36..36 + len)?).ok()?,
        date: bytes
            .get(36 + len..44 + len)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes),
    })
}

/// An article read back from the index.
pub(super) struct Stored {
    pub(super) id: String,
    pub(super) text: String,
    /// The text group its text is in.
    pub(super) group: u64,
}

/// Reads back document `key` (`None`: no such document); a record or text
/// that does not decode is [`redb::Error::Corrupted`].
// See `open_write_tables`.
#[allow(clippy::result_large_err)]
pub(super) fn read_stored(
    docs: &impl ReadableTable<u64, &'static [u8]>,
    texts: &impl ReadableTable<u64, &'static [u8]>,
    key: u64,
) -> Result<Option<Stored>, redb::Error> {
    let Some(v) = docs.get(key)? else {
        return Ok(None);
    };
    let corrupt = |what: String| redb::Error::Corrupted(what);
    let r = decode_record(v.value())
        .ok_or_else(|| corrupt(format!("unreadable record of document key {key}")))?;
    let group = texts
        .get(r.group)?
        .ok_or_else(|| corrupt(format!("text group of document {} is missing", r.id)))?;
    let block = usize::try_from(r.offset)
        .ok()
        .zip(usize::try_from(r.offset + r.len).ok())
        .and_then(|(start, end)| group.value().get(start..end))
        .ok_or_else(|| corrupt(format!("text of document {} is out of its group", r.id)))?;
    let text = lz4_flex::decompress_size_prepended(block)
        .map_err(|e| corrupt(format!("corrupt text of document {}: {e}", r.id)))?;
    Ok(Some(Stored {
        id: r.id.to_owned(),
        group: r.group,
        text: String::from_utf8(text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }))
}
