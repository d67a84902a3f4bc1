//! API tokens for other systems (the 12345 hotline, a mini-program's back end), on both engines:
//! issued, listed and revoked with `pingan token`, used with `Authorization: Bearer`, acting as
//! their account; a case filed for a resident who already has an account is theirs at once.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn file_with_token(base: &str, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/appeals"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(sql)
        .fetch_one(pool)
        .await
        .expect("count"))
}

on_both_engines!(a_token_files_for_the_hotline_until_revoked, |app: TestApp| async move {
    let dispatcher = app.first_username("township_dispatcher").await;
    // A grid in the dispatcher's township, and one outside it.
    let scope = app.store.login_account(&dispatcher).await.unwrap().expect("dispatcher").actor.scope.region;
    let grids = app.store.all_grid_shapes_for_index().await.unwrap();
    let grid_code = grids.iter().find(|g| g.path.as_str().starts_with(scope.as_str())).expect("own grid").code.clone();
    let outside = grids.iter().find(|g| !g.path.as_str().starts_with(scope.as_str())).expect("grids elsewhere");

    // Issued to an account that does not exist: refused, naming the option, nothing written.
    let (ok, _, err) = app.pingan(&["token", "create", "--name", "12345 热线", "--user", "nobody"]).await;
    assert!(!ok && err.contains("--user") && err.contains("nobody"), "{err}");
    assert_eq!(count(&app, "SELECT count(*) FROM api_tokens").await, 0);

    let (ok, out, err) = app.pingan(&["token", "create", "--name", "12345 热线", "--user", &dispatcher]).await;
    assert!(ok, "{err}");
    let secret = out.lines().find(|l| l.starts_with("pa_")).expect("the secret is printed once").trim().to_owned();
    let token_id: i64 = count(&app, "SELECT max(id) FROM api_tokens").await;

    // A resident who already signed in once: a case handed over by the hotline with their
    // phone is theirs at once.
    let resident = app.citizen_login("13911112222").await;
    let report = json!({
        "text": "小区门口的路灯坏了一个多星期,晚上出行很不方便",
        "channel": "hotline_12345",
        "region_code": grid_code,
        "reporter_name": "赵女士",
        "reporter_phone": "13911112222",
    });
    let (status, filed) = file_with_token(&app.base, &secret, "hotline-0001", &report).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let (_, mine) = resident.get("/api/v1/appeals").await;
    let ids: Vec<i64> = mine["items"].as_array().unwrap().iter().filter_map(|c| c["id"].as_i64()).collect();
    assert_eq!(ids, [id], "{mine}");

    // The hotline retries (a lost answer): the same case, not a second one.
    let (status, again) = file_with_token(&app.base, &secret, "hotline-0001", &report).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!((again["id"].as_i64(), again["replayed"].as_bool()), (Some(id), Some(true)));
    assert_eq!(count(&app, "SELECT count(*) FROM appeals").await, 1);

    // The token acts as its account, within its scope: a place outside the dispatcher's
    // township is refused.
    let mut far = report.clone();
    far["region_code"] = json!(outside.code);
    let (status, _) = file_with_token(&app.base, &secret, "hotline-0002", &far).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An unknown token is refused with a message.
    let (status, err) = file_with_token(&app.base, "pa_not-a-token", "hotline-0003", &report).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(err["error"].as_str().unwrap_or_default().contains("令牌"), "{err}");

    // Listed without the secret.
    let (ok, out, _) = app.pingan(&["token", "list"]).await;
    assert!(ok && out.contains("12345 热线") && out.contains("active") && !out.contains(&secret), "{out}");

    // Revoked: audited; a second revoke changes nothing; an instance that has not seen the
    // token refuses it (running ones within `TOKEN_TTL`).
    let (ok, out, err) = app.pingan(&["token", "revoke", &token_id.to_string()]).await;
    assert!(ok && out.contains("revoked"), "{out}{err}");
    let (ok, out, _) = app.pingan(&["token", "revoke", &token_id.to_string()]).await;
    assert!(ok && out.contains("already revoked"), "{out}");
    let (ok, _, err) = app.pingan(&["token", "revoke", "999999"]).await;
    assert!(!ok && err.contains("999999"), "{err}");
    let fresh = app.second_instance().await;
    let (status, _) = file_with_token(&fresh.base, &secret, "hotline-0004", &report).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, out, _) = app.pingan(&["token", "list"]).await;
    assert!(out.contains("revoked"), "{out}");
    assert_eq!(
        count(&app, "SELECT count(*) FROM audit_events WHERE action IN ('api_token.create', 'api_token.revoke')").await,
        2
    );
});
