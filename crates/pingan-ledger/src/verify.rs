//! Proof verification as RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) give it.
//!
//! Policy where the references differ (see `shared/testdata/tlog/SOURCE.md`): hashes are 32
//! bytes; the root of a tree of size 0 is the empty tree's root ([`EMPTY_ROOT`]), so a "size 0"
//! claim with another root is refused; any tree is consistent with the empty tree, with an
//! empty proof. (Reading JSON, a tree of size n > 0 is consistent with itself when its two
//! roots are the same bytes, whatever their length: `bundle::check_document`.)

use crate::hash::{EMPTY_ROOT, Hash, node_hash};

/// Why a proof does not verify, in a line a person can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofError {
    /// A hash is not 32 bytes.
    BadHash(&'static str),
    /// The index is not in the tree, or the sizes are in the wrong order.
    OutOfRange(String),
    /// The proof has more (`"too long"`) or fewer (`"too short"`) hashes than the sizes
    /// call for.
    WrongLength(&'static str),
    /// The proof does not lead to the claimed root.
    RootMismatch(&'static str),
}

impl std::fmt::Display for ProofError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofError::BadHash(what) => write!(f, "{what} is not a 32-byte SHA-256 hash"),
            ProofError::OutOfRange(why) => f.write_str(why),
            ProofError::WrongLength(how) => write!(f, "the proof is {how} for these sizes"),
            ProofError::RootMismatch(which) => write!(f, "the proof does not lead to {which}"),
        }
    }
}

impl std::error::Error for ProofError {}

/// A slice as a hash, or why not.
pub fn as_hash(bytes: &[u8], what: &'static str) -> Result<Hash, ProofError> {
    bytes.try_into().map_err(|_| ProofError::BadHash(what))
}

/// The root that `proof` leads to from leaf `index` (its hash `leaf`) in a tree of `size`.
pub fn root_from_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash]) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange(format!("leaf index {index} is not in a tree of size {size}")));
    }
    // RFC 9162 §2.1.3.2, steps 2–5.
    let (mut fn_, mut sn, mut r) = (index, size - 1, *leaf);
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongLength("too long"));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength("too short"));
    }
    Ok(r)
}

/// Check that `proof` shows leaf `index` (hash `leaf`) in the tree of `size` with `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> Result<(), ProofError> {
    if root_from_inclusion(index, size, leaf, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch("the claimed root"))
    }
}

/// Check that the tree of `size2` with `root2` extends the tree of `size1` with `root1`.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if size1 > size2 {
        return Err(ProofError::OutOfRange(format!("size1 {size1} is larger than size2 {size2}")));
    }
    if size1 == 0 && *root1 != EMPTY_ROOT {
        return Err(ProofError::RootMismatch("the empty tree's root (root1)"));
    }
    if size2 == 0 && *root2 != EMPTY_ROOT {
        return Err(ProofError::RootMismatch("the empty tree's root (root2)"));
    }
    if size1 == size2 || size1 == 0 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength("too long"));
        }
        return if size1 == 0 || root1 == root2 { Ok(()) } else { Err(ProofError::RootMismatch("root1 = root2")) };
    }
    // RFC 9162 §2.1.4.2. When size1 is a power of two, root1 itself is the first node.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    if proof.is_empty() {
        return Err(ProofError::WrongLength("too short"));
    }
    let (mut fn_, mut sn) = (size1 - 1, size2 - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return Err(ProofError::WrongLength("too long"));
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongLength("too short"));
    }
    if fr != *root1 {
        return Err(ProofError::RootMismatch("root1"));
    }
    if sr != *root2 {
        return Err(ProofError::RootMismatch("root2"));
    }
    Ok(())
}
