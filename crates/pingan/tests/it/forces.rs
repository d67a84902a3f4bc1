//! Grassroots forces and the shared task mechanism on both engines: liaison points pair city
//! units with townships; a visit's problems become tasks that go overdue (once, whatever the
//! number of instances), are supervised, reported and closed, and the figures follow. Bad input
//! is refused with the field named and nothing written; scope hides other places' tasks.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The id of the region named `code` under `parent`.
async fn region(s: &Session, parent: i64, code: Option<&str>) -> Value {
    let (status, list) = s.get(&format!("/api/v1/regions?parent_id={parent}")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let list = list.as_array().unwrap();
    match code {
        Some(c) => list.iter().find(|r| r["code"] == c).cloned().expect("region"),
        None => list[0].clone(),
    }
}

async fn org(s: &Session, kind: &str, region_id: i64, q: &str) -> i64 {
    let (status, page) = s.get(&format!("/api/v1/orgs?kind={kind}&region_id={region_id}&q={q}&per_page=1")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"][0]["id"].as_i64().expect("an organisation")
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(&sql).fetch_one(pool).await).unwrap()
}

/// A working day `n` working days from today, as the calendar gives it.
async fn working_day(app: &TestApp, n: u32) -> String {
    let cal = app.store.work_calendar().await.unwrap();
    let now = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis());
    cal.add_working_days(now, n).date().to_string()
}

async fn act(s: &Session, task: i64, body: Value) -> (StatusCode, Value) {
    s.post(&format!("/api/v1/tasks/{task}/actions"), &body).await
}

struct Setup {
    point: i64,
    township: i64,
    /// The paired unit (公安局, whose staff `dept.gongan` is).
    unit: i64,
    /// A body of the township (its 综治中心).
    township_body: i64,
    /// The township's dispatcher.
    dispatcher: String,
}

