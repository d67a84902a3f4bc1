//! The working-day calendar through the API: shipped schedules, administrators'
//! overrides (audited), and refusals.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

on_both_engines!(calendar_ships_the_official_schedule_and_takes_overrides, |app: TestApp| async move {
    let leader = app.login("leader").await;
    let (status, y2026) = leader.get("/api/v1/calendar?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(y2026["known"], true);
    assert_eq!(y2026["working_days"], 248, "State Council schedule for 2026");
    let days = y2026["days"].as_array().unwrap();
    let day = |d: &str| days.iter().find(|x| x["date"] == d).cloned();
    assert_eq!(day("2026-02-14").unwrap()["kind"], "makeup_workday");
    assert_eq!(day("2026-02-17").unwrap()["kind"], "holiday");
    assert_eq!(day("2026-02-17").unwrap()["source"], "shipped");
    let (_, y2030) = leader.get("/api/v1/calendar?year=2030").await;
    assert_eq!(y2030["known"], false);

    // Only a city administrator changes the calendar.
    let (status, _) = leader
        .send(reqwest::Method::PUT, "/api/v1/calendar/2026-03-02", &json!({"kind": "holiday", "name": "测试"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let county_admin = app.login("admin.371402").await;
    let (status, _) = county_admin
        .send(reqwest::Method::PUT, "/api/v1/calendar/2026-03-02", &json!({"kind": "holiday", "name": "测试"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let admin = app.login("admin").await;
    // Bad input names every field.
    let (status, err) =
        admin.send(reqwest::Method::PUT, "/api/v1/calendar/2026-13-40", &json!({"kind": "party", "name": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<_> =
        err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["name", "date", "kind"]);
    // A local extra holiday on a Monday: one working day fewer, marked as an override, audited.
    let (status, _) = admin
        .send(reqwest::Method::PUT, "/api/v1/calendar/2026-03-02", &json!({"kind": "holiday", "name": "防汛调休"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, changed) = admin.get("/api/v1/calendar?year=2026").await;
    assert_eq!(changed["working_days"], 247);
    let d = changed["days"].as_array().unwrap().iter().find(|x| x["date"] == "2026-03-02").unwrap().clone();
    assert_eq!(d["source"], "override");
    assert_eq!(d["name"], "防汛调休");
    let (_, audit) = admin.get("/api/v1/audit?action=calendar.").await;
    assert_eq!(audit["total"], 1);
    // Removing the override restores the shipped schedule; removing it again is a 404.
    assert_eq!(
        admin.send(reqwest::Method::DELETE, "/api/v1/calendar/2026-03-02", &json!({})).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(admin.get("/api/v1/calendar?year=2026").await.1["working_days"], 248);
    assert_eq!(
        admin.send(reqwest::Method::DELETE, "/api/v1/calendar/2026-03-02", &json!({})).await.0,
        StatusCode::NOT_FOUND
    );
});
