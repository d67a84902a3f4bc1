//! Reading import files: spreadsheets (CSV, XLSX) into records keyed by column
//! name, GeoJSON features into grid inputs. Nothing here judges the values; that
//! is `check`'s job.

use super::error::{ImportError, Position, RowError};
use super::{Column, Format, Kind};
use calamine::{Reader, Xlsx, XlsxError};
use pingan_web::api::cell_text;
use serde_json::Value;
use std::path::Path;

/// A data row of a spreadsheet, its cells keyed by the (known) column names.
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub at: Position,
    values: Vec<(&'static str, String)>,
}

impl Record {
    /// The trimmed cell of `column`; empty when the column is absent or blank.
    pub fn get(&self, column: &str) -> &str {
        self.values.iter().find(|(c, _)| *c == column).map_or("", |(_, v)| v.as_str())
    }

    /// The cell of `column`, or `None` when blank.
    pub fn optional(&self, column: &str) -> Option<&str> {
        Some(self.get(column)).filter(|v| !v.is_empty())
    }

    #[cfg(test)]
    pub fn for_test(at: Position, values: &[(&'static str, &str)]) -> Record {
        Record { at, values: values.iter().map(|(c, v)| (*c, v.to_string())).collect() }
    }
}

/// What a file yielded: its items, and rows that could not even be split into fields.
#[derive(Debug)]
pub(super) struct Table<T> {
    pub items: Vec<T>,
    pub errors: Vec<RowError>,
}

/// A grid as read from any format, before checking.
#[derive(Debug, Clone)]
pub(super) struct GridInput {
    pub at: Position,
    pub code: String,
    pub name: String,
    pub households: String,
    pub population: String,
    /// The outer ring's corners, or why the shape could not be read.
    pub shape: Result<Vec<[f64; 2]>, RowError>,
    /// The field the shape came from (`polygon` or `geometry`), for messages.
    pub shape_field: &'static str,
}

/// A spreadsheet row as read: its row number and cells.
struct RawRow {
    number: usize,
    cells: Vec<String>,
}

/// Read a CSV or XLSX file of `kind` into records.
pub(super) fn read_table(path: &Path, format: Format, kind: Kind, file: &str) -> Result<Table<Record>, ImportError> {
    let rows = match format {
        Format::Csv => csv_rows(path, file)?,
        Format::Xlsx => xlsx_rows(path, file)?,
        Format::GeoJson => {
            return Err(ImportError::Unreadable { file: file.into(), reason: "not a spreadsheet".into() });
        }
    };
    records(rows, kind.columns(), file)
}

/// Read grids from GeoJSON, or from a spreadsheet with a `polygon` column.
pub(super) fn read_grids(path: &Path, format: Format, file: &str) -> Result<Table<GridInput>, ImportError> {
    match format {
        Format::GeoJson => geojson_grids(path, file),
        Format::Csv | Format::Xlsx => {
            let table = read_table(path, format, Kind::Grids, file)?;
            Ok(Table { items: table.items.iter().map(grid_from_record).collect(), errors: table.errors })
        }
    }
}

fn unreadable(file: &str, reason: impl Into<String>) -> ImportError {
    ImportError::Unreadable { file: file.to_owned(), reason: reason.into() }
}

fn csv_rows(path: &Path, file: &str) -> Result<Vec<RawRow>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| unreadable(file, e.to_string()))?;
    let mut rows = Vec::new();
    // Byte records, so that a file in another encoding (Excel's default CSV is GBK
    // in China) is named as such instead of failing with a bare UTF-8 error.
    for record in reader.byte_records() {
        let record = record.map_err(|e| unreadable(file, e.to_string()))?;
        let number = record.position().map_or(rows.len() + 1, |p| p.line() as usize);
        let cells = record.iter().map(|cell| String::from_utf8(cell.to_vec())).collect::<Result<Vec<_>, _>>().map_err(
            |_| {
                unreadable(
                    file,
                    format!("row {number} is not UTF-8 text; save the file as 'CSV UTF-8' / 请另存为 CSV UTF-8 编码"),
                )
            },
        )?;
        rows.push(RawRow { number, cells });
    }
    Ok(rows)
}

fn xlsx_rows(path: &Path, file: &str) -> Result<Vec<RawRow>, ImportError> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).map_err(|e: XlsxError| unreadable(file, e.to_string()))?;
    let Some(sheet) = book.worksheet_range_at(0) else {
        return Ok(Vec::new());
    };
    let sheet = sheet.map_err(|e| unreadable(file, e.to_string()))?;
    // Row numbers as Excel shows them, even when the sheet starts below row 1.
    let first = sheet.start().map_or(0, |(row, _)| row as usize);
    Ok(sheet
        .rows()
        .enumerate()
        .map(|(i, cells)| RawRow { number: first + i + 1, cells: cells.iter().map(cell_text).collect() })
        .collect())
}

