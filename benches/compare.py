#!/usr/bin/env python3
"""Side-by-side near-duplicate benchmark: reprint vs gaoya, rensa and datasketch,
and vs the minimal loop any tool must run, on JSONL shards and on .txt files.

    python3 benches/compare.py                 # 20,000 articles, both formats
    python3 benches/compare.py --formats txt --no-peers
    python3 benches/compare.py --articles 1000000 --no-peers --no-truth

Steps, all in one run on one machine:
1. builds reprint and the corpus tool in release mode (`cargo bench --no-run`);
2. generates a deterministic news-like corpus (benches/corpus.rs: Markov text
   trained on ../shared/corpora/bbc, planted near-duplicates and reposted
   paragraphs, median ~700 words) under target/bench/ unless it exists: JSONL
   shards of 10,000 articles, and the same articles as one .txt file each;
3. computes the exact ground truth (every pair with word-5-shingle Jaccard
   >= 0.8, by an exact set-similarity join in benches/corpus.rs);
4. installs the peers, pinned, into a private virtualenv (target/bench/venv);
5. runs every tool on every format in its own process under /usr/bin/time -v,
   alternating (round 1: each tool once, round 2: each tool again, ...), on
   the identical task: lowercased words, 5-word shingles, 128 permutations,
   threshold 0.8; reprint with `--passages off --no-fold-spelling`
   (documents only, exact verification); the peers with their MinHash LSH
   and the signature estimate to confirm candidates, as their documentation
   shows (gaoya with reprint's bands x rows); `bound` is `corpus bound`, the
   minimal loop (read, split ASCII words, hash, 5-word shingles, 128-bin
   one-permutation MinHash; no LSH, no verification, no output);
6. prints one table per format: median wall and CPU (user + sys) seconds,
   articles/s, peak RSS, precision and recall against the truth, reprint's
   CPU over the bound's, and each peer's CPU over reprint's.

CPU time is the steadier measure on a shared machine; wall time is what a
user waits. Benchmarks are not tests: nothing here asserts on time.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "target" / "bench"
PEERS = {"gaoya": "0.2.2", "rensa": "0.5.0", "datasketch": "2.0.0"}

# The peers' task, run as `python - CORPUS_DIR OUT_TSV` in the venv. Words are
# lowercased [a-z0-9]+ runs: on the generated corpus these are exactly the words
# reprint's UAX #29 tokenizer finds (the generator writes no in-word punctuation).
PEER_COMMON = r'''
import json, re, sys
from pathlib import Path
WORD = re.compile(r"[a-z0-9]+")
def documents(root):
    shards = sorted(Path(root).glob("*.jsonl"))
    for shard in shards:
        with open(shard, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                yield d["id"], d["text"]
    if not shards:
        for path in sorted(Path(root).glob("*.txt")):
            yield path.stem, path.read_text(encoding="utf-8")
def shingles(text):
    w = WORD.findall(text.lower())
    if len(w) < 5:
        return {" ".join(w)} if w else set()
    return {" ".join(w[i:i + 5]) for i in range(len(w) - 4)}
'''

DATASKETCH = PEER_COMMON + r'''
from datasketch import MinHash, MinHashLSH
lsh = MinHashLSH(threshold=0.8, num_perm=128)
sigs = {}
for doc_id, text in documents(sys.argv[1]):
    s = shingles(text)
    if not s:
        continue
    m = MinHash(num_perm=128)
    m.update_batch([x.encode("utf-8") for x in s])
    lsh.insert(doc_id, m)
    sigs[doc_id] = m
pairs = set()
for doc_id, m in sigs.items():
    for other in lsh.query(m):
        if other != doc_id:
            a, b = sorted((doc_id, other))
            if (a, b) not in pairs and sigs[a].jaccard(sigs[b]) >= 0.8:
                pairs.add((a, b))
with open(sys.argv[2], "w") as f:
    for a, b in sorted(pairs):
        f.write(f"{a}\t{b}\n")
print(f"bands x rows: {lsh.b} x {lsh.r}", file=sys.stderr)
'''

RENSA = PEER_COMMON + r'''
from rensa import RMinHash, RMinHashLSH
lsh = RMinHashLSH(threshold=0.8, num_perm=128, num_bands=16)
sigs = []
ids = []
for doc_id, text in documents(sys.argv[1]):
    s = shingles(text)
    if not s:
        continue
    m = RMinHash(num_perm=128, seed=42)
    m.update(list(s))
    lsh.insert(len(ids), m)
    sigs.append(m)
    ids.append(doc_id)
pairs = set()
for i, m in enumerate(sigs):
    for j in lsh.query(m):
        if j != i:
            a, b = sorted((ids[i], ids[j]))
            if (a, b) not in pairs and m.jaccard(sigs[j]) >= 0.8:
                pairs.add((a, b))
with open(sys.argv[2], "w") as f:
    for a, b in sorted(pairs):
        f.write(f"{a}\t{b}\n")
'''

GAOYA = PEER_COMMON + r'''
from gaoya.minhash import MinHashStringIndex
bands, rows = int(sys.argv[3]), int(sys.argv[4])
ids, texts = [], []
for doc_id, text in documents(sys.argv[1]):
    ids.append(doc_id)
    texts.append(text)
index = MinHashStringIndex(hash_size=32, jaccard_threshold=0.8, num_bands=bands, band_size=rows,
                           num_hashes=bands * rows, analyzer="word", lowercase=True, ngram_range=(5, 5))
index.par_bulk_insert_docs(list(range(len(ids))), texts)
pairs = set()
for i, found in enumerate(index.par_bulk_query(texts)):
    for j in found:
        if j != i:
            a, b = sorted((ids[i], ids[j]))
            pairs.add((a, b))
with open(sys.argv[2], "w") as f:
    for a, b in sorted(pairs):
        f.write(f"{a}\t{b}\n")
'''


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def cargo_bin(bench):
    """Builds a bench target in release mode and returns its executable."""
    out = subprocess.run(
        ["cargo", "bench", "--bench", bench, "--no-run", "--message-format=json"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == bench and msg.get("executable"):
            return msg["executable"]
    sys.exit(f"compare: cannot find the {bench} executable")


def timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (wall s, CPU s, peak RSS MB, stderr)."""
    proc = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"compare: {cmd[0]} failed:\n{proc.stderr[-3000:]}")
    wall = rss = None
    cpu = 0.0
    for line in proc.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            t = line.rsplit(" ", 1)[1].split(":")
            wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
        elif line.startswith(("User time (seconds)", "System time (seconds)")):
            cpu += float(line.rsplit(" ", 1)[1])
        elif line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, cpu, rss, proc.stderr


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def read_pairs(path):
    with open(path) as f:
        return {tuple(line.rstrip("\n").split("\t")[:2]) for line in f if line.strip()}


