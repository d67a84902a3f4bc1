//! Evaluation on labelled examples: top-1 and top-3 accuracy, urgency accuracy, missed emergencies and
//! the most confused pairs.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::{Classifier, Example, Urgency, strip_glosses};

/// A pair of categories the model confused, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub expected: String,
    pub predicted: String,
    pub count: usize,
}

/// One case the model got wrong (category or urgency).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Miss {
    /// Row in the evaluated list, from 1.
    pub row: usize,
    pub text: String,
    pub expected: String,
    pub predicted: Vec<String>,
    pub expected_urgency: Option<Urgency>,
    pub predicted_urgency: Urgency,
}

/// The result of [`evaluate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    pub total: usize,
    pub top1: usize,
    pub top3: usize,
    /// Cases that carry an urgency label.
    pub urgency_total: usize,
    pub urgency_correct: usize,
    /// 紧急 cases predicted 一般: must be zero.
    pub urgent_missed: usize,
    /// 一般 cases predicted 紧急.
    pub false_urgent: usize,
    /// Most frequent (expected, predicted top-1) pairs among the errors, most frequent first.
    pub confusions: Vec<Confusion>,
    pub misses: Vec<Miss>,
}

fn rate(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { n as f64 / d as f64 }
}

impl EvalReport {
    pub fn top1_rate(&self) -> f64 {
        rate(self.top1, self.total)
    }

    pub fn top3_rate(&self) -> f64 {
        rate(self.top3, self.total)
    }

    pub fn urgency_rate(&self) -> f64 {
        rate(self.urgency_correct, self.urgency_total)
    }
}

/// Classifies every example and compares with its labels.
pub fn evaluate(model: &Classifier, examples: &[Example]) -> EvalReport {
    let mut r = EvalReport {
        total: examples.len(),
        top1: 0,
        top3: 0,
        urgency_total: 0,
        urgency_correct: 0,
        urgent_missed: 0,
        false_urgent: 0,
        confusions: Vec::new(),
        misses: Vec::new(),
    };
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, e) in examples.iter().enumerate() {
        let p = model.classify(&e.text);
        let codes: Vec<String> = p.categories.iter().map(|s| s.code.clone()).collect();
        let first = codes.first().cloned().unwrap_or_default();
        let category_ok = first == e.category;
        if category_ok {
            r.top1 += 1;
        } else {
            *pairs.entry((e.category.clone(), first)).or_default() += 1;
        }
        if codes.contains(&e.category) {
            r.top3 += 1;
        }
        let mut urgency_ok = true;
        if let Some(u) = e.urgency {
            r.urgency_total += 1;
            urgency_ok = u == p.urgency;
            match (u, p.urgency) {
                (Urgency::Urgent, Urgency::Normal) => r.urgent_missed += 1,
                (Urgency::Normal, Urgency::Urgent) => r.false_urgent += 1,
                _ => r.urgency_correct += 1,
            }
        }
        if !category_ok || !urgency_ok {
            r.misses.push(Miss {
                row: i + 1,
                text: strip_glosses(&e.text),
                expected: e.category.clone(),
                predicted: codes,
                expected_urgency: e.urgency,
                predicted_urgency: p.urgency,
            });
        }
    }
    let mut confusions: Vec<Confusion> =
        pairs.into_iter().map(|((expected, predicted), count)| Confusion { expected, predicted, count }).collect();
    confusions.sort_by(|a, b| {
        b.count.cmp(&a.count).then_with(|| (&a.expected, &a.predicted).cmp(&(&b.expected, &b.predicted)))
    });
    confusions.truncate(10);
    r.confusions = confusions;
    r
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = |x: f64| x * 100.0;
        writeln!(f, "cases:            {}", self.total)?;
        writeln!(f, "top-1 accuracy:   {:.1}% ({}/{})", pct(self.top1_rate()), self.top1, self.total)?;
        writeln!(f, "top-3 accuracy:   {:.1}% ({}/{})", pct(self.top3_rate()), self.top3, self.total)?;
        if self.urgency_total > 0 {
            writeln!(
                f,
                "urgency accuracy: {:.1}% ({}/{})",
                pct(self.urgency_rate()),
                self.urgency_correct,
                self.urgency_total
            )?;
            writeln!(f, "紧急 predicted 一般 (missed emergencies): {}", self.urgent_missed)?;
            writeln!(f, "一般 predicted 紧急 (false alarms):      {}", self.false_urgent)?;
        } else {
            writeln!(f, "urgency:          no urgency labels")?;
        }
        if !self.confusions.is_empty() {
            writeln!(f, "most confused (expected → predicted):")?;
            for c in &self.confusions {
                writeln!(f, "  {} → {}  ×{}", c.expected, c.predicted, c.count)?;
            }
        }
        if !self.misses.is_empty() {
            writeln!(f, "misses:")?;
            for m in &self.misses {
                let text: String = m.text.chars().take(40).collect();
                let more = if m.text.chars().count() > 40 { "…" } else { "" };
                let urgency = match m.expected_urgency {
                    Some(u) if u != m.predicted_urgency => {
                        format!("  urgency {} → {}", u.zh(), m.predicted_urgency.zh())
                    }
                    _ => String::new(),
                };
                writeln!(f, "  #{} {} → [{}]{urgency}  {text}{more}", m.row, m.expected, m.predicted.join(", "))?;
            }
        }
        Ok(())
    }
}
