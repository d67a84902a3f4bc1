//! `pingan-verify`: checks what Pingan's ledger hands out, with nothing else.
//!
//! ```text
//! pingan-verify [--key <verifier key>] <file | ->
//! ```
//!
//! The input is an evidence bundle (entry, inclusion proof, signed checkpoint), or a bare proof
//! as JSON with base64 fields: `{leafIdx, treeSize, root, leafHash, proof}` (inclusion) or
//! `{size1, size2, root1, root2, proof}` (consistency; `proof` may be null). `--key` pins the
//! log's verifier key instead of trusting the one a bundle carries.
//!
//! Exit status: 0 valid, 1 invalid (with a one-line reason), 2 malformed input or usage.

use pingan_ledger::bundle::{CheckError, check_document};
use std::io::Read;
use std::process::ExitCode;

const USAGE: &str = "usage: pingan-verify [--key <verifier key>] <file | ->";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (key, path) = match args.as_slice() {
        [path] if path != "--help" && path != "-h" => (None, path),
        [flag, key, path] if flag == "--key" => (Some(key.as_str()), path),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut input = String::new();
    let read = if path == "-" {
        std::io::stdin().read_to_string(&mut input).map(|_| ())
    } else {
        std::fs::read_to_string(path).map(|s| input = s)
    };
    if let Err(e) = read {
        println!("malformed: cannot read {path}: {e}");
        return ExitCode::from(2);
    }
    match check_document(&input, key) {
        Ok(checked) => {
            println!("valid: {checked}");
            ExitCode::SUCCESS
        }
        Err(e @ CheckError::Invalid(_)) => {
            println!("{e}");
            ExitCode::from(1)
        }
        Err(e @ CheckError::Malformed(_)) => {
            println!("{e}");
            ExitCode::from(2)
        }
    }
}
