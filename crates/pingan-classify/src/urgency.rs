//! Urgency and emergency lines: the rule layer.
//!
//! The statistical urgency model (in `lib.rs`) learns from examples; this layer adds what must never
//! depend on how many examples we happened to write: a present danger to life or property (fire,
//! smoke, gas, a collapse, an open manhole, someone trapped, injured or in the water, a crime or a
//! fraud transfer under way) makes a case 紧急 whatever the model says, and some of these belong to
//! 110, 119, 120 or 122 at once.
//!
//! A cue is a set of anchor phrases, optionally with words that must also appear in the anchor's clause
//! or a clause next to it (`with`) or anywhere in the text (`context`), and words that rule it out in
//! the same sentence (`unless`). An anchor does not count when its clause says the danger is hypothetical, habitual or
//! past ("万一着火", "经常冒烟", "上次被困") or negates it ("没有冒烟") — such texts describe a hazard
//! (a 隐患) rather than an emergency, and the model still weighs them.
//!
//! Rules are written in simplified characters and folded like the input, so they match either script.
//! Every 一般 example of the training data is checked against them (`tests/data.rs`), so that a rule too
//! eager shows at once.

use std::collections::HashMap;
use std::sync::LazyLock;

use pingan_domain::appeal::EmergencyLine;

use crate::text::{normalize, starts_with_at};

/// Which line takes a case when several cues fire: fire and gas first (a fire spreads), then a life
/// at risk, then a road accident, then the police.
fn priority(line: EmergencyLine) -> u8 {
    match line {
        EmergencyLine::Fire119 => 0,
        EmergencyLine::Ambulance120 => 1,
        EmergencyLine::Traffic122 => 2,
        EmergencyLine::Police110 => 3,
    }
}

struct Cue {
    /// What the cue means, shown as the reason.
    name: &'static str,
    anchors: &'static str,
    with: &'static str,
    context: &'static str,
    unless: &'static str,
    line: Option<EmergencyLine>,
}

const NOW: &str = "刚 刚刚 刚才 现在 正在 还在 就在 快来 赶紧 马上 速来 快点 立刻 此刻 赶快 快派 救命 突然";

/// Stricter: words that put an act of violence or theft in progress ("闹到现在" is not one).
const NOW_STRICT: &str = "正在 还在 刚刚 刚才 快来 赶紧 马上 救命 快派 速来 立刻 赶快";

const EMPTY: &str = "";

const fn cue(name: &'static str, anchors: &'static str, line: Option<EmergencyLine>) -> Cue {
    Cue { name, anchors, with: EMPTY, context: EMPTY, unless: EMPTY, line }
}

const FIRE: Option<EmergencyLine> = Some(EmergencyLine::Fire119);
const AMBULANCE: Option<EmergencyLine> = Some(EmergencyLine::Ambulance120);
const TRAFFIC: Option<EmergencyLine> = Some(EmergencyLine::Traffic122);
const POLICE: Option<EmergencyLine> = Some(EmergencyLine::Police110);

