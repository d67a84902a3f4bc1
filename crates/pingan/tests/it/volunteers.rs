//! 志愿者 on both engines: a community's team, a resident who joins and is confirmed, an
//! activity signed up for and checked into on site, the hours and the ranking; a volunteer sent
//! to a sanitation appeal reports, the staff confirm and the hours are credited; categories the
//! administrators have not allowed are refused. Bad input names the field and writes nothing;
//! another county's staff see none of it.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(&sql).fetch_one(pool).await).unwrap()
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

/// A team of the community, a resident confirmed in it: (team id, the resident's session, the
/// membership id).
async fn team_with_member(app: &TestApp, cadre: &Session, community: i64, phone: &str) -> (i64, Session, i64) {
    let team =
        json!({ "name": "幸福社区平安志愿者服务队", "kind": "safety", "region_id": community, "leader": "李红梅" });
    let (status, t) = cadre.post("/api/v1/volunteers/teams", &team).await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let team_id = t["id"].as_i64().unwrap();
    let resident = app.citizen_login(phone).await;
    let (status, me) =
        resident.post(&format!("/api/v1/volunteers/teams/{team_id}/join"), &json!({ "name": "赵志远" })).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let id = me["memberships"][0]["id"].as_i64().unwrap();
    let (status, v) =
        cadre.post(&format!("/api/v1/volunteers/members/{id}/decision"), &json!({ "confirm": true })).await;
    assert_eq!((status, v["state"].as_str()), (StatusCode::OK, Some("confirmed")), "{v}");
    (team_id, resident, id)
}

