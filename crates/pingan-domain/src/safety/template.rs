//! The 平安单位 scorecard as data, edited by administrators and checked as a whole.

use super::ProposalSource;
use crate::FieldError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// How serious a negative event is; deductions grow with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// 一般
    Ordinary,
    /// 较大
    Serious,
    /// 重大
    Major,
    /// 特大
    Extraordinary,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Ordinary, Severity::Serious, Severity::Major, Severity::Extraordinary];

    pub fn zh(self) -> &'static str {
        match self {
            Severity::Ordinary => "一般",
            Severity::Serious => "较大",
            Severity::Major => "重大",
            Severity::Extraordinary => "特大",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Ordinary => "ordinary",
            Severity::Serious => "serious",
            Severity::Major => "major",
            Severity::Extraordinary => "extraordinary",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// One task of the positive list, scored from 0 to `max`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub code: String,
    pub name: String,
    pub max: u32,
    /// The self-assessment of this task needs an evidence file.
    #[serde(default)]
    pub evidence_required: bool,
}

/// A category of the positive list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub tasks: Vec<Task>,
}

/// A kind of negative event and what it deducts at each severity (一般, 较大, 重大, 特大).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeItem {
    pub code: String,
    pub name: String,
    pub deductions: [u32; 4],
    /// The platform records that propose this item (`incident.fire`, `appeal.unresolved` …;
    /// see [`super::ProposalSource`]). A reviewer still confirms every proposal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// An event that disqualifies a unit whatever its points. Its sources propose it for
/// records of severity 重大 and above.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VetoItem {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
}

/// A whole scorecard. Only [`UnitTemplate::parse`] and [`UnitTemplate::safe_unit_default`]
/// make one, so a template in hand always passes [`UnitTemplate::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitTemplate {
    pub total: u32,
    pub pass: u32,
    pub positive: Vec<Category>,
    pub negative: Vec<NegativeItem>,
    pub veto: Vec<VetoItem>,
}

impl UnitTemplate {
    /// Parse an administrator's template document (this type's JSON shape): every mistake at
    /// once, each naming its field (`positive[2].tasks[0].max`).
    pub fn parse(doc: &serde_json::Value) -> Result<UnitTemplate, Vec<FieldError>> {
        let template: UnitTemplate = serde_json::from_value(doc.clone())
            .map_err(|e| vec![FieldError::new("template", format!("模板格式有误 / the template is malformed: {e}"))])?;
        template.check()?;
        Ok(template)
    }

