"""reprint: near-duplicate and text-reuse detection for news, from Python.

The work is done by the reprint Rust crate (the same code as the ``reprint``
binary); this package turns keyword options into its options and its JSON
report into Python objects.

    >>> import reprint
    >>> result = reprint.scan(["data/"])
    >>> result.links[0]["a"], result.links[0]["b"]

Option names are the binary's long options with ``_`` for ``-``
(``--min-passage-words 20`` is ``min_passage_words=20``; ``--passages off`` is
``passages=False``; ``--boilerplate FILE`` is ``boilerplate=[FILE]``;
``--no-fold-spelling`` is ``fold_spelling=False``).
"""

import json
import os

from ._native import ReprintError, __version__, align
from ._native import Index as _NativeIndex
from ._native import scan_report as _scan_report
from ._native import scan_table_report as _scan_table_report
from ._native import fingerprint_arrow as _fingerprint_arrow
from ._native import verify_arrow as _verify_arrow
from ._native import align_arrow as _align_arrow
from ._native import passage_facts_arrow as _passage_facts_arrow
from ._native import chrome_rule_arrow as _chrome_rule_arrow
from ._native import template_rule_arrow as _template_rule_arrow
from ._native import auto_boilerplate_min_docs

__all__ = ["scan", "align", "align_pairs", "fingerprint", "verify", "passage_facts",
           "chrome_rule", "template_rule", "auto_boilerplate_min_docs", "ScanResult",
           "Index", "ReprintError", "__version__"]


class ScanResult:
    """The report of one scan: the JSON ``reprint scan --format json``
    writes (schema in docs/scan-schema.md), as attributes.

    ``clusters`` (near-duplicate clusters), ``passage_clusters``,
    ``links`` (linked stories, most significant first), ``summary``,
    ``warnings``, ``params`` and ``inputs`` are lists and dicts of plain
    Python values; ``json`` is the whole report as a dict.
    """

    def __init__(self, report):
        self.json = report
        for key in ("schema", "inputs", "params", "documents", "summary",
                    "clusters", "passage_clusters", "links", "warnings"):
            setattr(self, key, report.get(key))

    def to_arrow(self):
        """The report as pyarrow tables, for pandas and polars users: a
        dict of ``clusters`` (cluster, member), ``pairs`` (cluster, a, b,
        jaccard), ``passages`` (cluster, kind, doc, start, end,
        similarity, date, lag: one row per occurrence), ``links`` (one row
        per linked pair, passages aside; dates as RFC 3339 strings, lags in
        seconds, null when undated) and ``shared`` (link, a, b, cluster, spans,
        similarity, significance: one row per shared passage; ``link`` is
        the row of ``links``). Spans are byte offsets into the texts.
        Needs ``pyarrow``."""
        import pyarrow as pa

        clusters, pairs = [], []
        for c in self.clusters:
            clusters += [{"cluster": c["id"], "member": m} for m in c["members"]]
            pairs += [{"cluster": c["id"], **p} for p in c["pairs"]]
        passages = [
            {"cluster": c["id"], "kind": c["kind"], **o}
            for c in self.passage_clusters for o in c["occurrences"]
        ]
        links, shared = [], []
        for n, link in enumerate(self.links):
            links.append({k: v for k, v in link.items() if k != "shared"})
            for s in link["shared"]:
                shared.append({
                    "link": n, "a": link["a"], "b": link["b"],
                    "cluster": s["cluster"],
                    "a_start": s["a_span"][0], "a_end": s["a_span"][1],
                    "b_start": s["b_span"][0], "b_end": s["b_span"][1],
                    "similarity": s["similarity"],
                    "significance": s["significance"],
                })
        schemas = {
            "clusters": [("cluster", pa.int64()), ("member", pa.string())],
            "pairs": [("cluster", pa.int64()), ("a", pa.string()), ("b", pa.string()),
                      ("jaccard", pa.float64())],
            "passages": [("cluster", pa.int64()), ("kind", pa.string()), ("doc", pa.string()),
                         ("start", pa.int64()), ("end", pa.int64()),
                         ("similarity", pa.float64()), ("date", pa.string()),
                         ("lag", pa.int64())],
            "links": [("a", pa.string()), ("b", pa.string()), ("a_title", pa.string()),
                      ("b_title", pa.string()), ("score", pa.float64()),
                      ("a_coverage", pa.float64()), ("b_coverage", pa.float64()),
                      ("near_duplicate", pa.bool_()), ("containment_a", pa.float64()),
                      ("containment_b", pa.float64()), ("significance", pa.float64()),
                      ("a_date", pa.string()), ("b_date", pa.string()),
                      ("a_source", pa.string()), ("b_source", pa.string()),
                      ("direction", pa.string()), ("lag", pa.int64())],
            "shared": [("link", pa.int64()), ("a", pa.string()), ("b", pa.string()),
                       ("cluster", pa.int64()), ("a_start", pa.int64()), ("a_end", pa.int64()),
                       ("b_start", pa.int64()), ("b_end", pa.int64()),
                       ("similarity", pa.float64()), ("significance", pa.float64())],
        }
        rows = {"clusters": clusters, "pairs": pairs, "passages": passages,
                "links": links, "shared": shared}
        return {name: pa.Table.from_pylist(rows[name], schema=pa.schema(fields))
                for name, fields in schemas.items()}

    def __repr__(self):
        s = self.summary or {}
        return (f"<reprint.ScanResult {self.documents} documents, "
                f"{s.get('clusters', 0)} clusters, {s.get('links', 0)} links>")


