//! The joint meetings' pages (联席会议) on both engines: staff record a meeting through the form
//! and its resolutions become tasks with their unit and deadline; a refused form keeps what was
//! typed, names each bad field on the row it was typed in and writes nothing; another county's
//! staff do not find the meeting; the pages read in English; the demo's meetings fill the list.

use crate::common;

use common::{Session, TestApp, form, page};
use reqwest::StatusCode;
use serde_json::Value;

/// A county's id by its code.
async fn county(s: &Session, code: &str) -> i64 {
    let (_, counties) = s.get("/api/v1/regions?parent_id=1").await;
    counties.as_array().unwrap().iter().find(|c| c["code"] == code).expect("the county")["id"].as_i64().unwrap()
}

/// The department of exactly `region` whose name contains `name`.
async fn department(s: &Session, region: i64, name: &str) -> i64 {
    let (status, page) = s.get(&format!("/api/v1/orgs?kind=department&region_id={region}&q={name}&per_page=50")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    items.iter().find(|o| o["region_id"] == region).expect("the department")["id"].as_i64().unwrap()
}

async fn counts(app: &TestApp) -> (i64, i64) {
    (app.scalar("SELECT count(*) FROM meetings").await, app.scalar("SELECT count(*) FROM tasks").await)
}

/// The date `n` working days from today, as the calendar gives it.
async fn working_day(app: &TestApp, n: u32) -> String {
    let cal = app.store.work_calendar().await.unwrap();
    let now = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis());
    cal.add_working_days(now, n).date().to_string()
}

fn day(ms: &Value) -> String {
    pingan_domain::calendar::to_china(ms.as_i64().unwrap()).date().to_string()
}

on_both_engines!(a_meeting_recorded_on_the_page_assigns_its_resolutions_as_tasks, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let dezhou = county(&admin, "371402").await;
    let (police, housing) =
        (department(&admin, dezhou, "公安局").await, department(&admin, dezhou, "住房和城乡建设局").await);
    let staff = app.login("supervisor.371402").await;
    let (status, html) = page(&staff, "/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("meeting-form") && html.contains("meetings-none"), "{html}");
    assert!(html.contains(&format!("<option value=\"{police}\">")), "the county's units to assign to: {html}");

    let today = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis()).date().to_string();
    let due = working_day(&app, 3).await;
    let meeting = |title: &str, held_on: &str, second_owner: &str| -> Vec<(&'static str, String)> {
        [
            ("kind", "joint"),
            ("title", title),
            ("held_on", held_on),
            ("region_id", &dezhou.to_string()),
            ("attendees", "县委政法委、公安局、住建局"),
            ("agenda", "研究电动车集中充电和燃气安全隐患整治"),
            ("resolutions[0].title", "开展电动车入户充电专项整治"),
            ("resolutions[0].owner_org_id", &police.to_string()),
            ("resolutions[0].due_date", &due),
            // The second resolution is typed in the third row; the middle one is left empty.
            ("resolutions[2].title", "排查老旧小区燃气管道"),
            ("resolutions[2].owner_org_id", second_owner),
            ("resolutions[2].working_days", "10"),
        ]
        .map(|(k, v)| (k, v.to_owned()))
        .to_vec()
    };
    let post = async |fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&staff, "/meetings", &fields).await
    };

    // Refused: no title, a date that does not exist, a resolution without its unit. Each field
    // is named (the resolution by the row it was typed in), what was typed is kept, nothing written.
    let before = counts(&app).await;
    let (status, html, _) = post(meeting("", "2026-02-30", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    for named in ["title:", "held_on:", "resolutions[2].owner_org_id:"] {
        assert!(html.contains(named), "{named} named: {html}");
    }
    assert!(html.contains("data-field=\"resolutions[2].owner_org_id\""), "marked beside its field: {html}");
    assert!(
        !html.contains("data-field=\"resolutions[1].") && !html.contains("resolutions[1].title:"),
        "the empty row is no resolution: {html}"
    );
    for kept in [
        "2026-02-30",
        "县委政法委、公安局、住建局",
        "研究电动车集中充电和燃气安全隐患整治",
        "排查老旧小区燃气管道",
        due.as_str(),
    ] {
        assert!(html.contains(kept), "{kept} kept: {html}");
    }
    assert!(html.contains(&format!("<option value=\"{police}\" selected>")), "the unit picked is kept: {html}");
    assert_eq!(counts(&app).await, before);

    // Accepted: to the meeting's page, with a task per resolution.
    let (status, _, location) = post(meeting("电动车和燃气安全联席会议", &today, &housing.to_string())).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.expect("to the meeting");
    let id: i64 = location.strip_prefix("/meetings/").and_then(|id| id.parse().ok()).expect("a meeting's page");
    assert_eq!(counts(&app).await, (before.0 + 1, before.1 + 2));
    let (_, tasks) = staff.get(&format!("/api/v1/tasks?source=meeting&source_id={id}")).await;
    let mut tasks = tasks["tasks"].as_array().unwrap().clone();
    tasks.sort_by_key(|t| t["id"].as_i64());
    let owners: Vec<(i64, String)> =
        tasks.iter().map(|t| (t["owner_org_id"].as_i64().unwrap(), day(&t["due_ms"]))).collect();
    assert_eq!(owners, [(police, due.clone()), (housing, working_day(&app, 10).await)]);

    let (status, html) = page(&staff, &location).await;
    assert_eq!(status, StatusCode::OK);
    for shown in ["电动车和燃气安全联席会议", "平安建设联席会议", "县委政法委、公安局、住建局", "办理中", due.as_str()]
    {
        assert!(html.contains(shown), "{shown} on the meeting's page: {html}");
    }
    for t in &tasks {
        assert!(html.contains(&format!("href=\"/tasks/{}\"", t["id"])), "links its task: {html}");
    }
    let (_, task_page) = page(&staff, &format!("/tasks/{}", tasks[0]["id"])).await;
    assert!(task_page.contains(&format!("href=\"{location}\"")), "the task links back to its meeting");
    let (_, list) = page(&staff, "/meetings?kind=joint").await;
    assert!(list.contains(&format!("href=\"{location}\"")) && list.contains("0/2"), "{list}");
    let (_, list) = page(&staff, "/meetings?kind=three_in_one").await;
    assert!(!list.contains(&format!("href=\"{location}\"")), "another kind: {list}");

    // Another county's staff find neither the meeting nor it in their list.
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let other = counties.as_array().unwrap().iter().find(|c| c["code"] != "371402").unwrap()["code"].clone();
    let outsider = app.login(&format!("supervisor.{}", other.as_str().unwrap())).await;
    assert_eq!(page(&outsider, &location).await.0, StatusCode::NOT_FOUND);
    let (status, list) = page(&outsider, "/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!list.contains(&format!("href=\"{location}\"")));

    // In English.
    let res = staff.client.get(staff.url("/lang/en")).header("referer", staff.url(&location)).send().await.unwrap();
    assert_eq!(res.headers()["location"], location.as_str());
    let (_, html) = page(&staff, &location).await;
    for shown in ["lang=\"en\"", "Joint meeting on safety", "Resolutions", "In progress", "Responsible unit"] {
        assert!(html.contains(shown), "{shown} in English: {html}");
    }
    let (_, html) = page(&staff, "/meetings").await;
    assert!(html.contains("Record a meeting") && html.contains("Joint meetings"), "{html}");
    // The resolution's task page and the task list speak English too.
    let (status, html) = page(&staff, &format!("/tasks/{}", tasks[0]["id"])).await;
    assert_eq!(status, StatusCode::OK);
    for shown in ["Meeting resolution", "In progress", "Assigned", "Joint meeting"] {
        assert!(html.contains(shown), "{shown} in English: {html}");
    }
    assert!(!html.contains("联席会议决议") && !html.contains("办理中"), "{html}");
    let (_, html) = page(&staff, "/tasks").await;
    assert!(html.contains("Meeting resolution") && html.contains("In progress"), "{html}");
});

