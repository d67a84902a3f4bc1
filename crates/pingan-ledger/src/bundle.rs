//! What a verifier is handed: an offline evidence bundle (an entry, its inclusion proof, and
//! the signed checkpoint the proof leads to), or a bare proof as JSON with base64 fields.
//!
//! Checking separates *malformed* input (not JSON, missing fields, not base64: the verifier's
//! exit 2) from an *invalid* claim (a well-formed proof that does not hold: exit 1).

use crate::hash::{Hash, leaf_hash};
use crate::note::{Checkpoint, NoteVerifier, open};
use crate::verify::{ProofError, as_hash, verify_consistency, verify_inclusion};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The bundle's format name, checked on reading.
pub const BUNDLE_FORMAT: &str = "pingan-evidence/v1";

/// An entry of a log with everything needed to check it offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceBundle {
    pub format: String,
    /// The log: `prepaid` or `audit`.
    pub log: String,
    /// The entry's index in the log.
    pub index: u64,
    /// The entry's canonical bytes (the leaf), base64.
    pub entry: String,
    /// The inclusion proof into the checkpoint's tree, base64 hashes.
    pub proof: Vec<String>,
    /// The signed checkpoint (a C2SP signed note).
    pub checkpoint: String,
    /// The log's verifier key, for convenience: a careful reader pins their own copy.
    pub verifier_key: String,
}

/// Why a check failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The input is not what it claims to be (exit 2).
    Malformed(String),
    /// A well-formed claim that does not hold (exit 1).
    Invalid(String),
}

impl std::fmt::Display for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CheckError::Malformed(why) => write!(f, "malformed: {why}"),
            CheckError::Invalid(why) => write!(f, "invalid: {why}"),
        }
    }
}

fn malformed(why: impl Into<String>) -> CheckError {
    CheckError::Malformed(why.into())
}

fn invalid(e: impl std::fmt::Display) -> CheckError {
    CheckError::Invalid(e.to_string())
}

/// What a successful check established, for the verifier's one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Entry { log: String, index: u64, size: u64 },
    Inclusion { index: u64, size: u64 },
    Consistency { size1: u64, size2: u64 },
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Checked::Entry { log, index, size } => {
                write!(f, "entry {index} of log {log} is in the signed tree of size {size}")
            }
            Checked::Inclusion { index, size } => write!(f, "leaf {index} is in the tree of size {size}"),
            Checked::Consistency { size1, size2 } => {
                write!(f, "the tree of size {size2} extends the tree of size {size1}")
            }
        }
    }
}

impl EvidenceBundle {
    /// Check the bundle: the checkpoint is signed by `key` (the bundled key when `None`), and
    /// the entry is in its tree.
    pub fn check(&self, key: Option<&str>) -> Result<Checked, CheckError> {
        if self.format != BUNDLE_FORMAT {
            return Err(malformed(format!("format {:?} is not {BUNDLE_FORMAT}", self.format)));
        }
        let verifier = NoteVerifier::parse(key.unwrap_or(&self.verifier_key)).map_err(|e| malformed(e.0))?;
        let entry = B64.decode(&self.entry).map_err(|_| malformed("entry is not base64"))?;
        let proof = self.proof.iter().map(|p| decode(p, "proof")).collect::<Result<Vec<_>, _>>()?;
        let proof =
            proof.iter().map(|p| as_hash(p, "a proof hash")).collect::<Result<Vec<Hash>, _>>().map_err(invalid)?;
        let text = open(&self.checkpoint, &verifier).map_err(invalid)?;
        let cp = Checkpoint::parse(text).map_err(|e| malformed(e.0))?;
        verify_inclusion(self.index, cp.size, &leaf_hash(&entry), &proof, &cp.root).map_err(invalid)?;
        Ok(Checked::Entry { log: self.log.clone(), index: self.index, size: cp.size })
    }
}

fn decode(s: &str, what: &str) -> Result<Vec<u8>, CheckError> {
    B64.decode(s).map_err(|_| malformed(format!("{what} is not standard base64")))
}

fn field<'v>(doc: &'v Value, name: &str) -> Result<&'v Value, CheckError> {
    doc.get(name).ok_or_else(|| malformed(format!("missing field {name}")))
}

fn number(doc: &Value, name: &str) -> Result<u64, CheckError> {
    field(doc, name)?.as_u64().ok_or_else(|| malformed(format!("{name} is not a non-negative integer")))
}