on_both_engines!(a_volunteer_joins_checks_in_on_site_and_is_ranked, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let cadre = app.login(&format!("cadre.{code}")).await;

    // A team: every bad field named, nothing written; a grid is not a township or community.
    let (status, body) = cadre.post("/api/v1/volunteers/teams", &json!({ "kind": "choir" })).await;
    assert_eq!(
        (status, fields(&body)),
        (
            StatusCode::BAD_REQUEST,
            vec!["name", "kind", "region_id", "leader"].into_iter().map(String::from).collect::<Vec<_>>()
        )
    );
    let bad = json!({ "name": "网格志愿队", "kind": "patrol", "region_id": grids[0].0, "leader": "李红梅" });
    let (status, body) = cadre.post("/api/v1/volunteers/teams", &bad).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["region_id".to_owned()]), "{body}");
    assert_eq!(count(&app, "volunteer_teams").await, 0);

    let (team, resident, member) = team_with_member(&app, &cadre, community, "13800138011").await;
    let again =
        json!({ "name": "幸福社区平安志愿者服务队", "kind": "patrol", "region_id": community, "leader": "王强" });
    assert_eq!(cadre.post("/api/v1/volunteers/teams", &again).await.0, StatusCode::CONFLICT, "one name per place");
    // Joining twice is refused; a bad name is named; the public list shows the team.
    let (status, body) =
        resident.post(&format!("/api/v1/volunteers/teams/{team}/join"), &json!({ "name": "赵志远" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let other = app.citizen_login("13800138012").await;
    let (status, body) = other.post(&format!("/api/v1/volunteers/teams/{team}/join"), &json!({ "name": "赵1" })).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["name".to_owned()]));
    assert_eq!(count(&app, "volunteers").await, 1);
    let near: Value = reqwest::get(app.url(&format!("/api/v1/volunteers/teams/near/{community}")))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((near[0]["id"].as_i64(), near[0]["members"].as_i64()), (Some(team), Some(1)), "{near}");
    // Staff see the member masked; residents may not list.
    let (_, members) = cadre.get(&format!("/api/v1/volunteers/members?team_id={team}")).await;
    assert_eq!(members[0]["phone"], "138****8011", "{members}");
    assert_eq!(resident.get("/api/v1/volunteers/members").await.0, StatusCode::FORBIDDEN);

    // An activity: its grid must lie in the team's community.
    let starts = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis() + 30 * 60_000);
    let activity = |grid: i64| {
        json!({ "team_id": team, "title": "反诈宣传进小区", "post": "publicity", "grid_id": grid,
                "starts_at": starts.format("%Y-%m-%d %H:%M").to_string(), "hours": 2, "capacity": 5 })
    };
    let (status, body) = cadre.post("/api/v1/volunteers/activities", &activity(community)).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["grid_id".to_owned()]), "{body}");
    let (status, body) = cadre.post("/api/v1/volunteers/activities", &json!({ "hours": 0.7 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&body)[0], "team_id", "{body}");
    assert_eq!(count(&app, "volunteer_activities").await, 0);
    let (grid, inside) = grids[0];
    let (status, a) = cadre.post("/api/v1/volunteers/activities", &activity(grid)).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let activity_id = a["id"].as_i64().unwrap();

    // A non-member may not sign up; the member signs up once, checks in on site once.
    assert_eq!(
        other.post(&format!("/api/v1/volunteers/activities/{activity_id}/signup"), &json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, me) = resident.post(&format!("/api/v1/volunteers/activities/{activity_id}/signup"), &json!({})).await;
    assert_eq!((status, me["activities"][0]["signed_up"].as_bool()), (StatusCode::OK, Some(true)), "{me}");
    let checkin = format!("/api/v1/volunteers/activities/{activity_id}/checkin");
    let (status, body) = resident.post(&checkin, &json!({ "lon": grids[1].1.0, "lat": grids[1].1.1 })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("不在活动网格内"), "{body}");
    let (status, me) = resident.post(&checkin, &json!({ "lon": inside.0, "lat": inside.1 })).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!((me["hours"].as_f64(), me["stars"].as_u64()), (Some(2.0), Some(0)), "{me}");
    assert_eq!(resident.post(&checkin, &json!({ "lon": inside.0, "lat": inside.1 })).await.0, StatusCode::CONFLICT);

    // The ranking and the team's figures follow, also as Excel.
    let (status, ranking) = cadre.get("/api/v1/volunteers/ranking").await;
    assert_eq!(status, StatusCode::OK, "{ranking}");
    assert_eq!((ranking[0]["name"].as_str(), ranking[0]["hours"].as_f64()), (Some("赵志远"), Some(2.0)), "{ranking}");
    assert_eq!(ranking[0]["teams"], "幸福社区平安志愿者服务队");
    let (_, f) = cadre.get("/api/v1/volunteers/figures").await;
    let row = f["teams"].as_array().unwrap().iter().find(|t| t["team_id"] == team).unwrap().clone();
    assert_eq!(
        (row["members"].as_i64(), row["check_ins"].as_i64(), row["hours"].as_f64()),
        (Some(1), Some(1), Some(2.0))
    );
    let res = cadre.client.get(cadre.url("/api/v1/volunteers/figures.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "表彰排行").unwrap();
    assert_eq!(sheet.get_value((1, 1)).map(|c| c.to_string()), Some("赵志远".to_owned()));

    // Another county's staff see none of it.
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let far = counties.as_array().unwrap().iter().find(|c| c["code"] != "371402").unwrap()["id"].as_i64().unwrap();
    let (_, townships) = admin.get(&format!("/api/v1/regions?parent_id={far}")).await;
    let stranger = app.login(&format!("dispatch.{}", townships[0]["code"].as_str().unwrap())).await;
    assert_eq!(stranger.get("/api/v1/volunteers/teams").await.1, json!([]));
    assert_eq!(stranger.get("/api/v1/volunteers/ranking").await.1, json!([]));
    let (status, _) = stranger
        .post(&format!("/api/v1/volunteers/members/{member}/decision"), &json!({ "confirm": false, "note": "x" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

on_both_engines!(a_volunteer_is_sent_to_a_sanitation_appeal_and_credited, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let cadre = app.login(&format!("cadre.{code}")).await;
    let (_, resident, member) = team_with_member(&app, &cadre, community, "13800138021").await;
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", grids[0].0)).await;
    let grid = grid["region"].clone();
    let worker = app.login(&format!("grid.{}", grid["code"].as_str().unwrap())).await;
    let file = |category: &str| {
        json!({ "text": "小区东门垃圾堆放多日无人清运", "category": category, "channel": "patrol",
                "region_code": grid["code"], "urgency": "normal" })
    };
    let (status, e01) = worker.post("/api/v1/appeals", &file("E01")).await;
    assert_eq!(status, StatusCode::CREATED, "{e01}");
    let (status, a03) = worker.post("/api/v1/appeals", &file("A03")).await;
    assert_eq!(status, StatusCode::CREATED, "{a03}");
    let (e01, a03) = (e01["id"].as_i64().unwrap(), a03["id"].as_i64().unwrap());

    // Only the categories the administrators allow; E01 to begin with.
    let send = json!({ "volunteer_id": member, "task": "协助清运东门垃圾" });
    let (status, body) = cadre.post(&format!("/api/v1/appeals/{a03}/volunteers"), &send).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body["error"].as_str().unwrap().contains("A03"), "{body}");
    let (status, body) =
        admin.send(reqwest::Method::PUT, "/api/v1/volunteers/categories", &json!({ "codes": ["E01", "Q77"] })).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["codes[1]".to_owned()]), "{body}");
    assert_eq!(
        cadre.send(reqwest::Method::PUT, "/api/v1/volunteers/categories", &json!({ "codes": ["A03"] })).await.0,
        StatusCode::FORBIDDEN,
        "administrators only"
    );
    assert_eq!(admin.get("/api/v1/volunteers/categories").await.1, json!(["E01"]));

    // The candidates are the confirmed volunteers serving the place; a task is required.
    let (status, candidates) = cadre.get(&format!("/api/v1/appeals/{e01}/volunteer-candidates")).await;
    assert_eq!(status, StatusCode::OK, "{candidates}");
    assert_eq!(candidates[0]["id"].as_i64(), Some(member), "{candidates}");
    let (status, body) = cadre
        .post(&format!("/api/v1/appeals/{e01}/volunteers"), &json!({ "volunteer_id": member + 1000, "task": "" }))
        .await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["task".to_owned(), "volunteer_id".to_owned()]));
    assert_eq!(count(&app, "volunteer_dispatches").await, 0);
    let (status, d) = cadre.post(&format!("/api/v1/appeals/{e01}/volunteers"), &send).await;
    assert_eq!((status, d["state"].as_str()), (StatusCode::CREATED, Some("assigned")), "{d}");
    let dispatch = d["id"].as_i64().unwrap();
    assert_eq!(cadre.post(&format!("/api/v1/appeals/{e01}/volunteers"), &send).await.0, StatusCode::CONFLICT, "once");
    let sms: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE kind = 'volunteer_dispatch' AND phone = '13800138021'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(sms, 1, "the volunteer is told by SMS");

    // The volunteer reports (only they may); the staff confirm; the hours are credited.
    let (_, me) = resident.get("/api/v1/volunteers/me").await;
    assert_eq!(me["dispatches"][0]["task"], "协助清运东门垃圾", "{me}");
    let report = format!("/api/v1/volunteers/dispatches/{dispatch}/report");
    let (status, body) = resident.post(&report, &json!({ "note": "已清运", "hours": 9 })).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["hours".to_owned()]));
    let stranger = app.citizen_login("13800138022").await;
    assert_eq!(stranger.post(&report, &json!({ "note": "已清运", "hours": 1 })).await.0, StatusCode::NOT_FOUND);
    let decide = format!("/api/v1/volunteers/dispatches/{dispatch}/decision");
    assert_eq!(
        cadre.post(&decide, &json!({ "action": "confirm" })).await.0,
        StatusCode::CONFLICT,
        "nothing to confirm yet"
    );
    let (status, d) = resident.post(&report, &json!({ "note": "已清运东门垃圾并清扫路面", "hours": 1.5 })).await;
    assert_eq!((status, d["state"].as_str()), (StatusCode::OK, Some("reported")), "{d}");
    let (_, open) = cadre.get("/api/v1/volunteers/dispatches").await;
    assert_eq!(open[0]["id"].as_i64(), Some(dispatch), "{open}");
    assert_eq!(cadre.post(&decide, &json!({ "action": "send_back" })).await.0, StatusCode::BAD_REQUEST, "a reason");
    let (status, d) = cadre.post(&decide, &json!({ "action": "confirm" })).await;
    assert_eq!(
        (status, d["state"].as_str(), d["hours_tenths"].as_i64()),
        (StatusCode::OK, Some("confirmed"), Some(15))
    );
    assert_eq!(cadre.post(&decide, &json!({ "action": "cancel" })).await.0, StatusCode::CONFLICT);
    let (_, me) = resident.get("/api/v1/volunteers/me").await;
    assert_eq!(me["hours"].as_f64(), Some(1.5), "{me}");
    let (_, on_appeal) = cadre.get(&format!("/api/v1/appeals/{e01}/volunteers")).await;
    assert_eq!(on_appeal[0]["report"], "已清运东门垃圾并清扫路面", "{on_appeal}");
    let (_, f) = cadre.get("/api/v1/volunteers/figures").await;
    assert_eq!(f["teams"][0]["dispatches_confirmed"].as_i64(), Some(1), "{f}");

    // Once allowed, A03 may take a volunteer too; a closed list refuses E01 again.
    let (status, list) =
        admin.send(reqwest::Method::PUT, "/api/v1/volunteers/categories", &json!({ "codes": ["a03", "E01"] })).await;
    assert_eq!((status, list), (StatusCode::OK, json!(["A03", "E01"])));
    assert_eq!(cadre.post(&format!("/api/v1/appeals/{a03}/volunteers"), &send).await.0, StatusCode::CREATED);
    let audited: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action LIKE 'volunteer.%'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert!(audited >= 8, "every change is audited: {audited}");
});

