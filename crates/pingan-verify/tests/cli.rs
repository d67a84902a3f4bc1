//! The verifier as a program: exit 0 / 1 / 2 on the published vectors, a bundle, and junk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingan-verify"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run pingan-verify");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

fn vectors(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            vectors(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn exit_codes_follow_the_published_vectors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/tlog");
    let mut files = Vec::new();
    vectors(&root, &mut files);
    assert!(files.len() > 150);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let want_err = text.contains("\"wantErr\": true");
        let (code, line) = run(&[f.to_str().unwrap()], None);
        assert_eq!(code, if want_err { 1 } else { 0 }, "{}: {line}", f.display());
        assert_eq!(line.lines().count(), 1, "one line: {line}");
    }
}

#[test]
fn malformed_input_and_usage_exit_2() {
    assert_eq!(run(&["-"], Some("not json")).0, 2);
    assert_eq!(run(&["-"], Some(r#"{"leafIdx": 0}"#)).0, 2);
    assert_eq!(run(&["/no/such/file.json"], None).0, 2);
    assert_eq!(run(&[], None).0, 2);
    // A consistency proof read from stdin, with a null proof from an empty tree.
    let empty = r#"{"size1": 0, "size2": 3, "root1": "47DEQpj8HBSaTImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "root2": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "proof": null}"#;
    assert_eq!(run(&["-"], Some(empty)).0, 2, "root1 is not base64 of 32 bytes: it has a typo");
    let empty = empty.replace("47DEQpj8HBSaTImW", "47DEQpj8HBSa+/TImW");
    let (code, line) = run(&["-"], Some(&empty));
    assert_eq!((code, line.trim()), (0, "valid: the tree of size 3 extends the tree of size 0"));
}

/// A tree's full nodes straight from its leaves.
struct Leaves(Vec<pingan_ledger::Hash>);

impl pingan_ledger::tree::NodeSource for Leaves {
    type Error = String;
    fn node(&mut self, level: u32, index: u64) -> Result<pingan_ledger::Hash, String> {
        let (lo, hi) = ((index << level) as usize, ((index + 1) << level) as usize);
        self.0.get(lo..hi).map(pingan_ledger::hash::root_of).ok_or_else(|| "beyond the tree".into())
    }
}

#[test]
fn an_evidence_bundle_checks_offline_and_tampering_fails() {
    use base64::Engine;
    use pingan_ledger::bundle::{BUNDLE_FORMAT, EvidenceBundle};
    use pingan_ledger::note::{Checkpoint, NoteSigner};
    let b64 = base64::engine::general_purpose::STANDARD;
    let entries: Vec<Vec<u8>> = (0..11u8).map(|i| format!("{{\"event\":{i}}}").into_bytes()).collect();
    let mut leaves = Leaves(entries.iter().map(|e| pingan_ledger::leaf_hash(e)).collect());
    let mut prover = pingan_ledger::tree::Prover::new(&mut leaves);
    let root = prover.root(11).unwrap();
    let proof = prover.inclusion(6, 11).unwrap();
    let signer = NoteSigner::from_seed("pingan.test/audit", &[3; 32]).unwrap();
    let checkpoint = signer
        .sign(&Checkpoint { origin: "pingan.test/audit".into(), size: 11, root, extensions: vec![] }.text())
        .unwrap();
    let bundle = EvidenceBundle {
        format: BUNDLE_FORMAT.into(),
        log: "audit".into(),
        index: 6,
        entry: b64.encode(&entries[6]),
        proof: proof.iter().map(|h| b64.encode(h)).collect(),
        checkpoint,
        verifier_key: signer.verifier_key(),
    };
    let json = serde_json::to_string(&bundle).unwrap();
    let (code, line) = run(&["-"], Some(&json));
    assert_eq!((code, line.trim()), (0, "valid: entry 6 of log audit is in the signed tree of size 11"));
    let (code, _) = run(&["--key", &signer.verifier_key(), "-"], Some(&json));
    assert_eq!(code, 0);
    // Another entry's bytes, another key pinned, a forged checkpoint: invalid.
    let other = EvidenceBundle { entry: b64.encode(&entries[5]), ..bundle.clone() };
    assert_eq!(run(&["-"], Some(&serde_json::to_string(&other).unwrap())).0, 1);
    let stranger = NoteSigner::from_seed("pingan.test/audit", &[4; 32]).unwrap();
    assert_eq!(run(&["--key", &stranger.verifier_key(), "-"], Some(&json)).0, 1);
    let forged = EvidenceBundle { checkpoint: bundle.checkpoint.replace("\n11\n", "\n12\n"), ..bundle };
    let (code, line) = run(&["-"], Some(&serde_json::to_string(&forged).unwrap()));
    assert_eq!(code, 1, "{line}");
}
