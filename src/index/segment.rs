//! Posting segments: immutable sorted runs of postings, stored in redb as
//! blocks, for bulk loads.
//!
//! A B-tree insert per posting (about 120 per article) capped `index build`
//! at a tenth of `scan`'s rate. A bulk load instead holds its postings in
//! memory and writes them as one *segment* ([`write_memory`]), a redb
//! table of its own: for each kind of posting (bands, anchors, paragraph
//! counts), the sorted `u64`s cut into blocks by their top `bits` bits,
//! each block one value keyed by (kind, prefix), varint-coded
//! ([`encode_block`]). Writing is sequential; a lookup is one `get` of the
//! block that must hold the key, then a search in it ([`lower_bound`]) —
//! no in-memory state, so a one-shot `check` pays nothing to open. A table
//! per segment makes dropping one (after a merge) a table deletion rather
//! than a B-tree delete per block. A batch stored on its own ([`write`]) is
//! a segment of one block per kind.
//!
//! Segments are merged (chunk by chunk, in bounded memory, in one
//! transaction that adds the merged segment and drops its inputs) when a
//! load leaves more than one and by `index compact`, so a built index
//! answers with one lookup per key.
//! Single admits keep writing the B-tree tables; a lookup reads both.
//!
//! Contract: postings within a segment and kind are unique and sorted;
//! paragraph-count entries are `fingerprint << 32 | count` with one entry
//! per fingerprint per segment (merges add counts). An anchor the segment
//! holds in more than `MAX_ANCHOR_DOCS` documents — a stock phrase, which
//! lookups refuse — is stored as its single `SATURATED` marker posting
//! instead ([`saturate`]): about a tenth of the anchor postings of the
//! benchmark corpus, and blocks of thousands of postings that a check
//! would decode only to refuse them. Segments never change
//! after their transaction commits; a crash leaves either the inputs of a
//! merge or its output, never both or neither.

use std::sync::Arc;

use redb::{ReadableTable, TableDefinition};

/// Segment id → descriptor (see [`Segment::encode`]).
pub(super) const SEGMENTS: TableDefinition<u32, &[u8]> = TableDefinition::new("segments");

/// The name of segment `id`'s table: block key (see [`block_key`]) →
/// sorted postings, varint-coded (see [`encode_block`]).
fn table_name(id: u32) -> String {
    format!("segment-{id:010}")
}

/// Opens every segment's table in a read transaction.
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn open_read(
    txn: &redb::ReadTransaction,
    segs: &[Segment],
) -> Result<Vec<redb::ReadOnlyTable<u64, &'static [u8]>>, redb::Error> {
    segs.iter()
        .map(|s| Ok(txn.open_table(TableDefinition::new(&table_name(s.id)))?))
        .collect()
}

/// Opens every segment's table in a write transaction.
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn open_write<'t>(
    txn: &'t redb::WriteTransaction,
    segs: &[Segment],
) -> Result<Vec<redb::Table<'t, u64, &'static [u8]>>, redb::Error> {
    segs.iter()
        .map(|s| Ok(txn.open_table(TableDefinition::new(&table_name(s.id)))?))
        .collect()
}

/// Postings per block aimed at: a block is about 0.5 KB (see
/// [`encode_block`]), so a lookup reads one small value.
const BLOCK_TARGET: u64 = 128;
/// The low half of a posting: a document key (or a paragraph count).
const LOW_HALF: u64 = 0xffff_ffff;

/// Prefix bits at most (the block key has 30 bits for the prefix).
const MAX_BITS: u8 = 28;

/// What a run of postings indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// LSH band keys.
    Bands = 0,
    /// Passage anchors.
    Anchors = 1,
    /// Paragraph fingerprint counts.
    Units = 2,
}

pub(super) const KINDS: [Kind; 3] = [Kind::Bands, Kind::Anchors, Kind::Units];

/// One segment: per kind, how many entries and how many prefix bits cut it
/// into blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Segment {
    pub id: u32,
    pub counts: [u64; 3],
    pub bits: [u8; 3],
}

impl Segment {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(27);
        for k in 0..3 {
            out.push(self.bits[k]);
            out.extend_from_slice(&self.counts[k].to_le_bytes());
        }
        out
    }

    fn decode(id: u32, bytes: &[u8]) -> Option<Segment> {
        let mut s = Segment {
            id,
            counts: [0; 3],
            bits: [0; 3],
        };
        for k in 0..3 {
            let at = k * 9;
            s.bits[k] = *bytes.get(at)?;
            s.counts[k] = u64::from_le_bytes(bytes.get(at + 1..at + 9)?.try_into().ok()?);
        }
        Some(s)
    }
}

/// Prefix bits for `n` entries: blocks of about [`BLOCK_TARGET`].
fn bits_for(n: u64) -> u8 {
    bits_for_target(n, BLOCK_TARGET)
}

/// Prefix bits that cut `n` entries into parts of about `target`.
fn bits_for_target(n: u64, target: u64) -> u8 {
    let parts = n.div_ceil(target).max(1);
    (64 - (parts - 1).leading_zeros() as u8).min(MAX_BITS)
}

/// Postings a merge sorts at a time (8 MB).
const CHUNK: u64 = 1 << 20;

fn prefix(posting: u64, bits: u8) -> u64 {
    if bits == 0 {
        0
    } else {
        posting >> (64 - u32::from(bits))
    }
}

/// The block of `prefix` of `kind`: 2 bits of kind above 30 of prefix, so
/// the blocks of one kind are contiguous and in posting order.
fn block_key(kind: Kind, prefix: u64) -> u64 {
    ((kind as u64) << 30) | prefix
}

fn kind_range(kind: Kind) -> std::ops::RangeInclusive<u64> {
    block_key(kind, 0)..=block_key(kind, (1 << 30) - 1)
}

