//! A template as a workbook's sheets, for administrators who edit it in a spreadsheet: 说明
//! (total and pass mark), 正面清单 (one row per task under its category), 负面清单 (one row per
//! event type with its four deductions) and 一票否决. Reading names every mistake by sheet, row
//! and column; the template's own rules ([`UnitTemplate::check`]) are reported the same way.

use super::template::{Category, NegativeItem, Task, UnitTemplate, VetoItem};
use crate::FieldError;
use std::collections::HashMap;

pub const SUMMARY: &str = "说明";
pub const POSITIVE: &str = "正面清单";
pub const NEGATIVE: &str = "负面清单";
pub const VETO: &str = "一票否决";

pub const POSITIVE_HEADER: [&str; 6] = ["类别编号", "类别名称", "任务编号", "任务名称", "分值", "需佐证"];
pub const NEGATIVE_HEADER: [&str; 7] = ["编号", "事项", "一般", "较大", "重大", "特大", "数据来源"];
pub const VETO_HEADER: [&str; 3] = ["编号", "事项", "数据来源"];

/// Sheets as rows of cell texts, the header row first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheets {
    pub summary: Vec<Vec<String>>,
    pub positive: Vec<Vec<String>>,
    pub negative: Vec<Vec<String>>,
    pub veto: Vec<Vec<String>>,
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// The template as sheets.
pub fn to_sheets(t: &UnitTemplate) -> Sheets {
    let mut positive = vec![row(POSITIVE_HEADER)];
    for c in &t.positive {
        for task in &c.tasks {
            positive.push(vec![
                c.code.clone(),
                c.name.clone(),
                task.code.clone(),
                task.name.clone(),
                task.max.to_string(),
                if task.evidence_required { "是" } else { "否" }.to_owned(),
            ]);
        }
    }
    let mut negative = vec![row(NEGATIVE_HEADER)];
    for n in &t.negative {
        let mut r = vec![n.code.clone(), n.name.clone()];
        r.extend(n.deductions.iter().map(u32::to_string));
        r.push(n.sources.join("、"));
        negative.push(r);
    }
    let mut veto = vec![row(VETO_HEADER)];
    for v in &t.veto {
        veto.push(vec![v.code.clone(), v.name.clone(), v.sources.join("、")]);
    }
    Sheets {
        summary: vec![
            row(["项目", "数值"]),
            vec!["总分".into(), t.total.to_string()],
            vec!["达标分".into(), t.pass.to_string()],
        ],
        positive,
        negative,
        veto,
    }
}

fn cell(r: &[String], i: usize) -> &str {
    r.get(i).map_or("", |c| c.trim())
}

fn at(sheet: &str, line: usize, column: &str) -> String {
    format!("{sheet} 第{line}行 {column}")
}

fn number(errors: &mut Vec<FieldError>, sheet: &str, line: usize, column: &str, text: &str) -> u32 {
    // Spreadsheets hand whole numbers over as "5" or "5.0".
    let parsed = text.parse::<u32>().ok().or_else(|| {
        text.parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f <= f64::from(u32::MAX))
            .map(|f| f as u32)
    });
    parsed.unwrap_or_else(|| {
        errors.push(FieldError::new(
            at(sheet, line, column),
            format!("须为非负整数,而不是「{text}」 / a whole number, not '{text}'"),
        ));
        0
    })
}