const CUES: &[Cue] = &[
    Cue {
        unless: "烟囱 油烟 烧烤 排放 焚烧 秸秆 烧垃圾 烧纸 吸烟 抽烟 香烟 误报 报警系统",
        ..cue(
            "起火冒烟",
            "着火 起火 失火 火灾 烧起来 烧着了 着了火 冒烟 浓烟 黄烟 火苗 火光 焦糊味 烧焦味 糊味 爆炸 火势 \
             冒火花 冒火星 打火花 烟雾",
            FIRE,
        )
    },
    Cue {
        with: "煤气 燃气 天然气 液化气 瓦斯 气罐", ..cue("燃气泄漏", "泄漏 泄露 漏气 漏了 在漏 味 嘶嘶 呲呲", FIRE)
    },
    Cue {
        with: "送医 医院 昏迷 晕 呕吐 上吐下泻 多人 集体 好几个 救护车 急救 煤气",
        ..cue("中毒", "中毒 一氧化碳", AMBULANCE)
    },
    cue("中毒", "中毒", None),
    Cue {
        with: "多人 好几个 好多 十几个 几十个 集体 一家人 全家 全都 一起",
        ..cue("群体中毒", "上吐下泻 呕吐 拉肚子 腹泻", AMBULANCE)
    },
    cue(
        "人员危急",
        "昏迷 晕倒 晕过去 倒地不起 不省人事 没有呼吸 没呼吸 心脏骤停 抽搐 快不行了 叫救护车 打120 触电",
        AMBULANCE,
    ),
    Cue {
        unless: "手术 术后 拔牙 诊所 医生 止住 治疗",
        ..cue("人员危急", "大出血 流血不止 血流不止 满身是血", AMBULANCE)
    },
    Cue {
        with: NOW,
        ..cue("有人受伤", "有人受伤 受伤了 砸到人 砸伤 撞伤 摔伤 受了伤 流血 磕破 头破 摔倒了", AMBULANCE)
    },
    Cue {
        with: "人 孩子 老人", ..cue("有人坠落", "坠楼 坠落 从楼上掉下来 从上面掉下来 摔下来 掉下来了", AMBULANCE)
    },
    Cue {
        unless: "申请 危房改造 救助 补助",
        ..cue("塌陷坍塌", "塌陷 坍塌 塌了 塌方 地陷 倒塌 陷下去 要塌 快塌 塌下来 被埋", None)
    },
    cue("人员被困", "被困 困在 困住 困着 被关在", FIRE),
    Cue { with: "电梯 扶梯 门缝 井道 卷帘门", ..cue("人员被困", "夹住 卡住 卡在", FIRE) },
    Cue {
        with: "丢 没了 没有了 不见 偷 缺失 破了 碎了 塌 翻 掀 移位 敞着 露着 没盖", ..cue("井盖缺失", "井盖", None)
    },
    cue("落水", "落水 溺水 掉进河 掉进水 掉河里 掉水里 掉进湖 掉湖里 掉进坑里 掉井里 掉进井", FIRE),
    cue("电线漏电", "漏电 高压线断 高压线掉 电线杆倒 电线杆歪 带电", None),
    Cue { with: "耷拉 垂 掉 落地 断了 拖在 火花 打火", ..cue("电线漏电", "电线", None) },
    cue("大树倒伏", "树倒了 大树倒 树被刮倒 树枝断 广告牌掉 广告牌倒 招牌掉 砸下来", None),
    Cue {
        unless: "一下雨 下雨就",
        ..cue("水管爆裂", "爆管 管道爆 水管爆 管子爆 暖气管爆 往外喷 水漫 倒灌 淹了 进水了", None)
    },
    cue("正在行凶", "持刀 拿刀 砍人 捅人 动刀 抢劫 抢包 拿着刀 绑架 劫持", POLICE),
    Cue {
        with: NOW_STRICT,
        ..cue(
            "正在打斗盗窃",
            "打架 打起来 斗殴 打人 打我 打老婆 打媳妇 打孩子 家暴 撬 小偷 偷东西 在偷 砸车 闹事",
            POLICE,
        )
    },
    Cue { with: "包 钱 手机 项链 金", context: NOW, ..cue("正在打斗盗窃", "抢了", POLICE) },
    Cue {
        with: "孩子 小孩 老人 儿子 女儿 闺女 父亲 母亲 爸 妈 爷爷 奶奶 姥 老伴",
        ..cue("人员走失", "走丢 走失 失踪 还没回家 还没回来 找不到了", POLICE)
    },
    Cue {
        with: "老人 独居 一个人住 邻居",
        ..cue("独居无应答", "没人应 没人开门 没有动静 好几天没见 几天没出门", POLICE)
    },
    cue("轻生", "跳楼 轻生 自杀 跳河", POLICE),
    cue("诈骗转账", "安全账户", POLICE),
    Cue {
        with: "正在 现在 马上 准备 要我 让我 叫我 逼我 催我 正要 刚 刚刚 刚才 还在 赶紧 快",
        context: "骗 冒充 自称 公安 警察 检察院 法院 客服 洗钱 涉嫌 刷单 返利 中奖 理赔 陌生 安全账户 贷款 网友 \
                  投资平台",
        unless: "结果 后来 才知道 才发现 事后",
        ..cue("诈骗转账", "转账 转钱 汇款 打款 转过去 转了 付款 验证码 屏幕共享 共享屏幕", POLICE)
    },
    Cue {
        with: "正在 现在 刚 刚刚 刚才 还在",
        unless: "结果 后来 才知道 才发现 事后",
        ..cue("诈骗转账", "被骗 被人骗", POLICE)
    },
    Cue {
        with: "刚 刚刚 刚才 现在 正在 还在 就在 快来 赶紧 马上 救命 快派 速来",
        unless: "去世 赔 保险 定损 认定 私了",
        ..cue("交通事故", "车祸 撞车 追尾 翻车 相撞 撞了 被撞 撞倒 撞到 碰撞 侧翻", TRAFFIC)
    },
];

