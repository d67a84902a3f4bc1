//! The appeal rules administrators edit — the dispatch catalogue (派单目录) and the time
//! limits — through the API and the page, on both engines: round trips, refusals that name the
//! row and field and write nothing, new cases routed and timed by the new rules while running
//! deadlines stay, and other instances picking up catalogue, time-limit and calendar changes.

use crate::common;
use common::{form, page};

use common::{Session, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const CATALOGUE: &str = "/api/v1/appeal-rules/catalogue";
const TIME_LIMITS: &str = "/api/v1/appeal-rules/time-limits";
const PAGE: &str = "/admin/appeal-rules";

fn fields(err: &Value) -> Vec<String> {
    err["fields"]
        .as_array()
        .map_or_else(Vec::new, |f| f.iter().map(|x| x["field"].as_str().unwrap_or_default().to_owned()).collect())
}

/// The catalogue document's city-wide route of `category`.
fn route_of(doc: &Value, category: &str) -> Value {
    doc["routes"].as_array().unwrap().iter().find(|r| r["category"] == category).cloned().expect("a route per category")
}

/// The time-limit rule for `class` × `urgency` in a time-limit document.
fn rule_mut<'a>(doc: &'a mut Value, class: &str, urgency: &str) -> &'a mut Value {
    doc["rules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["class"] == class && r["urgency"] == urgency)
        .expect("a rule per class and urgency")
}

async fn put(s: &Session, path: &str, body: &Value) -> (StatusCode, Value) {
    s.send(Method::PUT, path, body).await
}

async fn version(s: &Session) -> i64 {
    s.get(CATALOGUE).await.1["version"].as_i64().expect("version")
}

async fn audit_count(s: &Session, action: &str) -> i64 {
    s.get(&format!("/api/v1/audit?action={action}")).await.1["total"].as_i64().expect("total")
}

/// A grid worker of the staffed county and the code of their grid.
async fn grid_worker(app: &TestApp) -> (Session, String) {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").expect("grid worker usernames are grid.<code>").to_owned();
    (app.login(&username).await, grid_code)
}

/// A wage-arrears report (A03, standard time limits, ordinary urgency) from the grid.
async fn file_a03(worker: &Session, grid_code: &str) -> Value {
    let (status, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "服装厂拖欠二十多名工人三个月工资", "category": "A03", "urgency": "normal",
                    "channel": "patrol", "region_code": grid_code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["state"], "dispatched", "{filed}");
    filed
}

