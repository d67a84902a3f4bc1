//! Accuracy: on the labelled sample (never trained on) and on a held-out fifth of our own data.

mod common;

use pingan_classify::{Classifier, Example, Urgency, evaluate};

#[test]
fn the_labelled_sample_meets_the_targets() {
    let Some(sample) = common::sample() else { return };
    let report = evaluate(&Classifier::shipped(), &sample);
    println!("{report}");
    assert!(report.top1_rate() >= 0.85, "top-1 {:.3} < 0.85\n{report}", report.top1_rate());
    assert!(report.top3_rate() >= 0.95, "top-3 {:.3} < 0.95\n{report}", report.top3_rate());
    assert_eq!(report.urgent_missed, 0, "a 紧急 case was predicted 一般\n{report}");
}

#[test]
fn a_held_out_fifth_of_the_training_data() {
    // Every fifth row (the file is grouped by category, so each category loses a fifth).
    let all = Classifier::shipped_examples();
    let part = |held: bool| -> Vec<Example> {
        all.iter().enumerate().filter(|(i, _)| (i % 5 == 0) == held).map(|(_, e)| e.clone()).collect()
    };
    let (held, kept) = (part(true), part(false));
    let report = evaluate(&Classifier::train(&kept), &held);
    println!("held out {} of {}:\n{report}", held.len(), all.len());
    assert!(report.top1_rate() >= 0.80, "top-1 {:.3} < 0.80", report.top1_rate());
    assert!(report.top3_rate() >= 0.95, "top-3 {:.3} < 0.95", report.top3_rate());
    assert_eq!(report.urgent_missed, 0, "a held-out 紧急 case was predicted 一般");
    let normal = held.iter().filter(|e| e.urgency == Some(Urgency::Normal)).count();
    assert!(report.false_urgent * 20 <= normal, "more than 5% false 紧急: {} of {normal}", report.false_urgent);
}

#[test]
fn training_is_deterministic_and_survives_json() {
    let shipped = Classifier::shipped();
    let again = Classifier::train(&Classifier::shipped_examples());
    let json = shipped.to_json();
    assert!(json == again.to_json(), "two trainings on the same data differ");
    let restored = Classifier::from_json(&json).unwrap();
    for text in ["楼道里电动车冒烟了", "物业费太贵了服务又差", "孩子上学的事想咨询一下", ""]
    {
        assert_eq!(restored.classify(text), shipped.classify(text), "{text}");
    }
    assert!(Classifier::from_json("{}").is_err());
}

#[test]
fn corrections_retrain_the_model() {
    let shipped = Classifier::shipped();
    let text = "小区北门外那片空地晚上总有人围着烧东西玩，灰烬飘得到处都是";
    let before = shipped.classify(text);
    let target = if before.category() == Some("E05") { "E01" } else { "E05" };
    let corrections: Vec<Example> = [text, "河滩上有人烧东西玩，灰烬到处都是", "空地上总有人烧东西，灰烬飘进窗户"]
        .iter()
        .map(|t| Example::new(*t, target, Some(Urgency::Normal)))
        .collect();
    let corrected = Classifier::with_corrections(&corrections);
    assert_eq!(corrected.example_count(), shipped.example_count() + corrections.len());
    let p =
        |c: &Classifier| c.classify(text).categories.iter().find(|s| s.code == target).map_or(0.0, |s| s.probability);
    assert!(p(&corrected) > p(&shipped), "the corrected category gained nothing: {} → {}", p(&shipped), p(&corrected));
    assert_eq!(corrected.classify(text).category(), Some(target));
}