/// Every segment, oldest first.
// redb's own error type; the index wraps it with the file name.
#[allow(clippy::result_large_err)]
pub(super) fn list(
    segments: &impl ReadableTable<u32, &'static [u8]>,
) -> Result<Vec<Segment>, redb::Error> {
    let mut out = Vec::new();
    for entry in segments.iter()? {
        let (k, v) = entry?;
        let s = Segment::decode(k.value(), v.value()).ok_or_else(|| {
            redb::Error::Corrupted(format!("unreadable descriptor of segment {}", k.value()))
        })?;
        out.push(s);
    }
    Ok(out)
}

/// Decoded blocks of committed segments, shared by the readers of an
/// index, within one memory budget. A segment whose blocks all fit in
/// what the budget has left is held *resident* ([`Resident`]: a slot per
/// block, filled on first use, so a lookup is an array index); the blocks
/// of other segments go through a weighted cache (quick_cache: a hash
/// lookup, a shard lock and a reference count per lookup, which cost a
/// tenth of a served check at a million articles). Reading a block from
/// redb instead is a walk down the segment table's B-tree (four pages at a
/// million articles) and a decode.
///
/// Contract: only blocks read in *read* transactions are cached, so every
/// cached block belongs to a committed segment; committed segments never
/// change, and segment ids are never reused (see [`next_id`]), so a cached
/// block stays right for as long as anyone can ask for it. Blocks of
/// segments dropped by a merge are never asked for again: they age out of
/// the weighted cache, and resident segments are let go by the next
/// [`BlockCache::residents`] that does not list them.
pub(super) struct BlockCache {
    lru: quick_cache::sync::Cache<u64, Arc<[u64]>, BlockWeight>,
    residents: std::sync::Mutex<Residents>,
}

/// The resident segments and the budget they take from the weighted
/// cache.
struct Residents {
    held: Vec<Arc<Resident>>,
    budget: u64,
    reserved: u64,
}

/// A segment's blocks, decoded on first use into a slot per block
/// (indexed by the block's prefix), for as long as the segment is listed.
pub(super) struct Resident {
    id: u32,
    /// Bytes reserved from the budget: every posting decoded, and the
    /// slots.
    bytes: u64,
    slots: [Box<[Slot]>; 3],
}

/// A resident block: empty until a lookup first reads it.
type Slot = std::sync::OnceLock<Box<[u64]>>;

/// Bytes of one resident slot and of the allocation it may point to.
const SLOT_BYTES: u64 = 48;

impl Resident {
    fn bytes_for(seg: &Segment) -> u64 {
        (0..3)
            .map(|k| 8 * seg.counts[k] + SLOT_BYTES * (1u64 << seg.bits[k]))
            .sum()
    }
}

/// A cached block's weight: its postings' bytes and the entry's overhead.
#[derive(Clone)]
struct BlockWeight;

impl quick_cache::Weighter<u64, Arc<[u64]>> for BlockWeight {
    fn weight(&self, _: &u64, block: &Arc<[u64]>) -> u64 {
        8 * block.len() as u64 + 64
    }
}

impl BlockCache {
    /// A cache holding about `bytes` of blocks.
    pub(super) fn new(bytes: usize) -> BlockCache {
        // Blocks average about 1 KB. Many shards: every check looks up
        // a hundred or more blocks, and concurrent checks on shared shard
        // locks would bounce their cache lines between cores.
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity((bytes / 1024).max(16))
            .weight_capacity(bytes as u64)
            .shards(256)
            .build()
            // `build` refuses only a missing capacity; both are set.
            .expect("block cache options are complete");
        BlockCache {
            lru: quick_cache::sync::Cache::with_options(
                options,
                BlockWeight,
                Default::default(),
                Default::default(),
            ),
            residents: std::sync::Mutex::new(Residents {
                held: Vec::new(),
                budget: bytes as u64,
                reserved: 0,
            }),
        }
    }

    /// The resident form of each of `segs` (every segment of a snapshot,
    /// in order): those held already, and those that fit in what the
    /// budget has left, taken from the weighted cache's share; `None` for
    /// the others. Resident segments not in `segs` (dropped by a merge)
    /// are let go.
    pub(super) fn residents(&self, segs: &[Segment]) -> Vec<Option<Arc<Resident>>> {
        // A panic elsewhere cannot leave the list half-changed: take it.
        let mut r = self
            .residents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = r.reserved;
        let mut freed = 0;
        r.held.retain(|res| {
            let listed = segs.iter().any(|s| s.id == res.id);
            if !listed {
                freed += res.bytes;
            }
            listed
        });
        r.reserved -= freed;
        let out = segs
            .iter()
            .map(|seg| {
                if let Some(res) = r.held.iter().find(|res| res.id == seg.id) {
                    return Some(Arc::clone(res));
                }
                let bytes = Resident::bytes_for(seg);
                if r.reserved + bytes > r.budget {
                    return None;
                }
                r.reserved += bytes;
                let slots =
                    [0, 1, 2].map(|k| (0..1usize << seg.bits[k]).map(|_| Slot::new()).collect());
                let res = Arc::new(Resident {
                    id: seg.id,
                    bytes,
                    slots,
                });
                r.held.push(Arc::clone(&res));
                Some(res)
            })
            .collect();
        if r.reserved != before {
            self.lru.set_capacity(r.budget - r.reserved);
        }
        out
    }
}

