//! Appeal classification: which category (DOMAIN.md §4) a resident's text belongs to, how urgent it is,
//! and whether it belongs to 110/119/120/122 at once.
//!
//! The pipeline: [`normalize`] (pinyin glosses, full/half width, traditional → simplified) → jieba
//! segmentation with domain words → features: words (marked when they stand in a hypothetical clause,
//! "万一着火"), word pairs, character pairs and each default category's typical vocabulary
//! (`data/lexicon.txt`), weighted by TF-IDF → a softmax (multinomial logistic) regression for the
//! category and a logistic regression for urgency, plus a rule layer for present dangers (`urgency`)
//! that also picks the emergency line. Every prediction says which words drove it.
//!
//! The shipped model is trained at start-up from `data/train.csv`, which the project writes and which
//! is compiled into the crate: training takes a few tenths of a second in release (see
//! `examples/bench.rs`), so shipping weights (about 19 MB of JSON) would only add a large file that
//! could drift from the data. Dispatchers' corrections join the shipped examples through
//! [`Classifier::with_corrections`]; a trained model can also be kept as JSON ([`Classifier::to_json`]),
//! which is how `pingan classifier train` hands a retrained model to the server.
//!
//! This crate knows nothing of storage or HTTP; its only I/O is reading CSV files in [`read_csv`]. It
//! uses the domain's [`Urgency`] and [`EmergencyLine`] and its default category names.

mod data;
mod eval;
mod features;
mod linear;
mod text;
mod urgency;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

pub use data::{CsvError, CsvProblem, Example, parse_csv, parse_urgency, read_csv};
pub use eval::{Confusion, EvalReport, Miss, evaluate};
pub use features::segment;
use pingan_domain::appeal::category::DEFAULT_CATEGORIES;
/// Urgency and the emergency lines are the domain's types, so a prediction goes into a case as it is.
pub use pingan_domain::appeal::{EmergencyLine, Urgency};
pub use text::{normalize, strip_glosses};

use features::{Occurrence, occurrences};
use linear::{Linear, Params, Sparse};
use text::Prepared;

/// The training data the project writes, compiled in.
const SHIPPED_CSV: &str = include_str!("../data/train.csv");

/// Version of the JSON form of a trained model.
const FORMAT: u32 = 1;

/// Which feature kinds to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureKinds {
    pub words: bool,
    pub word_pairs: bool,
    pub char_pairs: bool,
    /// One feature per default category whose typical words occur (`data/lexicon.txt`).
    pub lexicon: bool,
}

impl FeatureKinds {
    fn mask(self) -> u8 {
        (if self.words { features::WORDS } else { 0 })
            | (if self.word_pairs { features::WORD_PAIRS } else { 0 })
            | (if self.char_pairs { features::CHAR_PAIRS } else { 0 })
            | (if self.lexicon { features::LEXICON_HITS } else { 0 })
    }
}

/// Training settings. The defaults are what the shipped model uses; they were chosen by
/// cross-validation on the training data, never on the evaluation sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    pub features: FeatureKinds,
    /// A feature must occur in at least this many training texts to be used.
    pub min_df: u32,
    pub epochs: usize,
    /// L2 regularisation strength.
    pub lambda: f64,
    /// Initial SGD step.
    pub eta0: f64,
    pub seed: u64,
    /// The urgency model's probability above which a case is 紧急 (rules aside). Low on purpose: a
    /// false 紧急 costs a dispatcher a glance, a missed one can cost a life.
    pub urgency_threshold: f64,
}

impl Default for TrainOptions {
    fn default() -> TrainOptions {
        TrainOptions {
            features: FeatureKinds { words: true, word_pairs: true, char_pairs: true, lexicon: true },
            min_df: 1,
            epochs: 12,
            lambda: 1e-5,
            eta0: 0.5,
            seed: 0x5eed_2026,
            urgency_threshold: 0.35,
        }
    }
}

