//! Moving, merging, splitting and retiring regions keeps history.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn children(s: &Session, id: i64) -> Vec<Value> {
    let (status, list) = s.get(&format!("/api/v1/regions?parent_id={id}")).await;
    assert_eq!(status, StatusCode::OK);
    list.as_array().unwrap().clone()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

/// The townships of a county with at least two, the first of which has at least
/// two villages with at least two grids between them; and that township's villages.
async fn setting(s: &Session) -> (Vec<Value>, Vec<Value>) {
    for county in &children(s, 1).await {
        let towns = children(s, id(county)).await;
        if towns.len() < 2 {
            continue;
        }
        let villages = children(s, id(&towns[0])).await;
        if villages.len() >= 2 {
            return (towns, villages);
        }
    }
    panic!("the small city has no county with two townships and a township with two villages");
}

async fn centre_of_grid(s: &Session, grid: i64) -> (f64, f64) {
    let (_, fc) = s.get(&format!("/api/v1/regions/{grid}/grids")).await;
    let ring = fc["features"][0]["geometry"]["coordinates"][0].as_array().unwrap().clone();
    let n = (ring.len() - 1) as f64;
    ring[..ring.len() - 1]
        .iter()
        .fold((0.0, 0.0), |a, p| (a.0 + p[0].as_f64().unwrap() / n, a.1 + p[1].as_f64().unwrap() / n))
}

on_both_engines!(moving_a_village_keeps_its_history, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (towns, villages) = setting(&s).await;
    let village = &villages[0];
    let target = &towns[1];
    let grids = children(&s, id(village)).await;
    let (lon, lat) = centre_of_grid(&s, id(&grids[0])).await;
    let (_, orgs_before) = s.get(&format!("/api/v1/orgs?region_id={}", id(village))).await;

    let (status, out) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "move", "region_id": id(village), "new_parent_id": id(target)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["created"].as_array().unwrap().len(), 1 + grids.len(), "village and each grid get successors");

    // The old village is retired, with its successor and a recorded change.
    let (_, history) = s.get(&format!("/api/v1/regions/{}/history", id(village))).await;
    assert_eq!(history["retired"], true);
    let successor = history["current_successor_id"].as_i64().unwrap();
    assert_eq!(history["changes"][0]["kind"], "move");
    let (_, new_village) = s.get(&format!("/api/v1/regions/{successor}")).await;
    let new_code = new_village["region"]["code"].as_str().unwrap();
    assert!(new_code.starts_with(&target["code"].as_str().unwrap()[..9]), "{new_code} under {}", target["code"]);
    assert_eq!(new_village["region"]["households"], village["households"]);
    // Its grids followed, renumbered under the new code; organisations moved too.
    let new_grids = children(&s, successor).await;
    assert_eq!(new_grids.len(), grids.len());
    assert!(new_grids.iter().all(|g| g["code"].as_str().unwrap().starts_with(new_code)));
    let (_, orgs_after) = s.get(&format!("/api/v1/orgs?region_id={successor}")).await;
    assert_eq!(orgs_after["total"], orgs_before["total"]);
    assert!(children(&s, id(&towns[0])).await.iter().all(|v| v["id"] != village["id"]));
    // The point now resolves to the new grid, under the new township.
    let located: Value = app
        .client()
        .get(app.url(&format!("/api/v1/locate?lon={lon}&lat={lat}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(located["grid"]["code"].as_str().unwrap().starts_with(new_code));
    assert_eq!(located["ancestors"][2]["id"], target["id"]);
    // The move is audited.
    let (_, audit) = s.get("/api/v1/audit?action=region.move").await;
    assert_eq!(audit["total"], 1);
    // Moving a retired region again is a conflict, moving a village under a village is refused.
    let (status, _) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "move", "region_id": id(village), "new_parent_id": id(&towns[0])}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, err) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "move", "region_id": successor, "new_parent_id": id(&villages[1])}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["fields"][0]["field"], "new_parent_id");
});

