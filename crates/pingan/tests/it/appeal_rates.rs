//! The evaluation rates of appeals (诉求评价指标) and the monthly ranking, on both engines: cases
//! handled through the API move the rates as expected, the SQL aggregate agrees with the domain
//! definitions (`Rates::of` over `CaseSummary::of` of the same snapshots) at several moments,
//! the ranking orders, the workbook opens, and bad requests and citizens are refused.

use crate::common;

use std::collections::BTreeMap;

use common::{Session, TestApp};
use pingan_domain::Actor;
use pingan_domain::appeal::{AppealSnapshot, CaseSummary, Rates};
use pingan_domain::calendar::to_china;
use pingan_store::appeals::{RatesGroup, RatesQuery};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PHONE: &str = "13800138001";

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// A China local day `days` from the day of `ms`, as `YYYY-MM-DD`.
fn day(ms: i64, days: i64) -> String {
    (to_china(ms).date() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string()
}

async fn grid_worker(app: &TestApp) -> (Session, String) {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").expect("grid worker usernames are grid.<code>").to_owned();
    (app.login(&username).await, grid_code)
}

async fn file(worker: &Session, grid: &str, text: &str, phone: Option<&str>) -> i64 {
    let mut body =
        json!({"text": text, "category": "A03", "channel": "patrol", "region_code": grid, "urgency": "normal"});
    if let Some(p) = phone {
        body["reporter_phone"] = json!(p);
    }
    let (status, filed) = worker.post("/api/v1/appeals", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["state"], "dispatched", "{filed}");
    filed["id"].as_i64().unwrap()
}

async fn act(s: &Session, id: i64, body: Value) {
    let (status, res) = s.post(&format!("/api/v1/appeals/{id}/actions"), &body).await;
    assert_eq!(status, StatusCode::OK, "{body} → {res}");
}

/// `(num, den)` of a rate of a row.
fn ratio(row: &Value, rate: &str) -> (u64, u64) {
    (row["rates"][rate]["num"].as_u64().unwrap(), row["rates"][rate]["den"].as_u64().unwrap())
}

async fn rates(s: &Session, period: &str, group: &str) -> Value {
    let (status, body) = s.get(&format!("/api/v1/appeals/rates?{period}&group={group}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

fn fields(err: &Value) -> Vec<String> {
    err["fields"]
        .as_array()
        .map_or_else(Vec::new, |f| f.iter().map(|x| x["field"].as_str().unwrap_or_default().to_owned()).collect())
}

/// The report of the store's SQL equals the domain's rates over the same cases' snapshots, for
/// every grouping, as of `to_ms - 1`.
async fn cross_check(app: &TestApp, actor: &Actor, from_ms: i64, to_ms: i64) {
    type Row = (i64, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<i64>, Option<String>, String);
    let cases: Vec<Row> = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_as(
        "SELECT received_ms, county_id, township_id, unit_org_id, unit_account_id, unit_region_id, unit_org_type,
                snapshot FROM appeals"
    )
    .fetch_all(pool)
    .await
    .expect("cases"));
    for group in RatesGroup::ALL {
        let report = app.store.appeal_rates(actor, &RatesQuery { from_ms, to_ms, group }).await.expect("report");
        assert!(report.as_of_ms < to_ms);
        let as_of = to_china(report.as_of_ms);
        let mut groups: BTreeMap<String, Vec<CaseSummary>> = BTreeMap::new();
        for (received, county, township, org, account, region, org_type, snapshot) in &cases {
            if !(from_ms..to_ms).contains(received) {
                continue;
            }
            let snapshot: AppealSnapshot = serde_json::from_str(snapshot).expect("snapshot");
            let key = match group {
                RatesGroup::County => format!("{county:?}"),
                RatesGroup::Township => format!("{township:?}"),
                RatesGroup::Unit => format!("{org:?} {account:?} {region:?} {org_type:?}"),
            };
            groups.entry(key).or_default().push(CaseSummary::of(&snapshot, as_of));
        }
        let all: Vec<CaseSummary> = groups.values().flatten().copied().collect();
        assert_eq!(report.total.cases, all.len() as u64, "{group:?}");
        assert_eq!(report.total.rates, Rates::of(&all), "{group:?} total as of {as_of}");
        let mut expected: Vec<(u64, Rates)> = groups.values().map(|c| (c.len() as u64, Rates::of(c))).collect();
        assert_eq!(report.rows.len(), expected.len(), "{group:?}: {report:?}");
        for row in &report.rows {
            let at = expected.iter().position(|e| *e == (row.cases, row.rates));
            let at = at.unwrap_or_else(|| panic!("{group:?} as of {as_of}: {row:?} not among {expected:?}"));
            expected.remove(at);
        }
    }
}

on_both_engines!(rates_follow_the_cases_and_match_the_domain, |app: TestApp| async move {
    let t0 = now_ms();
    let (worker, grid) = grid_worker(&app).await;
    let dept = app.login("dept.371402.renshe").await;
    let supervisor = app.login("supervisor").await;
    let actor = app.store.login_account("supervisor").await.unwrap().expect("supervisor").actor;
    // Yesterday to tomorrow, so that a run across midnight still covers every case.
    let period = format!("from={}&to={}", day(t0, -1), day(t0, 1));
    // Seven wage-arrears reports, all dispatched to the county's 人社 department at once.
    let mut ids = Vec::new();
    for (i, text) in [
        "工厂拖欠工人三个月工资",
        "工地拖欠农民工工资",
        "饭店拖欠服务员工资",
        "超市拖欠员工工资",
        "同一工厂又有工人反映欠薪",
        "物流公司拖欠司机工资",
        "培训机构拖欠教师工资",
    ]
    .iter()
    .enumerate()
    {
        ids.push(file(&worker, &grid, text, (i == 0).then_some(PHONE)).await);
    }
    let r = rates(&supervisor, &period, "township").await;
    assert_eq!(r["rows"].as_array().unwrap().len(), 1, "one township: {r}");
    let total = &r["total"];
    assert_eq!(total["cases"], 7);
    assert_eq!(ratio(total, "response"), (0, 7), "dispatched, nobody contacted yet");
    assert_eq!(ratio(total, "satisfaction"), (0, 0));
    assert_eq!(total["rates"]["satisfaction"]["percent"], Value::Null, "— before any callback");
    assert_eq!(ratio(total, "on_time"), (0, 0), "nothing due yet");
    let t1 = now_ms();

    // 并单: the fifth is a repeat of the first.
    act(&supervisor, ids[4], json!({"action": "merge", "primary_id": ids[0], "reason": "同一工厂同一事项"})).await;
    // 退单, upheld: the second goes to 住建.
    act(&dept, ids[1], json!({"action": "return", "reason": "属于住建部门监管的工程项目"})).await;
    let r = rates(&supervisor, &period, "township").await;
    assert_eq!(ratio(&r["total"], "returns"), (1, 7), "the return is counted: {r}");
    assert_eq!(ratio(&r["total"], "repeat"), (1, 7));
    let (_, orgs) = supervisor.get("/api/v1/orgs?kind=department&q=住房和城乡建设&per_page=50").await;
    let zhujian = orgs["items"].as_array().unwrap().iter().find(|o| o["region_code"] == "371402").unwrap()["id"]
        .as_i64()
        .unwrap();
    act(
        &supervisor,
        ids[1],
        json!({"action": "review_return", "decision": {"decision": "uphold", "to": {"org_id": zhujian}, "note": "改派住建"}}),
    )
    .await;
    // 延期: the fourth gets three more working days.
    act(&dept, ids[3], json!({"action": "accept"})).await;
    act(&dept, ids[3], json!({"action": "request_extension", "days": 3, "reason": "需调取银行流水"})).await;
    act(&supervisor, ids[3], json!({"action": "decide_extension", "approve": true, "days": 3, "note": "同意"})).await;
    // The first: contacted, answered, verified.
    for step in [
        json!({"action": "accept"}),
        json!({"action": "start_work"}),
        json!({"action": "record_contact", "note": "已电话联系"}),
        json!({"action": "submit_result", "result": "已约谈企业负责人,工资本周补发"}),
    ] {
        act(&dept, ids[0], step).await;
    }
    act(&supervisor, ids[0], json!({"action": "verify", "passed": true, "note": "电话核实"})).await;
    // The third: its first result fails verification (返工), the second passes.
    for step in [
        json!({"action": "accept"}),
        json!({"action": "start_work"}),
        json!({"action": "submit_result", "result": "已督促企业"}),
    ] {
        act(&dept, ids[2], step).await;
    }
    act(&supervisor, ids[2], json!({"action": "verify", "passed": false, "note": "工资仍未发放"})).await;
    act(&dept, ids[2], json!({"action": "submit_result", "result": "工资已全部发放,有银行回单"})).await;
    act(&supervisor, ids[2], json!({"action": "verify", "passed": true, "note": "核实回单"})).await;
    let r = rates(&supervisor, &period, "township").await;
    let total = &r["total"];
    assert_eq!(ratio(total, "response"), (1, 7));
    assert_eq!(ratio(total, "on_time"), (2, 2), "{r}");
    assert_eq!(ratio(total, "closure"), (2, 2), "a case closed with its primary is not counted");
    assert_eq!(ratio(total, "rework"), (1, 2));
    assert_eq!(ratio(total, "extension"), (1, 7));
    assert_eq!(total["rates"]["satisfaction"]["percent"], Value::Null);
    let t2 = now_ms();

    // The resident rates the first: satisfaction goes from — to 100%.
    let resident = app.citizen_login(PHONE).await;
    act(
        &resident,
        ids[0],
        json!({"action": "callback", "solved": true, "satisfaction": "satisfied", "comment": "谢谢"}),
    )
    .await;
    let r = rates(&supervisor, &period, "township").await;
    assert_eq!(ratio(&r["total"], "satisfaction"), (1, 1));
    assert_eq!(r["total"]["rates"]["satisfaction"]["percent"], 100.0);
    assert_eq!(ratio(&r["total"], "resolution"), (1, 1));
    let t3 = now_ms();
    // A phone callback on the third: solved, but not satisfied.
    act(
        &supervisor,
        ids[2],
        json!({"action": "callback", "solved": true, "satisfaction": "dissatisfied", "comment": "拖了太久"}),
    )
    .await;
    let r = rates(&supervisor, &period, "township").await;
    assert_eq!(ratio(&r["total"], "satisfaction"), (1, 2));
    assert_eq!(r["total"]["rates"]["satisfaction"]["percent"], 50.0);
    assert_eq!(ratio(&r["total"], "resolution"), (2, 2));

    // By unit: the return counts against the unit that has the case now; the merged case has none.
    let (status, units) = supervisor.get(&format!("/api/v1/appeals/rates?{period}&group=unit")).await;
    assert_eq!(status, StatusCode::OK, "{units}");
    let unit = |name: &str| {
        units["rows"].as_array().unwrap().iter().find(|r| r["name"].as_str().unwrap().contains(name)).cloned()
    };
    let renshe = unit("人力资源和社会保障局").expect("人社");
    assert_eq!((renshe["cases"].as_u64(), ratio(&renshe, "returns")), (Some(5), (0, 5)), "{units}");
    assert_eq!(renshe["key"]["kind"], "org");
    let zj = unit("住房和城乡建设局").expect("住建");
    assert_eq!((zj["cases"].as_u64(), ratio(&zj, "returns")), (Some(1), (1, 1)));
    let none = unit("无承办单位").expect("the merged case");
    assert_eq!((none["cases"].as_u64(), none["key"]["kind"].as_str()), (Some(1), Some("other")));
    assert_eq!(units["total"]["cases"], 7);

    // The SQL agrees with the domain at every moment: after filing, after handling, between
    // the two callbacks (the later one must not count yet), and now.
    for to in [t1 + 1, t2 + 1, t3 + 1, now_ms() + 86_400_000] {
        cross_check(&app, &actor, t0, to).await;
    }
    cross_check(&app, &actor, t0 - 86_400_000 * 40, now_ms() + 86_400_000 * 40).await;

    // Department staff see their own unit only.
    let r = rates(&dept, &period, "township").await;
    assert_eq!(r["total"]["cases"], 5, "{r}");

    // The monthly ranking: 人社 with five cases is ranked; 住建 with one follows, unranked.
    let month = &day(t0, 0)[..7];
    let (status, ranking) = supervisor.get(&format!("/api/v1/appeals/ranking?month={month}&group=unit")).await;
    assert_eq!(status, StatusCode::OK, "{ranking}");
    let rows = ranking["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "the case with no unit is not ranked: {ranking}");
    assert!(rows[0]["name"].as_str().unwrap().contains("人力资源"), "{ranking}");
    assert_eq!((rows[0]["rank"].as_u64(), rows[0]["ranked"].as_bool()), (Some(1), Some(true)));
    // 100 × (0.35 × 2/2 + 0.25 × 1/2 + 0.20 × 2/2 + 0.20 × 1/5) − 20 × 0/5 − 20 × 1/2
    assert_eq!(rows[0]["score"], 61.5, "{ranking}");
    assert_eq!((rows[1]["rank"].clone(), rows[1]["ranked"].as_bool()), (Value::Null, Some(false)));
    assert_eq!(ranking["min_cases"], 5);
    let (status, ranking) = supervisor.get(&format!("/api/v1/appeals/ranking?month={month}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((ranking["group"].as_str(), ranking["rows"][0]["rank"].as_u64()), (Some("township"), Some(1)));

    // The workbook: Chinese headers, a total row, a Chinese file name.
    let res =
        supervisor.client.get(supervisor.url(&format!("/api/v1/appeals/rates.xlsx?{period}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    let name = format!("诉求评价指标_{}_{}.xlsx", day(t0, -1), day(t0, 1));
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    assert!(disposition.contains(&format!("filename*=UTF-8''{encoded}")), "{disposition}");
    let bytes = res.bytes().await.unwrap();
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("诉求评价指标").unwrap();
    let header: Vec<String> = (0..11).map(|c| sheet.get((0, c)).unwrap().to_string()).collect();
    assert_eq!(
        header,
        [
            "乡镇(街道)",
            "诉求数",
            "响应率",
            "解决率",
            "满意率",
            "按期办结率",
            "办结率",
            "返工率",
            "退单率",
            "延期率",
            "重复诉求率"
        ]
    );
    let last = sheet.height() - 1;
    assert_eq!(sheet.get((last, 0)), Some(&Data::String("合计".into())));
    assert_eq!(sheet.get((last, 1)), Some(&Data::Float(7.0)));
    assert_eq!(sheet.get((last, 4)), Some(&Data::Float(0.5)), "满意率 1/2");
    let counts = book.worksheet_range("分子分母").unwrap();
    assert_eq!(counts.get((0, 6)).unwrap().to_string(), "满意率分子");
    // A whole month is named by the month.
    let month_period = {
        let first = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").unwrap();
        let last = first + chrono::Months::new(1) - chrono::Duration::days(1);
        format!("from={first}&to={last}")
    };
    let res = supervisor
        .client
        .get(supervisor.url(&format!("/api/v1/appeals/rates.xlsx?{month_period}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(disposition.ends_with(&format!("_{month}.xlsx")), "{disposition}");

    // Mistakes name their field; citizens and grid workers are refused.
    let (status, err) = supervisor.get("/api/v1/appeals/rates?from=2026-02-30").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["from".to_owned()]), "{err}");
    let (status, err) = supervisor.get("/api/v1/appeals/rates?from=2026-11-10&to=2026-11-01&group=village").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["group".to_owned()]), "{err}");
    let (status, err) = supervisor.get("/api/v1/appeals/rates?from=2026-11-10&to=2026-11-01").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["to".to_owned()]), "{err}");
    let (status, err) = supervisor.get("/api/v1/appeals/ranking?month=2026-1").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["month".to_owned()]), "{err}");
    let (status, _) = supervisor.get("/api/v1/appeals/rates.xlsx?to=tomorrow").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(resident.get("/api/v1/appeals/rates").await.0, StatusCode::FORBIDDEN);
    assert_eq!(resident.get("/api/v1/appeals/ranking").await.0, StatusCode::FORBIDDEN);
    assert_eq!(worker.get("/api/v1/appeals/rates").await.0, StatusCode::FORBIDDEN);
    let leader = app.login("leader").await;
    assert_eq!(leader.get("/api/v1/appeals/rates").await.0, StatusCode::OK);
    assert_eq!(reqwest::get(app.url("/api/v1/appeals/rates")).await.unwrap().status(), StatusCode::UNAUTHORIZED);
});