on_both_engines!(the_volunteer_pages_work_without_script, |app: TestApp| async move {
    use common::{form, page};
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let cadre = app.login(&format!("cadre.{code}")).await;
    let (status, html) = page(&cadre, "/volunteers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("team-form"), "{html}");

    // A refused team keeps what was typed and names the field; a good one lands.
    let region = community.to_string();
    let team = [("name", "东风社区治安巡逻队"), ("kind", "patrol"), ("region_id", region.as_str()), ("leader", "")];
    let (status, html, _) = form(&cadre, "/volunteers/teams", &team).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("东风社区治安巡逻队") && html.contains("leader:"), "{html}");
    let team =
        [("name", "东风社区治安巡逻队"), ("kind", "patrol"), ("region_id", region.as_str()), ("leader", "孙立新")];
    let (status, _, location) = form(&cadre, "/volunteers/teams", &team).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/volunteers")));

    // The resident finds the team from where they stand and asks to join; staff confirm.
    let resident = app.citizen_login("13800138031").await;
    let (lon, lat) = (grids[0].1.0.to_string(), grids[0].1.1.to_string());
    let (_, html) = page(&resident, &format!("/citizen/volunteers?lon={lon}&lat={lat}")).await;
    assert!(html.contains("东风社区治安巡逻队"), "{html}");
    let team_id = app.store.volunteer_teams_near(community).await.unwrap()[0].id;
    let (status, _, _) =
        form(&resident, &format!("/citizen/volunteers/teams/{team_id}/join"), &[("name", "钱文华")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&cadre, "/volunteers").await;
    let member = html.split("id=\"vdecide-").nth(1).and_then(|s| s.split('"').next()).expect("a request").to_owned();
    let (status, _, _) = form(&cadre, &format!("/volunteers/members/{member}"), &[("decision", "confirm")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // From a sanitation appeal's page: a dispatch without a task comes back with the reason.
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", grids[0].0)).await;
    let worker = app.login(&format!("grid.{}", grid["region"]["code"].as_str().unwrap())).await;
    let filed = json!({ "text": "楼道垃圾堆积发臭", "category": "E01", "channel": "patrol",
                        "region_code": grid["region"]["code"], "urgency": "normal" });
    let (_, appeal) = worker.post("/api/v1/appeals", &filed).await;
    let appeal = appeal["id"].as_i64().unwrap();
    let (_, html) = page(&cadre, &format!("/appeals/{appeal}")).await;
    assert!(html.contains("send-volunteer") && html.contains("钱文华"), "{html}");
    let path = format!("/appeals/{appeal}/volunteers");
    let (status, _, location) = form(&cadre, &path, &[("volunteer_id", member.as_str()), ("task", "")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&cadre, location.as_deref().unwrap()).await;
    assert!(html.contains("task:"), "the reason is shown: {html}");
    form(&cadre, &path, &[("volunteer_id", member.as_str()), ("task", "清理楼道垃圾")]).await;

    // The volunteer reports from the phone; the staff confirm; the hours show.
    let (_, html) = page(&resident, "/citizen/volunteers").await;
    let dispatch =
        html.split("id=\"report-").nth(1).and_then(|s| s.split('"').next()).expect("a report form").to_owned();
    let report = format!("/citizen/volunteers/dispatches/{dispatch}");
    let (status, html, _) = form(&resident, &report, &[("note", "已清理"), ("hours", "0.2")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("hours:") && html.contains("已清理"), "{html}");
    let (status, _, _) = form(&resident, &report, &[("note", "已清理并消毒"), ("hours", "1")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = form(&cadre, &format!("/volunteers/dispatches/{dispatch}"), &[("action", "confirm")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&resident, "/citizen/volunteers").await;
    assert!(html.contains("id=\"vol-hours\">1</b>") || html.contains("id=\"vol-hours\">1.0</b>"), "{html}");
});

on_both_engines!(the_forces_figures_come_together_in_one_workbook, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (community, code, _) = common::village_with_grids(&app, &admin).await;
    let cadre = app.login(&format!("cadre.{code}")).await;
    team_with_member(&app, &cadre, community, "13800138041").await;
    let (status, o) = admin.get("/api/v1/forces/figures").await;
    assert_eq!(status, StatusCode::OK, "{o}");
    assert_eq!((o["volunteer_teams"].as_u64(), o["volunteers"].as_i64()), (Some(1), Some(1)), "{o}");
    assert!(o["property_companies"].as_u64().unwrap() > 0, "the city's property companies: {o}");
    let next = chrono::Datelike::year(&pingan_store::china_today()) + 1;
    assert_eq!(admin.get(&format!("/api/v1/forces/figures?year={next}")).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(admin.get("/api/v1/forces/figures?year=1999").await.0, StatusCode::BAD_REQUEST);

    let res = admin.client.get(admin.url("/api/v1/forces/figures.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = calamine::Reader::sheet_names(&book);
    assert_eq!(names[0], "概览");
    for area in ["党员报到-", "志愿服务-", "红色驿站-", "红色物业-", "联系点-"] {
        assert!(names.iter().any(|n| n.starts_with(area)), "{area} in {names:?}");
    }
    let overview = calamine::Reader::worksheet_range(&mut book, "概览").unwrap();
    let teams = (0..overview.height() as u32)
        .find(|r| overview.get_value((*r, 0)).is_some_and(|c| *c == "志愿队伍(支)"))
        .and_then(|r| overview.get_value((r, 1)))
        .map(|c| c.to_string());
    assert_eq!(teams.as_deref(), Some("1"));
});