on_both_engines!(a_three_in_one_meeting_is_held_in_a_community_with_its_property_company, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let dezhou = county(&admin, "371402").await;
    let (_, companies) = admin.get(&format!("/api/v1/orgs?kind=property_company&region_id={dezhou}&per_page=1")).await;
    let company = companies["items"][0]["id"].as_i64().unwrap().to_string();
    let community = companies["items"][0]["region_id"].as_i64().unwrap().to_string();
    let today = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis()).date().to_string();
    let meeting = |place: &str, property: &str| {
        [
            ("kind", "three_in_one".to_owned()),
            ("title", "三方联席会议".to_owned()),
            ("held_on", today.clone()),
            ("region_id", place.to_owned()),
            ("attendees", "社区党委、物业公司、业委会".to_owned()),
            ("agenda", "电梯维修资金使用".to_owned()),
            ("property_org_id", property.to_owned()),
        ]
    };
    let post = async |fields: [(&str, String); 7]| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&admin, "/meetings", &fields).await
    };
    let (status, html, _) = post(meeting(&community, "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("property_org_id:") && html.contains("data-field=\"property_org_id\""), "{html}");
    let (status, html, _) = post(meeting(&dezhou.to_string(), &company)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("region_id:"), "a county is no community: {html}");
    assert_eq!(app.scalar("SELECT count(*) FROM meetings").await, 0);
    let (status, _, location) = post(meeting(&community, &company)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&admin, &location.unwrap()).await;
    assert!(
        html.contains(companies["items"][0]["name"].as_str().unwrap()) && html.contains("resolutions-none"),
        "{html}"
    );

    // A leader reads the meetings and records none.
    let leader = app.login("leader").await;
    let (status, html) = page(&leader, "/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("三方联席会议") && !html.contains("meeting-form"), "{html}");
});

on_both_engines!(the_demo_holds_a_city_a_county_and_a_community_meeting, |app: TestApp| async move {
    let (meetings, resolutions) = pingan::demo_forces::load_meeting_demo(&app.store).await.unwrap();
    assert_eq!((meetings, resolutions), (3, 8));
    let admin = app.login("admin").await;
    let (_, html) = page(&admin, "/meetings").await;
    for kind in ["joint", "special_group", "three_in_one"] {
        assert!(html.contains(&format!("data-kind=\"{kind}\"")), "{kind} listed: {html}");
    }
    assert!(html.contains("1/3"), "one of the city's resolutions is done: {html}");
    let (_, closed) = admin.get("/api/v1/tasks?source=meeting&state=closed").await;
    assert_eq!(closed["total"], 2, "{closed}");
});
