//! Examples and the CSV files that hold them (`text,category[,urgency]`).

use std::path::Path;

use pingan_domain::appeal::{CategoryCode, Urgency};
use serde::{Deserialize, Serialize};

use crate::text::normalize;

/// Reads an urgency label in either script (紧急, or its traditional form as in the labelled sample) or
/// in English.
pub fn parse_urgency(s: &str) -> Option<Urgency> {
    Urgency::parse(&normalize(s))
}

/// One labelled text: a training example, an evaluation case, or a dispatcher's correction.
///
/// `urgency` is optional because the evaluation format's urgency column is, and because a
/// correction may fix the category only; examples without it still teach the category model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    pub category: String,
    pub urgency: Option<Urgency>,
}

impl Example {
    pub fn new(text: impl Into<String>, category: impl Into<String>, urgency: Option<Urgency>) -> Example {
        Example { text: text.into(), category: category.into(), urgency }
    }
}

/// One problem with a CSV file, naming the file, and the row and field where that applies.
#[derive(Debug, thiserror::Error)]
pub enum CsvProblem {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{file}: row {row}, field '{field}': {message}")]
    Row { file: String, row: u64, field: &'static str, message: String },
}

/// Reads `text,category[,urgency]` from a CSV file (UTF-8, with or without BOM; columns by header name,
/// in any order; other columns ignored). Every problem is reported, not only the first.
pub fn read_csv(path: impl AsRef<Path>) -> Result<Vec<Example>, CsvError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| CsvError {
        problems: vec![CsvProblem::File { file: file.clone(), message: format!("无法读取 / cannot read: {e}") }],
    })?;
    parse_csv(&file, &bytes)
}

/// Why a CSV file cannot be used: every problem found in it, one per line when displayed.
#[derive(Debug, thiserror::Error)]
#[error("{}", .problems.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
pub struct CsvError {
    pub problems: Vec<CsvProblem>,
}

/// Parses CSV bytes; `file` names them in errors.
pub fn parse_csv(file: &str, bytes: &[u8]) -> Result<Vec<Example>, CsvError> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let file_error = |message: String| CsvError { problems: vec![CsvProblem::File { file: file.to_owned(), message }] };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let header = reader.headers().map_err(|e| file_error(format!("表头无法读取 / unreadable header: {e}")))?.clone();
    let column = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let (Some(text_at), Some(category_at)) = (column("text"), column("category")) else {
        let found = header.iter().collect::<Vec<_>>().join(",");
        return Err(file_error(format!(
            "表头须含 text 与 category 列 / the header must name the columns text and category \
             (optional: urgency), found: {found}"
        )));
    };
    let urgency_at = column("urgency");

    let mut examples = Vec::new();
    let mut errors = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line());
                errors.push(CsvProblem::Row {
                    file: file.to_owned(),
                    row,
                    field: "text",
                    message: format!("无法读取 / unreadable: {e}"),
                });
                continue;
            }
        };
        let row = record.position().map_or(0, |p| p.line());
        let cell = |at: usize| record.get(at).unwrap_or("").trim();
        let mut bad = |field: &'static str, message: String| {
            errors.push(CsvProblem::Row { file: file.to_owned(), row, field, message });
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // blank line
        }
        let text = cell(text_at);
        if text.is_empty() {
            bad("text", "内容为空 / the text is empty".to_owned());
        }
        // The domain's code rules (a letter and two digits; a lower-case letter is read as upper case).
        let category = match CategoryCode::parse(cell(category_at)) {
            Ok(code) => code.to_string(),
            Err(e) => {
                bad("category", e.to_string());
                String::new()
            }
        };
        let urgency = match urgency_at.map(cell).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) => {
                let parsed = parse_urgency(u);
                if parsed.is_none() {
                    bad("urgency", format!("紧急程度须为「紧急」或「一般」/ urgency must be 紧急 or 一般, not '{u}'"));
                }
                parsed
            }
        };
        examples.push(Example::new(text, category, urgency));
    }
    if errors.is_empty() { Ok(examples) } else { Err(CsvError { problems: errors }) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_by_name_with_bom() {
        let csv = "\u{feff}category,text,urgency\nC01,楼道冒烟,紧急\na01,邻居吵架,\n\nB03,\"噪音,很吵\",一般\n";
        let ex = parse_csv("t.csv", csv.as_bytes()).unwrap();
        assert_eq!(ex.len(), 3);
        assert_eq!(ex[0], Example::new("楼道冒烟", "C01", Some(Urgency::Urgent)));
        assert_eq!(ex[1], Example::new("邻居吵架", "A01", None));
        assert_eq!(ex[2].text, "噪音,很吵");
    }

    #[test]
    fn urgency_in_either_script() {
        // U+7DCA is the traditional form of the first character of 紧急, as the labelled sample writes it.
        assert_eq!(parse_urgency("\u{7dca}\u{6025}"), Some(Urgency::Urgent));
        assert_eq!(parse_urgency(" 紧急 "), Some(Urgency::Urgent));
        assert_eq!(parse_urgency("normal"), Some(Urgency::Normal));
        assert_eq!(parse_urgency("快"), None);
    }

    #[test]
    fn errors_name_file_row_and_field() {
        let csv = "text,category,urgency\n好,A01,一般\n,A1,快\n";
        let err = parse_csv("x.csv", csv.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("x.csv: row 3, field 'text'"), "{err}");
        assert!(err.contains("x.csv: row 3, field 'category'"), "{err}");
        assert!(err.contains("x.csv: row 3, field 'urgency'"), "{err}");
        let err = parse_csv("y.csv", b"words,label\n").unwrap_err().to_string();
        assert!(err.starts_with("y.csv: "), "{err}");
    }
}