/// A trained model, as kept in JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Model {
    format: u32,
    options: TrainOptions,
    examples: usize,
    features: Vec<String>,
    idf: Vec<f32>,
    categories: Vec<String>,
    category: Linear,
    /// Classes: 0 一般, 1 紧急. None when no training example carried an urgency of each kind.
    urgency: Option<Linear>,
}

/// The appeal classifier: category, urgency, emergency line.
#[derive(Clone)]
pub struct Classifier {
    model: Model,
    index: HashMap<String, u32>,
}

/// A summary: the weights run to megabytes.
impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("format", &self.model.format)
            .field("examples", &self.model.examples)
            .field("features", &self.model.features.len())
            .field("categories", &self.model.categories.len())
            .finish_non_exhaustive()
    }
}

/// A category and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub code: String,
    /// The default name, for the 36 default codes.
    pub name: Option<&'static str>,
    pub probability: f32,
}

/// Words of the text that pushed it towards the chosen category, as the resident typed them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub text: String,
    pub weight: f32,
}

/// An urgency rule that fired, with the words it fired on as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrgencyCue {
    pub rule: &'static str,
    pub text: String,
}

/// What the classifier says about one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Up to three categories, most probable first; the probabilities sum to at most 1.
    pub categories: Vec<Scored>,
    pub urgency: Urgency,
    /// The urgency model's probability of 紧急 (before the rules).
    pub urgency_score: f32,
    /// Present dangers the rules found; any makes the case 紧急.
    pub urgency_cues: Vec<UrgencyCue>,
    /// The emergency service the case belongs to, if any: transfer it at once (and keep tracking it).
    pub transfer: Option<EmergencyLine>,
    /// Why the top category: its strongest features, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Prediction {
    /// The most probable category code.
    pub fn category(&self) -> Option<&str> {
        self.categories.first().map(|s| s.code.as_str())
    }
}

static SHIPPED: LazyLock<Classifier> = LazyLock::new(|| Classifier::train(&Classifier::shipped_examples()));

impl Classifier {
    /// The model trained on the shipped examples (trained once per process, then cloned).
    pub fn shipped() -> Classifier {
        SHIPPED.clone()
    }

    /// The shipped training examples (`data/train.csv`).
    pub fn shipped_examples() -> Vec<Example> {
        match parse_csv("data/train.csv", SHIPPED_CSV.as_bytes()) {
            Ok(examples) => examples,
            // The file is compiled in and checked by the tests; a bad one is a build defect.
            Err(e) => panic!("the shipped training data is invalid:\n{e}"),
        }
    }

    /// The shipped examples plus dispatchers' corrections. A correction replaces a shipped example with
    /// the same (normalised) text, and a later correction of the same text replaces an earlier one.
    pub fn with_corrections(corrections: &[Example]) -> Classifier {
        Classifier::train(&Corrected::new(Classifier::shipped_examples(), corrections).examples)
    }

    /// Trains with the default options.
    pub fn train(examples: &[Example]) -> Classifier {
        Classifier::train_with(examples, TrainOptions::default())
    }

