//! `pingan import KIND FILE` and `pingan export KIND FILE`: regions, grids,
//! organisations and accounts to and from spreadsheets (`.csv`, `.xlsx`) and, for
//! grids, GeoJSON.
//!
//! An import reads the whole file, checks every row (the domain parsers for each
//! field; the store's lookups, loaded once, for codes and names that must exist or
//! must not), and writes only a file without a single bad row, in one transaction
//! with one audit event. A bad file is answered with every bad row, its field and
//! the reason. Exports write the same columns, so an export imports again.

mod check;
mod error;
mod export;
mod import;
mod read;

pub use error::{ImportError, Position, RowError};
pub use export::export_file;
pub use import::{Imported, import_file};

use crate::config::Config;
use crate::startup::open_store;
use indicatif::{ProgressBar, ProgressStyle};
use pingan_domain::Scope;
use std::path::Path;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// City, counties, townships and villages.
    Regions,
    /// Grid polygons (GeoJSON, or a `polygon` column of `[lon, lat]` pairs).
    Grids,
    /// Organisations.
    Orgs,
    /// Staff and citizen accounts.
    Accounts,
}

/// One column of a kind's files.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub name: &'static str,
    pub required: bool,
}

const fn req(name: &'static str) -> Column {
    Column { name, required: true }
}

const fn opt(name: &'static str) -> Column {
    Column { name, required: false }
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Regions => "regions",
            Kind::Grids => "grids",
            Kind::Orgs => "orgs",
            Kind::Accounts => "accounts",
        }
    }

    /// The columns of this kind's spreadsheets, in the order exports write them.
    pub(crate) fn columns(self) -> &'static [Column] {
        match self {
            Kind::Regions => REGION_COLUMNS,
            Kind::Grids => GRID_COLUMNS,
            Kind::Orgs => ORG_COLUMNS,
            Kind::Accounts => ACCOUNT_COLUMNS,
        }
    }
}

const REGION_COLUMNS: &[Column] =
    &[req("level"), req("code"), req("name"), req("parent_code"), opt("households"), opt("population")];

const GRID_COLUMNS: &[Column] = &[req("code"), req("name"), opt("households"), opt("population"), req("polygon")];

const ORG_COLUMNS: &[Column] = &[
    req("kind"),
    req("name"),
    req("region_code"),
    opt("dept"),
    opt("industry"),
    opt("address"),
    opt("phone"),
    opt("lon"),
    opt("lat"),
    opt("opening_hours"),
];

const ACCOUNT_COLUMNS: &[Column] = &[
    req("username"),
    req("display_name"),
    req("role"),
    req("region_code"),
    opt("org_id"),
    opt("phone"),
    opt("password"),
];

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file format, decided by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Csv,
    Xlsx,
    GeoJson,
}

impl Format {
    /// The format of `path` if `kind` can be stored in it.
    pub(crate) fn of(path: &Path, kind: Kind) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "geojson" | "json" if kind == Kind::Grids => Some(Format::GeoJson),
            _ => None,
        }
    }

    /// The extensions `kind` accepts, for messages.
    pub(crate) fn expected(kind: Kind) -> &'static str {
        if kind == Kind::Grids { ".geojson, .json, .csv or .xlsx" } else { ".csv or .xlsx" }
    }
}

/// The name a file is called by in messages and audit events: its last component.
pub(crate) fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// A progress bar on stderr (indicatif draws nothing when stderr is not a terminal),
/// or a hidden one.
pub(crate) fn progress_bar(show: bool, len: u64, message: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_message(message);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {human_pos}/{human_len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar
}

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `pingan import`: print every bad row to stderr and fail with a summary, or
/// print what was imported.
pub async fn run_import(config: Option<&Path>, kind: Kind, file: &Path) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 2).await?;
    let result = import_file(&store, kind, file, true).await;
    store.close().await;
    match result {
        Ok(imported) => {
            println!("{imported}");
            Ok(())
        }
        Err(e) => {
            for line in e.row_lines() {
                eprintln!("{line}");
            }
            Err(e.into())
        }
    }
}

/// `pingan export`: the whole city, as the system (an administrator's tool on the server).
pub async fn run_export(config: Option<&Path>, kind: Kind, file: &Path) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 2).await?;
    let city = store.city_path().await?;
    let Some(city) = city else {
        store.close().await;
        anyhow::bail!("the database holds no city yet: nothing to export");
    };
    let scope = Scope { region: city, org_id: None };
    let result = export_file(&store, kind, file, &scope).await;
    store.close().await;
    let rows = result?;
    let masked = if matches!(kind, Kind::Orgs | Kind::Accounts) { " (mobile numbers masked)" } else { "" };
    println!("exported {} {kind} to {}{masked}", thousands(rows), file.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_extension_and_kind() {
        assert_eq!(Format::of(Path::new("a/orgs.XLSX"), Kind::Orgs), Some(Format::Xlsx));
        assert_eq!(Format::of(Path::new("g.geojson"), Kind::Grids), Some(Format::GeoJson));
        assert_eq!(Format::of(Path::new("g.geojson"), Kind::Orgs), None);
        assert_eq!(Format::of(Path::new("orgs.xls"), Kind::Orgs), None);
        assert_eq!(Format::of(Path::new("orgs"), Kind::Orgs), None);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
