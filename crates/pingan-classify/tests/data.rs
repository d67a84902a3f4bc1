//! The training data the project writes: shape, coverage, consistency with the urgency rules, and no
//! overlap with the labelled sample it is evaluated on.

mod common;

use std::collections::{HashMap, HashSet};

use pingan_classify::{Classifier, Urgency, normalize, read_csv};
use pingan_domain::appeal::category::DEFAULT_CATEGORIES;

#[test]
fn every_category_has_enough_examples_of_the_right_kind() {
    let examples = read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/data/train.csv")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(examples, Classifier::shipped_examples(), "the compiled-in data is the file");
    let mut count: HashMap<&str, (usize, usize)> = HashMap::new();
    for e in &examples {
        assert!(DEFAULT_CATEGORIES.iter().any(|c| c.code == e.category), "unknown category {}", e.category);
        let entry = count.entry(&e.category).or_default();
        match e.urgency.expect("every training example carries an urgency") {
            Urgency::Urgent => entry.0 += 1,
            Urgency::Normal => entry.1 += 1,
        }
    }
    for c in DEFAULT_CATEGORIES {
        let (urgent, normal) = count.get(c.code).copied().unwrap_or_default();
        assert!(urgent + normal >= 25, "{} {} has only {} examples", c.code, c.zh, urgent + normal);
    }
    for code in ["C01", "C02", "C03", "B02", "E04"] {
        assert!(count[code].0 >= 5, "{code} needs 紧急 examples");
    }
    let mut seen = HashSet::new();
    for e in &examples {
        assert!(seen.insert(normalize(&e.text)), "duplicate training text: {}", e.text);
    }
}

#[test]
fn no_training_text_echoes_the_labelled_sample() {
    let Some(sample) = common::sample() else { return };
    let sample: Vec<String> = sample.iter().map(|e| normalize(&e.text)).collect();
    let mut worst = (0.0, String::new(), String::new());
    for e in Classifier::shipped_examples() {
        let text = normalize(&e.text);
        for s in &sample {
            assert_ne!(&text, s, "a training text is a sample text");
            let j = common::jaccard(&text, s);
            if j > worst.0 {
                worst = (j, e.text.clone(), s.clone());
            }
        }
    }
    println!("closest pair (character-pair Jaccard {:.2}):\n  {}\n  {}", worst.0, worst.1, worst.2);
    assert!(worst.0 <= 0.8, "a training text nearly repeats a sample text");
}

#[test]
fn no_ordinary_training_example_trips_the_emergency_rules() {
    // The rules must agree with the labels they are meant to guard: an example labelled 一般 on which a
    // rule fires is either mislabelled or a rule too eager.
    let rules_only = Classifier::train(&[]);
    let mut problems = Vec::new();
    for e in Classifier::shipped_examples() {
        let p = rules_only.classify(&e.text);
        if e.urgency == Some(Urgency::Normal) && !p.urgency_cues.is_empty() {
            problems.push(format!("{} {:?}: {}", e.category, p.urgency_cues, e.text));
        }
    }
    assert!(problems.is_empty(), "rules fire on 一般 examples:\n{}", problems.join("\n"));
}
