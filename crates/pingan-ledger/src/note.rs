//! Checkpoints as C2SP `tlog-checkpoint` bodies, signed as C2SP `signed-note`s with Ed25519.
//!
//! A checkpoint's text is three lines and optional extension lines, each ending in `\n`: the
//! log's origin, the tree size in decimal, the root hash in standard base64. A signed note is
//! the text, a blank line, and one line per signature: `— <key name> <base64(key id ‖ sig)>`,
//! where the key id is the first four bytes of SHA-256(name ‖ `\n` ‖ 0x01 ‖ public key).
//! Keys travel as the note ecosystem writes them: a verifier key
//! `<name>+<hex key id>+<base64(0x01 ‖ public key)>`, a signer key
//! `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`.

use crate::hash::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use sha2::{Digest, Sha256};

/// The algorithm byte of Ed25519 in note keys and key ids.
const ED25519: u8 = 0x01;
const DASH: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteError(pub String);

impl std::fmt::Display for NoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoteError {}

fn err<T>(why: impl Into<String>) -> Result<T, NoteError> {
    Err(NoteError(why.into()))
}

/// A tree head: origin, size, root, and any extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text, ending in a newline.
    pub fn text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, B64.encode(self.root));
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parse a note text as a checkpoint.
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        let Some(body) = text.strip_suffix('\n') else { return err("a checkpoint ends with a newline") };
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return err("a checkpoint starts with its origin line");
        }
        let size = lines.next().unwrap_or_default();
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return err("the second line is the tree size in decimal");
        }
        let size: u64 = size.parse().map_err(|_| NoteError("the tree size does not fit 64 bits".into()))?;
        let root = B64.decode(lines.next().unwrap_or_default()).ok().and_then(|r| <Hash>::try_from(r).ok());
        let Some(root) = root else { return err("the third line is a 32-byte root hash in base64") };
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return err("a checkpoint has no blank lines");
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }
}

fn key_id(name: &str, public: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update([ED25519]);
    h.update(public.as_bytes());
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return err("a key name is non-empty, without spaces or '+'");
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A log's signing key.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
}

impl NoteSigner {
    /// A signer named `name` (the log's origin, by convention) from a 32-byte seed.
    pub fn from_seed(name: &str, seed: &[u8; 32]) -> Result<NoteSigner, NoteError> {
        check_name(name)?;
        Ok(NoteSigner { name: name.to_owned(), key: SigningKey::from_bytes(seed) })
    }

    /// Parse `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(s: &str) -> Result<NoteSigner, NoteError> {
        // The base64 data may hold '+' itself: it is everything after the fourth.
        let parts: Vec<&str> = s.trim().splitn(5, '+').collect();
        let [private, key, name, id, data] = parts[..] else { return err("a signer key has five '+'-separated parts") };
        if private != "PRIVATE" || key != "KEY" {
            return err("a signer key starts with PRIVATE+KEY+");
        }
        let data = B64.decode(data).map_err(|_| NoteError("the signer key's data is not base64".into()))?;
        let Some((&ED25519, seed)) = data.split_first() else { return err("only Ed25519 signer keys are known") };
        let seed: [u8; 32] = seed.try_into().map_err(|_| NoteError("an Ed25519 seed is 32 bytes".into()))?;
        let signer = NoteSigner::from_seed(name, &seed)?;
        if hex(&key_id(name, &signer.key.verifying_key())) != id {
            return err("the signer key's id does not match its key");
        }
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The signer key in its text form (kept secret by the operator).
    pub fn signer_key(&self) -> String {
        let mut data = vec![ED25519];
        data.extend_from_slice(self.key.as_bytes());
        let id = key_id(&self.name, &self.key.verifying_key());
        format!("PRIVATE+KEY+{}+{}+{}", self.name, hex(&id), B64.encode(data))
    }

    /// The verifier key that checks this signer's notes (published).
    pub fn verifier_key(&self) -> String {
        let public = self.key.verifying_key();
        let mut data = vec![ED25519];
        data.extend_from_slice(public.as_bytes());
        format!("{}+{}+{}", self.name, hex(&key_id(&self.name, &public)), B64.encode(data))
    }

    /// Sign `text` (ending in a newline): the signed note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        if !text.ends_with('\n') || text.contains("\n\n") {
            return err("a note's text ends with a newline and has no blank lines");
        }
        let sig = self.key.sign(text.as_bytes());
        let mut data = key_id(&self.name, &self.key.verifying_key()).to_vec();
        data.extend_from_slice(&sig.to_bytes());
        Ok(format!("{text}\n{DASH}{} {}\n", self.name, B64.encode(data)))
    }
}

