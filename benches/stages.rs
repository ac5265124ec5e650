//! Per-stage micro-benchmarks: `cargo bench --bench stages`.
//!
//! Input is the two seed articles in `data/` (real scraped news) repeated
//! to a realistic article length, plus sets of random shingle hashes for
//! the stages after shingling. Figures are throughput on this machine; no
//! test asserts on them.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use reprint::align::Aligner;
use reprint::lsh::{candidate_pairs, LshParams};
use reprint::shingle::{shingle_hashes, ShingleSet};
use reprint::sketch::Sketcher;
use reprint::tokenize::{Tokenizer, Word};
use reprint::verify::verify_exact;

fn seed_text() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
    let mut text = String::new();
    for name in ["000_85676adcdf0feb57.txt", "004_d7de4594d4d3c26f.txt"] {
        text.push_str(&std::fs::read_to_string(format!("{dir}/{name}")).expect("seed present"));
        text.push_str("\n\n");
    }
    text
}

fn random_hashes(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let text = seed_text().repeat(4);
    let mut tokenizer = Tokenizer::default();
    let mut words: Vec<Word> = Vec::new();
    tokenizer.words(&text, &mut words);

    let mut g = c.benchmark_group("tokenize");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("normalize+tokenize", |b| {
        b.iter(|| {
            words.clear();
            tokenizer.words(black_box(&text), &mut words);
        })
    });
    // Most English news is all ASCII, which the tokenizer scans faster:
    // the same text with its few non-ASCII characters (curly quotes)
    // replaced.
    let ascii: String = text
        .chars()
        .map(|c| if c.is_ascii() { c } else { '\'' })
        .collect();
    g.bench_function("normalize+tokenize, ASCII", |b| {
        b.iter(|| {
            words.clear();
            tokenizer.words(black_box(&ascii), &mut words);
        })
    });
    g.finish();

    let mut hashes = Vec::new();
    let mut g = c.benchmark_group("shingle");
    g.throughput(Throughput::Elements(words.len() as u64));
    g.bench_function("5-word shingle hashes", |b| {
        b.iter(|| {
            hashes.clear();
            shingle_hashes(black_box(&words), 5, &mut hashes);
        })
    });
    g.finish();

    let shingles = random_hashes(1, 700);
    let sketcher = Sketcher::new(128);
    let mut g = c.benchmark_group("sketch");
    g.throughput(Throughput::Elements(shingles.len() as u64));
    g.bench_function("oph k=128, 700 shingles", |b| {
        b.iter(|| sketcher.sketch(black_box(&shingles)))
    });
    g.finish();

    let signatures: Vec<_> = (0..10_000u64)
        .map(|i| sketcher.sketch(&random_hashes(i, 300)).expect("non-empty"))
        .collect();
    let params = LshParams::optimal(0.8, 128);
    let mut g = c.benchmark_group("lsh");
    g.sample_size(10);
    g.throughput(Throughput::Elements(signatures.len() as u64));
    g.bench_function("candidates, 10k signatures", |b| {
        b.iter(|| candidate_pairs(black_box(&signatures), params))
    });
    g.finish();

    let a = ShingleSet::from_hashes(random_hashes(7, 700));
    let mut near = random_hashes(7, 650);
    near.extend(random_hashes(8, 50));
    let b_set = ShingleSet::from_hashes(near);
    let sets = [a, b_set];
    let pairs = vec![(0u32, 1u32); 1000];
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("exact jaccard, 700-shingle pairs", |b| {
        b.iter_batched(
            || pairs.clone(),
            |p| verify_exact(&p, |i| sets.get(i as usize), 0.8),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // Two 40-word paragraphs sharing a 20-word stretch with one word
    // changed: the shape of a candidate unit pair.
    let shared = random_hashes(9, 20);
    let mut pa = random_hashes(10, 10);
    pa.extend(&shared);
    pa.extend(random_hashes(11, 10));
    let mut pb = random_hashes(12, 14);
    pb.extend(&shared);
    pb[20] ^= 2;
    pb.extend(random_hashes(13, 6));
    let mut aligner = Aligner::default();
    let mut g = c.benchmark_group("align");
    g.throughput(Throughput::Elements((pa.len() * pb.len()) as u64));
    g.bench_function("40x40 words, 20 shared", |b| {
        b.iter(|| aligner.align(black_box(&pa), black_box(&pb)))
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
