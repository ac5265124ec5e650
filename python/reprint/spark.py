"""reprint on Spark: the near-duplicate stage of ``reprint scan`` as
DataFrame operations, for corpora one machine cannot hold.

    python -m reprint.spark corpus.jsonl --out result/            # local[*]
    spark-submit --master yarn … path/to/reprint/spark.py s3://news/ --out s3://out/

(docs/spark.md says how executors get the package.)

Every stage that reads text runs in the reprint package on the executors
(``mapInArrow``: :func:`reprint.fingerprint`, :func:`reprint.verify`);
Spark only groups and joins what they return. The result is the scan's:

1. documents in input order (files in the order given, lines or rows in
   file order), numbered; a repeated id keeps its first document; a
   document without an id, a text or words is skipped, as a scan skips it;
2. keys (content fingerprint, LSH band keys) per document, in batches;
3. exact duplicates (equal content) collapse onto their first document;
4. candidate pairs: representatives sharing the key of one band
   (exploded band keys, grouped by (band, key));
5. verification: the texts joined to each candidate, the exact Jaccard
   computed in batches, pairs at or above the threshold kept;
6. expansion of exact duplicates (``reprint.scan.parts`` in the crate says
   how; groups above ``MAX_EXPANDED_GROUP`` as stars);
7. clusters: connected components by the large-star / small-star
   algorithm (Kiveris et al., "Connected Components in MapReduce and
   Beyond", 2014), DataFrame joins only.

Output: ``pairs`` (``a``, ``b``, ``jaccard``; ``a`` is the earlier
document in input order) and ``clusters`` (``cluster``: its earliest
document's id, ``member``) as Parquet under ``--out``.

The passage stage is distributed in the same way, step by step, each
value computed by the crate (``reprint::passages::parts``) and each rule
the crate's: :func:`passage_groups` (boilerplate and template groups) and
:func:`passage_regions` (the regions each pair of documents shares, with
their similarity and significance) and :func:`passage_links` (significance
and containment of each linked pair) give what a scan gives; passage
clusters are not distributed yet (run ``reprint scan``).
"""

import argparse
import os
import pathlib
import sys
from typing import NamedTuple

import pyarrow as pa

import reprint
from reprint import _native

__all__ = ["read_documents", "near_duplicates", "connected_components", "passage_groups", "passage_regions", "passages", "main"]

# The document-stage options a job passes to the package (the scan's
# option names); passages are not part of this stage.
_STAGE_OPTIONS = ("threshold", "shingle", "num_perm", "bands", "rows", "fold_spelling")


# Candidate documents whose numbers are broadcast to every executor to
# select their texts (8 bytes each: 160 MB at most); above it the texts
# are selected by a shuffle join.
_BROADCAST_DOCUMENTS = 20_000_000


def _stage_options(options):
    unknown = set(options) - set(_STAGE_OPTIONS)
    if unknown:
        raise reprint.ReprintError(f"unknown options: {', '.join(sorted(unknown))}")
    return dict(options, passages=False)


