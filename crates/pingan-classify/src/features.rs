//! Segmentation (jieba) and the features the models read.
//!
//! Four kinds of feature, each keyed by the folded (simplified) text:
//! - `w:` a word, as jieba cuts it with the domain words below kept whole (`w~` when it stands in a
//!   hypothetical or habitual clause, "万一着火", so that a hazard described differs from a danger
//!   reported);
//! - `b:` two neighbouring words (stopwords skipped, never across punctuation): "冒_烟" says more than
//!   either word;
//! - `c:` two neighbouring characters inside a run of Chinese characters, which carry a word that jieba
//!   cuts oddly or that no training text used;
//! - `k:` a default category's typical vocabulary (`data/lexicon.txt`): "k:C06" for each occurrence of
//!   a word typical of C06. This is domain knowledge that a few dozen examples per category cannot hold
//!   on their own; in 5-fold cross-validation on the training data (then 1,067 examples) it lifted top-1
//!   accuracy from 71% to 80%.
//!
//! Digits are folded to `0` so that "3号楼" and "12号楼" are the same thing.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use jieba_rs::Jieba;

use crate::text::{Prepared, is_cjk, normalize, starts_with_at};

/// Words of appeals that jieba's general dictionary would cut apart. Written in either script; folded
/// before use.
const DOMAIN_WORDS: &str = "\
    电信诈骗 网络诈骗 安全账户 刷单 返利 冒充 宅基地 承包地 预付卡 储值卡 会员卡 次卡 年卡 退卡 退费 跑路 卷款 物业费 \
    物业公司 业委会 燃气泄漏 燃气 煤气味 燃气味 液化气 煤气罐 液化气罐 占道经营 占道 流动摊贩 违建 违章建筑 私搭乱建 彩钢房 \
    电动车 飞线充电 充电桩 消防通道 灭火器 消防栓 烟感 冒烟 着火 起火 焦糊味 井盖 塌陷 坍塌 塔吊 脚手架 渣土车 电梯 困人 \
    供暖 暖气 暖气片 地暖 供热 垃圾清运 噪音 扰民 广场舞 欠薪 讨薪 包工头 农民工 拖欠工资 赡养费 抚养费 彩礼 低保 低保户 \
    临时救助 残疾证 医保 社保 社保卡 养老金 退休金 入学 学区 营业执照 代办 网格员 停车位 僵尸车 地锁 红绿灯 信号灯 斑马线 \
    减速带 路灯 下水道 污水井 化粪池 食物中毒 过期 三无产品 非法集资 集资 高息 理财产品 油烟 偷排 异味 黑烟 扬尘 触电 漏电 \
    落水 溺水 医调委 医疗事故 交警 肇事 逃逸 定损 保险公司 门禁 监控 小广告 野广告 流浪狗 狗叫 装修 电钻 健身房 培训机构 \
    美容院 理发店 网格 微信群 养老保险 失业金 稳岗 创业贷款 公益岗 救助 特困 城乡居民 户口 身份证 居住证 不动产证 准生证 \
    出生证明 点赞 锦旗 感谢信 公交站 公交线路 路面 坑洼 积水";

/// Each default category's typical vocabulary, one category a line (`data/lexicon.txt`): domain
/// knowledge the model gets as one feature per category ("k:C06" when any of C06's words occurs), so that
/// a word typical of a category counts even when no training text used it. The model learns how much
/// each list is worth; the lists only have to be broadly right, and a word may sit in several.
const LEXICON: &str = include_str!("../data/lexicon.txt");

/// Words that say nothing about a category: pronouns, particles, the commonest verbs and adverbs.
const STOPWORDS: &str = "\
    的 了 是 在 我 我们 你 你们 他 她 他们 她们 它 这 那 这个 那个 这些 那些 也 都 就 还 和 与 及 或 或者 吧 吗 \
    呢 啊 呀 哦 嗯 么 着 把 对 向 从 为 为了 能 会 要 想 很 太 又 再 一下 一个 这样 那样 什么 怎么 怎么办 如何 \
    一些 有点 有些 而且 但是 可是 所以 因为 然后 就是 还是 自己 大家 人家 咱们 咱 俺 啥 得 地 之 其 该 被 给 让 将 \
    跟 已 已经 一直 现在 麻烦 请 请问 您好 你好 谢谢您 您 呗 哈 嘛 啦 哎 唉 喂 咋 咋办 个 们 里 上 下 中 说 没 \
    不 有";

/// Bit masks of the feature kinds to build.
#[cfg(test)]
pub(crate) const ALL_KINDS: u8 = 0b1111;
pub(crate) const WORDS: u8 = 0b001;
pub(crate) const WORD_PAIRS: u8 = 0b010;
pub(crate) const CHAR_PAIRS: u8 = 0b100;
pub(crate) const LEXICON_HITS: u8 = 0b1000;

struct Segmenter {
    jieba: Jieba,
    stopwords: HashSet<String>,
    /// Lexicon words by their first character: (feature key, the word's characters).
    lexicon: HashMap<char, Vec<(String, Vec<char>)>>,
}

