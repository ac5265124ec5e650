#!/usr/bin/env python3
"""Side-by-side near-duplicate benchmark: reprint vs datasketch vs rensa.

    python3 benches/compare.py                 # 20,000 articles
    python3 benches/compare.py --articles 100000
    python3 benches/compare.py --articles 1000000 --no-peers --no-truth

Steps, all in one run on one machine:
1. builds reprint and the corpus tool in release mode (`cargo bench --no-run`);
2. generates a deterministic news-like corpus (benches/corpus.rs: Markov text
   trained on ../shared/corpora/bbc, planted near-duplicates and reposted
   paragraphs, median ~700 words) under target/bench/ unless it exists;
3. computes the exact ground truth (every pair with word-5-shingle Jaccard
   >= 0.8, by an exact set-similarity join in benches/corpus.rs);
4. installs the peers, pinned, into a private virtualenv (target/bench/venv);
5. runs every tool (three times; the median run is reported) in its own
   process under /usr/bin/time -v on the identical
   task: lowercased words, 5-word shingles, 128 permutations, threshold 0.8;
   reprint with `--passages off --no-fold-spelling` (documents only, exact
   verification); the peers with their MinHashLSH and the signature estimate
   to confirm candidates, as their documentation shows;
6. prints one table: wall time, articles/s, MB/s, peak RSS, precision and
   recall against the truth, and reprint's speed-up over each peer.

Benchmarks are not tests: nothing here asserts on time.
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
PEERS = {"datasketch": "2.0.0", "rensa": "0.5.0"}

# The peers' task, run as `python - CORPUS_DIR OUT_TSV` in the venv. Words are
# lowercased [a-z0-9]+ runs: on the generated corpus these are exactly the words
# reprint's UAX #29 tokenizer finds (the generator writes no in-word punctuation).
PEER_COMMON = r'''
import json, re, sys
from pathlib import Path
WORD = re.compile(r"[a-z0-9]+")
def documents(root):
    for shard in sorted(Path(root).glob("*.jsonl")):
        with open(shard, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                yield d["id"], d["text"]
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


def timed(cmd, stdin=None):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MB)."""
    proc = subprocess.run(
        ["/usr/bin/time", "-v"] + cmd, stdin=stdin, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        sys.exit(f"compare: {cmd[0]} failed:\n{proc.stderr[-3000:]}")
    wall = rss = None
    for line in proc.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            t = line.rsplit(" ", 1)[1].split(":")
            wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
        elif line.startswith("Maximum resident set size"):
            rss = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, rss, proc.stderr


def median_run(cmd, repeat):
    """Runs cmd `repeat` times; returns the run with the median wall time."""
    runs = sorted((timed(cmd) for _ in range(repeat)), key=lambda r: r[0])
    return runs[len(runs) // 2]


def read_pairs(path):
    with open(path) as f:
        return {tuple(line.rstrip("\n").split("\t")[:2]) for line in f if line.strip()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--articles", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--no-peers", action="store_true", help="run reprint only")
    ap.add_argument("--no-truth", action="store_true", help="skip the exact ground truth")
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool; the median is reported")
    args = ap.parse_args()

    BENCH.mkdir(parents=True, exist_ok=True)
    corpus = BENCH / f"corpus-{args.articles}-s{args.seed}"
    truth_file = BENCH / f"corpus-{args.articles}-s{args.seed}.truth.tsv"

    print("building (release) …", file=sys.stderr)
    run(["cargo", "build", "--release", "-q"], cwd=ROOT)
    reprint = ROOT / "target" / "release" / "reprint"
    corpus_tool = cargo_bin("corpus")

    if not corpus.is_dir():
        run([corpus_tool, "generate", "--articles", str(args.articles), "--seed", str(args.seed), "--out", str(corpus)])
    size_mb = sum(p.stat().st_size for p in corpus.glob("*.jsonl")) / 1e6
    if not args.no_truth and not truth_file.exists():
        run([corpus_tool, "truth", "--dir", str(corpus), "--out", str(truth_file)])
    truth = None if args.no_truth else read_pairs(truth_file)

    rows = []
    out = BENCH / "reprint.json"
    wall, rss, _ = median_run([str(reprint), "scan", str(corpus), "--passages", "off", "--no-fold-spelling",
                               "--threads", str(args.threads), "--format", "json", "-q", "-o", str(out)],
                              args.repeat)
    report = json.loads(out.read_text())
    found = {(p["a"], p["b"]) for c in report["clusters"] for p in c["pairs"]}
    params = report["params"]
    rows.append(("reprint", f"OPH k=128, {params['bands']}x{params['rows']} bands, exact verify, {args.threads} threads",
                 wall, rss, found))

    if not args.no_peers:
        venv = BENCH / "venv"
        py = venv / "bin" / "python"
        if not py.exists():
            run([sys.executable, "-m", "venv", str(venv)])
        run([str(py), "-m", "pip", "install", "-q"] + [f"{k}=={v}" for k, v in PEERS.items()])
        for name, script, desc in [
            ("rensa", RENSA, "RMinHash k=128, 16x8 bands, estimate verify"),
            ("datasketch", DATASKETCH, "MinHash k=128, MinHashLSH(0.8), estimate verify"),
        ]:
            pairs_out = BENCH / f"{name}.tsv"
            script_path = BENCH / f"peer_{name}.py"
            script_path.write_text(script)
            wall, rss, err = median_run([str(py), str(script_path), str(corpus), str(pairs_out)], args.repeat)
            m = re.search(r"bands x rows: (\d+) x (\d+)", err)
            if m:
                desc = f"MinHash k=128, MinHashLSH(0.8) chose {m.group(1)}x{m.group(2)}, estimate verify"
            rows.append((f"{name} {PEERS[name]}", desc, wall, rss, read_pairs(pairs_out)))

    n = report["documents"]
    cpu = platform.processor() or platform.machine()
    print(f"\n{args.articles:,} articles ({n:,} scanned), {size_mb:.1f} MB; {os.cpu_count()} cores ({cpu}); "
          f"{time.strftime('%Y-%m-%d')}; truth: {'n/a' if truth is None else f'{len(truth):,} pairs at Jaccard >= 0.8'}\n")
    print("| tool | parameters | wall s | articles/s | MB/s | peak RSS MB | precision | recall | reprint speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    base = rows[0][2]
    for name, desc, wall, rss, pairs in rows:
        if truth is not None:
            hits = len(pairs & truth)
            precision = f"{hits / len(pairs):.3f}" if pairs else "n/a"
            recall = f"{hits / len(truth):.3f}" if truth else "n/a"
        else:
            precision = recall = "n/a"
        ratio = "—" if name == "reprint" else f"{wall / base:.1f}×"
        print(f"| {name} | {desc} | {wall:.2f} | {n / wall:,.0f} | {size_mb / wall:.1f} | {rss:.0f} | "
              f"{precision} | {recall} | {ratio} |")


if __name__ == "__main__":
    main()