fn bytes(doc: &Value, name: &str) -> Result<Vec<u8>, CheckError> {
    decode(field(doc, name)?.as_str().ok_or_else(|| malformed(format!("{name} is not a string")))?, name)
}

fn hashes(doc: &Value) -> Result<Vec<Vec<u8>>, CheckError> {
    match doc.get("proof") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|p| p.as_str().ok_or_else(|| malformed("proof holds a non-string")).and_then(|s| decode(s, "proof")))
            .collect(),
        Some(_) => Err(malformed("proof is not an array")),
    }
}

fn as_hashes(items: &[Vec<u8>]) -> Result<Vec<Hash>, ProofError> {
    items.iter().map(|p| as_hash(p, "a proof hash")).collect()
}

/// Check a document: an evidence bundle (it has `format`), an inclusion proof
/// `{leafIdx, treeSize, root, leafHash, proof}` or a consistency proof
/// `{size1, size2, root1, root2, proof}` (`proof` may be null).
pub fn check_document(input: &str, key: Option<&str>) -> Result<Checked, CheckError> {
    let doc: Value = serde_json::from_str(input).map_err(|e| malformed(format!("not JSON: {e}")))?;
    if !doc.is_object() {
        return Err(malformed("not a JSON object"));
    }
    if doc.get("format").is_some() {
        let bundle: EvidenceBundle =
            serde_json::from_value(doc).map_err(|e| malformed(format!("not an evidence bundle: {e}")))?;
        return bundle.check(key);
    }
    if doc.get("leafIdx").is_some() {
        let (index, size) = (number(&doc, "leafIdx")?, number(&doc, "treeSize")?);
        let (root, leaf, proof) = (bytes(&doc, "root")?, bytes(&doc, "leafHash")?, hashes(&doc)?);
        let check = || -> Result<(), ProofError> {
            let (root, leaf) = (as_hash(&root, "root")?, as_hash(&leaf, "leafHash")?);
            verify_inclusion(index, size, &leaf, &as_hashes(&proof)?, &root)
        };
        check().map_err(invalid)?;
        return Ok(Checked::Inclusion { index, size });
    }
    if doc.get("size1").is_some() {
        let (size1, size2) = (number(&doc, "size1")?, number(&doc, "size2")?);
        let (root1, root2, proof) = (bytes(&doc, "root1")?, bytes(&doc, "root2")?, hashes(&doc)?);
        let check = || -> Result<(), ProofError> {
            // A tree is consistent with itself: with nothing to hash, the claim holds when the
            // two roots are the same bytes (as the published vectors have it).
            if size1 == size2 && size1 > 0 && proof.is_empty() {
                return if root1 == root2 { Ok(()) } else { Err(ProofError::RootMismatch("root1 = root2")) };
            }
            let (root1, root2) = (as_hash(&root1, "root1")?, as_hash(&root2, "root2")?);
            verify_consistency(size1, size2, &root1, &root2, &as_hashes(&proof)?)
        };
        check().map_err(invalid)?;
        return Ok(Checked::Consistency { size1, size2 });
    }
    Err(malformed("neither an evidence bundle, an inclusion proof (leafIdx) nor a consistency proof (size1)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn vectors() -> Vec<(PathBuf, String, bool)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/tlog");
        let mut out = Vec::new();
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                let path = e.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|x| x == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    let want_err = serde_json::from_str::<Value>(&text).unwrap()["wantErr"].as_bool().unwrap();
                    out.push((path, text, want_err));
                }
            }
        }
        out.sort();
        out
    }

    /// The published inclusion and consistency vectors: every happy path verifies, every case
    /// a verifier must reject is refused as invalid (none is malformed JSON).
    #[test]
    fn the_published_vectors() {
        let cases = vectors();
        assert!(cases.len() > 150, "{} vectors", cases.len());
        for (path, text, want_err) in cases {
            let got = check_document(&text, None);
            match (want_err, &got) {
                (false, Ok(_)) | (true, Err(CheckError::Invalid(_))) => {}
                _ => panic!("{}: wantErr {want_err}, got {got:?}", path.display()),
            }
        }
    }

    #[test]
    fn malformed_input_is_told_apart() {
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"leafIdx": -1}"#,
            r#"{"size1": 1, "size2": 2, "root1": "!!", "root2": "", "proof": []}"#,
        ] {
            assert!(matches!(check_document(bad, None), Err(CheckError::Malformed(_))), "{bad}");
        }
    }
}
