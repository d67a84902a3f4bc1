//! Reading an administrator's rules document (JSON from the API, or the same shape built from
//! a form) field by field, so that every wrong field is named instead of the first mistake
//! ending the parse.

use serde_json::Value;

/// Field `key` of a JSON object, if present and not `null`.
pub(crate) fn get<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A text field, trimmed; `None` when absent, `null`, not a string or blank.
pub(crate) fn text<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    get(obj, key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// What an integer field holds.
pub(crate) enum Int {
    Missing,
    /// Present but not a whole number (a fraction, a word, a list …).
    NotInteger,
    Value(i64),
}

/// An integer field: a JSON integer, or a string of digits (forms send text).
pub(crate) fn int(obj: &Value, key: &str) -> Int {
    match get(obj, key) {
        None => Int::Missing,
        Some(Value::String(s)) if s.trim().is_empty() => Int::Missing,
        Some(Value::String(s)) => s.trim().parse().map_or(Int::NotInteger, Int::Value),
        Some(v) => v.as_i64().map_or(Int::NotInteger, Int::Value),
    }
}

/// "第 3 行" / "row 3" for the row at index `i`.
pub(crate) fn row_zh(i: usize) -> String {
    format!("第 {} 行", i + 1)
}

pub(crate) fn row_en(i: usize) -> String {
    format!("row {}", i + 1)
}
