//! Shared by the test files: the labelled sample kept beside the repository.

#![allow(dead_code)]

use pingan_classify::{Example, read_csv};

/// `../shared/samples/appeals-labeled.csv` beside the workspace. The model is never trained on it.
pub const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/appeals-labeled.csv");

/// The sample's examples; `None` (with a message) when the file is absent outside CI. In CI a missing
/// file fails the test, since the accuracy targets would otherwise go unchecked.
pub fn sample() -> Option<Vec<Example>> {
    if !std::path::Path::new(SAMPLE).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the labelled sample {SAMPLE} is missing; CI must have ../shared beside the workspace"
        );
        eprintln!("skipped: the labelled sample {SAMPLE} is not here (set CI to make this a failure)");
        return None;
    }
    Some(read_csv(SAMPLE).unwrap_or_else(|e| panic!("{e}")))
}

/// The set of neighbouring character pairs of a text.
pub fn char_pairs(text: &str) -> std::collections::HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_ascii_punctuation() && !c.is_whitespace()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Jaccard similarity of two texts' character pairs.
pub fn jaccard(a: &str, b: &str) -> f64 {
    let (a, b) = (char_pairs(a), char_pairs(b));
    let union = a.union(&b).count();
    if union == 0 { 0.0 } else { a.intersection(&b).count() as f64 / union as f64 }
}
