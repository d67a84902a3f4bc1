//! Red stations (红色驿站) on both engines: a station's services, staff (phones masked in every
//! answer) and visits; bad input names every field and writes nothing; another county's staff
//! neither see nor change the station; a walk-in appeal records its station and is counted in
//! the figures, which also come as a workbook; the pages and the map show the stations.

use crate::common;

use common::{Session, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn count(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(&sql).fetch_one(pool).await).unwrap()
}

fn fields(body: &Value) -> Vec<String> {
    body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

/// A red station of 德城区 (371402) and its 15-digit grid code.
async fn station(admin: &Session) -> (i64, String) {
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let county = counties.as_array().unwrap().iter().find(|c| c["code"] == "371402").unwrap()["id"].as_i64().unwrap();
    let (_, page) = admin.get(&format!("/api/v1/orgs?kind=red_station&region_id={county}&per_page=1")).await;
    let s = &page["items"][0];
    (s["id"].as_i64().expect("a red station in 德城区"), s["region_code"].as_str().unwrap().to_owned())
}

fn today() -> chrono::NaiveDate {
    pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis()).date()
}

on_both_engines!(a_station_keeps_services_staff_and_visits_with_phones_masked, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (id, grid_code) = station(&admin).await;
    let cadre = app.login(&format!("cadre.{}", &grid_code[..12])).await;
    let (status, p) = cadre.get(&format!("/api/v1/stations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!((p["station"]["id"].as_i64(), p["services"].as_array().unwrap().len()), (Some(id), 0));

    let (status, p) = cadre
        .send(
            Method::PUT,
            &format!("/api/v1/stations/{id}/services"),
            &json!({ "services": ["rest", "policy", "errands"] }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let codes: Vec<&str> = p["services"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["policy", "errands", "rest"], "in the fixed order");
    assert_eq!(p["services"][0]["zh"], "政策咨询");

    let staff = json!({ "name": "李红梅", "phone": "139 1234 5678", "duty": "站长" });
    let (status, s) = cadre.post(&format!("/api/v1/stations/{id}/staff"), &staff).await;
    assert_eq!((status, s["phone"].as_str()), (StatusCode::CREATED, Some("139****5678")), "{s}");
    let (status, body) = cadre.post(&format!("/api/v1/stations/{id}/staff"), &staff).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (_, second) = cadre
        .post(
            &format!("/api/v1/stations/{id}/staff"),
            &json!({ "name": "王志刚", "phone": "13812340000", "duty": "值班员" }),
        )
        .await;

    let day = today().format("%Y-%m-%d").to_string();
    let (status, v) = cadre
        .post(
            &format!("/api/v1/stations/{id}/visits"),
            &json!({ "service": "rest", "people": 12, "note": "环卫工人午休" }),
        )
        .await;
    assert_eq!((status, v["day"].as_str(), v["people"].as_i64()), (StatusCode::CREATED, Some(day.as_str()), Some(12)));
    // A grid worker of the station's grid records visits too.
    let worker = app.login(&format!("grid.{grid_code}")).await;
    let (status, v) = worker
        .post(&format!("/api/v1/stations/{id}/visits"), &json!({ "service": "policy", "people": 3, "day": day }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");

    let (_, p) = admin.get(&format!("/api/v1/stations/{id}")).await;
    let staff: Vec<&str> = p["staff"].as_array().unwrap().iter().map(|s| s["phone"].as_str().unwrap()).collect();
    assert_eq!(staff, ["139****5678", "138****0000"]);
    assert!(!p.to_string().contains("13912345678"), "no phone in clear: {p}");
    assert_eq!((p["month"]["visits"].as_i64(), p["month"]["people"].as_i64()), (Some(2), Some(15)), "{p}");
    assert_eq!(p["year"]["people"].as_i64(), Some(15));
    let rest = p["year"]["by_service"].as_array().unwrap().iter().find(|s| s["service"] == "rest").unwrap();
    assert_eq!((rest["visits"].as_i64(), rest["people"].as_i64()), (Some(1), Some(12)));
    assert_eq!(p["recent_visits"].as_array().unwrap().len(), 2);
    let (_, visits) = admin.get(&format!("/api/v1/stations/{id}/visits")).await;
    assert_eq!(visits.as_array().unwrap().len(), 2, "{visits}");

    // Retired staff leave the lists (the row stays); retiring twice is "not found".
    let staff_id = second["id"].as_i64().unwrap();
    let path = format!("/api/v1/stations/{id}/staff/{staff_id}");
    assert_eq!(cadre.send(Method::DELETE, &path, &json!({})).await.0, StatusCode::NO_CONTENT);
    assert_eq!(cadre.send(Method::DELETE, &path, &json!({})).await.0, StatusCode::NOT_FOUND);
    let (_, p) = admin.get(&format!("/api/v1/stations/{id}")).await;
    assert_eq!(p["staff"].as_array().unwrap().len(), 1);
    assert_eq!(count(&app, "station_staff").await, 2);
    // Every change left its audit event.
    let audited: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action LIKE 'station.%'"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(audited, 6, "services, two staff, two visits, a retirement");
});

on_both_engines!(bad_station_input_names_every_field_and_writes_nothing, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (id, grid_code) = station(&admin).await;
    let cadre = app.login(&format!("cadre.{}", &grid_code[..12])).await;
    let (status, body) =
        cadre.send(Method::PUT, &format!("/api/v1/stations/{id}/services"), &json!({ "services": ["massage"] })).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["services".to_owned()]), "{body}");
    let (status, body) = cadre
        .post(&format!("/api/v1/stations/{id}/staff"), &json!({ "name": "李", "phone": "0534-123", "duty": "" }))
        .await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["name".into(), "phone".into(), "duty".into()]));
    assert!(body["fields"][1]["message"].as_str().unwrap().contains("手机号"), "{body}");
    let tomorrow = (today() + chrono::Days::new(1)).format("%Y-%m-%d").to_string();
    let (status, body) = cadre
        .post(
            &format!("/api/v1/stations/{id}/visits"),
            &json!({ "service": "nap", "people": 0, "note": "长".repeat(201), "day": tomorrow }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(fields(&body), ["service", "people", "note", "day"]);
    // A service the station does not offer.
    let (status, body) =
        cadre.post(&format!("/api/v1/stations/{id}/visits"), &json!({ "service": "legal_aid", "people": 2 })).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["service".to_owned()]), "{body}");
    assert!(body["fields"][0]["message"].as_str().unwrap().contains("法律援助"), "{body}");
    let (status, body) = admin.get("/api/v1/stations/figures?from=2026-12-01&to=2026-01-01").await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["from".to_owned()]));
    // Not a station: another kind of organisation is "not found".
    let (_, depts) = admin.get("/api/v1/orgs?kind=department&per_page=1").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    assert_eq!(admin.get(&format!("/api/v1/stations/{dept}")).await.0, StatusCode::NOT_FOUND);
    for table in ["station_services", "station_staff", "station_visits"] {
        assert_eq!(count(&app, table).await, 0, "{table}");
    }
});