/// The running clock before the unit signs: (start, due).
async fn pending(s: &Session, id: i64) -> (chrono::NaiveDateTime, chrono::NaiveDateTime) {
    let (status, case) = s.get(&format!("/api/v1/appeals/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{case}");
    let p = &case["snapshot"]["pending"];
    assert_eq!(p["kind"], "accept", "{case}");
    (serde_json::from_value(p["start"].clone()).unwrap(), serde_json::from_value(p["due"].clone()).unwrap())
}

async fn region_id(app: &TestApp, code: &str) -> i64 {
    let city = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
    app.store.region_by_code(&city, code).await.unwrap().id
}

on_both_engines!(the_rules_round_trip_through_the_api, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (status, empty) = admin.get(CATALOGUE).await;
    assert_eq!(status, StatusCode::OK, "{empty}");
    assert_eq!(empty["rules"], json!([]));
    assert_eq!(empty["editable"], true);
    assert_eq!(empty["routes"].as_array().unwrap().len(), 36, "every category has a route");
    assert_eq!(route_of(&empty, "E01")["source"], "category_default");
    assert_eq!(route_of(&empty, "G05")["source"], "grid_solvable");
    let v0 = empty["version"].as_i64().unwrap();

    let county = region_id(&app, "371402").await;
    let doc = json!({"version": v0, "rules": [
        {"category": "E01", "level": "county", "org_type": "zhifa", "note": "城区环卫由综合执法负责"},
        {"category": "E01", "level": "township", "org_type": "zongzhi", "region_id": county},
    ]});
    let (status, saved) = put(&admin, CATALOGUE, &doc).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], v0 + 1);
    assert_eq!(saved["rules"].as_array().unwrap().len(), 2);
    assert_eq!(saved["rules"][0]["org_type_name"], "综合行政执法局");
    assert_eq!(saved["rules"][1]["region_name"], "德城区");
    let e01 = route_of(&saved, "E01");
    assert_eq!((&e01["source"], &e01["row"], &e01["org_type"]), (&json!("catalogue"), &json!(1), &json!("zhifa")));
    // Reading gives what was saved; sending it back unchanged is accepted.
    let (_, again) = admin.get(CATALOGUE).await;
    assert_eq!(again, saved);
    let (status, back) = put(&admin, CATALOGUE, &again).await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["rules"], saved["rules"]);
    // A document read before someone else's save is refused, and changes nothing.
    let (status, err) = put(&admin, CATALOGUE, &json!({"version": v0, "rules": []})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(admin.get(CATALOGUE).await.1["rules"], saved["rules"]);

    // Time limits: the shipped policy until an administrator stores one.
    let (status, limits) = admin.get(TIME_LIMITS).await;
    assert_eq!(status, StatusCode::OK, "{limits}");
    assert_eq!(limits["source"], "shipped");
    assert_eq!((&limits["extension_max_days"], &limits["return_window_days"]), (&json!(10), &json!(2)));
    let mut changed = limits.clone();
    assert_eq!(rule_mut(&mut changed, "standard", "normal")["dispatch"], json!({"unit": "working_days", "n": 1}));
    rule_mut(&mut changed, "standard", "normal")["dispatch"] = json!({"unit": "clock_hours", "n": 3});
    changed["return_window_days"] = json!(3);
    let (status, stored) = put(&admin, TIME_LIMITS, &changed).await;
    assert_eq!(status, StatusCode::OK, "{stored}");
    assert_eq!((&stored["source"], &stored["updated_by"]), (&json!("stored"), &json!("admin")));
    assert_eq!(stored["return_window_days"], 3);
    assert_eq!(rule_mut(&mut stored.clone(), "standard", "normal")["dispatch"], json!({"unit": "clock_hours", "n": 3}));
    assert_eq!(admin.get(TIME_LIMITS).await.1, stored);

    // Every change audited; the version moved with each.
    assert_eq!(audit_count(&admin, "appeal.catalogue.set").await, 2);
    assert_eq!(audit_count(&admin, "appeal.time_limits.set").await, 1);
    assert_eq!(app.store.appeal_rules_version().await.unwrap(), v0 + 3);
});

