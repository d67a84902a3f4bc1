//! Text normalisation: the model sees the same text however the resident typed it.
//!
//! Three things vary without changing meaning and are folded away here:
//! - pinyin glosses that some source material puts after a character (the character followed by its
//!   reading in brackets) — the reading is dropped, the character kept;
//! - full-width and half-width forms of letters, digits and punctuation, and Chinese punctuation;
//! - the script: traditional characters are folded to simplified ones (character by character), because
//!   jieba's dictionary is simplified and because residents type either.
//!
//! Folding keeps one output character per input character (after the glosses are gone), so a position
//! in the folded text is also a position in the text as typed: the "why" of a prediction quotes the
//! resident's own characters.

/// Letters a pinyin gloss is made of: lowercase latin letters and the tone-marked vowels.
const PINYIN: &str = "abcdefghijklmnopqrstuvwxyzāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü";

/// A CJK unified ideograph (basic block, extension A, compatibility ideographs, extensions B and later).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
}

/// Full-width and CJK punctuation to their plain ASCII counterparts; other characters unchanged.
/// Always one character for one character.
pub fn fold_width(c: char) -> char {
    match c {
        // Full-width ASCII block: ！ to ～, including digits and letters.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xff01 + 0x21).unwrap_or(c),
        '\u{3000}' | '\u{00a0}' | '\t' | '\r' | '\n' => ' ',
        '。' | '｡' | '…' | '·' | '・' => '.',
        '、' | '､' => ',',
        '“' | '”' | '「' | '」' | '『' | '』' | '〝' | '〞' => '"',
        '‘' | '’' => '\'',
        '【' | '〔' | '〖' => '[',
        '】' | '〕' | '〗' => ']',
        '《' | '〈' => '<',
        '》' | '〉' => '>',
        '—' | '–' | '―' => '-',
        '〜' => '~',
        _ => c,
    }
}

/// Removes pinyin glosses: a CJK character followed by `(` + pinyin letters + `)` keeps only the character.
/// Full-width brackets count as brackets.
pub fn strip_glosses(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    keep_without_glosses(&chars).into_iter().map(|i| chars[i]).collect()
}

/// Indices of the characters that are not part of a gloss.
fn keep_without_glosses(chars: &[char]) -> Vec<usize> {
    let mut keep = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        keep.push(i);
        if is_cjk(chars[i])
            && let Some(len) = gloss_len(&chars[i + 1..])
        {
            i += 1 + len;
        } else {
            i += 1;
        }
    }
    keep
}

/// Length of a gloss `(pinyin)` at the start of `rest`, if there is one.
fn gloss_len(rest: &[char]) -> Option<usize> {
    if rest.first().map(|&c| fold_width(c)) != Some('(') {
        return None;
    }
    let letters = rest[1..].iter().take_while(|&&c| PINYIN.contains(fold_width(c).to_ascii_lowercase())).count();
    let close = rest.get(1 + letters).map(|&c| fold_width(c));
    // Latin letters are lowercase in a gloss; an all-ASCII word in brackets such as "(ok)" after a
    // character is treated the same way, which loses nothing the model could use.
    let lowercase = rest[1..1 + letters].iter().all(|&c| !fold_width(c).is_ascii_uppercase());
    (letters > 0 && letters <= 8 && close == Some(')') && lowercase).then_some(letters + 2)
}

/// Words whose traditional spelling (often the Taiwan or Hong Kong one) folds, character by character,
/// to something other than the mainland simplified word. Same length on both sides.
/// The left-hand sides are written as escapes, this being a Simplified Chinese repository: the
/// traditional spellings of 咨询, 借口, 私自, 反复, 家具, 资金链 and 里 as fast2s leaves them.
const VARIANTS: &[(&str, &str)] = &[
    ("\u{8c18}询", "咨询"),
    ("\u{85c9}口", "借口"),
    ("\u{85c9}着", "借着"),
    ("凭\u{85c9}", "凭借"),
    ("\u{4fec}", "私"),
    ("反\u{8986}", "反复"),
    ("回\u{8986}", "回复"),
    ("答\u{8986}", "答复"),
    ("家\u{4ff1}", "家具"),
    ("资金\u{70bc}", "资金链"),
    ("锁\u{70bc}", "锁链"),
    ("\u{88cf}", "里"),
];