/// One jieba instance for the process: loading the dictionary takes a tenth of a second in release,
/// and segmentation only reads it.
static SEGMENTER: LazyLock<Segmenter> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    for word in DOMAIN_WORDS.split_whitespace() {
        let word = normalize(word);
        // A frequency high enough that jieba keeps the word whole rather than cutting it.
        jieba.add_word(&word, Some(20_000), None);
    }
    let stopwords = STOPWORDS.split_whitespace().map(normalize).collect();
    let mut lexicon: HashMap<char, Vec<(String, Vec<char>)>> = HashMap::new();
    for line in LEXICON.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let mut words = line.split_whitespace();
        let Some(code) = words.next() else { continue };
        let key = format!("k:{code}");
        for word in words {
            let chars: Vec<char> = normalize(word).chars().collect();
            if let Some(&first) = chars.first() {
                lexicon.entry(first).or_default().push((key.clone(), chars));
            }
        }
    }
    Segmenter { jieba, stopwords, lexicon }
});

/// Loads the segmenter now rather than on the first classification.
pub(crate) fn warm_up() {
    LazyLock::force(&SEGMENTER);
}

/// One feature occurrence: its key and the span of folded characters it came from.
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    pub key: String,
    pub start: usize,
    pub end: usize,
}

/// The words of a text as jieba cuts it (folded form), for inspection and tests.
pub fn segment(text: &str) -> Vec<String> {
    let prepared = Prepared::new(text);
    let folded: String = prepared.folded.iter().collect();
    SEGMENTER.jieba.cut(&folded, true).into_iter().map(|t| t.word.to_owned()).collect()
}

/// Every feature occurrence of a prepared text.
pub(crate) fn occurrences(prepared: &Prepared, kinds: u8) -> Vec<Occurrence> {
    let seg = &*SEGMENTER;
    let text: String = prepared.folded.iter().map(|&c| if c.is_ascii_digit() { '0' } else { c }).collect();
    let mut out = Vec::with_capacity(prepared.folded.len() * 3);

    // A word in a hypothetical or habitual clause ("万一着火") is a different feature (`w~`) from the
    // same word reported as happening.
    let hypothetical = crate::urgency::hypothetical(&prepared.folded);
    // Words and word pairs. `previous` is the last content word of the current clause.
    let mut previous: Option<(String, usize)> = None;
    for token in seg.jieba.cut(&text, true) {
        let word = token.word.trim();
        if word.is_empty() || !word.chars().any(|c| is_cjk(c) || c.is_ascii_alphanumeric()) {
            previous = None; // punctuation or space ends a clause
            continue;
        }
        if seg.stopwords.contains(word) || word.chars().all(|c| c == '0' || c == '.') {
            continue;
        }
        if kinds & WORDS != 0 {
            let key = if hypothetical[token.start] { format!("w~{word}") } else { format!("w:{word}") };
            out.push(Occurrence { key, start: token.start, end: token.end });
        }
        if kinds & WORD_PAIRS != 0
            && let Some((prev, prev_start)) = &previous
        {
            out.push(Occurrence { key: format!("b:{prev}_{word}"), start: *prev_start, end: token.end });
        }
        previous = Some((word.to_owned(), token.start));
    }

    // Character pairs inside runs of Chinese characters.
    let chars = &prepared.folded;
    if kinds & CHAR_PAIRS != 0 {
        for i in 1..chars.len() {
            if is_cjk(chars[i - 1]) && is_cjk(chars[i]) {
                out.push(Occurrence { key: format!("c:{}{}", chars[i - 1], chars[i]), start: i - 1, end: i + 1 });
            }
        }
    }
    if kinds & LEXICON_HITS != 0 {
        for start in 0..chars.len() {
            for (key, word) in seg.lexicon.get(&chars[start]).into_iter().flatten() {
                if starts_with_at(chars, start, word) {
                    out.push(Occurrence { key: key.clone(), start, end: start + word.len() });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_words_stay_whole() {
        let words = segment("宅基地纠纷，物业费太贵，楼道电动车飞线充电，燃气泄漏了");
        for w in ["宅基地", "物业费", "电动车", "飞线充电", "燃气泄漏"] {
            assert!(words.iter().any(|x| x == w), "{w} in {words:?}");
        }
    }

    #[test]
    fn features_have_spans_in_the_typed_text() {
        // Traditional characters as escapes: U+6A13 楼, U+7159 烟, U+865F 号.
        let p = Prepared::new("\u{6a13}道里冒\u{7159}了！３\u{865f}\u{6a13}");
        let occ = occurrences(&p, ALL_KINDS);
        let smoke = occ.iter().find(|o| o.key == "w:冒烟").expect("word feature");
        assert_eq!(p.shown(smoke.start, smoke.end), "冒\u{7159}");
        assert!(occ.iter().any(|o| o.key == "c:号楼"));
        assert!(!occ.iter().any(|o| o.key.contains('3')), "digits are folded");
        assert!(!occ.iter().any(|o| o.key == "w:了"), "stopwords are dropped");
    }
}
