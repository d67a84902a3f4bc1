//! Configuration: an optional TOML file, then environment variables on top.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://PATH` or `postgres://USER@HOST/DB`.
    #[serde(default = "default_database_url")]
    pub database_url: String,
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Mark cookies Secure (when served over HTTPS).
    #[serde(default)]
    pub cookie_secure: bool,
    /// `pretty` for people, `json` for log collectors.
    #[serde(default = "default_log_format")]
    pub log_format: String,
    #[serde(default = "default_max_connections")]
    pub max_connections: u32,
    /// SMS gateway for citizens' one-time codes (receives `{"phone", "message"}` as JSON).
    /// Without it the codes are written to the log, which is for demos only.
    #[serde(default)]
    pub sms_webhook_url: Option<String>,
    /// Gateway for case notifications (SMS to residents, pushes to staff; receives one JSON
    /// object per notice). Without it they are written to the log, phones masked.
    #[serde(default)]
    pub notify_webhook_url: Option<String>,
    /// A retrained appeal classifier (the JSON file `pingan classifier train` writes). Without
    /// it the server trains the shipped model at start.
    #[serde(default)]
    pub classifier_model: Option<PathBuf>,
    /// Where attachment bytes are kept (content-addressed). With several instances this must be
    /// one directory all of them share (e.g. an NFS mount).
    #[serde(default = "default_blob_dir")]
    pub blob_dir: PathBuf,
    /// The ledger's signer key (`PRIVATE+KEY+<name>+<id>+<key>`, the C2SP note form) for
    /// checkpoints. Without it a key is generated once per database and kept there, which is
    /// for demos and tests: a regulator should be given a key the operator holds apart.
    #[serde(default)]
    pub ledger_key: Option<String>,
    /// The name the ledger's checkpoints carry; each log's origin is `<name>/<log>`.
    #[serde(default = "default_ledger_origin")]
    pub ledger_origin: String,
}

fn default_ledger_origin() -> String {
    "pingan.local".into()
}

fn default_database_url() -> String {
    "sqlite://pingan.db".into()
}
fn default_blob_dir() -> PathBuf {
    PathBuf::from(pingan_store::blobs::DEFAULT_DIR)
}
fn default_listen() -> String {
    "127.0.0.1:8080".into()
}
fn default_log_format() -> String {
    "pretty".into()
}
fn default_max_connections() -> u32 {
    10
}

impl Default for Config {
    fn default() -> Self {
        toml::from_str("").expect("defaults parse")
    }
}

impl Config {
    /// Read `file` if given, then apply `PINGAN_DATABASE_URL`, `PINGAN_LISTEN`,
    /// `PINGAN_LOG_FORMAT`, `PINGAN_SMS_WEBHOOK_URL`, `PINGAN_NOTIFY_WEBHOOK_URL`,
    /// `PINGAN_CLASSIFIER_MODEL` (empty: the shipped model), `PINGAN_BLOB_DIR`,
    /// `PINGAN_LEDGER_KEY` and `PINGAN_COOKIE_SECURE`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file '{}'", path.display()))?;
                toml::from_str::<Config>(&text)
                    .map_err(|e| anyhow::anyhow!("config file '{}' is not valid: {}", path.display(), e.message()))?
            }
            None => Config::default(),
        };
        if let Ok(v) = std::env::var("PINGAN_DATABASE_URL") {
            config.database_url = v;
        }
        if let Ok(v) = std::env::var("PINGAN_LISTEN") {
            config.listen = v;
        }
        if let Ok(v) = std::env::var("PINGAN_LOG_FORMAT") {
            config.log_format = v;
        }
        if let Ok(v) = std::env::var("PINGAN_SMS_WEBHOOK_URL") {
            config.sms_webhook_url = Some(v);
        }
        if let Ok(v) = std::env::var("PINGAN_NOTIFY_WEBHOOK_URL") {
            config.notify_webhook_url = Some(v);
        }
        if let Ok(v) = std::env::var("PINGAN_CLASSIFIER_MODEL") {
            // Empty names no file: a way to go back to the shipped model over a config file.
            config.classifier_model = (!v.is_empty()).then(|| PathBuf::from(v));
        }
        if let Ok(v) = std::env::var("PINGAN_BLOB_DIR") {
            config.blob_dir = PathBuf::from(v);
        }
        if let Ok(v) = std::env::var("PINGAN_LEDGER_KEY") {
            config.ledger_key = (!v.is_empty()).then_some(v);
        }
        if let Ok(v) = std::env::var("PINGAN_COOKIE_SECURE") {
            config.cookie_secure = matches!(v.as_str(), "1" | "true" | "yes");
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> anyhow::Result<()> {
        if !matches!(self.log_format.as_str(), "pretty" | "json") {
            bail!("log_format must be 'pretty' or 'json', not '{}'", self.log_format);
        }
        if let Some(key) = &self.ledger_key {
            pingan_ledger::note::NoteSigner::parse(key)
                .map_err(|e| anyhow::anyhow!("ledger_key is not a signer key (PRIVATE+KEY+…): {e}"))?;
        }
        if self.ledger_origin.is_empty() || self.ledger_origin.chars().any(|c| c.is_whitespace() || c == '+') {
            bail!("ledger_origin must be a name without spaces or '+', not '{}'", self.ledger_origin);
        }
        if self.max_connections == 0 {
            bail!("max_connections must be at least 1");
        }
        Ok(())
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<Config>("databse_url = 'x'").is_err());
    }
}