fn sources(text: &str) -> Vec<String> {
    text.split(['、', ',', ',', ';', ';', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn header(errors: &mut Vec<FieldError>, sheet: &str, rows: &[Vec<String>], expected: &[&str]) {
    let got: Vec<&str> = rows.first().map_or_else(Vec::new, |r| r.iter().map(|c| c.trim()).collect());
    if got.len() < expected.len() || got[..expected.len()] != *expected {
        errors.push(FieldError::new(
            at(sheet, 1, "表头"),
            format!("表头须为「{}」 / the header row must be: {}", expected.join("|"), expected.join(", ")),
        ));
    }
}

fn blank(r: &[String]) -> bool {
    r.iter().all(|c| c.trim().is_empty())
}

/// Read a template from its sheets: every mistake at once, each named by sheet, row and column
/// (rows counted as the spreadsheet shows them, the header being row 1).
pub fn from_sheets(s: &Sheets) -> Result<UnitTemplate, Vec<FieldError>> {
    let mut errors = Vec::new();
    let (mut total, mut pass) = (None, None);
    for (i, r) in s.summary.iter().enumerate().skip(1) {
        match cell(r, 0) {
            "总分" => total = Some(number(&mut errors, SUMMARY, i + 1, "数值", cell(r, 1))),
            "达标分" => pass = Some(number(&mut errors, SUMMARY, i + 1, "数值", cell(r, 1))),
            _ => {}
        }
    }
    if total.is_none() || pass.is_none() {
        errors.push(FieldError::new(
            SUMMARY,
            "说明表须有「总分」和「达标分」两行 / the 说明 sheet needs 总分 and 达标分 rows",
        ));
    }

    // Where each entry came from, to name the row of a rule the whole template breaks.
    let mut lines: HashMap<String, (&str, usize)> = HashMap::new();
    header(&mut errors, POSITIVE, &s.positive, &POSITIVE_HEADER);
    let mut positive: Vec<Category> = Vec::new();
    for (i, r) in s.positive.iter().enumerate().skip(1).filter(|(_, r)| !blank(r)) {
        let line = i + 1;
        let (code, name) = (cell(r, 0), cell(r, 1));
        let ci = match positive.iter().position(|c| c.code == code) {
            Some(ci) => ci,
            None => {
                lines.insert(format!("positive[{}]", positive.len()), (POSITIVE, line));
                positive.push(Category { code: code.to_owned(), name: name.to_owned(), tasks: Vec::new() });
                positive.len() - 1
            }
        };
        let evidence = match cell(r, 5) {
            "是" | "Y" | "y" | "yes" | "1" | "true" => true,
            "否" | "N" | "n" | "no" | "0" | "false" | "" => false,
            other => {
                errors.push(FieldError::new(
                    at(POSITIVE, line, "需佐证"),
                    format!("填「是」或「否」,而不是「{other}」 / yes or no"),
                ));
                false
            }
        };
        let max = number(&mut errors, POSITIVE, line, "分值", cell(r, 4));
        let tasks = &mut positive[ci].tasks;
        lines.insert(format!("positive[{ci}].tasks[{}]", tasks.len()), (POSITIVE, line));
        tasks.push(Task { code: cell(r, 2).to_owned(), name: cell(r, 3).to_owned(), max, evidence_required: evidence });
    }
    header(&mut errors, NEGATIVE, &s.negative, &NEGATIVE_HEADER);
    let mut negative = Vec::new();
    for (i, r) in s.negative.iter().enumerate().skip(1).filter(|(_, r)| !blank(r)) {
        let line = i + 1;
        let mut deductions = [0u32; 4];
        for (k, d) in deductions.iter_mut().enumerate() {
            *d = number(&mut errors, NEGATIVE, line, NEGATIVE_HEADER[2 + k], cell(r, 2 + k));
        }
        lines.insert(format!("negative[{}]", negative.len()), (NEGATIVE, line));
        negative.push(NegativeItem {
            code: cell(r, 0).to_owned(),
            name: cell(r, 1).to_owned(),
            deductions,
            sources: sources(cell(r, 6)),
        });
    }
    header(&mut errors, VETO, &s.veto, &VETO_HEADER);
    let mut veto = Vec::new();
    for (i, r) in s.veto.iter().enumerate().skip(1).filter(|(_, r)| !blank(r)) {
        lines.insert(format!("veto[{}]", veto.len()), (VETO, i + 1));
        veto.push(VetoItem { code: cell(r, 0).to_owned(), name: cell(r, 1).to_owned(), sources: sources(cell(r, 2)) });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let t = UnitTemplate { total: total.unwrap_or(0), pass: pass.unwrap_or(0), positive, negative, veto };
    t.check().map_err(|errors| errors.into_iter().map(|e| located(e, &lines)).collect::<Vec<_>>())?;
    Ok(t)
}

/// Turn `positive[2].tasks[0].max` into `正面清单 第9行 max`, or a sheet-wide field into its sheet.
fn located(e: FieldError, lines: &HashMap<String, (&str, usize)>) -> FieldError {
    let column = |rest: &str| match rest.trim_start_matches('.') {
        "code" => "编号",
        "name" => "名称",
        "max" => "分值",
        "deductions" => "扣分",
        r if r.starts_with("sources") => "数据来源",
        _ => "",
    };
    // The longest entry path the field starts with names its row.
    let best = lines.iter().filter(|(path, _)| e.field.starts_with(path.as_str())).max_by_key(|(path, _)| path.len());
    let field = match (best, e.field.as_str()) {
        (Some((path, (sheet, line))), _) => at(sheet, *line, column(&e.field[path.len()..])),
        (None, "positive") => POSITIVE.to_owned(),
        (None, "negative") => NEGATIVE.to_owned(),
        (None, "veto") => VETO.to_owned(),
        (None, "total" | "pass") => SUMMARY.to_owned(),
        (None, other) => other.to_owned(),
    };
    FieldError::new(field, e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_goes_to_sheets_and_back() {
        let t = UnitTemplate::safe_unit_default();
        let s = to_sheets(&t);
        assert_eq!(s.positive.len(), 22, "a header and 21 tasks");
        assert_eq!(s.negative.len(), 37);
        assert_eq!(s.veto.len(), 5);
        assert_eq!(from_sheets(&s), Ok(t));
    }

    #[test]
    fn mistakes_are_named_by_sheet_row_and_column() {
        let mut s = to_sheets(&UnitTemplate::safe_unit_default());
        s.positive[3][4] = "五".into(); // row 4: not a number
        s.negative[2][3] = "-1".into();
        s.positive[5][5] = "也许".into();
        let fields: Vec<String> = from_sheets(&s).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["正面清单 第4行 分值", "正面清单 第6行 需佐证", "负面清单 第3行 较大"]);

        // The template's own rules, located: a duplicate code on row 3, a sum that is off.
        let mut s = to_sheets(&UnitTemplate::safe_unit_default());
        s.positive[2][2] = "P1.1".into();
        s.positive[9][4] = "7".into();
        let errors = from_sheets(&s).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["正面清单 第3行 编号", "正面清单"]);
        assert!(errors[1].message.contains("101"), "{}", errors[1].message);

        let mut s = to_sheets(&UnitTemplate::safe_unit_default());
        s.veto[1][2] = "incident.flood".into();
        s.negative[0] = row(["编号", "事项"]);
        let fields: Vec<String> = from_sheets(&s).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["负面清单 第1行 表头"]);
        s.negative = to_sheets(&UnitTemplate::safe_unit_default()).negative;
        let fields: Vec<String> = from_sheets(&s).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["一票否决 第2行 数据来源"]);
    }
}