    /// Trains with the given options. Deterministic: the same examples and options give the same model,
    /// bit for bit.
    pub fn train_with(examples: &[Example], options: TrainOptions) -> Classifier {
        let kinds = options.features.mask();
        let docs: Vec<Vec<Occurrence>> = examples.iter().map(|e| occurrences(&Prepared::new(&e.text), kinds)).collect();

        // Document frequencies; the vocabulary is then put in key order so that indices do not depend
        // on hashing.
        let mut df: HashMap<&str, u32> = HashMap::new();
        for doc in &docs {
            let unique: HashSet<&str> = doc.iter().map(|o| o.key.as_str()).collect();
            for key in unique {
                *df.entry(key).or_default() += 1;
            }
        }
        let mut df: Vec<(&str, u32)> = df.into_iter().collect();
        df.sort_unstable();
        let n = examples.len() as f64;
        let (features, idf): (Vec<String>, Vec<f32>) = df
            .into_iter()
            .filter(|&(_, d)| d >= options.min_df)
            .map(|(k, d)| (k.to_owned(), (((1.0 + n) / (1.0 + d as f64)).ln() + 1.0) as f32))
            .unzip();
        let index: HashMap<String, u32> = features.iter().enumerate().map(|(i, f)| (f.clone(), i as u32)).collect();
        let xs: Vec<Sparse> = docs.iter().map(|d| vectorise(&lookup(d, &index), &idf)).collect();

        let categories: Vec<String> =
            examples.iter().map(|e| e.category.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let ys: Vec<usize> = examples.iter().map(|e| categories.binary_search(&e.category).unwrap_or(0)).collect();
        let params = Params { epochs: options.epochs, lambda: options.lambda, eta0: options.eta0, seed: options.seed };
        let category =
            Linear::train(&xs, &ys, &balanced(&ys, categories.len()), features.len(), categories.len(), params);

        let labelled: Vec<(usize, usize)> = examples
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.urgency.map(|u| (i, usize::from(u == Urgency::Urgent))))
            .collect();
        let urgency = if labelled.iter().any(|l| l.1 == 0) && labelled.iter().any(|l| l.1 == 1) {
            let uxs: Vec<Sparse> = labelled.iter().map(|&(i, _)| xs[i].clone()).collect();
            let uys: Vec<usize> = labelled.iter().map(|l| l.1).collect();
            let params = Params { seed: options.seed ^ 0x0bad_cafe, ..params };
            Some(Linear::train(&uxs, &uys, &balanced(&uys, 2), features.len(), 2, params))
        } else {
            None
        };

        let model =
            Model { format: FORMAT, options, examples: examples.len(), features, idf, categories, category, urgency };
        Classifier { model, index }
    }

    /// Category codes the model knows, in order.
    pub fn categories(&self) -> &[String] {
        &self.model.categories
    }

    /// How many examples the model was trained on.
    pub fn example_count(&self) -> usize {
        self.model.examples
    }

    /// Number of features in the vocabulary.
    pub fn feature_count(&self) -> usize {
        self.model.features.len()
    }

    /// Classifies one text.
    pub fn classify(&self, text: &str) -> Prediction {
        let m = &self.model;
        let prepared = Prepared::new(text);
        let occ = occurrences(&prepared, m.options.features.mask());
        let ids = lookup(&occ, &self.index);
        let x = vectorise(&ids, &m.idf);

        let mut categories = Vec::new();
        let mut evidence = Vec::new();
        if !m.categories.is_empty() {
            let probs = m.category.probabilities(&x);
            let mut order: Vec<usize> = (0..probs.len()).collect();
            order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
            categories = order
                .iter()
                .take(3)
                .map(|&c| Scored {
                    code: m.categories[c].clone(),
                    name: default_name(&m.categories[c]),
                    probability: probs[c] as f32,
                })
                .collect();
            evidence = self.evidence(&prepared, &occ, &ids, &x, order[0]);
        }

        let urgency_score = m.urgency.as_ref().map_or(0.0, |u| u.probabilities(&x)[1]);
        let rules = urgency::find(&prepared.folded);
        let urgent = !rules.cues.is_empty() || urgency_score >= m.options.urgency_threshold;
        Prediction {
            categories,
            urgency: if urgent { Urgency::Urgent } else { Urgency::Normal },
            urgency_score: urgency_score as f32,
            urgency_cues: rules
                .cues
                .iter()
                .map(|&(rule, start, end)| UrgencyCue { rule, text: prepared.shown(start, end) })
                .collect(),
            transfer: rules.line,
            evidence,
        }
    }