def read_documents(spark, paths, id_field="id", text_field="text"):
    """The documents of ``paths`` (JSONL files, or Parquet files and
    directories), numbered in input order: a DataFrame of ``idx`` (long),
    ``id`` and ``text``; documents without an id or a text are left out
    and a repeated id keeps its first document, as ``reprint scan`` does.

    Each file is read on its own and the parts are numbered in the order
    given (Spark packs the files of one read by size, not by name). A
    local directory is listed as a scan lists it (its JSONL and Parquet
    files, recursively, hidden ones left out, in name order); any other
    directory (``s3://``, ``hdfs://``) is read as Parquet in the order
    Spark reads it, so which of two exact duplicates in different files
    counts as the first may differ from a scan of the same files."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    schema = StructType([StructField(id_field, StringType()), StructField(text_field, StringType())])
    parts = []
    for path in (f for p in paths for f in _input_files(p)):
        if path.endswith(".parquet") or "://" in path:
            part = spark.read.parquet(path).select(
                F.col(id_field).cast("string").alias("id"), F.col(text_field).alias("text"))
        else:
            lines = spark.read.text(path)
            parsed = F.from_json(F.col("value"), schema)
            part = lines.select(parsed[id_field].alias("id"), parsed[text_field].alias("text"))
        parts.append(part)
    docs = parts[0]
    for part in parts[1:]:
        docs = docs.unionAll(part)
    # Increasing in partition order, and the parts' partitions follow
    # each other in the order given: the input order, without a pass of
    # rows through Python.
    docs = docs.select(F.monotonically_increasing_id().alias("idx"), "id", "text")
    docs = docs.where(F.col("id").isNotNull() & F.col("text").isNotNull())
    # Repeated ids are found from (idx, id) alone and left out by a
    # broadcast anti-join: the texts are not shuffled for the few there are.
    ids = docs.select("idx", "id")
    repeated = (ids.groupBy("id").agg(F.min("idx").alias("first"), F.count("*").alias("n"))
                .where(F.col("n") > 1))
    later = ids.join(repeated, "id").where(F.col("idx") != F.col("first")).select("idx")
    return docs.join(F.broadcast(later), "idx", "left_anti").select("idx", "id", "text")


def _input_files(path):
    """The files a path names: a local directory's JSONL (``.jsonl``,
    ``.ndjson``) and Parquet files, recursively, hidden ones left out, in
    a scan's order (names compared directory level by level); anything
    else as it is."""
    if "://" in path or not os.path.isdir(path):
        return [path]
    root = pathlib.Path(path)
    found = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith(".") and name.lower().endswith((".jsonl", ".ndjson", ".parquet")):
                found.append(pathlib.Path(dirpath, name))
    if not found:
        raise reprint.ReprintError(f"{path}: no JSONL or Parquet files in this directory")
    return [str(f) for f in sorted(found, key=lambda f: f.relative_to(root).parts)]


def _keys_schema():
    return "idx long, content long, band_keys array<long>"


def _keys_of(options):
    """mapInArrow: batches of (idx, text) → (idx, content, band_keys) for
    the documents with words."""

    def run(batches):
        for batch in batches:
            keys = reprint.fingerprint(batch.column("text"), **options)
            has = keys.column("has_words").combine_chunks()
            content = keys.column("content").combine_chunks().view(pa.int64())
            bands = keys.column("band_keys").combine_chunks()
            flat = bands.flatten().view(pa.int64())
            width = bands.type.list_size
            offsets = pa.array(range(0, (len(bands) + 1) * width, width), pa.int32())
            lists = pa.ListArray.from_arrays(offsets, flat)
            out = pa.RecordBatch.from_arrays(
                [batch.column("idx"), content, lists], ["idx", "content", "band_keys"])
            yield out.filter(has)

    return run


def _jaccard_of(options):
    """mapInArrow: batches of (a, b, a_text, b_text) → (a, b, jaccard)."""

    def run(batches):
        for batch in batches:
            jaccard = reprint.verify(batch.column("a_text"), batch.column("b_text"), **options)
            yield pa.RecordBatch.from_arrays(
                [batch.column("a"), batch.column("b"), jaccard], ["a", "b", "jaccard"])

    return run


def near_duplicates(docs, **options):
    """The near-duplicate pairs and clusters of ``docs`` (as
    :func:`read_documents` gives them) with the scan's options
    (``threshold``, ``shingle``, ``num_perm``, ``bands``/``rows``,
    ``fold_spelling``): ``(pairs, clusters)``, DataFrames of ``(a, b,
    jaccard)`` and ``(cluster, member)`` by document number (``idx``)."""
    from pyspark.sql import functions as F

    options = _stage_options(options)
    # Options are checked here, on the driver, as a scan checks them: a
    # bad one is a ReprintError with the scan's message, not a failed task.
    reprint.fingerprint([], **options)
    threshold = options.get("threshold", 0.8)
    keys = docs.select("idx", "text").mapInArrow(_keys_of(options), _keys_schema())
    keys = keys.localCheckpoint()
    # Exact duplicates: each content group's members, its first the
    # representative.
    groups = keys.groupBy("content").agg(
        F.min("idx").alias("rep"), F.count("*").alias("size"))
    member = keys.join(groups, "content").select("idx", "rep", "size")
    reps = keys.join(groups.select(F.col("rep").alias("idx")), "idx")
    # Candidates: representatives sharing a band's key.
    banded = reps.select("idx", F.posexplode("band_keys").alias("band", "key"))
    x, y = banded.alias("x"), banded.alias("y")
    candidates = (
        x.join(y, (F.col("x.band") == F.col("y.band")) & (F.col("x.key") == F.col("y.key"))
               & (F.col("x.idx") < F.col("y.idx")))
        .select(F.col("x.idx").alias("a"), F.col("y.idx").alias("b"))
        .distinct())
    # Only the texts of candidate documents travel to the pairs: the set
    # of those documents is broadcast to pick them where they lie when it
    # is small enough (every text would otherwise be shuffled, twice).
    candidates = candidates.localCheckpoint()
    needed = candidates.select(F.col("a").alias("idx")).unionByName(
        candidates.select(F.col("b").alias("idx"))).distinct().localCheckpoint()
    if needed.count() <= _BROADCAST_DOCUMENTS:
        needed = F.broadcast(needed)
    texts = docs.select("idx", "text").join(needed, "idx", "left_semi")
    joined = (
        candidates
        .join(texts.select(F.col("idx").alias("a"), F.col("text").alias("a_text")), "a")
        .join(texts.select(F.col("idx").alias("b"), F.col("text").alias("b_text")), "b")
        .select("a", "b", "a_text", "b_text"))
    verified = (
        joined.mapInArrow(_jaccard_of(options), "a long, b long, jaccard double")
        .where(F.col("jaccard") >= threshold))
    pairs = _expand_duplicates(verified, member)
    clusters = connected_components(pairs.select("a", "b"))
    return pairs, clusters


def _expand_duplicates(verified, member):
    """Pairs between representatives → pairs between documents, as the
    scan expands them (``MAX_EXPANDED_GROUP``)."""
    from pyspark.sql import functions as F

    limit = _native.MAX_EXPANDED_GROUP
    # What stands for each representative in its pairs: every member of a
    # group small enough, else the representative alone.
    stands = member.where((F.col("size") <= limit) | (F.col("idx") == F.col("rep")))
    ea = stands.select(F.col("rep").alias("a"), F.col("idx").alias("ma"))
    eb = stands.select(F.col("rep").alias("b"), F.col("idx").alias("mb"))
    across = (
        verified.join(ea, "a").join(eb, "b")
        .select(F.least("ma", "mb").alias("a"), F.greatest("ma", "mb").alias("b"), "jaccard"))
    small = member.where(F.col("size") > 1)
    s1, s2 = small.alias("s1"), small.alias("s2")
    within_small = (
        s1.join(s2, (F.col("s1.rep") == F.col("s2.rep")) & (F.col("s1.idx") < F.col("s2.idx")))
        .where(F.col("s1.size") <= limit)
        .select(F.col("s1.idx").alias("a"), F.col("s2.idx").alias("b"), F.lit(1.0).alias("jaccard")))
    stars = (
        member.where((F.col("size") > limit) & (F.col("idx") != F.col("rep")))
        .select(F.col("rep").alias("a"), F.col("idx").alias("b"), F.lit(1.0).alias("jaccard")))
    return across.unionByName(within_small).unionByName(stars)


def connected_components(edges):
    """Connected components of an undirected graph given as ``(a, b)``
    edges of ``long`` nodes: ``(cluster, member)`` with ``cluster`` the
    smallest node of the component (nodes without an edge are left out).
    Large-star and small-star steps alternate until the edges stop
    changing; each step is a group-by and a join."""
    from pyspark.sql import functions as F

    edges = edges.select(F.least("a", "b").alias("u"), F.greatest("a", "b").alias("v")) \
        .where(F.col("u") != F.col("v")).distinct().localCheckpoint()
    while True:
        # Large star: each node's larger neighbours to the smallest node
        # of its neighbourhood.
        both = edges.select("u", "v").unionByName(edges.select(F.col("v").alias("u"), F.col("u").alias("v")))
        low = both.groupBy("u").agg(F.least(F.min("v"), F.first("u")).alias("m"))
        large = (both.join(low, "u").where(F.col("v") > F.col("u"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())
        # Small star: each node and its smaller neighbours to the smallest
        # of them.
        oriented = large.select(F.greatest("u", "v").alias("u"), F.least("u", "v").alias("v"))
        low = oriented.groupBy("u").agg(F.min("v").alias("m"))
        nodes = oriented.unionByName(oriented.select("u", F.col("u").alias("v")))
        small = (nodes.join(low, "u").where(F.col("v") != F.col("m"))
                 .select(F.col("v").alias("u"), F.col("m").alias("v")))
        small = small.select(F.least("u", "v").alias("u"), F.greatest("u", "v").alias("v")) \
            .distinct().localCheckpoint()
        changed = small.exceptAll(edges).limit(1).count() + edges.exceptAll(small).limit(1).count()
        edges = small
        if changed == 0:
            break
    # Every edge now joins a node to its component's smallest node.
    roots = edges.select(F.col("u").alias("cluster"), F.col("u").alias("member")).distinct()
    leaves = edges.select(F.col("u").alias("cluster"), F.col("v").alias("member"))
    return roots.unionByName(leaves)


def _facts_schema():
    return ("idx long, unit int, start int, end int, fingerprint long, tail int, story long, "
            "known_line long, shape long, shape_text long")


def _facts_of(options):
    """mapInArrow: batches of (idx, text) → one row per unit of each text,
    its passage facts (:func:`reprint.passage_facts`; 64-bit hashes as
    Spark's signed longs)."""
    import pyarrow.compute as pc

    def run(batches):
        for batch in batches:
            facts = reprint.passage_facts(batch.column("text"), **options)
            col = lambda name: facts.column(name).combine_chunks()
            idx = pc.take(batch.column("idx"), col("row"))
            cols = [idx] + [col(name).cast(pa.int32()) for name in ("unit", "start", "end")]
            cols += [_signed(col("fingerprint")), col("tail").cast(pa.int32())]
            cols += [_signed(col(name)) for name in ("story", "known_line", "shape", "shape_text")]
            yield pa.RecordBatch.from_arrays(
                cols, ["idx", "unit", "start", "end", "fingerprint", "tail", "story",
                       "known_line", "shape", "shape_text"])

    return run


def _le_array(type_, data):
    """A little-endian column the extension returned (``bytes``) as an
    Arrow array of ``type_``, without a copy."""
    return pa.Array.from_buffers(type_, len(data) // (type_.bit_width // 8), [None, pa.py_buffer(data)])


def _signed(column):
    """A 64-bit integer column as Spark's ``long`` (unsigned values
    reinterpreted, nulls kept)."""
    import pyarrow.compute as pc

    return pc.cast(column, pa.int64(), safe=False)


def _by_group(key, rule, out_columns):
    """mapInArrow over rows sorted by ``key`` within their partition (one
    group's rows in one partition): ``rule(table)`` (a bool per row, the
    same for a group's rows) over whole groups, and the rows it keeps,
    with ``out_columns``."""
    return _per_groups([key], lambda table: table.filter(rule(table)).select(out_columns))


def _per_groups(keys, f):
    """mapInArrow over rows sorted by ``keys`` within their partition (one
    group's rows in one partition): ``f(table)`` over tables of whole
    groups — a group cut by a batch boundary is carried into the next —
    and the rows of the tables it returns."""
    import pyarrow.compute as pc

    def last_group_start(table):
        same = None
        for key in keys:
            column = table.column(key)
            eq = pc.equal(column, column[-1])
            same = eq if same is None else pc.and_(same, eq)
        return pc.index(same, True).as_py()

    def done(table):
        if table.num_rows:
            yield from f(table).to_batches()

    def run(batches):
        carry = None
        for batch in batches:
            table = pa.Table.from_batches([batch])
            if carry is not None:
                table = pa.concat_tables([carry, table])
            if table.num_rows == 0:
                continue
            cut = last_group_start(table)
            yield from done(table.slice(0, cut))
            carry = table.slice(cut)
        if carry is not None:
            yield from done(carry)

    return run


def passage_groups(docs, clusters, **options):
    """The boilerplate and template groups of ``docs`` (as
    :func:`read_documents` gives them; ``clusters`` as
    :func:`near_duplicates` gives them, the families) with the scan's
    options: a DataFrame of ``kind`` (``boilerplate`` or ``template``),
    ``group`` (the group's rank within its kind, as the scan orders them:
    largest first, then by first unit), ``idx``, ``unit``, ``start`` and
    ``end`` (the unit's byte span), one row per unit of a group.

    Each document's units and their facts come from
    :func:`reprint.passage_facts`; units are grouped by fingerprint (and
    the rule :func:`reprint.chrome_rule` applied to each group), by known
    line, and — those left — by template shape (:func:`reprint.template_rule`).
    The scan's passage stage applies the same rules to the same facts
    (``reprint::passages::parts``)."""
    return _ranked_groups(_grouped_units(docs, clusters, options)[3])


def _ranked_groups(units):
    """The groups of ``units`` (as :func:`_grouped_units` gives them)
    ranked within their kind as the scan orders them: ``kind``, ``group``,
    ``idx``, ``unit``, ``start``, ``end``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    unit_columns = ["idx", "unit", "start", "end"]
    sizes = units.groupBy("kind", "rule", "key").agg(
        F.count("*").alias("size"), F.min(F.struct("idx", "unit")).alias("first"))
    ranked = sizes.withColumn("group", F.row_number().over(
        Window.partitionBy("kind").orderBy(F.col("size").desc(), F.col("first"))) - 1)
    return units.join(ranked, ["kind", "rule", "key"]).select("kind", "group", *unit_columns)


def _grouped_units(docs, clusters, options):
    """Step 1 and 2 of the passage stage: ``(facts, family, min_docs,
    units)`` — every unit's facts with its family, each document's
    family (``idx``, ``family``), the boilerplate frequency, and the units
    of every boilerplate and template group (``kind``, ``rule``, ``key``,
    ``idx``, ``unit``, ``start``, ``end``)."""
    from pyspark.sql import functions as F

    reprint.passage_facts([], **options)
    facts = docs.select("idx", "text").mapInArrow(_facts_of(options), _facts_schema())
    facts = facts.localCheckpoint()
    # The scan's document count: documents with words (each has a unit).
    n_docs = facts.select("idx").distinct().count()
    min_docs = max(2, options.get("boilerplate_min_docs") or reprint.auto_boilerplate_min_docs(n_docs))
    family = (docs.select("idx")
              .join(clusters.select(F.col("member").alias("idx"), F.col("cluster").alias("family")), "idx", "left")
              .withColumn("family", F.coalesce("family", "idx")).localCheckpoint())
    facts = facts.join(family, "idx").localCheckpoint()
    unit_columns = ["idx", "unit", "start", "end"]

    def grouped(rows, key, rule, columns):
        # Materialized first: repartitioning the join's output directly
        # lets Spark reuse the join's partitioning, whose skewed
        # partitions adaptive execution splits — one group's rows then
        # reach the rule in two tasks (seen on 20,000 generated articles).
        return (rows.localCheckpoint().repartition(key).sortWithinPartitions(key)
                .mapInArrow(_by_group(key, rule, columns + unit_columns),
                            f"{key} long, " + ", ".join(f"{c} {t}" for c, t in
                                                       zip(unit_columns, ["long", "int", "int", "int"]))))

    repeated = facts.groupBy("fingerprint").count().where(F.col("count") >= 2).select("fingerprint")
    chrome = grouped(
        facts.join(repeated, "fingerprint"), "fingerprint",
        lambda t: reprint.chrome_rule(t.column("fingerprint"), t.column("family"), t.column("tail"),
                                      t.column("story"), min_docs),
        ["fingerprint"])
    chrome = chrome.select(F.lit("chrome").alias("rule"), F.col("fingerprint").alias("key"), *unit_columns)
    known = (facts.where(F.col("known_line").isNotNull())
             .join(chrome.select("idx", "unit"), ["idx", "unit"], "left_anti")
             .select(F.lit("known").alias("rule"), F.col("known_line").alias("key"), *unit_columns))
    boilerplate = chrome.unionByName(known).localCheckpoint()
    shaped = (facts.where(F.col("shape").isNotNull())
              .join(boilerplate.select("idx", "unit"), ["idx", "unit"], "left_anti"))
    # Only shapes filled in enough families can be templates.
    frequent = (shaped.groupBy("shape").agg(F.countDistinct("family").alias("families"))
                .where(F.col("families") >= _native.MIN_TEMPLATE_FAMILIES).select("shape"))
    templates = grouped(
        shaped.join(frequent, "shape"), "shape",
        lambda t: reprint.template_rule(t.column("shape"), t.column("family"), t.column("shape_text")),
        ["shape"])
    templates = templates.select(F.lit("template").alias("rule"), F.col("shape").alias("key"), *unit_columns)
    units = boilerplate.unionByName(templates).withColumn(
        "kind", F.when(F.col("rule") == "template", "template").otherwise("boilerplate"))
    return facts, family, min_docs, units


def _anchors_of(units, options):
    """mapInArrow: batches of documents (idx, text, skip, family, fsize)
    → (idx, unit, key, family, fsize), the anchor keys of each unit not
    in ``skip`` in a corpus of ``units`` units, with its document's
    family and family size."""
    import pyarrow.compute as pc

    def run(batches):
        for batch in batches:
            texts = reprint._arrow_strings(batch.column("text"))
            rows, unit, keys = _native.unit_anchor_keys_arrow(
                texts, units, _list_bytes(batch.column("skip")), **options)
            rows = _le_array(pa.uint32(), rows)
            yield pa.RecordBatch.from_arrays(
                [pc.take(batch.column("idx"), rows), _le_array(pa.uint32(), unit).cast(pa.int32()),
                 _signed(_le_array(pa.uint64(), keys)), pc.take(batch.column("family"), rows),
                 pc.take(batch.column("fsize"), rows)],
                ["idx", "unit", "key", "family", "fsize"])

    return run


def _anchor_pairs_of(min_docs):
    """mapInArrow over anchor rows (idx, unit, key, family, fsize) sorted
    by key, document and unit → (a, ua, key, fams, b, ub): each unit's
    partners through one key (the extension's ``anchor_pairs_arrow``:
    the crate's rules for which keys and units pair)."""
    import pyarrow.compute as pc

    def pairs(table):
        col = table.column
        rows, fams, offsets, bs, ubs = _native.anchor_pairs_arrow(
            reprint._le_bytes(col("key"), pa.uint64()), reprint._le_bytes(col("idx"), pa.uint64()),
            reprint._le_bytes(col("unit"), pa.uint32()), reprint._le_bytes(col("family"), pa.uint64()),
            reprint._le_bytes(col("fsize"), pa.uint64()), min_docs)
        rows = _le_array(pa.uint32(), rows)
        offsets = _le_array(pa.int32(), offsets)
        return pa.table(
            [pc.take(col("idx"), rows), pc.take(col("unit"), rows), pc.take(col("key"), rows),
             _le_array(pa.uint32(), fams).cast(pa.int32()),
             pa.ListArray.from_arrays(offsets, _signed(_le_array(pa.uint64(), bs))),
             pa.ListArray.from_arrays(offsets, _le_array(pa.uint32(), ubs).cast(pa.int32()))],
            ["a", "ua", "key", "fams", "b", "ub"])

    return _per_groups(["key"], pairs)


def _tally_of(settings):
    """mapInArrow over :func:`_anchor_pairs_of`'s rows sorted by ``a`` →
    (a, b, ua, ub, rare, any): each document pair's candidate unit pairs
    and anchor flags (the extension's ``unit_tally_arrow``)."""

    def tally(table):
        col = table.column
        offsets, bs = _list_bytes(col("b"), pa.uint64())
        out = _native.unit_tally_arrow(
            reprint._le_bytes(col("a"), pa.uint64()), reprint._le_bytes(col("ua"), pa.uint32()),
            reprint._le_bytes(col("key"), pa.uint64()), reprint._le_bytes(col("fams"), pa.uint32()),
            offsets, bs, _list_bytes(col("ub"))[1], settings["min_shared_anchors"],
            settings["min_containment_anchors"], settings["rare_anchor_families"])
        offsets = _le_array(pa.int32(), out[2])
        return pa.table(
            [_signed(_le_array(pa.uint64(), out[0])), _signed(_le_array(pa.uint64(), out[1])),
             pa.ListArray.from_arrays(offsets, _le_array(pa.uint32(), out[3]).cast(pa.int32())),
             pa.ListArray.from_arrays(offsets, _le_array(pa.uint32(), out[4]).cast(pa.int32())),
             _le_array(pa.uint8(), out[5]).cast(pa.bool_()), _le_array(pa.uint8(), out[6]).cast(pa.bool_())],
            ["a", "b", "ua", "ub", "rare", "any"])

    return _per_groups(["a"], tally)


def _list_bytes(column, values=pa.uint32()):
    """A list column as the extension reads it: ``i32`` offsets from 0
    and the values (``values``, ``u32`` by default), as bytes. A sliced
    column's offsets are made to start at 0, and its values are the
    slice's (``flatten``)."""
    import pyarrow.compute as pc

    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = pc.subtract(column.offsets, column.offsets[0])
    return reprint._le_bytes(offsets, pa.int32()), reprint._le_bytes(column.flatten(), values)


# A region's unit alignments (``tile_regions_arrow``'s second table):
# the alignment whose occurrence each joins, the units, word ranges and
# byte spans on each side, the similarity.
_ALIGNMENT_FIELDS = ("owner", "ua", "ub", "wa0", "wa1", "wb0", "wb1", "ba0", "ba1", "bb0", "bb1")
_ALIGNMENTS = ("array<struct<" + ", ".join(f"{f}: int" for f in _ALIGNMENT_FIELDS)
               + ", similarity: double>>")


def _regions_schema():
    import pyarrow as pa

    alignment = pa.struct([(f, pa.int32()) for f in _ALIGNMENT_FIELDS] + [("similarity", pa.float64())])
    return pa.schema([("a", pa.int64()), ("b", pa.int64())]
                     + [(c, pa.int32()) for c in ("a_start", "a_end", "b_start", "b_end")]
                     + [("similarity", pa.float64()), ("anchors", pa.list_(pa.int64())),
                        ("k", pa.int32()), ("alignments", pa.list_(alignment))])


def _regions_of(options):
    """mapInArrow over tiles (:func:`_tiles`; rows sorted by ``tile``):
    each tile's documents (``idx``, ``text``, ``skip``) and document
    pairs (``a``, ``b``, ``ua``, ``ub``, ``rare``, ``any``) → one row per
    region a pair shares (a, b, byte spans, similarity, shared anchors,
    place ``k`` among the pair's, unit alignments)."""
    import numpy as np
    import pyarrow.compute as pc

    schema = _regions_schema()

    def u32(c):
        return _le_array(pa.uint32(), c)

    def alignments(columns, n):
        region = u32(columns[0]).to_numpy()
        fields = [u32(c).cast(pa.int32()) for c in columns[1:12]] + [_le_array(pa.float64(), columns[12])]
        structs = pa.StructArray.from_arrays(fields, list(_ALIGNMENT_FIELDS) + ["similarity"])
        offsets = np.concatenate([[0], np.cumsum(np.bincount(region, minlength=n))]).astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets), structs)

    def regions(table):
        is_doc = pc.is_valid(table.column("idx"))
        docs, pairs = table.filter(is_doc), table.filter(pc.invert(is_doc))
        col = pairs.column
        out, aligned = _native.tile_regions_arrow(
            reprint._le_bytes(docs.column("idx"), pa.uint64()),
            reprint._arrow_strings(docs.column("text")), _list_bytes(docs.column("skip")),
            reprint._le_bytes(col("a"), pa.uint64()), reprint._le_bytes(col("b"), pa.uint64()),
            _list_bytes(col("ua")), _list_bytes(col("ub")),
            reprint._le_bytes(col("rare"), pa.uint8()), reprint._le_bytes(col("any"), pa.uint8()),
            **options)
        n = len(out[0]) // 4
        if n == 0:
            return schema.empty_table()
        row = u32(out[0])
        anchors = pa.ListArray.from_arrays(_le_array(pa.int32(), out[6]),
                                           _signed(_le_array(pa.uint64(), out[7])))
        return pa.Table.from_arrays(
            [pc.take(col("a"), row), pc.take(col("b"), row)]
            + [u32(c).cast(pa.int32()) for c in out[1:5]]
            + [_le_array(pa.float64(), out[5]), anchors, u32(out[8]).cast(pa.int32()),
               alignments(aligned, n)],
            schema=schema)

    return _per_groups(["tile"], regions)


# Documents per side of a tile (:func:`_tiles`): a tile holds at most
# twice this many, which bounds what one call reads.
_TILE_DOCS = 1024


def _tiles(pairs, texts, n_docs):
    """The rows :func:`_regions_of` reads: documents are dealt into
    blocks of about :data:`_TILE_DOCS` (by hash); a pair belongs to the
    tile of its two blocks (in either order); each tile holds its pairs (``tile``, ``a``,
    ``b``, ``ua``, ``ub``, ``rare``, ``any``) and, once each, the
    documents they name (``tile``, ``idx``, ``text``, ``skip``: units
    that are boilerplate or templates; from ``texts``). Reading a text is most of what
    comparing a pair costs: a document is read once per tile, not once
    per pair, and shipped once per tile (the texts are most of what is
    shuffled). Partitioned and sorted by tile."""
    from pyspark.sql import functions as F

    blocks = max(1, -(-n_docs // _TILE_DOCS))
    block = lambda c: F.pmod(F.xxhash64(c), F.lit(blocks))
    # A tile is an unordered pair of blocks: a document is in at most one
    # tile per block.
    ba, bb = block("a"), block("b")
    pairs = pairs.withColumn("tile", F.least(ba, bb) * blocks + F.greatest(ba, bb))
    members = (pairs.select("tile", F.col("a").alias("idx"))
               .unionByName(pairs.select("tile", F.col("b").alias("idx"))).distinct())
    rows = (members.join(texts.select("idx", "text", "skip"), "idx")
            .unionByName(pairs, allowMissingColumns=True))
    return rows.repartition("tile").sortWithinPartitions("tile")


def passage_regions(docs, clusters, **options):
    """The regions each pair of ``docs`` shares, as a scan's links list
    them (``a < b`` by document number; byte spans; the similarity and
    significance): a DataFrame of ``a``, ``b``, ``a_start``, ``a_end``,
    ``b_start``, ``b_end``, ``similarity``, ``significance``.
    ``clusters`` as :func:`near_duplicates` gives them.

    Steps 1 to 4 of the scan's passage stage
    (``reprint::passages::parts``): boilerplate and template units
    (:func:`passage_groups`) left out; each other unit's anchor keys,
    grouped by key (an anchor in too many families pairs nothing); unit
    pairs sharing enough anchors, and document pairs sharing rare ones;
    pairs dealt to tiles with their documents (:func:`_tiles`), each
    tile's regions found by the crate's ``batch_runs`` (what
    ``pair_runs`` finds for each pair alone); then step 5, each region's
    significance."""
    regions = _passage_regions(docs, clusters, options).regions
    return regions.select("a", "b", "a_start", "a_end", "b_start", "b_end", "similarity", "significance")


def _passage_regions(docs, clusters, options):
    """Steps 1 to 5: :func:`passage_regions` with each region's number
    (``region``), place among its pair's (``k``) and unit alignments, and
    what the later steps need besides (:class:`_Found`)."""
    from pyspark.sql import functions as F

    settings = _native.passage_settings(**options)
    facts, family, min_docs, units = _grouped_units(docs, clusters, options)
    n_units = facts.count()
    # Each document's skipped units, family and family size joined to
    # its text before its anchors are taken: per-document rows cross
    # the network, not a row per word.
    skips = (units.select("idx", "unit").distinct().groupBy("idx")
             .agg(F.collect_list("unit").alias("skip")).localCheckpoint())
    sizes = family.groupBy("family").agg(F.count("*").alias("fsize"))
    texts = (docs.select("idx", "text").join(skips, "idx", "left")
             .withColumn("skip", F.coalesce("skip", F.array().cast("array<int>")))
             .join(family.join(sizes, "family"), "idx").localCheckpoint())
    anchors = texts.mapInArrow(_anchors_of(n_units, options),
                               "idx long, unit int, key long, family long, fsize long").localCheckpoint()
    # One shuffle of the anchors by key; each key's unit pairs listed by
    # the extension and gathered by document, where they are counted
    # (a unit pair sharing many anchors is one row per anchor until
    # then: tallied per document, not joined and grouped twice).
    postings = (anchors.repartition("key").sortWithinPartitions("key", "idx", "unit")
                .mapInArrow(_anchor_pairs_of(min_docs),
                            "a long, ua int, key long, fams int, b array<long>, ub array<int>"))
    found = (postings.repartition("a").sortWithinPartitions("a")
             .mapInArrow(_tally_of(settings),
                         "a long, b long, ua array<int>, ub array<int>, rare boolean, any boolean")
             .localCheckpoint())
    searched = {2: F.col("rare"), 3: F.col("any")}.get(settings["rewrites"], F.lit(False))
    pairs = found.where((F.size("ua") > 0) | searched)
    regions = _tiles(pairs.localCheckpoint(), texts, family.count()).mapInArrow(
        _regions_of(options),
        "a long, b long, a_start int, a_end int, b_start int, b_end int, similarity double, "
        f"anchors array<long>, k int, alignments {_ALIGNMENTS}")
    regions = regions.withColumn("region", F.monotonically_increasing_id()).localCheckpoint()
    weights = _significance(docs, facts, regions, options)
    regions = (regions.join(weights, "region", "left")
               .select("region", "a", "b", "a_start", "a_end", "b_start", "b_end", "similarity",
                       F.coalesce("significance", F.lit(0.0)).alias("significance"), "k",
                       "alignments"))
    return _Found(regions.localCheckpoint(), texts, units, found.where("any").select("a", "b"),
                  family)


class _Found:
    """What steps 1 to 5 give the later ones: the ``regions`` (with their
    number ``region`` and unit ``alignments``), each document's
    text and boilerplate and template units (``texts``: ``idx``,
    ``text``, ``skip``, ``family``, ``fsize``), the
    units of every boilerplate and template group (``units``) and the
    document pairs sharing enough anchors to be compared by containment
    (``candidates``: ``a``, ``b``), and each document's family (``idx``,
    ``family``)."""

    def __init__(self, regions, texts, units, candidates, family):
        self.regions, self.texts, self.units, self.candidates = regions, texts, units, candidates
        self.family = family


def _with_texts(pairs, texts):
    """``pairs`` (``a``, ``b``, …) with both documents' texts (``a_text``,
    ``b_text``) and their units that are boilerplate or templates
    (``skip_a``, ``skip_b``), from ``texts`` (``idx``, ``text``,
    ``skip``), sorted by ``a`` within partitions: the extension reads a
    run of rows with one ``a`` once."""
    from pyspark.sql import functions as F

    side = lambda name: texts.select(F.col("idx").alias(name), F.col("text").alias(f"{name}_text"),
                                     F.col("skip").alias(f"skip_{name}"))
    return pairs.join(side("b"), "b").join(side("a"), "a").sortWithinPartitions("a", "b")


def _containment_of(options):
    """mapInArrow: batches of (a, b, a_text, b_text, skip_a, skip_b) →
    (a, b, containment_a, containment_b)."""

    def run(batches):
        for batch in batches:
            col = batch.column
            ca, cb = _native.pair_containment_arrow(
                reprint._arrow_strings(col("a_text")), reprint._arrow_strings(col("b_text")),
                _list_bytes(col("skip_a")), _list_bytes(col("skip_b")), **options)
            yield pa.RecordBatch.from_arrays(
                [col("a"), col("b"), _le_array(pa.float64(), ca), _le_array(pa.float64(), cb)], ["a", "b", "containment_a", "containment_b"])

    return run


def passages(docs, clusters, **options):
    """The passage stage of a scan of ``docs`` (as :func:`read_documents`
    gives them; ``clusters`` as :func:`near_duplicates` gives them, the
    families) with the scan's options: ``(passage_clusters, links)`` by
    document number, each row as the scan's report has it.

    ``passage_clusters``: one row per occurrence — ``cluster`` (the scan's
    passage cluster number: reuse clusters by first occurrence, then
    boilerplate groups, then templates, each as :func:`passage_groups`
    ranks them), ``kind`` (``reuse``, ``boilerplate``, ``template``),
    ``idx``, ``start``, ``end`` (byte span) and ``similarity`` (the best
    alignment's; 1 for whole units).

    ``links``: the document pairs that share regions (and, with
    ``min_containment``, those that share enough anchors and reach it by
    containment alone), ``a < b`` by document number — ``a``, ``b``,
    ``significance`` (the sum of the regions', in ``a``'s order),
    ``containment_a``, ``containment_b`` (the crate's
    ``pair_containment``) and ``shared``: the regions in ``a``'s order,
    each ``a_start``, ``a_end``, ``b_start``, ``b_end``, ``similarity``,
    ``significance`` and ``clusters`` (of its alignments, ascending).
    Links below ``min_significance`` are left out."""
    occurrences, links, _ = _passages(docs, clusters, options)
    return occurrences, links


def _passages(docs, clusters, options):
    """:func:`passages`, and each document's family."""
    found = _passage_regions(docs, clusters, options)
    occurrences, region_clusters = _passage_clusters(found)
    return occurrences, _links(docs, found, region_clusters, options), found.family


def _passage_clusters(found):
    """Step 6: passage clusters — every kept alignment's two sides are
    occurrences of one passage in their units (a unit's ranges that
    overlap enough are one occurrence: the crate's ``unit_occurrences``);
    occurrences joined by alignments are one cluster (connected
    components), numbered by first occurrence; boilerplate and template
    groups follow. Returns the clusters' occurrences and each region's
    clusters (``region``, ``clusters``)."""
    from pyspark.sql import functions as F

    aligned = found.regions.select("region", "a", "b", "k", F.posexplode("alignments").alias("i", "x"))
    kept = aligned.where(F.col("x.owner") == F.col("i"))

    def side(number, idx, unit, words, span):
        return kept.select(
            F.col(idx).alias("idx"), F.col(f"x.{unit}").alias("unit"),
            F.col(f"x.{words}0").alias("start"), F.col(f"x.{words}1").alias("end"),
            F.col(f"x.{span}0").alias("bstart"), F.col(f"x.{span}1").alias("bend"),
            F.col("x.similarity").alias("similarity"), "a", "b", "k", "i",
            F.lit(number).alias("side"), "region")

    ends = side(0, "a", "ua", "wa", "ba").unionByName(side(1, "b", "ub", "wb", "bb"))
    # The scan meets a unit's ranges by start, end, then its alignments'
    # order: documents pairs ascending, regions and alignments in order.
    order = ["idx", "unit", "start", "end", "a", "b", "k", "i", "side"]
    ends = (ends.repartition("idx", "unit").sortWithinPartitions(*order)
            .mapInArrow(_per_groups(["idx", "unit"], _occurrence_numbers),
                        "idx long, unit int, start int, end int, bstart int, bend int, "
                        "similarity double, a long, b long, k int, i int, side int, region long, "
                        "node int")
            .localCheckpoint())
    nodes = ends.groupBy("idx", "unit", "node").agg(
        F.min("bstart").alias("start"), F.max("bend").alias("end"),
        F.max("similarity").alias("similarity"))
    nodes = _numbered(nodes, ["idx", "unit", "node"], "id")
    ends = ends.join(nodes.select("idx", "unit", "node", "id"), ["idx", "unit", "node"])
    edges = ends.groupBy("region", "i").agg(F.min("id").alias("a"), F.max("id").alias("b"))
    components = connected_components(edges)
    # Every node is on an edge, so in a component; the component's
    # smallest node is its first occurrence.
    firsts = _numbered(components.select("cluster").distinct(), ["cluster"], "number")
    cluster_of = (components.join(firsts, "cluster")
                  .select(F.col("member").alias("id"), F.col("number").alias("cluster"))
                  .localCheckpoint())
    reuse = (nodes.join(cluster_of, "id")
             .select("cluster", F.lit("reuse").alias("kind"), "idx", "start", "end", "similarity"))
    # Each alignment is in its owner's cluster (the node of either side).
    owners = (ends.where(F.col("side") == 0).join(cluster_of, "id")
              .select("region", F.col("i").alias("owner"), "cluster"))
    region_clusters = (aligned.select("region", F.col("x.owner").alias("owner"))
                       .join(owners, ["region", "owner"])
                       .groupBy("region").agg(F.sort_array(F.collect_set("cluster")).alias("clusters")))
    n_reuse = firsts.count()
    groups = _ranked_groups(found.units).localCheckpoint()
    n_boilerplate = groups.where(F.col("kind") == "boilerplate").select("group").distinct().count()
    base = F.when(F.col("kind") == "boilerplate", F.lit(n_reuse)).otherwise(F.lit(n_reuse + n_boilerplate))
    whole = groups.select((base + F.col("group")).cast("long").alias("cluster"), "kind", "idx",
                          "start", "end", F.lit(1.0).alias("similarity"))
    return reuse.unionByName(whole), region_clusters


def _occurrence_numbers(table):
    """Each row's occurrence within its unit (``node``) for a table of
    whole units' ranges, sorted (``reprint::passages::parts::unit_occurrences``)."""
    out = _native.unit_occurrences_arrow(
        reprint._le_bytes(table.column("idx"), pa.uint64()),
        reprint._le_bytes(table.column("unit"), pa.uint32()),
        reprint._le_bytes(table.column("start"), pa.uint32()),
        reprint._le_bytes(table.column("end"), pa.uint32()))
    return table.append_column("node", _le_array(pa.uint32(), out).cast(pa.int32()))


def _numbered(df, order, name):
    """``df`` with each row's place in ``order`` (from 0) as ``name``: a
    range-partitioned sort, rows numbered within each partition and
    offset by the sizes of the partitions before (no partition holds
    them all)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    parts = df.repartitionByRange(*order).withColumn("_part", F.spark_partition_id()).localCheckpoint()
    sizes = sorted(parts.groupBy("_part").count().collect())
    offsets, total = [], 0
    for part, size in sizes:
        offsets.append((part, total))
        total += size
    offsets = df.sparkSession.createDataFrame(offsets, "_part int, _offset long")
    within = Window.partitionBy("_part").orderBy(*order)
    return (parts.join(F.broadcast(offsets), "_part")
            .withColumn(name, F.row_number().over(within) - 1 + F.col("_offset"))
            .drop("_part", "_offset"))


def _links(docs, found, region_clusters, options):
    """Step 7: links — each pair's regions with their clusters, its
    significance and containment; pairs linked by containment alone; the
    significance floor."""
    from pyspark.sql import functions as F

    region = F.struct("k", "a_start", "a_end", "b_start", "b_end", "similarity", "significance",
                      "clusters")
    linked = (found.regions.join(region_clusters, "region")
              .groupBy("a", "b").agg(F.sort_array(F.collect_list(region)).alias("shared"))
              .select("a", "b",
                      F.aggregate("shared.significance", F.lit(0.0), lambda acc, x: acc + x)
                      .alias("significance"),
                      F.transform("shared", lambda r: r.dropFields("k")).alias("shared")))
    min_containment = options.get("min_containment")
    pairs = linked.select("a", "b")
    if min_containment is not None:
        pairs = pairs.unionByName(found.candidates).distinct()
    contained = _with_texts(pairs, found.texts).mapInArrow(
        _containment_of(options), "a long, b long, containment_a double, containment_b double")
    links = contained.join(linked, ["a", "b"], "left")
    kept = F.col("shared").isNotNull()
    if min_containment is not None:
        kept = kept | (F.greatest("containment_a", "containment_b") >= min_containment)
    empty = F.array().cast(linked.schema["shared"].dataType)
    links = links.where(kept).select(
        "a", "b", F.coalesce("significance", F.lit(0.0)).alias("significance"),
        "containment_a", "containment_b", F.coalesce("shared", empty).alias("shared"))
    return links.where(F.col("significance") >= options.get("min_significance", 0.0))


def _docs_anchors_of(options):
    """mapInArrow: batches of (idx, text) → (idx, anchor), each document's
    distinct anchors."""
    import pyarrow.compute as pc

    def run(batches):
        for batch in batches:
            rows, values = _native.document_anchors_arrow(
                reprint._arrow_strings(batch.column("text")), **options)
            yield pa.RecordBatch.from_arrays(
                [pc.take(batch.column("idx"), _le_array(pa.uint32(), rows)),
                 _signed(_le_array(pa.uint64(), values))], ["idx", "anchor"])

    return run


def _weights_of(families):
    """mapInArrow: batches of (region, dfs) → (region, significance)."""

    def run(batches):
        for batch in batches:
            dfs = batch.column("dfs")
            out = _native.significance_arrow(*_list_bytes(dfs), families)
            yield pa.RecordBatch.from_arrays(
                [batch.column("region"),
                 _le_array(pa.float64(), out)],
                ["region", "significance"])

    return run


def _significance(docs, facts, regions, options):
    """Step 5: each region's significance — its shared anchors weighed by
    how many families hold them, counted on each family's first document
    (``reprint::passages::parts::significance``)."""
    from pyspark.sql import functions as F

    fams = facts.select("idx", "family").distinct()
    families = fams.select("family").distinct().count()
    firsts = fams.groupBy("family").agg(F.min("idx").alias("idx")).select("idx")
    shared = (regions.select("region", F.posexplode("anchors").alias("pos", "anchor"))
              .localCheckpoint())
    wanted = shared.select("anchor").distinct()
    df = (docs.select("idx", "text").join(firsts, "idx", "left_semi")
          .mapInArrow(_docs_anchors_of(options), "idx long, anchor long")
          .join(wanted, "anchor", "left_semi")
          .groupBy("anchor").agg(F.count("*").alias("df")))
    dfs = (shared.join(df, "anchor", "left")
           .groupBy("region")
           .agg(F.sort_array(F.collect_list(F.struct("pos", F.coalesce("df", F.lit(0)).alias("df"))))
                .alias("counts"))
           .select("region", F.col("counts.df").cast("array<int>").alias("dfs")))
    return dfs.mapInArrow(_weights_of(families), "region long, significance double")


def _natural_keys(ids):
    """mapInArrow: batches of (idx, id, len) → the same and ``key``, the
    id's natural-order key (``reprint::natural::key``: binary order is
    the order a scan gives ids)."""

    def run(batches):
        for batch in batches:
            offsets, data = _native.natural_keys_arrow(reprint._arrow_strings(batch.column("id")))
            keys = pa.Array.from_buffers(pa.binary(), batch.num_rows,
                                         [None, pa.py_buffer(offsets), pa.py_buffer(data)])
            yield pa.RecordBatch.from_arrays(list(batch.columns) + [keys], batch.schema.names + ["key"])

    return ids.mapInArrow(run, "idx long, id string, len long, key binary")


def _quoted(text, start, end):
    """The text between two byte offsets of ``text``."""
    from pyspark.sql import functions as F

    return F.decode(F.substr(F.encode(text, "UTF-8"), start + 1, end - start), "UTF-8")


def named_passages(docs, occurrences, links, family):
    """The passage stage's findings (:func:`passages`) as a scan reports
    them: ``(passage_clusters, links)`` by id, in the report's shape.

    ``passage_clusters``: a row per cluster — ``id``, ``kind``,
    ``boilerplate`` (``kind`` is ``boilerplate``), ``documents``, ``quote`` (its representative occurrence: the longest,
    then the first by id), ``occurrences`` (``doc``, ``start``, ``end``,
    ``similarity``; by id in natural order, then start).

    ``links``: a row per link — ``a`` (the id that sorts first: its sides
    swapped when needed), ``b``, ``score``, ``a_coverage``,
    ``b_coverage``, ``near_duplicate``, ``containment_a``,
    ``containment_b``, ``significance`` and ``shared`` (``cluster``,
    ``clusters``, ``a_span``, ``b_span``, ``similarity``,
    ``significance``; by span). Titles, dates and
    sources are a scan's only: the job reads ids and texts."""
    from pyspark.sql import functions as F

    ids = _natural_keys(docs.select("idx", "id", F.octet_length("text").cast("long").alias("len")))
    ids = ids.join(family, "idx").localCheckpoint()
    texts = docs.select("idx", "text")
    occ = occurrences.join(ids.select("idx", F.col("id").alias("doc"), "key"), "idx")
    longest = F.struct((F.col("start") - F.col("end")).alias("shorter"), "key", "start", "end", "idx")
    reps = (occ.groupBy("cluster").agg(F.min(longest).alias("r"))
            .select("cluster", "r.idx", "r.start", "r.end").join(texts, "idx")
            .select("cluster", _quoted(F.col("text"), F.col("start"), F.col("end")).alias("quote")))
    listed = F.struct("key", "start", "doc", "end", "similarity")
    clusters = (occ.groupBy("cluster", "kind")
                .agg(F.sort_array(F.collect_list(listed)).alias("o"))
                .join(reps, "cluster")
                .select(F.col("cluster").alias("id"), "kind",
                        (F.col("kind") == "boilerplate").alias("boilerplate"),
                        F.size(F.array_distinct("o.doc")).alias("documents"), "quote",
                        F.transform("o", lambda o: F.struct(*(o[f].alias(f) for f in (
                            "doc", "start", "end", "similarity")))).alias("occurrences")))

    side = lambda name: ids.select(*(F.col(c).alias(f"{name}_{c}") for c in ("idx", "id", "len", "key", "family")))
    l = links.join(side("a"), F.col("a") == F.col("a_idx")).join(side("b"), F.col("b") == F.col("b_idx"))
    swap = F.col("a_key") > F.col("b_key")
    pick = lambda x, y: F.when(swap, F.col(y)).otherwise(F.col(x))
    l = l.select(
        pick("a_id", "b_id").alias("a"), pick("b_id", "a_id").alias("b"),
        pick("a_key", "b_key").alias("a_key"), pick("b_key", "a_key").alias("b_key"),
        pick("a_len", "b_len").alias("len_a"), pick("b_len", "a_len").alias("len_b"),
        (F.col("a_family") == F.col("b_family")).alias("near_duplicate"),
        pick("containment_a", "containment_b").alias("containment_a"),
        pick("containment_b", "containment_a").alias("containment_b"),
        "significance", swap.alias("swap"), "shared")
    span = lambda s, x, y: F.when(F.col("swap"), F.array(s[f"{y}_start"], s[f"{y}_end"])) \
        .otherwise(F.array(s[f"{x}_start"], s[f"{x}_end"]))
    l = l.withColumn("shared", F.array_sort(F.transform("shared", lambda s: F.struct(
        span(s, "a", "b").alias("a_span"), span(s, "b", "a").alias("b_span"),
        s["clusters"][0].alias("cluster"), s["clusters"].alias("clusters"),
        s["similarity"].alias("similarity"), s["significance"].alias("significance")))))
    l = l.withColumn("shared", F.transform("shared", lambda s: F.struct(*(s[f].alias(f) for f in (
        "cluster", "clusters", "a_span", "b_span", "similarity", "significance")))))
    covered = lambda side_: _covered_bytes(F.transform("shared", lambda s: s[side_]))
    l = l.withColumn("covered_a", covered("a_span")).withColumn("covered_b", covered("b_span"))
    links = l.select(
        "a", "b",
        ((F.col("covered_a") + F.col("covered_b"))
         / F.greatest(F.col("len_a") + F.col("len_b"), F.lit(1))).alias("score"),
        (F.col("covered_a") / F.greatest("len_a", F.lit(1))).alias("a_coverage"),
        (F.col("covered_b") / F.greatest("len_b", F.lit(1))).alias("b_coverage"),
        "near_duplicate", "containment_a", "containment_b", "significance", "shared",
        "a_key", "b_key")
    # The scan's order: links between different stories first, the most
    # significant first, then by coverage and ids.
    links = links.orderBy("near_duplicate", F.desc("significance"), F.desc("score"),
                          "a_key", "b_key").drop("a_key", "b_key")
    return clusters.orderBy("id"), links


def _covered_bytes(spans):
    """Bytes covered by an array of possibly overlapping ``[start, end]``
    spans (the scan's ``covered_bytes``)."""
    from pyspark.sql import functions as F

    def step(acc, s):
        start = F.greatest(s[0], acc["reach"])
        grows = s[1] > start
        return F.struct(
            (acc["total"] + F.when(grows, s[1] - start).otherwise(0)).alias("total"),
            F.when(grows, s[1]).otherwise(acc["reach"]).alias("reach"))

    zero = F.struct(F.lit(0).cast("long").alias("total"), F.lit(0).alias("reach"))
    return F.aggregate(F.array_sort(spans), zero, step, lambda acc: acc["total"])


def _named(docs, pairs, clusters):
    """Pairs and clusters by id instead of document number."""
    from pyspark.sql import functions as F

    ids = docs.select("idx", "id")
    pairs = (pairs.join(ids.select(F.col("idx").alias("a"), F.col("id").alias("a_id")), "a")
             .join(ids.select(F.col("idx").alias("b"), F.col("id").alias("b_id")), "b")
             .select(F.col("a_id").alias("a"), F.col("b_id").alias("b"), "jaccard"))
    clusters = (clusters.join(ids.select(F.col("idx").alias("cluster"), F.col("id").alias("c")), "cluster")
                .join(ids.select(F.col("idx").alias("member"), F.col("id").alias("m")), "member")
                .select(F.col("c").alias("cluster"), F.col("m").alias("member")))
    return pairs, clusters


class Result(NamedTuple):
    """What :func:`run` finds, as DataFrames by id: near-duplicate
    ``pairs`` and ``clusters``; with passages, ``passage_clusters`` and
    ``links`` (:func:`named_passages`), else ``None``."""

    pairs: object
    clusters: object
    passage_clusters: object = None
    links: object = None


def run(spark, paths, out=None, id_field="id", text_field="text", passages=True, **options):
    """Reads ``paths`` and finds what ``reprint scan`` finds with the same
    options: near-duplicates and, with ``passages``, passage clusters and
    links. With ``out``, writes each table as Parquet under it
    (``pairs``, ``clusters``, ``passage_clusters``, ``links``; clusters
    by id, links in the scan's order). Returns a :class:`Result`."""
    stage = {k: v for k, v in options.items() if k in _STAGE_OPTIONS}
    # Bad options fail before the input is read, with the scan's message
    # (the stage functions check them again, for callers that use them
    # alone).
    if not passages:
        _stage_options(options)
    # A scan of nothing checks every option as a scan does.
    reprint.scan([], **options, passages=passages)
    docs = read_documents(spark, paths, id_field, text_field).localCheckpoint()
    pairs, clusters = near_duplicates(docs, **stage)
    result = Result(*_named(docs, pairs, clusters))
    if passages:
        occurrences, links, family = _passages(docs, clusters, options)
        passage_clusters, links = named_passages(docs, occurrences, links, family)
        result = result._replace(passage_clusters=passage_clusters, links=links)
    if out is not None:
        for name, table in result._asdict().items():
            if table is not None:
                table.write.mode("overwrite").parquet(os.path.join(out, name))
    return result


def main(argv=None):
    """``python -m reprint.spark``: the command line."""
    parser = argparse.ArgumentParser(prog="python -m reprint.spark", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="JSONL files, Parquet files or directories")
    parser.add_argument("--out", required=True,
                        help="directory for the Parquet tables (pairs, clusters, passage_clusters, links)")
    parser.add_argument("--master", default=None, help="Spark master (default: spark-submit's, else local[*])")
    parser.add_argument("--id-field", default="id")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--shingle", type=int, default=5)
    parser.add_argument("--num-perm", type=int, default=128)
    parser.add_argument("--bands", type=int)
    parser.add_argument("--rows", type=int)
    parser.add_argument("--no-fold-spelling", action="store_true")
    # The scan's passage options (`reprint scan --help` says what each does).
    parser.add_argument("--passages", choices=("on", "off"), default="on")
    parser.add_argument("--boilerplate", action="append", default=[], metavar="FILE")
    parser.add_argument("--boilerplate-min-docs", type=int, metavar="N")
    parser.add_argument("--min-passage-words", type=int, metavar="N")
    parser.add_argument("--passage-similarity", type=float, metavar="F")
    parser.add_argument("--unit-min-words", type=int, metavar="N")
    parser.add_argument("--min-containment", type=float, metavar="F")
    parser.add_argument("--rewrites", choices=("off", "linked", "rare", "all"))
    parser.add_argument("--min-significance", type=float, metavar="S")
    args = parser.parse_args(argv)
    # Local inputs are checked before a JVM starts: a typo costs a line,
    # not a Spark stack trace. (URIs — s3://, hdfs:// — are Spark's.)
    for path in args.inputs:
        if "://" not in path and not os.path.exists(path):
            parser.error(f"{path}: no such file or directory")
    from pyspark.sql import SparkSession

    # Started with `python -m` (not by spark-submit, which hands its
    # driver a gateway), local workers run this interpreter — the one
    # reprint is installed in — unless the environment says otherwise. On
    # a cluster the executors' Python is spark-submit's to set.
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("reprint")
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    options = {"threshold": args.threshold, "shingle": args.shingle, "num_perm": args.num_perm,
               "fold_spelling": not args.no_fold_spelling}
    if args.bands is not None or args.rows is not None:
        options.update(bands=args.bands, rows=args.rows)
    passages = args.passages == "on"
    if passages:
        if args.boilerplate:
            options["boilerplate"] = args.boilerplate
        for name in ("boilerplate_min_docs", "min_passage_words", "passage_similarity", "unit_min_words",
                     "min_containment", "rewrites", "min_significance"):
            if getattr(args, name) is not None:
                options[name] = getattr(args, name)
    try:
        run(spark, args.inputs, args.out, args.id_field, args.text_field, passages, **options)
        # Counted from what was written: the tables are not computed again.
        written = lambda name: spark.read.parquet(os.path.join(args.out, name))
        found = (f"{written('pairs').count()} pairs, "
                 f"{written('clusters').select('cluster').distinct().count()} clusters")
        if passages:
            found += (f", {written('passage_clusters').count()} passage clusters, "
                      f"{written('links').count()} links")
        print(f"{found} written to {args.out}", file=sys.stderr)
    except reprint.ReprintError as e:
        parser.error(str(e))
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
