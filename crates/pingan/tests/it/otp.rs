//! Citizens sign in with a phone number and a one-time code.

use crate::common;

use common::TestApp;
use pingan_web::otp::CodeSender;
use reqwest::StatusCode;
use serde_json::{Value, json};

on_both_engines!(citizen_signs_in_with_a_one_time_code, |app: TestApp| async move {
    let c = app.client();
    let phone = "13912345678";
    // Not a mobile number: 400 naming the field.
    let res = c.post(app.url("/api/v1/auth/code")).json(&json!({"phone": "12345"})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["fields"][0]["field"], "phone");

    let res = c.post(app.url("/api/v1/auth/code")).json(&json!({"phone": phone})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let code = app.codes.last_code(phone).expect("code sent");
    // A second request within the minute is refused.
    let res = c.post(app.url("/api/v1/auth/code")).json(&json!({"phone": phone})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // A wrong code counts down; the right one signs in and creates the account.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res =
        c.post(app.url("/api/v1/auth/code/login")).json(&json!({"phone": phone, "code": wrong})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("4"));
    let res =
        c.post(app.url("/api/v1/auth/code/login")).json(&json!({"phone": phone, "code": code})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["role"], "citizen");
    assert!(!me["username"].as_str().unwrap().contains("12345678"), "usernames do not reveal phones");
    // The code is consumed.
    let res =
        c.post(app.url("/api/v1/auth/code/login")).json(&json!({"phone": phone, "code": code})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // A citizen is not staff: staff resources and pages refuse.
    let me_again: Value = c.get(app.url("/api/v1/auth/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me_again["role"], "citizen");
    for path in ["/api/v1/regions", "/api/v1/orgs", "/api/v1/audit", "/home", "/orgs"] {
        assert_eq!(c.get(app.url(path)).send().await.unwrap().status(), StatusCode::FORBIDDEN, "{path}");
    }

    // The account creation and the sign-in are audited, with the phone masked.
    let admin = app.login("admin").await;
    let (_, events) = admin.get("/api/v1/audit?action=account.create").await;
    assert_eq!(events["total"], 1);
    assert_eq!(events["items"][0]["after"]["phone"], "139****5678");
    // Signing in again reuses the account.
    let (_, before) = admin.get("/api/v1/audit?action=account.create").await;
    assert_eq!(before["total"], 1);
});

on_both_engines!(five_wrong_codes_void_the_code, |app: TestApp| async move {
    let c = app.client();
    let phone = "13700001111";
    c.post(app.url("/api/v1/auth/code")).json(&json!({"phone": phone})).send().await.unwrap();
    let code = app.codes.last_code(phone).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        c.post(app.url("/api/v1/auth/code/login")).json(&json!({"phone": phone, "code": wrong})).send().await.unwrap();
    }
    // The phone is now locked out, and the code itself has no attempts left either.
    let res =
        c.post(app.url("/api/v1/auth/code/login")).json(&json!({"phone": phone, "code": code})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "the right code no longer works after five wrong ones");
    let hash = pingan_domain::otp::code_hash(phone, &code);
    let outcome = app.store.check_otp(phone, &hash, &Default::default()).await.unwrap();
    assert_eq!(outcome, Err(pingan_store::accounts::OtpRefusal::NoCode));
});

on_both_engines!(parallel_guesses_cannot_pass_the_limits, |app: TestApp| async move {
    // Sign-in: 30 wrong passwords at once; at most five are ever checked, then the right one is refused too.
    let url = app.url("/api/v1/auth/login");
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (c, url) = (app.client(), url.clone());
        tasks.push(tokio::spawn(async move {
            c.post(&url)
                .json(&json!({"username": "leader", "password": "wrong-password-1"}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut checked = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert!(checked <= 5, "{checked} guesses were checked");
    let res = app
        .client()
        .post(&url)
        .json(&json!({"username": "leader", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);

    // One-time codes: 20 parallel wrong guesses; at most five are compared.
    let phone = "13600002222";
    app.client().post(app.url("/api/v1/auth/code")).json(&json!({"phone": phone})).send().await.unwrap();
    let code = app.codes.last_code(phone).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (c, url) = (app.client(), app.url("/api/v1/auth/code/login"));
        tasks.push(tokio::spawn(async move {
            c.post(&url).json(&json!({"phone": phone, "code": wrong})).send().await.unwrap().status()
        }));
    }
    let mut compared = 0;
    for t in tasks {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            compared += 1;
        }
    }
    assert!(compared <= 5, "{compared} guesses were compared");
});

#[tokio::test]
async fn webhook_sender_posts_to_the_gateway() {
    use axum::{Json, Router, routing::post};
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let sink = received.clone();
    let gateway = Router::new().route(
        "/sms",
        post(move |Json(v): Json<Value>| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(v);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, gateway).await.unwrap() });

    let sender = pingan_web::otp::WebhookSender::new(format!("http://{addr}/sms"));
    let phone = pingan_domain::personal::Phone::parse("13800138000").unwrap();
    sender.send(&phone, "424242").await.unwrap();
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["phone"], "13800138000");
    assert!(got[0]["message"].as_str().unwrap().contains("424242"));

    // A gateway that refuses is reported, not ignored.
    let bad = pingan_web::otp::WebhookSender::new(format!("http://{addr}/missing"));
    assert!(bad.send(&phone, "1").await.unwrap_err().contains("404"));
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key).unwrap_or_else(|| panic!("no {name} in {html}")) + key.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

on_both_engines!(residents_sign_in_and_find_their_grid_in_the_browser_pages, |app: TestApp| async move {
    let c = app.client();
    assert_eq!(c.get(app.url("/citizen")).send().await.unwrap().headers()["location"], "/citizen/login");
    let page = c.get(app.url("/citizen/login")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("群众登录"));
    // A bad number is answered on the form.
    let res = c
        .post(app.url("/citizen/code"))
        .form(&[("_csrf", hidden(&page, "_csrf").as_str()), ("phone", "555")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let page = res.text().await.unwrap();
    let phone = "15600001234";
    let res = c
        .post(app.url("/citizen/code"))
        .form(&[("_csrf", hidden(&page, "_csrf").as_str()), ("phone", phone)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("id=\"code\""), "the code form follows");
    let code = app.codes.last_code(phone).unwrap();
    let res = c
        .post(app.url("/citizen/login"))
        .form(&[("_csrf", hidden(&page, "_csrf").as_str()), ("phone", phone), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/citizen");

    // "My grid": a place inside the city names its grid chain and the red stations that serve it.
    let admin = app.login("admin").await;
    let (_, stations) = admin.get("/api/v1/orgs?kind=red_station&per_page=1").await;
    let station = &stations["items"][0];
    let (lon, lat) = (station["lon"].as_f64().unwrap(), station["lat"].as_f64().unwrap());
    let home = c.get(app.url(&format!("/citizen?lon={lon}&lat={lat}"))).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("156****1234"), "the resident sees their masked number");
    assert!(home.contains("德州市 › "), "the chain of regions");
    assert!(home.contains(station["name"].as_str().unwrap()), "the station in that grid's village");
    let res = c.get(app.url("/citizen?lon=120&lat=30")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("outside the jurisdiction"));
    let res = c.get(app.url("/citizen?lon=abc&lat=37")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    // Staff pages stay closed; signing out returns to the residents' sign-in.
    assert_eq!(c.get(app.url("/home")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let res = c.post(app.url("/logout")).form(&[("_csrf", hidden(&home, "_csrf").as_str())]).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/citizen/login");
});