/// Where a lookup finds a segment's decoded blocks.
#[derive(Clone, Copy)]
pub(super) enum Blocks<'a> {
    /// Decoded in place ([`BlockCache::residents`]).
    Resident(&'a Resident),
    /// In the index's weighted cache.
    Cached(&'a BlockCache),
    /// Read and decoded for this lookup only (write transactions: their
    /// blocks may never be committed).
    Uncached,
}

/// Appends to `out` every posting of `kind` in `range` held by `seg`,
/// whose table is `table`, unless that would make `out` longer than
/// `limit`: then `out` is left as it was and the answer is `false`.
/// `blocks` says where decoded blocks are kept (pass a cache or a
/// resident segment only for tables of a read transaction; see
/// [`BlockCache`]).
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn lookup(
    table: &impl ReadableTable<u64, &'static [u8]>,
    seg: &Segment,
    kind: Kind,
    range: std::ops::RangeInclusive<u64>,
    limit: usize,
    out: &mut Vec<u64>,
    blocks: Blocks<'_>,
) -> Result<bool, redb::Error> {
    let k = kind as usize;
    if seg.counts[k] == 0 {
        return Ok(true);
    }
    let bits = seg.bits[k];
    // The range of one key never crosses a block: blocks split on at most
    // 28 of the 32 key bits.
    let pre = prefix(*range.start(), bits);
    let key = block_key(kind, pre);
    let read = || -> Result<Vec<u64>, redb::Error> {
        let mut postings = Vec::new();
        if let Some(block) = table.get(key)? {
            // About 4 bytes a posting: one allocation in the common case.
            let bytes = block.value();
            postings.reserve_exact(bytes.len() / 3);
            decode_into(bytes, &mut postings);
        }
        Ok(postings)
    };
    let found = match blocks {
        Blocks::Resident(res) => {
            match usize::try_from(pre).ok().and_then(|i| res.slots[k].get(i)) {
                Some(slot) => {
                    let postings = match slot.get() {
                        Some(p) => p,
                        // Two threads may both decode a block; the first one stays.
                        None => {
                            let decoded = read()?.into_boxed_slice();
                            slot.get_or_init(|| decoded)
                        }
                    };
                    take(postings, bits, kind, range, limit, out)
                }
                None => take(&read()?, bits, kind, range, limit, out),
            }
        }
        // Block keys are 32 bits: the segment id goes above them.
        Blocks::Cached(cache) => {
            let postings = cache
                .lru
                .get_or_insert_with(&(u64::from(seg.id) << 32 | key), || read().map(Arc::from))?;
            take(&postings, bits, kind, range, limit, out)
        }
        Blocks::Uncached => take(&read()?, bits, kind, range, limit, out),
    };
    Ok(found)
}

/// The lookup in a decoded block cut on `bits` (see [`lookup`]).
fn take(
    postings: &[u64],
    bits: u8,
    kind: Kind,
    range: std::ops::RangeInclusive<u64>,
    limit: usize,
    out: &mut Vec<u64>,
) -> bool {
    let start = lower_bound(postings, *range.start(), bits);
    // The range's postings follow `start`: counted by a scan rather than
    // found by a second search (a key has few postings, copied next
    // anyway), and no further than one past the room `out` has.
    let room = limit.saturating_sub(out.len());
    let last = *range.end();
    let n = postings[start..]
        .iter()
        .take(room.saturating_add(1))
        .take_while(|&&p| p <= last)
        .count();
    if n > room || (kind == Kind::Anchors && n > 0 && is_marker(postings[start + n - 1])) {
        return false;
    }
    out.extend_from_slice(&postings[start..start + n]);
    true
}

/// The index of the first posting in `postings` (sorted) that is at least
/// `target`, in a block cut on the top `bits` bits. Postings are uniform
/// hashes above document keys, spread over the block's share of the key
/// space, so the position is first guessed from where `target` falls in
/// that share — without reading the block's ends — then found by
/// galloping from the guess: a cache line or two read, where a binary
/// search touches one per halving. Right for any sorted input; fast for
/// uniform ones.
fn lower_bound(postings: &[u64], target: u64, bits: u8) -> usize {
    let n = postings.len();
    if n == 0 {
        return 0;
    }
    // `target`'s place within its block's prefix, as a fraction of 2^64.
    let within = target.checked_shl(u32::from(bits)).unwrap_or(0);
    let guess = ((u128::from(within) * n as u128) >> 64) as usize;
    if postings[guess] < target {
        // Forward: every posting before `lo` is below target.
        let mut lo = guess + 1;
        let mut step = 1;
        while lo + step <= n && postings[lo + step - 1] < target {
            lo += step;
            step *= 2;
        }
        let hi = (lo + step).min(n);
        lo + postings[lo..hi].partition_point(|&p| p < target)
    } else {
        // Backward: every posting from `hi` on is at least target.
        let mut hi = guess;
        let mut step = 1;
        while hi >= step && postings[hi - step] >= target {
            hi -= step;
            step *= 2;
        }
        let lo = hi.saturating_sub(step);
        lo + postings[lo..hi].partition_point(|&p| p < target)
    }
}

/// Writes `postings` (sorted, unique) into `out` (cleared first) as a
/// block. Each posting is its high half (a key's hash bits) as the
/// difference from the previous posting's, then its low half (a document
/// key, or a count) — as the difference from the previous one's when the
/// high halves are equal — both as LEB128 varints. Within a block the
/// high halves share their prefix and document keys are small, so a
/// posting takes about 4 bytes instead of 8.
fn encode_block(postings: &[u64], out: &mut Vec<u8>) {
    out.clear();
    let (mut hi0, mut lo0) = (0u64, 0u64);
    for &p in postings {
        let (hi, lo) = (p >> 32, p & LOW_HALF);
        let dh = hi.wrapping_sub(hi0);
        put_varint(out, dh);
        put_varint(out, if dh == 0 { lo.wrapping_sub(lo0) } else { lo });
        (hi0, lo0) = (hi, lo);
    }
}

/// Appends the postings of a block written by [`encode_block`] to `out`.
/// Bytes that do not decode (a truncated varint) end the block: the
/// file's checksums are redb's business, and a lookup must not panic.
fn decode_into(bytes: &[u8], out: &mut Vec<u64>) {
    let (mut hi, mut lo) = (0u64, 0u64);
    let mut at = 0;
    while at < bytes.len() {
        let (Some(dh), Some(d)) = (get_varint(bytes, &mut at), get_varint(bytes, &mut at)) else {
            break;
        };
        if dh == 0 {
            lo = lo.wrapping_add(d);
        } else {
            hi = hi.wrapping_add(dh);
            lo = d;
        }
        out.push(hi << 32 | (lo & LOW_HALF));
    }
}

/// A block's postings (see [`encode_block`]).
#[cfg(test)]
pub(super) fn decode_block(bytes: &[u8]) -> Vec<u64> {
    let mut postings = Vec::new();
    decode_into(bytes, &mut postings);
    postings
}

/// Appends `v` as a LEB128 varint: 7 bits a byte, low bits first.
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The LEB128 varint at `bytes[*at..]`, moving `at` past it; `None` when
/// the bytes end first or it runs past 64 bits.
fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
    }
    None
}

