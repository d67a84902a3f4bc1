//! Citizens' appeals through the API, on both engines: intake with routing and its reason,
//! idempotent retries, the handling loop from dispatch to the resident's rating, refusals that
//! write nothing, scoping, and the deadline timers firing exactly once across instances.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PHONE: &str = "13800138000";

fn fields(err: &Value) -> Vec<String> {
    err["fields"]
        .as_array()
        .map_or_else(Vec::new, |f| f.iter().map(|x| x["field"].as_str().unwrap_or_default().to_owned()).collect())
}

/// A grid worker of the staffed county and the code of their grid.
async fn grid_worker(app: &TestApp) -> (Session, String) {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").expect("grid worker usernames are grid.<code>").to_owned();
    (app.login(&username).await, grid_code)
}

async fn post_with_key(s: &Session, key: &str, body: &Value) -> (StatusCode, Value) {
    let res = s
        .client
        .post(s.url("/api/v1/appeals"))
        .header("X-CSRF-Token", &s.csrf)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn act(s: &Session, id: i64, body: Value) -> (StatusCode, Value) {
    s.post(&format!("/api/v1/appeals/{id}/actions"), &body).await
}

async fn case_count(s: &Session) -> i64 {
    s.get("/api/v1/appeals?per_page=1").await.1["total"].as_i64().expect("total")
}

on_both_engines!(an_appeal_goes_from_patrol_report_to_rating, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let report = json!({
        "text": "某服装厂拖欠二十多名工人三个月工资,工人多次讨要未果",
        "category": "A03",
        "channel": "patrol",
        "region_code": grid_code,
        "reporter_name": "王建国",
        "reporter_phone": PHONE,
    });
    let (status, filed) = post_with_key(&worker, "patrol-001", &report).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let code = filed["tracking_code"].as_str().unwrap().to_owned();
    // 协同智治: wage arrears go to the county's 人社 department, and the case says why.
    assert_eq!(filed["state"], "dispatched");
    assert!(filed["route_why"].as_str().unwrap().contains("人力资源和社会保障局"), "{filed}");
    assert_eq!(filed["unit_name"], "德城区人力资源和社会保障局", "{filed}");

    // A retry with the same key is the same case; the same key with another body is refused.
    let (status, again) = post_with_key(&worker, "patrol-001", &report).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((again["id"].as_i64(), again["replayed"].as_bool()), (Some(id), Some(true)));
    let mut other = report.clone();
    other["text"] = json!("另一件事:小区路灯坏了一个星期没人修");
    let (status, err) = post_with_key(&worker, "patrol-001", &other).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["Idempotency-Key"]);
    assert_eq!(case_count(&worker).await, 1);

    // The unit sees it waiting for its signature; the grid worker cannot sign for it.
    let dept = app.login("dept.371402.renshe").await;
    let (_, queue) = dept.get("/api/v1/appeals?queue=to_accept&mine=true").await;
    assert_eq!(queue["total"], 1, "{queue}");
    assert_eq!(queue["items"][0]["id"], id);
    assert!(queue["items"][0]["reporter"].as_str().unwrap().contains("138****8000"), "lists mask phones");
    let (_, counts) = dept.get("/api/v1/appeals/queues?mine=true").await;
    let to_accept = counts.as_array().unwrap().iter().find(|q| q["queue"] == "to_accept").unwrap();
    assert_eq!(to_accept["count"], 1);
    let (status, err) = act(&worker, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{err}");

    // 签收 → 办理 → 联系群众 → 答复.
    let (status, case) = act(&dept, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "accepted");
    let version = case["version"].as_i64().unwrap();
    let (status, err) = act(&dept, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a second signature is a wrong-state refusal: {err}");
    assert_eq!(act(&dept, id, json!({"action": "start_work"})).await.0, StatusCode::OK);
    // A form opened before the last step is stale.
    let (status, _) =
        act(&dept, id, json!({"action": "record_contact", "note": "电话联系", "expected_version": version})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(act(&dept, id, json!({"action": "record_contact", "note": "已电话联系王师傅"})).await.0, StatusCode::OK);
    let (status, err) = act(&dept, id, json!({"action": "submit_result", "result": "  "})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let (status, case) =
        act(&dept, id, json!({"action": "submit_result", "result": "已约谈企业负责人,工资于本周内全部补发"})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "result_submitted");
    // The unit sees the reporter in full; the case page is theirs to act on.
    assert_eq!(case["reporter_phone"], PHONE);

    // The supervision centre verifies: closed, and the resident is told.
    let supervisor = app.login("supervisor").await;
    let (status, case) =
        act(&supervisor, id, json!({"action": "verify", "passed": true, "note": "电话核实已补发"})).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "closed");

    // The resident signs in with the phone the worker recorded, finds the case and rates it.
    let resident = app.citizen_login(PHONE).await;
    let (_, mine) = resident.get("/api/v1/appeals").await;
    assert_eq!(mine["total"], 1, "{mine}");
    let (status, err) =
        act(&dept, id, json!({"action": "callback", "solved": true, "satisfaction": "satisfied", "comment": ""})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the unit never rates itself: {err}");
    let (status, case) = act(
        &resident,
        id,
        json!({"action": "callback", "solved": true, "satisfaction": "satisfied", "comment": "工资拿到了,谢谢"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "called_back");

    // The public timeline tells the story without anyone's phone.
    let res = reqwest::get(app.url(&format!("/api/v1/track/{code}"))).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(!text.contains(PHONE) && !text.contains("王建国"), "{text}");
    let track: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(track["state_name"], "已回访");
    let steps: Vec<&str> = track["steps"].as_array().unwrap().iter().map(|s| s["what"].as_str().unwrap()).collect();
    assert!(steps[0].starts_with("受理"), "{steps:?}");
    assert!(steps.iter().any(|s| s.starts_with("派单")), "{steps:?}");
    assert!(steps.last().unwrap().starts_with("回访"), "{steps:?}");
    assert_eq!(reqwest::get(app.url("/api/v1/track/NOSUCHCODE")).await.unwrap().status(), StatusCode::NOT_FOUND);

    // Every step is audited.
    let admin = app.login("admin").await;
    let (_, audit) = admin.get("/api/v1/audit?action=appeal.").await;
    assert_eq!(audit["total"], 7, "file, accept, start, contact, submit, verify, callback — and nothing for refusals");
    // The resident's code reached the outbox.
    let outbox: i64 = count(&app, "SELECT count(*) FROM notifications WHERE phone = '13800138000'").await;
    assert_eq!(outbox, 2, "received and closed");
});

on_both_engines!(routing_sees_a_change_to_its_unit_at_once, |app: TestApp| async move {
    // Routing look-ups are cached for intake's sake; a change made through the app must still
    // show in the very next filing.
    let (worker, grid_code) = grid_worker(&app).await;
    let report = |n: u32| {
        json!({"text": format!("某厂拖欠工人工资{n}个月,多次讨要未果"), "category": "A03", "channel": "patrol",
               "region_code": grid_code})
    };
    let (status, first) = post_with_key(&worker, "rename-1", &report(2)).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["unit_name"], "德城区人力资源和社会保障局", "{first}");
    let admin = app.login("admin").await;
    let (_, found) = admin.get("/api/v1/orgs?kind=department&q=德城区人力资源和社会保障局").await;
    let org = found["items"][0]["id"].as_i64().expect("the unit is an organisation");
    let (status, renamed) = admin.patch(&format!("/api/v1/orgs/{org}"), &json!({"name": "德城区人社局"})).await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    let (status, second) = post_with_key(&worker, "rename-2", &report(3)).await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["unit_name"], "德城区人社局", "the filing after the rename names the unit anew: {second}");
});

async fn count(app: &TestApp, sql: &str) -> i64 {
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .expect("count"))
}

on_both_engines!(bad_appeals_are_refused_field_by_field_and_write_nothing, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let (status, err) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": " ", "category": "Q42", "reporter_phone": "12345", "lon": 0.0, "lat": 0.0, "channel": "fax"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(fields(&err), ["text", "category", "channel", "reporter_phone", "location"]);
    let long = "长".repeat(2001);
    let (status, err) =
        worker.post("/api/v1/appeals", &json!({"text": long, "channel": "patrol", "region_code": grid_code})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["text"]);
    let (status, err) = worker
        .post("/api/v1/appeals", &json!({"text": "楼道堆放杂物", "channel": "proxy", "region_code": grid_code}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["reporter_phone"], "a proxy entry needs the resident's phone");
    let (status, _) = worker.post("/api/v1/appeals", &json!({"text": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // A staff member files only inside their own scope.
    // (The listing of a region's children: the grids of the worker's village's neighbours.)
    let other_grid = {
        let admin = app.login("admin").await;
        let village_code = &grid_code[..12];
        let township_code = format!("{}000", &grid_code[..9]);
        let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
        let county =
            counties.as_array().unwrap().iter().find(|c| grid_code.starts_with(c["code"].as_str().unwrap())).unwrap();
        let (_, townships) = admin.get(&format!("/api/v1/regions?parent_id={}", county["id"])).await;
        let township = townships.as_array().unwrap().iter().find(|t| t["code"] == township_code.as_str()).unwrap();
        let (_, villages) = admin.get(&format!("/api/v1/regions?parent_id={}", township["id"])).await;
        let village = villages.as_array().unwrap().iter().find(|v| v["code"] != village_code).expect("another village");
        let (_, grids) = admin.get(&format!("/api/v1/regions?parent_id={}", village["id"])).await;
        grids[0]["code"].as_str().expect("a grid").to_owned()
    };
    let (status, _) = worker
        .post("/api/v1/appeals", &json!({"text": "路灯不亮已经一周", "channel": "patrol", "region_code": other_grid}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(case_count(&app.login("admin").await).await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM appeal_events").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM audit_events WHERE action LIKE 'appeal.%'").await, 0);
});

on_both_engines!(the_classifier_fills_in_and_emergencies_are_transferred_at_once, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    // No category or urgency: the classifier decides, and a fire in progress goes to 119 at once.
    let (status, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "小区3号楼配电箱着火了,浓烟很大,有人被困", "channel": "patrol", "region_code": grid_code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["urgency"], "urgent");
    assert_eq!(filed["state"], "transferred", "{filed}");
    assert!(filed["route_why"].as_str().unwrap().contains("119"), "{filed}");
    // The suggestion endpoint the phone form uses while the resident types.
    let res =
        app.client().post(app.url("/api/v1/classify")).json(&json!({"text": "隔壁装修噪音太大"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let p: Value = res.json().await.unwrap();
    assert!(!p["categories"].as_array().unwrap().is_empty());
});

on_both_engines!(returns_reviews_and_merges_follow_the_rules, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let file = |text: &str| json!({"text": text, "category": "A03", "channel": "patrol", "region_code": grid_code, "urgency": "normal"});
    let (_, a) = worker.post("/api/v1/appeals", &file("建筑工地拖欠农民工工资两个月")).await;
    let (_, b) = worker.post("/api/v1/appeals", &file("同一工地又有工人反映被拖欠工资")).await;
    let (a, b) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let dept = app.login("dept.371402.renshe").await;
    let supervisor = app.login("supervisor").await;
    // 退单 needs a reason; with one it waits for review; an upheld return reassigns.
    let (status, _) = act(&dept, a, json!({"action": "return", "reason": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, case) = act(&dept, a, json!({"action": "return", "reason": "属于住建部门监管的工程项目"})).await;
    assert_eq!((status, case["state"].as_str()), (StatusCode::OK, Some("returned")), "{case}");
    let (_, orgs) = supervisor.get("/api/v1/orgs?kind=department&q=住房和城乡建设&per_page=50").await;
    let zhujian = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["region_code"] == "371402")
        .map(|o| o["id"].as_i64().unwrap())
        .expect("the county's 住建 department");
    let (status, case) = act(
        &supervisor,
        a,
        json!({"action": "review_return", "decision": {"decision": "uphold", "to": {"org_id": zhujian}, "note": "改派住建"}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{case}");
    assert_eq!(case["state"], "dispatched");
    assert!(case["unit_name"].as_str().unwrap().contains("住房"), "{case}");
    // The renshe department no longer sees case a as its own.
    let (_, mine) = dept.get("/api/v1/appeals?mine=true").await;
    assert_eq!(mine["total"], 1);
    // 并单: b joins a; a bad primary is refused by name.
    let (status, err) = act(&supervisor, b, json!({"action": "merge", "primary_id": b, "reason": "同一事项"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["primary_id"]);
    let (status, case) =
        act(&supervisor, b, json!({"action": "merge", "primary_id": a, "reason": "同一工地同一事项"})).await;
    assert_eq!((status, case["state"].as_str()), (StatusCode::OK, Some("merged")), "{case}");
    // Closing the primary closes the merged case with it.
    let zj = app.login("dept.371402.zhujian").await;
    for step in [
        json!({"action": "accept"}),
        json!({"action": "start_work"}),
        json!({"action": "submit_result", "result": "责令施工单位足额支付"}),
    ] {
        let (status, body) = act(&zj, a, step).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    assert_eq!(
        act(&supervisor, a, json!({"action": "verify", "passed": true, "note": "核实"})).await.0,
        StatusCode::OK
    );
    let (_, merged) = supervisor.get(&format!("/api/v1/appeals/{b}")).await;
    assert_eq!(merged["state"], "closed", "{merged}");
    assert_eq!(merged["snapshot"]["closed_with_primary"], true);
    // Unknown actions and units are 400s, never 500s.
    let (status, _) = act(&supervisor, a, json!({"action": "teleport"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, err) =
        act(&supervisor, a, json!({"action": "reassign", "to": {"org_id": 999999}, "reason": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(supervisor.get("/api/v1/appeals/999999").await.0, StatusCode::NOT_FOUND);
});

on_both_engines!(cases_are_seen_only_within_scope, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let (_, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "欠薪问题请帮忙处理", "category": "A03", "channel": "patrol", "region_code": grid_code, "reporter_phone": PHONE}),
        )
        .await;
    let id = filed["id"].as_i64().unwrap();
    // Another county's leader and an unrelated department see nothing.
    let gongan = app.login("dept.gongan").await;
    assert_eq!(gongan.get(&format!("/api/v1/appeals/{id}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(case_count(&gongan).await, 0);
    // A leader reads it, masked.
    let leader = app.login("leader").await;
    let (status, case) = leader.get(&format!("/api/v1/appeals/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(case["reporter_phone"], "138****8000");
    let (status, _) = act(&leader, id, json!({"action": "supervise", "reason": "manual", "note": "x"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "leaders read only");
    // Another resident does not see it.
    let stranger = app.citizen_login("13900139000").await;
    assert_eq!(case_count(&stranger).await, 0);
    assert_eq!(stranger.get(&format!("/api/v1/appeals/{id}")).await.0, StatusCode::NOT_FOUND);
});

on_both_engines!(deadline_timers_warn_then_order_supervision_once, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let (_, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "欠薪问题请帮忙处理", "category": "A03", "channel": "patrol", "region_code": grid_code}),
        )
        .await;
    let id = filed["id"].as_i64().unwrap();
    assert_eq!(app.store.pending_timer_count().await.unwrap(), 2, "yellow and red for the acceptance clock");
    let rules = app.store.appeal_rules().await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let first = app.store.run_deadline_pass(&rules, "test", now, 100).await.unwrap();
    // Not overdue yet. The yellow card may already be due: a case filed at a weekend with one
    // working day to its limit has one working day left from the start.
    assert_eq!((first.supervision_orders, first.fired), (0, first.warnings), "{first:?}");
    assert!(first.warnings <= 1, "{first:?}");
    // Thirty days on: the rest fire, each once; the red card orders supervision.
    let later = now + 30 * 86_400_000;
    let pass = app.store.run_deadline_pass(&rules, "test", later, 100).await.unwrap();
    assert_eq!(
        (first.fired + pass.fired, first.warnings + pass.warnings, pass.supervision_orders),
        (2, 1, 1),
        "{pass:?}"
    );
    let again = app.store.run_deadline_pass(&rules, "test", later, 100).await.unwrap();
    assert_eq!(again.fired, 0);
    let supervisor = app.login("supervisor").await;
    let (_, case) = supervisor.get(&format!("/api/v1/appeals/{id}")).await;
    assert_eq!(case["snapshot"]["supervision"].as_array().unwrap().len(), 1);
    assert_eq!(case["snapshot"]["supervision"][0]["reason"], "overdue");
    // Acceptance starts a new clock with timers of its own.
    let dept = app.login("dept.371402.renshe").await;
    assert_eq!(act(&dept, id, json!({"action": "accept"})).await.0, StatusCode::OK);
    assert_eq!(app.store.pending_timer_count().await.unwrap(), 2);
});

/// Several instances' scanners on one PostgreSQL database: every due timer fires exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_fire_each_deadline_exactly_once() {
    let Some(app) = TestApp::spawn(pingan_store::Engine::Postgres).await else { return };
    // Two instances whose scanners run a month ahead: every timer is due the moment it is
    // made, and both scanners race for it while cases keep arriving through both.
    let month = 30 * 86_400_000;
    let a = app.instance_with_scanner(std::time::Duration::from_millis(5), month).await;
    let b = app.instance_with_scanner(std::time::Duration::from_millis(5), month).await;
    let (worker, grid_code) = grid_worker(&app).await;
    for i in 0..40 {
        let via = worker.against(if i % 2 == 0 { &a.base } else { &b.base });
        let (status, _) = via
            .post(
                "/api/v1/appeals",
                &json!({"text": format!("第{i}件欠薪问题请帮忙处理"), "category": "A03", "channel": "patrol", "region_code": grid_code}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    for _ in 0..500 {
        if app.store.pending_timer_count().await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(app.store.pending_timer_count().await.unwrap(), 0, "all timers fired");
    assert_eq!(count(&app, "SELECT count(*) FROM appeal_timers WHERE fired_ms IS NOT NULL").await, 80);
    assert_eq!(count(&app, "SELECT count(*) FROM appeal_events WHERE kind = 'supervision_ordered'").await, 40);
    assert_eq!(count(&app, "SELECT count(*) FROM notifications WHERE kind = 'appeal.yellow_card'").await, 40);
    let per_case = count(
        &app,
        "SELECT count(*) FROM (SELECT appeal_id FROM appeal_events WHERE kind = 'supervision_ordered'
           GROUP BY appeal_id HAVING count(*) <> 1) x",
    )
    .await;
    assert_eq!(per_case, 0, "one supervision order per case");
    let instances = count(&app, "SELECT count(DISTINCT fired_by) FROM appeal_timers").await;
    eprintln!("timers fired by {instances} instance(s)");
    drop((a, b));
}

on_both_engines!(concurrent_retries_with_one_key_make_one_case, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let body =
        json!({"text": "工地拖欠工资,工人们很着急", "category": "A03", "channel": "patrol", "region_code": grid_code});
    // Ten copies of one request at once (a client retrying over a flaky link), plus other
    // cases in the same group commits: one case for the key, every answer names it.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let s = worker.against(&worker.base);
        let body = body.clone();
        tasks.push(tokio::spawn(async move { post_with_key(&s, "retry-key-1", &body).await }));
        let s = worker.against(&worker.base);
        let other = json!({"text": format!("另一件欠薪事项 {i}"), "category": "A03", "channel": "patrol", "region_code": grid_code});
        tasks.push(tokio::spawn(async move { post_with_key(&s, &format!("other-{i}"), &other).await }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let (status, filed) = t.await.unwrap();
        assert!(status.is_success(), "{status}: {filed}");
        if i % 2 == 0 {
            ids.insert(filed["id"].as_i64().unwrap());
        }
    }
    assert_eq!(ids.len(), 1, "every retry answered with the same case");
    assert_eq!(case_count(&worker).await, 11);
    assert_eq!(count(&app, "SELECT count(*) FROM idempotency_keys WHERE key = 'retry-key-1'").await, 1);
});

/// The WAL's checkpoint sequence number (bytes 12–15 of its header, big-endian), which SQLite
/// moves each time the log starts again from its beginning; `None` before the first frame.
fn wal_restarts(db_url: &str) -> Option<u32> {
    let db = db_url.strip_prefix("sqlite://").expect("a SQLite URL");
    let header = std::fs::read(format!("{db}-wal")).ok()?;
    Some(u32::from_be_bytes(header.get(12..16)?.try_into().ok()?))
}

// Under a steady stream of filings the SQLite WAL is copied back and started again, instead of
// growing for as long as the stream lasts (a PASSIVE checkpoint never catches up with a writer
// that commits all the time). Nothing is lost on the way, on either engine.
on_both_engines!(steady_intake_keeps_the_wal_small_and_loses_nothing, |app: TestApp| async move {
    let (worker, grid_code) = grid_worker(&app).await;
    let before = case_count(&worker).await;
    let sqlite = app.engine == pingan_store::Engine::Sqlite;
    // A reader that never stops, as the pages and lists of a busy city are.
    let reading = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reader = {
        let (s, reading) = (worker.against(&worker.base), reading.clone());
        tokio::spawn(async move {
            while reading.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, _) = s.get("/api/v1/appeals?per_page=5").await;
                assert_eq!(status, StatusCode::OK);
            }
        })
    };
    let restarts_before = if sqlite { wal_restarts(&app.db_url) } else { None };
    let until = std::time::Instant::now() + std::time::Duration::from_millis(3000);
    let mut filers = Vec::new();
    for t in 0..8 {
        let (s, grid_code) = (worker.against(&worker.base), grid_code.clone());
        filers.push(tokio::spawn(async move {
            let mut filed = 0;
            while std::time::Instant::now() < until {
                let body = json!({"text": format!("路灯不亮,夜里行人看不清路 {t}-{filed}"), "category": "E01",
                                  "channel": "patrol", "region_code": grid_code});
                let (status, answer) = post_with_key(&s, &format!("steady-{t}-{filed}"), &body).await;
                assert_eq!(status, StatusCode::CREATED, "{answer}");
                filed += 1;
            }
            filed
        }));
    }
    let mut filed = 0;
    for f in filers {
        filed += f.await.unwrap();
    }
    reading.store(false, std::sync::atomic::Ordering::Relaxed);
    reader.await.unwrap();
    assert_eq!(case_count(&worker).await, before + filed, "every filing answered 201 is stored");
    if sqlite {
        let (restarts_before, restarts_after) = (restarts_before.unwrap_or(0), wal_restarts(&app.db_url).unwrap_or(0));
        // The writer starts the log again once a second while cases keep coming.
        assert!(
            restarts_after >= restarts_before + 2,
            "the WAL started again {} times in 3 s of steady intake ({filed} cases)",
            restarts_after - restarts_before
        );
    }
});