/// Match the header row to `columns` and key each data row's cells by column.
fn records(rows: Vec<RawRow>, columns: &'static [Column], file: &str) -> Result<Table<Record>, ImportError> {
    let mut rows = rows.into_iter().filter(|r| r.cells.iter().any(|c| !c.trim().is_empty()));
    let header = rows.next().ok_or_else(|| ImportError::Empty { file: file.to_owned() })?;
    let mapping = map_header(&header.cells, columns)
        .map_err(|problem| ImportError::BadHeader { file: file.to_owned(), problem })?;
    let mut table = Table { items: Vec::new(), errors: Vec::new() };
    for row in rows {
        let at = Position::Row(row.number);
        let beyond = row.cells.iter().skip(mapping.len()).filter(|c| !c.trim().is_empty()).count();
        if beyond > 0 {
            table.errors.push(RowError::row(
                at,
                format!("{beyond} cell(s) right of the last column in the header / 表头之外还有 {beyond} 个单元格"),
            ));
        }
        let values = mapping
            .iter()
            .zip(row.cells)
            .filter_map(|(column, cell)| column.map(|c| (c, cell.trim().to_owned())))
            .collect();
        table.items.push(Record { at, values });
    }
    if table.items.is_empty() {
        return Err(ImportError::Empty { file: file.to_owned() });
    }
    Ok(table)
}

/// Each header cell's column (`None` for a blank header cell), or what is wrong
/// with the header. Names are matched without regard to case or surrounding space.
fn map_header(cells: &[String], columns: &'static [Column]) -> Result<Vec<Option<&'static str>>, String> {
    let mut mapping = Vec::with_capacity(cells.len());
    let mut problems = Vec::new();
    for cell in cells {
        let name = cell.trim_start_matches('\u{feff}').trim().to_lowercase();
        let column = columns.iter().find(|c| c.name == name).map(|c| c.name);
        match column {
            _ if name.is_empty() => mapping.push(None),
            Some(c) if mapping.contains(&Some(c)) => {
                problems.push(format!("column '{c}' appears twice"));
                mapping.push(None);
            }
            Some(c) => mapping.push(Some(c)),
            None => {
                problems.push(format!("unknown column '{name}'"));
                mapping.push(None);
            }
        }
    }
    for c in columns.iter().filter(|c| c.required && !mapping.contains(&Some(c.name))) {
        problems.push(format!("missing column '{}'", c.name));
    }
    if problems.is_empty() {
        return Ok(mapping);
    }
    let names = |required: bool| {
        columns.iter().filter(|c| c.required == required).map(|c| c.name).collect::<Vec<_>>().join(", ")
    };
    Err(format!(
        "{} / 表头有误. The first row must name the columns {} (optional: {})",
        problems.join("; "),
        names(true),
        names(false)
    ))
}

fn grid_from_record(r: &Record) -> GridInput {
    let shape = match r.get("polygon") {
        "" => Err(RowError::field(r.at, "polygon", "请?zhí)顚戆吔?/ the polygon is required")),
        text => serde_json::from_str::<Vec<[f64; 2]>>(text).map_err(|e| {
            RowError::field(
                r.at,
                "polygon",
                format!("边界须为 [经度, 纬度] 的 JSON 列表 / not a JSON list of [lon, lat] pairs: {e}"),
            )
        }),
    };
    GridInput {
        at: r.at,
        code: r.get("code").to_owned(),
        name: r.get("name").to_owned(),
        households: r.get("households").to_owned(),
        population: r.get("population").to_owned(),
        shape,
        shape_field: "polygon",
    }
}

fn geojson_grids(path: &Path, file: &str) -> Result<Table<GridInput>, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(file, e.to_string()))?;
    let doc: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| unreadable(file, format!("not valid JSON: {e}")))?;
    let features = match (doc.get("type").and_then(Value::as_str), doc.get("features").and_then(Value::as_array)) {
        (Some("FeatureCollection"), Some(features)) => features,
        _ => return Err(unreadable(file, "not a GeoJSON FeatureCollection / 不是 GeoJSON FeatureCollection")),
    };
    if features.is_empty() {
        return Err(ImportError::Empty { file: file.to_owned() });
    }
    let items = features.iter().enumerate().map(|(i, f)| grid_from_feature(Position::Feature(i + 1), f)).collect();
    Ok(Table { items, errors: Vec::new() })
}

fn grid_from_feature(at: Position, feature: &Value) -> GridInput {
    let property =
        |key: &str| feature.get("properties").and_then(|p| p.get(key)).map_or_else(String::new, property_text);
    GridInput {
        at,
        code: property("code"),
        name: property("name"),
        households: property("households"),
        population: property("population"),
        shape: outer_ring(feature.get("geometry")).map_err(|m| RowError::field(at, "geometry", m)),
        shape_field: "geometry",
    }
}

