#!/usr/bin/env python3
"""Scores an extractor's predictions with the article-extraction benchmark's
measure, as benches/extraction.rs scores reprint's: word 4-gram multisets
(words as Python's \\w+ finds them), precision and recall per page averaged
over pages, F1 of the averages.

    python3 benches/extraction_score.py GROUND_TRUTH.json PREDICTIONS.json [--worst N]

PREDICTIONS.json is the benchmark's format: {key: {"articleBody": text}}; a
page missing from it scores as an empty prediction.
"""

import argparse
import json
import re
from collections import Counter

WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text):
    words = WORD.findall(text or "")
    return Counter(tuple(words[i : i + 4]) for i in range(len(words) - 3))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("truth")
    parser.add_argument("predictions")
    parser.add_argument("--worst", type=int, default=0)
    args = parser.parse_args()
    truth = json.load(open(args.truth, encoding="utf-8"))
    predicted = json.load(open(args.predictions, encoding="utf-8"))
    rows = []
    for key in sorted(truth):
        t = shingles(truth[key].get("articleBody", ""))
        p = shingles(predicted.get(key, {}).get("articleBody", ""))
        tp = sum((t & p).values())
        n_p, n_t = sum(p.values()), sum(t.values())
        precision = tp / n_p if n_p else float(n_t == 0)
        recall = tp / n_t if n_t else 1.0
        rows.append((precision, recall, key))
    n = max(len(rows), 1)
    precision = sum(r[0] for r in rows) / n
    recall = sum(r[1] for r in rows) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{len(rows)} pages: F1 {f1:.3f}, precision {precision:.3f}, recall {recall:.3f}")
    for p, r, key in sorted(rows, key=lambda r: min(r[0], r[1]))[: args.worst]:
        print(f"{p:.3f} {r:.3f} {key}")


if __name__ == "__main__":
    main()