/// Words before an anchor, in its clause, that make the danger hypothetical or habitual.
const NOT_NOW: &str = "万一 如果 一旦 要是 假如 怕 担心 防止 预防 避免 以免 容易 可能 会不会 随时 迟早 早晚 差点 \
    险些 生怕 恐怕 经常 总是 老是 每次 每到 一到 每逢 常常 隐患 风险 小心 注意 当心 有时候 有时 偶尔 时不时 怀疑 一下雨";

/// Words anywhere in the clause that make it about a hazard rather than an event.
const HAZARD: &str = "隐患 风险 后果不堪设想 安全吗";

/// Words before an anchor, in its sentence, that put the event in the past.
const PAST: &str =
    "上次 上回 之前 以前 曾经 去年 上个月 上周 上星期 前几天 前些天 前段时间 那次 当时 年前 前年 几次 两次 多次 好几次";

/// A text of thanks retells what happened ("感谢消防员, 上次家里着火…"): the rules leave it to the model.
/// Thanks in the first clause, or words of praise anywhere, mark one.
const PRAISE_START: &str = "感谢 谢谢 表扬 致谢";
const PRAISE: &str = "表扬 点赞 锦旗 感谢信";

/// Words right before an anchor that negate it.
const NEGATION: &str = "没有 没 不 无 未 别";

/// Every word the rules use, folded, with an id; looked up by first character so that one pass over a
/// text finds all of them.
#[derive(Default)]
struct Lexicon {
    by_first: HashMap<char, Vec<(u32, Vec<char>)>>,
    ids: HashMap<String, u32>,
}

