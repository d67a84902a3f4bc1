//! Server-rendered pages: sign-in with CSRF, language switch, region browser and map.

use crate::common;

use common::TestApp;
use reqwest::StatusCode;

fn hidden_csrf(html: &str) -> String {
    let start = html.find("name=\"_csrf\" value=\"").expect("form has a CSRF field") + 20;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

on_both_engines!(form_sign_in_needs_its_csrf_token, |app: TestApp| async move {
    let c = app.client();
    // Unauthenticated pages send people to sign in.
    let res = c.get(app.url("/home")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login");

    let login = c.get(app.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("lang=\"zh-CN\""), "Chinese by default");
    assert!(login.contains("登录"));
    let token = hidden_csrf(&login);

    // A forged form (wrong token) is refused without checking the password.
    let res = c
        .post(app.url("/login"))
        .form(&[("_csrf", "forged"), ("username", "admin"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let again = res.text().await.unwrap();
    assert!(again.contains("页面已过期"));

    // Wrong password: the form again, with a message and the username kept.
    let token2 = hidden_csrf(&again);
    let res = c
        .post(app.url("/login"))
        .form(&[("_csrf", token2.as_str()), ("username", "admin"), ("password", "nope-nope-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = res.text().await.unwrap();
    assert!(html.contains("用户名或密码错误") && html.contains("value=\"admin\""));
    assert_ne!(token, token2);

    let token3 = hidden_csrf(&html);
    let res = c
        .post(app.url("/login"))
        .form(&[("_csrf", token3.as_str()), ("username", "admin"), ("password", common::PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let home = c.get(app.url("/home")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("系统管理员") && home.contains("德州市"));

    // Sign out with the session's token.
    let token = hidden_csrf(&home);
    let res = c.post(app.url("/logout")).form(&[("_csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(c.get(app.url("/home")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
});

on_both_engines!(pages_switch_to_english, |app: TestApp| async move {
    let s = app.login("admin").await;
    let res = s.client.get(s.url("/lang/en")).header("referer", s.url("/regions/1")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/regions/1");
    let html = s.client.get(s.url("/regions/1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("lang=\"en\"") && html.contains("Subdivisions"), "English page");
    // Open redirects are not possible through the switch.
    let res = s.client.get(s.url("/lang/zh")).header("referer", "http://evil.example//x").send().await.unwrap();
    assert_eq!(res.headers()["location"], "/home");
});

on_both_engines!(map_draws_every_grid_of_a_region, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (_, counties) = s.get("/api/v1/regions?parent_id=1").await;
    let county = &counties[0];
    let html = s.client.get(s.url(&format!("/map/{}", county["id"]))).send().await.unwrap().text().await.unwrap();
    let paths = html.matches("<path d=\"M").count() as i64;
    assert_eq!(paths, county["grids"].as_i64().unwrap());
    assert!(html.contains("<svg class=\"gridmap\""));
    // The region browser shows the children with their counts.
    let html = s.client.get(s.url("/regions/1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("德城区") && html.contains("乐陵市"));
});

on_both_engines!(org_form_reports_bad_fields_and_saves_good_ones, |app: TestApp| async move {
    let s = app.login("admin").await;
    let (_, page) = s.get("/api/v1/orgs?kind=red_station&per_page=1").await;
    let id = page["items"][0]["id"].as_i64().unwrap();
    let form = s.client.get(s.url(&format!("/orgs/{id}"))).send().await.unwrap().text().await.unwrap();
    let token = hidden_csrf(&form);
    let res = s
        .client
        .post(s.url(&format!("/orgs/{id}")))
        .form(&[("_csrf", token.as_str()), ("name", ""), ("phone", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("名称不能为空") && html.contains("phone"));
    let res = s
        .client
        .post(s.url(&format!("/orgs/{id}")))
        .form(&[("_csrf", token.as_str()), ("opening_hours", "周一至周五 09:00-18:00")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, org) = s.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(org["opening_hours"], "周一至周五 09:00-18:00");
    let audit = s.client.get(s.url("/audit?action=org.update")).send().await.unwrap().text().await.unwrap();
    assert!(audit.contains("opening_hours"));
});