on_both_engines!(merge_split_and_retire, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (_, villages) = setting(&s).await;
    assert!(villages.len() >= 2);
    let (a, b) = (&villages[0], &villages[1]);
    let grids_a = children(&s, id(a)).await.len();
    let grids_b = children(&s, id(b)).await.len();

    // Merge b into a: b's grids now sit under a.
    let (status, out) =
        s.post("/api/v1/regions/changes", &json!({"kind": "merge", "source_ids": [id(b)], "into_id": id(a)})).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let merged = children(&s, id(a)).await;
    assert_eq!(merged.len(), grids_a + grids_b);
    let (_, hb) = s.get(&format!("/api/v1/regions/{}/history", id(b))).await;
    assert_eq!(hb["current_successor_id"], a["id"]);

    // Split a back into two parts; a bad plan names every problem and changes nothing.
    let all: Vec<i64> = merged.iter().map(id).collect();
    let prefix = &a["code"].as_str().unwrap()[..9];
    let (code1, code2) = (format!("{prefix}390"), format!("{prefix}391"));
    let (status, err) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "split", "region_id": id(a), "parts": [
                {"code": "12", "name": "", "child_ids": [all[0]]},
                {"code": code2, "name": "乙村", "child_ids": [all[0], 999999]},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<_> =
        err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
    assert!(fields.contains(&"parts[0].code".to_owned()) && fields.contains(&"parts[0].name".to_owned()));
    assert!(fields.contains(&"parts[1].child_ids".to_owned()) && fields.contains(&"parts".to_owned()));
    assert_eq!(children(&s, id(a)).await.len(), all.len(), "nothing changed");

    let (first, rest) = all.split_at(1);
    let (status, out) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "split", "region_id": id(a), "parts": [
                {"code": code1, "name": "甲村", "child_ids": first},
                {"code": code2, "name": "乙村", "child_ids": rest},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let parts: Vec<i64> = out["created"].as_array().unwrap().iter().take(2).map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(children(&s, parts[0]).await.len(), 1);
    assert_eq!(children(&s, parts[1]).await.len(), rest.len());

    // Retire: refused while something lives there; allowed once empty.
    let (status, err) = s.post("/api/v1/regions/changes", &json!({"kind": "retire", "region_id": parts[0]})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let grid = children(&s, parts[0]).await[0].clone();
    let (status, _) = s
        .post("/api/v1/regions/changes", &json!({"kind": "merge", "source_ids": [parts[0]], "into_id": parts[1]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, hg) = s.get(&format!("/api/v1/regions/{}/history", id(&grid))).await;
    assert!(hg["current_successor_id"].is_i64(), "grid followed the merge");
    let (_, audit) = s.get("/api/v1/audit?action=region.").await;
    assert_eq!(audit["total"], 3);
});

on_both_engines!(structural_changes_respect_scope_and_role, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let counties = children(&admin, 1).await;
    let other_county = counties.iter().find(|c| c["code"] == "371403").unwrap();
    let other_town = &children(&admin, id(other_county)).await[0];
    let county_admin = app.login("admin.371402").await;
    let own_town = &children(&county_admin, county_admin.me["scope_region_id"].as_i64().unwrap()).await[0];
    let own_village = &children(&county_admin, id(own_town)).await[0];
    // Into another county: the target is not visible.
    let (status, _) = county_admin
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "move", "region_id": id(own_village), "new_parent_id": id(other_town)}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A dispatcher may not restructure at all.
    let accounts = app.store.first_account_per_role().await.unwrap();
    let dispatcher = accounts.iter().find(|a| a.1.as_str() == "township_dispatcher").unwrap();
    let d = app.login(&dispatcher.0).await;
    let (status, _) = d.post("/api/v1/regions/changes", &json!({"kind": "retire", "region_id": id(own_village)})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Malformed change: a 400, not a 500.
    let (status, _) = admin.post("/api/v1/regions/changes", &json!({"kind": "teleport"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
});

on_both_engines!(other_instances_pick_up_new_boundaries, |app: TestApp| async move {
    let other = app.second_instance().await;
    let s = app.login("admin").await;
    let (towns, villages) = setting(&s).await;
    let grid = &children(&s, id(&villages[0])).await[0];
    let (lon, lat) = centre_of_grid(&s, id(grid)).await;
    let (status, _) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "move", "region_id": id(&villages[0]), "new_parent_id": id(&towns[1])}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // The second instance notices within its refresh interval (200 ms in tests).
    let mut code = String::new();
    for _ in 0..50 {
        let v: Value = app
            .client()
            .get(other.url(&format!("/api/v1/locate?lon={lon}&lat={lat}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        code = v["grid"]["code"].as_str().unwrap_or_default().to_owned();
        if code != grid["code"].as_str().unwrap() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_ne!(code, grid["code"].as_str().unwrap(), "the other instance still answers with the retired grid");
});

on_both_engines!(grids_are_not_split_or_merged_here_and_races_conflict, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (towns, villages) = setting(&s).await;
    let grids = children(&s, id(&villages[0])).await;
    let (status, err) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "split", "region_id": id(&grids[0]), "parts": [
                {"code": "371402001001998", "name": "甲", "child_ids": []},
                {"code": "371402001001999", "name": "乙", "child_ids": []},
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(err["fields"][0]["message"].as_str().unwrap().contains("import"));
    let other_grid = &children(&s, id(&villages[1])).await[0];
    let (status, _) = s
        .post(
            "/api/v1/regions/changes",
            &json!({"kind": "merge", "source_ids": [id(other_grid)], "into_id": id(&grids[0])}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Two moves of the same village at once: exactly one wins, the other is a conflict, no duplicates.
    let village = id(&villages[0]);
    let (a, b) = (s.against(&s.base), s.against(&s.base));
    let (to_a, to_b) = (id(&towns[1]), id(&towns[0]));
    let first = tokio::spawn(async move {
        a.post("/api/v1/regions/changes", &json!({"kind": "move", "region_id": village, "new_parent_id": to_a})).await.0
    });
    let second = tokio::spawn(async move {
        b.post("/api/v1/regions/changes", &json!({"kind": "merge", "source_ids": [village], "into_id": to_b})).await.0
    });
    let mut statuses = [first.await.unwrap(), second.await.unwrap()];
    statuses.sort();
    assert!(statuses.contains(&StatusCode::OK), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT || *s == StatusCode::BAD_REQUEST),
        "{statuses:?}"
    );
    let live_copies = children(&s, id(&towns[1])).await.iter().filter(|v| v["name"] == villages[0]["name"]).count();
    assert!(live_copies <= 1);

    // A retired region takes no new organisations.
    let (status, _) =
        s.post("/api/v1/orgs", &json!({"kind": "red_station", "name": "迟到的驿站", "region_id": village})).await;
    assert_eq!(status, StatusCode::CONFLICT);
});