def ensure_corpus(args, corpus_tool):
    """The JSONL corpus, its .txt twin and the truth file, made when missing."""
    jsonl = BENCH / f"corpus-{args.articles}-s{args.seed}"
    txt = BENCH / f"corpus-{args.articles}-s{args.seed}-txt"
    truth_file = BENCH / f"corpus-{args.articles}-s{args.seed}.truth.tsv"
    if not jsonl.is_dir():
        run([corpus_tool, "generate", "--articles", str(args.articles), "--seed", str(args.seed), "--out", str(jsonl)])
    if "txt" in args.formats and not txt.is_dir():
        run([corpus_tool, "txt", "--dir", str(jsonl), "--out", str(txt)])
    if not args.no_truth and not truth_file.exists():
        run([corpus_tool, "truth", "--dir", str(jsonl), "--out", str(truth_file)])
    size_mb = sum(p.stat().st_size for p in jsonl.glob("*.jsonl")) / 1e6
    return {"jsonl": jsonl, "txt": txt}, size_mb, None if args.no_truth else read_pairs(truth_file)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--formats", default="jsonl,txt", help="comma-separated: jsonl, txt")
    ap.add_argument("--no-peers", action="store_true", help="run reprint and the bound only")
    ap.add_argument("--no-truth", action="store_true", help="skip the exact ground truth")
    ap.add_argument("--repeat", type=int, default=3, help="alternating rounds; medians are reported")
    args = ap.parse_args()
    args.formats = [f for f in args.formats.split(",") if f]
    if not set(args.formats) <= {"jsonl", "txt"}:
        sys.exit("compare: --formats takes jsonl and/or txt")

    BENCH.mkdir(parents=True, exist_ok=True)
    print("building (release) …", file=sys.stderr)
    run(["cargo", "build", "--release", "-q"], cwd=ROOT)
    reprint = ROOT / "target" / "release" / "reprint"
    corpus_tool = cargo_bin("corpus")
    corpora, size_mb, truth = ensure_corpus(args, corpus_tool)

    py = BENCH / "venv" / "bin" / "python"
    if not args.no_peers:
        if not py.exists():
            run([sys.executable, "-m", "venv", str(BENCH / "venv")])
        run([str(py), "-m", "pip", "install", "-q"] + [f"{k}=={v}" for k, v in PEERS.items()])
        for name, script in [("gaoya", GAOYA), ("rensa", RENSA), ("datasketch", DATASKETCH)]:
            (BENCH / f"peer_{name}.py").write_text(script)

    # reprint's bands x rows, given to gaoya so both index alike.
    probe = BENCH / "reprint-params.json"
    run([str(reprint), "scan", str(ROOT / "data"), "--passages", "off", "--format", "json", "-q", "-o", str(probe)])
    params = json.loads(probe.read_text())["params"]
    bands, rows = params["bands"], params["rows"]

    def tools(fmt):
        out = BENCH / f"reprint-{fmt}.json"
        yield ("reprint", f"OPH k=128, {bands}x{rows} bands, exact verify, {args.threads} threads",
               [str(reprint), "scan", str(corpora[fmt]), "--passages", "off", "--no-fold-spelling",
                "--threads", str(args.threads), "--format", "json", "-q", "-o", str(out)], out)
        yield ("bound", f"minimal loop: read, hash, OPH k=128; {args.threads} threads",
               [corpus_tool, "bound", "--dir", str(corpora[fmt]), "--threads", str(args.threads)], None)
        if args.no_peers:
            return
        for name, desc, extra in [
            ("gaoya", f"MinHashStringIndex 32-bit, {bands}x{rows} bands, estimate verify, all cores", [str(bands), str(rows)]),
            ("rensa", "RMinHash k=128, 16x8 bands, estimate verify", []),
            ("datasketch", "MinHash k=128, MinHashLSH(0.8), estimate verify", []),
        ]:
            out = BENCH / f"{name}-{fmt}.tsv"
            yield (f"{name} {PEERS[name]}", desc,
                   [str(py), str(BENCH / f"peer_{name}.py"), str(corpora[fmt]), str(out)] + extra, out)

    runs = {}
    for round_ in range(args.repeat):
        for fmt in args.formats:
            for name, desc, cmd, out in tools(fmt):
                print(f"round {round_ + 1}/{args.repeat}: {name} on {fmt}", file=sys.stderr)
                wall, cpu, rss, err = timed(cmd)
                m = re.search(r"bands x rows: (\d+) x (\d+)", err)
                if m:
                    desc = f"MinHash k=128, MinHashLSH(0.8) chose {m.group(1)}x{m.group(2)}, estimate verify"
                entry = runs.setdefault((fmt, name), {"desc": desc, "wall": [], "cpu": [], "rss": [], "out": out})
                entry["wall"].append(wall)
                entry["cpu"].append(cpu)
                entry["rss"].append(rss)

    cpu_name = platform.processor() or platform.machine()
    print(f"\n{args.articles:,} articles, {size_mb:.1f} MB as JSONL; {os.cpu_count()} cores ({cpu_name}); "
          f"{time.strftime('%Y-%m-%d')}; {args.repeat} alternating rounds, medians; truth: "
          f"{'n/a' if truth is None else f'{len(truth):,} pairs at Jaccard >= 0.8'}")
    for fmt in args.formats:
        rows_ = [(name, e) for (f, name), e in runs.items() if f == fmt]
        base = {name: median(e["cpu"]) for name, e in rows_}
        print(f"\n**{'JSONL shards' if fmt == 'jsonl' else 'one .txt file per article'}**\n")
        print("| tool | parameters | wall s | CPU s | articles/s | peak RSS MB | precision | recall | CPU ÷ bound | CPU ÷ reprint |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, e in rows_:
            wall, cpu = median(e["wall"]), median(e["cpu"])
            precision = recall = "n/a"
            pairs = None
            if e["out"] is not None and name == "reprint":
                report = json.loads(Path(e["out"]).read_text())
                # A .txt article's id is its file name; the truth names it
                # by its stem, as the peers do.
                stem = lambda i: i[:-4] if i.endswith(".txt") else i  # noqa: E731
                pairs = {(stem(p["a"]), stem(p["b"])) for c in report["clusters"] for p in c["pairs"]}
            elif e["out"] is not None:
                pairs = read_pairs(e["out"])
            if truth is not None and pairs is not None:
                hits = len(pairs & truth)
                precision = f"{hits / len(pairs):.3f}" if pairs else "n/a"
                recall = f"{hits / len(truth):.3f}" if truth else "n/a"
            print(f"| {name} | {e['desc']} | {wall:.2f} | {cpu:.2f} | {args.articles / wall:,.0f} | "
                  f"{median(e['rss']):.0f} | {precision} | {recall} | {cpu / base['bound']:.2f} | "
                  f"{cpu / base['reprint']:.2f} |")


if __name__ == "__main__":
    main()
