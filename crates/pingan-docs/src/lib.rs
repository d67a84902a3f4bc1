//! Printable documents as PDF: the 调解协议书 now, certificates and reports later. One renderer
//! for all of them, as DESIGN.md asks.
//!
//! Typst typesets; this crate gives it a closed world: the document's template and its data
//! as JSON are the only files, and the fonts are compiled into the binary (Noto Sans CJK SC
//! cut to GB 2312 and the characters the project uses, Latin included), so a PDF
//! renders the same on a government intranet machine that has no fonts at all. No package is
//! ever fetched.

use std::sync::LazyLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The CJK face, subset (see `fonts/OFL.txt` for its licence).
static CJK_FONT: &[u8] = include_bytes!("../fonts/NotoSansSC-Regular-subset.otf");

/// The fonts, parsed once per process.
static FONTS: LazyLock<(LazyHash<FontBook>, Vec<Font>)> = LazyLock::new(|| {
    // Its Latin and digits serve the Western text too; Typst's own fonts are not needed.
    let fonts: Vec<Font> = Font::iter(Bytes::new(CJK_FONT)).collect();
    let mut book = FontBook::new();
    for font in &fonts {
        book.push(font.info().clone());
    }
    (LazyHash::new(book), fonts)
});

static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

/// A document that could not be made. Templates ship with the binary and are tested, so this
/// means a fault, not a user's mistake.
#[derive(Debug, thiserror::Error)]
pub enum DocError {
    #[error("typesetting failed: {0}")]
    Typeset(String),
    #[error("PDF export failed: {0}")]
    Export(String),
}

fn describe(diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics.iter().map(|d| d.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// The documents this crate knows: each a Typst template reading `data.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// 人民调解协议书
    MediationAgreement,
}

impl Template {
    fn source(self) -> &'static str {
        match self {
            Template::MediationAgreement => include_str!("../templates/mediation_agreement.typ"),
        }
    }
}

struct DocWorld {
    main: Source,
    data: Bytes,
    data_id: FileId,
    today: Datetime,
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a fixed, valid path");
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.0
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.data_id {
            Ok(self.data.clone())
        } else if id == self.main.id() {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.1.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// Typeset `template` with `data` (serialised to the `data.json` the template reads) as a PDF.
/// `today` is the date the document is dated, China time.
pub fn render_pdf(
    template: Template,
    data: &impl serde::Serialize,
    today: chrono::NaiveDate,
) -> Result<Vec<u8>, DocError> {
    use chrono::Datelike;
    let json = serde_json::to_vec(data).map_err(|e| DocError::Typeset(format!("data: {e}")))?;
    let world = DocWorld {
        main: Source::new(file_id("/main.typ"), template.source().to_owned()),
        data: Bytes::new(json),
        data_id: file_id("/data.json"),
        today: Datetime::from_ymd(today.year(), today.month() as u8, today.day() as u8)
            .ok_or_else(|| DocError::Typeset(format!("date {today}")))?,
    };
    let document: PagedDocument = typst::compile(&world).output.map_err(|e| DocError::Typeset(describe(&e)))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|e| DocError::Export(describe(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Party {
        side: &'static str,
        name: &'static str,
        kind: &'static str,
        id_number: &'static str,
        phone: &'static str,
        address: &'static str,
    }

    #[test]
    fn an_agreement_renders_as_a_pdf_whose_text_is_chinese() {
        let data = serde_json::json!({
            "case_no": "调〔2026〕18号", "committee": "天衢苑社区人民调解委员会",
            "parties": [
                Party { side: "申请人", name: "张建国", kind: "自然人", id_number: "", phone: "138****8000", address: "德城区天衢苑3号楼" },
                Party { side: "被申请人", name: "李四", kind: "自然人", id_number: "110105********002X", phone: "139****9000", address: "" },
            ],
            "facts": "双方因通道堆放杂物发生争执,李四负主要责任", "terms": "李四于三日内清理通道杂物",
            "manner": "李四自行清理", "due": "2026年12月31日", "effective": "2026年11月27日",
            "form": "书面协议", "mediator": "王五", "copies": 3,
        });
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        let pdf = render_pdf(Template::MediationAgreement, &data, day).expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
        if let Ok(dir) = std::env::var("PINGAN_SCREENSHOT_DIR") {
            std::fs::write(std::path::Path::new(&dir).join("agreement.pdf"), &pdf).unwrap();
        }
        let text = pdf_extract::extract_text_from_mem(&pdf).expect("text extracts");
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for expected in [
            "人民调解协议书",
            "调〔2026〕18号",
            "张建国",
            "110105********002X",
            "139****9000",
            "李四于三日内清理通道杂物",
            "一式3份",
        ] {
            assert!(compact.contains(expected), "{expected} is not in the PDF's text: {compact}");
        }
    }

    #[test]
    fn the_cjk_font_covers_what_the_documents_print() {
        let cjk = Font::iter(Bytes::new(CJK_FONT)).next().expect("the embedded font parses");
        for c in "人民调解协议书申请人被申请人履行期限司法确认德州市陵城区乐陵市〔〕号:,。".chars()
        {
            assert!(cjk.info().coverage.contains(c as u32), "{c} is missing from the embedded font");
        }
    }
}
