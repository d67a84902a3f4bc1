//! 微心愿 on the staff page `/wishes`, on both engines: a grid worker posts a wish for a resident
//! of the grid's community (a refused form keeps what was typed and writes nothing); a cadre
//! claims wishes for the community and reports one done with photos (a file that is not a
//! photo, or too many, refuses the whole report); the resident sees the photos, no one else
//! outside the wish's community does; the worker confirms for the resident; figures follow.

use crate::common;

use common::{TestApp, form, form_with_files, page, png};
use reqwest::StatusCode;
use serde_json::json;

on_both_engines!(staff_post_claim_and_fulfil_wishes_with_photos, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let cadre = app.login(&format!("cadre.{code}")).await;
    let grid_code = app.store.region_unscoped(grids[0].0).await.unwrap().code;
    let worker = app.login(&format!("grid.{grid_code}")).await;
    let community_id = community.to_string();

    // The grid worker's page offers the grid's community.
    let (status, html) = page(&worker, "/wishes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("<option value=\"{community}\"")), "{html}");

    // Refused forms come back with what was typed and the field named; nothing is written.
    let typed = |title: &'static str, for_name: &'static str| {
        [
            ("community_id", community_id.clone()),
            ("for_name", for_name.to_owned()),
            ("title", title.to_owned()),
            ("kind", "repair".to_owned()),
            ("detail", "厨房水管漏水,老人独居".to_owned()),
        ]
    };
    let post = async |fields: [(&'static str, String); 5]| {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form(&worker, "/wishes", &fields).await
    };
    let (status, html, _) = post(typed("修", "张秀兰")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("title:") && html.contains("厨房水管漏水,老人独居"), "{html}");
    let (status, html, _) = post(typed("帮忙修理水管", "")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("for_name:") && html.contains("value=\"帮忙修理水管\""), "{html}");
    assert_eq!(app.scalar("SELECT count(*) FROM wishes").await, 0);
    let (status, _, location) = post(typed("帮忙修理水管", "张秀兰")).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/wishes")));
    let for_resident = app.scalar("SELECT max(id) FROM wishes").await;
    let (_, html) = page(&worker, "/wishes").await;
    assert!(html.contains("帮忙修理水管") && html.contains("张**") && !html.contains("张秀兰"), "masked: {html}");

    // A resident's own wish; the cadre claims both for the community.
    let resident = app.citizen_login("13700137101").await;
    let (status, w) = resident
        .post("/api/v1/wishes", &json!({ "title": "需要一台轮椅", "kind": "goods", "community_id": community }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    let own = w["id"].as_i64().unwrap();
    for id in [for_resident, own] {
        let (status, html, _) = form(&cadre, &format!("/wishes/{id}"), &[("action", "claim"), ("version", "0")]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    }

    // The report that it is done: a file that is not a photo, or four photos, refuse it whole.
    let own_id = own.to_string();
    let fulfil =
        [("action", "fulfil"), ("wish_id", own_id.as_str()), ("version", "1"), ("proof", "已将轮椅送到老人家中")];
    let path = format!("/wishes/{own}");
    let (status, html, _) = form_with_files(&cadre, &path, &fulfil, &[("清单.txt", b"not a photo".as_slice())]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("photos:") && html.contains("已将轮椅送到老人家中"), "{html}");
    let shots: Vec<Vec<u8>> = (0..4).map(|n| png(4, 3, [n * 40, 90, 200])).collect();
    let four: Vec<(&str, &[u8])> = shots.iter().map(|b| ("照片.png", b.as_slice())).collect();
    let (status, html, _) = form_with_files(&cadre, &path, &fulfil, &four).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("最多 3 张"), "{html}");
    assert_eq!(app.scalar("SELECT count(*) FROM wish_photos").await, 0);
    assert_eq!(
        app.scalar(&format!("SELECT CAST(version AS BIGINT) FROM wishes WHERE id = {own}")).await,
        1,
        "still claimed"
    );
    let (status, _, location) = form_with_files(&cadre, &path, &fulfil, &four[..2]).await;
    assert_eq!((status, location.as_deref()), (StatusCode::SEE_OTHER, Some("/wishes")));
    assert_eq!(app.scalar(&format!("SELECT count(*) FROM wish_photos WHERE wish_id = {own}")).await, 2);

    // The resident sees the photos and opens one; a stranger and another community's cadre cannot.
    let photo = app.scalar(&format!("SELECT min(id) FROM wish_photos WHERE wish_id = {own}")).await;
    let link = format!("/api/v1/wishes/photos/{photo}");
    let (_, html) = page(&resident, "/citizen/wishes").await;
    assert!(html.contains(&link) && html.contains("已将轮椅送到老人家中"), "{html}");
    let res = resident.client.get(resident.url(&link)).send().await.unwrap();
    assert_eq!((res.status(), res.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/png"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), shots[0].as_slice());
    let stranger = app.citizen_login("13700137102").await;
    assert_eq!(stranger.client.get(stranger.url(&link)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let (_, place) = admin.get(&format!("/api/v1/regions/{community}")).await;
    let township = place["region"]["parent_id"].as_i64().unwrap();
    let (_, villages) = admin.get(&format!("/api/v1/regions?parent_id={township}")).await;
    let other = villages.as_array().unwrap().iter().find(|v| v["code"] != code.as_str()).unwrap();
    let elsewhere = app.login(&format!("cadre.{}", other["code"].as_str().unwrap())).await;
    assert_eq!(elsewhere.client.get(elsewhere.url(&link)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let (status, html) = page(&elsewhere, "/wishes").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("需要一台轮椅"), "not in another community's list");
    // The grid worker's reach ends at the grid's community: the next village is not theirs.
    let other_id = other["id"].as_i64().unwrap().to_string();
    let (_, html) = page(&worker, "/wishes").await;
    assert!(!html.contains(&format!("<option value=\"{other_id}\"")), "only the grid's community is offered");
    let before = app.scalar("SELECT count(*) FROM wishes").await;
    let next_door = [
        ("community_id", other_id.as_str()),
        ("for_name", "王桂芝"),
        ("title", "帮忙换灯泡"),
        ("kind", "repair"),
        ("detail", ""),
    ];
    let (status, html, _) = form(&worker, "/wishes", &next_door).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("community_id:"), "{html}");
    assert_eq!(app.scalar("SELECT count(*) FROM wishes").await, before, "nothing written");

    // The wish posted for 张秀兰: done without photos, confirmed by the worker for her.
    let path = format!("/wishes/{for_resident}");
    let (status, _, _) =
        form(&cadre, &path, &[("action", "fulfil"), ("version", "1"), ("proof", "已上门修好水管")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(form(&cadre, &path, &[("action", "confirm"), ("version", "2")]).await.0, StatusCode::FORBIDDEN);
    let (status, _, _) = form(&worker, &path, &[("action", "confirm"), ("version", "2")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, html) = page(&worker, "/wishes?state=confirmed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("帮忙修理水管") && !html.contains("需要一台轮椅"), "{html}");
    assert!(html.contains("id=\"wish-confirmed\">1<"), "{html}");

    // In English.
    worker.client.get(worker.url("/lang/en")).send().await.unwrap();
    let (_, html) = page(&worker, "/wishes").await;
    assert!(html.contains("Post a wish for a resident") && html.contains("Confirmed"), "{html}");
});