    /// The features that most raised class `c` above the average class, merged by the text they quote.
    fn evidence(
        &self,
        prepared: &Prepared,
        occ: &[Occurrence],
        ids: &[Option<u32>],
        x: &Sparse,
        c: usize,
    ) -> Vec<Evidence> {
        let lin = &self.model.category;
        // A character pair is quoted as the word it lies in ("气公" as "燃气公司"); one that straddles two
        // words reads as noise, and is left out of the reasons (not out of the score).
        let words: Vec<(usize, usize)> = occ
            .iter()
            .filter(|o| o.key.starts_with("w:") || o.key.starts_with("w~"))
            .map(|o| (o.start, o.end))
            .collect();
        let mut by_text: Vec<(String, f32)> = Vec::new();
        let mut seen = HashSet::new();
        for (o, f) in occ.iter().zip(ids) {
            let Some(f) = *f else { continue };
            if !seen.insert(f) {
                continue;
            }
            let value = x.binary_search_by_key(&f, |e| e.0).map_or(0.0, |i| x[i].1);
            let row = &lin.weights[f as usize * lin.classes..(f as usize + 1) * lin.classes];
            let weight = value * (row[c] - row.iter().sum::<f32>() / lin.classes as f32);
            if weight <= 0.0 {
                continue;
            }
            let (start, end) = if o.key.starts_with("c:") {
                match words.iter().find(|&&(s, e)| s <= o.start && o.end <= e) {
                    Some(&span) => span,
                    None => continue,
                }
            } else {
                (o.start, o.end)
            };
            let text = prepared.shown(start, end);
            match by_text.iter_mut().find(|(t, _)| *t == text) {
                Some(entry) => entry.1 += weight,
                None => by_text.push((text, weight)),
            }
        }
        by_text.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        by_text.into_iter().take(5).map(|(text, weight)| Evidence { text, weight }).collect()
    }

    /// The model as JSON, to keep a retrained model.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.model).expect("a model serialises")
    }

    /// A model from [`Classifier::to_json`].
    pub fn from_json(json: &str) -> Result<Classifier, String> {
        let unsupported = |format: u32| format!("classifier model format {format} is not the supported {FORMAT}");
        let model: Model = match serde_json::from_str(json) {
            Ok(model) => model,
            Err(e) => {
                // A model of another format fails on some field; say which format it is instead.
                #[derive(Deserialize)]
                struct Header {
                    format: u32,
                }
                return Err(match serde_json::from_str::<Header>(json) {
                    Ok(h) if h.format != FORMAT => unsupported(h.format),
                    _ => format!("not a classifier model: {e}"),
                });
            }
        };
        if model.format != FORMAT {
            return Err(unsupported(model.format));
        }
        let (f, c) = (model.features.len(), model.categories.len());
        let fits = |l: &Linear, classes: usize| {
            l.classes == classes && l.features == f && l.weights.len() == f * classes && l.bias.len() == classes
        };
        if model.idf.len() != f || !fits(&model.category, c) || model.urgency.as_ref().is_some_and(|u| !fits(u, 2)) {
            return Err("classifier model dimensions do not agree".to_owned());
        }
        let index = model.features.iter().enumerate().map(|(i, f)| (f.clone(), i as u32)).collect();
        Ok(Classifier { model, index })
    }
}

/// The default (DOMAIN.md §4) name of a category code, if it is one of the defaults. An administrator
/// may rename categories; the store's table has the names in force.
pub fn default_name(code: &str) -> Option<&'static str> {
    DEFAULT_CATEGORIES.iter().find(|c| c.code == code).map(|c| c.zh)
}

/// Loads the segmenter and trains the shipped model now rather than on first use.
pub fn warm_up() {
    features::warm_up();
    LazyLock::force(&SHIPPED);
}

/// A training set with dispatchers' corrections applied (what [`Classifier::with_corrections`] trains
/// on), and how the corrections entered it, for the operator's report.
#[derive(Debug, Clone, PartialEq)]
pub struct Corrected {
    /// The base examples no correction replaced, then the corrections used.
    pub examples: Vec<Example>,
    /// The corrections used: the latest per (normalised) text, in their original order.
    pub used: Vec<Example>,
    /// Base examples dropped because a correction has the same text.
    pub replaced: usize,
}

