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

from ._native import ReprintError, __version__
from ._native import Index as _NativeIndex
from ._native import scan_json as _scan_json

__all__ = ["scan", "ScanResult", "Index", "ReprintError", "__version__"]


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

    def __repr__(self):
        s = self.summary or {}
        return (f"<reprint.ScanResult {self.documents} documents, "
                f"{s.get('clusters', 0)} clusters, {s.get('links', 0)} links>")


def _records(items):
    """(id, text, title) triples from dicts with ``id`` and ``text``
    (and an optional ``title``)."""
    out = []
    for n, item in enumerate(items):
        try:
            doc_id, text = item["id"], item["text"]
        except (KeyError, TypeError):
            raise ReprintError(
                f"record {n}: expected a dict with 'id' and 'text'") from None
        if not isinstance(text, str):
            raise ReprintError(f"record {n} ({doc_id!r}): 'text' is not a string")
        title = item.get("title")
        out.append((str(doc_id), text, None if title is None else str(title)))
    return out


def scan(inputs, **options):
    """Scans a corpus and returns its :class:`ScanResult`.

    ``inputs`` is a path (a directory, a ``.txt``/``.md``/``.html`` file, a
    JSONL feed), a list of paths, or an iterable of records: dicts with
    ``id``, ``text`` and optionally ``title``. Options are the binary's
    (see the module's docstring), plus ``threads`` (default: all cores;
    the result is the same for any number). Raises :class:`ReprintError`
    for a bad option or a missing path; unreadable files and malformed
    lines are warnings in the result, as with the binary.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    items = list(inputs)
    if all(isinstance(i, (str, os.PathLike)) for i in items):
        report = _scan_json([os.fspath(i) for i in items], None, **options)
    else:
        report = _scan_json([], _records(items), **options)
    return ScanResult(json.loads(report))


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
