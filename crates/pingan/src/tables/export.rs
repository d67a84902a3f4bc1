//! Exports: a kind's rows within a scope to `.xlsx`, `.csv` or (grids) `.geojson`,
//! in the columns imports read. Masking happens in the store (`pingan_store::export`).

use super::{Format, Kind};
use anyhow::Context;
use pingan_domain::Scope;
use pingan_store::Store;
use pingan_store::export::GridExport;
use rust_xlsxwriter::{Workbook, XlsxError};
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Narrowest and widest spreadsheet columns, in characters.
const MIN_WIDTH: usize = 8;
const MAX_WIDTH: usize = 60;

/// Write `kind`'s rows in `scope` to `path` (format by extension); returns the row count.
pub async fn export_file(store: &Store, kind: Kind, path: &Path, scope: &Scope) -> anyhow::Result<usize> {
    let file = path.display().to_string();
    let format = Format::of(path, kind).with_context(|| {
        format!("{file}: cannot export {kind} to a file of this type; use {}", Format::expected(kind))
    })?;
    let output = match (kind, format) {
        (Kind::Grids, Format::GeoJson) => Output::GeoJson(geojson(&store.export_grids(scope).await?)),
        _ => Output::Sheet(sheet(store, kind, scope).await?),
    };
    let rows = output.rows();
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || output.write(&path, format))
        .await
        .context("the export was interrupted")?
        .with_context(|| format!("cannot write {file}"))?;
    Ok(rows)
}

/// A cell of a spreadsheet; numbers stay numbers in XLSX.
enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Empty,
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => x.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }
}

impl From<Option<f64>> for Cell {
    fn from(x: Option<f64>) -> Cell {
        x.map_or(Cell::Empty, Cell::Float)
    }
}

impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Int)
    }
}

/// A table with a header row.
struct Sheet {
    name: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

enum Output {
    Sheet(Sheet),
    GeoJson(Value),
}

impl Output {
    fn rows(&self) -> usize {
        match self {
            Output::Sheet(s) => s.rows.len(),
            Output::GeoJson(v) => v["features"].as_array().map_or(0, Vec::len),
        }
    }

    fn write(&self, path: &Path, format: Format) -> anyhow::Result<()> {
        match (self, format) {
            (Output::Sheet(sheet), Format::Xlsx) => write_xlsx(path, sheet)?,
            (Output::Sheet(sheet), _) => write_csv(path, sheet)?,
            (Output::GeoJson(doc), _) => {
                let mut out = BufWriter::new(File::create(path)?);
                serde_json::to_writer(&mut out, doc)?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// The rows of `kind` in the order of [`Kind::columns`], without `password`:
/// only hashes exist, and they never leave the database.
async fn sheet(store: &Store, kind: Kind, scope: &Scope) -> anyhow::Result<Sheet> {
    let rows: Vec<Vec<Cell>> = match kind {
        Kind::Regions => store
            .export_regions(scope)
            .await?
            .into_iter()
            .map(|r| {
                vec![
                    r.level.into(),
                    r.code.into(),
                    r.name.into(),
                    r.parent_code.into(),
                    Cell::Int(r.households),
                    Cell::Int(r.population),
                ]
            })
            .collect(),
        Kind::Grids => store
            .export_grids(scope)
            .await?
            .into_iter()
            .map(|g| {
                let polygon = g.ring.to_json();
                vec![g.code.into(), g.name.into(), Cell::Int(g.households), Cell::Int(g.population), polygon.into()]
            })
            .collect(),
        Kind::Orgs => store
            .export_orgs(scope)
            .await?
            .into_iter()
            .map(|o| {
                vec![
                    o.kind.into(),
                    o.name.into(),
                    o.region_code.into(),
                    o.dept.into(),
                    o.industry.into(),
                    o.address.into(),
                    o.phone.into(),
                    o.lon.into(),
                    o.lat.into(),
                    o.opening_hours.into(),
                ]
            })
            .collect(),
        Kind::Accounts => store
            .export_accounts(scope)
            .await?
            .into_iter()
            .map(|a| {
                vec![
                    a.username.into(),
                    a.display_name.into(),
                    a.role.into(),
                    a.region_code.into(),
                    a.org_id.into(),
                    a.phone.into(),
                ]
            })
            .collect(),
    };
    let columns = kind.columns().iter().map(|c| c.name).filter(|c| *c != "password").collect();
    Ok(Sheet { name: kind.as_str(), columns, rows })
}

fn geojson(grids: &[GridExport]) -> Value {
    let features: Vec<Value> = grids
        .iter()
        .map(|g| {
            json!({
                "type": "Feature",
                "properties": {"code": g.code, "name": g.name, "households": g.households, "population": g.population},
                "geometry": {"type": "Polygon", "coordinates": [g.ring.points()]},
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

fn write_csv(path: &Path, sheet: &Sheet) -> anyhow::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    // Without a byte-order mark Excel reads CSV in the local code page (GBK in
    // China) and the Chinese comes out garbled.
    out.write_all("\u{feff}".as_bytes())?;
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(&sheet.columns)?;
    for row in &sheet.rows {
        csv.write_record(row.iter().map(Cell::text))?;
    }
    csv.flush()?;
    Ok(())
}

fn write_xlsx(path: &Path, sheet: &Sheet) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet.name)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, name) in sheet.columns.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                // Codes are text: as numbers Excel would show 15 digits as 3.71402E+14.
                Cell::Text(s) => ws.write_string(r, c, s)?,
                Cell::Int(n) => ws.write_number(r, c, *n as f64)?,
                Cell::Float(x) => ws.write_number(r, c, *x)?,
                Cell::Empty => ws,
            };
        }
    }
    for (c, width) in column_widths(sheet).into_iter().enumerate() {
        ws.set_column_width(c as u16, width as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    book.save(path)
}

/// Each column as wide as its widest cell, within [`MIN_WIDTH`]..=[`MAX_WIDTH`].
fn column_widths(sheet: &Sheet) -> Vec<usize> {
    sheet
        .columns
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let widest = sheet.rows.iter().filter_map(|row| row.get(c)).map(|cell| display_width(&cell.text())).max();
            (widest.unwrap_or(0).max(display_width(name)) + 2).clamp(MIN_WIDTH, MAX_WIDTH)
        })
        .collect()
}

/// Width in Excel's character units: CJK and full-width characters take two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_counts_double_in_column_widths() {
        assert_eq!(display_width("德州市"), 6);
        assert_eq!(display_width("371400"), 6);
        let sheet = Sheet {
            name: "regions",
            columns: vec!["name", "polygon"],
            rows: vec![vec!["德州市德城区新湖街道".to_owned().into(), "x".repeat(500).into()]],
        };
        assert_eq!(column_widths(&sheet), [22, MAX_WIDTH]);
    }
}