    /// The task with this code.
    pub fn task(&self, code: &str) -> Option<&Task> {
        self.positive.iter().flat_map(|c| &c.tasks).find(|t| t.code == code)
    }

    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.positive.iter().flat_map(|c| &c.tasks)
    }

    /// The template's own rules: codes present and unique, names present, the tasks' points
    /// summing to the total, a pass mark within it, deductions that do not shrink as severity
    /// grows and never exceed the total, at least one veto item.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut codes = HashSet::new();
        let mut entry = |field: String, code: &str, name: &str, errors: &mut Vec<FieldError>| {
            if code.trim().is_empty() {
                errors.push(FieldError::new(format!("{field}.code"), "请填写编号 / a code is required"));
            } else if !codes.insert(code.to_owned()) {
                errors.push(FieldError::new(
                    format!("{field}.code"),
                    format!("编号 {code} 重复 / code {code} is used twice"),
                ));
            }
            if name.trim().is_empty() {
                errors.push(FieldError::new(format!("{field}.name"), "请填写名称 / a name is required"));
            }
        };
        if self.total == 0 {
            errors.push(FieldError::new("total", "总分须大于 0 / the total must be above 0"));
        }
        if self.pass == 0 || self.pass > self.total {
            errors.push(FieldError::new(
                "pass",
                format!("达标分须在 1 到总分 {} 之间 / the pass mark must be between 1 and the total", self.total),
            ));
        }
        if self.positive.is_empty() {
            errors.push(FieldError::new("positive", "正面清单不能为空 / the positive list is empty"));
        }
        let mut sum: u64 = 0;
        for (i, c) in self.positive.iter().enumerate() {
            entry(format!("positive[{i}]"), &c.code, &c.name, &mut errors);
            if c.tasks.is_empty() {
                errors
                    .push(FieldError::new(format!("positive[{i}].tasks"), "类别下没有任务 / a category without tasks"));
            }
            for (j, t) in c.tasks.iter().enumerate() {
                let field = format!("positive[{i}].tasks[{j}]");
                entry(field.clone(), &t.code, &t.name, &mut errors);
                if t.max == 0 {
                    errors.push(FieldError::new(format!("{field}.max"), "分值须大于 0 / the points must be above 0"));
                }
                sum += u64::from(t.max);
            }
        }
        if !self.positive.is_empty() && sum != u64::from(self.total) {
            errors.push(FieldError::new(
                "positive",
                format!(
                    "正面清单各项分值合计 {sum} 分,与总分 {} 分不符 / the tasks' points sum to {sum}, not the total {}",
                    self.total, self.total
                ),
            ));
        }
        for (i, n) in self.negative.iter().enumerate() {
            let field = format!("negative[{i}]");
            entry(field.clone(), &n.code, &n.name, &mut errors);
            if n.deductions.windows(2).any(|w| w[1] < w[0]) {
                errors.push(FieldError::new(
                    format!("{field}.deductions"),
                    "扣分须按一般、较大、重大、特大逐级不减 / deductions must not shrink as severity grows",
                ));
            }
            if n.deductions.iter().any(|d| *d > self.total) {
                errors
                    .push(FieldError::new(format!("{field}.deductions"), "扣分超过总分 / a deduction above the total"));
            }
        }
        if self.veto.is_empty() {
            errors.push(FieldError::new("veto", "一票否决清单不能为空 / the veto list is empty"));
        }
        for (i, v) in self.veto.iter().enumerate() {
            entry(format!("veto[{i}]"), &v.code, &v.name, &mut errors);
        }
        let sources = self.negative.iter().enumerate().map(|(i, n)| (format!("negative[{i}]"), &n.sources));
        for (field, list) in
            sources.chain(self.veto.iter().enumerate().map(|(i, v)| (format!("veto[{i}]"), &v.sources)))
        {
            for (j, source) in list.iter().enumerate() {
                if ProposalSource::parse(source).is_none() {
                    errors.push(FieldError::new(
                        format!("{field}.sources[{j}]"),
                        format!("没有这种数据来源 {source} / no such source {source}"),
                    ));
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The default 平安单位 scorecard: 7 categories and 21 tasks (100 points, pass at 80), 36
    /// negative event types, 4 veto items (DOMAIN §6; a city edits it as data).
    pub fn safe_unit_default() -> UnitTemplate {
        // (task, points, needs evidence)
        type Tasks = &'static [(&'static str, u32, bool)];
        const POSITIVE: &[(&str, Tasks)] = &[
            (
                "组织领导",
                &[
                    ("成立平安创建领导小组", 5, true),
                    ("明确主要负责人为第一责任人", 5, false),
                    ("年度创建计划和工作部署", 5, true),
                ],
            ),
            ("制度建设", &[("治安保卫制度", 5, true), ("安全生产责任制度", 5, true), ("值班和信息报送制度", 5, false)]),
            (
                "人防物防技防",
                &[("专兼职保卫力量", 8, false), ("视频监控和报警设施", 6, true), ("消防设施完好有效", 6, true)],
            ),
            (
                "隐患排查整治",
                &[("定期安全检查", 5, true), ("隐患台账和整改销号", 5, true), ("重点部位重点人员管控", 5, false)],
            ),
            (
                "矛盾纠纷化解",
                &[("内部矛盾纠纷排查", 4, false), ("调解组织和调解记录", 3, true), ("诉求及时回应", 3, false)],
            ),
            (
                "宣传教育",
                &[("平安建设宣传", 4, false), ("法治和安全培训", 3, true), ("防范电信网络诈骗宣传", 3, false)],
            ),
            ("应急处置", &[("应急预案", 5, true), ("应急演练", 5, true), ("突发事件报告和处置", 5, false)]),
        ];
        // (name, the records that propose it)
        const NEGATIVE: &[(&str, &[&str])] = &[
            ("盗窃案件", &["incident.criminal"]),
            ("诈骗案件", &["incident.criminal"]),
            ("抢劫抢夺案件", &["incident.criminal"]),
            ("故意伤害案件", &["incident.criminal"]),
            ("寻衅滋事案件", &["incident.criminal"]),
            ("赌博活动", &[]),
            ("涉毒案件", &[]),
            ("涉黄案件", &[]),
            ("火灾事故", &["incident.fire"]),
            ("生产安全事故", &["incident.accident"]),
            ("道路交通事故", &["incident.traffic"]),
            ("危险化学品泄漏", &[]),
            ("特种设备事故", &[]),
            ("建筑施工事故", &[]),
            ("燃气事故", &[]),
            ("触电事故", &[]),
            ("溺水事故", &[]),
            ("食物中毒事件", &[]),
            ("集体上访", &["incident.petition"]),
            ("越级上访", &["incident.petition"]),
            ("群体性事件苗头", &["incident.mass"]),
            ("劳资纠纷", &[]),
            ("群众诉求超期或不满意", &["appeal.unresolved"]),
            ("负面网络舆情", &["incident.opinion"]),
            ("查实消防安全隐患", &["appeal.fire_hazard"]),
            ("监控设施失效", &[]),
            ("门卫制度失管", &[]),
            ("值班脱岗", &[]),
            ("信息迟报漏报", &[]),
            ("重点人员失管", &[]),
            ("矛盾纠纷激化", &["mediation.escalated"]),
            ("内部欺凌事件", &[]),
            ("环境污染事件", &[]),
            ("传染病疫情处置不力", &[]),
            ("非法集资", &[]),
            ("员工电信网络诈骗受害", &[]),
        ];
        const VETO: &[(&str, &[&str])] = &[
            ("发生重大刑事案件或群体性事件", &["incident.criminal", "incident.mass"]),
            ("发生造成人员伤亡的重大责任事故", &["incident.fire", "incident.accident", "incident.traffic"]),
            ("发生集体或越级上访、严重舆情事件", &["incident.petition", "incident.opinion"]),
            ("瞒报、谎报上述事件", &[]),
        ];
        let positive = POSITIVE
            .iter()
            .enumerate()
            .map(|(i, (name, tasks))| Category {
                code: format!("P{}", i + 1),
                name: (*name).to_owned(),
                tasks: tasks
                    .iter()
                    .enumerate()
                    .map(|(j, (task, max, evidence))| Task {
                        code: format!("P{}.{}", i + 1, j + 1),
                        name: (*task).to_owned(),
                        max: *max,
                        evidence_required: *evidence,
                    })
                    .collect(),
            })
            .collect();
        let negative = NEGATIVE
            .iter()
            .enumerate()
            .map(|(i, (name, sources))| NegativeItem {
                code: format!("N{:02}", i + 1),
                name: (*name).to_owned(),
                deductions: [2, 5, 10, 20],
                sources: sources.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect();
        let veto = VETO
            .iter()
            .enumerate()
            .map(|(i, (name, sources))| VetoItem {
                code: format!("V{}", i + 1),
                name: (*name).to_owned(),
                sources: sources.iter().map(|s| (*s).to_owned()).collect(),
            })
            .collect();
        UnitTemplate { total: 100, pass: 80, positive, negative, veto }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_has_the_programme_shape_and_passes_its_own_rules() {
        let t = UnitTemplate::safe_unit_default();
        assert_eq!(t.positive.len(), 7);
        assert_eq!(t.tasks().count(), 21);
        assert_eq!(t.tasks().map(|t| t.max).sum::<u32>(), 100);
        assert_eq!((t.total, t.pass), (100, 80));
        assert_eq!(t.negative.len(), 36);
        assert_eq!(t.veto.len(), 4);
        assert_eq!(t.check(), Ok(()));
        // Its JSON is what an administrator edits, and parses back to itself.
        let doc = serde_json::to_value(&t).unwrap();
        assert_eq!(UnitTemplate::parse(&doc), Ok(t));
    }

    #[test]
    fn every_mistake_is_named_by_its_field() {
        let mut t = UnitTemplate::safe_unit_default();
        t.positive[2].tasks[0].max = 0; // the sum drops to 92 as well
        t.positive[1].tasks[1].code = "P1.1".into();
        t.negative[4].deductions = [5, 2, 10, 20];
        t.pass = 120;
        t.veto.clear();
        let fields: Vec<String> = t.check().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "pass",
                "positive[1].tasks[1].code",
                "positive[2].tasks[0].max",
                "positive",
                "negative[4].deductions",
                "veto"
            ]
        );
        let malformed = serde_json::json!({"total": 100, "pass": 80, "positive": "many"});
        assert_eq!(UnitTemplate::parse(&malformed).unwrap_err()[0].field, "template");
    }

    #[test]
    fn scores_that_do_not_sum_are_refused_with_the_sum() {
        let mut t = UnitTemplate::safe_unit_default();
        t.positive[0].tasks[0].max = 10;
        let errors = t.check().unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("105"), "{}", errors[0].message);
    }
}
