//! 在职党员社区报到 on both engines: a resident registers with their community by phone, the
//! community confirms, the roster is public and masked, a call is posted, the member signs up
//! and checks in on site (the position checked against the call's grid), the hours are
//! credited, and the work unit's report-in rate follows its declared rolls. Bad input is
//! refused with the field named and nothing written.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(&sql).fetch_one(pool).await).unwrap()
}

async fn send(s: &Session, method: reqwest::Method, path: String, body: Value) -> (StatusCode, Value) {
    s.send(method, &path, &body).await
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

on_both_engines!(a_member_reports_in_signs_up_checks_in_on_site_and_earns_hours, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let gongan = app.login("dept.gongan").await;
    let unit = gongan.me["scope_org_id"].as_i64().unwrap();
    let resident = app.citizen_login("13800138001").await;
    let (status, me) = resident.get("/api/v1/party/me").await;
    assert_eq!((status, me["member"].is_null()), (StatusCode::OK, true), "{me}");

    // Bad input: every field named, nothing written.
    let (status, body) = resident.post("/api/v1/party/members", &json!({ "name": "王", "posts": ["guard"] })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(fields(&body), ["name", "work_org_id", "community_id", "posts", "posts"]);
    let (status, body) = resident
        .post(
            "/api/v1/party/members",
            &json!({ "name": "王建国", "work_org_id": unit, "community_id": grids[0].0, "posts": ["patrol"] }),
        )
        .await;
    assert_eq!(
        (status, fields(&body)),
        (StatusCode::BAD_REQUEST, vec!["community_id".to_owned()]),
        "a grid is not a community"
    );
    assert_eq!(count(&app, "party_members").await, 0);

    let registration =
        json!({ "name": "王建国", "work_org_id": unit, "community_id": community, "posts": ["patrol", "publicity"] });
    let (status, m) = resident.post("/api/v1/party/members", &registration).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!((m["state"].as_str(), m["phone"].as_str()), (Some("pending"), Some("138****8001")));
    let member = m["id"].as_i64().unwrap();
    let (status, body) = resident.post("/api/v1/party/members", &registration).await;
    assert_eq!(status, StatusCode::CONFLICT, "a duplicate registration: {body}");
    assert!(body["error"].as_str().unwrap().contains("不能重复报到"), "{body}");
    // Staff only: a resident cannot list or confirm.
    assert_eq!(resident.get("/api/v1/party/members").await.0, StatusCode::FORBIDDEN);

    // The community confirms; a decline needs a reason; a decision is made once.
    let cadre = app.login(&format!("cadre.{code}")).await;
    let (_, pending) = cadre.get(&format!("/api/v1/party/members?community_id={community}&state=pending")).await;
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    let decide =
        |body: Value| send(&cadre, reqwest::Method::POST, format!("/api/v1/party/members/{member}/decision"), body);
    let (status, body) = decide(json!({ "confirm": false })).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["note".to_owned()]));
    let (status, m) = decide(json!({ "confirm": true })).await;
    assert_eq!((status, m["state"].as_str()), (StatusCode::OK, Some("confirmed")), "{m}");
    assert_eq!(decide(json!({ "confirm": true })).await.0, StatusCode::CONFLICT);
    // The roster is public and masked.
    let roster: Value =
        reqwest::get(app.url(&format!("/api/v1/party/roster/{community}"))).await.unwrap().json().await.unwrap();
    assert_eq!(roster[0]["name"], "王**", "{roster}");
    assert_eq!(roster[0]["posts"], json!(["治安巡逻", "政策宣传"]));

    // A call: its grid must be the community's.
    let starts = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis() + 30 * 60_000);
    let call = |grid: i64| {
        json!({ "community_id": community, "title": "夜间治安巡逻", "post": "patrol", "grid_id": grid,
                "starts_at": starts.format("%Y-%m-%d %H:%M").to_string(), "hours": 2, "capacity": 1 })
    };
    let (status, body) = cadre.post("/api/v1/party/calls", &call(community)).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["grid_id".to_owned()]), "{body}");
    let (grid, inside) = grids[0];
    let (status, c) = cadre.post("/api/v1/party/calls", &call(grid)).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let call_id = c["id"].as_i64().unwrap();

    // Sign-up: once; a resident not on the roster may not.
    let (status, me) = resident.post(&format!("/api/v1/party/calls/{call_id}/signup"), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["calls"][0]["signed_up"], true);
    assert_eq!(
        resident.post(&format!("/api/v1/party/calls/{call_id}/signup"), &json!({})).await.0,
        StatusCode::CONFLICT
    );
    let stranger = app.citizen_login("13800138002").await;
    let (status, body) = stranger.post(&format!("/api/v1/party/calls/{call_id}/signup"), &json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // Check-in: not from another grid, not without a position; then the hours are credited.
    let checkin =
        |p: Value| send(&resident, reqwest::Method::POST, format!("/api/v1/party/calls/{call_id}/checkin"), p);
    let (elsewhere_lon, elsewhere_lat) = grids[1].1;
    let (status, body) = checkin(json!({ "lon": elsewhere_lon, "lat": elsewhere_lat })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("不在活动网格内"), "{body}");
    assert_eq!(checkin(json!({})).await.0, StatusCode::BAD_REQUEST);
    let (status, me) = checkin(json!({ "lon": inside.0, "lat": inside.1 })).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!((me["calls"][0]["hours_tenths"].as_i64(), me["member"]["hours_tenths"].as_i64()), (Some(20), Some(20)));
    assert_eq!(checkin(json!({ "lon": inside.0, "lat": inside.1 })).await.0, StatusCode::CONFLICT, "once");

    // The unit sees its rate once it declares its rolls; only its own.
    let (_, f) = gongan.get("/api/v1/party/figures").await;
    assert_eq!((&f[0]["confirmed"], &f[0]["rate"], &f[0]["hours"]), (&json!(1), &Value::Null, &json!(2.0)), "{f}");
    let put = |org: i64, n: i64| {
        send(&gongan, reqwest::Method::PUT, format!("/api/v1/party/rolls/{org}"), json!({ "members": n }))
    };
    assert_eq!(put(unit, 4).await.0, StatusCode::NO_CONTENT);
    assert_eq!(put(unit + 1, 4).await.0, StatusCode::FORBIDDEN);
    assert_eq!(put(unit, -1).await.0, StatusCode::BAD_REQUEST);
    let (_, f) = gongan.get("/api/v1/party/figures").await;
    assert_eq!(f[0]["rate"], json!(25.0), "{f}");
    let res = gongan.client.get(gongan.url("/api/v1/party/figures.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (_, audit) = admin.get("/api/v1/audit?action_prefix=party.&limit=50").await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["party.register", "party.decide", "party.call_create", "party.sign_up", "party.check_in", "party.rolls"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
});

/// Register `phone` with `community` for `unit` and have the community's cadre confirm it.
async fn confirmed_member(
    app: &TestApp,
    phone: &str,
    name: &str,
    unit: i64,
    community: i64,
    cadre: &Session,
) -> Session {
    let s = app.citizen_login(phone).await;
    let (status, m) = s
        .post(
            "/api/v1/party/members",
            &json!({ "name": name, "work_org_id": unit, "community_id": community, "posts": ["care"] }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    let (status, _) = cadre.post(&format!("/api/v1/party/members/{id}/decision"), &json!({ "confirm": true })).await;
    assert_eq!(status, StatusCode::OK);
    s
}

on_both_engines!(
    a_wish_is_claimed_once_fulfilled_with_proof_and_confirmed_by_its_resident,
    |app: TestApp| async move {
        let admin = app.login("admin").await;
        let (community, code, grids) = common::village_with_grids(&app, &admin).await;
        let cadre = app.login(&format!("cadre.{code}")).await;
        let gongan = app.login("dept.gongan").await;
        let unit = gongan.me["scope_org_id"].as_i64().unwrap();
        let resident = app.citizen_login("13700137001").await;
        let member = confirmed_member(&app, "13700137002", "李明", unit, community, &cadre).await;
        let other = confirmed_member(&app, "13700137003", "赵强", unit, community, &cadre).await;
        let stranger = app.citizen_login("13700137004").await;

        let (status, body) = resident.post("/api/v1/wishes", &json!({ "title": "轮" })).await;
        assert_eq!(
            (status, fields(&body)),
            (StatusCode::BAD_REQUEST, vec!["title".to_owned(), "kind".into(), "community_id".into()])
        );
        assert_eq!(count(&app, "wishes").await, 0);
        let (status, w) = resident
        .post("/api/v1/wishes", &json!({ "title": "需要一台轮椅", "kind": "goods", "detail": "老人腿脚不便", "community_id": community }))
        .await;
        assert_eq!(status, StatusCode::CREATED, "{w}");
        let id = w["id"].as_i64().unwrap();

        // Members of the community see it open; a resident elsewhere does not learn of it.
        let (_, open) = member.get("/api/v1/wishes?state=open").await;
        assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
        assert_eq!(wish_act(&stranger, id, json!({ "version": 0, "action": "claim" })).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            wish_act(&resident, id, json!({ "version": 0, "action": "claim" })).await.0,
            StatusCode::FORBIDDEN,
            "not one's own"
        );
        let (status, w) = wish_act(&member, id, json!({ "version": 0, "action": "claim" })).await;
        assert_eq!((status, w["state"].as_str()), (StatusCode::OK, Some("claimed")), "{w}");
        assert_eq!(w["claimer_label"], "党员 李*");
        let (status, body) = wish_act(&other, id, json!({ "version": 1, "action": "claim" })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["error"].as_str().unwrap().contains("已被认领"), "{body}");
        assert_eq!(
            wish_act(&resident, id, json!({ "version": 1, "action": "fulfil", "proof": "已送达" })).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, body) = wish_act(&member, id, json!({ "version": 1, "action": "fulfil", "proof": "好" })).await;
        assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["proof".to_owned()]));
        let (status, w) =
            wish_act(&member, id, json!({ "version": 1, "action": "fulfil", "proof": "已将轮椅送到老人家中" })).await;
        assert_eq!((status, w["state"].as_str()), (StatusCode::OK, Some("fulfilled")), "{w}");
        assert_eq!(wish_act(&member, id, json!({ "version": 2, "action": "confirm" })).await.0, StatusCode::FORBIDDEN);
        let (status, w) = wish_act(&resident, id, json!({ "version": 2, "action": "confirm" })).await;
        assert_eq!((status, w["state"].as_str()), (StatusCode::OK, Some("confirmed")), "{w}");
        assert_eq!(
            count(&app, &format!("notifications WHERE wish_id = {id} AND audience = 'citizen'")).await,
            2,
            "claimed and done, by SMS"
        );

        // A grid worker posts for a resident, named and masked; the worker confirms it later.
        let grid_worker = app.login(&format!("grid.{}", grid_code(&app, grids[0].0).await)).await;
        let (status, body) = grid_worker
            .post("/api/v1/wishes", &json!({ "title": "帮忙修理水管", "kind": "repair", "community_id": community }))
            .await;
        assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["for_name".to_owned()]), "{body}");
        let (status, w2) = cadre
            .post(
                "/api/v1/wishes",
                &json!({ "title": "帮忙修理水管", "kind": "repair", "community_id": community, "for_name": "张秀兰" }),
            )
            .await;
        assert_eq!((status, w2["for_name"].as_str()), (StatusCode::CREATED, Some("张**")), "{w2}");
        let (_, f) = cadre.get("/api/v1/wishes/figures").await;
        assert_eq!(
            (&f["posted"], &f["open"], &f["fulfilled"], &f["confirmed"]),
            (&json!(2), &json!(1), &json!(1), &json!(1)),
            "{f}"
        );
        let (_, audit) = admin.get("/api/v1/audit?action_prefix=wish.&limit=50").await;
        let actions: Vec<&str> =
            audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for a in ["wish.post", "wish.claim", "wish.fulfil", "wish.confirm"] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
    }
);

async fn grid_code(app: &TestApp, grid: i64) -> String {
    app.store.region_unscoped(grid).await.unwrap().code
}

async fn wish_act(s: &Session, id: i64, body: Value) -> (StatusCode, Value) {
    s.post(&format!("/api/v1/wishes/{id}/actions"), &body).await
}
