//! Bulk loading: many articles admitted without judging them, prepared
//! in parallel and stored in one transaction, their postings written as
//! a segment; and the merging of segments.

use super::*;

impl Index {
    /// Admits every document without judging it (bulk load), in one
    /// transaction: all of them are stored or, if the process dies, none.
    /// Ids already stored with the same text are skipped; with different
    /// text they are an error unless `replace`. Returns how many were
    /// stored. The same as [`Index::prepare`] then [`Index::store`].
    pub fn admit_batch(&self, docs: &[Document], replace: bool) -> Result<usize, Error> {
        self.store(&self.prepare(docs), replace)
    }

    /// Admits batches as [`Index::admit_batch`] does, one transaction per
    /// batch, with reading (pulling `batches`), fingerprinting and writing
    /// overlapped on three threads. Returns how many documents were
    /// stored, once they are all durable and indexed. Stops at the first
    /// error; the batches stored before it stay.
    ///
    /// The batches' postings are held in memory and written at the end
    /// (or whenever they pass [`BULK_MEMORY`] bytes) as one segment; the
    /// index's segments are then merged into one (see
    /// [`Index::merge_segments`]), so checks do one lookup per key. Each
    /// batch's documents are durable when its transaction commits, and
    /// marked as not indexed yet: if the process dies first, opening the
    /// index again computes their postings from their stored texts. The
    /// documents of a load are found by checks once it returns.
    pub fn admit_batches<I>(&self, batches: I, replace: bool) -> Result<usize, Error>
    where
        I: Iterator<Item = Vec<Document>> + Send,
    {
        use std::sync::mpsc::sync_channel;
        std::thread::scope(|scope| {
            let (read_tx, read_rx) = sync_channel::<Vec<Document>>(1);
            let (store_tx, store_rx) = sync_channel::<PreparedBatch>(1);
            scope.spawn(move || {
                for batch in batches {
                    if read_tx.send(batch).is_err() {
                        break;
                    }
                }
            });
            // Each batch is durable when its commit returns (a sync per
            // batch, which overlaps with fingerprinting the next one:
            // committing batches without one and syncing once at the end
            // measured no faster, the writes then all waiting for the
            // end). A killed process or a power cut leaves whole batches,
            // never half of one.
            let writer = scope.spawn(move || -> Result<usize, Error> {
                let mut stored = 0;
                let mut held: Vec<Runs> = Vec::new();
                let mut held_bytes = 0;
                let mut outcome = Ok(());
                for batch in store_rx {
                    match self.store_runs(&batch, replace, true) {
                        Ok((n, runs)) => {
                            stored += n;
                            if let Some(runs) = runs {
                                held_bytes += runs.iter().map(|r| r.len() * 8).sum::<usize>();
                                held.push(runs);
                            }
                        }
                        Err(e) => {
                            outcome = Err(e);
                            break;
                        }
                    }
                    if held_bytes > BULK_MEMORY {
                        self.write_held(&held)?;
                        (held, held_bytes) = (Vec::new(), 0);
                    }
                }
                // Also after an error: what was stored is indexed.
                if !held.is_empty() {
                    self.write_held(&held)?;
                }
                outcome.map(|()| stored)
            });
            for docs in read_rx {
                // A failed send means the writer stopped on an error, which
                // `join` returns.
                if store_tx.send(self.prepare(&docs)).is_err() {
                    break;
                }
            }
            drop(store_tx);
            let stored = writer
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            self.merge_segments(false)?;
            Ok(stored)
        })
    }

    /// Fingerprints a batch (in parallel) without touching the index.
    pub fn prepare(&self, docs: &[Document]) -> PreparedBatch {
        let prepared = docs
            .par_iter()
            .map(|d| {
                let keys = Keys {
                    date: d.date.map(|t| t.as_second()),
                    ..keys_of_text(&self.params, &d.text)
                };
                (keys, lz4_flex::compress_prepend_size(d.text.as_bytes()))
            })
            .collect();
        PreparedBatch {
            ids: docs.iter().map(|d| d.id.clone()).collect(),
            prepared,
        }
    }

    /// Stores a prepared batch in one transaction (see
    /// [`Index::admit_batch`]).
    pub fn store(&self, batch: &PreparedBatch, replace: bool) -> Result<usize, Error> {
        self.store_runs(batch, replace, false).map(|(n, _)| n)
    }