on_both_engines!(another_countys_staff_neither_see_nor_change_a_station, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (id, grid_code) = station(&admin).await;
    assert!(grid_code.starts_with("371402"));
    let other_cadre = {
        let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
        let other =
            counties.as_array().unwrap().iter().find(|c| c["code"] == "371403").unwrap()["id"].as_i64().unwrap();
        let (_, townships) = admin.get(&format!("/api/v1/regions?parent_id={other}")).await;
        let (_, villages) = admin.get(&format!("/api/v1/regions?parent_id={}", townships[0]["id"])).await;
        app.login(&format!("cadre.{}", villages[0]["code"].as_str().unwrap())).await
    };
    let supervisor = app.login("supervisor.371403").await;
    for s in [&other_cadre, &supervisor] {
        assert_eq!(s.get(&format!("/api/v1/stations/{id}")).await.0, StatusCode::NOT_FOUND);
        assert_eq!(s.get(&format!("/api/v1/stations/{id}/visits")).await.0, StatusCode::NOT_FOUND);
        let (_, figures) = s.get("/api/v1/stations/figures").await;
        assert!(figures["stations"].as_array().unwrap().iter().all(|x| x["org_id"].as_i64() != Some(id)));
    }
    let path = format!("/api/v1/stations/{id}/services");
    let body = json!({ "services": ["rest"] });
    assert_eq!(other_cadre.send(Method::PUT, &path, &body).await.0, StatusCode::NOT_FOUND);
    // A supervisor keeps no station, here or anywhere.
    assert_eq!(supervisor.send(Method::PUT, &path, &body).await.0, StatusCode::FORBIDDEN);
    let resident = app.citizen_login("13800138009").await;
    assert_eq!(resident.get(&format!("/api/v1/stations/{id}")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "station_services").await, 0);
});