/// Writes sorted runs as a new segment `id`, one block per kind, and
/// records it. `runs[k]` must be sorted and unique.
///
/// For a batch stored on its own ([`super::Index::store`]), until a merge
/// cuts it into small blocks: three values to write instead of a thousand
/// B-tree entries. Lookups in it read a whole run, then cache it.
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn write(
    txn: &redb::WriteTransaction,
    id: u32,
    runs: [&[u64]; 3],
) -> Result<Segment, redb::Error> {
    let mut blocks = txn.open_table(TableDefinition::<u64, &[u8]>::new(&table_name(id)))?;
    let mut seg = Segment {
        id,
        counts: [0; 3],
        bits: [0; 3],
    };
    let mut bytes: Vec<u8> = Vec::new();
    let mut anchors = runs[Kind::Anchors as usize].to_vec();
    saturate(&mut anchors);
    let runs = [runs[0], anchors.as_slice(), runs[2]];
    for (k, run) in runs.into_iter().enumerate() {
        // No prefix bits (`seg.bits` stays 0): the block of prefix 0.
        if !run.is_empty() {
            encode_block(run, &mut bytes);
            blocks.insert(block_key(KINDS[k], 0), bytes.as_slice())?;
        }
        seg.counts[k] = run.len() as u64;
    }
    txn.open_table(SEGMENTS)?
        .insert(id, seg.encode().as_slice())?;
    Ok(seg)
}

/// The id for a new segment: one above the newest. Ids are never reused —
/// the newest segment is only ever dropped by a merge, which records its
/// output under a newer id first — so a segment id names one content for
/// the life of the file (the [`BlockCache`] relies on it).
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn next_id(txn: &redb::WriteTransaction) -> Result<u32, redb::Error> {
    let segments = txn.open_table(SEGMENTS)?;
    let last = segments.last()?.map(|(k, _)| k.value());
    match last {
        None => Ok(0),
        Some(u32::MAX) => Err(redb::Error::Corrupted("out of segment ids".into())),
        Some(l) => Ok(l + 1),
    }
}

/// One input of a merge: the postings of one kind of one segment, in
/// order.
trait Source {
    /// The next posting, without taking it.
    #[allow(clippy::result_large_err)]
    fn peek(&mut self) -> Result<Option<u64>, redb::Error>;

    /// Moves the postings whose top `bits` are `pre` (a run at the head)
    /// to `out`.
    #[allow(clippy::result_large_err)]
    fn take_prefix(&mut self, pre: u64, bits: u8, out: &mut Vec<u64>) -> Result<(), redb::Error>;
}

/// Postings in memory (the runs a bulk load holds).
impl Source for &[u64] {
    fn peek(&mut self) -> Result<Option<u64>, redb::Error> {
        Ok(self.first().copied())
    }

    fn take_prefix(&mut self, pre: u64, bits: u8, out: &mut Vec<u64>) -> Result<(), redb::Error> {
        let n = self.partition_point(|&p| prefix(p, bits) <= pre);
        out.extend_from_slice(&self[..n]);
        *self = &self[n..];
        Ok(())
    }
}

/// Every posting of one kind of one segment, in order, read from a
/// snapshot block by block.
struct Cursor {
    blocks: redb::Range<'static, u64, &'static [u8]>,
    block: Vec<u64>,
    at: usize,
}

impl Cursor {
    #[allow(clippy::result_large_err)]
    fn new(
        table: &redb::ReadOnlyTable<u64, &'static [u8]>,
        kind: Kind,
    ) -> Result<Cursor, redb::Error> {
        Ok(Cursor {
            blocks: table.range(kind_range(kind))?,
            block: Vec::new(),
            at: 0,
        })
    }
}

impl Source for Cursor {
    fn peek(&mut self) -> Result<Option<u64>, redb::Error> {
        while self.at == self.block.len() {
            let Some(entry) = self.blocks.next() else {
                return Ok(None);
            };
            let (_, v) = entry?;
            self.block.clear();
            decode_into(v.value(), &mut self.block);
            self.at = 0;
        }
        Ok(Some(self.block[self.at]))
    }

    fn take_prefix(&mut self, pre: u64, bits: u8, out: &mut Vec<u64>) -> Result<(), redb::Error> {
        while let Some(p) = self.peek()? {
            if prefix(p, bits) != pre {
                break;
            }
            let run = self.block[self.at..]
                .iter()
                .take_while(|&&q| prefix(q, bits) == pre)
                .count();
            out.extend_from_slice(&self.block[self.at..self.at + run]);
            self.at += run;
        }
        Ok(())
    }
}

/// Adds up the counts of equal fingerprints in sorted
/// `fingerprint << 32 | count` entries, in place.
fn sum_counts(entries: &mut Vec<u64>) {
    const LOW: u64 = u32::MAX as u64;
    let mut kept = 0;
    for i in 0..entries.len() {
        let e = entries[i];
        if kept > 0 && entries[kept - 1] >> 32 == e >> 32 {
            let count = ((entries[kept - 1] & LOW) + (e & LOW)).min(LOW);
            entries[kept - 1] = (e & !LOW) | count;
        } else {
            entries[kept] = e;
            kept += 1;
        }
    }
    entries.truncate(kept);
}

/// Whether an anchor posting is a [`super::SATURATED`] marker.
fn is_marker(posting: u64) -> bool {
    posting & LOW_HALF == super::SATURATED
}

