//! The order-statistic tree against a naive sorted `Vec`, and its
//! shape and memory guarantees.

use super::*;

/// A tiny deterministic generator for the tests.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

fn check_invariants(t: &Tree<u32>) {
    fn walk(t: &Tree<u32>, n: u32) -> usize {
        if n == NIL {
            return 0;
        }
        let node = &t.nodes[n as usize];
        for c in [node.left, node.right] {
            if c != NIL {
                assert!(t.nodes[c as usize].prio <= node.prio, "heap order");
            }
        }
        let s = 1 + walk(t, node.left) + walk(t, node.right);
        assert_eq!(s, node.size as usize, "subtree size");
        s
    }
    walk(t, t.root);
}

#[test]
fn randomized_operations_match_a_sorted_vec() {
    let mut rng = Lcg(7);
    let mut tree = Tree::new(42);
    let mut naive: Vec<u32> = Vec::new();
    for step in 0..20_000 {
        let key = rng.below(2_000) as u32;
        match rng.below(10) {
            0..=3 => {
                let inserted = tree.insert(key);
                let pos = naive.binary_search(&key);
                assert_eq!(inserted, pos.is_err());
                if let Err(p) = pos {
                    naive.insert(p, key);
                }
            }
            4 | 5 => {
                let removed = tree.remove(&key);
                match naive.binary_search(&key) {
                    Ok(p) => {
                        naive.remove(p);
                        assert_eq!(removed, Some(key));
                    }
                    Err(_) => assert_eq!(removed, None),
                }
            }
            6 => {
                let start = rng.below(naive.len() as u64 + 2) as usize;
                let count = rng.below(20) as usize;
                let got = tree.remove_range(start, count);
                let end = (start + count).min(naive.len());
                let want: Vec<u32> = if start < naive.len() {
                    naive.drain(start..end).collect()
                } else {
                    Vec::new()
                };
                assert_eq!(got, want);
            }
            7 => {
                assert_eq!(tree.rank(&key), naive.binary_search(&key).ok());
                let r = rng.below(naive.len() as u64 + 1) as usize;
                assert_eq!(tree.get(r), naive.get(r));
            }
            8 => {
                let pp = tree.partition_point(|k| *k < key);
                assert_eq!(pp, naive.partition_point(|k| *k < key));
            }
            _ => {
                let r = rng.below(naive.len() as u64 + 2) as usize;
                let fwd: Vec<u32> = tree.iter_from(r).take(30).copied().collect();
                let want: Vec<u32> = naive.iter().skip(r).take(30).copied().collect();
                assert_eq!(fwd, want);
                let back: Vec<u32> = tree.iter_rev_from(r).take(30).copied().collect();
                let want: Vec<u32> = if r < naive.len() {
                    naive[..=r].iter().rev().take(30).copied().collect()
                } else {
                    Vec::new()
                };
                assert_eq!(back, want);
            }
        }
        assert_eq!(tree.len(), naive.len());
        if step % 1000 == 0 {
            check_invariants(&tree);
            assert!(tree.iter().copied().eq(naive.iter().copied()));
        }
    }
    check_invariants(&tree);
    assert!(tree.iter().copied().eq(naive.iter().copied()));
}

#[test]
fn sorted_insertions_stay_shallow() {
    let mut tree = Tree::new(1);
    for i in 0..100_000u32 {
        tree.insert(i);
    }
    fn depth(t: &Tree<u32>, n: u32) -> usize {
        if n == NIL {
            0
        } else {
            1 + depth(t, t.left(n)).max(depth(t, t.right(n)))
        }
    }
    // A random BST of 1e5 keys has depth near 40; a degenerate one 1e5.
    assert!(depth(&tree, tree.root) < 80);
    assert_eq!(tree.rank(&77_777), Some(77_777));
    assert_eq!(tree.get(12_345), Some(&12_345));
}

#[test]
fn removals_compact_the_arena() {
    let mut tree = Tree::new(3);
    for i in 0..10_000u32 {
        tree.insert(i);
    }
    for i in 0..9_900u32 {
        tree.remove(&i);
    }
    assert!(tree.nodes.len() < 1_000);
    assert!(tree.iter().copied().eq(9_900..10_000));
    check_invariants(&tree);
    let gone = tree.remove_range(0, 100);
    assert_eq!(gone.len(), 100);
    assert!(tree.is_empty());
    assert!(tree.insert(5));
    assert_eq!(tree.len(), 1);
}
