//! Proofs and roots from a log's stored subtrees.
//!
//! A log keeps the hash of every *full* subtree: the node at `(level, index)` covers leaves
//! `index·2^level .. (index+1)·2^level` and exists once the log holds them all. Such nodes
//! never change; everything else — a root, the right border of a proof — is combined from them
//! on demand, following RFC 9162 §2.1 (`PATH` and `SUBPROOF`) over absolute leaf ranges.

use crate::hash::{EMPTY_ROOT, Hash, node_hash, split};
use std::collections::HashMap;

/// Where full subtrees' hashes come from (the store, a cache, or a test's vector).
pub trait NodeSource {
    type Error;
    /// The hash of the full subtree at `level` and `index` (level 0: the leaf hashes).
    fn node(&mut self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// Errors of a prover: the source's, or a request the tree cannot answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProveError<E> {
    Source(E),
    OutOfRange(String),
}

impl<E: std::fmt::Display> std::fmt::Display for ProveError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProveError::Source(e) => write!(f, "{e}"),
            ProveError::OutOfRange(why) => f.write_str(why),
        }
    }
}

/// Computes roots and proofs for one tree size, remembering the border subtrees it combined
/// (each proof touches O(log n) full nodes).
pub struct Prover<'s, S: NodeSource> {
    source: &'s mut S,
    memo: HashMap<(u64, u64), Hash>,
}

impl<'s, S: NodeSource> Prover<'s, S> {
    pub fn new(source: &'s mut S) -> Self {
        Prover { source, memo: HashMap::new() }
    }

    /// MTH(D[lo..hi]), hi > lo, for ranges that start on a boundary of their own split (all
    /// the ranges PATH and SUBPROOF visit do).
    fn mth(&mut self, lo: u64, hi: u64) -> Result<Hash, ProveError<S::Error>> {
        let n = hi - lo;
        if n.is_power_of_two() && lo.is_multiple_of(n) {
            return self.source.node(n.trailing_zeros(), lo / n).map_err(ProveError::Source);
        }
        if let Some(h) = self.memo.get(&(lo, hi)) {
            return Ok(*h);
        }
        let k = split(n);
        let h = node_hash(&self.mth(lo, lo + k)?, &self.mth(lo + k, hi)?);
        self.memo.insert((lo, hi), h);
        Ok(h)
    }

    /// The root of the tree of `size` leaves.
    pub fn root(&mut self, size: u64) -> Result<Hash, ProveError<S::Error>> {
        if size == 0 { Ok(EMPTY_ROOT) } else { self.mth(0, size) }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1).
    pub fn inclusion(&mut self, index: u64, size: u64) -> Result<Vec<Hash>, ProveError<S::Error>> {
        if index >= size {
            return Err(ProveError::OutOfRange(format!("leaf {index} is not in a tree of size {size}")));
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out)?;
        Ok(out)
    }

    fn path(&mut self, m: u64, lo: u64, hi: u64, out: &mut Vec<Hash>) -> Result<(), ProveError<S::Error>> {
        let n = hi - lo;
        if n == 1 {
            return Ok(());
        }
        let k = split(n);
        if m < k {
            self.path(m, lo, lo + k, out)?;
            out.push(self.mth(lo + k, hi)?);
        } else {
            self.path(m - k, lo + k, hi, out)?;
            out.push(self.mth(lo, lo + k)?);
        }
        Ok(())
    }

    /// The consistency proof from the tree of `size1` to the tree of `size2` (RFC 9162
    /// §2.1.4.1); empty when size1 is 0 or the sizes are equal.
    pub fn consistency(&mut self, size1: u64, size2: u64) -> Result<Vec<Hash>, ProveError<S::Error>> {
        if size1 > size2 {
            return Err(ProveError::OutOfRange(format!("size1 {size1} is larger than size2 {size2}")));
        }
        let mut out = Vec::new();
        if size1 > 0 && size1 < size2 {
            self.subproof(size1, 0, size2, true, &mut out)?;
        }
        Ok(out)
    }

    fn subproof(&mut self, m: u64, lo: u64, hi: u64, b: bool, out: &mut Vec<Hash>) -> Result<(), ProveError<S::Error>> {
        let n = hi - lo;
        if m == n {
            if !b {
                out.push(self.mth(lo, hi)?);
            }
            return Ok(());
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, b, out)?;
            out.push(self.mth(lo + k, hi)?);
        } else {
            self.subproof(m - k, lo + k, hi, false, out)?;
            out.push(self.mth(lo, lo + k)?);
        }
        Ok(())
    }
}

/// The right border of a log: the full subtrees that end at its size, from the largest. It
/// appends leaves, names the full nodes each append completes (for the store to keep), and
/// gives the root, without reading anything back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// (level, hash) of each full subtree on the border, largest first.
    border: Vec<(u32, Hash)>,
}

/// A full node completed by an append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completed {
    pub level: u32,
    pub index: u64,
    pub hash: Hash,
}

