"""The Python package against the binary: the same reports, the same
verdicts, errors as exceptions. Run from anywhere; paths are resolved from
the repository root."""

import json
import os
import pathlib
import subprocess

import pytest

import reprint

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
SEED_A = "000_85676adcdf0feb57.txt"
SEED_B = "004_d7de4594d4d3c26f.txt"


@pytest.fixture(scope="session")
def binary():
    """The reprint binary the package is compared with: $REPRINT_BIN, or
    one cargo built in the repository."""
    candidates = [os.environ.get("REPRINT_BIN")] + [
        ROOT / "target" / p / "reprint" for p in ("release", "debug")]
    for c in candidates:
        if c and pathlib.Path(c).is_file():
            return str(c)
    pytest.fail("no reprint binary: run `cargo build` or set REPRINT_BIN")


def binary_json(binary, *args):
    out = subprocess.run([binary, "scan", *args, "--format", "json", "-q"],
                         cwd=ROOT, check=True, capture_output=True)
    return json.loads(out.stdout)


def test_scan_of_data_equals_the_binarys_report(binary, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = reprint.scan(["data/"])
    assert result.json == binary_json(binary, "data/")
    # The seeds are linked by their three passages.
    seeds = [l for l in result.links if {l["a"], l["b"]} == {SEED_A, SEED_B}]
    assert len(seeds) == 1 and len(seeds[0]["shared"]) == 3


def test_options_are_the_binarys(binary):
    result = reprint.scan(str(DATA), threshold=0.85, min_passage_words=20,
                          passages=True, rewrites="linked", threads=1)
    expected = binary_json(binary, str(DATA), "--threshold", "0.85",
                           "--min-passage-words", "20", "--rewrites", "linked")
    assert result.json == expected
    off = reprint.scan(str(DATA), passages=False)
    assert off.links == [] and off.passage_clusters == []
    full = reprint.scan(str(DATA), html="full", threads=1)
    assert full.json == binary_json(binary, str(DATA), "--html", "full")
    assert full.json != reprint.scan(str(DATA), threads=1).json
    with pytest.raises(reprint.ReprintError, match="html"):
        reprint.scan(str(DATA), html="visible")


def test_the_same_result_whatever_the_thread_count():
    one = reprint.scan([DATA], threads=1)
    two = reprint.scan([DATA], threads=2)
    assert one.json == two.json


def test_records_are_scanned_as_documents():
    a = (DATA / SEED_A).read_text()
    b = (DATA / SEED_B).read_text()
    records = [{"id": "a", "text": a, "title": "Seed A"},
               {"id": "b", "text": b},
               {"id": "a-copy", "text": a}]
    result = reprint.scan(records)
    assert result.documents == 3
    pairs = [(c["members"], c["pairs"][0]["jaccard"]) for c in result.clusters]
    assert pairs[0][0] == ["a", "a-copy"] and pairs[0][1] == 1.0
    links = {(l["a"], l["b"]): l for l in result.links}
    assert ("a", "b") in links and links[("a", "b")]["a_title"] == "Seed A"
    # The same spans as the files give.
    from_files = [l for l in reprint.scan([DATA]).links
                  if {l["a"], l["b"]} == {SEED_A, SEED_B}][0]
    spans = lambda l: [(s["a_span"], s["b_span"]) for s in l["shared"]]
    assert spans(links[("a", "b")]) == spans(from_files)


def test_bad_input_raises_reprint_error():
    with pytest.raises(reprint.ReprintError, match="threshold"):
        reprint.scan([DATA], threshold=1.5)
    with pytest.raises(reprint.ReprintError, match="unknown option \"tresh"):
        reprint.scan([DATA], treshold=0.9)
    with pytest.raises(reprint.ReprintError, match="no-such-dir"):
        reprint.scan(["no-such-dir"])
    with pytest.raises(reprint.ReprintError, match="bands and rows"):
        reprint.scan([DATA], bands=8)
    with pytest.raises(reprint.ReprintError, match="record 1"):
        reprint.scan([{"id": "x", "text": "a b c"}, {"text": "no id"}])


def test_the_gate_from_python_agrees_with_scan(tmp_path):
    index = reprint.Index(tmp_path / "gate.redb")
    a = (DATA / SEED_A).read_text()
    b = (DATA / SEED_B).read_text()
    first = index.admit(SEED_A, a)
    assert first["verdict"] == "new" and first["admitted"] is True
    verdict = index.check(SEED_B, b)
    assert verdict["verdict"] == "reposts"
    assert verdict["admitted"] is False
    # The spans the scan of the two seeds reports.
    scan = reprint.scan([DATA / SEED_A, DATA / SEED_B])
    link = scan.links[0]
    from_scan = sorted((tuple(s["b_span"]), tuple(s["a_span"])) for s in link["shared"])
    from_gate = sorted((tuple(p["span"]), tuple(p["other_span"])) for p in verdict["passages"])
    assert from_gate == from_scan
    assert index.stats()["documents"] == 1
    # One process holds an index at a time; closed, it can be reopened
    # and still holds the admitted article.
    with pytest.raises(reprint.ReprintError, match="gate.redb"):
        reprint.Index(tmp_path / "gate.redb")
    index.close()
    with pytest.raises(reprint.ReprintError, match="closed"):
        index.stats()
    with reprint.Index(tmp_path / "gate.redb") as again:
        assert again.check(SEED_A, a)["admitted"] is True
        copy = again.check("copy", a)
        assert copy["verdict"] == "duplicate"
        assert copy["duplicate_of"] == [{"id": SEED_A, "jaccard": 1.0}]
        with pytest.raises(reprint.ReprintError, match=SEED_A):
            again.admit(SEED_A, b)


def test_a_pyarrow_table_in_and_tables_out():
    import pyarrow as pa  # installed with the suite (.ci/run); required, not skipped
    a = (DATA / SEED_A).read_text()
    b = (DATA / SEED_B).read_text()
    table = pa.table({"doc": ["a", "b"], "body": [a, b], "title": ["Seed A", None]})
    result = reprint.scan(table, id_field="doc", text_field="body")
    from_records = reprint.scan([{"id": "a", "text": a, "title": "Seed A"},
                                 {"id": "b", "text": b}])
    assert result.json == from_records.json
    tables = result.to_arrow()
    shared = tables["shared"].to_pylist()
    link = result.links[0]
    assert [(r["a_start"], r["a_end"], r["b_start"], r["b_end"]) for r in shared] == [
        (*s["a_span"], *s["b_span"]) for s in link["shared"]]
    assert tables["links"].num_rows == len(result.links)
    occurrences = sum(len(c["occurrences"]) for c in result.passage_clusters)
    assert tables["passages"].num_rows == occurrences
    with pytest.raises(reprint.ReprintError, match="no column 'id'.*doc, body, title"):
        reprint.scan(table)


def test_a_tables_columns_of_every_kind_read_as_records_do():
    """The table path reads Arrow buffers, the records path Python values:
    both must give one report, whatever the columns' types, nulls, chunks
    and slices."""
    import datetime
    import warnings
    import pyarrow as pa
    a = (DATA / SEED_A).read_text()
    b = (DATA / SEED_B).read_text()
    utc = datetime.timezone.utc
    rows = [
        {"id": 7, "text": "filler text with nothing to share at all", "title": None,
         "source": "wire"},
        {"id": 8, "text": a, "title": "Seed A", "source": None},
        {"id": 9, "text": b, "title": None, "source": "daily"},
        {"id": 10, "text": a + " A last line.", "title": "Copy", "source": "daily"},
    ]
    stamps = [None, datetime.datetime(2024, 5, 1, 8, 0, 0, 250000),
              datetime.datetime(2024, 5, 1, 11, 0), datetime.datetime(2024, 5, 2)]
    kinds = {
        "naive ms": pa.array(stamps, pa.timestamp("ms")),
        "utc s": pa.array([s and s.replace(tzinfo=utc, microsecond=0) for s in stamps],
                          pa.timestamp("s", tz="UTC")),
        "+02:00 us": pa.array([s and s.replace(tzinfo=utc) for s in stamps],
                              pa.timestamp("us", tz="+02:00")),
        "date32": pa.array([s and s.date() for s in stamps], pa.date32()),
        "strings": pa.array([None, "2024-05-01T08:00:00Z", "2024-05-01", "not a date"]),
    }
    for kind, dates in kinds.items():
        table = pa.Table.from_pylist(rows).append_column("date", dates)
        records = [dict(r, date=d) for r, d in zip(rows, dates.to_pylist())]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from_records = reprint.scan(records, threads=1).json
            whole = reprint.scan(table, threads=1).json
            # Two chunks, and a slice of them (buffers with offsets).
            chunked = pa.concat_tables([table.slice(0, 2), table.slice(2)])
            assert reprint.scan(chunked, threads=1).json == whole, kind
            sliced = pa.concat_tables([table, table]).slice(4)
            assert reprint.scan(sliced, threads=1).json == whole, kind
        assert whole == from_records, kind
        dated = [l for l in whole["links"] if "a_date" in l]
        assert dated, kind
        if kind == "strings":
            assert any("not a date" in str(w.message) for w in caught)
    # A row without id or text, and a text column of numbers, raise.
    for bad in ({"id": [None, "x"], "text": ["t", "u"]},
                {"id": ["x", "y"], "text": ["t", None]}):
        with pytest.raises(reprint.ReprintError, match="row [01]: 'id' and a string"):
            reprint.scan(pa.table(bad))
    with pytest.raises(reprint.ReprintError, match="'text' holds int64"):
        reprint.scan(pa.table({"id": ["x"], "text": [1]}))
    with pytest.raises(reprint.ReprintError, match="'title' holds struct"):
        reprint.scan(pa.table({"id": ["x"], "text": ["t"], "title": [{"k": 1}]}))
    # An empty table is an empty corpus; a RecordBatch reads as a table.
    empty = pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string()),
                      "date": pa.array([], pa.timestamp("s"))})
    assert reprint.scan(empty).documents == 0
    batch = pa.Table.from_pylist(rows).to_batches()[0]
    assert reprint.scan(batch, threads=1).json == reprint.scan(
        [dict(r, id=str(r["id"])) for r in rows], threads=1).json