impl Lexicon {
    /// The ids of the words of a space-separated list, sorted.
    fn list(&mut self, words: &str) -> Vec<u32> {
        let mut ids: Vec<u32> = words
            .split_whitespace()
            .map(normalize)
            .filter(|w| !w.is_empty())
            .map(|w| {
                let next = self.ids.len() as u32;
                *self.ids.entry(w.clone()).or_insert_with(|| {
                    let chars: Vec<char> = w.chars().collect();
                    self.by_first.entry(chars[0]).or_default().push((next, chars));
                    next
                })
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Every occurrence of every rule word in `chars`, by start.
    fn scan(&self, chars: &[char]) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (start, c) in chars.iter().enumerate() {
            for (id, word) in self.by_first.get(c).into_iter().flatten() {
                if starts_with_at(chars, start, word) {
                    hits.push(Hit { id: *id, start, end: start + word.len() });
                }
            }
        }
        hits
    }
}

/// One occurrence of a rule word.
#[derive(Debug, Clone, Copy)]
struct Hit {
    id: u32,
    start: usize,
    end: usize,
}

/// Whether a word of `list` lies wholly within `from..to`.
fn any_in(hits: &[Hit], list: &[u32], from: usize, to: usize) -> bool {
    hits.iter().any(|h| h.start >= from && h.end <= to && list.binary_search(&h.id).is_ok())
}

/// The rule tables, folded like the input.
struct Folded {
    lexicon: Lexicon,
    cues: Vec<FoldedCue>,
    not_now: Vec<u32>,
    hazard: Vec<u32>,
    past: Vec<u32>,
    negation: Vec<u32>,
    praise_start: Vec<u32>,
    praise: Vec<u32>,
}

struct FoldedCue {
    name: &'static str,
    anchors: Vec<u32>,
    with: Vec<u32>,
    context: Vec<u32>,
    unless: Vec<u32>,
    line: Option<EmergencyLine>,
}

static RULES: LazyLock<Folded> = LazyLock::new(|| {
    let mut lexicon = Lexicon::default();
    let cues = CUES
        .iter()
        .map(|c| FoldedCue {
            name: c.name,
            anchors: lexicon.list(c.anchors),
            with: lexicon.list(c.with),
            context: lexicon.list(c.context),
            unless: lexicon.list(c.unless),
            line: c.line,
        })
        .collect();
    Folded {
        cues,
        not_now: lexicon.list(NOT_NOW),
        hazard: lexicon.list(HAZARD),
        past: lexicon.list(PAST),
        negation: lexicon.list(NEGATION),
        praise_start: lexicon.list(PRAISE_START),
        praise: lexicon.list(PRAISE),
        lexicon,
    }
});

/// What the rules found in a text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Finding {
    pub cues: Vec<(&'static str, usize, usize)>,
    pub line: Option<EmergencyLine>,
}

const SENTENCE_ENDS: &[char] = &['.', '!', '?', ';'];
const CLAUSE_ENDS: &[char] = &['.', '!', '?', ';', ',', ':', ' '];

/// Runs the rules over folded text (`chars`), returning the cues that fired with their character spans.
pub(crate) fn find(chars: &[char]) -> Finding {
    let rules = &*RULES;
    let hits = rules.lexicon.scan(chars);
    let mut finding = Finding::default();
    let all = chars.len();
    let first_clause = split(chars, 0, all, CLAUSE_ENDS).first().copied().unwrap_or((0, 0));
    if any_in(&hits, &rules.praise_start, first_clause.0, first_clause.1) || any_in(&hits, &rules.praise, 0, all) {
        return finding;
    }
    for (s_start, s_end) in split(chars, 0, all, SENTENCE_ENDS) {
        let clauses = split(chars, s_start, s_end, CLAUSE_ENDS);
        for cue in &rules.cues {
            if (!cue.context.is_empty() && !any_in(&hits, &cue.context, 0, all))
                || any_in(&hits, &cue.unless, s_start, s_end)
            {
                continue;
            }
            for h in hits.iter().filter(|h| h.start >= s_start && h.end <= s_end) {
                if cue.anchors.binary_search(&h.id).is_err() {
                    continue;
                }
                // `with` words must be in the anchor's clause or a clause next to it.
                let Some(ci) = clauses.iter().position(|&(a, b)| a <= h.start && h.start < b) else { continue };
                let window = (clauses[ci.saturating_sub(1)].0, clauses[(ci + 1).min(clauses.len() - 1)].1);
                if (cue.with.is_empty() || any_in(&hits, &cue.with, window.0, window.1))
                    && counts(&hits, rules, s_start, clauses[ci], h)
                {
                    finding.cues.push((cue.name, h.start, h.end));
                    finding.line = match (finding.line, cue.line) {
                        (Some(a), Some(b)) => Some(if priority(b) < priority(a) { b } else { a }),
                        (a, b) => a.or(b),
                    };
                }
            }
        }
    }
    finding.cues.sort_by_key(|&(_, start, _)| start);
    finding.cues.dedup();
    finding
}

/// Whether the anchor `h` (in the sentence from `s_start`, in `clause`) describes a danger now.
fn counts(hits: &[Hit], rules: &Folded, s_start: usize, clause: (usize, usize), h: &Hit) -> bool {
    !(any_in(hits, &rules.not_now, clause.0, h.start)
        || any_in(hits, &rules.hazard, clause.0, clause.1)
        || any_in(hits, &rules.past, s_start, h.start)
        // A negation right before the anchor ("没有冒烟").
        || hits.iter().any(|n| n.end == h.start && n.start >= clause.0 && rules.negation.binary_search(&n.id).is_ok()))
}

/// For each character, whether it follows, in its clause, a word that makes what follows hypothetical
/// or habitual ("万一着火了": 着火 is not happening). The features mark words in such a scope, so the
/// models can tell a hazard described from a danger reported.
pub(crate) fn hypothetical(chars: &[char]) -> Vec<bool> {
    let rules = &*RULES;
    let hits = rules.lexicon.scan(chars);
    let mut mask = vec![false; chars.len()];
    for (start, end) in split(chars, 0, chars.len(), CLAUSE_ENDS) {
        let from = hits
            .iter()
            .filter(|h| h.start >= start && h.end <= end && rules.not_now.binary_search(&h.id).is_ok())
            .map(|h| h.end)
            .min();
        if let Some(from) = from {
            mask[from..end].iter_mut().for_each(|m| *m = true);
        }
    }
    mask
}

/// Non-empty runs of `chars[from..to]` between any of `ends`, as ranges.
fn split(chars: &[char], from: usize, to: usize, ends: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = from;
    for (i, c) in chars.iter().enumerate().take(to).skip(from) {
        if ends.contains(c) {
            if i > start {
                out.push((start, i));
            }
            start = i + 1;
        }
    }
    if start < to {
        out.push((start, to));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> (Vec<&'static str>, Option<EmergencyLine>) {
        let chars: Vec<char> = normalize(text).chars().collect();
        let f = find(&chars);
        (f.cues.iter().map(|c| c.0).collect(), f.line)
    }

    #[test]
    fn present_dangers_fire() {
        assert_eq!(run("楼道里电动车冒烟了，快来人").1, Some(EmergencyLine::Fire119));
        assert_eq!(run("厨房一股很浓的煤气味").1, Some(EmergencyLine::Fire119));
        assert_eq!(run("有人打电话让我把钱转到安全账户").1, Some(EmergencyLine::Police110));
        assert_eq!(run("自称客服的人现在让我转账").1, Some(EmergencyLine::Police110));
        assert_eq!(run("刚才路口两辆车追尾了").1, Some(EmergencyLine::Traffic122));
        assert_eq!(run("老人在楼下晕倒了").1, Some(EmergencyLine::Ambulance120));
        assert_eq!(run("路口的井盖丢了").0, ["井盖缺失"]);
        assert_eq!(run("小区门口路面塌陷了").0, ["塌陷坍塌"]);
    }

    #[test]
    fn hazards_and_past_events_do_not() {
        for text in [
            "楼道堆满杂物，万一着火了人都跑不出去",
            "消防通道被堵，存在火灾隐患",
            "楼道里没有冒烟，就是有点味",
            "上周在路口被车撞了，赔偿谈不拢",
            "电梯上次被困过一次，大家都害怕",
            "化工厂烟囱冒黑烟",
            "商家让我转账办卡，现在不给退",
            "燃气费太贵了",
            "两家差点打起来",
            "特别感谢公交司机，我在车上突然晕倒，司机直接把车开到了医院",
        ] {
            assert_eq!(run(text), (vec![], None), "{text}");
        }
    }
}
