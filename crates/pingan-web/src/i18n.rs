//! Interface language: zh-CN by default, English on request.
//!
//! A static table rather than a translation framework: the interface has a few
//! hundred short strings, both languages ship in the binary, and a missing key
//! is caught by a test instead of showing up blank at run time.

use axum::http::HeaderMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

pub const LANG_COOKIE: &str = "pingan_lang";

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    /// The cookie decides; without one, Chinese (the product's first language,
    /// whatever the browser says).
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        crate::auth::cookie(headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)).unwrap_or_default()
    }

    pub fn t(self, key: &str) -> &'static str {
        match TEXT.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => match self {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => {
                debug_assert!(false, "missing translation key {key}");
                "?"
            }
        }
    }
}

/// (key, 中文, English)
pub const TEXT: &[(&str, &str, &str)] = &[
    ("app.name", "平安德州", "Pingan Dezhou"),
    ("app.tagline", "平安建设与网格化治理平台", "Safety and grid governance platform"),
    ("nav.home", "首页", "Home"),
    ("nav.regions", "区划", "Regions"),
    ("nav.map", "网格地图", "Grid map"),
    ("nav.orgs", "机构", "Organisations"),
    ("nav.audit", "审计日志", "Audit log"),
    ("nav.appeals", "诉求工作台", "Appeals"),
    ("appeals.title", "诉求工作台", "Appeals workbench"),
    ("appeals.total", "共", "Total"),
    ("appeals.new", "登记诉求", "Register an appeal"),
    ("appeals.all", "全部", "All"),
    ("appeals.mine", "只看我的", "Mine only"),
    ("appeals.category_code", "类别代码", "Category code"),
    ("appeals.search", "搜索内容、地址或查询码", "Search text, address or code"),
    ("appeals.export", "导出 Excel", "Export to Excel"),
    ("appeals.code", "查询码", "Code"),
    ("appeals.category", "类别", "Category"),
    ("appeals.state", "状态", "State"),
    ("appeals.place", "地点", "Place"),
    ("appeals.unit", "承办单位", "Unit"),
    ("appeals.excerpt", "诉求内容", "What was reported"),
    ("appeals.urgent", "紧急", "Urgent"),
    ("appeals.red", "红牌", "Red card"),
    ("appeals.yellow", "黄牌", "Yellow card"),
    ("appeals.empty", "没有符合条件的诉求", "No cases match"),
    ("appeals.bulk", "批量派单", "Bulk dispatch"),
    ("appeals.dispatch_selected", "派发所选", "Dispatch selected"),
    ("appeals.case", "诉求", "Case"),
    ("appeals.reporter", "反映人", "Reporter"),
    ("appeals.why", "派单依据", "Why this unit"),
    ("appeals.due", "时限", "Deadline"),
    ("appeals.result", "办理结果", "Result"),
    ("appeals.actions", "办理", "Actions"),
    ("appeals.uphold", "退单理由成立,改派所选单位", "Return upheld: reassign to the chosen unit"),
    ("appeals.passed", "核查通过", "Verified"),
    ("appeals.solved", "问题已解决", "Solved"),
    ("appeals.approve", "同意延期", "Approve"),
    ("appeals.satisfaction", "满意度", "Satisfaction"),
    ("appeals.days", "工作日数", "Working days"),
    ("appeals.primary", "主诉求编号", "Primary case id"),
    ("appeals.outside", "转往", "Transfer to"),
    ("appeals.urgency", "紧急程度", "Urgency"),
    ("appeals.note", "说明", "Note"),
    ("appeals.timeline", "办理过程", "Timeline"),
    ("appeals.owners", "首问责任人", "Owners of record"),
    ("appeals.channel", "受理渠道", "Channel"),
    ("appeals.text", "诉求内容", "What happened, where"),
    ("appeals.auto", "自动识别", "Detect automatically"),
    ("appeals.region_code", "区划代码(无坐标时)", "Region code (without coordinates)"),
    ("appeals.address", "详细地址", "Address"),
    ("appeals.reporter_name", "群众姓名", "Resident's name"),
    ("appeals.reporter_phone", "群众手机号", "Resident's mobile"),
    ("appeals.confidential", "为反映人保密", "Keep the reporter confidential"),
    ("appeals.submit", "提交", "Submit"),
    ("report.title", "我要报事", "Report a problem"),
    ("report.township", "所在乡镇(街道)", "Township or street"),
    ("report.show_map", "显示网格地图", "Show the grid map"),
    ("report.text", "发生了什么,在哪里", "What happened, and where"),
    (
        "report.text_hint",
        "例如:小区东门路灯坏了一周,晚上很黑",
        "e.g. the street light at the east gate has been out for a week",
    ),
    ("report.where", "地点", "Place"),
    ("report.grid", "网格(在地图上点选或从列表选择)", "Grid (tap it on the map or pick it here)"),
    (
        "report.choose_township",
        "先选择乡镇(街道)以显示网格地图,或使用当前位置",
        "Choose your township to see its grid map, or use your position",
    ),
    ("report.address_hint", "门牌、楼栋等", "Building, door number …"),
    ("report.submit", "提交", "Submit"),
    ("report.mine", "我的诉求", "My reports"),
    ("report.none", "您还没有反映过问题", "You have not reported anything yet"),
    ("report.rate", "请评价办理结果", "Please rate the result"),
    ("report.not_solved", "问题没有解决", "Not solved"),
    ("report.comment", "意见", "Comment"),
    ("report.rate_submit", "提交评价", "Submit rating"),
    ("report.add", "补充信息", "Add information"),
    ("report.add_submit", "补充", "Add"),
    (
        "report.photos",
        "现场照片(选填,最多 {n} 张,每张不超过 {mib} MiB)",
        "Photos (optional: up to {n}, at most {mib} MiB each)",
    ),
    (
        "report.add_photos",
        "补充照片(还可添加 {n} 张,每张不超过 {mib} MiB)",
        "Add photos (up to {n} more, at most {mib} MiB each)",
    ),
    ("report.photos_full", "照片已达上限,不能再添加", "This case has all the photos it may have"),
    ("report.photos_count", "已选 {n} 张,最多 {max} 张", "{n} chosen, at most {max}"),
    ("report.photos_too_many", "照片最多 {n} 张,请少选几张", "At most {n} photos: choose fewer"),
    ("report.photos_too_big", "照片「{name}」超过 {mib} MiB", "Photo '{name}' is larger than {mib} MiB"),
    ("report.photos_again", "未能提交,请重新选择照片", "Nothing was submitted: choose the photos again"),
    ("attach.title", "附件", "Attachments"),
    ("attach.add", "添加照片或材料(PDF)", "Add photos or documents (PDF)"),
    ("attach.upload", "上传", "Upload"),
    ("rates.title", "诉求评价指标", "Appeal rates"),
    ("rates.from", "开始日期", "From"),
    ("rates.to", "结束日期", "To"),
    ("rates.group", "统计对象", "Group by"),
    ("rates.cases", "诉求数", "Cases"),
    ("rates.ranking", "月度排名", "Monthly ranking"),
    ("rates.rank", "名次", "Rank"),
    ("rates.score", "综合得分", "Score"),
    ("nav.rates", "评价指标", "Rates"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.lang", "English", "中文"),
    ("login.title", "登录", "Sign in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Sign in"),
    ("login.failed", "用户名或密码错误", "Wrong username or password"),
    ("login.locked", "登录失败次数过多,请 15 分钟后再试", "Too many failed sign-ins; try again in 15 minutes"),
    ("login.stale", "页面已过期,请重新登录", "The page had expired; please sign in again"),
    ("home.welcome", "欢迎", "Welcome"),
    ("home.scope", "管辖范围", "Scope"),
    ("home.role", "角色", "Role"),
    ("home.overview", "辖区概况", "Overview"),
    ("home.tasks", "常用功能", "Common tasks"),
    ("level.county", "县(市、区)", "Counties"),
    ("level.township", "乡镇(街道)", "Townships"),
    ("level.village", "村(社区)", "Villages"),
    ("level.grid", "网格", "Grids"),
    ("regions.title", "区划浏览", "Region browser"),
    ("regions.code", "代码", "Code"),
    ("regions.name", "名称", "Name"),
    ("regions.grids", "网格数", "Grids"),
    ("regions.orgs", "机构数", "Organisations"),
    ("regions.households", "户数", "Households"),
    ("regions.population", "人口", "Population"),
    ("regions.children", "下级区划", "Subdivisions"),
    ("regions.none", "无下级区划", "No subdivisions"),
    ("regions.map", "查看地图", "View map"),
    ("regions.orgs_here", "查看机构", "View organisations"),
    ("map.title", "网格地图", "Grid map"),
    ("map.legend", "颜色区分下级区划;点击网格查看详情", "Colours mark subdivisions; click a grid for details"),
    ("orgs.title", "机构", "Organisations"),
    ("orgs.kind", "类型", "Kind"),
    ("orgs.all_kinds", "全部类型", "All kinds"),
    ("orgs.search", "搜索名称", "Search by name"),
    ("orgs.filter", "筛选", "Filter"),
    ("orgs.region", "所在区划", "Region"),
    ("orgs.phone", "电话", "Phone"),
    ("orgs.address", "地址", "Address"),
    ("orgs.hours", "开放时间", "Opening hours"),
    ("orgs.industry", "行业", "Industry"),
    ("orgs.edit", "编辑", "Edit"),
    ("orgs.save", "保存", "Save"),
    ("orgs.saved", "已保存", "Saved"),
    ("orgs.total", "共", "Total"),
    ("common.prev", "上一页", "Previous"),
    ("nav.mediation", "矛盾调解", "Mediation"),
    ("med.title", "人民调解", "People's mediation"),
    ("med.new", "登记调解案件", "Register a mediation case"),
    ("med.figures", "调解统计", "Mediation figures"),
    ("med.risk", "风险等级", "Risk"),
    ("med.case_no", "案号", "Case no."),
    ("med.type", "纠纷类型", "Dispute type"),
    ("med.level", "调解层级", "Level"),
    ("med.body", "调解组织", "Mediation body"),
    ("med.place", "纠纷发生地", "Place"),
    ("med.opened", "受理日期", "Registered"),
    ("med.closed", "结案日期", "Closed"),
    ("med.empty", "没有符合条件的调解案件", "No mediation cases match"),
    ("med.from_appeal", "由诉求转调解:", "From appeal:"),
    ("med.body_default", "默认:纠纷发生地的村(社区)调委会", "Default: the village committee of the place"),
    ("med.source", "案件来源", "Source"),
    ("med.region_code", "纠纷发生地区划代码", "Region code of the place"),
    ("med.type_from_appeal", "按诉求类别", "From the appeal's category"),
    ("med.summary", "纠纷简要情况", "Summary of the dispute"),
    ("med.amount", "争议金额(元)", "Amount in dispute (yuan)"),
    ("med.applicant", "申请人", "Applicant"),
    ("med.respondent", "被申请人", "Respondent"),
    ("med.party_kind", "类别", "Kind"),
    ("med.party_name", "姓名或名称", "Name"),
    ("med.id_number", "身份证号码或统一社会信用代码", "ID number or credit code"),
    ("med.phone", "联系电话", "Phone"),
    ("med.address", "住所", "Address"),
    ("med.consents", "已同意调解", "Consents to mediation"),
    (
        "med.reporter_applicant",
        "未填写申请人时,诉求反映人即为申请人。",
        "Without an applicant, the appeal's reporter is the applicant.",
    ),
    ("med.threats", "有扬言报复等过激言行", "Threats or extreme words"),
    ("med.violence", "已发生肢体冲突", "Violence has occurred"),
    ("med.mediator", "调解员", "Mediator"),
    ("med.sessions", "调解次数", "Sessions"),
    ("med.appeal", "关联诉求", "Linked appeal"),
    ("med.parties", "当事人", "Parties"),
    ("med.levels", "调解层级经过", "Levels heard at"),
    ("med.agreement", "调解协议", "Agreement"),
    ("med.print", "打印协议书", "Print the agreement"),
    ("med.form", "协议形式", "Form"),
    ("med.facts", "主要事实、争议事项及责任", "Facts, disputed matters, responsibilities"),
    ("med.terms", "协议内容", "Terms"),
    ("med.manner", "履行方式", "Manner of performance"),
    ("med.due", "履行期限", "Performance due"),
    ("med.effective", "生效日期", "Effective"),
    ("med.window", "司法确认申请截止", "Judicial confirmation by"),
    ("med.judicial", "司法确认", "Judicial confirmation"),
    ("med.performance", "履行情况", "Performance"),
    ("med.side", "当事人", "Party"),
    ("med.held_on", "调解日期", "Date"),
    ("med.session_place", "调解地点", "Place"),
    ("med.attendees", "参加人员", "Attendees"),
    ("med.record", "调解记录", "Record"),
    ("med.people", "涉及人数", "People involved"),
    ("med.channels", "告知的其他解决途径", "Other channels told"),
    ("med.reason", "理由", "Reason"),
    ("med.applied_on", "申请日期", "Applied on"),
    ("med.confirmed", "法院裁定确认", "Confirmed by the court"),
    ("med.decided_on", "裁定日期", "Decided on"),
    ("med.visited_on", "回访日期", "Visited on"),
    ("med.act.consent", "记录同意调解", "Record consent"),
    ("med.act.assign", "指派调解员", "Assign a mediator"),
    ("med.act.session", "记录调解", "Log a session"),
    ("med.act.risk", "风险评估", "Assess risk"),
    ("med.act.agree", "达成协议", "Record an agreement"),
    ("med.act.fail", "调解不成", "No agreement"),
    ("med.act.escalate", "上移上一级调解", "Escalate one level"),
    ("med.act.terminate", "终止调解", "Terminate"),
    ("med.act.judicial_apply", "申请司法确认", "Apply for judicial confirmation"),
    ("med.act.judicial_decide", "记录法院裁定", "Record the court's decision"),
    ("med.act.follow_up", "履行回访", "Follow-up visit"),
    ("med.act.reopen", "重新调解", "Reopen"),
    ("med.act.refer", "引导其他途径", "Refer to another channel"),
    ("med.by_county", "按县(市、区)", "By county"),
    ("med.by_township", "按乡镇(街道)", "By township"),
    ("med.by_body", "按调解组织", "By mediation body"),
    ("med.by_mediator", "按调解员", "By mediator"),
    ("med.total", "合计", "Total"),
    ("med.board", "高风险预警", "High-risk board"),
    ("med.evidence", "证据材料", "Evidence"),
    ("med.evidence_source", "提供方", "Brought by"),
    ("med.evidence_description", "证据说明", "What it is"),
    ("med.evidence_files", "文件(照片或 PDF)", "Files (photos or PDF)"),
    ("med.evidence_add", "添加证据", "Add evidence"),
    ("med.evidence_none", "尚无证据材料", "No evidence yet"),
    ("med.queue_follow_up", "待回访", "Follow-up due"),
    ("med.queue_judicial", "司法确认即将届满", "Judicial window closing"),
    ("med.open_only", "只看调解中", "Open cases only"),
    (
        "med.figures_rule",
        "成功率 = 调解成功 ÷ 已结案(调解中的案件不计入);化解层级为达成协议时所在层级;按受理日期统计。",
        "Success rate = successful ÷ closed (cases in progress apart); the level is where the agreement was reached; by registration date.",
    ),
    ("appeals.to_mediation", "转调解", "Send to mediation"),
    ("appeals.mediation_case", "调解案件", "Mediation case"),
    ("common.next", "下一页", "Next"),
    ("common.page", "页", "Page"),
    ("common.rows", "行", "rows"),
    ("common.back", "返回", "Back"),
    ("citizen.login", "群众登录", "Resident sign-in"),
    ("citizen.login_hint", "使用手机号和短信验证码登录", "Sign in with your mobile number and a text-message code"),
    ("citizen.phone", "手机号", "Mobile number"),
    ("citizen.send_code", "获取验证码", "Send code"),
    ("citizen.code", "验证码", "Code"),
    ("citizen.code_sent", "验证码已发送,5 分钟内有效", "Code sent; valid for 5 minutes"),
    ("citizen.staff_login", "工作人员登录", "Staff sign-in"),
    ("citizen.home", "我的", "My page"),
    ("citizen.signed_in_as", "当前账号", "Signed in as"),
    ("citizen.my_grid", "我所在的网格", "My grid"),
    ("citizen.lon", "经度", "Longitude"),
    ("citizen.lat", "纬度", "Latitude"),
    ("citizen.use_position", "使用我的位置", "Use my position"),
    ("citizen.find", "查询", "Find"),
    ("citizen.stations", "附近的红色驿站", "Red stations nearby"),
    ("citizen.no_stations", "本村(社区)暂无红色驿站", "No red station in this village yet"),
    ("audit.title", "审计日志", "Audit log"),
    ("audit.time", "时间", "Time"),
    ("audit.actor", "操作人", "Actor"),
    ("audit.action", "操作", "Action"),
    ("audit.target", "对象", "Target"),
    ("audit.result", "结果", "Result"),
    ("audit.change", "变更", "Change"),
    ("audit.ok", "成功", "OK"),
    ("audit.failed", "失败", "Failed"),
    ("nav.rules", "派单规则", "Dispatch rules"),
    ("rules.title", "派单目录与办理时限", "Dispatch catalogue and time limits"),
    ("rules.effect_title", "生效范围：", "What a change affects:"),
    (
        "rules.effect",
        "保存后立即生效，所有服务器在几秒内同步。只影响此后受理、派单或开始计时的诉求；已在办诉求已经算出的时限不变，之后新开始的计时（如签收后的办结时限）按新规则计算。",
        "Saved changes apply at once and reach every server within seconds. They affect cases received, dispatched or whose clock starts afterwards; deadlines already set on running cases stay as they are, and a clock that starts later (such as the resolution limit after acceptance) follows the new rules.",
    ),
    (
        "rules.readonly",
        "仅市级系统管理员可以修改，您可以查看。",
        "Only city-level administrators may change these; you may read them.",
    ),
    ("rules.catalogue", "派单目录", "Dispatch catalogue"),
    (
        "rules.catalogue_hint",
        "按诉求类别和层级指定责任单位类型（职能部门的事项不得下派乡镇）。填写适用区划编号的行只在该县(市、区)或乡镇(街道)适用，区划越具体越优先；同样具体时按顺序取第一行。目录中没有的类别按网格可办或类别默认规则派单。",
        "Name the responsible organisation type for a category at a level (departments' matters are never pushed down to townships). A row with a region applies only in that county or township, the most specific region first; among equals the first row in order wins. Categories not in the catalogue go to the grid or to their default unit.",
    ),
    ("rules.order", "顺序", "Order"),
    (
        "rules.order_hint",
        "改变顺序请修改序号（可填小数，如 2.5 排在第 2 和第 3 行之间）；勾选“删除”去掉一行；最后一行用于新增。",
        "Change the order numbers to reorder (decimals work: 2.5 goes between rows 2 and 3); tick Remove to drop a row; the last row adds a new one.",
    ),
    ("rules.category", "诉求类别", "Category"),
    ("rules.level", "承办层级", "Level"),
    ("rules.org_type", "责任单位类型", "Organisation type"),
    ("rules.region", "适用区划编号（空为全市）", "Region id (empty: whole city)"),
    ("rules.city_wide", "全市", "Whole city"),
    ("rules.note", "说明", "Note"),
    ("rules.remove", "删除", "Remove"),
    ("rules.new_row", "新增", "New"),
    (
        "rules.empty",
        "派单目录为空：各类别按网格可办或类别默认规则派单。",
        "The catalogue is empty: categories go to the grid or to their default unit.",
    ),
    ("rules.save_catalogue", "保存派单目录", "Save the catalogue"),
    (
        "rules.saved_catalogue",
        "派单目录已保存，此后的新诉求按新目录派单。",
        "Catalogue saved: new cases are dispatched by it from now on.",
    ),
    ("rules.routes", "各类别现在派往何处", "Where each category goes now"),
    (
        "rules.routes_hint",
        "全市适用的去向（一般诉求、地点在网格内）；县或乡镇自己的目录行在其辖区内优先。",
        "The city-wide route (ordinary cases at a place inside a grid); a county's or township's own rows come first in its area.",
    ),
    ("rules.handled_by", "承办层级与单位", "Level and unit"),
    ("rules.source", "依据", "Decided by"),
    ("rules.grid_solvable", "网格可办", "The grid solves it"),
    ("rules.category_default", "类别默认", "Category default"),
    ("rules.limits", "办理时限", "Time limits"),
    (
        "rules.limits_hint",
        "派单及签收时限：每次交办直到承办单位签收；首次联系群众时限：自首次派单起；办结时限：自签收（或重新办理）起到提交结果。按小时计的时限昼夜连续计算，工作日和工作小时按工作日历计算。",
        "Dispatch and acceptance: each hand-on until the unit signs for the case; first contact: from the first dispatch; resolution: from acceptance (or reopening) to the result. Clock hours run day and night; working days and hours follow the working-day calendar.",
    ),
    ("rules.class", "时限类别", "Time-limit class"),
    ("rules.urgency", "紧急程度", "Urgency"),
    ("rules.dispatch", "派单及签收时限", "Dispatch and acceptance"),
    ("rules.contact", "首次联系群众时限", "First contact"),
    ("rules.resolve", "办结时限", "Resolution"),
    ("rules.working_days", "个工作日", "working days"),
    ("rules.working_hours", "个工作小时", "working hours"),
    ("rules.clock_hours", "小时（昼夜连续）", "clock hours"),
    ("rules.extension", "单次延期最多（工作日，不超过 10）", "Most working days one extension adds (at most 10)"),
    ("rules.return_window", "退单期限（派单后工作日）", "Return window (working days after dispatch)"),
    (
        "rules.yellow_days",
        "按日计的时限提前几个工作日亮黄牌",
        "Yellow card this many working days before a day-based deadline",
    ),
    (
        "rules.yellow_percent",
        "按小时计的时限用去百分之几后亮黄牌",
        "Yellow card after this percentage of an hour-based limit",
    ),
    ("rules.save_limits", "保存办理时限", "Save the time limits"),
    (
        "rules.saved_limits",
        "办理时限已保存，此后开始的计时按新时限计算。",
        "Time limits saved: clocks that start from now on use them.",
    ),
    ("rules.shipped", "当前为系统内置的默认时限。", "These are the shipped default limits."),
    ("rules.updated", "最后修改：", "Last changed:"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_filled() {
        let mut keys: Vec<_> = TEXT.iter().map(|t| t.0).collect();
        keys.sort();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate translation key");
        assert!(TEXT.iter().all(|(_, zh, en)| !zh.is_empty() && !en.is_empty()));
    }

    #[test]
    fn templates_use_only_known_keys() {
        // Every t("…") in a template must exist in the table.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let src = std::fs::read_to_string(&path).unwrap();
            for part in src.split("t(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert!(TEXT.iter().any(|t| t.0 == key), "{}: unknown key {key}", path.display());
            }
        }
    }
}
