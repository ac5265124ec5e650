import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

__version__: str

class ReprintError(Exception): ...

class ScanResult:
    json: Dict[str, Any]
    schema: str
    inputs: List[str]
    params: Dict[str, Any]
    documents: int
    summary: Dict[str, Any]
    clusters: List[Dict[str, Any]]
    passage_clusters: List[Dict[str, Any]]
    links: List[Dict[str, Any]]
    warnings: List[Dict[str, Any]]
    def __init__(self, report: Dict[str, Any]) -> None: ...
    def to_arrow(self) -> Dict[str, Any]: ...

_Path = Union[str, os.PathLike]

def scan(
    inputs: Union[_Path, Iterable[_Path], Iterable[Mapping[str, Any]], Any],
    **options: Any,
) -> ScanResult: ...

def align(
    a: str, b: str, **options: Any
) -> List[Tuple[Tuple[int, int], Tuple[int, int], float]]:
    """The passages texts a and b share: (a_span, b_span, similarity),
    byte spans, in a's order, as a scan of the two finds them."""

def fingerprint(texts: Any, **options: Any) -> Any:
    """Document-stage keys of a batch of texts as a pyarrow Table:
    has_words, content, band_keys (one uint64 per LSH band)."""

def align_pairs(a: Any, b: Any, **options: Any) -> Any:
    """Passages of each pair (a[i], b[i]) as a pyarrow Table: pair, a_start,
    a_end, b_start, b_end, similarity."""

def verify(a: Any, b: Any, **options: Any) -> Any:
    """Exact Jaccard of each pair (a[i], b[i]) as a pyarrow float64 array."""

def passage_facts(texts: Any, **options: Any) -> Any:
    """Each unit of a batch of texts as the passage stage's corpus-wide
    rules read it, as a pyarrow Table: row, unit, start, end, words,
    fingerprint, tail, story, known_line, shape, shape_text."""

def chrome_rule(keys: Any, families: Any, tails: Any, stories: Any, min_docs: int) -> Any:
    """Per unit (rows grouped by key), whether its group is chrome: a pyarrow
    bool array."""

def template_rule(shapes: Any, families: Any, texts: Any) -> Any:
    """Per unit (rows grouped by shape), whether its group is a template: a
    pyarrow bool array."""

def auto_boilerplate_min_docs(docs: int) -> int:
    """The boilerplate frequency a scan uses for a corpus of `docs` documents."""

class Index:
    def __init__(self, path: _Path, **options: Any) -> None: ...
    def check(self, id: str, text: str, title: Optional[str] = ...) -> Dict[str, Any]: ...
    def admit(
        self,
        id: str,
        text: str,
        title: Optional[str] = ...,
        *,
        admit_duplicates: bool = ...,
        reject_reposts: bool = ...,
        replace: bool = ...,
    ) -> Dict[str, Any]: ...
    def stats(self) -> Dict[str, Any]: ...
    def close(self) -> None: ...
    def __enter__(self) -> "Index": ...
    def __exit__(self, *exc: Any) -> None: ...