/// A verifier key: checks one signer's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    pub name: String,
    id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parse `<name>+<hex id>+<base64(0x01 ‖ public key)>`.
    pub fn parse(s: &str) -> Result<NoteVerifier, NoteError> {
        let parts: Vec<&str> = s.trim().splitn(3, '+').collect();
        let [name, id, data] = parts[..] else { return err("a verifier key has three '+'-separated parts") };
        check_name(name)?;
        let data = B64.decode(data).map_err(|_| NoteError("the verifier key's data is not base64".into()))?;
        let Some((&ED25519, public)) = data.split_first() else { return err("only Ed25519 verifier keys are known") };
        let public: [u8; 32] = public.try_into().map_err(|_| NoteError("an Ed25519 public key is 32 bytes".into()))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError("not an Ed25519 public key".into()))?;
        let want = key_id(name, &key);
        if hex(&want) != id {
            return err("the verifier key's id does not match its key");
        }
        Ok(NoteVerifier { name: name.to_owned(), id: want, key })
    }
}

/// Open a signed note: its text, if a signature by `verifier` over it is valid. Signatures by
/// other keys are skipped (a note may carry several, e.g. witnesses').
pub fn open<'n>(note: &'n str, verifier: &NoteVerifier) -> Result<&'n str, NoteError> {
    let Some(split) = note.rfind("\n\n") else { return err("a signed note has a blank line before its signatures") };
    let (text, sigs) = (&note[..split + 1], &note[split + 2..]);
    if !sigs.ends_with('\n') {
        return err("a signed note ends with a newline");
    }
    let mut seen_ours = false;
    for line in sigs.lines() {
        let Some(rest) = line.strip_prefix(DASH) else { return err("a signature line starts with an em dash") };
        let Some((name, data)) = rest.split_once(' ') else { return err("a signature line is '— name signature'") };
        let data = B64.decode(data).map_err(|_| NoteError("a signature is not base64".into()))?;
        if data.len() < 4 || name != verifier.name || data[..4] != verifier.id {
            continue;
        }
        seen_ours = true;
        let sig =
            Signature::from_slice(&data[4..]).map_err(|_| NoteError("an Ed25519 signature is 64 bytes".into()))?;
        if verifier.key.verify(text.as_bytes(), &sig).is_ok() {
            return Ok(text);
        }
    }
    if seen_ours {
        err("the signature does not match the note")
    } else {
        err(format!("no signature by {}", verifier.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> NoteSigner {
        NoteSigner::from_seed("pingan.dezhou/prepaid", &[7; 32]).unwrap()
    }

    #[test]
    fn a_checkpoint_round_trips_through_a_signed_note() {
        let s = signer();
        let cp = Checkpoint { origin: s.name().into(), size: 12345, root: [9; 32], extensions: vec![] };
        let note = s.sign(&cp.text()).unwrap();
        let v = NoteVerifier::parse(&s.verifier_key()).unwrap();
        let text = open(&note, &v).unwrap();
        assert_eq!(Checkpoint::parse(text).unwrap(), cp);
        assert!(note.contains("\n\n\u{2014} pingan.dezhou/prepaid "));
        assert_eq!(NoteSigner::parse(&s.signer_key()).unwrap().verifier_key(), s.verifier_key());
        // Another key's signature, a changed text, a changed signature: refused.
        let other = NoteSigner::from_seed("pingan.dezhou/prepaid", &[8; 32]).unwrap();
        assert!(open(&other.sign(&cp.text()).unwrap(), &v).is_err());
        assert!(open(&note.replace("12345", "12346"), &v).is_err());
        let mut tampered = note.clone().into_bytes();
        let at = tampered.len() - 5;
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        assert!(open(std::str::from_utf8(&tampered).unwrap(), &v).is_err());
    }

    /// The Go note package's published example (golang.org/x/mod/sumdb/note): the key
    /// `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW` verifies its
    /// note "If you think cryptography is the answer to your problem,\nthen you don't know
    /// what your problem is.\n".
    #[test]
    fn the_go_note_example_verifies() {
        let v = NoteVerifier::parse("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").unwrap();
        let note = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n\
                    \n\
                    \u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        assert_eq!(
            open(note, &v).unwrap(),
            "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        );
    }

    #[test]
    fn keys_round_trip_whatever_their_base64_holds() {
        for seed in 0..64u8 {
            let s = NoteSigner::from_seed("log", &[seed; 32]).unwrap();
            assert_eq!(NoteSigner::parse(&s.signer_key()).unwrap().verifier_key(), s.verifier_key());
            NoteVerifier::parse(&s.verifier_key()).unwrap();
        }
    }

    #[test]
    fn malformed_checkpoints_are_refused() {
        for bad in
            ["", "o\n1\n", "o\n01\nAAAA\n", "o\n1\nAAAA\n", "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"]
        {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
    }
}
