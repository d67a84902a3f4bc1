//! People's mediation through the API, on both engines: an A01 appeal becomes a case with its
//! facts carried over, consent before any session, a mediator of the body only, sessions and an
//! agreement, refusals that write nothing, escalation village → township → county keeping the
//! history, the figures by hand, and scope.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn fields(err: &Value) -> Vec<String> {
    err["fields"]
        .as_array()
        .map_or_else(Vec::new, |f| f.iter().map(|x| x["field"].as_str().unwrap_or_default().to_owned()).collect())
}

async fn grid_worker(app: &TestApp) -> (Session, String) {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").expect("grid.<code>").to_owned();
    (app.login(&username).await, grid_code)
}

/// File an appeal of `category` at the worker's grid; returns its id and its region id.
async fn appeal(worker: &Session, grid_code: &str, category: &str, text: &str) -> (i64, i64) {
    let (status, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({
                "text": text, "category": category, "channel": "patrol", "region_code": grid_code,
                "reporter_name": "张建国", "reporter_phone": "13800138000",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let (_, record) = worker.get(&format!("/api/v1/appeals/{id}")).await;
    (id, record["region_id"].as_i64().expect("region_id"))
}

/// A grid of another village of the same township as `grid_id`.
async fn another_village_grid(admin: &Session, grid_id: i64) -> Value {
    let parent = |v: &Value| v["region"]["parent_id"].as_i64().expect("parent_id");
    let (_, grid) = admin.get(&format!("/api/v1/regions/{grid_id}")).await;
    let village = parent(&grid);
    let (_, v) = admin.get(&format!("/api/v1/regions/{village}")).await;
    let (_, villages) = admin.get(&format!("/api/v1/regions?parent_id={}", parent(&v))).await;
    for other in villages.as_array().expect("villages") {
        if other["id"].as_i64() != Some(village) {
            let (_, grids) = admin.get(&format!("/api/v1/regions?parent_id={}", other["id"])).await;
            if let Some(g) = grids.as_array().and_then(|g| g.first()) {
                return g.clone();
            }
        }
    }
    panic!("the township has only one village with grids")
}

/// High-risk alerts in an account's inbox.
async fn high_risk_alerts(s: &Session) -> usize {
    let (_, inbox) = s.get("/api/v1/notifications").await;
    inbox["items"].as_array().expect("inbox items").iter().filter(|n| n["kind"] == "mediation_high_risk").count()
}

async fn act(s: &Session, case: &Value, body: Value) -> (StatusCode, Value) {
    let mut body = body;
    body["version"] = case["version"].clone();
    s.post(&format!("/api/v1/mediation/cases/{}/actions", case["id"]), &body).await
}

fn session(on: &str) -> Value {
    json!({"action": "session", "held_on": on, "place": "社区调解室", "attendees": "双方当事人、调解员", "record": "双方陈述事实"})
}

fn today() -> String {
    let now = chrono::Utc::now() + chrono::Duration::hours(8);
    now.format("%Y-%m-%d").to_string()
}

on_both_engines!(an_a01_appeal_becomes_a_case_and_ends_in_an_agreement, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    let (appeal_id, _) = appeal(&worker, &grid, "A01", "邻居家院墙排水流进我家院子,多次协商未果").await;

    // 转调解: the type, facts, place and reporter (as applicant) carry over; the respondent is named.
    let open = json!({
        "appeal_id": appeal_id,
        "parties": [{"side": "respondent", "name": "李四", "id_number": "11010519491231002X", "phone": "13900139000"}],
        "consents": ["applicant"],
        "amount": 1200.5,
    });
    let (status, case) = worker.post("/api/v1/mediation/cases", &open).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["state"], "registered");
    assert_eq!(case["snapshot"]["dispute_type"], "neighbour");
    assert_eq!(case["level"], "village");
    assert_eq!(case["appeal_id"], appeal_id);
    assert_eq!(case["snapshot"]["amount_fen"], 120_050);
    assert!(case["snapshot"]["summary"].as_str().unwrap().contains("院墙排水"), "{case}");
    assert!(case["body_name"].as_str().unwrap().ends_with("人民调解委员会"), "{case}");
    let parties = case["parties"].as_array().unwrap();
    assert_eq!(parties.len(), 2);
    assert_eq!(parties[0]["side"], "applicant");
    assert_eq!(parties[0]["phone"], "138****8000");
    assert_eq!(parties[1]["id_number"], "110105********002X", "ID numbers are masked: {case}");
    assert!(!case.to_string().contains("11010519491231002X"), "the full ID number never leaves: {case}");
    // The same appeal cannot open a second case.
    let (status, _) = worker.post("/api/v1/mediation/cases", &open).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // No session without a mediator and both consents.
    let (status, err) = act(&worker, &case, session(&today())).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let (_, suggested) = worker.get(&format!("/api/v1/mediation/cases/{}/suggested-mediator", case["id"])).await;
    let mediator = suggested["id"].as_i64().expect("the village committee has mediators");
    let (status, case) = act(&worker, &case, json!({"action": "assign", "mediator_id": mediator})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let (status, err) = act(&worker, &case, session(&today())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(err["error"].as_str().unwrap().contains("被申请人"), "{err}");
    let (_, case) = act(&worker, &case, json!({"action": "consent", "side": "respondent"})).await;
    let (status, case) = act(&worker, &case, session(&today())).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "mediating");
    let (_, case) = act(&worker, &case, session(&today())).await;
    assert_eq!(case["snapshot"]["sessions"], 2);

    // An agreement without terms or a performance date is refused, naming both; nothing written.
    let (status, err) = act(
        &worker,
        &case,
        json!({"action": "agree", "facts": "排水沟堵塞", "terms": " ", "performance_manner": "自行施工"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["terms", "performance_due"]);
    let (_, unchanged) = worker.get(&format!("/api/v1/mediation/cases/{}", case["id"])).await;
    assert_eq!(unchanged["version"], case["version"]);
    // A stale version is refused.
    let mut stale = case.clone();
    stale["version"] = json!(1);
    let (status, _) = act(&worker, &stale, json!({"action": "consent", "side": "applicant"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, case) = act(
        &worker,
        &case,
        json!({"action": "agree", "facts": "排水沟堵塞致雨水流入邻院,李四负主要责任", "terms": "李四疏通并改建排水沟",
               "performance_manner": "李四自行施工,张建国配合", "performance_due": "2099-12-31"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "agreed");
    assert_eq!(case["snapshot"]["resolved_level"], "village");
    assert!(case["judicial_window_ends"].is_string());
    // Judicial confirmation cannot predate the agreement.
    let (status, err) = act(&worker, &case, json!({"action": "judicial_apply", "on": "2000-01-01"})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["on".to_owned()]));
    let (status, case) = act(&worker, &case, json!({"action": "judicial_apply", "on": today()})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    // The agreement as a PDF: Chinese text, the respondent's ID number masked.
    let res = worker
        .client
        .get(worker.url(&format!("/api/v1/mediation/cases/{}/agreement.pdf", case["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    let text: String =
        pdf_extract::extract_text_from_mem(&pdf).unwrap().chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        text.contains("人民调解协议书") && text.contains("110105********002X") && text.contains("李四疏通并改建排水沟"),
        "{text}"
    );
    // A closed case holds no more sessions.
    let (status, _) = act(&worker, &case, session(&today())).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The history is kept, each step by whom.
    let kinds: Vec<&str> = case["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "mediator_assigned",
            "consent_recorded",
            "session_held",
            "session_held",
            "agreement_reached",
            "judicial_applied"
        ]
    );
    // Audited.
    let admin = app.login("admin").await;
    let (_, audit) = admin.get("/api/v1/audit?action=mediation.&per_page=50").await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(actions.len(), 7, "{actions:?}");
    assert!(actions.iter().all(|a| a.starts_with("mediation.")), "{actions:?}");
    assert!(actions.contains(&"mediation.open") && actions.contains(&"mediation.agree"), "{actions:?}");

    // Figures: one case, closed and successful, resolved at village level.
    let (status, figures) = worker.get("/api/v1/mediation/figures").await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    let t = &figures["total"];
    assert_eq!((t["cases"].as_u64(), t["closed"].as_u64(), t["successful"].as_u64()), (Some(1), Some(1), Some(1)));
    assert_eq!(t["success_rate"], 1.0);
    assert_eq!(t["resolved_at"], json!([1, 0, 0]));
    assert_eq!(t["average_days_to_resolution"], 0.0);
});

on_both_engines!(an_unsolved_case_climbs_village_township_county_keeping_its_history, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    let (_, region_id) = appeal(&worker, &grid, "A04", "与邻村因宅基地边界发生争执").await;
    let open = json!({
        "region_id": region_id, "source": "patrol", "dispute_type": "house_land", "summary": "宅基地边界争议",
        "parties": [{"side": "applicant", "name": "王五"}, {"side": "respondent", "name": "赵六"}],
        "consents": ["applicant", "respondent"],
    });
    let (status, case) = worker.post("/api/v1/mediation/cases", &open).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let village_body = case["body_org_id"].clone();

    // A mediator of another body is refused, by name of the field.
    let (_, bodies) = worker.get(&format!("/api/v1/mediation/bodies?region_id={region_id}")).await;
    assert!(bodies.as_array().unwrap().is_empty(), "grids have no bodies of their own");
    let (_, township_case) = act(&worker, &case, json!({"action": "escalate", "reason": "村级调解未果"})).await;
    assert_eq!(township_case["level"], "township", "{township_case}");
    assert_eq!(township_case["state"], "registered");
    let levels = township_case["snapshot"]["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2);
    assert_eq!(levels[0]["body_id"], village_body);
    let (_, village_mediators) = worker.get(&format!("/api/v1/mediation/bodies/{village_body}/mediators")).await;
    let outsider = village_mediators[0]["id"].as_i64().unwrap();
    let (status, err) = act(&worker, &township_case, json!({"action": "assign", "mediator_id": outsider})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["mediator_id".to_owned()]));

    // Escalating needs a reason; then to the county; the county is the top.
    let (status, err) = act(&worker, &township_case, json!({"action": "escalate", "reason": ""})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["reason".to_owned()]));
    let (_, county_case) = act(&worker, &township_case, json!({"action": "escalate", "reason": "乡镇调解未果"})).await;
    assert_eq!(county_case["level"], "county", "{county_case}");
    assert_eq!(county_case["snapshot"]["levels"].as_array().unwrap().len(), 3);
    let (status, _) = act(&worker, &county_case, json!({"action": "escalate", "reason": "再上移"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // No agreement, no agreement document.
    let (status, _) = worker.get(&format!("/api/v1/mediation/cases/{}/agreement.pdf", county_case["id"])).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Failure names the channels the parties were told of.
    let (_, suggested) = worker.get(&format!("/api/v1/mediation/cases/{}/suggested-mediator", county_case["id"])).await;
    let (_, c) = act(&worker, &county_case, json!({"action": "assign", "mediator_id": suggested["id"]})).await;
    let (_, c) = act(&worker, &c, session(&today())).await;
    let (status, err) = act(&worker, &c, json!({"action": "fail", "channels": [], "reason": "分歧较大"})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["channels".to_owned()]));
    let (status, c) =
        act(&worker, &c, json!({"action": "fail", "channels": ["litigation"], "reason": "分歧较大"})).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["state"], "not_agreed");

    // Figures: one closed, none successful; by township the row is the place's township.
    let (_, figures) = worker.get("/api/v1/mediation/figures?group=township").await;
    assert_eq!(figures["total"]["success_rate"], 0.0);
    assert_eq!(figures["rows"].as_array().unwrap().len(), 1);
    // The same as Excel: a header, the township's row and the total.
    let res = worker.client.get(worker.url("/api/v1/mediation/figures.xlsx?group=township")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx workbook");
    let sheet = book.worksheet_range("人民调解统计").expect("the figures sheet");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!((rows[0][1].as_str(), rows[0][7].as_str()), ("案件数", "成功率"));
    assert_eq!(
        (rows[2][0].as_str(), rows[2][1].as_str(), rows[2][3].as_str(), rows[2][7].as_str()),
        ("合计", "1", "1", "0")
    );
    let (status, err) = worker.get("/api/v1/mediation/figures.xlsx?group=galaxy").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["group".to_owned()]));
});

on_both_engines!(bad_requests_are_named_and_scope_holds, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    // Only dispute appeals go to mediation.
    let (noise, region_id) = appeal(&worker, &grid, "B03", "楼下饭店夜里噪声很大影响休息").await;
    let (status, err) = worker.post("/api/v1/mediation/cases", &json!({"appeal_id": noise})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["appeal_id".to_owned()]));
    // Every bad field at once; nothing written.
    let (status, err) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "feud", "amount": -5,
                    "parties": [{"side": "applicant", "name": "甲", "id_number": "123"}], "consents": ["judge"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["dispute_type", "amount", "parties[0].id_number", "consents"], "{err}");
    let (status, err) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "neighbour", "summary": "噪声",
                    "parties": [{"side": "applicant", "name": "甲"}]}),
        )
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["parties".to_owned()]));
    let (_, list) = worker.get("/api/v1/mediation/cases").await;
    assert_eq!(list["total"], 0);

    let (status, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "neighbour", "summary": "噪声纠纷",
                    "parties": [{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    // An unknown action, a missing version.
    let (status, _) = act(&worker, &case, json!({"action": "celebrate"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, err) =
        worker.post(&format!("/api/v1/mediation/cases/{}/actions", case["id"]), &json!({"action": "reopen"})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["version".to_owned()]));

    // A case at another grid is outside the worker's scope: not seen, not listed.
    let admin = app.login("admin").await;
    let other = another_village_grid(&admin, region_id).await;
    let (status, elsewhere) = admin
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": other["id"], "dispute_type": "contract", "summary": "货款纠纷",
                    "parties": [{"side": "applicant", "name": "丙"}, {"side": "respondent", "kind": "organisation", "name": "某商贸公司"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{elsewhere}");
    let (status, _) = worker.get(&format!("/api/v1/mediation/cases/{}", elsewhere["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = act(&worker, &elsewhere, json!({"action": "consent", "side": "respondent"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = worker.get("/api/v1/mediation/cases").await;
    assert_eq!(list["total"], 1);
    // The leader reads but does not write; a resident sees nothing.
    let leader = app.login("leader").await;
    let (status, _) = leader.get(&format!("/api/v1/mediation/cases/{}", case["id"])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&leader, &case, json!({"action": "consent", "side": "respondent"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let citizen = app.citizen_login("13700137000").await;
    let (status, _) = citizen.get(&format!("/api/v1/mediation/cases/{}", case["id"])).await;
    assert!(status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND, "{status}");
});

on_both_engines!(
    a_violent_dispute_alerts_the_township_and_stays_on_its_board_until_defused,
    |app: TestApp| async move {
        let (worker, grid) = grid_worker(&app).await;
        let (_, region_id) = appeal(&worker, &grid, "A01", "两户因排水发生口角,一方持械威胁").await;
        let dispatcher = app.login(&format!("dispatch.{}000", &grid[..9])).await;
        let board = "/api/v1/mediation/cases?risk=high&open=true";
        let parties = json!([{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}]);
        let (status, violent) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "neighbour", "summary": "持械威胁", "parties": parties, "violence": true}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{violent}");
        assert_eq!(violent["risk_level"], "high");
        assert_eq!(high_risk_alerts(&dispatcher).await, 1, "the township's dispatcher is alerted");
        let (_, inbox) = dispatcher.get("/api/v1/notifications").await;
        assert_eq!(inbox["items"][0]["mediation_case_id"], violent["id"], "the alert links its case: {inbox}");
        // The inbox page shows it, linked, until read.
        let page = dispatcher.client.get(dispatcher.url("/inbox")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("高风险纠纷预警") && page.contains(&format!("/mediation/{}", violent["id"])), "{page}");
        assert!(page.contains("class=\"unread\""), "{page}");
        let res = dispatcher
            .client
            .post(dispatcher.url("/inbox/read"))
            .form(&[("_csrf", dispatcher.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "back to the inbox");
        let (_, inbox) = dispatcher.get("/api/v1/notifications").await;
        assert_eq!(inbox["unread"], 0, "{inbox}");
        assert_eq!(dispatcher.get(board).await.1["total"], 1);

        // A calm case is not on the board; when threats appear it is, and the township hears of it.
        let (_, calm) = worker
            .post(
                "/api/v1/mediation/cases",
                &json!({"region_id": region_id, "dispute_type": "neighbour", "summary": "噪声", "parties": parties}),
            )
            .await;
        // Between the same two parties again: a repeated dispute, medium risk, and it says why.
        assert_eq!(calm["risk_level"], "medium", "{calm}");
        assert!(calm["snapshot"]["risk"]["reasons"].to_string().contains("此前有 1 起纠纷"), "{calm}");
        assert_eq!(high_risk_alerts(&dispatcher).await, 1);
        let (_, calm) = act(&worker, &calm, json!({"action": "risk", "threats": true, "people": 2})).await;
        assert_eq!(calm["risk_level"], "high", "{calm}");
        assert_eq!(high_risk_alerts(&dispatcher).await, 2);
        assert_eq!(dispatcher.get(board).await.1["total"], 2);

        // Defused: reassessed low, or closed; either way off the board.
        let (_, violent) = act(&worker, &violent, json!({"action": "risk", "people": 2})).await;
        assert_eq!(violent["risk_level"], "low");
        let (_, _) =
            act(&worker, &calm, json!({"action": "terminate", "reason": "withdrawn", "note": "双方和解撤回"})).await;
        assert_eq!(dispatcher.get(board).await.1["total"], 0);
        assert_eq!(high_risk_alerts(&dispatcher).await, 2, "defusing sends nothing more");
    }
);

async fn add_evidence(
    s: &Session,
    case: &Value,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> (StatusCode, Value) {
    let (content_type, body) = common::multipart(fields, "file", files);
    let res = s
        .client
        .post(s.url(&format!("/api/v1/mediation/cases/{}/evidence", case["id"])))
        .header("X-CSRF-Token", &s.csrf)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn evidence_list(s: &Session, case: &Value) -> Value {
    s.get(&format!("/api/v1/mediation/cases/{}/evidence", case["id"])).await.1
}

on_both_engines!(evidence_is_checked_by_content_scoped_and_closed_with_the_case, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    let (_, region_id) = appeal(&worker, &grid, "A01", "借款到期不还,双方争执").await;
    let (status, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "contract", "summary": "借款纠纷",
                    "parties": [{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let iou = common::png(4, 3, [200, 10, 10]);
    let (status, added) = add_evidence(
        &worker,
        &case,
        &[("source", "applicant"), ("description", "借条原件照片")],
        &[("张三借条.png", &iou), ("还款记录.pdf", b"%PDF-1.4\n%test\n")],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added.as_array().unwrap().len(), 2);
    assert_eq!(added[0]["source_zh"], "申请人提供");
    assert_eq!(added[1]["mime"], "application/pdf");
    let res = worker.client.get(worker.url(added[0]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), iou.as_slice());

    // Refusals name the problem and write nothing: no description, an unknown source, a file
    // that is not a photo or PDF whatever its name says.
    let (status, err) = add_evidence(&worker, &case, &[("source", "judge")], &[("a.png", &iou)]).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["source".to_owned(), "description".to_owned()]));
    let (status, err) =
        add_evidence(&worker, &case, &[("source", "respondent"), ("description", "说明")], &[("x.jpg", b"MZ\x90\0")])
            .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["file".to_owned()]), "{err}");
    assert!(err["fields"][0]["message"].as_str().unwrap().contains("x.jpg"), "{err}");
    assert_eq!(evidence_list(&worker, &case).await.as_array().unwrap().len(), 2);

    // Leaders read the list but see no file names; other villages see nothing.
    let leader = app.login("leader").await;
    let listed = evidence_list(&leader, &case).await;
    assert_eq!(listed[0]["name"], "证据1", "{listed}");
    assert_eq!(listed[0]["description"], "借条原件照片");
    let (status, _) =
        add_evidence(&leader, &case, &[("source", "committee"), ("description", "现场")], &[("a.png", &iou)]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let admin = app.login("admin").await;
    let other = another_village_grid(&admin, region_id).await;
    let outsider = app.login(&format!("grid.{}", other["code"].as_str().unwrap())).await;
    let (status, _) = outsider.get(&format!("/api/v1/mediation/cases/{}/evidence", case["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = outsider.get(added[0]["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Closed without agreement: no more evidence. Audited once per upload.
    let (_, case) = act(&worker, &case, json!({"action": "terminate", "reason": "withdrawn", "note": "撤回"})).await;
    let (status, err) =
        add_evidence(&worker, &case, &[("source", "committee"), ("description", "回访记录")], &[("b.png", &iou)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err.to_string().contains("不能再添加证据"), "{err}");
    let (_, audit) = admin.get("/api/v1/audit?action=mediation.evidence").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    // The sweeper keeps what evidence refers to, however old.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(48 * 3600);
    let mut blobs = 0;
    for top in std::fs::read_dir(&app.blob_dir).unwrap() {
        for leaf in std::fs::read_dir(top.unwrap().path()).into_iter().flatten() {
            for file in std::fs::read_dir(leaf.unwrap().path()).into_iter().flatten() {
                std::fs::File::options().write(true).open(file.unwrap().path()).unwrap().set_modified(old).unwrap();
                blobs += 1;
            }
        }
    }
    assert_eq!(blobs, 2, "refused uploads stored nothing");
    let (ok, out, err) = app.pingan(&["blobs", "sweep"]).await;
    assert!(ok && out.contains("removed 0 unreferenced"), "{out}{err}");
    let res = worker.client.get(worker.url(added[1]["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
});

/// Notices of `kind` in an account's inbox.
async fn notices(s: &Session, kind: &str) -> Vec<String> {
    let (_, inbox) = s.get("/api/v1/notifications").await;
    inbox["items"]
        .as_array()
        .expect("inbox items")
        .iter()
        .filter(|n| n["kind"] == kind)
        .map(|n| n["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

on_both_engines!(after_care_reminders_go_out_once_as_their_dates_come, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    let (_, region_id) = appeal(&worker, &grid, "A01", "邻里间因通道占用发生纠纷").await;
    let admin = app.login("admin").await;
    let (_, grid_region) = admin.get(&format!("/api/v1/regions/{region_id}")).await;
    let (_, village) = admin.get(&format!("/api/v1/regions/{}", grid_region["region"]["parent_id"])).await;
    let cadre = app.login(&format!("cadre.{}", village["region"]["code"].as_str().unwrap())).await;
    let (status, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "neighbour", "summary": "通道占用",
                    "parties": [{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}],
                    "consents": ["applicant", "respondent"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let (_, mediator) = worker.get(&format!("/api/v1/mediation/cases/{}/suggested-mediator", case["id"])).await;
    let (_, case) = act(&worker, &case, json!({"action": "assign", "mediator_id": mediator["id"]})).await;
    let (_, case) = act(&worker, &case, session(&today())).await;
    let now = chrono::Utc::now();
    let in_days =
        |d: i64| (now + chrono::Duration::hours(8) + chrono::Duration::days(d)).format("%Y-%m-%d").to_string();
    let (status, case) = act(
        &worker,
        &case,
        json!({"action": "agree", "facts": "通道被杂物占用", "terms": "乙方清理杂物", "performance_manner": "乙方自行清理",
               "performance_due": in_days(3), "effective": today()}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let case_no = case["case_no"].as_str().unwrap().to_owned();
    let at = |days: f64| now.timestamp_millis() + (days * 86_400_000.0) as i64;

    // Nothing is due yet: the visit is three days off, the judicial window a month.
    let pass = app.store.run_mediation_reminders(at(0.0), 500).await.unwrap();
    assert_eq!((pass.follow_ups, pass.judicial), (0, 0));
    // The day before the performance date ends (due − now is 3 to 4 days, by the hour): one
    // reminder, however many scanners race for it.
    let (a, b) =
        tokio::join!(app.store.run_mediation_reminders(at(3.0), 500), app.store.run_mediation_reminders(at(3.0), 500));
    assert_eq!(a.unwrap().follow_ups + b.unwrap().follow_ups, 1);
    let follow_ups = notices(&cadre, "mediation_follow_up").await;
    assert_eq!(follow_ups.len(), 1, "{follow_ups:?}");
    assert!(follow_ups[0].contains(&case_no) && follow_ups[0].contains(&in_days(3)), "{follow_ups:?}");
    assert_eq!(app.store.run_mediation_reminders(at(3.1), 500).await.unwrap(), Default::default());
    // A week before the judicial window closes; the long-overdue visit is not pushed again.
    let pass = app.store.run_mediation_reminders(at(24.0), 500).await.unwrap();
    assert_eq!((pass.follow_ups, pass.judicial), (0, 1));
    let judicial = notices(&cadre, "mediation_judicial_window").await;
    assert!(judicial.len() == 1 && judicial[0].contains("司法确认"), "{judicial:?}");
    // Once visited and applied for, nothing is due.
    let (status, case) = act(
        &worker,
        &case,
        json!({"action": "follow_up", "on": today(), "performance": "performed", "note": "已清理"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let (status, case) = act(&worker, &case, json!({"action": "judicial_apply", "on": today()})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let (_, due) = worker.get("/api/v1/mediation/cases?queue=follow_up_due").await;
    assert_eq!(due["total"], 0, "{due}");
    assert_eq!(app.store.run_mediation_reminders(at(29.0), 500).await.unwrap(), Default::default());

    // A body at a place with no staff of its own (a studio in a grid, 网格+调解, registered by
    // the township): the nearest region above that has them hears, here the village's cadre.
    let dispatcher = app.login(&format!("dispatch.{}000", &grid[..9])).await;
    let (status, studio) = dispatcher
        .post("/api/v1/mediation/bodies", &json!({"region_id": region_id, "name": "网格调解室", "kind": "studio"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{studio}");
    let (_, mediator) = worker
        .post("/api/v1/mediation/mediators", &json!({"body_org_id": studio["org_id"], "name": "网格调解员"}))
        .await;
    let (_, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "neighbour", "summary": "晾晒占道", "body_org_id": studio["org_id"],
                    "parties": [{"side": "applicant", "name": "丙"}, {"side": "respondent", "name": "丁"}],
                    "consents": ["applicant", "respondent"]}),
        )
        .await;
    let (_, case) = act(&worker, &case, json!({"action": "assign", "mediator_id": mediator["id"]})).await;
    let (_, case) = act(&worker, &case, session(&today())).await;
    let (status, _) = act(
        &worker,
        &case,
        json!({"action": "agree", "facts": "占道", "terms": "不再占道", "performance_manner": "自行整改",
               "performance_due": in_days(3), "effective": today()}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let pass = app.store.run_mediation_reminders(at(3.0), 500).await.unwrap();
    assert_eq!((pass.follow_ups, pass.notified), (1, 1), "{pass:?}");
    assert_eq!(notices(&cadre, "mediation_follow_up").await.len(), 2);
});

on_both_engines!(a_village_registers_its_brand_and_its_page_counts_its_cases, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    let (_, region_id) = appeal(&worker, &grid, "A01", "宅基地边界纠纷").await;
    let admin = app.login("admin").await;
    let (_, grid_region) = admin.get(&format!("/api/v1/regions/{region_id}")).await;
    let village_id = grid_region["region"]["parent_id"].as_i64().unwrap();
    let (_, village) = admin.get(&format!("/api/v1/regions/{village_id}")).await;
    let cadre = app.login(&format!("cadre.{}", village["region"]["code"].as_str().unwrap())).await;
    let (_, bodies) = cadre.get(&format!("/api/v1/mediation/bodies?region_id={village_id}")).await;
    let committee = bodies[0]["org_id"].as_i64().expect("the village has its committee");

    // Bad input is named, field by field; a studio's body must be the region's own.
    let (status, err) = cadre
        .post(
            "/api/v1/mediation/brands",
            &json!({"region_id": village_id, "name": "", "kind": "club", "summary": "短"}),
        )
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["name".into(), "kind".into(), "summary".into()]));
    let (_, township_bodies) =
        admin.get(&format!("/api/v1/mediation/bodies?region_id={}", village["region"]["parent_id"])).await;
    let township_body = township_bodies[0]["org_id"].as_i64().unwrap();
    let studio = |body: i64| {
        json!({"region_id": village_id, "name": "老王调解工作室", "kind": "studio", "body_org_id": body,
               "summary": "王大爷带领调解员进院入户,专调邻里和宅基地纠纷。", "lead": "王德和"})
    };
    let (status, err) = admin.post("/api/v1/mediation/brands", &studio(township_body)).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["body_org_id".to_owned()]), "{err}");
    // A grid worker of another village cannot register this one's.
    let other = another_village_grid(&admin, region_id).await;
    let outsider = app.login(&format!("grid.{}", other["code"].as_str().unwrap())).await;
    let (status, _) = outsider.post("/api/v1/mediation/brands", &studio(committee)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Leaders read brands and change none.
    let (status, _) = app.login("leader").await.post("/api/v1/mediation/brands", &studio(committee)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The demo may have given the village a brand already: then the cadre changes it.
    let (_, existing) = cadre.get("/api/v1/mediation/brands").await;
    let mine = existing.as_array().unwrap().iter().find(|b| b["region_id"] == village_id).cloned();
    let brand = match mine {
        None => {
            let (status, brand) = cadre.post("/api/v1/mediation/brands", &studio(committee)).await;
            assert_eq!(status, StatusCode::CREATED, "{brand}");
            let (status, _) = cadre.post("/api/v1/mediation/brands", &studio(committee)).await;
            assert_eq!(status, StatusCode::CONFLICT, "one brand per region");
            brand
        }
        Some(b) => {
            let (status, err) = cadre.post("/api/v1/mediation/brands", &studio(committee)).await;
            assert_eq!(status, StatusCode::CONFLICT, "{err}");
            let mut body = studio(committee);
            body["version"] = b["version"].clone();
            let (status, brand) =
                cadre.send(reqwest::Method::PUT, &format!("/api/v1/mediation/brands/{}", b["id"]), &body).await;
            assert_eq!(status, StatusCode::OK, "{brand}");
            brand
        }
    };
    assert_eq!(brand["tier"], "一村一亮点");
    assert_eq!(brand["name"], "老王调解工作室");
    // A stale version is refused and changes nothing.
    let mut stale = studio(committee);
    stale["version"] = json!(brand["version"].as_i64().unwrap() - 1);
    stale["name"] = json!("改名");
    let (status, _) =
        cadre.send(reqwest::Method::PUT, &format!("/api/v1/mediation/brands/{}", brand["id"]), &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Its page counts the committee's cases: one more opened and agreed here shows.
    let page = |s: &Session| {
        let (s, id) = (s.against(&s.base), brand["id"].clone());
        async move { s.get(&format!("/api/v1/mediation/brands/{id}")).await.1 }
    };
    let before = page(&cadre).await;
    let (_, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "house_land", "summary": "宅基地边界",
                    "parties": [{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}],
                    "consents": ["applicant", "respondent"]}),
        )
        .await;
    assert_eq!(case["body_org_id"], committee, "{case}");
    let (_, mediator) = worker.get(&format!("/api/v1/mediation/cases/{}/suggested-mediator", case["id"])).await;
    let (_, case) = act(&worker, &case, json!({"action": "assign", "mediator_id": mediator["id"]})).await;
    let (_, case) = act(&worker, &case, session(&today())).await;
    let (status, _) = act(
        &worker,
        &case,
        json!({"action": "agree", "facts": "界桩位置", "terms": "按原界桩重新立界", "performance_manner": "双方到场",
               "performance_due": "2099-01-01"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let after = page(&cadre).await;
    for (figure, more) in [("cases", 1), ("successful", 1), ("in_progress", 0)] {
        assert_eq!(
            after["all_time"][figure].as_u64().unwrap(),
            before["all_time"][figure].as_u64().unwrap() + more,
            "{figure}: {before} → {after}"
        );
    }
    // The township sees the village's brand, with the same figures.
    let dispatcher = app.login(&format!("dispatch.{}000", &grid[..9])).await;
    assert_eq!(page(&dispatcher).await["all_time"], after["all_time"]);

    // The mediator's record: their case and their figures.
    let (_, record) = worker.get(&format!("/api/v1/mediation/mediators/{}", mediator["id"])).await;
    assert!(record["all_time"]["successful"].as_u64().unwrap() >= 1, "{record}");
    assert!(record["mediator"]["phone"].as_str().is_none_or(|p| p.contains("****")), "{record}");
    let (_, theirs) = worker.get(&format!("/api/v1/mediation/cases?mediator_id={}", mediator["id"])).await;
    assert!(theirs["items"].as_array().unwrap().iter().any(|c| c["id"] == case["id"]), "{theirs}");
    assert_eq!(theirs["total"], record["all_time"]["cases"], "the list and the figures count the same cases");

    let (_, audit) = admin.get("/api/v1/audit?action=mediation.brand").await;
    assert!(!audit["items"].as_array().unwrap().is_empty(), "{audit}");
});

on_both_engines!(a_township_registers_a_studio_its_mediators_and_its_brand, |app: TestApp| async move {
    let (worker, grid) = grid_worker(&app).await;
    let (_, region_id) = appeal(&worker, &grid, "A02", "夫妻因赡养老人发生争吵").await;
    let township_code = format!("{}000", &grid[..9]);
    let dispatcher = app.login(&format!("dispatch.{township_code}")).await;
    let admin = app.login("admin").await;
    let parent = |v: &Value| v["region"]["parent_id"].as_i64().expect("parent_id");
    let village_id = parent(&admin.get(&format!("/api/v1/regions/{region_id}")).await.1);
    let township_id = parent(&admin.get(&format!("/api/v1/regions/{village_id}")).await.1);

    // Bad input: no name, a level committee, an industry without its industry.
    let (status, err) = dispatcher
        .post("/api/v1/mediation/bodies", &json!({"region_id": township_id, "name": " ", "kind": "township"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(fields(&err).contains(&"name".to_owned()), "{err}");
    let (status, err) = dispatcher
        .post("/api/v1/mediation/bodies", &json!({"region_id": township_id, "name": "某调委会", "kind": "village"}))
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["kind".to_owned()]), "{err}");
    let (status, err) = dispatcher
        .post(
            "/api/v1/mediation/bodies",
            &json!({"region_id": township_id, "name": "劳动争议调委会", "kind": "industry"}),
        )
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["industry".to_owned()]), "{err}");
    // Grid workers add no bodies (those who add organisations do); an industry committee sits
    // at a county or the city.
    let (status, _) = worker
        .post("/api/v1/mediation/bodies", &json!({"region_id": region_id, "name": "工作室", "kind": "studio"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = dispatcher
        .post(
            "/api/v1/mediation/bodies",
            &json!({"region_id": township_id, "name": "劳动争议调委会", "kind": "industry", "industry": "labour"}),
        )
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["region_id".to_owned()]), "{err}");

    let (status, studio) = dispatcher
        .post(
            "/api/v1/mediation/bodies",
            &json!({"region_id": township_id, "name": "老娘舅调解工作室", "kind": "studio", "phone": "0534-2345678"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{studio}");
    assert_eq!(studio["kind"], "studio");
    assert_eq!(studio["level"], "township");
    let body = studio["org_id"].as_i64().unwrap();
    let (status, mediator) = dispatcher
        .post(
            "/api/v1/mediation/mediators",
            &json!({"body_org_id": body, "name": "赵老娘舅", "phone": "13512345678", "specialties": ["marriage_family"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{mediator}");

    // The township's brand is the studio (registered, or the demo's changed to it).
    let (_, brands) = dispatcher.get("/api/v1/mediation/brands").await;
    let existing = brands.as_array().unwrap().iter().find(|b| b["region_id"] == township_id).cloned();
    let mut request = json!({"region_id": township_id, "name": "老娘舅调解工作室", "kind": "studio", "body_org_id": body,
                             "summary": "老娘舅带队调解婚姻家庭纠纷,重在亲情疏导。", "lead": "赵老娘舅"});
    let brand = match existing {
        None => dispatcher.post("/api/v1/mediation/brands", &request).await.1,
        Some(b) => {
            request["version"] = b["version"].clone();
            dispatcher.send(reqwest::Method::PUT, &format!("/api/v1/mediation/brands/{}", b["id"]), &request).await.1
        }
    };
    assert_eq!(brand["body_org_id"], body, "{brand}");
    assert_eq!(brand["tier"], "一乡一特色");

    // A family dispute heard by the studio counts on the brand's page and the mediator's record.
    let (status, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": region_id, "dispute_type": "marriage_family", "summary": "赡养纠纷", "body_org_id": body,
                    "parties": [{"side": "applicant", "name": "甲"}, {"side": "respondent", "name": "乙"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    assert_eq!(case["level"], "township");
    let (_, suggested) = worker.get(&format!("/api/v1/mediation/cases/{}/suggested-mediator", case["id"])).await;
    assert_eq!(suggested["id"], mediator["id"], "the studio's only mediator is suggested");
    let (_, page) = dispatcher.get(&format!("/api/v1/mediation/brands/{}", brand["id"])).await;
    assert_eq!(page["all_time"]["cases"], 1, "{page}");
    assert_eq!(page["all_time"]["in_progress"], 1, "{page}");
    let (_, audit) = admin.get("/api/v1/audit?action=mediation.body_create").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");

    // The mediator retires: off the roster for new cases, history kept; changes are checked.
    let path = format!("/api/v1/mediation/mediators/{}", mediator["id"]);
    let (status, err) = dispatcher.patch(&path, &json!({"specialties": ["gossip"]})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["specialties[0]".to_owned()]));
    let (status, _) = app.login("leader").await.patch(&path, &json!({"active": false})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, stopped) = dispatcher.patch(&path, &json!({"active": false})).await;
    assert_eq!((status, &stopped["active"]), (StatusCode::OK, &json!(false)), "{stopped}");
    let (_, suggested) = worker.get(&format!("/api/v1/mediation/cases/{}/suggested-mediator", case["id"])).await;
    assert!(suggested.is_null(), "no active mediator to suggest: {suggested}");
    let (status, err) = act(&worker, &case, json!({"action": "assign", "mediator_id": mediator["id"]})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["mediator_id".to_owned()]), "{err}");
    let (_, record) = dispatcher.get(&path).await;
    assert_eq!(record["mediator"]["active"], false);
    // Restarted from their page.
    let page = dispatcher.client.get(dispatcher.url(&format!("/mediation/mediators/{}", mediator["id"]))).send().await;
    let page = page.unwrap().text().await.unwrap();
    assert!(page.contains("已停用") && page.contains("重新启用"), "{page}");
    let res = dispatcher
        .client
        .post(dispatcher.url(&format!("/mediation/mediators/{}/active", mediator["id"])))
        .form(&[("_csrf", dispatcher.csrf.as_str()), ("active", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(dispatcher.get(&path).await.1["mediator"]["active"], true);
    let (_, audit) = admin.get("/api/v1/audit?action=mediator.update").await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2, "{audit}");
});