def _optional_str(value):
    """``None``, or the value as a string (a ``datetime`` or ``date`` as
    ISO 8601: a naive one is taken as UTC)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _records(items):
    """(id, text, title, date, source) tuples from dicts with ``id`` and
    ``text`` (and optionally ``title``, ``date``, ``source``)."""
    out = []
    for n, item in enumerate(items):
        try:
            doc_id, text = item["id"], item["text"]
        except (KeyError, TypeError):
            raise ReprintError(
                f"record {n}: expected a dict with 'id' and 'text'") from None
        if not isinstance(text, str):
            raise ReprintError(f"record {n} ({doc_id!r}): 'text' is not a string")
        out.append((str(doc_id), text, _optional_str(item.get("title")),
                    _optional_str(item.get("date")), _optional_str(item.get("source"))))
    return out


def _table_columns(table, options):
    """The columns of a pyarrow Table or RecordBatch as the extension reads
    them (contract in ``python/src/table.rs``): ``id_field`` and
    ``text_field`` (required, no nulls), ``title_field``, ``date_field`` and
    ``source_field`` (optional; a timestamp or date column as microseconds
    since 1970 UTC, a naive timestamp taken as UTC). Buffers are copied once
    per column; nothing is done per row in Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = table.column_names
    id_col = options.get("id_field", "id")
    text_col = options.get("text_field", "text")
    for col in (id_col, text_col):
        if col not in names:
            raise ReprintError(
                f"the table has no column {col!r} (columns: {', '.join(names)}); "
                "set id_field or text_field")

    def column(name):
        c = table.column(name)
        return c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c

    def required(name, what):
        c = column(name)
        if what == "text" and not (pa.types.is_string(c.type)
                                   or pa.types.is_large_string(c.type)):
            raise ReprintError(f"column {name!r} holds {c.type}, not strings")
        if c.null_count:
            row = pc.index(c.is_null(), True).as_py()
            raise ReprintError(f"row {row}: 'id' and a string 'text' are required "
                               f"(column {name!r} is null)")
        return _arrow_strings(c) if what == "text" else as_strings(name, c)

    def nulls(c):
        if not c.null_count:
            return None
        flags = c.is_null().cast(pa.uint8())
        return flags.buffers()[1].to_pybytes()[flags.offset:][:len(flags)]

    def as_strings(name, c):
        try:
            return _arrow_strings(c.cast(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise ReprintError(
                f"column {name!r} holds {c.type}, which does not read as strings") from None

    def optional(key, default):
        name = options.get(key, default)
        if name not in names:
            return None
        c = column(name)
        return (as_strings(name, c), nulls(c))

    dates, date_micros = None, None
    date_col = options.get("date_field", "date")
    if date_col in names:
        c = column(date_col)
        if pa.types.is_timestamp(c.type) or pa.types.is_date(c.type):
            micros = c.cast(pa.timestamp("us", tz=getattr(c.type, "tz", None)))
            micros = micros.cast(pa.int64())
            buffer = micros.buffers()[1]
            values = (buffer.to_pybytes()[8 * micros.offset:][:8 * len(micros)]
                      if buffer is not None else b"")
            date_micros = (values, nulls(c))
        else:
            dates = (as_strings(date_col, c), nulls(c))
    return dict(ids=required(id_col, "id"), texts=required(text_col, "text"),
                titles=optional("title_field", "title"), dates=dates,
                date_micros=date_micros, sources=optional("source_field", "source"))


def scan(inputs, **options):
    """Scans a corpus and returns its :class:`ScanResult`.

    ``inputs`` is a path (a directory, a ``.txt``/``.md``/``.html`` file, a
    JSONL feed), a list of paths, an iterable of records (dicts with
    ``id``, ``text`` and optionally ``title``, ``date`` — an ISO 8601
    string, a ``datetime`` or a ``date`` — and ``source``), or a pyarrow
    Table with those columns (named by ``id_field``, ``text_field``,
    ``title_field``, ``date_field``, ``source_field``). Options are the binary's
    (see the module's docstring), plus ``threads`` (default: all cores;
    the result is the same for any number). Raises :class:`ReprintError`
    for a bad option or a missing path; unreadable files and malformed
    lines are warnings in the result, as with the binary.
    """
    if hasattr(inputs, "column_names") and hasattr(inputs, "column"):
        return ScanResult(_scan_table_report(**_table_columns(inputs, options),
                                             **options))
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    items = list(inputs)
    if all(isinstance(i, (str, os.PathLike)) for i in items):
        report = _scan_report([os.fspath(i) for i in items], None, **options)
    else:
        report = _scan_report([], _records(items), **options)
    return ScanResult(report)


def _arrow_strings(texts):
    """A string column as the extension reads it: the offsets and data
    buffers of one ``large_string`` array (nulls as empty strings) as
    bytes, its offset and its length: a copy per batch, nothing per row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    elif not isinstance(texts, pa.Array):
        texts = pa.array(texts, type=pa.large_string())
    texts = pc.fill_null(texts.cast(pa.large_string()), "")
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    _, offsets, data = texts.buffers()
    as_bytes = lambda b: b.to_pybytes() if b is not None else b""
    return (as_bytes(offsets), as_bytes(data), texts.offset, len(texts))


def fingerprint(texts, **options):
    """The document-stage keys of a batch of texts, as ``scan`` computes
    them with the same options: a pyarrow Table with ``has_words`` (a text
    without words has no keys and a scan skips it), ``content`` (equal for
    exact duplicates, which a scan collapses onto the first copy) and
    ``band_keys`` (one ``uint64`` per LSH band; two texts sharing the key
    of one band are a candidate pair). ``texts``: a pyarrow string array
    (or chunked array, or a list of str). The stage function of a
    distributed job (``reprint.spark``); the work runs without the GIL."""
    import pyarrow as pa

    has, content, keys, bands = _fingerprint_arrow(_arrow_strings(texts), **options)
    n = len(has)
    flat = pa.Array.from_buffers(pa.uint64(), n * bands, [None, pa.py_buffer(keys)])
    return pa.table({
        "has_words": pa.Array.from_buffers(pa.uint8(), n, [None, pa.py_buffer(has)])
        .cast(pa.bool_()),
        "content": pa.Array.from_buffers(pa.uint64(), n, [None, pa.py_buffer(content)]),
        "band_keys": pa.FixedSizeListArray.from_arrays(flat, bands),
    })


def verify(a, b, **options):
    """The exact Jaccard of each pair of texts ``(a[i], b[i])`` (two
    pyarrow string arrays, or lists of str, of one length), as ``scan``
    verifies a candidate pair with the same options: a pyarrow
    ``float64`` array; a pair is a near-duplicate when it is at least the
    ``threshold``."""
    import pyarrow as pa

    out = _verify_arrow(_arrow_strings(a), _arrow_strings(b), **options)
    return pa.Array.from_buffers(pa.float64(), len(out) // 8, [None, pa.py_buffer(out)])


def align_pairs(a, b, **options):
    """The passages each pair of texts ``(a[i], b[i])`` shares, as
    :func:`align` finds them for one pair: a pyarrow Table with a row per
    shared passage — ``pair`` (the row of the pair), ``a_start``,
    ``a_end``, ``b_start``, ``b_end`` (byte spans) and ``similarity`` — in
    pair order, then ``a``'s. ``a`` and ``b``: pyarrow string arrays (or
    lists of str) of one length."""
    import pyarrow as pa

    cols = _align_arrow(_arrow_strings(a), _arrow_strings(b), **options)
    n = len(cols[0]) // 4
    u32 = lambda c: pa.Array.from_buffers(pa.uint32(), n, [None, pa.py_buffer(c)])
    return pa.table({
        "pair": u32(cols[0]), "a_start": u32(cols[1]), "a_end": u32(cols[2]),
        "b_start": u32(cols[3]), "b_end": u32(cols[4]),
        "similarity": pa.Array.from_buffers(pa.float64(), n, [None, pa.py_buffer(cols[5])]),
    })


def passage_facts(texts, **options):
    """Each unit (paragraph) of a batch of texts as the passage stage's
    corpus-wide rules read it, with the same options as ``scan``: a pyarrow
    Table with a row per unit — ``row`` (the text's row), ``unit`` (its
    number in the text), ``start``/``end`` (byte span), ``words``,
    ``fingerprint`` (equal for one normalized text), ``tail`` (0: in the
    story, 1: a short unit after its last long one, 2: a short unit past
    its body's end), ``story`` (what precedes a unit in the tail; null
    otherwise), ``known_line`` (the known boilerplate line it matches, or
    null) and ``shape``/``shape_text`` (its template shape and text hashes,
    for a unit of at least ``min_passage_words`` words with a number; null
    otherwise). The stage function of a distributed job (``reprint.spark``
    groups the rows by fingerprint and by shape and applies
    :func:`chrome_rule` and :func:`template_rule`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    cols = _passage_facts_arrow(_arrow_strings(texts), **options)
    n = len(cols[6])
    arr = lambda t, c: pa.Array.from_buffers(t, n, [None, pa.py_buffer(c)])
    flag = lambda c: arr(pa.uint8(), c).cast(pa.bool_())
    masked = lambda values, has: pc.if_else(has, values, pa.scalar(None, values.type))
    known = arr(pa.int64(), cols[9])
    has_shape = flag(cols[12])
    return pa.table({
        "row": arr(pa.uint32(), cols[0]), "unit": arr(pa.uint32(), cols[1]),
        "start": arr(pa.uint32(), cols[2]), "end": arr(pa.uint32(), cols[3]),
        "words": arr(pa.uint32(), cols[4]), "fingerprint": arr(pa.uint64(), cols[5]),
        "tail": arr(pa.uint8(), cols[6]),
        "story": masked(arr(pa.uint64(), cols[7]), flag(cols[8])),
        "known_line": masked(known, pc.greater_equal(known, 0)),
        "shape": masked(arr(pa.uint64(), cols[10]), has_shape),
        "shape_text": masked(arr(pa.uint64(), cols[11]), has_shape),
    })


def _le_bytes(values, type_):
    """A column's values as little-endian bytes of ``type_`` (nulls as 0)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    values = pa.array(values) if not isinstance(values, pa.Array) else values
    values = pc.fill_null(pc.cast(values, type_, safe=False), 0)
    width = type_.bit_width // 8
    data = values.buffers()[1]
    return data.to_pybytes()[values.offset * width:(values.offset + len(values)) * width]


def _family_numbers(families):
    """Families as the rules read them: a ``u32`` per row, equal where the
    families are equal. Any numbers (a Spark job's 64-bit document
    numbers among them) are renumbered densely first: cut to 32 bits, two
    families could become one."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(families, pa.ChunkedArray):
        families = families.combine_chunks()
    elif not isinstance(families, pa.Array):
        families = pa.array(families)
    return _le_bytes(pc.dictionary_encode(families).indices, pa.uint32())


def chrome_rule(keys, families, tails, stories, min_docs):
    """Per unit, whether its group is site chrome by the scan's
    boilerplate rule: ``keys`` groups the units (a group's rows together;
    the fingerprint from :func:`passage_facts`), ``families`` is each
    unit's document's near-duplicate family (any number equal for one
    family), ``tails`` and ``stories`` are :func:`passage_facts`' columns
    and ``min_docs`` the corpus's boilerplate frequency
    (:func:`auto_boilerplate_min_docs` of its document count, or the
    ``boilerplate_min_docs`` option). A pyarrow bool array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    has_story = pc.is_valid(stories)
    out = _chrome_rule_arrow(
        _le_bytes(keys, pa.uint64()), _family_numbers(families),
        _le_bytes(tails, pa.uint8()), _le_bytes(stories, pa.uint64()),
        _le_bytes(has_story, pa.uint8()), min_docs)
    return pa.Array.from_buffers(pa.uint8(), len(out), [None, pa.py_buffer(out)]).cast(pa.bool_())


def template_rule(shapes, families, texts):
    """Per unit, whether its group is a template by the scan's rule:
    ``shapes`` groups the units (a group's rows together), ``families`` is
    each unit's document's family, ``texts`` its text hash
    (:func:`passage_facts`' ``shape`` and ``shape_text``). A pyarrow bool
    array."""
    import pyarrow as pa

    out = _template_rule_arrow(
        _le_bytes(shapes, pa.uint64()), _family_numbers(families),
        _le_bytes(texts, pa.uint64()))
    return pa.Array.from_buffers(pa.uint8(), len(out), [None, pa.py_buffer(out)]).cast(pa.bool_())


class Index:
    """The gate: a durable index of admitted articles that gives each
    incoming one a verdict (``new``, ``duplicate`` of an admitted article,
    or ``reposts`` passages of admitted ones), as ``reprint gate`` does.

    Opens the index at ``path``, or creates it there with the keyword
    options ``threshold``, ``shingle``, ``num_perm``, ``bands``/``rows``
    and ``fold_spelling`` when nothing is there. Verdicts are dicts in the
    JSON form ``reprint check`` prints. Every admit is durable when it
    returns. One process holds an index at a time: :meth:`close` it, or use
    it in a ``with`` block.
    """

    def __init__(self, path, **options):
        self._index = _NativeIndex(os.fspath(path), **options)

    def check(self, id, text, title=None):
        """The verdict for an article, without admitting it."""
        return json.loads(self._index.check_json(str(id), text, title))

    def admit(self, id, text, title=None, *, admit_duplicates=False,
              reject_reposts=False, replace=False):
        """Judges an article and admits it unless the policy rejects it
        (near-duplicates are rejected unless ``admit_duplicates``; reposts
        are admitted unless ``reject_reposts``). Durable when it returns."""
        return json.loads(self._index.admit_json(
            str(id), text, title, admit_duplicates, reject_reposts, replace))

    def stats(self):
        """Counts describing the index."""
        return json.loads(self._index.stats_json())

    def close(self):
        """Releases the index (one process holds it at a time); later
        calls raise :class:`ReprintError`. Also on leaving a ``with``."""
        self._index.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