on_both_engines!(a_walk_in_appeal_records_its_station_and_counts_in_the_figures, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (id, grid_code) = station(&admin).await;
    let cadre = app.login(&format!("cadre.{}", &grid_code[..12])).await;
    cadre
        .send(Method::PUT, &format!("/api/v1/stations/{id}/services"), &json!({ "services": ["errands", "rest"] }))
        .await;
    cadre.post(&format!("/api/v1/stations/{id}/visits"), &json!({ "service": "errands", "people": 4 })).await;
    let appeal = |channel: &str, station: i64| {
        json!({ "text": "小区门口的路灯坏了一个多月,晚上出行很不方便", "category": "D01", "channel": channel,
                "region_code": grid_code, "station_org_id": station })
    };
    let appeals_before = count(&app, "appeals").await;
    // Only a walk-in names a station, and only a red station in the filer's scope.
    let (status, body) = cadre.post("/api/v1/appeals", &appeal("patrol", id)).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["station_org_id".to_owned()]), "{body}");
    let (_, depts) = admin.get("/api/v1/orgs?kind=department&per_page=1").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (status, body) = cadre.post("/api/v1/appeals", &appeal("red_station", dept)).await;
    assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["station_org_id".to_owned()]), "{body}");
    assert_eq!(count(&app, "appeals").await, appeals_before, "nothing filed");
    // The page's form: a station that is not a number (changed on the way) is named, not dropped.
    let walk_in = [
        ("text", "小区门口的路灯坏了一个多月,晚上出行很不方便"),
        ("category", "D01"),
        ("channel", "red_station"),
        ("region_code", grid_code.as_str()),
        ("station_org_id", "12x"),
    ];
    let (status, html, _) = common::form(&cadre, "/appeals/new", &walk_in).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("红色驿站无法识别"), "{html}");
    assert_eq!(count(&app, "appeals").await, appeals_before, "nothing filed");

    let (status, filed) = cadre.post("/api/v1/appeals", &appeal("red_station", id)).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let case = filed["id"].as_i64().unwrap();
    let station_of: Option<i64> = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT station_org_id FROM appeals WHERE id = $1"
    )
    .bind(case)
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(station_of, Some(id));

    let (_, p) = cadre.get(&format!("/api/v1/stations/{id}")).await;
    assert_eq!((p["month"]["appeals"].as_i64(), p["year"]["appeals"].as_i64()), (Some(1), Some(1)), "{p}");
    assert_eq!(p["recent_appeals"][0]["id"].as_i64(), Some(case));
    let (_, listed) = cadre.get(&format!("/api/v1/appeals?station={id}")).await;
    assert_eq!(listed["items"][0]["id"].as_i64(), Some(case), "{listed}");
    // A department sees the station but only its own unit's cases among the walk-ins.
    let gongan = app.login("dept.gongan").await;
    let (status, seen) = gongan.get(&format!("/api/v1/stations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["recent_appeals"], json!([]), "a streetlight is not the police's case");
    assert_eq!(gongan.get(&format!("/api/v1/appeals/{case}")).await.0, StatusCode::NOT_FOUND);
    let (status, f) = admin.get("/api/v1/stations/figures").await;
    assert_eq!(status, StatusCode::OK, "{f}");
    let row = f["stations"].as_array().unwrap().iter().find(|s| s["org_id"].as_i64() == Some(id)).unwrap().clone();
    assert_eq!((row["visits"].as_i64(), row["people"].as_i64(), row["appeals"].as_i64()), (Some(1), Some(4), Some(1)));
    assert_eq!((f["total"]["people"].as_i64(), f["total"]["appeals"].as_i64()), (Some(4), Some(1)));
    // A period before this year's visits counts nothing.
    let (_, old) = admin.get("/api/v1/stations/figures?from=2025-01-01&to=2025-03-31").await;
    assert_eq!((old["total"]["people"].as_i64(), old["total"]["appeals"].as_i64()), (Some(0), Some(0)));

    // The workbook opens and carries the same figures.
    let res = admin.client.get(admin.url("/api/v1/stations/figures.xlsx")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    use calamine::{Data, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let sheet = book.worksheet_range("按驿站").unwrap();
    assert_eq!(sheet.get((1, 0)), Some(&Data::String("驿站".into())));
    assert_eq!(sheet.get((1, 6)), Some(&Data::String("来访诉求(件)".into())));
    let name = row["name"].as_str().unwrap();
    let line = (2..sheet.height() as u32)
        .find(|r| sheet.get((*r as usize, 0)) == Some(&Data::String(name.into())))
        .expect("the station's line");
    let cell = |c: usize| sheet.get((line as usize, c)).cloned();
    assert_eq!((cell(5), cell(6)), (Some(Data::Float(4.0)), Some(Data::Float(1.0))));
    let by_service = book.worksheet_range("按服务").unwrap();
    assert_eq!(by_service.get((4, 0)), Some(&Data::String("诉求代办".into())));
    assert_eq!(by_service.get((4, 2)), Some(&Data::Float(4.0)));
});

on_both_engines!(station_pages_and_the_map_show_the_stations, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (id, grid_code) = station(&admin).await;
    let cadre = app.login(&format!("cadre.{}", &grid_code[..12])).await;
    cadre.send(Method::PUT, &format!("/api/v1/stations/{id}/services"), &json!({ "services": ["charging"] })).await;
    cadre
        .post(
            &format!("/api/v1/stations/{id}/staff"),
            &json!({ "name": "李红梅", "phone": "13912345678", "duty": "站长" }),
        )
        .await;
    let page = |path: String| {
        let c = cadre.client.clone();
        let url = cadre.url(&path);
        async move {
            let res = c.get(url).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };
    let (status, html) = page(format!("/stations/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("手机充电") && html.contains("139****5678") && !html.contains("13912345678"), "{html}");
    assert!(html.contains(&format!("/appeals/new?station={id}")), "a walk-in appeal can be filed from the page");
    assert!(html.contains(&format!("href=\"/orgs/{id}\" id=\"edit-station\"")), "the cadre may edit the hours");
    // The visit form: a bad number is named, a good one counted.
    let start = html.find("name=\"_csrf\" value=\"").unwrap() + 20;
    let csrf = html[start..start + html[start..].find('"').unwrap()].to_owned();
    let post = |people: &str| {
        cadre
            .client
            .post(cadre.url(&format!("/stations/{id}/visits")))
            .form(&[("_csrf", csrf.as_str()), ("service", "charging"), ("people", people), ("note", "")])
            .send()
    };
    let res = post("0").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("1 至 500"));
    let res = post("7").await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "back to the station");
    assert_eq!(count(&app, "station_visits").await, 1);

    let (status, html) = page("/stations".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/stations/{id}\"")), "the list links the station");
    // The staff appeal form, opened from the station, files a walk-in there.
    let (status, html) = page(format!("/appeals/new?station={id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("name=\"station_org_id\" value=\"{id}\"")), "{html}");

    // The map of the station's village marks it.
    let (_, org) = admin.get(&format!("/api/v1/orgs/{id}")).await;
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", org["region_id"])).await;
    let village = grid["region"]["parent_id"].as_i64().expect("the grid's village");
    let (status, html) = page(format!("/map/{village}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<a href=\"/stations/{id}\"><circle")), "{html}");
});

on_both_engines!(the_station_demo_gives_stations_services_staff_and_this_years_visits, |app: TestApp| async move {
    let (stations, visits) = pingan::demo_forces::load_station_demo(&app.store, 7).await.unwrap();
    assert!(stations > 0 && visits >= 6 * stations, "({stations}, {visits})");
    let admin = app.login("admin").await;
    let (_, f) = admin.get("/api/v1/stations/figures").await;
    assert_eq!(f["total"]["visits"].as_i64(), Some(visits as i64), "every visit falls in this year: {f}");
    let used: Vec<&Value> =
        f["stations"].as_array().unwrap().iter().filter(|s| s["visits"].as_i64() > Some(0)).collect();
    assert_eq!(used.len(), stations);
    let (_, p) = admin.get(&format!("/api/v1/stations/{}", used[0]["org_id"])).await;
    assert!(p["services"].as_array().unwrap().iter().any(|s| s["code"] == "rest"), "{p}");
    assert!(p["month"]["visits"].as_i64() >= Some(1), "a visit this month: {p}");
    let staff = p["staff"].as_array().unwrap();
    assert!(!staff.is_empty() && staff.iter().all(|s| s["phone"].as_str().unwrap().contains("****")), "{p}");
});
