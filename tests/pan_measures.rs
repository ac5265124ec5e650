//! PAN's plagiarism-detection measures used by `benches/pan13.rs`, checked
//! against the unit cases of PAN's own `perfmeasures` script
//! (`TestPerfMeasures`), case for case.
#[path = "../benches/pan/measures.rs"]
#[allow(dead_code)] // the bench uses what the tests do not
mod measures;

use measures::*;

fn intrinsic(this_ref: &str, off: usize, len: usize) -> Annotation {
    Annotation {
        this_ref: this_ref.into(),
        this: off..off + len,
        source_ref: String::new(),
        source: 0..0,
        external: false,
    }
}

fn anns() -> Vec<Annotation> {
    let e = Annotation::external;
    vec![
        e("tref1", 0, 100, "sref1", 0, 100),     // 1
        intrinsic("tref1", 0, 100),              // 2
        e("tref1", 100, 100, "sref1", 100, 100), // 3
        e("tref1", 0, 200, "sref1", 0, 200),     // 4
        e("tref1", 0, 1, "sref1", 0, 1),         // 5
        e("tref1", 99, 1, "sref1", 99, 1),       // 6
        e("tref2", 0, 100, "sref2", 0, 100),     // 7
        intrinsic("tref2", 0, 100),              // 8
        e("tref2", 50, 100, "sref2", 50, 100),   // 9
        e("tref2", 25, 75, "sref2", 25, 75),     // 10
    ]
}

#[test]
fn macro_averaged_recall() {
    let a = anns();
    let n = |i: usize| a[i - 1].clone();
    assert_eq!(macro_recall(&[], &[]), 1.0);
    assert_eq!(macro_recall(&[n(1)], &[]), 0.0);
    assert_eq!(macro_recall(&[], &[n(1)]), 0.0);
    assert_eq!(macro_recall(&[n(1)], &[n(1)]), 1.0);
    assert_eq!(macro_recall(&[n(2)], &[n(2)]), 1.0);
    assert_eq!(macro_recall(&[n(1), n(7)], &[n(1)]), 0.5);
    assert_eq!(macro_recall(&[n(2), n(8)], &[n(2)]), 0.5);
    assert_eq!(macro_recall(&[n(1)], &[n(7)]), 0.0);
    assert_eq!(macro_recall(&[n(2)], &[n(8)]), 0.0);
}

#[test]
fn case_recall_cases() {
    let a = anns();
    let n = |i: usize| &a[i - 1];
    assert_eq!(case_recall(n(1), &[]), 0.0);
    assert_eq!(case_recall(n(1), &[n(1)]), 1.0);
    assert_eq!(case_recall(n(1), &[n(2)]), 0.5);
    assert_eq!(case_recall(n(1), &[n(3)]), 0.0);
    assert_eq!(case_recall(n(1), &[n(4)]), 1.0);
    assert_eq!(case_recall(n(1), &[n(4), n(7)]), 1.0);
    assert_eq!(case_recall(n(1), &[n(7), n(9)]), 0.0);
    assert_eq!(case_recall(n(7), &[n(9)]), 0.5);
    assert_eq!(case_recall(n(7), &[n(10)]), 0.75);
    assert_eq!(case_recall(n(7), &[n(9), n(10)]), 0.75);
}

#[test]
fn macro_averaged_precision() {
    let a = anns();
    let n = |i: usize| a[i - 1].clone();
    assert_eq!(macro_precision(&[], &[]), 1.0);
    assert_eq!(macro_precision(&[n(1)], &[]), 0.0);
    assert_eq!(macro_precision(&[], &[n(1)]), 0.0);
    assert_eq!(macro_precision(&[n(1)], &[n(1)]), 1.0);
    assert_eq!(macro_precision(&[n(2)], &[n(2)]), 1.0);
    assert_eq!(macro_precision(&[n(1), n(7)], &[n(1)]), 1.0);
    assert_eq!(macro_precision(&[n(2), n(8)], &[n(2)]), 1.0);
    assert_eq!(macro_precision(&[n(1)], &[n(4)]), 0.5);
    assert_eq!(macro_precision(&[n(7)], &[n(10)]), 1.0);
    assert_eq!(macro_precision(&[n(7)], &[n(9), n(10)]), 0.75);
    assert_eq!(macro_precision(&[n(1)], &[n(3), n(4)]), 0.25);
}

#[test]
fn granularity_cases() {
    let a = anns();
    let n = |i: usize| a[i - 1].clone();
    assert_eq!(granularity(&[], &[]), 1.0);
    assert_eq!(granularity(&[n(1)], &[n(2)]), 1.0);
    assert_eq!(granularity(&[n(1)], &[n(2), n(3)]), 1.0);
    assert_eq!(granularity(&[n(1)], &[n(2), n(3), n(4)]), 2.0);
    assert_eq!(granularity(&[n(1), n(3)], &[n(2), n(4)]), 1.5);
}

#[test]
fn plagdet_cases() {
    assert_eq!(plagdet(-1.0, 0.0, 0.0), 0.0);
    assert_eq!(plagdet(0.0, -1.0, 0.0), 0.0);
    assert_eq!(plagdet(0.0, 0.0, -1.0), 0.0);
    assert_eq!(plagdet(0.0, 0.0, 1.0), 0.0);
    assert_eq!(plagdet(0.0, 1.0, 1.0), 0.0);
    assert_eq!(plagdet(1.0, 0.0, 1.0), 0.0);
    assert_eq!(plagdet(1.0, 1.0, 1.0), 1.0);
    assert!((plagdet(0.5, 1.0, 1.0) - 2.0 / 3.0).abs() < 1e-12);
    assert!((plagdet(1.0, 0.5, 1.0) - 2.0 / 3.0).abs() < 1e-12);
    assert!((plagdet(1.0, 1.0, 2.0) - 0.630_929_75).abs() < 1e-8);
    assert!((plagdet(0.25, 0.75, 2.0) - 0.236_598_65).abs() < 1e-8);
}

#[test]
fn overlapping_cases() {
    let a = anns();
    let n = |i: usize| &a[i - 1];
    assert!(is_overlapping(n(1), n(2)));
    assert!(!is_overlapping(n(1), n(3)));
    assert!(is_overlapping(n(1), n(4)));
    assert!(!is_overlapping(n(1), n(7)));
    assert!(!is_overlapping(n(1), n(8)));
    assert!(!is_overlapping(n(1), n(9)));
    assert!(!is_overlapping(n(1), n(10)));
    assert!(is_overlapping(n(1), n(5)));
    assert!(is_overlapping(n(1), n(6)));
}
