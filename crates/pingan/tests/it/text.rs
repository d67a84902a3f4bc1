//! Chinese text hygiene. The product is zh-CN: Simplified Chinese, plain text.
//! Source material sometimes carries pinyin glosses (a character followed by its
//! reading in brackets) and traditional characters; shown to a user both are
//! wrong, so no file of ours may contain either.

use std::path::{Path, PathBuf};

const PINYIN: &str = "abcdefghijklmnopqrstuvwxyzāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü";

fn is_cjk(c: char) -> bool {
    ('\u{3400}'..='\u{9fff}').contains(&c)
}

/// Every `汉` in `text`.
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

/// Traditional-only characters (their simplified forms differ); written as
/// escapes so this file passes its own check. Generated from OpenCC's
/// TSCharacters table for the characters this project's sources have carried.
const TRADITIONAL: &[&str] = &[
    "\u{4f86}\u{5009}\u{500b}\u{502b}\u{5049}\u{5099}\u{50c5}\u{5104}\u{5132}\u{5152}\u{5167}\u{5169}",
    "\u{51f1}\u{5225}\u{525b}\u{5283}\u{5289}\u{52d5}\u{52d9}\u{52dd}\u{52de}\u{532f}\u{5340}\u{5354}",
    "\u{53c3}\u{5433}\u{5442}\u{54e1}\u{55ac}\u{55ae}\u{5617}\u{56b4}\u{570b}\u{570d}\u{5712}\u{5713}",
    "\u{5716}\u{57f7}\u{5834}\u{5862}\u{58de}\u{593e}\u{5a1b}\u{5b6b}\u{5b78}\u{5be6}\u{5be7}\u{5be9}",
    "\u{5beb}\u{5c08}\u{5c0d}\u{5c0e}\u{5c6c}\u{5e25}\u{5e2b}\u{5e36}\u{5e7e}\u{5eab}\u{5edf}\u{5ee0}",
    "\u{5ee3}\u{5ef3}\u{5f35}\u{5f37}\u{5f8c}\u{5f91}\u{5fa9}\u{614b}\u{6176}\u{61c9}\u{61f2}\u{6207}",
    "\u{6236}\u{63da}\u{64c7}\u{64ca}\u{64da}\u{6557}\u{6578}\u{6642}\u{6689}\u{66ab}\u{66c6}\u{66f8}",
    "\u{6703}\u{6771}\u{68d7}\u{694a}\u{696d}\u{6975}\u{69cb}\u{6a02}\u{6a13}\u{6a19}\u{6a4b}\u{6a5f}",
    "\u{6aa2}\u{6b0a}\u{6b61}\u{6c23}\u{6c92}\u{6cc1}\u{6e2c}\u{6e6f}\u{6f22}\u{6f64}\u{6fa4}\u{6fd5}",
    "\u{6fe4}\u{6ff1}\u{700f}\u{70ba}\u{7121}\u{71df}\u{7372}\u{73fe}\u{74b0}\u{7576}\u{7642}\u{767c}",
    "\u{76e3}\u{76e4}\u{76e7}\u{773e}\u{78bc}\u{7a05}\u{7a2e}\u{7a31}\u{7a4e}\u{7aaf}\u{7bc0}\u{7be9}",
    "\u{7d05}\u{7d1a}\u{7d21}\u{7d44}\u{7d50}\u{7d61}\u{7d71}\u{7d72}\u{7d93}\u{7d9c}\u{7db2}\u{7de8}",
    "\u{7def}\u{7e23}\u{7e54}\u{7e61}\u{7e96}\u{7f85}\u{7fa9}\u{806f}\u{8077}\u{812b}\u{81e8}\u{81fa}",
    "\u{8207}\u{8208}\u{8277}\u{838a}\u{83ef}\u{8449}\u{8523}\u{85dd}\u{8607}\u{862d}\u{8655}\u{865f}",
    "\u{8853}\u{885b}\u{88dd}\u{89bd}\u{8a08}\u{8a13}\u{8a18}\u{8a2a}\u{8a2d}\u{8a31}\u{8a3a}\u{8a62}",
    "\u{8a66}\u{8a71}\u{8a72}\u{8a73}\u{8aa0}\u{8aa4}\u{8abc}\u{8abf}\u{8acb}\u{8b1d}\u{8b49}\u{8b80}",
    "\u{8b8a}\u{8c50}\u{8c6c}\u{8ca0}\u{8ca1}\u{8ca8}\u{8ca9}\u{8cbf}\u{8cc0}\u{8cc7}\u{8cc8}\u{8cd3}",
    "\u{8cec}\u{8cfc}\u{8d99}\u{8eca}\u{8ecd}\u{8f1d}\u{8f2f}\u{8f38}\u{8f44}\u{8fa6}\u{8fb2}\u{9019}",
    "\u{9023}\u{9031}\u{904b}\u{904e}\u{9054}\u{905e}\u{9060}\u{9078}\u{9084}\u{908a}\u{90f5}\u{9109}",
    "\u{9127}\u{912d}\u{91ab}\u{9280}\u{92b7}\u{92ea}\u{92fc}\u{9304}\u{9326}\u{932f}\u{93ae}\u{9418}",
    "\u{9435}\u{9577}\u{9580}\u{958b}\u{9593}\u{95bb}\u{95dc}\u{9673}\u{967d}\u{968a}\u{96d9}\u{96de}",
    "\u{96fb}\u{975c}\u{97d3}\u{97fb}\u{9801}\u{9805}\u{9806}\u{9808}\u{9810}\u{9818}\u{9824}\u{982d}",
    "\u{984f}\u{985e}\u{986f}\u{98a8}\u{98ef}\u{98f2}\u{9903}\u{990a}\u{9928}\u{99ac}\u{99ae}\u{99d5}",
    "\u{99db}\u{9a57}\u{9a5b}\u{9ad4}\u{9cf3}\u{9d6c}\u{9e97}\u{9ea5}\u{9ec3}\u{9ede}\u{9ee8}\u{9f4a}",
    "\u{9f8d}\u{9f90}",
];

fn traditional_in(text: &str) -> Vec<char> {
    let mut found: Vec<char> = text.chars().filter(|c| TRADITIONAL.iter().any(|chunk| chunk.contains(*c))).collect();
    found.sort();
    found.dedup();
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
fn no_pinyin_glosses_or_traditional_characters_in_our_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(files.len() > 20, "found the workspace");
    let mut problems = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let g = glosses(&text);
        if !g.is_empty() {
            problems.push(format!("{}: pinyin glosses {}", f.display(), g.join(" ")));
        }
        let t = traditional_in(&text);
        if !t.is_empty() {
            problems.push(format!("{}: traditional characters {}", f.display(), t.into_iter().collect::<String>()));
        }
    }
    assert!(problems.is_empty(), "fix these (plain Simplified Chinese):\n{}", problems.join("\n"));
}

#[test]
fn traditional_characters_are_caught() {
    // U+7DB2 is the traditional form of U+7F51 ("net").
    assert_eq!(traditional_in("\u{7db2}\u{683c}"), ['\u{7db2}']);
    assert!(traditional_in("\u{7f51}\u{683c}").is_empty());
}

#[test]
fn the_detector_detects() {
    // Escapes keep this file itself free of the pattern: U+7F51 is the first
    // character of "grid", U+6751 "village", U+793E U+533A "community".
    assert_eq!(glosses("\u{7f51}(wang)\u{683c}"), ["\u{7f51}(wang)"]);
    assert!(glosses("\u{6751}(\u{793e}\u{533a}) Pingan(2026)").is_empty());
}
