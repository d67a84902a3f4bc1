//! The appeal classifier's operations: retraining it with dispatchers' corrections
//! (`pingan classifier train`) and loading a retrained model when the server starts.
//!
//! A correction is a case a dispatcher reclassified (更正分类): its text as filed, with the
//! category and urgency of the case's latest correction. `train` adds them to the shipped
//! examples (a corrected text replaces a shipped example with the same text), trains, and writes
//! the model as JSON; `serve` loads that file when `classifier_model` names it. A file given to
//! `--eval` is only ever classified, never trained on.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use pingan_classify::{Classifier, Corrected, EvalReport, Example, evaluate, normalize, read_csv};
use pingan_store::appeals::ClassifierCorrection;

use crate::config::Config;
use crate::startup::open_store;
use crate::tables::thousands;

/// Reads a model written by `pingan classifier train`. Errors name the file.
pub fn load_model(path: &Path) -> anyhow::Result<Classifier> {
    let json = std::fs::read_to_string(path)
        .with_context(|| format!("classifier model '{}': cannot read it", path.display()))?;
    let model = Classifier::from_json(&json)
        .map_err(|e| anyhow::anyhow!("classifier model '{}' is not usable: {e}", path.display()))?;
    tracing::info!(
        path = %path.display(),
        examples = model.example_count(),
        features = model.feature_count(),
        "classifier model loaded"
    );
    Ok(model)
}

/// A retrained model and what went into it.
pub struct Trained {
    pub model: Classifier,
    /// Cases with a correction.
    pub cases: usize,
    /// Corrections used: one per text, the latest.
    pub used: usize,
    /// Shipped examples a correction replaced (same text).
    pub replaced: usize,
    /// Corrections used, by corrected category code.
    pub by_category: BTreeMap<String, usize>,
    pub took: Duration,
}

/// The corrections as labelled examples, in the store's order (oldest first, so a later
/// correction of the same text wins).
pub fn correction_examples(corrections: &[ClassifierCorrection]) -> Vec<Example> {
    corrections.iter().map(|c| Example::new(c.text.as_str(), c.category.to_string(), Some(c.urgency))).collect()
}

/// Trains the shipped examples plus `corrections`.
pub fn train(corrections: &[ClassifierCorrection]) -> Trained {
    let corrected = Corrected::new(Classifier::shipped_examples(), &correction_examples(corrections));
    let mut by_category = BTreeMap::new();
    for e in &corrected.used {
        *by_category.entry(e.category.clone()).or_default() += 1;
    }
    let started = Instant::now();
    let model = Classifier::train(&corrected.examples);
    Trained {
        model,
        cases: corrections.len(),
        used: corrected.used.len(),
        replaced: corrected.replaced,
        by_category,
        took: started.elapsed(),
    }
}

/// The shipped and the retrained model on the same labelled file.
pub struct Comparison {
    pub file: String,
    pub shipped: EvalReport,
    pub retrained: EvalReport,
    /// Evaluation cases whose text is also a correction: the retrained model has seen them.
    pub seen: usize,
}

impl Comparison {
    pub fn new(file: &Path, examples: &[Example], retrained: &Classifier, corrections: &[Example]) -> Comparison {
        let corrected: HashSet<String> = corrections.iter().map(|e| normalize(&e.text)).collect();
        Comparison {
            file: file.display().to_string(),
            shipped: evaluate(&Classifier::shipped(), examples),
            retrained: evaluate(retrained, examples),
            seen: examples.iter().filter(|e| corrected.contains(&normalize(&e.text))).count(),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b) = (&self.shipped, &self.retrained);
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        writeln!(f, "evaluation on {} ({} cases, not used for training):", self.file, a.total)?;
        writeln!(f, "                      shipped  retrained")?;
        writeln!(f, "  top-1 accuracy    {:>9}  {:>9}", pct(a.top1_rate()), pct(b.top1_rate()))?;
        writeln!(f, "  top-3 accuracy    {:>9}  {:>9}", pct(a.top3_rate()), pct(b.top3_rate()))?;
        if a.urgency_total > 0 {
            writeln!(f, "  urgency accuracy  {:>9}  {:>9}", pct(a.urgency_rate()), pct(b.urgency_rate()))?;
            writeln!(f, "  紧急 missed       {:>9}  {:>9}", a.urgent_missed, b.urgent_missed)?;
        } else {
            writeln!(f, "  urgency accuracy  no urgency labels in the file")?;
        }
        if self.seen > 0 {
            writeln!(
                f,
                "  note: {} of these cases are also corrections, so the retrained model has seen them",
                self.seen
            )?;
        }
        Ok(())
    }
}

