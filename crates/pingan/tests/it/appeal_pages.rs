//! The appeal pages over HTTP on both engines: the workbench with its queues, bulk dispatch,
//! the Excel export, staff intake with field errors, the case page's actions and a stale form,
//! and the residents' report form.

use crate::common;
use common::{form, page};

use common::TestApp;
use reqwest::StatusCode;
use serde_json::json;

on_both_engines!(workbench_intake_actions_and_export, |app: TestApp| async move {
    let worker_name = app.first_username("grid_worker").await;
    let grid_code = worker_name.strip_prefix("grid.").unwrap().to_owned();
    let worker = app.login(&worker_name).await;

    // Staff intake: every mistake named at once, nothing written.
    let (status, html, _) =
        form(&worker, "/appeals/new", &[("channel", "proxy"), ("text", ""), ("reporter_phone", "123")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for field in ["text", "reporter_phone", "location"] {
        assert!(html.contains(&format!("data-field=\"{field}\"")), "{field} named: {html}");
    }
    // A proxy entry (诉求代办) for an elderly resident; the page goes to the new case.
    let (status, _, location) = form(
        &worker,
        "/appeals/new",
        &[
            ("channel", "proxy"),
            ("text", "独居老人反映儿子拖欠赡养费,多次协商无果"),
            ("category", "A02"),
            ("region_code", &grid_code),
            ("reporter_name", "李秀英"),
            ("reporter_phone", "13600136000"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let case_path = location.unwrap();
    let id: i64 = case_path.trim_start_matches("/appeals/").split('?').next().unwrap().parse().unwrap();
    let (status, html) = page(&worker, &case_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("已受理,查询码"), "{html}");
    // The proxy's resident got the tracking code by SMS (the outbox).
    let sms: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM notifications WHERE phone = '13600136000' AND kind = 'appeal.received'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(sms, 1);

    // A02 marriage and family disputes go to the village's mediation committee; its cadre signs.
    let (_, case) = worker.get(&format!("/api/v1/appeals/{id}")).await;
    assert_eq!(case["state"], "dispatched", "{case}");
    let village_cadre = {
        let city = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
        let grid = app.store.region_by_code(&city, &grid_code).await.unwrap();
        let village = app.store.region_unscoped(grid.parent_id.unwrap()).await.unwrap();
        format!("cadre.{}", village.code)
    };
    let cadre = app.login(&village_cadre).await;
    let (status, html) = page(&cadre, "/appeals?queue=to_accept&mine=true").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("/appeals/{id}")), "the cadre's queue lists it");
    assert!(html.contains("136****6000"), "lists mask phones");
    assert!(!html.contains("13600136000"));
    let (_, html) = page(&cadre, &format!("/appeals/{id}")).await;
    let version = html.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let (status, _, _) =
        form(&cadre, &format!("/appeals/{id}/act"), &[("action", "accept"), ("version", &version)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The same (now stale) form again: refused with a message, nothing changed.
    let (status, html, _) =
        form(&cadre, &format!("/appeals/{id}/act"), &[("action", "start_work"), ("version", &version)]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("页面已过期"), "{html}");
    // A required field left empty names itself.
    let (status, html, _) = form(&cadre, &format!("/appeals/{id}/act"), &[("action", "return"), ("reason", "")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a return needs a reason");
    assert!(html.contains("case-error"), "{html}");

    // The Excel export of the list opens and masks phones.
    let res = cadre.client.get(cadre.url("/appeals/export.xlsx?mine=true")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("诉求清单").unwrap();
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][0], "查询码");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[1].iter().any(|c| c.contains("136****6000")), "{rows:?}");
    assert!(!rows[1].iter().any(|c| c.contains("13600136000")));
});

on_both_engines!(dispatchers_dispatch_in_bulk, |app: TestApp| async move {
    let worker_name = app.first_username("grid_worker").await;
    let grid_code = worker_name.strip_prefix("grid.").unwrap().to_owned();
    let worker = app.login(&worker_name).await;
    let mut ids = Vec::new();
    for text in ["工地拖欠工资两个月", "饭店拖欠服务员工资", "超市拖欠员工工资"] {
        let (_, f) = worker
            .post(
                "/api/v1/appeals",
                &json!({"text": text, "category": "A03", "channel": "patrol", "region_code": grid_code}),
            )
            .await;
        ids.push(f["id"].as_i64().unwrap());
    }
    let city = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
    let grid = app.store.region_by_code(&city, &grid_code).await.unwrap();
    let township = app
        .store
        .ancestors(&grid)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.level == pingan_domain::region::RegionLevel::Township)
        .unwrap();
    let dispatcher = app.login(&format!("dispatch.{}", township.code)).await;
    // Merging the last two into the first and separating them again leaves them waiting for
    // dispatch (已受理); the first is returned by the department, which bulk dispatch must refuse.
    for id in &ids[1..] {
        let (s, b) = dispatcher
            .post(
                &format!("/api/v1/appeals/{id}/actions"),
                &json!({"action": "merge", "primary_id": ids[0], "reason": "疑似同一事项"}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{b}");
        let (s, b) = dispatcher
            .post(&format!("/api/v1/appeals/{id}/actions"), &json!({"action": "unmerge", "reason": "核实为不同单位"}))
            .await;
        assert_eq!((s, b["state"].as_str()), (StatusCode::OK, Some("received")), "{b}");
    }
    let dept = app.login("dept.371402.renshe").await;
    let (s, b) = dept
        .post(
            &format!("/api/v1/appeals/{}/actions", ids[0]),
            &json!({"action": "return", "reason": "需先核实用工主体"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");

    let (status, html) = page(&dispatcher, "/appeals?queue=to_dispatch").await;
    assert_eq!(status, StatusCode::OK);
    for id in &ids {
        assert!(html.contains(&format!("/appeals/{id}\"")), "case {id} waits in 待派单");
    }
    // The county's 人社局 from the unit list.
    let renshe = html
        .split("<option value=\"org:")
        .skip(1)
        .find(|o| o.contains("人力资源和社会保障局") && !o.contains("德州市"))
        .map(|o| o.split('"').next().unwrap().to_owned())
        .expect("the county department is offered");
    let body = format!("_csrf={}&unit=org:{renshe}&id={}&id={}&id={}", dispatcher.csrf, ids[0], ids[1], ids[2]);
    let res = dispatcher
        .client
        .post(dispatcher.url("/appeals/bulk-dispatch"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let notice: String = url::form_urlencoded::parse(location.split('?').nth(1).unwrap().as_bytes())
        .find(|(k, _)| k == "notice")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert!(notice.starts_with("已派单 2"), "{notice}");
    assert!(notice.contains(&format!("#{}", ids[0])), "the returned case's refusal is reported: {notice}");
    for id in &ids[1..] {
        let (_, case) = dispatcher.get(&format!("/api/v1/appeals/{id}")).await;
        assert_eq!(case["state"], "dispatched");
    }
    let (_, html) = page(&dispatcher, &location).await;
    assert!(html.contains("已派单 2"));
});

on_both_engines!(residents_report_from_the_phone_page, |app: TestApp| async move {
    let resident = app.citizen_login("13500135000").await;
    let (status, html) = page(&resident, "/citizen/report").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"township\""));
    // Without a place: the form comes back with the text kept and the place named.
    let (status, html, _) = form(&resident, "/citizen/report", &[("text", "小区门口路灯坏了一个星期")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("location-error"), "{html}");
    assert!(html.contains("小区门口路灯坏了一个星期"), "the text is kept");
    // With a grid chosen: filed, and the resident lands on the case's page with its code.
    let worker_name = app.first_username("grid_worker").await;
    let grid_code = worker_name.strip_prefix("grid.").unwrap();
    let (status, _, location) =
        form(&resident, "/citizen/report", &[("text", "小区门口路灯坏了一个星期"), ("grid", grid_code)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = page(&resident, &location.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("tracking-code"));
    let (_, html) = page(&resident, "/citizen/cases").await;
    assert!(html.contains("小区门口路灯坏了一个星期"));
    // Staff pages are not for residents.
    let (status, _) = page(&resident, "/appeals").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});
