//! Reading a file of money flows (CSV or XLSX; a bank statement, a till's offline day) into
//! raw flows by row, and checking every row. Shared by the upload API and `pingan prepaid
//! import`. Headers may be English (`merchant, kind, card_no, product, amount, occurred_at,
//! reference`) or Chinese (`商户代码, 类型, 卡号, 商品编码, 金额, 发生时间, 流水号`).

use pingan_domain::FieldError;
use pingan_domain::prepaid::{Flow, RawFlow};

/// The columns, as (English, Chinese) header names.
pub const COLUMNS: [(&str, &str); 7] = [
    ("merchant", "商户代码"),
    ("kind", "类型"),
    ("card_no", "卡号"),
    ("product", "商品编码"),
    ("amount", "金额"),
    ("occurred_at", "发生时间"),
    ("reference", "流水号"),
];

/// Row-level problems: the row (as a spreadsheet numbers it, header = 1), field and reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn as_field_error(&self) -> FieldError {
        FieldError::new(format!("第 {} 行 {}", self.row, self.field), self.message.clone())
    }
}

/// The most rows one file may hold; bigger statements are split.
pub const MAX_ROWS: usize = 50_000;

/// The rows of a file, each with its 1-based row number as a spreadsheet or text editor shows
/// it (blank CSV lines are skipped by the reader but still counted).
fn rows_of(bytes: &[u8]) -> Result<Vec<(usize, Vec<String>)>, String> {
    // An XLSX file is a ZIP archive.
    if bytes.starts_with(b"PK") {
        use calamine::{Reader, Xlsx};
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes))
            .map_err(|e| format!("无法读取该 Excel 文件 / the workbook cannot be read: {e}"))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or("工作簿中没有工作表 / the workbook has no sheet")?
            .map_err(|e| format!("无法读取第一个工作表 / the first sheet cannot be read: {e}"))?;
        let first_row = range.start().map_or(0, |(row, _)| row as usize);
        return Ok(range
            .rows()
            .enumerate()
            .map(|(i, r)| (first_row + i + 1, r.iter().map(super::cell_text).collect()))
            .collect());
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| "CSV 文件须为 UTF-8 编码 / the CSV file must be UTF-8".to_owned())?;
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let read = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            format!("第 {line} 行无法解析 / row {line} cannot be read: {e}")
        })?;
        if !read {
            break;
        }
        // The reader skips blank lines and reports where it began reading, so the row number
        // is taken from where the record ended, less the line breaks inside quoted fields.
        let after = reader.position();
        let ended_with_newline = after.byte() > 0 && text.as_bytes().get(after.byte() as usize - 1) == Some(&b'\n');
        let last_line = after.line() as usize - usize::from(ended_with_newline);
        let inner_breaks: usize = record.iter().map(|f| f.matches('\n').count()).sum();
        rows.push((last_line - inner_breaks, record.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

/// Read and check a file: every row's flow, or every problem of every row.
pub fn read_flows(bytes: &[u8], now_ms: i64) -> Result<Vec<(String, Flow)>, Vec<RowError>> {
    let file_error = |message: String| vec![RowError { row: 0, field: "file".into(), message }];
    let rows = rows_of(bytes).map_err(file_error)?;
    let Some(((_, header), data)) = rows.split_first() else {
        return Err(file_error("文件是空的 / the file is empty".into()));
    };
    let mut positions = [None; COLUMNS.len()];
    for (i, cell) in header.iter().enumerate() {
        let name = cell.trim();
        if let Some(c) = COLUMNS.iter().position(|(en, zh)| name.eq_ignore_ascii_case(en) || name == *zh) {
            positions[c] = Some(i);
        }
    }
    let missing: Vec<&str> = [0, 1, 4].iter().filter(|&&c| positions[c].is_none()).map(|&c| COLUMNS[c].1).collect();
    if !missing.is_empty() {
        return Err(file_error(format!(
            "表头缺少列:{} / the header lacks columns (merchant, kind, amount)",
            missing.join("、")
        )));
    }
    if data.len() > MAX_ROWS {
        return Err(file_error(format!("一次最多导入 {MAX_ROWS} 行,请拆分文件 / at most {MAX_ROWS} rows per file")));
    }
    let mut flows = Vec::new();
    let mut errors = Vec::new();
    for &(row, ref cells) in data {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell =
            |c: usize| positions[c].and_then(|p| cells.get(p)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let raw = RawFlow {
            merchant: cell(0).unwrap_or_default(),
            kind: cell(1).unwrap_or_default(),
            card_no: cell(2),
            product: cell(3),
            amount_fen: None,
            amount: Some(cell(4).unwrap_or_default()),
            occurred_at: cell(5),
            reference: cell(6),
        };
        match raw.parse(now_ms) {
            Ok(flow) => flows.push((format!("第 {row} 行"), flow)),
            Err(es) => errors.extend(es.into_iter().map(|e| RowError { row, field: e.field, message: e.message })),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if flows.is_empty() {
        return Err(file_error("文件中没有数据行 / the file has no data rows".into()));
    }
    Ok(flows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_parse_and_bad_rows_are_named() {
        let code = pingan_domain::prepaid::CreditCode::with_check("91371402MA3D00001").unwrap();
        let good = format!(
            "\u{feff}商户代码,类型,卡号,商品编码,金额,发生时间,流水号\n{c},售卡,C1,Y1,1980,2026-11-01 10:00,S1\n\n{c},存管存入,,,800,,B1\n",
            c = code.as_str()
        );
        let flows = read_flows(good.as_bytes(), i64::MAX / 2).unwrap();
        assert_eq!(flows.len(), 2);
        assert_eq!(flows[1].0, "第 4 行");
        assert_eq!(flows[0].1.amount_fen, 198_000);
        let bad = format!("merchant,kind,amount\n{},sale,10\nX,gift,abc\n", code.as_str());
        let errors = read_flows(bad.as_bytes(), i64::MAX / 2).unwrap_err();
        let named: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(named, [(2, "card_no"), (2, "product"), (3, "merchant"), (3, "kind"), (3, "amount")]);
        let no_header = read_flows(b"a,b\n1,2\n", 0).unwrap_err();
        assert!(no_header[0].message.contains("商户代码"), "{:?}", no_header);
        assert_eq!(read_flows(b"", 0).unwrap_err()[0].field, "file");
        // CRLF line ends and a quoted field spanning two lines keep the numbering true.
        let spanning = format!(
            "merchant,kind,amount,reference\r\n{c},refund,5,\"a\r\nb\"\r\n\r\nX,sale,1,\r\n",
            c = code.as_str()
        );
        let errors = read_flows(spanning.as_bytes(), i64::MAX / 2).unwrap_err();
        assert_eq!((errors[0].row, errors[0].field.as_str()), (2, "card_no"), "{errors:?}");
        assert!(errors.iter().any(|e| e.row == 5 && e.field == "merchant"), "{errors:?}");
    }
}