def test_align_finds_what_a_scan_of_the_two_finds():
    a = (DATA / SEED_A).read_text()
    b = (DATA / SEED_B).read_text()
    found = reprint.align(a, b)
    link = reprint.scan([{"id": "a", "text": a}, {"id": "b", "text": b}]).links[0]
    assert [(tuple(s), tuple(t)) for s, t, _ in found] == [
        (tuple(s["a_span"]), tuple(s["b_span"])) for s in link["shared"]]
    assert all(0.9 <= sim <= 1.0 for _, _, sim in found)
    assert reprint.align(a, b, passages=False) == []
    assert reprint.align(a, "Nothing in common here at all.") == []


def test_records_carry_dates_and_sources():
    import datetime
    import warnings
    a = (DATA / SEED_A).read_text()
    b = (DATA / SEED_B).read_text()
    records = [
        {"id": "a", "text": a, "date": "2024-05-01T08:00:00Z", "source": "agency"},
        {"id": "b", "text": b, "date": datetime.datetime(2024, 5, 1, 11, 0),
         "source": "daily"},
    ]
    link = reprint.scan(records).links[0]
    assert (link["a_date"], link["b_date"]) == ("2024-05-01T08:00:00Z", "2024-05-01T11:00:00Z")
    assert (link["direction"], link["lag"]) == ("a_to_b", 3 * 3600)
    assert (link["a_source"], link["b_source"]) == ("agency", "daily")
    tables = reprint.scan(records).to_arrow()
    assert tables["links"].column("lag").to_pylist() == [3 * 3600]
    # Outside the window: no link. A bad date warns and leaves the record undated.
    assert reprint.scan(records, window="1h").links == []
    records[1]["date"] = "the first of May"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        link = reprint.scan(records).links[0]
    assert any("'b'" in str(w.message) or '"b"' in str(w.message) for w in caught)
    assert "b_date" not in link and "direction" not in link