impl Corrected {
    /// `base` with `corrections` applied: a correction replaces a base example with the same normalised
    /// text, and a later correction of the same text replaces an earlier one.
    pub fn new(base: Vec<Example>, corrections: &[Example]) -> Corrected {
        let mut latest: HashMap<String, usize> = HashMap::new();
        for (i, e) in corrections.iter().enumerate() {
            latest.insert(normalize(&e.text), i);
        }
        let before = base.len();
        let mut examples: Vec<Example> =
            base.into_iter().filter(|e| !latest.contains_key(&normalize(&e.text))).collect();
        let replaced = before - examples.len();
        let used: Vec<Example> = corrections
            .iter()
            .enumerate()
            .filter(|(i, e)| latest[&normalize(&e.text)] == *i)
            .map(|(_, e)| e.clone())
            .collect();
        examples.extend(used.iter().cloned());
        Corrected { examples, used, replaced }
    }
}

/// Class weights that make every class count the same in total.
fn balanced(ys: &[usize], classes: usize) -> Vec<f64> {
    let mut counts = vec![0usize; classes];
    for &y in ys {
        counts[y] += 1;
    }
    let n = ys.len() as f64;
    ys.iter().map(|&y| n / (classes as f64 * counts[y] as f64)).collect()
}

/// The vocabulary index of each occurrence (None outside the vocabulary).
fn lookup(occ: &[Occurrence], index: &HashMap<String, u32>) -> Vec<Option<u32>> {
    occ.iter().map(|o| index.get(&o.key).copied()).collect()
}

/// TF-IDF with sublinear term frequency, L2-normalised; features outside the vocabulary are dropped.
fn vectorise(ids: &[Option<u32>], idf: &[f32]) -> Sparse {
    let mut sorted: Vec<u32> = ids.iter().flatten().copied().collect();
    sorted.sort_unstable();
    let mut x: Sparse = Vec::with_capacity(sorted.len());
    for run in sorted.chunk_by(|a, b| a == b) {
        let f = run[0];
        x.push((f, (1.0 + (run.len() as f32).ln()) * idf[f as usize]));
    }
    let norm = x.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
    if norm > 0.0 {
        x.iter_mut().for_each(|e| e.1 /= norm);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrections_replace_and_extend() {
        let shipped = vec![Example::new("楼道冒烟", "C01", None), Example::new("邻居吵架", "A01", None)];
        let corrections = [
            Example::new("楼道冒烟", "C02", None),
            Example::new("新的", "Z99", None),
            Example::new("楼道冒烟", "C01", Some(Urgency::Urgent)),
        ];
        let merged = Corrected::new(shipped, &corrections);
        assert_eq!(merged.examples.len(), 3);
        assert_eq!(merged.examples[0].category, "A01");
        assert_eq!(merged.examples[1].category, "Z99");
        assert_eq!(merged.examples[2], corrections[2]);
        assert_eq!(merged.used, [corrections[1].clone(), corrections[2].clone()]);
        assert_eq!(merged.replaced, 1);
    }

    #[test]
    fn another_format_is_named_as_such() {
        let json = Classifier::train(&[Example::new("楼道冒烟", "C01", None)]).to_json();
        assert!(Classifier::from_json(&json).is_ok());
        let newer = json.replacen("\"format\":1", "\"format\":2", 1);
        assert_eq!(Classifier::from_json(&newer).unwrap_err(), "classifier model format 2 is not the supported 1");
        let reshaped = r#"{"format": 3, "layers": []}"#;
        assert_eq!(Classifier::from_json(reshaped).unwrap_err(), "classifier model format 3 is not the supported 1");
        let err = Classifier::from_json(r#"{"format": 1}"#).unwrap_err();
        assert!(err.starts_with("not a classifier model: missing field"), "{err}");
        assert!(Classifier::from_json("not json").unwrap_err().starts_with("not a classifier model"));
    }

    #[test]
    fn an_empty_model_still_answers() {
        let empty = Classifier::train(&[]);
        let p = empty.classify("楼道里着火了");
        assert!(p.categories.is_empty());
        assert_eq!(p.urgency, Urgency::Urgent);
        assert_eq!(p.transfer, Some(EmergencyLine::Fire119));
    }
}