/// Replaces, in sorted anchor postings, the postings of every anchor held
/// in more than `MAX_ANCHOR_DOCS` documents, or already marked (by a
/// segment merged in), by the anchor's one marker — which sorts after any
/// document of the anchor. A lookup refuses such an anchor either way;
/// the marker only spares storing and decoding its postings. Articles
/// removed later do not bring a marked anchor back under the limit.
fn saturate(postings: &mut Vec<u64>) {
    let mut kept = 0;
    let mut at = 0;
    while at < postings.len() {
        let hi = postings[at] >> 32;
        let end = at + postings[at..].partition_point(|p| p >> 32 == hi);
        if end - at > super::MAX_ANCHOR_DOCS || is_marker(postings[end - 1]) {
            postings[kept] = hi << 32 | super::SATURATED;
            kept += 1;
        } else {
            postings.copy_within(at..end, kept);
            kept += end - at;
        }
        at = end;
    }
    postings.truncate(kept);
}

/// Sends every kind's postings of `from`, merged, as sorted chunks of
/// about `chunk_target`: each chunk of the key space gathers its runs from
/// every input (contiguous, inputs being sorted) and is sorted once (a
/// heap over a thousand inputs cost more). Paragraph counts are summed
/// (paragraph postings in memory first become counts of one, unless
/// `keep` refuses their document); other postings `keep` refuses are left
/// out. Stops quietly when the receiver hangs up.
// See `list`.
#[allow(clippy::result_large_err)]
fn gather_chunks(
    from: Inputs<'_>,
    bits: [u8; 3],
    keep: &(dyn Fn(u64) -> bool + Sync),
    chunk_target: u64,
    tx: &std::sync::mpsc::SyncSender<Result<(Kind, Vec<u64>), redb::Error>>,
) -> Result<(), redb::Error> {
    for kind in KINDS {
        let k = kind as usize;
        let mut cursors: Vec<Box<dyn Source + '_>> = match from {
            Inputs::Tables(_, tables) => tables
                .iter()
                .map(|t| Ok(Box::new(Cursor::new(t, kind)?) as Box<dyn Source>))
                .collect::<Result<_, redb::Error>>()?,
            Inputs::Memory(runs) => runs
                .iter()
                .map(|r| Box::new(r[k].as_slice()) as Box<dyn Source>)
                .collect(),
        };
        let total = from.total(k);
        let chunk_bits = bits_for_target(total, chunk_target).min(bits[k]);
        loop {
            // The next non-empty chunk: the smallest at an input's head.
            let mut next: Option<u64> = None;
            for c in &mut cursors {
                if let Some(p) = c.peek()? {
                    let pre = prefix(p, chunk_bits);
                    next = Some(next.map_or(pre, |n| n.min(pre)));
                }
            }
            let Some(chunk) = next else {
                break;
            };
            // A chunk holds about `total >> chunk_bits` postings; sized up
            // front (growing it copied and faulted in fresh pages).
            let mut buf = Vec::with_capacity((total >> chunk_bits) as usize * 5 / 4);
            for c in &mut cursors {
                c.take_prefix(chunk, chunk_bits, &mut buf)?;
            }
            let of_kept = |p: &u64| keep(p & LOW_HALF);
            match (kind, from) {
                (Kind::Units, Inputs::Tables(..)) => {}
                (Kind::Units, Inputs::Memory(..)) => {
                    buf.retain(of_kept);
                    for p in &mut buf {
                        *p = (*p & !LOW_HALF) | 1;
                    }
                }
                (Kind::Anchors, _) => buf.retain(|p| is_marker(*p) || of_kept(p)),
                (Kind::Bands, _) => buf.retain(of_kept),
            }
            match from {
                // Runs come in ascending document keys, each sorted: their
                // concatenation sorted stably by hash half is sorted.
                Inputs::Memory(..) => super::tables::sort_postings(&mut buf),
                Inputs::Tables(..) => buf.sort_unstable(),
            }
            match kind {
                Kind::Units => sum_counts(&mut buf),
                // A key's postings never cross a chunk (chunks split on
                // fewer bits than keys have).
                Kind::Anchors => saturate(&mut buf),
                Kind::Bands => {}
            }
            if tx.send(Ok((kind, buf))).is_err() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Where a merge reads its inputs' postings.
#[derive(Clone, Copy)]
enum Inputs<'a> {
    /// From segments: their descriptors and tables.
    Tables(&'a [Segment], &'a [redb::ReadOnlyTable<u64, &'static [u8]>]),
    /// From runs in memory, as a bulk load holds them: sorted postings of
    /// each kind, paragraphs as `fingerprint << 32 | document` postings
    /// rather than counts; the runs in ascending document keys (each
    /// run's documents after the previous run's).
    Memory(&'a [&'a [Vec<u64>; 3]]),
}

impl Inputs<'_> {
    /// Entries of kind `k` over all inputs (before filtering).
    fn total(&self, k: usize) -> u64 {
        match self {
            Inputs::Tables(segs, _) => segs.iter().map(|s| s.counts[k]).sum(),
            Inputs::Memory(runs) => runs.iter().map(|r| r[k].len() as u64).sum(),
        }
    }
}

/// Merges `inputs` (segments committed in `snapshot`) into one new segment
/// in `txn` and drops them; postings whose document `keep` refuses are left
/// out. The caller commits `txn`.
///
/// Chunk by chunk (see [`gather_chunks`]), about a million postings at a
/// time (bounded memory), read and sorted on one thread while this one
/// writes the previous chunk's blocks.
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn merge(
    snapshot: &redb::ReadTransaction,
    txn: &redb::WriteTransaction,
    inputs: &[Segment],
    keep: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Segment, redb::Error> {
    merge_chunked(snapshot, txn, inputs, keep, CHUNK)
}

/// [`merge`], sorting about `chunk_target` postings at a time.
// See `list`.
#[allow(clippy::result_large_err)]
fn merge_chunked(
    snapshot: &redb::ReadTransaction,
    txn: &redb::WriteTransaction,
    inputs: &[Segment],
    keep: &(dyn Fn(u64) -> bool + Sync),
    chunk_target: u64,
) -> Result<Segment, redb::Error> {
    let tables = open_read(snapshot, inputs)?;
    let seg = merge_in_chunks(Inputs::Tables(inputs, &tables), txn, keep, chunk_target)?;
    drop(tables);
    let mut segments = txn.open_table(SEGMENTS)?;
    for s in inputs {
        txn.delete_table(TableDefinition::<u64, &[u8]>::new(&table_name(s.id)))?;
        segments.remove(s.id)?;
    }
    Ok(seg)
}

/// Writes a bulk load's runs held in memory (see [`Inputs::Memory`]) as
/// one new segment in `txn`, leaving out postings whose document `keep`
/// refuses, with paragraph postings turned into counts. The caller
/// commits `txn`.
// See `list`.
#[allow(clippy::result_large_err)]
pub(super) fn write_memory(
    txn: &redb::WriteTransaction,
    runs: &[&[Vec<u64>; 3]],
    keep: &(dyn Fn(u64) -> bool + Sync),
) -> Result<Segment, redb::Error> {
    merge_in_chunks(Inputs::Memory(runs), txn, keep, CHUNK)
}

/// Writes the merge of `from` as a new segment and records it, sorting
/// about `chunk_target` postings at a time.
// See `list`.
#[allow(clippy::result_large_err)]
fn merge_in_chunks(
    from: Inputs<'_>,
    txn: &redb::WriteTransaction,
    keep: &(dyn Fn(u64) -> bool + Sync),
    chunk_target: u64,
) -> Result<Segment, redb::Error> {
    let id = next_id(txn)?;
    let mut seg = Segment {
        id,
        counts: [0; 3],
        bits: [0; 3],
    };
    let bits = [0, 1, 2].map(|k| bits_for(from.total(k)));
    seg.bits = bits;
    // Reading and sorting chunks (one thread) overlaps with writing them
    // (this one, which holds the write transaction).
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<(Kind, Vec<u64>), redb::Error>>(2);
    std::thread::scope(|scope| -> Result<(), redb::Error> {
        scope.spawn(move || {
            let sent = gather_chunks(from, bits, keep, chunk_target, &tx);
            if let Err(e) = sent {
                // The receiver stops at the first error.
                let _ = tx.send(Err(e));
            }
        });
        let mut out = txn.open_table(TableDefinition::<u64, &[u8]>::new(&table_name(id)))?;
        let mut bytes: Vec<u8> = Vec::new();
        for chunk in rx {
            let (kind, postings) = chunk?;
            let bits = bits[kind as usize];
            for block in postings.chunk_by(|a, b| prefix(*a, bits) == prefix(*b, bits)) {
                encode_block(block, &mut bytes);
                out.insert(block_key(kind, prefix(block[0], bits)), bytes.as_slice())?;
                seg.counts[kind as usize] += block.len() as u64;
            }
        }
        Ok(())
    })?;
    txn.open_table(SEGMENTS)?
        .insert(id, seg.encode().as_slice())?;
    Ok(seg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::ReadableDatabase;

    proptest::proptest! {
        /// Interpolation and galloping find what a binary search finds,
        /// on blocks of uniform hashes and on blocks with long runs of one
        /// key (a common anchor's postings).
        #[test]
        fn lower_bound_agrees_with_a_binary_search(
            keys in proptest::collection::vec((0u64..u64::MAX, 1usize..40), 0..40),
            targets in proptest::collection::vec(0u64..u64::MAX, 1..20),
            bits in 0u8..6,
            block in 0u64..64,
        ) {
            // A block's postings share its prefix (most of the time: any
            // sorted input must work).
            let pre = |h: u64| match bits {
                0 => h,
                b => (block % (1 << b)) << (64 - b) | (h >> b),
            };
            let mut postings: Vec<u64> = keys
                .iter()
                .flat_map(|&(h, n)| (0..n as u64).map(move |d| (pre(h) & !0xffff_ffff) | d))
                .collect();
            postings.sort_unstable();
            postings.dedup();
            let near = postings.iter().flat_map(|&p| [p, p.wrapping_add(1), p.wrapping_sub(1)]);
            for t in targets.iter().copied().chain(near).chain([0, u64::MAX]) {
                let want = postings.partition_point(|&p| p < t);
                proptest::prop_assert_eq!(lower_bound(&postings, t, bits), want, "target {}", t);
            }
        }
    }

    proptest::proptest! {
        /// Blocks decode to the postings they were encoded from: uniform
        /// hashes, runs of one key, counts, and the extremes.
        #[test]
        fn blocks_round_trip(
            keys in proptest::collection::vec((0u64..u64::MAX, 1usize..20, 0u32..u32::MAX), 0..60),
        ) {
            let mut postings: Vec<u64> = keys
                .iter()
                .flat_map(|&(h, n, lo)| {
                    (0..n as u32).map(move |d| (h & !0xffff_ffff) | u64::from(lo.wrapping_add(d)))
                })
                .chain([0, u64::MAX])
                .collect();
            postings.sort_unstable();
            postings.dedup();
            let mut bytes = Vec::new();
            encode_block(&postings, &mut bytes);
            proptest::prop_assert_eq!(&decode_block(&bytes)[..], &postings[..]);
            // A truncated block decodes to a prefix of its postings.
            let cut = decode_block(&bytes[..bytes.len() / 2]);
            proptest::prop_assert_eq!(&cut[..], &postings[..cut.len()]);
        }
    }

    fn db() -> (tempfile::TempDir, redb::Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("s.redb")).unwrap();
        (dir, db)
    }

    fn write_runs(db: &redb::Database, runs: [Vec<u64>; 3]) -> Segment {
        let txn = db.begin_write().unwrap();
        let id = next_id(&txn).unwrap();
        let seg = write(&txn, id, [&runs[0], &runs[1], &runs[2]]).unwrap();
        txn.commit().unwrap();
        seg
    }

    fn all(db: &redb::Database, kind: Kind, range: std::ops::RangeInclusive<u64>) -> Vec<u64> {
        let txn = db.begin_read().unwrap();
        let segs = list(&txn.open_table(SEGMENTS).unwrap()).unwrap();
        let tables = open_read(&txn, &segs).unwrap();
        // Read from the tables, then through a cache twice (a miss that
        // fills it, then a hit): all three must agree.
        let cache = BlockCache::new(1 << 20);
        let lru = BlockCache::new(1 << 20);
        let no_room = BlockCache::new(0);
        let residents = cache.residents(&segs);
        assert!(
            residents.iter().all(Option::is_some),
            "room for the test's segments"
        );
        assert!(no_room.residents(&segs).iter().all(Option::is_none));
        // Uncached; cached (a miss that fills it, then a hit); resident
        // (the same): all five must agree.
        let mut answers = [0, 1, 1, 2, 2].map(|how| {
            let mut out = Vec::new();
            for ((s, table), res) in segs.iter().zip(&tables).zip(&residents) {
                let blocks = match (how, res) {
                    (0, _) => Blocks::Uncached,
                    (1, _) => Blocks::Cached(&lru),
                    (_, Some(res)) => Blocks::Resident(res),
                    (_, None) => unreachable!("checked above"),
                };
                assert!(
                    lookup(table, s, kind, range.clone(), usize::MAX, &mut out, blocks).unwrap()
                );
            }
            out.sort_unstable();
            out
        });
        for other in &answers[1..] {
            assert_eq!(&answers[0], other);
        }
        std::mem::take(&mut answers[0])
    }

    /// Every entry of `kind`, read block by block.
    fn everything(db: &redb::Database, kind: Kind) -> Vec<u64> {
        let txn = db.begin_read().unwrap();
        let segs = list(&txn.open_table(SEGMENTS).unwrap()).unwrap();
        let mut out = Vec::new();
        for t in open_read(&txn, &segs).unwrap() {
            let mut c = Cursor::new(&t, kind).unwrap();
            while let Some(p) = c.peek().unwrap() {
                out.push(p);
                c.at += 1;
            }
        }
        out.sort_unstable();
        out
    }

    /// Pseudo-random sorted postings: key `h` in the high half, doc in the
    /// low half.
    fn postings(n: u64, seed: u64, doc: u64) -> Vec<u64> {
        let mut v: Vec<u64> = (0..n)
            .map(|i| {
                let h = xxhash_rust::xxh3::xxh3_64_with_seed(&i.to_le_bytes(), seed);
                (h & !u64::from(u32::MAX)) | (doc + i % 7)
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The range of posting `p`'s key, and the postings of `all` in it.
    fn of_key(all: &[u64], p: u64) -> (std::ops::RangeInclusive<u64>, Vec<u64>) {
        let key = p & !u64::from(u32::MAX)..=p | u64::from(u32::MAX);
        let postings = all.iter().copied().filter(|q| key.contains(q)).collect();
        (key, postings)
    }

    #[test]
    fn lookups_find_exactly_the_postings_of_a_key() {
        let (_d, db) = db();
        let bands = postings(5000, 1, 0);
        let seg = write_runs(&db, [bands.clone(), vec![], vec![]]);
        // In the one block a batch writes, then in the small blocks of a
        // merge.
        for merged in [false, true] {
            if merged {
                let snapshot = db.begin_read().unwrap();
                let txn = db.begin_write().unwrap();
                let out = merge_chunked(&snapshot, &txn, &[seg], &|_| true, 1000);
                assert!(out.unwrap().bits[Kind::Bands as usize] > 0);
                txn.commit().unwrap();
            }
            for &p in bands.iter().step_by(37) {
                let (key, want) = of_key(&bands, p);
                assert_eq!(all(&db, Kind::Bands, key.clone()), want);
                assert!(all(&db, Kind::Anchors, key).is_empty());
            }
        }
    }

    #[test]
    fn merge_keeps_every_posting_sums_counts_and_drops_refused_documents() {
        // Segments read back from their tables, or a bulk load's runs in
        // memory (paragraphs as postings of documents, not counts).
        for from_memory in [false, true] {
            merge_case(from_memory);
        }
    }

    fn merge_case(from_memory: bool) {
        let (_d, db) = db();
        let a = postings(3000, 1, 0);
        let b = postings(2000, 2, 100);
        let keep = |doc: u64| doc != 3;
        // Small chunks, so the merge crosses many of them.
        let merged = if from_memory {
            let unit = |fp: u64, doc: u64| (fp << 32) | doc;
            let runs = [
                [
                    a.clone(),
                    b.clone(),
                    vec![unit(5, 1), unit(5, 2), unit(9, 1)],
                ],
                [
                    b.clone(),
                    a.clone(),
                    vec![unit(5, 3), unit(5, 4), unit(5, 5), unit(5, 6), unit(7, 1)],
                ],
            ];
            let txn = db.begin_write().unwrap();
            let merged =
                merge_in_chunks(Inputs::Memory(&[&runs[0], &runs[1]]), &txn, &keep, 100).unwrap();
            txn.commit().unwrap();
            merged
        } else {
            let units_a = vec![(5u64 << 32) | 2, (9u64 << 32) | 1];
            let units_b = vec![(5u64 << 32) | 3, (7u64 << 32) | 1];
            let s1 = write_runs(&db, [a.clone(), b.clone(), units_a]);
            let s2 = write_runs(&db, [b.clone(), a.clone(), units_b]);
            let snapshot = db.begin_read().unwrap();
            let txn = db.begin_write().unwrap();
            let merged = merge_chunked(&snapshot, &txn, &[s1, s2], &keep, 100).unwrap();
            txn.commit().unwrap();
            drop(snapshot);
            merged
        };
        let mut want: Vec<u64> = a
            .iter()
            .chain(&b)
            .copied()
            .filter(|p| p & 0xFFFF_FFFF != 3)
            .collect();
        want.sort_unstable();
        assert_eq!(everything(&db, Kind::Bands), want);
        assert_eq!(everything(&db, Kind::Anchors), want);
        assert_eq!(
            everything(&db, Kind::Units),
            vec![(5u64 << 32) | 5, (7u64 << 32) | 1, (9u64 << 32) | 1]
        );
        let txn = db.begin_read().unwrap();
        let segs = list(&txn.open_table(SEGMENTS).unwrap()).unwrap();
        assert_eq!(segs, vec![merged]);
        assert_eq!(merged.counts[0], want.len() as u64);
        drop(txn);
        // Lookups in the merged segment find each key's postings.
        for &p in want.iter().step_by(53) {
            let (key, postings) = of_key(&want, p);
            assert_eq!(all(&db, Kind::Anchors, key), postings);
        }
    }

    /// An anchor's postings in every segment of `db`, as a check asks for
    /// them (at most `MAX_ANCHOR_DOCS`); `None` when refused.
    fn anchor_lookup(db: &redb::Database, anchor: u64) -> Option<Vec<u64>> {
        let txn = db.begin_read().unwrap();
        let segs = list(&txn.open_table(SEGMENTS).unwrap()).unwrap();
        let tables = open_read(&txn, &segs).unwrap();
        let mut out = Vec::new();
        for (s, blocks) in segs.iter().zip(&tables) {
            let range = anchor << 32..=anchor << 32 | LOW_HALF;
            let limit = super::super::MAX_ANCHOR_DOCS;
            if !lookup(
                blocks,
                s,
                Kind::Anchors,
                range,
                limit,
                &mut out,
                Blocks::Uncached,
            )
            .unwrap()
            {
                return None;
            }
        }
        Some(out)
    }

    #[test]
    fn stock_phrase_anchors_are_stored_as_one_marker_that_lookups_refuse() {
        let max = super::super::MAX_ANCHOR_DOCS as u64;
        let docs = |anchor: u64, range: std::ops::Range<u64>| -> Vec<u64> {
            range.map(|d| anchor << 32 | d).collect()
        };
        let marker = |anchor: u64| anchor << 32 | super::super::SATURATED;
        // Anchor 7 is in one document too many, 9 in just few enough; 11
        // is under the limit in each of two batches, over it together.
        let first: Vec<u64> = [docs(7, 0..max + 1), docs(9, 0..max), docs(11, 0..600)].concat();
        let second = docs(11, 600..1200);
        let (_d, db) = self::db();
        let s1 = write_runs(&db, [vec![], first, vec![]]);
        assert_eq!(anchor_lookup(&db, 7), None);
        assert_eq!(anchor_lookup(&db, 9), Some(docs(9, 0..max)));
        let s2 = write_runs(&db, [vec![], second, vec![]]);
        assert_eq!(
            anchor_lookup(&db, 11),
            None,
            "1,200 postings over two segments"
        );
        let stored = everything(&db, Kind::Anchors);
        assert!(stored.contains(&marker(7)) && !stored.contains(&(7 << 32)));
        // Merged, with some documents refused: anchor 11 is over the limit
        // in the merge and marked; a marker merged in stays.
        let snapshot = db.begin_read().unwrap();
        let txn = db.begin_write().unwrap();
        merge_chunked(&snapshot, &txn, &[s1, s2], &|doc| doc != 3, 100).unwrap();
        txn.commit().unwrap();
        drop(snapshot);
        let want: Vec<u64> = [
            vec![marker(7)],
            docs(9, 0..3),
            docs(9, 4..max),
            vec![marker(11)],
        ]
        .concat();
        assert_eq!(everything(&db, Kind::Anchors), want);
        assert_eq!(anchor_lookup(&db, 11), None);
        assert_eq!(anchor_lookup(&db, 9).map(|p| p.len() as u64), Some(max - 1));
        // In memory, refused documents are left out before counting.
        let (_d2, db) = self::db();
        let runs = [
            [vec![], docs(11, 0..600), vec![]],
            [vec![], docs(11, 600..1200), vec![]],
        ];
        let txn = db.begin_write().unwrap();
        merge_in_chunks(
            Inputs::Memory(&[&runs[0], &runs[1]]),
            &txn,
            &|doc| doc < 900,
            100,
        )
        .unwrap();
        txn.commit().unwrap();
        assert_eq!(anchor_lookup(&db, 11), Some(docs(11, 0..900)));
    }

    #[test]
    fn segments_are_resident_while_the_budget_holds_them() {
        let seg = |id| Segment {
            id,
            counts: [100, 1000, 10],
            bits: [1, 3, 0],
        };
        let size = Resident::bytes_for(&seg(1));
        let cache = BlockCache::new((size * 3 / 2) as usize);
        let held = |segs: &[Segment]| -> Vec<bool> {
            cache.residents(segs).iter().map(Option::is_some).collect()
        };
        assert_eq!(held(&[seg(1)]), [true]);
        assert_eq!(
            cache.lru.capacity(),
            size / 2,
            "the rest for the weighted cache"
        );
        assert_eq!(
            held(&[seg(1), seg(2)]),
            [true, false],
            "no room for a second"
        );
        // Segment 1 merged into 3: its room goes to 3.
        assert_eq!(held(&[seg(3)]), [true]);
        assert_eq!(held(&[seg(3), seg(4)]), [true, false]);
        assert_eq!(cache.lru.capacity(), size / 2);
    }

    #[test]
    fn bits_give_blocks_of_about_the_target_size() {
        assert_eq!(bits_for(0), 0);
        assert_eq!(bits_for(BLOCK_TARGET), 0);
        assert_eq!(bits_for(BLOCK_TARGET + 1), 1);
        assert_eq!(bits_for(BLOCK_TARGET * 1024), 10);
        assert_eq!(bits_for(u64::MAX), MAX_BITS);
    }
}
