//! Leaf tiles: the hashes of 256 consecutive leaves kept as one record, as the lowest level of
//! C2SP tlog-tiles (tile height 8). A log stores its leaf hashes in tiles and the full subtrees
//! of [`HEIGHT`] levels and up one by one; a node below that level is recomputed from its tile
//! (at most 255 hashes). So the eight lowest siblings of an inclusion proof — the ones no cache
//! can hold, since there is one set per entry — cost one record read instead of eight, and an
//! append writes one record per 256 entries instead of ~2 per entry.

use crate::hash::{Hash, root_of};
use crate::tree::NodeSource;
use std::collections::HashMap;

/// Levels covered by a leaf tile: nodes of lower levels are recomputed from it.
pub const HEIGHT: u32 = 8;
/// Leaves per full tile.
pub const WIDTH: u64 = 1 << HEIGHT;

/// The tile holding the leaves of node (`level`, `index`), `level` < [`HEIGHT`].
pub fn tile_of(level: u32, index: u64) -> u64 {
    (index << level) >> HEIGHT
}

/// How many leaves tile `tile` holds in a log of `size` entries (0 when it lies beyond).
pub fn width_at(tile: u64, size: u64) -> u64 {
    size.saturating_sub(tile * WIDTH).min(WIDTH)
}

/// The hash of the full subtree (`level`, `index`), `level` < [`HEIGHT`], from the leaf hashes
/// of its tile; `None` when the tile does not (yet) hold all of its leaves.
pub fn node_in_tile(tile: &[Hash], level: u32, index: u64) -> Option<Hash> {
    debug_assert!(level < HEIGHT);
    let start = ((index << level) % WIDTH) as usize;
    tile.get(start..start + (1 << level)).map(root_of)
}

/// Split a tile record (concatenated 32-byte hashes) into hashes.
pub fn parse_tile(bytes: &[u8]) -> Option<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) || bytes.len() as u64 > WIDTH * 32 {
        return None;
    }
    Some(bytes.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect())
}

/// Nodes served from leaf tiles (below [`HEIGHT`]) and from full subtrees stored one by one
/// (from [`HEIGHT`] up): what a proof or an append reads.
#[derive(Debug, Default, Clone)]
pub struct Tiled {
    /// Full subtrees of level [`HEIGHT`] and up, by (level, index).
    pub upper: HashMap<(u32, u64), Hash>,
    /// Leaf tiles by tile index.
    pub tiles: HashMap<u64, Vec<Hash>>,
}

impl Tiled {
    /// The node, if what was loaded holds it.
    pub fn get(&self, level: u32, index: u64) -> Option<Hash> {
        if level >= HEIGHT {
            self.upper.get(&(level, index)).copied()
        } else {
            node_in_tile(self.tiles.get(&tile_of(level, index))?, level, index)
        }
    }
}

/// A node a computation needed and the loaded nodes do not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Missing {
    pub level: u32,
    pub index: u64,
}

impl NodeSource for Tiled {
    type Error = Missing;
    fn node(&mut self, level: u32, index: u64) -> Result<Hash, Missing> {
        self.get(level, index).ok_or(Missing { level, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::{Frontier, Prover};
    use proptest::prelude::*;

    /// Every full node, one by one: the layout tiles replace.
    struct Full(HashMap<(u32, u64), Hash>);

    impl NodeSource for Full {
        type Error = ();
        fn node(&mut self, level: u32, index: u64) -> Result<Hash, ()> {
            self.0.get(&(level, index)).copied().ok_or(())
        }
    }

    /// A log of `n` leaves stored as tiles and upper nodes, with its leaves and every full node.
    fn build(n: u64) -> (Tiled, HashMap<(u32, u64), Hash>, Vec<Hash>) {
        let (mut tiled, mut all, mut f, mut leaves) = (Tiled::default(), HashMap::new(), Frontier::default(), vec![]);
        for i in 0..n {
            let leaf = leaf_hash(&i.to_le_bytes());
            leaves.push(leaf);
            tiled.tiles.entry(i / WIDTH).or_default().push(leaf);
            for c in f.push(leaf) {
                all.insert((c.level, c.index), c.hash);
                if c.level >= HEIGHT {
                    tiled.upper.insert((c.level, c.index), c.hash);
                }
            }
        }
        (tiled, all, leaves)
    }

    #[test]
    fn every_full_node_is_served_and_no_other() {
        let (tiled, all, _) = build(1000);
        for (&(level, index), hash) in &all {
            assert_eq!(tiled.get(level, index), Some(*hash), "({level}, {index})");
        }
        // The partial last tile (entries 768..1000) holds no node past its end.
        assert_eq!(tiled.get(0, 1000), None);
        assert_eq!(tiled.get(3, 125), None, "leaves 1000..1008");
        assert_eq!(tiled.get(HEIGHT, 3), None, "leaves 768..1024");
    }

    #[test]
    fn tiles_parse_and_widths_follow_the_size() {
        assert_eq!(parse_tile(&[7; 64]).map(|t| t.len()), Some(2));
        assert_eq!(parse_tile(&[7; 33]), None);
        assert_eq!(parse_tile(&vec![0; 257 * 32]), None);
        assert_eq!((width_at(0, 1000), width_at(3, 1000), width_at(4, 1000)), (256, 232, 0));
        assert_eq!((tile_of(0, 255), tile_of(0, 256), tile_of(7, 1), tile_of(7, 2)), (0, 1, 0, 1));
    }

    proptest! {
        #[test]
        fn tiled_proofs_equal_full_node_proofs(size in 1u64..1200, i in any::<prop::sample::Index>(), m in any::<prop::sample::Index>()) {
            let (mut tiled, all, _) = build(size);
            let mut full = Full(all);
            let index = i.index(size as usize) as u64;
            let m = m.index(size as usize + 1) as u64;
            prop_assert_eq!(Prover::new(&mut tiled).inclusion(index, size).unwrap(), Prover::new(&mut full).inclusion(index, size).unwrap());
            prop_assert_eq!(Prover::new(&mut tiled).consistency(m, size).unwrap(), Prover::new(&mut full).consistency(m, size).unwrap());
            prop_assert_eq!(Frontier::load(size, &mut tiled).unwrap(), Frontier::load(size, &mut full).unwrap());
        }
    }
}