async fn pair(app: &TestApp, admin: &Session) -> Setup {
    let county = region(admin, 1, Some("371402")).await["id"].as_i64().unwrap();
    let township = region(admin, county, None).await;
    let township_code = township["code"].as_str().unwrap().to_owned();
    let township = township["id"].as_i64().unwrap();
    let gongan = app.login("dept.gongan").await;
    let unit = gongan.me["scope_org_id"].as_i64().expect("the unit");
    let township_body = org(admin, "township_body", township, "").await;
    let (status, point) = admin
        .post("/api/v1/liaison/points", &json!({ "org_id": unit, "township_id": township, "since": "2026-01-05" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{point}");
    Setup {
        point: point["id"].as_i64().unwrap(),
        township,
        unit,
        township_body,
        dispatcher: format!("dispatch.{township_code}"),
    }
}

on_both_engines!(a_liaison_problem_becomes_a_task_goes_overdue_is_supervised_and_closed, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let s = pair(&app, &admin).await;
    let gongan = app.login("dept.gongan").await;
    let supervisor = app.login("supervisor").await;
    let today = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis()).date().to_string();
    let due = working_day(&app, 3).await;

    // Bad input: every error named, nothing written.
    let (tasks_before, visits_before) = (count(&app, "tasks").await, count(&app, "liaison_visits").await);
    let visit = |problems: Value| json!({ "visited_on": today, "people": "张伟、李娜", "findings": "走访综治中心,了解矛盾纠纷排查和视频监控建设情况", "problems": problems });
    let bad = visit(json!([
        { "title": "村口监控点位不足", "owner_org_id": s.unit, "due_date": due },
        { "title": "调解室设施老旧", "working_days": 10 },
        { "title": "值班表缺失", "owner_org_id": s.township_body },
    ]));
    let (status, body) = gongan.post(&format!("/api/v1/liaison/points/{}/visits", s.point), &bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["problems[1].owner_org_id", "problems[2].due_date"], "{body}");
    let (status, body) = gongan
        .post(
            &format!("/api/v1/liaison/points/{}/visits", s.point),
            &visit(json!([{ "title": "路灯损坏", "owner_org_id": 999_999, "working_days": 5 }])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["fields"][0]["field"], "problems[0].owner_org_id");
    assert_eq!((count(&app, "tasks").await, count(&app, "liaison_visits").await), (tasks_before, visits_before));
    // Someone not of the paired unit may not record its visits.
    let dispatcher = app.login(&s.dispatcher).await;
    let good = visit(json!([
        { "title": "村口监控点位不足", "detail": "三个路口无监控", "owner_org_id": s.unit, "due_date": due },
        { "title": "调解室设施老旧", "owner_org_id": s.township_body, "working_days": 10 },
    ]));
    let (status, body) = dispatcher.post(&format!("/api/v1/liaison/points/{}/visits", s.point), &good).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, recorded) = gongan.post(&format!("/api/v1/liaison/points/{}/visits", s.point), &good).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let ids: Vec<i64> = recorded["task_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2);
    let task = ids[0];
    let (_, t) = gongan.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!((t["task"]["state"].as_str(), t["task"]["owner_org_id"].as_i64()), (Some("open"), Some(s.unit)));
    assert_eq!(t["actions"], json!(["progress", "report", "supervise"]), "the unit owns and assigned it");
    // The township's dispatcher sees the task about its township and acts for its own bodies.
    let (status, t2) = dispatcher.get(&format!("/api/v1/tasks/{}", ids[1])).await;
    assert_eq!(status, StatusCode::OK, "{t2}");
    assert_eq!(t2["actions"], json!(["progress", "report"]));
    // A dispatcher of another county's township does not see it at all.
    let other_county = region(&admin, 1, Some("371403")).await["id"].as_i64().unwrap();
    let other = region(&admin, other_county, None).await["code"].as_str().unwrap().to_owned();
    let outsider = app.login(&format!("dispatch.{other}")).await;
    assert_eq!(outsider.get(&format!("/api/v1/tasks/{task}")).await.0, StatusCode::NOT_FOUND);
    let (_, list) = outsider.get("/api/v1/tasks?state=active").await;
    assert_eq!(list["total"], 0, "{list}");

    // Progress, then the deadline passes: marked overdue once, across two passes.
    let (status, t) =
        act(&gongan, task, json!({ "version": 0, "action": "progress", "note": "已联系电信公司勘察点位" })).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let version = t["version"].as_i64().unwrap();
    let (status, stale) = act(&gongan, task, json!({ "version": 0, "action": "progress", "note": "重复提交" })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{stale}");
    let later = chrono::Utc::now().timestamp_millis() + 40 * 86_400_000;
    assert_eq!(app.store.run_task_deadlines(later, 500).await.unwrap(), 2, "both tasks are past due in 40 days");
    assert_eq!(app.store.run_task_deadlines(later, 500).await.unwrap(), 0, "each goes overdue once");
    let (_, inbox) = gongan.get("/api/v1/notifications").await;
    assert!(
        inbox["items"].as_array().unwrap().iter().any(|n| n["kind"] == "task_overdue" && n["task_id"] == task),
        "{inbox}"
    );
    let version = version + 1;

    // Only the assigner or a supervisor supervises; the order moves the deadline and clears
    // the overdue mark so that the new deadline is watched again.
    let new_due = working_day(&app, 5).await;
    let order =
        json!({ "version": version, "action": "supervise", "note": "请于期限内完成整改", "new_due_date": new_due });
    let (status, body) = act(&dispatcher, task, order.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, t) = act(&supervisor, task, order).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!((t["supervisions"].as_i64(), t["overdue_ms"].is_null()), (Some(1), true), "{t}");
    let version = t["version"].as_i64().unwrap();
    // A weekend or holiday is refused as a deadline.
    let (status, body) = act(
        &supervisor,
        task,
        json!({ "version": version, "action": "supervise", "note": "再次督办", "new_due_date": "2026-10-03" }),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // The unit reports it done; the owner cannot close its own task; the supervisor does.
    let (status, t) =
        act(&gongan, task, json!({ "version": version, "action": "report", "note": "新增监控点位 3 个,已接入平台" }))
            .await;
    assert_eq!((status, t["state"].as_str()), (StatusCode::OK, Some("reported")), "{t}");
    let version = t["version"].as_i64().unwrap();
    let (status, _) = act(&dispatcher, task, json!({ "version": version, "action": "confirm", "note": "核验" })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, t) =
        act(&supervisor, task, json!({ "version": version, "action": "confirm", "note": "现场核验属实" })).await;
    assert_eq!((status, t["state"].as_str()), (StatusCode::OK, Some("closed")), "{t}");
    let (status, body) =
        act(&supervisor, task, json!({ "version": t["version"], "action": "supervise", "note": "已办结还能督办吗" }))
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // The leader reads and never acts.
    let leader = app.login("leader").await;
    assert_eq!(leader.get(&format!("/api/v1/tasks/{task}")).await.0, StatusCode::OK);
    let (_, detail) = leader.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(detail["actions"], json!([]));
    let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "progress", "overdue", "supervised", "reported", "closed"]);

    // Figures: one visit, two problems, one solved; the other marked overdue by the timer.
    let year = &today[..4];
    let (_, f) = admin.get(&format!("/api/v1/liaison/figures?year={year}")).await;
    assert_eq!(
        (&f["units"], &f["townships"], &f["visits"], &f["problems"], &f["solved"], &f["overdue"]),
        (&json!(1), &json!(1), &json!(1), &json!(2), &json!(1), &json!(1)),
        "{f}"
    );
    let (_, tf) = admin.get("/api/v1/tasks/figures?source=liaison").await;
    assert_eq!((&tf[0]["total"], &tf[0]["closed"], &tf[0]["supervised"]), (&json!(2), &json!(1), &json!(1)), "{tf}");
    let res = admin.client.get(admin.url(&format!("/api/v1/liaison/figures.xlsx?year={year}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = calamine::Reader::worksheet_range(&mut book, "汇总").unwrap();
    let solved = sheet.rows().find(|r| r[0] == "解决问题").map(|r| r[1].to_string());
    assert_eq!(solved.as_deref(), Some("1"));

    // Every change was audited.
    let (_, audit) = admin.get("/api/v1/audit?action_prefix=task.&limit=50").await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["task.progress", "task.overdue", "task.supervised", "task.reported", "task.closed"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let _ = s.township;
});

on_both_engines!(pairings_are_the_administrators_and_never_twice, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let s = pair(&app, &admin).await;
    let (status, body) =
        admin.post("/api/v1/liaison/points", &json!({ "org_id": s.unit, "township_id": s.township })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // A county is not a township; a township body is not a city unit.
    let (status, body) =
        admin.post("/api/v1/liaison/points", &json!({ "org_id": s.township_body, "township_id": 1 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["township_id", "org_id"]);
    let (status, _) = admin.post("/api/v1/liaison/points", &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let gongan = app.login("dept.gongan").await;
    let (status, _) =
        gongan.post("/api/v1/liaison/points", &json!({ "org_id": s.unit, "township_id": s.township })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "liaison_points").await, 1);
    let (_, points) = gongan.get("/api/v1/liaison/points").await;
    assert_eq!(points.as_array().unwrap().len(), 1, "{points}");
    // A task assigned directly needs a unit and a deadline.
    let (status, body) = admin.post("/api/v1/tasks", &json!({ "title": "排查出租屋消防隐患" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["owner_org_id", "due_date", "region_id"]);
    // Nor to a unit of another county, which would never see it.
    let far = region(&admin, 1, Some("371403")).await["id"].as_i64().unwrap();
    let far_unit = org(&admin, "township_body", region(&admin, far, None).await["id"].as_i64().unwrap(), "").await;
    let (status, body) = admin
        .post(
            "/api/v1/tasks",
            &json!({ "title": "排查出租屋消防隐患", "owner_org_id": far_unit, "working_days": 5, "region_id": s.township }),
        )
        .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("owner_org_id")),
        "{body}"
    );
    assert_eq!(count(&app, "tasks WHERE source = 'direct'").await, 0);
    let (status, t) = admin
        .post(
            "/api/v1/tasks",
            &json!({ "title": "排查出租屋消防隐患", "owner_org_id": s.township_body, "working_days": 5, "region_id": s.township }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    assert_eq!(t["source"], "direct");
});

on_both_engines!(the_demo_pairs_every_township_and_solves_most_problems, |app: TestApp| async move {
    let (points, visits, problems) = pingan::demo_forces::load_liaison_demo(&app.store, 7).await.unwrap();
    let admin = app.login("admin").await;
    let (_, f) = admin.get("/api/v1/liaison/figures").await;
    let townships = count(&app, "regions WHERE level = 'township'").await as usize;
    assert_eq!(
        (points, f["points"].as_u64().unwrap() as usize, f["townships"].as_u64().unwrap() as usize),
        (townships, townships, townships)
    );
    assert_eq!(
        (f["visits"].as_u64().unwrap() as usize, f["problems"].as_u64().unwrap() as usize),
        (visits, problems),
        "{f}"
    );
    assert_eq!(visits, 81.min(townships * 3));
    let solved = f["solved"].as_u64().unwrap() as usize;
    assert!(solved > problems / 2 && solved < problems, "most, not all, solved: {solved} of {problems}");
    // Every solved task was reported by its unit and verified by the supervisor.
    let (_, closed) = admin.get("/api/v1/tasks?state=closed&source=liaison&per_page=1").await;
    let id = closed["tasks"][0]["id"].as_i64().unwrap();
    let (_, t) = admin.get(&format!("/api/v1/tasks/{id}")).await;
    let kinds: Vec<&str> = t["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "reported", "closed"]);
});

on_both_engines!(a_three_in_one_meetings_resolutions_are_tasks_like_any_other, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let county = region(&admin, 1, Some("371402")).await["id"].as_i64().unwrap();
    let (_, companies) = admin.get(&format!("/api/v1/orgs?kind=property_company&region_id={county}&per_page=1")).await;
    let company = &companies["items"][0];
    let (property, community) = (company["id"].as_i64().unwrap(), company["region_id"].as_i64().unwrap());
    let committee = org(&admin, "owners_committee", community, "").await;
    let village_committee = org(&admin, "village_committee", community, "").await;
    let department = admin.get("/api/v1/auth/me").await.1["scope_org_id"].as_i64();
    assert_eq!(department, None);
    let today = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis()).date().to_string();
    let meeting = |property: Option<i64>, resolutions: Value| {
        json!({ "kind": "three_in_one", "title": "三方联席会议", "held_on": today, "region_id": community,
                "attendees": "社区党委、物业公司、业委会", "agenda": "电梯维修与车棚改造",
                "property_org_id": property, "committee_org_id": committee, "resolutions": resolutions })
    };
    let (status, body) = admin
        .post("/api/v1/meetings", &meeting(None, json!([{ "title": "维修 3 号楼电梯", "owner_org_id": property }])))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["property_org_id", "resolutions[0].due_date"]);
    let (status, body) = admin
        .post(
            "/api/v1/meetings",
            &meeting(
                Some(village_committee),
                json!([{ "title": "维修 3 号楼电梯", "owner_org_id": property, "working_days": 10 }]),
            ),
        )
        .await;
    assert_eq!(
        (status, body["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("property_org_id")),
        "{body}"
    );
    // Another kind of meeting names no property company (nor one that does not exist).
    let mut joint =
        meeting(Some(987_654), json!([{ "title": "维修 3 号楼电梯", "owner_org_id": property, "working_days": 10 }]));
    joint["kind"] = json!("joint");
    let (status, body) = admin.post("/api/v1/meetings", &joint).await;
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!((status, fields), (StatusCode::BAD_REQUEST, vec!["property_org_id", "committee_org_id"]), "{body}");
    assert_eq!((count(&app, "meetings").await, count(&app, "tasks").await), (0, 0));

    let (status, recorded) = admin
        .post(
            "/api/v1/meetings",
            &meeting(
                Some(property),
                json!([
                    { "title": "维修 3 号楼电梯", "owner_org_id": property, "working_days": 10 },
                    { "title": "车棚改造方案公示", "owner_org_id": village_committee, "working_days": 5 },
                ]),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    let meeting_id = recorded["meeting"]["id"].as_i64().unwrap();
    let ids: Vec<i64> = recorded["task_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let (_, list) = admin.get(&format!("/api/v1/tasks?source=meeting&source_id={meeting_id}")).await;
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(list["tasks"][0]["source"], "meeting");

    // The community's cadre acts for the community's own bodies; the assigner closes.
    let village = app.store.region_unscoped(community).await.unwrap();
    let cadre = app.login(&format!("cadre.{}", village.code)).await;
    let (status, t) =
        act(&cadre, ids[1], json!({ "version": 0, "action": "report", "note": "方案已在公告栏公示" })).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let (status, _) =
        act(&admin, ids[1], json!({ "version": t["version"], "action": "confirm", "note": "已核实" })).await;
    assert_eq!(status, StatusCode::OK);
    let (_, m) = admin.get(&format!("/api/v1/meetings/{meeting_id}")).await;
    assert_eq!((&m["resolutions"], &m["done"], &m["property_name"]), (&json!(2), &json!(1), &company["name"]), "{m}");
    let (_, listed) = admin.get("/api/v1/meetings?kind=three_in_one").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(admin.get("/api/v1/meetings?kind=party").await.0, StatusCode::BAD_REQUEST);
});

on_both_engines!(residents_see_their_property_companys_quarterly_rating_from_d_appeals, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let county = region(&admin, 1, Some("371402")).await["id"].as_i64().unwrap();
    let (_, companies) = admin.get(&format!("/api/v1/orgs?kind=property_company&region_id={county}&per_page=1")).await;
    let company = companies["items"][0]["id"].as_i64().unwrap();
    let community = companies["items"][0]["region_id"].as_i64().unwrap();
    let scope = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
    let grid = app.store.grid_shapes(&scope, community).await.unwrap()[0].code.clone();
    let base = app.url("");
    let public = |path: String| {
        let url = format!("{base}{path}");
        async move {
            let res = reqwest::get(url).await.unwrap();
            (res.status(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, before) = public(format!("/api/v1/property/ratings/{community}")).await;
    assert_eq!(status, StatusCode::OK, "{before}");
    let mine = |list: &Value| list.as_array().unwrap().iter().find(|c| c["org_id"] == company).cloned().unwrap();
    assert_eq!(
        (&mine(&before)["rating"]["score"], &mine(&before)["rating"]["grade"]),
        (&json!(100), &json!("excellent"))
    );
    // Three complaints about the property service this quarter, and one about something else.
    let worker = app.login(&format!("grid.{grid}")).await;
    for (text, category) in
        [("物业不清理楼道垃圾", "D01"), ("小区路灯坏了没人修", "D02"), ("小区车位被占", "D03"), ("邻居噪音扰民", "A05")]
    {
        let (status, body) = worker
            .post(
                "/api/v1/appeals",
                &json!({ "text": text, "category": category, "channel": "patrol", "region_code": grid }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (_, after) = public(format!("/api/v1/property/ratings/{community}")).await;
    let rated = mine(&after);
    assert_eq!(rated["appeals"]["appeals"], 3, "{rated}");
    let households = rated["appeals"]["households"].as_i64().unwrap();
    let expected = pingan_domain::forces::property::rate(&pingan_domain::forces::property::QuarterAppeals {
        households,
        appeals: 3,
        ..Default::default()
    });
    assert_eq!(rated["rating"]["score"], expected.score, "{rated}");
    assert!(expected.score < 100 && rated["rating"]["reasons"].as_array().unwrap().len() == expected.reasons.len());
    // A quarter is 1–4; a county is not a community; staff read their whole scope.
    assert_eq!(public(format!("/api/v1/property/ratings/{community}?quarter=5")).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(public(format!("/api/v1/property/ratings/{county}")).await.0, StatusCode::NOT_FOUND);
    let (status, all) = admin.get("/api/v1/property/ratings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.as_array().unwrap().len() > 1, "every company of the city");
    let html = reqwest::get(app.url(&format!("/property/ratings/{community}"))).await.unwrap().text().await.unwrap();
    assert!(html.contains(&expected.score.to_string()) && html.contains("物业类诉求"), "{html}");
});

on_both_engines!(communities_keep_their_self_governance_and_elders_who_help_with_tasks, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let county = region(&admin, 1, Some("371402")).await["id"].as_i64().unwrap();
    let township = region(&admin, county, None).await["id"].as_i64().unwrap();
    let village = region(&admin, township, None).await;
    let (community, code) = (village["id"].as_i64().unwrap(), village["code"].as_str().unwrap().to_owned());
    let cadre = app.login(&format!("cadre.{code}")).await;

    let council = json!({ "kind": "council", "community_id": community, "chair": "周文华", "members": 9, "charter": "每月议事一次" });
    let (status, body) = cadre
        .post("/api/v1/self-governance", &json!({ "kind": "council", "community_id": community, "members": 1 }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["chair", "members"]);
    assert_eq!(cadre.post("/api/v1/self-governance", &council).await.0, StatusCode::CREATED);
    assert_eq!(
        cadre.post("/api/v1/self-governance", &council).await.0,
        StatusCode::CONFLICT,
        "one council a community"
    );
    let grid_worker = app.login(&app.first_username("grid_worker").await).await;
    assert_eq!(grid_worker.post("/api/v1/self-governance", &council).await.0, StatusCode::FORBIDDEN);

    let elder = json!({ "name": "刘德厚", "kind": "teacher", "community_id": community, "phone": "13912345678", "strengths": "调解邻里纠纷" });
    let (status, body) = cadre
        .post(
            "/api/v1/elders",
            &json!({ "name": "刘德厚", "kind": "teacher", "community_id": community, "phone": "1391234" }),
        )
        .await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("phone")));
    let (status, e) = cadre.post("/api/v1/elders", &elder).await;
    assert_eq!((status, e["phone"].as_str()), (StatusCode::CREATED, Some("139****5678")), "{e}");
    assert_eq!(cadre.post("/api/v1/elders", &elder).await.0, StatusCode::CONFLICT);
    let elder_id = e["id"].as_i64().unwrap();
    let (_, roster) = admin.get(&format!("/api/v1/elders?community_id={community}&kind=teacher")).await;
    assert_eq!(roster.as_array().unwrap().len(), 1);

    // A task about the community: the cadre, acting for its committee, asks the elder to help.
    let committee = org(&admin, "village_committee", community, "").await;
    let (status, t) = admin
        .post(
            "/api/v1/tasks",
            &json!({ "title": "调解宅基地纠纷", "owner_org_id": committee, "working_days": 5, "region_id": community }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{t}");
    let task = t["id"].as_i64().unwrap();
    let (status, helpers) =
        cadre.post(&format!("/api/v1/tasks/{task}/helpers"), &json!({ "elder_id": elder_id })).await;
    assert_eq!(status, StatusCode::OK, "{helpers}");
    assert_eq!((helpers[0]["name"].as_str(), helpers[0]["kind"].as_str()), (Some("刘**"), Some("老教师")));
    assert_eq!(
        cadre.post(&format!("/api/v1/tasks/{task}/helpers"), &json!({ "elder_id": elder_id })).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(cadre.post(&format!("/api/v1/tasks/{task}/helpers"), &json!({})).await.0, StatusCode::BAD_REQUEST);
    let (_, detail) = admin.get(&format!("/api/v1/tasks/{task}")).await;
    let kinds: Vec<&str> = detail["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "helper"]);
    let (_, roster) = admin.get(&format!("/api/v1/elders?community_id={community}")).await;
    assert_eq!(roster[0]["tasks"], 1);
    let html = admin.client.get(admin.url(&format!("/tasks/{task}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("老教师 刘**"), "the task page names the helper");
});

on_both_engines!(the_party_demo_fills_communities_with_members_calls_wishes_and_elders, |app: TestApp| async move {
    let (members, wishes) = pingan::demo_forces::load_party_demo(&app.store, 7).await.unwrap();
    assert_eq!((members, wishes), (90, 30), "30 communities, three members and a wish each");
    let admin = app.login("admin").await;
    let (_, confirmed) = admin.get("/api/v1/party/members?state=confirmed").await;
    assert_eq!(confirmed.as_array().unwrap().len(), 60);
    let (_, f) = admin.get("/api/v1/wishes/figures").await;
    assert_eq!(
        (&f["posted"], &f["open"], &f["claimed"], &f["fulfilled"], &f["confirmed"]),
        (&json!(30), &json!(7), &json!(8), &json!(15), &json!(7)),
        "{f}"
    );
    let (_, units) = admin.get("/api/v1/party/figures").await;
    assert!(units.as_array().unwrap().iter().all(|u| u["rate"].is_number()), "every unit declared its rolls: {units}");
    let (_, elders) = admin.get("/api/v1/elders").await;
    assert_eq!(elders.as_array().unwrap().len(), 60);
    // The demo's first member signs in by phone and finds tomorrow's patrol signed up for.
    let member = app.citizen_login("13600000001").await;
    let (_, me) = member.get("/api/v1/party/me").await;
    assert_eq!(
        (me["member"]["state"].as_str(), me["calls"][0]["signed_up"].as_bool()),
        (Some("confirmed"), Some(true)),
        "{me}"
    );
});

on_both_engines!(elders_help_mediate_the_cases_of_their_township, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let county = region(&admin, 1, Some("371402")).await["id"].as_i64().unwrap();
    let (_, townships) = admin.get(&format!("/api/v1/regions?parent_id={county}")).await;
    let (near, far) = (townships[0]["id"].as_i64().unwrap(), townships[1]["id"].as_i64().unwrap());
    let village = region(&admin, near, None).await;
    let community = village["id"].as_i64().unwrap();
    let elsewhere = region(&admin, far, None).await["id"].as_i64().unwrap();
    let add = |community: i64, name: &str, phone: &str| json!({ "name": name, "kind": "cadre", "community_id": community, "phone": phone, "strengths": "调解邻里纠纷" });
    let (_, elder) = admin.post("/api/v1/elders", &add(community, "陈守义", "13912340001")).await;
    let (_, stranger) = admin.post("/api/v1/elders", &add(elsewhere, "吴长青", "13912340002")).await;
    let (elder, stranger) = (elder["id"].as_i64().unwrap(), stranger["id"].as_i64().unwrap());

    // A neighbours' dispute of the community goes to mediation.
    let grid = region(&admin, community, None).await["code"].as_str().unwrap().to_owned();
    let worker = app.login(&format!("grid.{grid}")).await;
    let (status, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({ "text": "两家因院墙排水发生争执,多次协商未果", "category": "A01", "channel": "patrol",
                     "region_code": grid, "reporter_name": "张建国", "reporter_phone": "13800138000" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let open = json!({ "appeal_id": filed["id"], "consents": ["applicant"],
                       "parties": [{"side": "respondent", "name": "李四", "phone": "13900139000"}] });
    let (status, case) = worker.post("/api/v1/mediation/cases", &open).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let helpers = format!("/api/v1/mediation/cases/{}/helpers", case["id"]);
    // The case page offers the township's elders only; a refused choice says why.
    let case_page = format!("/mediation/{}", case["id"]);
    let (_, html) = common::page(&worker, &case_page).await;
    assert!(html.contains("helper-form") && html.contains("陈**") && !html.contains("吴**"), "{html}");
    let stranger_id = stranger.to_string();
    let (status, html, _) =
        common::form(&worker, &format!("{case_page}/helpers"), &[("elder_id", stranger_id.as_str())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("elder_id:"), "{html}");

    // Only an elder of the case's township; once; the name masked; counted on the roster.
    let (status, body) = worker.post(&helpers, &json!({ "elder_id": stranger })).await;
    assert_eq!((status, body["fields"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("elder_id")), "{body}");
    assert_eq!(worker.post(&helpers, &json!({})).await.0, StatusCode::BAD_REQUEST);
    let (status, list) = worker.post(&helpers, &json!({ "elder_id": elder })).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!((list[0]["name"].as_str(), list[0]["kind"].as_str()), (Some("陈**"), Some("老干部")));
    assert_eq!(worker.post(&helpers, &json!({ "elder_id": elder })).await.0, StatusCode::CONFLICT);
    let (_, roster) = admin.get(&format!("/api/v1/elders?community_id={community}")).await;
    let row = roster.as_array().unwrap().iter().find(|e| e["id"] == elder).unwrap().clone();
    assert_eq!(row["cases"], 1, "{row}");
    assert_eq!(admin.get(&helpers).await.1.as_array().unwrap().len(), 1);
    let (_, html) = common::page(&worker, &case_page).await;
    assert!(html.contains("helper-list") && !html.contains("helper-form"), "asked once: {html}");
    let audited: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'mediation.helper'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(audited, 1);
    // Another county's staff do not see the case.
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let other = counties.as_array().unwrap().iter().find(|c| c["code"] != "371402").unwrap()["id"].as_i64().unwrap();
    let other_township = region(&admin, other, None).await["code"].as_str().unwrap().to_owned();
    let outsider = app.login(&format!("dispatch.{other_township}")).await;
    assert_eq!(outsider.get(&helpers).await.0, StatusCode::NOT_FOUND);
});

on_both_engines!(
    property_companies_serve_estates_with_owners_committees_and_party_branches,
    |app: TestApp| async move {
        let admin = app.login("admin").await;
        let county = region(&admin, 1, Some("371402")).await["id"].as_i64().unwrap();
        let (_, companies) =
            admin.get(&format!("/api/v1/orgs?kind=property_company&region_id={county}&per_page=1")).await;
        let company = companies["items"][0]["id"].as_i64().unwrap();
        let community = companies["items"][0]["region_id"].as_i64().unwrap();
        let (_, detail) = admin.get(&format!("/api/v1/regions/{community}")).await;
        let cadre = app.login(&format!("cadre.{}", detail["region"]["code"].as_str().unwrap())).await;
        let (status, committee) = admin
            .post(
                "/api/v1/orgs",
                &json!({ "kind": "owners_committee", "name": "锦绣花园业主委员会", "region_id": community }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{committee}");
        let committee = committee["id"].as_i64().unwrap();

        // Bad estates name their fields and write nothing.
        let (status, body) = cadre.post("/api/v1/property/estates", &json!({ "households": 0 })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> =
            body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["name", "community_id", "company_org_id", "households"]);
        let estate = |company: i64| {
            json!({ "name": "锦绣花园", "community_id": community, "company_org_id": company,
                "owners_committee_org_id": committee, "households": 400 })
        };
        let (status, body) = cadre.post("/api/v1/property/estates", &estate(committee)).await;
        assert_eq!((status, body["fields"][0]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("company_org_id")));
        assert_eq!(admin.get("/api/v1/property/estates").await.1, json!([]));
        let (status, e) = cadre.post("/api/v1/property/estates", &estate(company)).await;
        assert_eq!(status, StatusCode::CREATED, "{e}");
        assert_eq!(e["owners_committee_name"], "锦绣花园业主委员会");
        assert_eq!(cadre.post("/api/v1/property/estates", &estate(company)).await.0, StatusCode::CONFLICT);

        // The rating now counts the estates' households.
        let ratings: Value = reqwest::get(app.url(&format!("/api/v1/property/ratings/{community}")))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rated = ratings.as_array().unwrap().iter().find(|c| c["org_id"] == company).unwrap().clone();
        assert_eq!(rated["appeals"]["households"], 400, "{rated}");

        // Its party organisation: a branch of its own needs three members and a secretary.
        let party = format!("/api/v1/property/companies/{company}/party");
        let (status, body) =
            cadre.send(reqwest::Method::PUT, &party, &json!({ "status": "independent", "members": 2 })).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> =
            body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, ["members", "secretary"]);
        let (_, list) = cadre.get("/api/v1/property/companies").await;
        let row = list.as_array().unwrap().iter().find(|c| c["org_id"] == company).unwrap().clone();
        assert_eq!(
            (row["red"].as_bool(), row["estates"].as_i64(), row["with_committee"].as_i64()),
            (Some(false), Some(1), Some(1))
        );
        let (status, row) = cadre
            .send(reqwest::Method::PUT, &party, &json!({ "status": "independent", "members": 5, "secretary": "王芳" }))
            .await;
        assert_eq!(status, StatusCode::OK, "{row}");
        assert_eq!((row["red"].as_bool(), row["party_status_zh"].as_str()), (Some(true), Some("单独组建党组织")));

        // Another county's staff see none of it.
        let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
        let other =
            counties.as_array().unwrap().iter().find(|c| c["code"] != "371402").unwrap()["id"].as_i64().unwrap();
        let other_township = region(&admin, other, None).await["code"].as_str().unwrap().to_owned();
        let outsider = app.login(&format!("dispatch.{other_township}")).await;
        let (_, theirs) = outsider.get("/api/v1/property/companies").await;
        assert!(theirs.as_array().unwrap().iter().all(|c| c["org_id"] != company));
        let none = json!({ "status": "none", "members": 0 });
        assert_eq!(outsider.send(reqwest::Method::PUT, &party, &none).await.0, StatusCode::NOT_FOUND);
    }
);

on_both_engines!(
    a_communitys_forces_page_adds_organisations_elders_estates_and_party_status,
    |app: TestApp| async move {
        use common::{form, page};
        let admin = app.login("admin").await;
        let county = region(&admin, 1, Some("371402")).await["id"].as_i64().unwrap();
        let (_, companies) =
            admin.get(&format!("/api/v1/orgs?kind=property_company&region_id={county}&per_page=1")).await;
        let company = companies["items"][0]["id"].as_i64().unwrap();
        let community = companies["items"][0]["region_id"].as_i64().unwrap();
        let (_, detail) = admin.get(&format!("/api/v1/regions/{community}")).await;
        let cadre = app.login(&format!("cadre.{}", detail["region"]["code"].as_str().unwrap())).await;
        let base = format!("/communities/{community}");
        let (status, html) = page(&cadre, &format!("{base}/forces")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("self-gov-form") && html.contains("estate-form"), "{html}");

        // A refused form keeps what was typed and names the field; a good one lands.
        let council = [("kind", "council"), ("chair", ""), ("members", "9"), ("charter", "每月议事一次")];
        let (status, html, _) = form(&cadre, &format!("{base}/self-governance"), &council).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("每月议事一次") && html.contains("chair:"), "{html}");
        let council = [("kind", "council"), ("chair", "周文华"), ("members", "9"), ("charter", "每月议事一次")];
        let (status, _, location) = form(&cadre, &format!("{base}/self-governance"), &council).await;
        assert_eq!((status, location), (StatusCode::SEE_OTHER, Some(format!("{base}/forces"))));
        let elder = |phone: &'static str| {
            [("name", "刘德厚"), ("kind", "teacher"), ("phone", phone), ("strengths", "调解邻里纠纷")]
        };
        let (status, html, _) = form(&cadre, &format!("{base}/elders"), &elder("1391234")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("phone:"), "{html}");
        assert_eq!(form(&cadre, &format!("{base}/elders"), &elder("13912345678")).await.0, StatusCode::SEE_OTHER);
        let company_id = company.to_string();
        let estate = [("name", "锦绣花园"), ("company_org_id", company_id.as_str()), ("households", "420")];
        assert_eq!(form(&cadre, &format!("{base}/estates"), &estate).await.0, StatusCode::SEE_OTHER);
        let party = format!("{base}/companies/{company}/party");
        let (status, html, _) =
            form(&cadre, &party, &[("status", "independent"), ("members", "2"), ("secretary", "王芳")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("members:"), "{html}");
        let (status, _, _) =
            form(&cadre, &party, &[("status", "independent"), ("members", "4"), ("secretary", "王芳")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, html) = page(&cadre, &format!("{base}/forces")).await;
        for shown in ["周文华", "139****5678", "锦绣花园", "420", "红色物业", "单独组建党组织"] {
            assert!(html.contains(shown), "{shown} on the page: {html}");
        }
        assert!(!html.contains("13912345678"), "the phone is masked");

        // Only communities, only in scope.
        assert_eq!(page(&admin, &format!("/communities/{county}/forces")).await.0, StatusCode::NOT_FOUND);
        let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
        let other =
            counties.as_array().unwrap().iter().find(|c| c["code"] != "371402").unwrap()["id"].as_i64().unwrap();
        let other_township = region(&admin, other, None).await["code"].as_str().unwrap().to_owned();
        let outsider = app.login(&format!("dispatch.{other_township}")).await;
        assert_eq!(page(&outsider, &format!("{base}/forces")).await.0, StatusCode::NOT_FOUND);
    }
);
