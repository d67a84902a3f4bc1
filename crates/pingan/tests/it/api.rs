//! API behaviour on both engines: sign-in, the region tree, locate, organisations,
//! validation, CSRF, the audit trail and the OpenAPI document.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_engines!(operations_endpoints_answer, |app: TestApp| async move {
    let c = app.client();
    assert_eq!(c.get(app.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    assert_eq!(c.get(app.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    let metrics = c.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("pingan_http_requests_total"), "metrics: {metrics}");
    let missing = c.get(app.url("/api/v1/nothing-here")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("no such route"));
});

on_both_engines!(sign_in_is_checked_throttled_and_audited, |app: TestApp| async move {
    let c = app.client();
    let url = app.url("/api/v1/auth/login");
    // Unknown user and wrong password look the same.
    for body in
        [json!({"username": "nobody", "password": "x"}), json!({"username": "leader", "password": "wrong-password-1"})]
    {
        let res = c.post(&url).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert!(res.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("wrong username or password"));
    }
    // Without a session, staff routes refuse.
    assert_eq!(c.get(app.url("/api/v1/auth/me")).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // Malformed body: a 400 with a message, not a 500.
    let res = c.post(&url).header("content-type", "application/json").body("{oops").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Four more failures lock the account (five in the window), even for the right password.
    for _ in 0..4 {
        c.post(&url).json(&json!({"username": "leader", "password": "wrong-password-1"})).send().await.unwrap();
    }
    let res = c.post(&url).json(&json!({"username": "leader", "password": common::PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Another account is unaffected, and sees the failures in the audit trail.
    let admin = app.login("admin").await;
    let (status, page) = admin.get("/api/v1/audit?action=account.login&actor=leader").await;
    assert_eq!(status, StatusCode::OK);
    let failures = page["items"].as_array().unwrap().iter().filter(|e| e["success"] == false).count();
    assert_eq!(failures, 5);
    // Sign out ends the session; it needs the CSRF token.
    let res = admin.client.post(admin.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (status, _) = admin.post("/api/v1/auth/logout", &json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(admin.get("/api/v1/auth/me").await.0, StatusCode::UNAUTHORIZED);
});

on_both_engines!(every_demo_role_signs_in, |app: TestApp| async move {
    let accounts = app.store.first_account_per_role().await.unwrap();
    assert_eq!(accounts.len(), 8, "one demo account per staff role: {accounts:?}");
    for (username, role, _) in accounts {
        let s = app.login(&username).await;
        assert_eq!(s.me["role"], role.as_str());
        let (status, roots) = s.get("/api/v1/regions").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(roots[0]["id"], s.me["scope_region_id"]);
    }
});

on_both_engines!(region_tree_walks_from_city_to_grid, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (_, roots) = s.get("/api/v1/regions").await;
    assert_eq!(roots[0]["level"], "city");
    assert_eq!(roots[0]["code"], "371400");
    let mut id = roots[0]["id"].as_i64().unwrap();
    for level in ["county", "township", "village", "grid"] {
        let (status, children) = s.get(&format!("/api/v1/regions?parent_id={id}")).await;
        assert_eq!(status, StatusCode::OK);
        let children = children.as_array().unwrap();
        assert!(!children.is_empty(), "{level} level is empty");
        assert!(children.iter().all(|c| c["level"] == level));
        if level == "county" {
            assert_eq!(children.len(), 11);
            assert!(children.iter().any(|c| c["code"] == "371402" && c["name"] == "德城区"));
            let grids: i64 = children.iter().map(|c| c["grids"].as_i64().unwrap()).sum();
            assert!(grids >= 100, "small city has a few hundred grids, got {grids}");
        }
        id = children[0]["id"].as_i64().unwrap();
    }
    let (status, detail) = s.get(&format!("/api/v1/regions/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["ancestors"].as_array().unwrap().len(), 4);
    let (status, fc) = s.get(&format!("/api/v1/regions/{id}/grids")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fc["type"], "FeatureCollection");
    assert_eq!(fc["features"].as_array().unwrap().len(), 1);
    assert_eq!(s.get("/api/v1/regions/999999").await.0, StatusCode::NOT_FOUND);
    assert_eq!(s.get("/api/v1/regions/abc").await.0, StatusCode::BAD_REQUEST);
});

on_both_engines!(locate_resolves_points_borders_and_outsiders, |app: TestApp| async move {
    let c = app.client();
    let s = app.login("admin").await;
    // Take a real grid and its polygon.
    let (_, counties) = s.get("/api/v1/regions?parent_id=1").await;
    let county = counties[0]["id"].as_i64().unwrap();
    let (_, fc) = s.get(&format!("/api/v1/regions/{county}/grids")).await;
    let feature = &fc["features"][0];
    let ring: Vec<(f64, f64)> = feature["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    // The average of a convex cell's corners lies inside it.
    let n = (ring.len() - 1) as f64;
    let (cx, cy) = ring[..ring.len() - 1].iter().fold((0.0, 0.0), |a, p| (a.0 + p.0 / n, a.1 + p.1 / n));
    let res: Value =
        c.get(app.url(&format!("/api/v1/locate?lon={cx}&lat={cy}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(res["grid"]["code"], feature["properties"]["code"]);
    let levels: Vec<_> =
        res["ancestors"].as_array().unwrap().iter().map(|a| a["level"].as_str().unwrap().to_owned()).collect();
    assert_eq!(levels, ["city", "county", "township", "village"]);
    // A corner is shared by several grids, yet resolves to exactly one, and always the same.
    let (vx, vy) = ring[1];
    let first: Value =
        c.get(app.url(&format!("/api/v1/locate?lon={vx}&lat={vy}"))).send().await.unwrap().json().await.unwrap();
    for _ in 0..3 {
        let again: Value =
            c.get(app.url(&format!("/api/v1/locate?lon={vx}&lat={vy}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(again["grid"]["code"], first["grid"]["code"]);
    }
    assert!(first["grid"]["code"].is_string());
    // Outside the city: a clear 422.
    let res = c.get(app.url("/api/v1/locate?lon=120.0&lat=30.0")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("outside the jurisdiction"));
    // Missing or impossible coordinates: 400 naming the field.
    let res = c.get(app.url("/api/v1/locate?lon=116.3")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["fields"][0]["field"], "lat");
    let res = c.get(app.url("/api/v1/locate?lon=116.3&lat=91")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
});

on_both_engines!(orgs_change_only_with_valid_input_and_csrf, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (status, page) = s.get("/api/v1/orgs?kind=red_station&per_page=5").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page["total"].as_i64().unwrap() > 0);
    let station = &page["items"][0];
    let id = station["id"].as_i64().unwrap();
    let (_, audit_before) = s.get("/api/v1/audit?action=org.").await;
    let audit_count = audit_before["total"].as_i64().unwrap();

    // Bad input: every bad field named, nothing written.
    let (status, err) = s.patch(&format!("/api/v1/orgs/{id}"), &json!({"name": "  ", "phone": "call me maybe"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<_> =
        err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
    assert_eq!(fields, ["name", "phone"]);
    let (_, unchanged) = s.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(unchanged["name"], station["name"]);

    // No CSRF header: refused, nothing written.
    let res = s
        .client
        .patch(s.url(&format!("/api/v1/orgs/{id}")))
        .json(&json!({"opening_hours": "全天"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A good change is applied and audited with before and after.
    let (status, updated) =
        s.patch(&format!("/api/v1/orgs/{id}"), &json!({"opening_hours": "周一至周日 07:30-21:00"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["opening_hours"], "周一至周日 07:30-21:00");
    let (_, audit_after) = s.get("/api/v1/audit?action=org.update").await;
    assert_eq!(audit_after["total"].as_i64().unwrap(), 1);
    let event = &audit_after["items"][0];
    assert_eq!(event["target_id"], id);
    assert_eq!(event["actor_name"], "admin");
    assert_eq!(event["before"]["opening_hours"], station["opening_hours"]);
    assert_eq!(event["after"]["opening_hours"], "周一至周日 07:30-21:00");
    let (_, all_org_events) = s.get("/api/v1/audit?action=org.").await;
    assert_eq!(all_org_events["total"].as_i64().unwrap(), audit_count + 1);

    // Create: bad rows are refused whole, a good one lands with its audit event.
    let grid = station["region_id"].as_i64().unwrap();
    let (status, err) = s.post("/api/v1/orgs", &json!({"kind": "castle", "name": "", "region_id": grid})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["fields"].as_array().unwrap().len(), 2);
    let (status, _) = s.post("/api/v1/orgs", &json!({"kind": "red_station", "name": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "missing region_id is a 400");
    let (status, created) = s
        .post("/api/v1/orgs", &json!({"kind": "social_unit", "name": "德州市测试物流有限公司", "region_id": grid, "industry": "I09", "phone": "0534-2345678"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["industry"], "I09");
    let (_, created_events) = s.get("/api/v1/audit?action=org.create").await;
    assert_eq!(created_events["total"], 1);
});

on_both_engines!(personal_phones_are_masked_in_lists, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (_, page) = s.get("/api/v1/orgs?per_page=200").await;
    for o in page["items"].as_array().unwrap() {
        if let Some(p) = o["phone"].as_str() {
            assert!(p.contains('-') || p.contains("****"), "unmasked phone {p}");
        }
    }
});

on_both_engines!(openapi_document_matches_the_router, |app: TestApp| async move {
    let s = app.login("admin").await;
    let doc: Value = app.client().get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/auth/me",
        "/api/v1/locate",
        "/api/v1/regions",
        "/api/v1/regions/{id}",
        "/api/v1/regions/{id}/grids",
        "/api/v1/orgs",
        "/api/v1/orgs/{id}",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing from the OpenAPI document");
    }
    // Every documented path and method exists in the router (no 404 or 405).
    for (path, ops) in paths {
        let concrete = path.replace("{id}", "1");
        for method in ops.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = s.client.request(m, s.url(&concrete)).header("X-CSRF-Token", "x").send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            assert!(
                status != StatusCode::METHOD_NOT_ALLOWED && !body.contains("no such route"),
                "{method} {path} is documented but not routed ({status})"
            );
        }
    }
});

on_both_engines!(edits_with_a_stale_version_conflict_and_searches_agree, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (_, page) = s.get("/api/v1/orgs?kind=red_station&per_page=1").await;
    let org = &page["items"][0];
    let id = org["id"].as_i64().unwrap();
    let seen = org["version"].as_i64().unwrap();
    let (status, _) =
        s.patch(&format!("/api/v1/orgs/{id}"), &json!({"version": seen, "name": "Pingan Station A"})).await;
    assert_eq!(status, StatusCode::OK);
    // Someone who read the old version is refused instead of overwriting.
    let (status, err) = s.patch(&format!("/api/v1/orgs/{id}"), &json!({"version": seen, "address": "旧地址"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    // Name search ignores ASCII case on both engines.
    let (_, upper) = s.get("/api/v1/orgs?q=PINGAN%20STATION").await;
    let (_, lower) = s.get("/api/v1/orgs?q=pingan%20station").await;
    assert_eq!(upper["total"], 1);
    assert_eq!(lower["total"], 1);
    // Absurd paging is a 400, not an overflow.
    assert_eq!(s.get("/api/v1/orgs?page=9223372036854775807").await.0, StatusCode::BAD_REQUEST);
    let res = s.client.get(s.url("/orgs?page=9223372036854775807")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Department staff cannot open another organisation's edit form.
    let dept = app.login("dept.gongan").await;
    let res = dept.client.get(dept.url(&format!("/orgs/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A mobile number written with hyphens is still masked.
    let (status, _) = s.patch(&format!("/api/v1/orgs/{id}"), &json!({"phone": "139-0013-9000"})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, shown) = s.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(shown["phone"], "139****9000");
    let (_, audit) = s.get("/api/v1/audit?action=org.update&per_page=1").await;
    assert!(!audit.to_string().contains("139-0013-9000") && !audit.to_string().contains("13900139000"));
});
