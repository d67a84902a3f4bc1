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
    ("app.tagline", "平安建設與網格化治理平臺", "Safety and grid governance platform"),
    ("nav.home", "首頁", "Home"),
    ("nav.regions", "區劃", "Regions"),
    ("nav.map", "網格地圖", "Grid map"),
    ("nav.orgs", "機構", "Organisations"),
    ("nav.audit", "審計日志", "Audit log"),
    ("nav.logout", "退出", "Sign out"),
    ("nav.lang", "English", "中文"),
    ("login.title", "登錄", "Sign in"),
    ("login.username", "用戶名", "Username"),
    ("login.password", "密碼", "Password"),
    ("login.submit", "登錄", "Sign in"),
    ("login.failed", "用戶名或密碼錯誤", "Wrong username or password"),
    ("login.locked", "登錄失敗次數過多,請 15 分鐘后再試", "Too many failed sign-ins; try again in 15 minutes"),
    ("login.stale", "頁面已過期,請重新登錄", "The page had expired; please sign in again"),
    ("home.welcome", "歡迎", "Welcome"),
    ("home.scope", "管轄范圍", "Scope"),
    ("home.role", "角色", "Role"),
    ("home.overview", "轄區概況", "Overview"),
    ("home.tasks", "常用功能", "Common tasks"),
    ("level.county", "縣(市、區)", "Counties"),
    ("level.township", "鄉鎮(街道)", "Townships"),
    ("level.village", "村(社區)", "Villages"),
    ("level.grid", "網格", "Grids"),
    ("regions.title", "區劃瀏覽", "Region browser"),
    ("regions.code", "代碼", "Code"),
    ("regions.name", "名稱", "Name"),
    ("regions.grids", "網格數", "Grids"),
    ("regions.orgs", "機構數", "Organisations"),
    ("regions.households", "戶數", "Households"),
    ("regions.population", "人口", "Population"),
    ("regions.children", "下級區劃", "Subdivisions"),
    ("regions.none", "無下級區劃", "No subdivisions"),
    ("regions.map", "查看地圖", "View map"),
    ("regions.orgs_here", "查看機構", "View organisations"),
    ("map.title", "網格地圖", "Grid map"),
    ("map.legend", "顏色區分下級區劃;點擊網格查看詳情", "Colours mark subdivisions; click a grid for details"),
    ("orgs.title", "機構", "Organisations"),
    ("orgs.kind", "類型", "Kind"),
    ("orgs.all_kinds", "全部類型", "All kinds"),
    ("orgs.search", "搜索名稱", "Search by name"),
    ("orgs.filter", "篩選", "Filter"),
    ("orgs.region", "所在區劃", "Region"),
    ("orgs.phone", "電話", "Phone"),
    ("orgs.address", "地址", "Address"),
    ("orgs.hours", "開放時間", "Opening hours"),
    ("orgs.industry", "行業", "Industry"),
    ("orgs.edit", "編輯", "Edit"),
    ("orgs.save", "保存", "Save"),
    ("orgs.saved", "已保存", "Saved"),
    ("orgs.total", "共", "Total"),
    ("common.prev", "上一頁", "Previous"),
    ("common.next", "下一頁", "Next"),
    ("common.back", "返回", "Back"),
    ("citizen.login", "群眾登錄", "Resident sign-in"),
    ("citizen.login_hint", "使用手機號和短信驗證碼登錄", "Sign in with your mobile number and a text-message code"),
    ("citizen.phone", "手機號", "Mobile number"),
    ("citizen.send_code", "獲取驗證碼", "Send code"),
    ("citizen.code", "驗證碼", "Code"),
    ("citizen.code_sent", "驗證碼已發送,5 分鐘內有效", "Code sent; valid for 5 minutes"),
    ("citizen.staff_login", "工作人員登錄", "Staff sign-in"),
    ("citizen.home", "我的", "My page"),
    ("citizen.signed_in_as", "當前賬號", "Signed in as"),
    ("citizen.my_grid", "我所在的網格", "My grid"),
    ("citizen.lon", "經度", "Longitude"),
    ("citizen.lat", "緯度", "Latitude"),
    ("citizen.use_position", "使用我的位置", "Use my position"),
    ("citizen.find", "查詢", "Find"),
    ("citizen.stations", "附近的紅色驛站", "Red stations nearby"),
    ("citizen.no_stations", "本村(社區)暫無紅色驛站", "No red station in this village yet"),
    ("audit.title", "審計日志", "Audit log"),
    ("audit.time", "時間", "Time"),
    ("audit.actor", "操作人", "Actor"),
    ("audit.action", "操作", "Action"),
    ("audit.target", "對象", "Target"),
    ("audit.result", "結果", "Result"),
    ("audit.change", "變更", "Change"),
    ("audit.ok", "成功", "OK"),
    ("audit.failed", "失敗", "Failed"),
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