impl Frontier {
    /// The border of a log of `size` leaves from its stored full nodes.
    pub fn load<S: NodeSource>(size: u64, source: &mut S) -> Result<Frontier, S::Error> {
        let mut border = Vec::new();
        let mut start = 0;
        for level in (0..64u32).rev() {
            if size >> level & 1 == 1 {
                border.push((level, source.node(level, start >> level)?));
                start += 1 << level;
            }
        }
        Ok(Frontier { size, border })
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append a leaf hash: returns the full nodes it completes, the leaf first.
    pub fn push(&mut self, leaf: Hash) -> Vec<Completed> {
        let index = self.size;
        let mut done = vec![Completed { level: 0, index, hash: leaf }];
        let mut hash = leaf;
        let mut level = 0;
        while let Some(&(l, left)) = self.border.last() {
            if l != level {
                break;
            }
            self.border.pop();
            hash = node_hash(&left, &hash);
            level += 1;
            done.push(Completed { level, index: index >> level, hash });
        }
        self.border.push((level, hash));
        self.size += 1;
        done
    }

    /// The root of the tree of the current size.
    pub fn root(&self) -> Hash {
        let mut it = self.border.iter().rev();
        match it.next() {
            None => EMPTY_ROOT,
            Some(&(_, last)) => it.fold(last, |acc, (_, left)| node_hash(left, &acc)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, root_of};
    use crate::verify::{verify_consistency, verify_inclusion};
    use proptest::prelude::*;

    /// Every full node of a tree, kept in memory.
    #[derive(Default)]
    struct Memory(HashMap<(u32, u64), Hash>);

    impl NodeSource for Memory {
        type Error = String;
        fn node(&mut self, level: u32, index: u64) -> Result<Hash, String> {
            self.0.get(&(level, index)).copied().ok_or_else(|| format!("no node ({level}, {index})"))
        }
    }

    fn build(n: u64) -> (Memory, Frontier, Vec<Hash>) {
        let (mut mem, mut f, mut leaves) = (Memory::default(), Frontier::default(), Vec::new());
        for i in 0..n {
            let leaf = leaf_hash(&i.to_be_bytes());
            leaves.push(leaf);
            for c in f.push(leaf) {
                mem.0.insert((c.level, c.index), c.hash);
            }
        }
        (mem, f, leaves)
    }

    #[test]
    fn the_frontier_root_is_the_definition() {
        for n in 0..70 {
            let (mut mem, f, leaves) = build(n);
            assert_eq!(f.root(), root_of(&leaves), "size {n}");
            assert_eq!(Prover::new(&mut mem).root(n).unwrap(), root_of(&leaves));
            assert_eq!(Frontier::load(n, &mut mem).unwrap(), f);
        }
    }

    #[test]
    fn every_proof_of_small_trees_verifies() {
        let (mut mem, _, leaves) = build(40);
        for size in 1..=40u64 {
            let root = root_of(&leaves[..size as usize]);
            let mut p = Prover::new(&mut mem);
            for i in 0..size {
                let proof = p.inclusion(i, size).unwrap();
                verify_inclusion(i, size, &leaves[i as usize], &proof, &root).unwrap();
            }
            for m in 0..=size {
                let proof = p.consistency(m, size).unwrap();
                verify_consistency(m, size, &root_of(&leaves[..m as usize]), &root, &proof).unwrap();
            }
        }
    }

    proptest! {
        #[test]
        fn proofs_verify_and_any_changed_byte_fails(
            size in 1u64..300, i in any::<prop::sample::Index>(), m in any::<prop::sample::Index>(),
            at in any::<prop::sample::Index>(), bit in 0u8..8,
        ) {
            let (mut mem, _, leaves) = build(size);
            let root = root_of(&leaves);
            let index = i.index(size as usize) as u64;
            let mut p = Prover::new(&mut mem);
            let proof = p.inclusion(index, size).unwrap();
            prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &root).is_ok());
            let m = m.index(size as usize + 1) as u64;
            let cproof = p.consistency(m, size).unwrap();
            let root1 = root_of(&leaves[..m as usize]);
            prop_assert!(verify_consistency(m, size, &root1, &root, &cproof).is_ok());
            // Flip one bit anywhere: the proof, the leaf, or the root.
            let flip = |h: &mut Hash, at: usize| h[at % 32] ^= 1 << bit;
            if !proof.is_empty() {
                let mut bad = proof.clone();
                let k = at.index(bad.len());
                flip(&mut bad[k], at.index(32));
                prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &bad, &root).is_err());
            }
            let mut leaf = leaves[index as usize];
            flip(&mut leaf, at.index(32));
            prop_assert!(verify_inclusion(index, size, &leaf, &proof, &root).is_err());
            let mut bad_root = root;
            flip(&mut bad_root, at.index(32));
            prop_assert!(verify_inclusion(index, size, &leaves[index as usize], &proof, &bad_root).is_err());
            if !cproof.is_empty() {
                let mut bad = cproof.clone();
                let k = at.index(bad.len());
                flip(&mut bad[k], at.index(32));
                prop_assert!(verify_consistency(m, size, &root1, &root, &bad).is_err());
            }
            if m > 0 {
                prop_assert!(verify_consistency(m, size, &root1, &bad_root, &cproof).is_err());
            }
        }
    }
}
