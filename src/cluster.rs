//! Cluster: verified pairs → groups of near-duplicate documents, by
//! union-find (connected components of the verified-pair graph).
//!
//! A cluster is transitive: A~B and B~C put A, B and C together even when
//! A and C are below the threshold; the cluster's pairs say which
//! similarities were actually verified.

use crate::verify::VerifiedPair;

/// One connected group of near-duplicates, by document index.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Member document indices, ascending.
    pub members: Vec<u32>,
    /// The verified pairs inside the cluster, ascending by `(a, b)`.
    pub pairs: Vec<VerifiedPair>,
}

/// Groups `pairs` into clusters over documents `0..num_docs`.
///
/// Clusters come ordered by their smallest member; documents without a
/// verified pair are in no cluster. Every pair index must be `< num_docs`.
pub fn clusters(num_docs: usize, pairs: &[VerifiedPair]) -> Vec<Cluster> {
    let mut parent: Vec<u32> = (0..num_docs as u32).collect();
    for p in pairs {
        union(&mut parent, p.a, p.b);
    }
    let mut slot_of_root: Vec<u32> = vec![u32::MAX; num_docs];
    let mut out: Vec<Cluster> = Vec::new();
    let mut sorted: Vec<VerifiedPair> = pairs.to_vec();
    sorted.sort_by_key(|p| (p.a, p.b));
    for p in sorted {
        let root = find(&mut parent, p.a) as usize;
        if slot_of_root[root] == u32::MAX {
            slot_of_root[root] = out.len() as u32;
            out.push(Cluster {
                members: Vec::new(),
                pairs: Vec::new(),
            });
        }
        out[slot_of_root[root] as usize].pairs.push(p);
    }
    for doc in 0..num_docs as u32 {
        let root = find(&mut parent, doc) as usize;
        if slot_of_root[root] != u32::MAX {
            out[slot_of_root[root] as usize].members.push(doc);
        }
    }
    out.sort_by_key(|c| c.members[0]);
    out
}

/// The root of `x` in a union-find forest stored as parent links.
pub(crate) fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        // Path halving.
        let grandparent = parent[parent[x as usize] as usize];
        parent[x as usize] = grandparent;
        x = grandparent;
    }
    x
}

/// Joins the sets of `a` and `b`, rooted at the smaller index so that a
/// set's root is its first member.
pub(crate) fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        parent[ra.max(rb) as usize] = ra.min(rb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u32, b: u32) -> VerifiedPair {
        VerifiedPair { a, b, jaccard: 0.9 }
    }

    #[test]
    fn components_with_their_pairs() {
        let got = clusters(8, &[pair(5, 6), pair(1, 3), pair(3, 7), pair(0, 7)]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].members, vec![0, 1, 3, 7]);
        assert_eq!(got[0].pairs, vec![pair(0, 7), pair(1, 3), pair(3, 7)]);
        assert_eq!(got[1].members, vec![5, 6]);
        assert!(clusters(3, &[]).is_empty());
    }
}
