//! Chinese text hygiene: no pinyin glosses (a character followed by its reading
//! in brackets) inside Chinese words. Source material sometimes carries them;
//! shown to a user they are noise, so no file of ours may contain one.

use std::path::{Path, PathBuf};

const PINYIN: &str = "abcdefghijklmnopqrstuvwxyzāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü";

fn is_cjk(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c)
}

/// Every `漢` in `text`.
fn glosses(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for i in 0..chars.len().saturating_sub(2) {
        if is_cjk(chars[i]) && chars[i + 1] == '(' {
            let inner: String = chars[i + 2..].iter().take_while(|c| PINYIN.contains(**c)).collect();
            if !inner.is_empty() && chars.get(i + 2 + inner.chars().count()) == Some(&')') {
                found.push(format!("{}({inner})", chars[i]));
            }
        }
    }
    found
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else if ["rs", "html", "css", "js", "sql", "md", "toml", "csv", "json", "geojson"]
            .iter()
            .any(|ext| name.ends_with(&format!(".{ext}")))
        {
            out.push(path);
        }
    }
}

#[test]
fn no_pinyin_glosses_in_our_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 20, "found the workspace");
    let mut problems = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let g = glosses(&text);
        if !g.is_empty() {
            problems.push(format!("{}: {}", f.display(), g.join(" ")));
        }
    }
    assert!(problems.is_empty(), "pinyin glosses:\n{}", problems.join("\n"));
}

#[test]
fn the_detector_detects() {
    // Escapes keep this file itself free of the pattern: U+7F51 is the first
    // character of "grid", U+6751 "village", U+793E U+533A "community".
    assert_eq!(glosses("\u{7f51}(wang)\u{683c}"), ["\u{7f51}(wang)"]);
    assert!(glosses("\u{6751}(\u{793e}\u{533a}) Pingan(2026)").is_empty());
}