on_both_engines!(refusals_name_the_row_and_field_and_write_nothing, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let v0 = version(&admin).await;
    let limits = admin.get(TIME_LIMITS).await.1;
    let good = json!({"rules": [{"category": "E01", "level": "county", "org_type": "zhifa"}]});

    // Everyone who handles appeals reads the rules; only the city administrator changes them.
    let dispatcher = app.first_username("township_dispatcher").await;
    let worker = app.first_username("grid_worker").await;
    for who in ["leader", "supervisor", "dept.371402.renshe", "admin.371402", dispatcher.as_str(), worker.as_str()] {
        let s = app.login(who).await;
        let (status, doc) = s.get(CATALOGUE).await;
        assert_eq!(status, StatusCode::OK, "{who} reads the catalogue");
        assert_eq!(doc["editable"], false, "{who}");
        let (status, doc) = s.get(TIME_LIMITS).await;
        assert_eq!((status, &doc["editable"]), (StatusCode::OK, &json!(false)), "{who} reads the limits");
        assert_eq!(put(&s, CATALOGUE, &good).await.0, StatusCode::FORBIDDEN, "{who} changes the catalogue");
        assert_eq!(put(&s, TIME_LIMITS, &limits).await.0, StatusCode::FORBIDDEN, "{who} changes the limits");
    }
    let resident = app.citizen_login("13900139000").await;
    assert_eq!(resident.get(CATALOGUE).await.0, StatusCode::FORBIDDEN);
    assert_eq!(resident.get(TIME_LIMITS).await.0, StatusCode::FORBIDDEN);
    // Without the CSRF header, even the administrator is refused.
    let res = admin.client.put(admin.url(CATALOGUE)).json(&good).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Every wrong row and field of the catalogue, named at once.
    let (status, err) = put(
        &admin,
        CATALOGUE,
        &json!({"version": "soon", "rules": [
            {"category": "Y42", "level": "county", "org_type": "zhifa"},
            {"category": "E01", "level": "province", "org_type": "zhifa"},
            {"category": "E01", "level": "county", "org_type": "police"},
            {"category": "E03", "level": "township", "org_type": "zhifa"},
            {"category": "E05", "level": "county", "org_type": "shengtai"},
            {"category": "E05", "level": "county", "org_type": "zhujian"},
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(
        fields(&err),
        ["rules[0].category", "rules[1].level", "rules[2].org_type", "rules[3].org_type", "rules[5].level", "version"]
    );
    let message = |i: usize| err["fields"][i]["message"].as_str().unwrap().to_owned();
    assert!(message(0).starts_with("第 1 行") && message(0).contains("Y42"), "{}", message(0));
    assert!(message(1).contains("province"), "{}", message(1));
    assert!(message(2).contains("police"), "{}", message(2));
    assert!(message(3).contains("职能部门的事项不得下派乡镇"), "{}", message(3));
    assert!(message(4).contains("第 6 行与第 5 行重复"), "{}", message(4));
    // Regions: a row limited to a place must name a current county or township.
    let village = {
        let (_, grid) = grid_worker(&app).await;
        region_id(&app, &grid[..12]).await
    };
    let (status, err) = put(
        &admin,
        CATALOGUE,
        &json!({"rules": [
            {"category": "E01", "level": "county", "org_type": "zhifa", "region_id": 99_999_999},
            {"category": "E02", "level": "county", "org_type": "zhifa", "region_id": village},
        ]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(fields(&err), ["rules[0].region_id", "rules[1].region_id"]);
    assert!(err["fields"][1]["message"].as_str().unwrap().starts_with("第 2 行"), "{err}");
    let (status, err) = put(&admin, CATALOGUE, &json!({"rules": {"E01": "zhifa"}})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["rules".to_owned()]));

    // Time limits: each wrong value named; an extension beyond 10 working days is refused.
    let mut bad = limits.clone();
    rule_mut(&mut bad, "standard", "normal")["resolve"] = json!({"unit": "working_days", "n": 0});
    rule_mut(&mut bad, "safety", "urgent")["dispatch"] = json!({"unit": "fortnights", "n": 1});
    rule_mut(&mut bad, "utility", "normal")["contact"] = json!({"unit": "clock_hours", "n": 10_000});
    bad["extension_max_days"] = json!(11);
    bad["yellow_days_before"] = json!("one");
    let (status, err) = put(&admin, TIME_LIMITS, &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let named = fields(&err);
    for f in [
        "rules[0].dispatch.unit",
        "rules[3].contact.n",
        "rules[5].resolve.n",
        "extension_max_days",
        "yellow_days_before",
    ] {
        assert!(named.iter().any(|n| n == f), "{f} named: {err}");
    }
    assert_eq!(named.len(), 5, "{err}");
    let extension = err["fields"].as_array().unwrap().iter().find(|f| f["field"] == "extension_max_days").unwrap();
    assert!(extension["message"].as_str().unwrap().contains("最多 10 个工作日"), "{extension}");
    // A missing class × urgency is named too.
    let mut missing = limits.clone();
    missing["rules"].as_array_mut().unwrap().pop();
    let (status, err) = put(&admin, TIME_LIMITS, &missing).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["rules".to_owned()]));
    assert!(err["fields"][0]["message"].as_str().unwrap().contains("缺少一般类、一般的规则"), "{err}");

    // Nothing was written: same version, empty catalogue, shipped limits, no audit events.
    assert_eq!(version(&admin).await, v0);
    assert_eq!(admin.get(CATALOGUE).await.1["rules"], json!([]));
    assert_eq!(admin.get(TIME_LIMITS).await.1["source"], "shipped");
    assert_eq!(audit_count(&admin, "appeal.catalogue").await, 0);
    assert_eq!(audit_count(&admin, "appeal.time_limits").await, 0);
});

on_both_engines!(new_cases_follow_new_rules_and_running_deadlines_stay, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (worker, grid_code) = grid_worker(&app).await;

    // Before any change: wage arrears go to the county's 人社 by the category default.
    let first = file_a03(&worker, &grid_code).await;
    assert_eq!(first["unit_name"], "德城区人力资源和社会保障局", "{first}");
    assert!(first["route_why"].as_str().unwrap().starts_with("类别默认"), "{first}");
    let first_id = first["id"].as_i64().unwrap();
    let first_clock = pending(&worker, first_id).await;

    // The catalogue sends them to the township's 综治中心 first.
    let note = "欠薪先由乡镇综治中心组织调处";
    let (status, saved) = put(
        &admin,
        CATALOGUE,
        &json!({"rules": [{"category": "A03", "level": "township", "org_type": "zongzhi", "note": note}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let second = file_a03(&worker, &grid_code).await;
    let why = second["route_why"].as_str().unwrap();
    assert!(why.starts_with("派单目录（全市）：A03 劳资纠纷(欠薪) 由乡镇(街道)级综治中心承办"), "{why}");
    assert!(why.contains(note), "the reason names the rule's note: {why}");
    assert!(second["unit_name"].as_str().unwrap().contains("综治中心"), "{second}");
    // The case filed before stays where it was, with its clock.
    let (_, old) = worker.get(&format!("/api/v1/appeals/{first_id}")).await;
    assert_eq!(old["unit_name"], "德城区人力资源和社会保障局", "{old}");
    assert_eq!(pending(&worker, first_id).await, first_clock);

    // Standard, ordinary cases now wait at most 3 clock hours for their unit's signature.
    let second_id = second["id"].as_i64().unwrap();
    let second_clock = pending(&worker, second_id).await;
    let mut limits = admin.get(TIME_LIMITS).await.1;
    rule_mut(&mut limits, "standard", "normal")["dispatch"] = json!({"unit": "clock_hours", "n": 3});
    let (status, body) = put(&admin, TIME_LIMITS, &limits).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let third = file_a03(&worker, &grid_code).await;
    let (start, due) = pending(&worker, third["id"].as_i64().unwrap()).await;
    assert_eq!(due - start, chrono::TimeDelta::hours(3), "the new limit applies to the new case");
    // Cases already dispatched keep the deadline they were given (one working day).
    assert_eq!(pending(&worker, second_id).await, second_clock);
    assert_ne!(second_clock.1 - second_clock.0, chrono::TimeDelta::hours(3));
});

/// Poll `check` on the other instance until it holds (its refresher reads the rules version
/// every 2 s); each try files a case there.
async fn until<F, Fut>(what: &str, mut check: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<Value>>,
{
    for _ in 0..80 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("the other instance never picked up {what}");
}

on_both_engines!(other_instances_pick_up_rule_and_calendar_changes, |app: TestApp| async move {
    let other = app.second_instance().await;
    let admin = app.login("admin").await;
    let (worker, grid_code) = grid_worker(&app).await;
    let on_b = worker.against(&other.base);
    // References the polling closures copy into each try.
    let (b, grid) = (&on_b, grid_code.as_str());
    let before = file_a03(&on_b, &grid_code).await;
    assert!(before["route_why"].as_str().unwrap().starts_with("类别默认"), "{before}");
    let (_, due_before) = pending(&on_b, before["id"].as_i64().unwrap()).await;

    // A catalogue change through A routes B's next cases.
    let (status, body) = put(
        &admin,
        CATALOGUE,
        &json!({"rules": [{"category": "A03", "level": "township", "org_type": "zongzhi", "note": "跨实例"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    until("the catalogue change", || async move {
        let f = file_a03(b, grid).await;
        f["route_why"].as_str().unwrap().contains("跨实例").then_some(f)
    })
    .await;

    // A calendar change through A: the day B's cases were due becomes a holiday, so B's new
    // cases are due a working day later.
    let day = due_before.date().to_string();
    let (status, body) = admin
        .send(Method::PUT, &format!("/api/v1/calendar/{day}"), &json!({"kind": "holiday", "name": "临时停工"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    until("the calendar change", || async move {
        let f = file_a03(b, grid).await;
        let (_, due) = pending(b, f["id"].as_i64().unwrap()).await;
        (due.date() > due_before.date()).then_some(f)
    })
    .await;

    // A time-limit change through A: B's new cases get the new limit.
    let mut limits = admin.get(TIME_LIMITS).await.1;
    rule_mut(&mut limits, "standard", "normal")["dispatch"] = json!({"unit": "clock_hours", "n": 5});
    assert_eq!(put(&admin, TIME_LIMITS, &limits).await.0, StatusCode::OK);
    until("the time-limit change", || async move {
        let f = file_a03(b, grid).await;
        let (start, due) = pending(b, f["id"].as_i64().unwrap()).await;
        (due - start == chrono::TimeDelta::hours(5)).then_some(f)
    })
    .await;
});

/// The time-limit form's fields for `doc`, rows in the page's order (class, then urgency).
fn limit_fields(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut k = 0;
    for class in ["safety", "utility", "standard"] {
        for urgency in ["urgent", "normal"] {
            let rule = doc["rules"].as_array().unwrap().iter().find(|r| r["class"] == class && r["urgency"] == urgency);
            for key in ["dispatch", "contact", "resolve"] {
                let limit = &rule.unwrap()[key];
                out.push((format!("limit_{k}_{key}_unit"), limit["unit"].as_str().unwrap().to_owned()));
                out.push((format!("limit_{k}_{key}_n"), limit["n"].to_string()));
            }
            k += 1;
        }
    }
    for key in ["extension_max_days", "return_window_days", "yellow_days_before", "hour_limit_yellow_percent"] {
        out.push((key.to_owned(), doc[key].to_string()));
    }
    out
}

fn set(fields: &mut [(String, String)], key: &str, value: &str) {
    fields.iter_mut().find(|(k, _)| k == key).expect("a form field").1 = value.to_owned();
}

on_both_engines!(the_rules_page_shows_and_edits_both_tables, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (status, html) = page(&admin, PAGE).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for text in [
        "派单目录",
        "办理时限",
        "已在办诉求已经算出的时限不变",
        "id=\"catalogue-form\"",
        "id=\"limits-form\"",
        "data-category=\"A03\"",
        "类别默认",
        "href=\"/admin/appeal-rules\"",
    ] {
        assert!(html.contains(text), "the page shows {text}");
    }

    // Readers see the tables without forms, and cannot post.
    let leader = app.login("leader").await;
    let (status, html) = page(&leader, PAGE).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"readonly\"") && !html.contains("catalogue-form") && !html.contains("save-limits"));
    let (status, _, _) = form(&leader, "/admin/appeal-rules/catalogue", &[("category_0", "E01")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A department pushed down to a township: the page comes back with the error at the field.
    let v = version(&admin).await.to_string();
    let bad = [
        ("version", v.as_str()),
        ("order_0", "1"),
        ("category_0", "E03"),
        ("level_0", "township"),
        ("org_type_0", "zhifa"),
        ("region_id_0", ""),
        ("note_0", ""),
    ];
    let (status, html, _) = form(&admin, "/admin/appeal-rules/catalogue", &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("data-field=\"rules[0].org_type\""), "{html}");
    assert!(html.contains("职能部门的事项不得下派乡镇"));
    assert!(html.contains("<option value=\"E03\" selected>"), "the row comes back as typed");
    assert_eq!(version(&admin).await.to_string(), v, "nothing written");

    // Two rows, the new one ordered first.
    let good = [
        ("version", v.as_str()),
        ("order_0", "2"),
        ("category_0", "E01"),
        ("level_0", "county"),
        ("org_type_0", "zhifa"),
        ("region_id_0", ""),
        ("note_0", "城区环卫"),
        ("order_1", "1"),
        ("category_1", "E02"),
        ("level_1", "county"),
        ("org_type_1", "zhifa"),
        ("region_id_1", ""),
        ("note_1", ""),
    ];
    let (status, _, location) = form(&admin, "/admin/appeal-rules/catalogue", &good).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/admin/appeal-rules?saved=catalogue#catalogue"));
    let (_, doc) = admin.get(CATALOGUE).await;
    let order: Vec<_> = doc["rules"].as_array().unwrap().iter().map(|r| r["category"].as_str().unwrap()).collect();
    assert_eq!(order, ["E02", "E01"]);
    assert_eq!(doc["rules"][1]["note"], "城区环卫");
    let (_, html) = page(&admin, "/admin/appeal-rules?saved=catalogue").await;
    assert!(html.contains("派单目录已保存"));
    assert!(html.contains("派单目录第 2 行"), "E01's route names its row");

    // Remove the first row.
    let v = doc["version"].to_string();
    let remove = [
        ("version", v.as_str()),
        ("order_0", "1"),
        ("category_0", "E02"),
        ("level_0", "county"),
        ("org_type_0", "zhifa"),
        ("remove_0", "on"),
        ("order_1", "2"),
        ("category_1", "E01"),
        ("level_1", "county"),
        ("org_type_1", "zhifa"),
        ("note_1", "城区环卫"),
    ];
    assert_eq!(form(&admin, "/admin/appeal-rules/catalogue", &remove).await.0, StatusCode::SEE_OTHER);
    let (_, doc) = admin.get(CATALOGUE).await;
    assert_eq!(doc["rules"].as_array().unwrap().len(), 1);
    assert_eq!(doc["rules"][0]["category"], "E01");
    assert_eq!(audit_count(&admin, "appeal.catalogue.set").await, 2);

    // Time limits: an extension beyond 10 days and a zero limit come back at their fields.
    let limits = admin.get(TIME_LIMITS).await.1;
    let mut fields = limit_fields(&limits);
    fields.push(("version".into(), limits["version"].to_string()));
    set(&mut fields, "extension_max_days", "11");
    set(&mut fields, "limit_5_resolve_n", "0");
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, html, _) = form(&admin, "/admin/appeal-rules/time-limits", &borrowed).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("data-field=\"extension_max_days\""), "{html}");
    assert!(html.contains("data-field=\"rules[5].resolve\""), "{html}");
    assert!(html.contains("name=\"extension_max_days\" value=\"11\""), "typed values come back");
    assert_eq!(admin.get(TIME_LIMITS).await.1["source"], "shipped", "nothing written");
    // Good values are saved.
    set(&mut fields, "extension_max_days", "8");
    set(&mut fields, "limit_5_resolve_n", "4");
    set(&mut fields, "limit_5_dispatch_unit", "clock_hours");
    set(&mut fields, "limit_5_dispatch_n", "6");
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, _, location) = form(&admin, "/admin/appeal-rules/time-limits", &borrowed).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/admin/appeal-rules?saved=time-limits#time-limits"));
    let mut stored = admin.get(TIME_LIMITS).await.1;
    assert_eq!((&stored["source"], &stored["extension_max_days"]), (&json!("stored"), &json!(8)));
    let rule = rule_mut(&mut stored, "standard", "normal");
    assert_eq!(rule["dispatch"], json!({"unit": "clock_hours", "n": 6}));
    assert_eq!(rule["resolve"], json!({"unit": "working_days", "n": 4}));
    let (_, html) = page(&admin, "/admin/appeal-rules?saved=time-limits").await;
    assert!(html.contains("办理时限已保存") && html.contains("最后修改"));
});
