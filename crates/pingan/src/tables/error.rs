//! What can go wrong with an import, phrased for the person who made the file.

use pingan_domain::FieldError;
use pingan_store::StoreError;
use std::collections::BTreeSet;
use std::fmt;

/// Where in a file a row is: spreadsheet rows count the header as row 1, as
/// Excel numbers them (for CSV: the line the row starts on); GeoJSON features
/// count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Position {
    Row(usize),
    Feature(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Row(n) => write!(f, "row {n}"),
            Position::Feature(n) => write!(f, "feature {n}"),
        }
    }
}

/// One problem with one field of one row, e.g.
/// `row 7, field 'code': code '37140' for a county must be 6 digits`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub at: Position,
    /// `None` when the problem is the row as a whole.
    pub field: Option<String>,
    pub message: String,
}

impl RowError {
    pub fn field(at: Position, field: impl Into<String>, message: impl Into<String>) -> Self {
        RowError { at, field: Some(field.into()), message: message.into() }
    }

    pub fn row(at: Position, message: impl Into<String>) -> Self {
        RowError { at, field: None, message: message.into() }
    }

    pub fn from_field_error(at: Position, e: FieldError) -> Self {
        RowError::field(at, e.field, e.message)
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}, field '{field}': {}", self.at, self.message),
            None => write!(f, "{}: {}", self.at, self.message),
        }
    }
}

/// Why an import wrote nothing. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: cannot import {kind} from a file of this type; use {expected}")]
    UnknownFormat { file: String, kind: &'static str, expected: &'static str },
    #[error("{file}: cannot read the file: {reason}")]
    Unreadable { file: String, reason: String },
    #[error("{file}: the file has no rows to import")]
    Empty { file: String },
    /// Missing, unknown or repeated columns in the header row.
    #[error("{file}: {problem}")]
    BadHeader { file: String, problem: String },
    /// The file is readable but some rows are wrong; all of them are listed.
    #[error("{file}: {} in {} {}; nothing was imported",
        plural(errors.len(), "error"), bad_row_count(errors), if bad_row_count(errors) == 1 { "row" } else { "rows" })]
    BadRows { file: String, errors: Vec<RowError> },
    #[error("{file}: {cause}")]
    Store { file: String, cause: StoreError },
}

impl ImportError {
    /// One line per bad row and field (`regions.csv: row 7, field 'code': …`);
    /// empty for errors that concern the whole file.
    pub fn row_lines(&self) -> Vec<String> {
        match self {
            ImportError::BadRows { file, errors } => errors.iter().map(|e| format!("{file}: {e}")).collect(),
            _ => Vec::new(),
        }
    }

    /// The row errors, if this is a file with bad rows.
    pub fn row_errors(&self) -> &[RowError] {
        match self {
            ImportError::BadRows { errors, .. } => errors,
            _ => &[],
        }
    }
}

fn bad_row_count(errors: &[RowError]) -> usize {
    errors.iter().map(|e| e.at).collect::<BTreeSet<_>>().len()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

/// Collects the problems of one row.
pub(super) struct Problems {
    at: Position,
    errors: Vec<RowError>,
}

impl Problems {
    pub fn new(at: Position) -> Self {
        Problems { at, errors: Vec::new() }
    }

    pub fn at(&self) -> Position {
        self.at
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(RowError::field(self.at, field, message));
    }

    /// A problem found while reading, reported with the row's others.
    pub fn push(&mut self, error: RowError) {
        self.errors.push(error);
    }

    pub fn add_field_errors(&mut self, errors: Vec<FieldError>) {
        self.errors.extend(errors.into_iter().map(|e| RowError::from_field_error(self.at, e)));
    }

    /// The row's value when nothing was wrong with it.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, Vec<RowError>> {
        match value {
            Some(v) if self.errors.is_empty() => Ok(v),
            // A missing value always comes with a reported problem; the fallback
            // keeps a row from passing silently if a checker forgets one.
            _ if self.errors.is_empty() => Err(vec![RowError::row(self.at, "the row could not be read")]),
            _ => Err(self.errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_like_the_issue_asks() {
        let e = RowError::field(Position::Row(7), "code", "code '37140' for a county must be 6 digits");
        assert_eq!(e.to_string(), "row 7, field 'code': code '37140' for a county must be 6 digits");
        let bad = ImportError::BadRows {
            file: "regions.csv".into(),
            errors: vec![e.clone(), e, RowError::row(Position::Row(9), "too many cells")],
        };
        assert_eq!(bad.to_string(), "regions.csv: 3 errors in 2 rows; nothing was imported");
        assert_eq!(bad.row_lines()[2], "regions.csv: row 9: too many cells");
    }
}