/// A property as text: codes and counts may come as JSON numbers.
fn property_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The outer ring of a Polygon (or of a MultiPolygon holding exactly one polygon,
/// which is how many GIS tools write a single polygon).
fn outer_ring(geometry: Option<&Value>) -> Result<Vec<[f64; 2]>, String> {
    let geometry = geometry.filter(|g| !g.is_null()).ok_or("缺少几何图形 / the feature has no geometry")?;
    let coordinates = geometry.get("coordinates").and_then(Value::as_array);
    let rings = match geometry.get("type").and_then(Value::as_str) {
        Some("Polygon") => coordinates,
        Some("MultiPolygon") => match coordinates.map(Vec::as_slice) {
            Some([one]) => one.as_array(),
            _ => return Err("MultiPolygon 只能包含一个多边形 / a MultiPolygon must hold exactly one polygon".into()),
        },
        other => {
            return Err(format!(
                "网格须为 Polygon / a grid needs a Polygon geometry, not {}",
                other.map_or_else(|| "one without a type".to_owned(), |t| format!("a {t}"))
            ));
        }
    };
    match rings.map(Vec::as_slice) {
        Some([outer]) => positions(outer),
        Some([_, _, ..]) => Err("不支持带洞的多边形 / polygons with holes are not supported".into()),
        _ => Err("Polygon 缺少坐标 / the Polygon has no coordinates".into()),
    }
}

fn positions(ring: &Value) -> Result<Vec<[f64; 2]>, String> {
    let bad = || "坐标须为 [经度, 纬度] / each position must be [lon, lat]".to_owned();
    ring.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|p| match p.as_array().map(Vec::as_slice) {
            // A third number (altitude) is allowed by GeoJSON and ignored.
            Some([lon, lat, ..]) => lon.as_f64().zip(lat.as_f64()).map(|(lon, lat)| [lon, lat]).ok_or_else(bad),
            _ => Err(bad()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::Data;

    fn raw(number: usize, cells: &[&str]) -> RawRow {
        RawRow { number, cells: cells.iter().map(|c| c.to_string()).collect() }
    }

    #[test]
    fn header_is_matched_by_name_in_any_order() {
        let rows = vec![
            raw(1, &["\u{feff}Name", " code ", "parent_code", "level"]),
            raw(2, &["德城区", "371402", "371400", "county"]),
            raw(3, &["", "", "", ""]),
            raw(4, &["x", "1", "2", "county", "extra"]),
        ];
        let table = records(rows, Kind::Regions.columns(), "r.csv").unwrap();
        assert_eq!(table.items.len(), 2);
        assert_eq!(table.items[0].get("code"), "371402");
        assert_eq!(table.items[0].get("households"), "");
        assert_eq!(table.items[1].at, Position::Row(4));
        assert_eq!(table.errors.len(), 1);
        assert_eq!(table.errors[0].at, Position::Row(4));
    }

    #[test]
    fn header_problems_are_all_named() {
        let problem =
            map_header(&["level".into(), "code".into(), "code".into(), "parnet".into()], Kind::Regions.columns())
                .unwrap_err();
        for part in [
            "column 'code' appears twice",
            "unknown column 'parnet'",
            "missing column 'name'",
            "missing column 'parent_code'",
        ] {
            assert!(problem.contains(part), "{part} not in {problem}");
        }
    }

    #[test]
    fn geojson_polygons_and_their_problems() {
        let polygon = serde_json::json!({"type": "Polygon", "coordinates": [[[116.0, 37.0, 5.0], [116.1, 37.0], [116.1, 37.1], [116.0, 37.0]]]});
        assert_eq!(outer_ring(Some(&polygon)).unwrap()[0], [116.0, 37.0]);
        let multi =
            serde_json::json!({"type": "MultiPolygon", "coordinates": [[[[1.0, 2.0], [2.0, 2.0], [2.0, 3.0]]]]});
        assert_eq!(outer_ring(Some(&multi)).unwrap().len(), 3);
        let holed = serde_json::json!({"type": "Polygon", "coordinates": [[[1.0, 2.0]], [[1.0, 2.0]]]});
        assert!(outer_ring(Some(&holed)).unwrap_err().contains("holes"));
        let point = serde_json::json!({"type": "Point", "coordinates": [1.0, 2.0]});
        assert!(outer_ring(Some(&point)).unwrap_err().contains("not a Point"));
        assert!(outer_ring(None).is_err());
        assert_eq!(property_text(&serde_json::json!(371402001003001_i64)), "371402001003001");
        assert_eq!(property_text(&serde_json::json!(120.0)), "120");
    }

    #[test]
    fn whole_numbers_from_excel_lose_their_fraction() {
        assert_eq!(cell_text(&Data::Float(371402001003001.0)), "371402001003001");
        assert_eq!(cell_text(&Data::Float(116.25)), "116.25");
        assert_eq!(cell_text(&Data::Empty), "");
    }
}
