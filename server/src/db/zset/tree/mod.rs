//! [`Tree`]: an ordered set with rank queries (an order-statistic treap).
//!
//! Sorted sets answer "what is the rank of this member" and "which member
//! has rank r" on every ZRANK, ZRANGE and ZREMRANGEBYRANK; a plain
//! `BTreeSet` seeks in O(log n) but counts in O(n). Redis uses a skiplist
//! whose links carry spans; this is the same idea as a treap whose nodes
//! carry the size of their subtree.
//!
//! Nodes live in one arena (`Vec`) and link by `u32` index, so the tree is
//! safe Rust with no reference counting and one allocation for the whole
//! set. Priorities come from a generator seeded per tree, so a run is
//! reproducible and the shape is that of a random binary search tree:
//! expected depth about 1.39·log2(n) whatever the insertion order.
//!
//! Complexity (n elements, m elements touched; all expected, over the
//! priorities, never over the input):
//!
//! | operation | cost |
//! | --- | --- |
//! | [`Tree::insert`], [`Tree::remove`], [`Tree::rank`], [`Tree::get`] | O(log n) |
//! | [`Tree::partition_point`] (seek by a monotone predicate) | O(log n) |
//! | [`Tree::iter_from`], [`Tree::iter_rev_from`] | O(log n) to start, O(1) amortized per step |
//! | [`Tree::remove_range`] (by rank) | O(log n + m) |
//!
//! Freed slots are reused; when more than half of the arena is free it is
//! compacted, so memory follows the live size (amortized O(1) per removal).

use std::cmp::Ordering;

/// The index that means "no node".
const NIL: u32 = u32::MAX;

#[derive(Clone, Debug)]
struct Node<K> {
    key: K,
    left: u32,
    right: u32,
    /// Elements in the subtree rooted here; 0 marks a free slot.
    size: u32,
    prio: u32,
}

/// An ordered set of unique keys with O(log n) rank and select.
#[derive(Clone, Debug)]
pub struct Tree<K> {
    nodes: Vec<Node<K>>,
    free: Vec<u32>,
    root: u32,
    /// State of the priority generator (splitmix64).
    seed: u64,
}

impl<K: Ord + Default> Tree<K> {
    /// An empty tree whose priorities derive from `seed`.
    pub fn new(seed: u64) -> Self {
        Tree {
            nodes: Vec::new(),
            free: Vec::new(),
            root: NIL,
            seed,
        }
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.size(self.root)
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.root == NIL
    }

    /// Slots allocated in the arena (live and free), for memory estimates.
    pub fn capacity(&self) -> usize {
        self.nodes.capacity()
    }

    fn size(&self, t: u32) -> usize {
        if t == NIL {
            0
        } else {
            self.nodes[t as usize].size as usize
        }
    }

    fn left(&self, t: u32) -> u32 {
        self.nodes[t as usize].left
    }

    fn right(&self, t: u32) -> u32 {
        self.nodes[t as usize].right
    }

    fn key(&self, t: u32) -> &K {
        &self.nodes[t as usize].key
    }

    fn fix(&mut self, t: u32) {
        let n = &self.nodes[t as usize];
        let size = 1 + self.size(n.left) + self.size(n.right);
        self.nodes[t as usize].size = size as u32;
    }

    fn next_prio(&mut self) -> u32 {
        self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as u32
    }