    /// [`Index::store`]; for a `bulk` load, without the postings, which
    /// come back as runs to hold (see [`insert_sorted`]).
    pub(super) fn store_runs(
        &self,
        batch: &PreparedBatch,
        replace: bool,
        bulk: bool,
    ) -> Result<(usize, Option<Runs>), Error> {
        let (ids, prepared) = (&batch.ids, &batch.prepared);
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        // Decide what to store, then insert table by table in key order:
        // sorted inserts keep redb's B-trees local and are several times
        // faster than interleaved ones.
        let mut chosen: Vec<usize> = Vec::new();
        let mut in_batch: AHashMap<&str, u64> = AHashMap::new();
        for (i, (id, (fp, _))) in ids.iter().zip(prepared).enumerate() {
            if let Some(&hash) = in_batch.get(id.as_str()) {
                if hash == fp.content_hash {
                    continue;
                }
                return Err(Error::IdConflict { id: id.clone() });
            }
            in_batch.insert(id, fp.content_hash);
            if let Some(key) = self.key_of(&txn, id)? {
                let same = {
                    let docs_t = txn.open_table(DOCS).map_err(|e| self.err(e))?;
                    self.stored_hash(&docs_t, key)? == Some(fp.content_hash)
                };
                if same {
                    continue;
                }
                if !replace {
                    return Err(Error::IdConflict { id: id.clone() });
                }
                remove_key(&txn, key, &self.params).map_err(|e| self.err(e))?;
            }
            chosen.push(i);
        }
        let runs = insert_sorted(&txn, ids, prepared, &chosen, bulk).map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))?;
        Ok((chosen.len(), runs))
    }

    /// Removes articles by id; returns the ids that were not in the index.
    pub fn remove(&self, ids: &[String]) -> Result<Vec<String>, Error> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let mut missing = Vec::new();
        for id in ids {
            match self.key_of(&txn, id)? {
                Some(key) => remove_key(&txn, key, &self.params).map_err(|e| self.err(e))?,
                None => missing.push(id.clone()),
            }
        }
        txn.commit().map_err(|e| self.err(e))?;
        Ok(missing)
    }

    /// Writes the postings a bulk load holds (see [`runs_of`]) as one
    /// segment, leaving out those of documents removed since, and marks
    /// every document indexed: one durable transaction.
    pub(super) fn write_held(&self, held: &[Runs]) -> Result<(), Error> {
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        (|| -> Result<(), redb::Error> {
            let live = live_keys(&txn.open_table(IDS)?)?;
            let keep = |key: u64| is_live(&live, key);
            if !held.is_empty() {
                let runs: Vec<&Runs> = held.iter().collect();
                segment::write_memory(&txn, &runs, &keep)?;
            }
            txn.open_table(META)?.remove(UNINDEXED)?;
            Ok(())
        })()
        .map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))
    }

    /// Finishes a bulk load that was interrupted: the documents it stored
    /// but had not indexed (see [`UNINDEXED`]) get their postings,
    /// computed from their stored texts. Nothing to do otherwise. Run on
    /// every open, so an index never answers with documents missing.
    pub(super) fn index_unindexed(&self) -> Result<(), Error> {
        // Nothing else writes while this runs: one snapshot reads it all.
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let held = (|| -> Result<Option<Vec<Runs>>, redb::Error> {
            let Some(first) = unindexed_from(&txn.open_table(META)?)? else {
                return Ok(None);
            };
            let docs = txn.open_table(DOCS)?;
            let texts = txn.open_table(TEXTS)?;
            let bands = txn.open_table(BANDS)?;
            let anchors = txn.open_table(ANCHORS)?;
            let mut held = Vec::new();
            let mut next = first;
            loop {
                // A thousand texts at a time, fingerprinted in parallel.
                let mut chunk: Vec<(u64, String)> = Vec::new();
                for entry in docs.range(next..)?.take(1000) {
                    let key = entry?.0.value();
                    if let Some(s) = read_stored(&docs, &texts, key)? {
                        chunk.push((key, s.text));
                    }
                }
                let Some(&(last, _)) = chunk.last() else {
                    break;
                };
                next = last + 1;
                let keys: Vec<(u64, Keys)> = chunk
                    .par_iter()
                    .map(|(key, text)| (*key, keys_of_text(&self.params, text)))
                    .collect();
                // An article admitted alone while the load ran has its
                // postings in the B-trees already.
                let mut unindexed = Vec::with_capacity(keys.len());
                for (key, k) in &keys {
                    let admitted_alone = match (k.band_keys.first(), k.anchors.first()) {
                        (Some(&b), _) => bands.get(posting(b, *key))?.is_some(),
                        (None, Some(&a)) => anchors.get(posting(a, *key))?.is_some(),
                        (None, None) => false,
                    };
                    if !admitted_alone {
                        unindexed.push((*key, k));
                    }
                }
                held.push(runs_of(unindexed.into_iter()));
            }
            Ok(Some(held))
        })()
        .map_err(|e| self.err(e))?;
        drop(txn);
        match held {
            Some(held) => self.write_held(&held),
            None => Ok(()),
        }
    }

    /// Merges the posting segments bulk loads wrote into one, leaving out
    /// postings of articles removed or replaced since, so a lookup reads
    /// one block per key. With `force`, a single segment is rewritten too
    /// (to drop such postings). Returns how many segments were merged (0:
    /// nothing to do). One transaction: a crash leaves the inputs or the
    /// result.
    pub fn merge_segments(&self, force: bool) -> Result<usize, Error> {
        // The write transaction first: it excludes other writers, so the
        // snapshot read next is the state this merge replaces.
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let snapshot = self.db.begin_read().map_err(|e| self.err(e))?;
        let segs = segment::list(
            &snapshot
                .open_table(segment::SEGMENTS)
                .map_err(|e| self.err(e))?,
        )
        .map_err(|e| self.err(e))?;
        if segs.len() < 2 && !(force && segs.len() == 1) {
            return Ok(0);
        }
        let live = live_keys(&snapshot.open_table(IDS).map_err(|e| self.err(e))?)
            .map_err(|e| self.err(e))?;
        let keep = |key: u64| is_live(&live, key);
        segment::merge(&snapshot, &txn, &segs, &keep).map_err(|e| self.err(e))?;
        drop(snapshot);
        txn.commit().map_err(|e| self.err(e))?;
        Ok(segs.len())
    }
}
