//! The authorisation matrix: every role, every resource route, inside and
//! outside its scope, on both engines. Expectations are written out by hand
//! here (not derived from the code under test).

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const OK: u16 = 200;
const CREATED: u16 = 201;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;

/// What one account may do. `None`: the case does not exist for this account
/// (a city-wide account has nothing outside its scope).
struct Expect {
    username: &'static str,
    patch_in: u16,
    patch_out: Option<u16>,
    create_in: u16,
    create_out: Option<u16>,
    audit: u16,
}

/// Ids discovered through the admin account.
struct World {
    county_b: i64,
    org_in_county_b: i64,
}

async fn first_org(admin: &Session, region_id: i64) -> Value {
    let (status, page) = admin.get(&format!("/api/v1/orgs?region_id={region_id}&per_page=1")).await;
    assert_eq!(status, StatusCode::OK);
    page["items"][0].clone()
}

async fn world(admin: &Session) -> World {
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let county_b = counties.as_array().unwrap().iter().find(|c| c["code"] == "371403").unwrap()["id"].as_i64().unwrap();
    let org_in_county_b = first_org(admin, county_b).await["id"].as_i64().unwrap();
    World { county_b, org_in_county_b }
}

fn code(s: StatusCode) -> u16 {
    s.as_u16()
}