impl fmt::Display for Trained {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "corrections: {} used ({} cases reclassified by dispatchers; one per text, the latest), {} replacing a \
             shipped example with the same text",
            self.used, self.cases, self.replaced
        )?;
        for (code, n) in &self.by_category {
            writeln!(f, "  {code} {:>6}  {}", n, pingan_classify::default_name(code).unwrap_or(""))?;
        }
        writeln!(
            f,
            "trained on {} examples ({} features) in {:.1} s",
            thousands(self.model.example_count()),
            thousands(self.model.feature_count()),
            self.took.as_secs_f64()
        )
    }
}

/// `pingan classifier train`: corrections from the configured database, shipped examples, a
/// model written to `out` (replaced whole or not at all), and with `eval` the shipped and the
/// retrained model compared on that file.
pub async fn run_train(config: Option<&Path>, out: &Path, eval: Option<&Path>) -> anyhow::Result<()> {
    // Everything that can be refused is checked before the database is opened or anything trained.
    let eval = match eval {
        Some(path) => Some((path, read_csv(path)?)),
        None => None,
    };
    if out.is_dir() {
        bail!("--out '{}' is a directory: name the model file to write", out.display());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        bail!("cannot write the model to '{}': there is no directory '{}'", out.display(), dir.display());
    }
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 1).await?;
    let corrections = store.classifier_corrections().await;
    store.close().await;
    let corrections = corrections.context("reading the dispatchers' corrections")?;

    let trained = tokio::task::spawn_blocking(move || {
        let trained = train(&corrections);
        (trained, corrections)
    });
    let (trained, corrections) = trained.await.context("training the classifier")?;
    let json = trained.model.to_json();
    write_atomically(out, json.as_bytes()).with_context(|| format!("cannot write the model to '{}'", out.display()))?;

    print!("{trained}");
    if trained.cases == 0 {
        println!("no corrections recorded yet: the model is the shipped one");
    }
    if let Some((path, examples)) = eval {
        let corrections = correction_examples(&corrections);
        let comparison = tokio::task::spawn_blocking({
            let path = path.to_owned();
            move || Comparison::new(&path, &examples, &trained.model, &corrections)
        })
        .await
        .context("evaluating the models")?;
        print!("{comparison}");
    }
    println!(
        "model written to {} ({:.1} MB); the server uses it when classifier_model (or PINGAN_CLASSIFIER_MODEL) \
         names it",
        out.display(),
        json.len() as f64 / 1e6
    );
    Ok(())
}

/// Writes `path` whole or not at all: a temporary file beside it, synced, then renamed over it,
/// so that a server starting meanwhile reads the old model or the new one, never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}-{:016x}.tmp", std::process::id(), rand::random::<u64>()));
    let written = std::fs::File::options().write(true).create_new(true).open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&temp, path)) {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    // The rename durable too. Some network file systems cannot sync a directory; they commit
    // renames on the server anyway.
    #[cfg(unix)]
    match std::fs::File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if !matches!(e.kind(), std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported) => {
            return Err(e);
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_file_is_replaced_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        std::fs::write(&path, "old").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["model.json"], "no temporary file is left behind");
        // Into a directory that does not exist: an error, and nothing written.
        assert!(write_atomically(&dir.path().join("no/such/model.json"), b"x").is_err());
    }

    #[test]
    fn a_bad_model_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken.json");
        std::fs::write(&path, "{\"format\": 1, \"options\": ").unwrap();
        let err = format!("{:#}", load_model(&path).unwrap_err());
        assert!(err.starts_with(&format!("classifier model '{}' is not usable: ", path.display())), "{err}");
        let missing = dir.path().join("missing.json");
        let err = format!("{:#}", load_model(&missing).unwrap_err());
        assert!(err.starts_with(&format!("classifier model '{}': cannot read it: ", missing.display())), "{err}");
    }
}
