//! Pingan's tamper-evident ledger: an append-only Merkle tree log hashed exactly as RFC 9162
//! (SHA-256; leaf prefix 0x00, node prefix 0x01), with inclusion and consistency proofs and
//! checkpoints signed in the C2SP signed-note format (Ed25519).
//!
//! Everything here is pure: no I/O. The store keeps entries and the tree's full subtrees
//! ([`tree::NodeSource`]); the standalone verifier (`pingan-verify`) checks proofs and bundles
//! with nothing but this crate.
//!
//! - [`hash`]: leaf and node hashes, the empty tree's root;
//! - [`verify`]: RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification;
//! - [`tree`]: which subtrees a proof consists of, and proofs and roots from stored subtrees;
//! - [`tile`]: leaf hashes kept 256 to a record (C2SP tlog-tiles, lowest level);
//! - [`note`]: C2SP tlog-checkpoint bodies and signed notes;
//! - [`bundle`]: an offline evidence bundle (entry, proof, checkpoint) and bare JSON proofs.
//!
//! Written here rather than taken from a crate: the log is the product's evidence, and the
//! algorithms are short, specified exactly, and checked against the published vectors.

pub mod bundle;
pub mod hash;
pub mod note;
pub mod tile;
pub mod tree;
pub mod verify;

pub use hash::{EMPTY_ROOT, Hash, leaf_hash, node_hash};
pub use verify::{ProofError, root_from_inclusion, verify_consistency, verify_inclusion};