    fn alloc(&mut self, key: K) -> u32 {
        let node = Node {
            key,
            left: NIL,
            right: NIL,
            size: 1,
            prio: self.next_prio(),
        };
        match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        }
    }

    /// Frees slot `t`, returning its key.
    fn release(&mut self, t: u32) -> K {
        let n = &mut self.nodes[t as usize];
        n.size = 0;
        n.left = NIL;
        n.right = NIL;
        self.free.push(t);
        std::mem::take(&mut n.key)
    }

    /// Splits `t` into the keys before node `x`'s key and those after it.
    fn split_around(&mut self, t: u32, x: u32) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        if self.key(t) < self.key(x) {
            let (l, r) = self.split_around(self.right(t), x);
            self.nodes[t as usize].right = l;
            self.fix(t);
            (t, r)
        } else {
            let (l, r) = self.split_around(self.left(t), x);
            self.nodes[t as usize].left = r;
            self.fix(t);
            (l, t)
        }
    }

    /// Splits `t` into its first `k` keys and the rest.
    fn split_rank(&mut self, t: u32, k: usize) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        let ls = self.size(self.left(t));
        if k <= ls {
            let (l, r) = self.split_rank(self.left(t), k);
            self.nodes[t as usize].left = r;
            self.fix(t);
            (l, t)
        } else {
            let (l, r) = self.split_rank(self.right(t), k - ls - 1);
            self.nodes[t as usize].right = l;
            self.fix(t);
            (t, r)
        }
    }

    /// Joins two trees where every key of `a` is below every key of `b`.
    fn merge(&mut self, a: u32, b: u32) -> u32 {
        if a == NIL {
            return b;
        }
        if b == NIL {
            return a;
        }
        if self.nodes[a as usize].prio > self.nodes[b as usize].prio {
            let r = self.merge(self.right(a), b);
            self.nodes[a as usize].right = r;
            self.fix(a);
            a
        } else {
            let l = self.merge(a, self.left(b));
            self.nodes[b as usize].left = l;
            self.fix(b);
            b
        }
    }

    fn insert_node(&mut self, t: u32, x: u32) -> u32 {
        if t == NIL {
            return x;
        }
        if self.nodes[x as usize].prio > self.nodes[t as usize].prio {
            let (l, r) = self.split_around(t, x);
            let n = &mut self.nodes[x as usize];
            n.left = l;
            n.right = r;
            self.fix(x);
            return x;
        }
        if self.key(x) < self.key(t) {
            let l = self.insert_node(self.left(t), x);
            self.nodes[t as usize].left = l;
        } else {
            let r = self.insert_node(self.right(t), x);
            self.nodes[t as usize].right = r;
        }
        self.nodes[t as usize].size += 1;
        t
    }

    /// Inserts `key`; false (and no change) if an equal key is present.
    #[cfg(test)]
    pub fn insert(&mut self, key: K) -> bool {
        if self.rank(&key).is_some() {
            return false;
        }
        self.insert_absent(key);
        true
    }

    /// Inserts `key`, which the caller knows is absent (a sorted set knows
    /// from its member map): one descent instead of two.
    pub fn insert_absent(&mut self, key: K) {
        debug_assert!(self.rank(&key).is_none(), "insert_absent of a present key");
        let x = self.alloc(key);
        self.root = self.insert_node(self.root, x);
    }

    fn remove_node(&mut self, t: u32, key: &K) -> (u32, u32) {
        if t == NIL {
            return (NIL, NIL);
        }
        match key.cmp(self.key(t)) {
            Ordering::Equal => {
                let m = self.merge(self.left(t), self.right(t));
                (m, t)
            }
            Ordering::Less => {
                let (l, gone) = self.remove_node(self.left(t), key);
                self.nodes[t as usize].left = l;
                if gone != NIL {
                    self.nodes[t as usize].size -= 1;
                }
                (t, gone)
            }
            Ordering::Greater => {
                let (r, gone) = self.remove_node(self.right(t), key);
                self.nodes[t as usize].right = r;
                if gone != NIL {
                    self.nodes[t as usize].size -= 1;
                }
                (t, gone)
            }
        }
    }

    /// Removes the key equal to `key`, returning it.
    pub fn remove(&mut self, key: &K) -> Option<K> {
        let (root, gone) = self.remove_node(self.root, key);
        self.root = root;
        if gone == NIL {
            return None;
        }
        let k = self.release(gone);
        self.maybe_compact();
        Some(k)
    }

    /// The 0-based rank of `key`, if present.
    pub fn rank(&self, key: &K) -> Option<usize> {
        let mut t = self.root;
        let mut before = 0;
        while t != NIL {
            match key.cmp(self.key(t)) {
                Ordering::Less => t = self.left(t),
                Ordering::Equal => return Some(before + self.size(self.left(t))),
                Ordering::Greater => {
                    before += self.size(self.left(t)) + 1;
                    t = self.right(t);
                }
            }
        }
        None
    }

    /// The key of rank `rank` (0-based).
    pub fn get(&self, rank: usize) -> Option<&K> {
        let mut t = self.root;
        let mut k = rank;
        while t != NIL {
            let ls = self.size(self.left(t));
            match k.cmp(&ls) {
                Ordering::Less => t = self.left(t),
                Ordering::Equal => return Some(self.key(t)),
                Ordering::Greater => {
                    k -= ls + 1;
                    t = self.right(t);
                }
            }
        }
        None
    }

    /// The number of leading keys for which `pred` holds, where `pred`
    /// holds for a prefix of the order and fails for the rest (as
    /// `slice::partition_point`).
    pub fn partition_point(&self, mut pred: impl FnMut(&K) -> bool) -> usize {
        let mut t = self.root;
        let mut count = 0;
        while t != NIL {
            if pred(self.key(t)) {
                count += self.size(self.left(t)) + 1;
                t = self.right(t);
            } else {
                t = self.left(t);
            }
        }
        count
    }

    /// Keys in ascending order starting at rank `rank`.
    pub fn iter_from(&self, rank: usize) -> Iter<'_, K> {
        let mut stack = Vec::new();
        let mut t = self.root;
        let mut k = rank;
        while t != NIL {
            let ls = self.size(self.left(t));
            match k.cmp(&ls) {
                Ordering::Less => {
                    stack.push(t);
                    t = self.left(t);
                }
                Ordering::Equal => {
                    stack.push(t);
                    break;
                }
                Ordering::Greater => {
                    k -= ls + 1;
                    t = self.right(t);
                }
            }
        }
        Iter {
            tree: self,
            stack,
            rev: false,
        }
    }

    /// Keys in descending order starting at rank `rank` (counted from the
    /// smallest key) and going down.
    pub fn iter_rev_from(&self, rank: usize) -> Iter<'_, K> {
        let mut stack = Vec::new();
        if rank < self.len() {
            let mut t = self.root;
            let mut k = rank;
            while t != NIL {
                let ls = self.size(self.left(t));
                match k.cmp(&ls) {
                    Ordering::Less => t = self.left(t),
                    Ordering::Equal => {
                        stack.push(t);
                        break;
                    }
                    Ordering::Greater => {
                        stack.push(t);
                        k -= ls + 1;
                        t = self.right(t);
                    }
                }
            }
        }
        Iter {
            tree: self,
            stack,
            rev: true,
        }
    }

    /// All keys in ascending order.
    pub fn iter(&self) -> Iter<'_, K> {
        self.iter_from(0)
    }

    /// Removes the keys of ranks `start..start + count` and returns them in
    /// ascending order.
    pub fn remove_range(&mut self, start: usize, count: usize) -> Vec<K> {
        if count == 0 || start >= self.len() {
            return Vec::new();
        }
        let (a, rest) = self.split_rank(self.root, start);
        let (mid, c) = self.split_rank(rest, count);
        self.root = self.merge(a, c);
        let mut ids = Vec::with_capacity(self.size(mid));
        let mut stack = Vec::new();
        let mut t = mid;
        loop {
            while t != NIL {
                stack.push(t);
                t = self.left(t);
            }
            let Some(top) = stack.pop() else { break };
            ids.push(top);
            t = self.right(top);
        }
        let keys = ids.into_iter().map(|i| self.release(i)).collect();
        self.maybe_compact();
        keys
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.free.clear();
        self.root = NIL;
    }

    /// Drops free slots once they outnumber live ones, renumbering links.
    fn maybe_compact(&mut self) {
        let live = self.nodes.len() - self.free.len();
        if self.free.len() < 64 || self.free.len() <= live {
            return;
        }
        if live == 0 {
            self.clear();
            return;
        }
        let mut renumber = vec![NIL; self.nodes.len()];
        let mut next = 0u32;
        for (old, n) in self.nodes.iter().enumerate() {
            if n.size != 0 {
                renumber[old] = next;
                next += 1;
            }
        }
        let map = |i: u32| if i == NIL { NIL } else { renumber[i as usize] };
        self.nodes.retain(|n| n.size != 0);
        for n in &mut self.nodes {
            n.left = map(n.left);
            n.right = map(n.right);
        }
        self.root = map(self.root);
        self.free.clear();
        self.nodes.shrink_to_fit();
    }
}

/// An iterator over a [`Tree`], ascending or descending.
pub struct Iter<'a, K> {
    tree: &'a Tree<K>,
    /// Nodes still to yield, the next one on top; their subtrees on the
    /// far side are not yet expanded.
    stack: Vec<u32>,
    rev: bool,
}

impl<'a, K: Ord + Default> Iterator for Iter<'a, K> {
    type Item = &'a K;

    fn next(&mut self) -> Option<&'a K> {
        let t = self.stack.pop()?;
        let tree = self.tree;
        let mut c = if self.rev {
            tree.left(t)
        } else {
            tree.right(t)
        };
        while c != NIL {
            self.stack.push(c);
            c = if self.rev {
                tree.right(c)
            } else {
                tree.left(c)
            };
        }
        Some(tree.key(t))
    }
}

#[cfg(test)]
mod tests;