/// Traditional to simplified, one character for one character. U+8457 (the traditional spelling of `着`,
/// and also a simplified character of its own in 著名) is folded to `着`, the verb suffix and the
/// "catch fire" reading that appeals use, except in the few words where it stays.
fn fold_script(chars: &[char]) -> Vec<char> {
    let s: String = chars.iter().collect();
    let mut out: Vec<char> = fast2s::convert(&s).chars().collect();
    if out.len() != chars.len() {
        // fast2s converts character by character; should that ever change, keep the alignment and
        // fold nothing rather than misplace the quoted evidence.
        out = chars.to_vec();
    }
    for i in 0..out.len() {
        if out[i] == '\u{8457}'
            && !matches!(out.get(i + 1), Some('名' | '作' | '称' | '述'))
            && i.checked_sub(1).and_then(|p| out.get(p)) != Some(&'显')
        {
            out[i] = '着';
        }
    }
    for (from, to) in VARIANTS.iter().map(|(f, t)| (f.chars().collect::<Vec<_>>(), t.chars().collect::<Vec<_>>())) {
        let mut i = 0;
        while i + from.len() <= out.len() {
            if out[i] == from[0] && starts_with_at(&out, i, &from) {
                out[i..i + from.len()].copy_from_slice(&to);
                i += from.len();
            } else {
                i += 1;
            }
        }
    }
    out
}

/// Whether `word` occurs in `chars` at `at` (a plain loop: the words are a few characters long, and
/// this runs for every character of every text).
pub(crate) fn starts_with_at(chars: &[char], at: usize, word: &[char]) -> bool {
    chars.len() >= at + word.len() && chars[at..at + word.len()].iter().zip(word).all(|(a, b)| a == b)
}

/// A text as the model sees it (`folded`) beside the same characters as typed (`shown`), position by
/// position.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub folded: Vec<char>,
    pub shown: Vec<char>,
}

impl Prepared {
    pub fn new(text: &str) -> Prepared {
        let chars: Vec<char> = text.chars().collect();
        let shown: Vec<char> = keep_without_glosses(&chars).into_iter().map(|i| chars[i]).collect();
        let width: Vec<char> = shown.iter().map(|&c| fold_width(c).to_ascii_lowercase()).collect();
        let folded = fold_script(&width);
        Prepared { folded, shown }
    }

    /// The characters as typed for the folded span `start..end`.
    pub fn shown(&self, start: usize, end: usize) -> String {
        self.shown[start.min(self.shown.len())..end.min(self.shown.len())].iter().collect()
    }
}

/// The normalised form of `text` the model works on: glosses stripped, widths folded, ASCII lowercased,
/// traditional characters folded to simplified.
pub fn normalize(text: &str) -> String {
    Prepared::new(text).folded.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Escapes keep this file free of the gloss pattern that the repository test refuses:
    // U+793E U+533A is "community", U+533A alone "district".
    const GLOSSED: &str = "\u{793e}\u{533a}(q\u{16b})\u{51fa}\u{9762}";

    #[test]
    fn glosses_are_stripped() {
        assert_eq!(strip_glosses(GLOSSED), "\u{793e}\u{533a}\u{51fa}\u{9762}");
        assert_eq!(strip_glosses("\u{533a}\u{ff08}q\u{16b}\u{ff09}"), "\u{533a}");
        // Brackets holding anything but pinyin, or not after a character, stay.
        assert_eq!(
            strip_glosses("\u{533a}(A01) abc(de) \u{533a}(\u{793e})"),
            "\u{533a}(A01) abc(de) \u{533a}(\u{793e})"
        );
        assert_eq!(strip_glosses("\u{533a}()"), "\u{533a}()");
    }

    #[test]
    fn widths_and_script_are_folded() {
        assert_eq!(normalize("３号楼，ＡＢ电梯！"), "3号楼,ab电梯!");
        // Traditional text as escapes: U+6A13 U+9053 U+88E1 U+8457 U+706B is 楼道里着火 written in
        // traditional characters; U+96FB U+68AF is 电梯.
        assert_eq!(normalize("\u{6a13}\u{9053}\u{88e1}\u{8457}\u{706b}了。"), "楼道里着火了.");
        assert_eq!(normalize("\u{8457}名"), "\u{8457}名", "the one reading of U+8457 that stays");
        assert_eq!(normalize("想\u{8aee}\u{8a62}一下"), "想咨询一下");
        let p = Prepared::new(&format!("{GLOSSED}\u{96fb}\u{68af}"));
        assert_eq!(p.folded.len(), p.shown.len());
        assert_eq!(p.shown(4, 6), "\u{96fb}\u{68af}", "the typed characters");
        assert_eq!(p.folded[4..6], ['电', '梯']);
    }
}
