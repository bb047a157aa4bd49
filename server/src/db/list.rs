//! The list type: a deque of byte strings.
//!
//! Redis 7.0 keeps every list as a `quicklist` (a linked list of listpacks);
//! redsim keeps a `VecDeque`, which gives O(1) pushes and pops at both ends
//! and O(1) indexing, and reports `quicklist` as its encoding.
//!
//! Indexes here follow Redis: negative ones count from the tail (`-1` is
//! the last element). This module only stores; replies, keyspace events and
//! the deletion of emptied lists belong to the commands.

use std::collections::VecDeque;

use super::blob::Blob;

/// One end of a list: `LEFT` (the head) or `RIGHT` (the tail).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// The head, where LPUSH and LPOP work.
    Left,
    /// The tail, where RPUSH and RPOP work.
    Right,
}

/// A list value.
#[derive(Clone, Debug, Default)]
pub struct List {
    /// The elements, head first.
    pub items: VecDeque<Blob>,
}

impl List {
    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<Blob>()
            + self.items.iter().map(Blob::heap_size).sum::<usize>()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list has no elements (a state no stored key keeps: the
    /// commands delete a list they empty).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Adds `value` at `end`.
    pub fn push(&mut self, end: End, value: Blob) {
        match end {
            End::Left => self.items.push_front(value),
            End::Right => self.items.push_back(value),
        }
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Blob> {
        match end {
            End::Left => self.items.pop_front(),
            End::Right => self.items.pop_back(),
        }
    }

    /// Removes up to `count` elements from `end`, in the order they are
    /// popped (so `RPOP l 2` yields the last element first).
    pub fn pop_many(&mut self, end: End, count: usize) -> Vec<Blob> {
        let n = count.min(self.items.len());
        match end {
            End::Left => self.items.drain(..n).collect(),
            End::Right => {
                let start = self.items.len() - n;
                self.items.drain(start..).rev().collect()
            }
        }
    }

    /// The position of Redis index `index` (negative from the tail), if
    /// it is inside the list.
    pub fn position(&self, index: i64) -> Option<usize> {
        let len = i64::try_from(self.items.len()).ok()?;
        let i = if index < 0 {
            len.checked_add(index)?
        } else {
            index
        };
        if (0..len).contains(&i) {
            usize::try_from(i).ok()
        } else {
            None
        }
    }

    /// The element at Redis index `index`.
    pub fn get(&self, index: i64) -> Option<&Blob> {
        self.position(index).and_then(|i| self.items.get(i))
    }

    /// Replaces the element at Redis index `index`; false if out of range.
    pub fn set(&mut self, index: i64, value: Blob) -> bool {
        match self.position(index).and_then(|i| self.items.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// Inserts `value` next to the first element equal to `pivot` (after
    /// it if `after`); false if there is no such element.
    pub fn insert(&mut self, pivot: &[u8], value: Blob, after: bool) -> bool {
        match self.items.iter().position(|e| e.as_slice() == pivot) {
            Some(i) => {
                self.items.insert(if after { i + 1 } else { i }, value);
                true
            }
            None => false,
        }
    }

    /// Removes elements equal to `value`, as LREM counts: `count > 0` the
    /// first `count` from the head, `count < 0` the first `|count|` from
    /// the tail, `0` all of them. Returns how many were removed.
    pub fn remove(&mut self, count: i64, value: &[u8]) -> usize {
        let limit = match count.unsigned_abs() {
            0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        let before = self.items.len();
        if count >= 0 {
            let mut removed = 0;
            self.items.retain(|e| {
                if removed < limit && e.as_slice() == value {
                    removed += 1;
                    false
                } else {
                    true
                }
            });
        } else {
            // Find from the tail the position of the last match to remove,
            // then remove in one pass: removing one by one would cost
            // O(n) per element.
            let mut from = 0;
            let mut found = 0;
            for (i, e) in self.items.iter().enumerate().rev() {
                if e.as_slice() == value {
                    found += 1;
                    if found == limit {
                        from = i;
                        break;
                    }
                }
            }
            let mut pos = 0;
            self.items.retain(|e| {
                let keep = pos < from || e.as_slice() != value;
                pos += 1;
                keep
            });
        }
        before - self.items.len()
    }

    /// The inclusive range `start..=stop` of Redis indexes (negative from
    /// the tail, clamped to the list) as positions, as LRANGE and LTRIM
    /// resolve it; `None` when the range is empty.
    pub fn range(&self, start: i64, stop: i64) -> Option<(usize, usize)> {
        let len = i64::try_from(self.items.len()).ok()?;
        // A negative index plus a length cannot overflow.
        let start = if start < 0 { len + start } else { start }.max(0);
        let stop = if stop < 0 { len + stop } else { stop };
        if start > stop || start >= len {
            return None;
        }
        let stop = stop.min(len - 1);
        Some((usize::try_from(start).ok()?, usize::try_from(stop).ok()?))
    }

    /// Keeps only the elements of [`List::range`]`(start, stop)`; returns
    /// how many were removed.
    pub fn trim(&mut self, start: i64, stop: i64) -> usize {
        let before = self.items.len();
        match self.range(start, stop) {
            Some((first, last)) => {
                self.items.truncate(last + 1);
                self.items.drain(..first);
            }
            None => self.items.clear(),
        }
        before - self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> List {
        List {
            items: items.iter().map(|s| Blob::from(*s)).collect(),
        }
    }

    fn strings(l: &List) -> Vec<String> {
        l.items
            .iter()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    }

    #[test]
    fn pop_many_from_the_right_yields_last_first() {
        let mut l = list(&["a", "b", "c"]);
        let popped = l.pop_many(End::Right, 2);
        assert_eq!(popped, vec![Blob::from("c"), Blob::from("b")]);
        assert_eq!(strings(&l), ["a"]);
        assert_eq!(l.pop_many(End::Left, usize::MAX).len(), 1);
        assert!(l.is_empty());
    }

    #[test]
    fn indexes_count_from_either_end_without_overflow() {
        let l = list(&["a", "b", "c"]);
        assert_eq!(l.get(-1).map(|b| b.as_slice()), Some(&b"c"[..]));
        assert_eq!(l.get(0).map(|b| b.as_slice()), Some(&b"a"[..]));
        assert!(l.get(3).is_none());
        assert!(l.get(-4).is_none());
        assert!(l.get(i64::MIN).is_none());
        assert!(l.get(i64::MAX).is_none());
    }

    #[test]
    fn ranges_clamp_as_lrange_does() {
        let l = list(&["a", "b", "c"]);
        assert_eq!(l.range(0, -1), Some((0, 2)));
        assert_eq!(l.range(i64::MIN, i64::MAX), Some((0, 2)));
        assert_eq!(l.range(-2, 100), Some((1, 2)));
        assert_eq!(l.range(2, 1), None);
        assert_eq!(l.range(3, 5), None);
        assert_eq!(l.range(0, i64::MIN), None);
    }

    #[test]
    fn remove_counts_from_the_chosen_end() {
        let mut l = list(&["a", "b", "a", "c", "a"]);
        assert_eq!(l.remove(-2, b"a"), 2);
        assert_eq!(strings(&l), ["a", "b", "c"]);
        let mut l = list(&["a", "b", "a", "c", "a"]);
        assert_eq!(l.remove(1, b"a"), 1);
        assert_eq!(strings(&l), ["b", "a", "c", "a"]);
        assert_eq!(l.remove(i64::MIN, b"a"), 2);
        assert_eq!(strings(&l), ["b", "c"]);
        assert_eq!(l.remove(0, b"z"), 0);
    }

    #[test]
    fn trim_keeps_the_range() {
        let mut l = list(&["a", "b", "c", "d"]);
        assert_eq!(l.trim(1, -2), 2);
        assert_eq!(strings(&l), ["b", "c"]);
        assert_eq!(l.trim(5, 10), 2);
        assert!(l.is_empty());
    }

    #[test]
    fn insert_next_to_the_first_pivot() {
        let mut l = list(&["a", "b", "b"]);
        assert!(l.insert(b"b", Blob::from("x"), false));
        assert!(l.insert(b"b", Blob::from("y"), true));
        assert!(!l.insert(b"z", Blob::from("q"), true));
        assert_eq!(strings(&l), ["a", "x", "b", "y", "b"]);
    }
}