on_both_engines!(each_role_sees_and_changes_only_its_scope, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let w = world(&admin).await;
    let dispatcher = app.store.first_account_per_role().await.unwrap();
    let name_of = |role: &str| dispatcher.iter().find(|a| a.1.as_str() == role).unwrap().0.clone();
    let township = Box::leak(name_of("township_dispatcher").into_boxed_str());
    let cadre = Box::leak(name_of("village_cadre").into_boxed_str());
    let grid = Box::leak(name_of("grid_worker").into_boxed_str());

    let table = [
        Expect { username: "admin", patch_in: OK, patch_out: None, create_in: CREATED, create_out: None, audit: OK },
        Expect {
            username: "leader",
            patch_in: FORBIDDEN,
            patch_out: None,
            create_in: FORBIDDEN,
            create_out: None,
            audit: OK,
        },
        Expect {
            username: "supervisor",
            patch_in: FORBIDDEN,
            patch_out: None,
            create_in: FORBIDDEN,
            create_out: None,
            audit: OK,
        },
        Expect {
            username: "dept.gongan",
            patch_in: OK,
            patch_out: None,
            create_in: FORBIDDEN,
            create_out: None,
            audit: FORBIDDEN,
        },
        Expect {
            username: "admin.371402",
            patch_in: OK,
            patch_out: Some(NOT_FOUND),
            create_in: CREATED,
            create_out: Some(NOT_FOUND),
            audit: OK,
        },
        Expect {
            username: "leader.371402",
            patch_in: FORBIDDEN,
            patch_out: Some(FORBIDDEN),
            create_in: FORBIDDEN,
            create_out: Some(FORBIDDEN),
            audit: OK,
        },
        Expect {
            username: township,
            patch_in: OK,
            patch_out: Some(NOT_FOUND),
            create_in: CREATED,
            create_out: Some(NOT_FOUND),
            audit: FORBIDDEN,
        },
        Expect {
            username: cadre,
            patch_in: OK,
            patch_out: Some(NOT_FOUND),
            create_in: FORBIDDEN,
            create_out: Some(FORBIDDEN),
            audit: FORBIDDEN,
        },
        Expect {
            username: grid,
            patch_in: OK,
            patch_out: Some(NOT_FOUND),
            create_in: FORBIDDEN,
            create_out: Some(FORBIDDEN),
            audit: FORBIDDEN,
        },
    ];

    for e in &table {
        let s = app.login(e.username).await;
        let who = e.username;
        let root = s.me["scope_region_id"].as_i64().unwrap();
        let city_wide = root == 1;
        // The org this account would edit: department staff their own, others the first in scope.
        let org_in = match s.me["scope_org_id"].as_i64() {
            Some(own) => own,
            None => first_org(&admin, root).await["id"].as_i64().unwrap(),
        };

        // Reads inside the scope.
        for path in [
            format!("/api/v1/regions/{root}"),
            format!("/api/v1/regions?parent_id={root}"),
            format!("/api/v1/regions/{root}/grids"),
            format!("/api/v1/regions/{root}/history"),
            format!("/api/v1/orgs?region_id={root}"),
            format!("/api/v1/orgs/{org_in}"),
            "/api/v1/orgs".to_owned(),
        ] {
            assert_eq!(code(s.get(&path).await.0), OK, "{who} GET {path}");
        }
        for page in [format!("/regions/{root}"), format!("/map/{root}"), "/orgs".to_owned(), "/home".to_owned()] {
            let status = s.client.get(s.url(&page)).send().await.unwrap().status();
            assert_eq!(code(status), OK, "{who} page {page}");
        }
        // Lists never leak outside the scope.
        let (_, orgs) = s.get("/api/v1/orgs?per_page=200").await;
        if !city_wide {
            assert!(orgs["items"].as_array().unwrap().iter().all(|o| o["id"] != w.org_in_county_b), "{who} list leaks");
        }

        // Reads outside the scope are "not found", API and pages alike.
        if !city_wide {
            for path in [
                format!("/api/v1/regions/{}", w.county_b),
                format!("/api/v1/regions?parent_id={}", w.county_b),
                format!("/api/v1/regions/{}/grids", w.county_b),
                format!("/api/v1/regions/{}/history", w.county_b),
                format!("/api/v1/orgs?region_id={}", w.county_b),
                format!("/api/v1/orgs/{}", w.org_in_county_b),
            ] {
                assert_eq!(code(s.get(&path).await.0), NOT_FOUND, "{who} GET {path}");
            }
            for page in [format!("/regions/{}", w.county_b), format!("/map/{}", w.county_b)] {
                let status = s.client.get(s.url(&page)).send().await.unwrap().status();
                assert_eq!(code(status), NOT_FOUND, "{who} page {page}");
            }
        }

        // Writes.
        let (status, body) = s.patch(&format!("/api/v1/orgs/{org_in}"), &json!({"address": format!("{who} 改")})).await;
        assert_eq!(code(status), e.patch_in, "{who} PATCH own-scope org: {body}");
        if let Some(expected) = e.patch_out {
            let (status, _) =
                s.patch(&format!("/api/v1/orgs/{}", w.org_in_county_b), &json!({"address": "越权"})).await;
            assert_eq!(code(status), expected, "{who} PATCH out-of-scope org");
        }
        let new_org =
            |region: i64| json!({"kind": "red_station", "name": format!("{who} 新驿站"), "region_id": region});
        let (status, body) = s.post("/api/v1/orgs", &new_org(root)).await;
        assert_eq!(code(status), e.create_in, "{who} POST org in scope: {body}");
        if let Some(expected) = e.create_out {
            let (status, _) = s.post("/api/v1/orgs", &new_org(w.county_b)).await;
            assert_eq!(code(status), expected, "{who} POST org out of scope");
        }
        assert_eq!(code(s.get("/api/v1/audit").await.0), e.audit, "{who} GET audit");
    }

    // Department staff may read other organisations but change only their own.
    let dept = app.login("dept.gongan").await;
    let (_, two) = admin.get("/api/v1/orgs?region_id=1&per_page=2").await;
    let other = two["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .find(|id| Some(*id) != dept.me["scope_org_id"].as_i64())
        .unwrap();
    assert_ne!(Some(other), dept.me["scope_org_id"].as_i64());
    assert_eq!(code(dept.get(&format!("/api/v1/orgs/{other}")).await.0), OK);
    assert_eq!(code(dept.patch(&format!("/api/v1/orgs/{other}"), &json!({"address": "x"})).await.0), FORBIDDEN);

    // Nothing written outside a county admin's scope shows in its audit view.
    let county_admin = app.login("admin.371402").await;
    let (_, events) = county_admin.get("/api/v1/audit?action=org.&per_page=200").await;
    let (_, all) = admin.get("/api/v1/audit?action=org.&per_page=200").await;
    assert!(events["total"].as_i64().unwrap() < all["total"].as_i64().unwrap());
    let out_ids: Vec<i64> = vec![w.org_in_county_b];
    assert!(
        events["items"].as_array().unwrap().iter().all(|e| !out_ids.contains(&e["target_id"].as_i64().unwrap_or(-1)))
    );
});