def test_stage_functions_give_the_scans_keys_and_similarities(binary):
    """fingerprint and verify over Arrow, against the scan of the same
    texts: exact duplicates share their content key, verified pairs share a
    band key and have the scan's Jaccard, and a text without words has no
    keys."""
    pa = pytest.importorskip("pyarrow")
    # The plain texts of data/: .txt files by relative path, the feed's
    # records by id (a scan reads both as they are).
    texts = {p.relative_to(DATA).as_posix(): p.read_text(encoding="utf-8")
             for p in sorted(DATA.rglob("*.txt"))}
    for line in (DATA / "feeds" / "agency.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[str(record["id"])] = record["text"]
    names = list(texts)
    column = pa.array([texts[n] for n in names] + ["", None, texts[names[0]]])
    keys = reprint.fingerprint(column)
    assert keys.column("has_words").to_pylist() == [True] * len(names) + [False, False, True]
    content = keys.column("content").to_pylist()
    assert content[-1] == content[0]
    assert len(set(content[:len(names)])) == len(names)
    bands = keys.column("band_keys").to_pylist()
    report = binary_json(binary, "data/", "--passages", "off")
    pairs = [p for c in report["clusters"] for p in c["pairs"]
             if p["a"] in texts and p["b"] in texts]
    assert len(pairs) >= 2, "data/ holds near-duplicates"
    a = [texts[p["a"]] for p in pairs]
    b = [texts[p["b"]] for p in pairs]
    jaccard = reprint.verify(pa.array(a), b).to_pylist()
    assert [round(j, 6) for j in jaccard] == [p["jaccard"] for p in pairs]
    for p in pairs:
        x, y = bands[names.index(p["a"])], bands[names.index(p["b"])]
        assert any(kx == ky for kx, ky in zip(x, y)), p
    # A sliced array reads from its offset.
    sliced = reprint.fingerprint(column.slice(1, 2)).column("content").to_pylist()
    assert sliced == content[1:3]
    with pytest.raises(reprint.ReprintError, match="one side"):
        reprint.verify(a, b[:-1])


def test_align_pairs_is_align_for_each_pair():
    """The batch form gives each pair's passages as align does."""
    a = (DATA / SEED_A).read_text(encoding="utf-8")
    b = (DATA / SEED_B).read_text(encoding="utf-8")
    unrelated = "Heavy rain flooded roads across the north overnight."
    table = reprint.align_pairs([a, unrelated, b], [b, a, a])
    rows = table.to_pylist()
    for i, (x, y) in enumerate([(a, b), (unrelated, a), (b, a)]):
        got = [((r["a_start"], r["a_end"]), (r["b_start"], r["b_end"]), r["similarity"])
               for r in rows if r["pair"] == i]
        assert got == reprint.align(x, y)
    assert len([r for r in rows if r["pair"] == 0]) == 3
    assert not [r for r in rows if r["pair"] == 1]


def test_passage_facts_and_rules_give_the_scans_boilerplate(binary):
    """The seeds' units through passage_facts, grouped by fingerprint, and
    chrome_rule: the scan's boilerplate clusters of the two seeds; and
    template_rule on one formula filled with other figures in five
    stories."""
    pa = pytest.importorskip("pyarrow")
    pc = pytest.importorskip("pyarrow.compute")
    names = [SEED_A, SEED_B]
    texts = [(DATA / n).read_text(encoding="utf-8") for n in names]
    facts = reprint.passage_facts(pa.array(texts)).sort_by([("fingerprint", "ascending")])
    chrome = reprint.chrome_rule(facts.column("fingerprint"), facts.column("row"),
                                 facts.column("tail"), facts.column("story"),
                                 reprint.auto_boilerplate_min_docs(2))
    found = facts.filter(chrome)
    spans = {(names[r["row"]], r["start"], r["end"]) for r in found.to_pylist()}
    report = binary_json(binary, f"data/{SEED_A}", f"data/{SEED_B}")
    expected = {(pathlib.Path(o["doc"]).name, o["start"], o["end"]) for c in report["passage_clusters"]
                if c["kind"] == "boilerplate" for o in c["occurrences"]}
    assert expected and spans == expected
    assert reprint.auto_boilerplate_min_docs(1_000_000) == 5000

    formula = ("Japanese crushers bought {} tonnes of Canadian rapeseed in export business "
               "overnight for shipment in week {}, trade sources said.")
    stories = [formula.format(1000 + 500 * i, 10 + i) for i in range(5)]
    facts = reprint.passage_facts(stories)
    assert facts.num_rows == 5 and pc.all(pc.is_valid(facts.column("shape"))).as_py()
    assert len(set(facts.column("shape").to_pylist())) == 1
    assert reprint.template_rule(facts.column("shape"), facts.column("row"),
                                 facts.column("shape_text")).to_pylist() == [True] * 5
    # Four families are not enough, nor five copies of one text.
    four = [0, 1, 2, 3, 3]
    assert not any(reprint.template_rule(facts.column("shape"), four,
                                         facts.column("shape_text")).to_pylist())
    same = [facts.column("shape_text")[0].as_py()] * 5
    assert not any(reprint.template_rule(facts.column("shape"), facts.column("row"), same).to_pylist())
