//! Start-up and throughput of the shipped classifier, on one core:
//! `cargo run --release -p pingan-classify --example bench`. Prints numbers; asserts nothing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pingan_classify::{Classifier, segment};

fn main() {
    let t = Instant::now();
    black_box(segment("预热"));
    let segmenter = t.elapsed();

    let examples = Classifier::shipped_examples();
    let mut train = Duration::MAX;
    let mut model = None;
    for _ in 0..3 {
        let t = Instant::now();
        model = Some(Classifier::train(&examples));
        train = train.min(t.elapsed());
    }
    let model = model.expect("trained");
    println!("segmenter (jieba dictionary + domain words): {segmenter:.1?}");
    println!(
        "training on {} examples: {train:.1?} (best of 3; {} features, {} categories)",
        examples.len(),
        model.feature_count(),
        model.categories().len()
    );
    println!("model as JSON: {:.1} MB", model.to_json().len() as f64 / 1e6);

    let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    let rounds = 5;
    let t = Instant::now();
    for _ in 0..rounds {
        for text in &texts {
            black_box(model.classify(black_box(text)));
        }
    }
    let elapsed = t.elapsed();
    let n = (rounds * texts.len()) as f64;
    println!(
        "classify: {:.0} texts/s on one thread ({:.1} µs per text, texts of {} characters on average)",
        n / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / n,
        chars / texts.len()
    );
}
