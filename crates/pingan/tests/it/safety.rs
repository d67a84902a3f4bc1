//! Safe creation (平安创建) through the API, on both engines: a school applies, self-assesses
//! with evidence, is returned and then accepted by its competent department (教育局), is scored
//! on site and put on notice; a fire at its address is proposed (and deducts only once
//! confirmed); the title is awarded and a veto event revokes it. Refusals write nothing:
//! a score above the maximum, a missing evidence file, a unit outside one's scope, an
//! application after the deadline, a template whose scores do not sum.

use crate::common;
use pingan_store::china_today;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn fields(err: &Value) -> Vec<String> {
    err["fields"]
        .as_array()
        .map_or_else(Vec::new, |f| f.iter().map(|x| x["field"].as_str().unwrap_or_default().to_owned()).collect())
}

/// The first county's first school (it has a contact's account), its county's code.
async fn school(admin: &Session) -> (Value, String) {
    let (_, county) = admin.get("/api/v1/regions/2").await;
    let county_code = county["region"]["code"].as_str().expect("county code").to_owned();
    let (_, schools) = admin.get("/api/v1/orgs?industry=I01&region_id=2&per_page=200").await;
    let school = schools["items"]
        .as_array()
        .expect("schools")
        .iter()
        .min_by_key(|o| o["id"].as_i64())
        .expect("a school in the first county")
        .clone();
    (school, county_code)
}

async fn act(s: &Session, id: i64, body: Value) -> (StatusCode, Value) {
    let (_, detail) = s.get(&format!("/api/v1/safety/applications/{id}")).await;
    let mut body = body;
    body["version"] = detail["application"]["version"].clone();
    s.post(&format!("/api/v1/safety/applications/{id}/actions"), &body).await
}

async fn detail(s: &Session, id: i64) -> Value {
    let (status, d) = s.get(&format!("/api/v1/safety/applications/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

async fn upload(s: &Session, id: i64, task: &str) -> (StatusCode, Value) {
    let png = common::png(4, 4, [200, 30, 30]);
    let (content_type, body) = common::multipart(&[("task", task)], "file", &[("记录.png", &png)]);
    let res = s
        .client
        .post(s.url(&format!("/api/v1/safety/applications/{id}/evidence")))
        .header("X-CSRF-Token", &s.csrf)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn open_campaign(admin: &Session) -> Value {
    let today = china_today();
    let until = today + chrono::Duration::days(20);
    let (status, campaign) = admin
        .post(
            "/api/v1/safety/campaigns",
            &json!({"kind": "safe_unit", "name": "平安单位创建", "year": chrono::Datelike::year(&today),
                    "apply_until": until.to_string()}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{campaign}");
    campaign
}

on_both_engines!(a_school_is_awarded_and_a_veto_revokes_its_title, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (school, county) = school(&admin).await;
    let school_id = school["id"].as_i64().unwrap();
    let unit = app.login(&format!("unit.{school_id}")).await;
    let education = app.login(&format!("dept.{county}.jiaoyu")).await;
    let office = app.login(&format!("dept.{county}.zhengfa")).await;
    let firefighters = app.login(&format!("dept.{county}.xiaofang")).await;
    let police = app.login(&format!("dept.{county}.gongan")).await;

    // The template in force is the shipped default until an administrator saves one.
    let (_, template) = admin.get("/api/v1/safety/templates/safe_unit").await;
    assert_eq!(template["version"], 0);
    let campaign = open_campaign(&admin).await;
    assert_eq!(campaign["template_version"], 1, "opening a campaign stores the default as version 1");
    let (status, _) = admin
        .post(
            "/api/v1/safety/campaigns",
            &json!({"kind": "safe_unit", "name": "再开一次",
        "year": campaign["year"], "apply_until": campaign["apply_until"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "one campaign per kind, year and region");
    let cid = campaign["id"].as_i64().unwrap();

    // The contact applies for their own unit only, once.
    let (status, _) =
        unit.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": school_id + 1})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, application) =
        unit.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": school_id})).await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    assert_eq!(application["state"], "drafting");
    assert_eq!(application["industry_name"], "平安校园");
    assert!(application["dept_name"].as_str().unwrap().ends_with("教育局"), "{application}");
    let id = application["id"].as_i64().unwrap();
    let (status, _) =
        unit.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": school_id})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Self-assessment: a score above the maximum is refused and writes nothing.
    let d = detail(&unit, id).await;
    let version = d["application"]["version"].clone();
    let (status, err) = act(&unit, id, json!({"action": "self_score", "task": "P1.1", "points": 6, "note": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(fields(&err), ["points"]);
    assert_eq!(detail(&unit, id).await["application"]["version"], version);
    let tasks: Vec<Value> = d["template"]["positive"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["tasks"].as_array().unwrap().clone())
        .collect();
    assert_eq!(tasks.len(), 21);
    for t in &tasks {
        let (status, err) =
            act(&unit, id, json!({"action": "self_score", "task": t["code"], "points": t["max"], "note": "已落实"}))
                .await;
        assert_eq!(status, StatusCode::OK, "{err}");
    }
    // Evidence is required where the template says so.
    let (status, err) = act(&unit, id, json!({"action": "submit"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(fields(&err), ["evidence"]);
    let (status, err) = upload(&unit, id, "P9.9").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["task".to_owned()]), "{err}");
    for t in tasks.iter().filter(|t| t["evidence_required"] == true) {
        let (status, added) = upload(&unit, id, t["code"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::CREATED, "{added}");
    }
    let (status, err) = act(&unit, id, json!({"action": "submit"})).await;
    assert_eq!(status, StatusCode::OK, "{err}");
    // Submitted: no more files, no more scores.
    let (status, _) = upload(&unit, id, "P1.1").await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Review by the competent department only; a return must say why.
    let (status, _) = act(&office, id, json!({"action": "review", "accept": true, "comment": ""})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = act(&education, id, json!({"action": "review", "accept": false, "comment": ""})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["comment".to_owned()]));
    let (status, back) =
        act(&education, id, json!({"action": "review", "accept": false, "comment": "补充应急演练照片"})).await;
    assert_eq!((status, back["state"].as_str()), (StatusCode::OK, Some("returned")));
    act(&unit, id, json!({"action": "submit"})).await;
    let (status, accepted) =
        act(&education, id, json!({"action": "review", "accept": true, "comment": "材料齐全"})).await;
    assert_eq!((status, accepted["state"].as_str()), (StatusCode::OK, Some("accepted")), "{accepted}");

    // On site: 90 points (10 short on the first tasks), then the conclusion puts it on notice.
    let mut short = 10;
    for t in &tasks {
        let max = t["max"].as_i64().unwrap();
        let cut = short.min(max);
        short -= cut;
        let (status, err) =
            act(&education, id, json!({"action": "inspect", "task": t["code"], "points": max - cut, "note": ""})).await;
        assert_eq!(status, StatusCode::OK, "{err}");
    }
    let (status, concluded) = act(&office, id, json!({"action": "conclude", "team": "县平安办验收组"})).await;
    assert_eq!(status, StatusCode::OK, "{concluded}");
    assert_eq!((concluded["state"].as_str(), concluded["total"].as_i64()), (Some("publicised"), Some(90)));
    let (status, err) = act(&office, id, json!({"action": "award"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "no award during the notice: {err}");

    // A fire at the school's address: proposed, and nothing deducted until confirmed.
    let (status, fire) = firefighters
        .post(
            "/api/v1/safety/incidents",
            &json!({"kind": "fire", "severity": "ordinary", "occurred_on": china_today().to_string(),
                    "summary": "食堂油锅起火,当即扑灭,无人员伤亡", "address": school["address"],
                    "region_id": school["region_id"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{fire}");
    assert_eq!(fire["proposals"], 1, "{fire}");
    let d = detail(&education, id).await;
    let proposal = &d["proposals"][0];
    assert_eq!((proposal["item_code"].as_str(), proposal["status"].as_str()), (Some("N09"), Some("proposed")));
    assert_eq!(d["application"]["total"], 90);
    let pid = proposal["id"].as_i64().unwrap();
    let (status, _) = unit.post(&format!("/api/v1/safety/proposals/{pid}/decision"), &json!({"confirm": true})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, confirmed) =
        education.post(&format!("/api/v1/safety/proposals/{pid}/decision"), &json!({"confirm": true})).await;
    assert_eq!((status, confirmed["status"].as_str()), (StatusCode::OK, Some("confirmed")), "{confirmed}");
    let (status, _) =
        education.post(&format!("/api/v1/safety/proposals/{pid}/decision"), &json!({"confirm": true})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a proposal is decided once");
    let d = detail(&education, id).await;
    assert_eq!(
        (d["application"]["total"].as_i64(), d["application"]["state"].as_str()),
        (Some(88), Some("publicised"))
    );

    // The notice period passes (moved back here instead of waiting), then the award.
    let until = d["snapshot"]["notice_until"].as_str().unwrap().to_owned();
    let yesterday = (china_today() - chrono::Duration::days(1)).to_string();
    app.sql(&format!("UPDATE safety_applications SET snapshot = replace(snapshot, '\"notice_until\":\"{until}\"', '\"notice_until\":\"{yesterday}\"') WHERE id = {id}")).await;
    let (status, awarded) = act(&office, id, json!({"action": "award"})).await;
    assert_eq!((status, awarded["state"].as_str()), (StatusCode::OK, Some("awarded")), "{awarded}");
    // The public list, read without signing in, and the certificate.
    let public = || async {
        let res = reqwest::get(app.url("/safety/public")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap()
    };
    let list = public().await;
    assert!(list.contains(school["name"].as_str().unwrap()) && list.contains("data-state=\"awarded\""), "{list}");
    let res = office.client.get(office.url(&format!("/safety/applications/{id}/certificate"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains(school["name"].as_str().unwrap()));

    // A dismissal needs a reason.
    let (_, minor) = police
        .post(
            "/api/v1/safety/incidents",
            &json!({"kind": "criminal", "severity": "ordinary", "occurred_on": china_today().to_string(),
                    "summary": "校外人员盗窃电动车一辆", "org_id": school_id}),
        )
        .await;
    assert_eq!(minor["proposals"], 1, "{minor}");
    let d = detail(&office, id).await;
    let pid = d["proposals"][1]["id"].as_i64().unwrap();
    let (status, err) =
        office.post(&format!("/api/v1/safety/proposals/{pid}/decision"), &json!({"confirm": false})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["reason".to_owned()]));
    let (status, _) = office
        .post(&format!("/api/v1/safety/proposals/{pid}/decision"), &json!({"confirm": false, "reason": "案发地在校外"}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // A major criminal case at the school proposes the veto; confirmed, it revokes the title.
    let (_, major) = police
        .post(
            "/api/v1/safety/incidents",
            &json!({"kind": "criminal", "severity": "major", "occurred_on": china_today().to_string(),
                    "summary": "校内发生故意伤害致人重伤案件", "org_id": school_id, "casualties": 1}),
        )
        .await;
    assert_eq!(major["proposals"], 1, "{major}");
    let d = detail(&office, id).await;
    let veto = &d["proposals"][2];
    assert_eq!((veto["list"].as_str(), veto["item_code"].as_str()), (Some("veto"), Some("V1")));
    let pid = veto["id"].as_i64().unwrap();
    let (status, _) = office.post(&format!("/api/v1/safety/proposals/{pid}/decision"), &json!({"confirm": true})).await;
    assert_eq!(status, StatusCode::OK);
    let d = detail(&unit, id).await;
    assert_eq!(d["application"]["state"], "revoked");
    assert_eq!(d["application"]["outcome"], "disqualified");
    assert!(d["snapshot"]["ended"]["reason"].as_str().unwrap().starts_with("一票否决"), "{d}");
    let list = public().await;
    assert!(list.contains("data-state=\"revoked\"") && list.contains("一票否决"), "the list says why");
    let res = office.client.get(office.url(&format!("/safety/applications/{id}/certificate"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "a revoked title has no certificate");
    // The unit's contact reads the proposals about their own unit, nothing else.
    assert_eq!(d["proposals"].as_array().unwrap().len(), 3);

    // Every step was audited.
    let (_, audit) = admin.get("/api/v1/audit?per_page=200").await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    for a in [
        "safety.apply",
        "safety.submit",
        "safety.review",
        "safety.conclude",
        "safety.award",
        "safety.proposal_confirm",
        "safety.proposal_dismiss",
        "safety.incident_record",
        "safety.evidence_add",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
});

on_both_engines!(refusals_write_nothing_and_scope_holds, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (school, _) = school(&admin).await;
    let school_id = school["id"].as_i64().unwrap();
    let unit = app.login(&format!("unit.{school_id}")).await;

    // A template whose scores do not sum is refused by field; a valid edit is the next version.
    let (_, current) = admin.get("/api/v1/safety/templates/safe_unit").await;
    let mut bad = current["template"].clone();
    bad["positive"][0]["tasks"][0]["max"] = json!(9);
    let (status, err) = app
        .login("admin")
        .await
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/templates/safe_unit",
            &json!({"version": 0, "name": "改", "template": bad}),
        )
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["positive".to_owned()]), "{err}");
    let mut good = current["template"].clone();
    good["pass"] = json!(85);
    let (status, saved) = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/templates/safe_unit",
            &json!({"version": 0, "name": "2026版", "template": good}),
        )
        .await;
    assert_eq!((status, saved["version"].as_i64()), (StatusCode::OK, Some(1)), "{saved}");
    let (status, _) = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/templates/safe_unit",
            &json!({"version": 0, "name": "旧", "template": good}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "an edit of an older version is refused");
    let (status, _) = app
        .login("leader")
        .await
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/templates/safe_unit",
            &json!({"version": 1, "name": "x", "template": good}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let campaign = open_campaign(&admin).await;
    assert_eq!(campaign["template_version"], 1);
    let cid = campaign["id"].as_i64().unwrap();
    // A later edit leaves the campaign on the version it opened with.
    let (_, v2) = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/templates/safe_unit",
            &json!({"version": 1, "name": "2027版", "template": current["template"]}),
        )
        .await;
    assert_eq!(v2["version"], 2);
    let (_, c) = admin.get(&format!("/api/v1/safety/campaigns/{cid}")).await;
    assert_eq!((c["campaign"]["template_version"].as_i64(), c["rules"]["pass"].as_i64()), (Some(1), Some(85)));

    // Not a social unit, and nothing written.
    let (_, townships) = admin.get("/api/v1/orgs?kind=department&per_page=1").await;
    let dept_id = townships["items"][0]["id"].as_i64().unwrap();
    let (status, err) =
        admin.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": dept_id})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["org_id".to_owned()]), "{err}");

    // A unit of another county is outside a county dispatcher's scope.
    let dispatcher_name = app.first_username("township_dispatcher").await;
    let dispatcher = app.login(&dispatcher_name).await;
    let (_, far) = admin.get("/api/v1/orgs?industry=I02&region_id=3&per_page=1").await;
    let far_id = far["items"][0]["id"].as_i64().expect("a hospital in the second county");
    let (status, _) =
        dispatcher.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": far_id})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a unit out of scope is as unknown as one that does not exist");

    // After the deadline, no application.
    let (_, apps) = admin.get(&format!("/api/v1/safety/applications?campaign_id={cid}")).await;
    assert_eq!(apps["total"], 0);
    let yesterday = (china_today() - chrono::Duration::days(1)).to_string();
    app.sql(&format!("UPDATE safety_campaigns SET apply_until = '{yesterday}' WHERE id = {cid}")).await;
    let (status, err) =
        unit.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": school_id})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert!(err["error"].as_str().unwrap().contains("截止"), "{err}");
    let (_, apps) = admin.get(&format!("/api/v1/safety/applications?campaign_id={cid}")).await;
    assert_eq!(apps["total"], 0);

    // An incident form's mistakes, each by field; a unit's contact keeps no register.
    let (status, err) = admin
        .post(
            "/api/v1/safety/incidents",
            &json!({"kind": "flood", "severity": "", "occurred_on": "2999-01-01", "summary": ""}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&err), ["kind", "severity", "occurred_on", "summary", "region_id"]);
    let (status, _) = unit.get("/api/v1/safety/incidents").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});

on_both_engines!(a_contact_sees_only_their_unit, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (school, _) = school(&admin).await;
    let school_id = school["id"].as_i64().unwrap();
    let campaign = open_campaign(&admin).await;
    let cid = campaign["id"].as_i64().unwrap();
    // Another unit with a contact: the first county's first hospital.
    let (_, hospitals) = admin.get("/api/v1/orgs?industry=I02&region_id=2&per_page=200").await;
    let hospital_id =
        hospitals["items"].as_array().unwrap().iter().filter_map(|o| o["id"].as_i64()).min().expect("a hospital");
    let school_contact = app.login(&format!("unit.{school_id}")).await;
    let hospital_contact = app.login(&format!("unit.{hospital_id}")).await;
    let (_, a) = school_contact
        .post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": school_id}))
        .await;
    let (_, b) = hospital_contact
        .post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": hospital_id}))
        .await;
    let (_, mine) = school_contact.get("/api/v1/safety/applications").await;
    assert_eq!(mine["total"], 1, "{mine}");
    assert_eq!(mine["items"][0]["id"], a["id"]);
    let (status, _) = school_contact.get(&format!("/api/v1/safety/applications/{}", b["id"])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, all) = admin.get(&format!("/api/v1/safety/applications?campaign_id={cid}")).await;
    assert_eq!(all["total"], 2);
    let (_, hospitals_only) = admin.get(&format!("/api/v1/safety/applications?campaign_id={cid}&industry=I02")).await;
    assert_eq!(hospitals_only["total"], 1);
    // The school's education bureau reviews schools, not hospitals.
    let (_, county) = admin.get("/api/v1/regions/2").await;
    let education = app.login(&format!("dept.{}.jiaoyu", county["region"]["code"].as_str().unwrap())).await;
    let d = detail(&education, b["id"].as_i64().unwrap()).await;
    assert_eq!(d["relation"]["department"], false);
    let d = detail(&education, a["id"].as_i64().unwrap()).await;
    assert_eq!(d["relation"]["department"], true);
});

on_both_engines!(appeals_and_disputes_about_a_unit_are_proposed_once, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (school, _) = school(&admin).await;
    let school_id = school["id"].as_i64().unwrap();
    let school_name = school["name"].as_str().unwrap().to_owned();
    let campaign = open_campaign(&admin).await;
    let unit = app.login(&format!("unit.{school_id}")).await;
    let (status, application) = unit
        .post(&format!("/api/v1/safety/campaigns/{}/applications", campaign["id"]), &json!({"org_id": school_id}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let id = application["id"].as_i64().unwrap();

    // A fire-hazard appeal at the school's address, filed by its grid's worker, goes overdue.
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", school["region_id"])).await;
    let grid_code = grid["region"]["code"].as_str().unwrap().to_owned();
    let worker = app.login(&format!("grid.{grid_code}")).await;
    let (status, appeal) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "学校东侧消防通道被杂物堵塞,灭火器过期", "category": "C01", "channel": "patrol",
                    "region_code": grid_code, "address": school["address"],
                    "reporter_name": "张建国", "reporter_phone": "13800138000"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    let appeal_id = appeal["id"].as_i64().unwrap();
    // Nothing is proposed while the appeal is within its time limit.
    assert_eq!(app.store.derive_safety_proposals(None).await.unwrap(), 0);
    // Its time limit passes (moved back here instead of waiting).
    app.sql(&format!("UPDATE appeals SET resolve_due_ms = 1 WHERE id = {appeal_id}")).await;

    // A dispute with the school climbs from the village to the township.
    let open = json!({
        "region_id": school["region_id"], "source": "patrol", "dispute_type": "contract", "summary": "校外培训费用退还纠纷",
        "parties": [{"side": "applicant", "name": "王五"}, {"side": "respondent", "kind": "organisation", "name": school_name}],
        "consents": ["applicant", "respondent"],
    });
    let (status, case) = worker.post("/api/v1/mediation/cases", &open).await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let (status, escalated) = worker
        .post(
            &format!("/api/v1/mediation/cases/{}/actions", case["id"]),
            &json!({"action": "escalate", "reason": "村级调解未果", "version": case["version"]}),
        )
        .await;
    assert_eq!((status, escalated["level"].as_str()), (StatusCode::OK, Some("township")), "{escalated}");

    assert_eq!(app.store.derive_safety_proposals(None).await.unwrap(), 2);
    assert_eq!(app.store.derive_safety_proposals(None).await.unwrap(), 0, "each record proposes once");
    let d = detail(&unit, id).await;
    let proposals: Vec<(String, String, String)> = d["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["source"].as_str().unwrap().to_owned(),
                p["item_code"].as_str().unwrap().to_owned(),
                p["summary"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(proposals.len(), 2, "{proposals:?}");
    assert_eq!((proposals[0].0.as_str(), proposals[0].1.as_str()), ("appeal.unresolved", "N23"));
    assert_eq!(proposals[0].2, format!("诉求 #{appeal_id}:超期未办结"));
    assert_eq!((proposals[1].0.as_str(), proposals[1].1.as_str()), ("mediation.escalated", "N31"));
    // The summaries name the records, not the people in them.
    assert!(!d["proposals"].to_string().contains("王五") && !d["proposals"].to_string().contains("张建国"));
    // Nothing deducted: the application is as it was.
    assert_eq!(d["application"]["total"], Value::Null);
});

/// The sheets of a workbook as rows of text.
fn read_book(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).expect("a sheet");
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            calamine::Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (n, rows)
        })
        .collect()
}

fn write_book(sheets: &[(String, Vec<Vec<String>>)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, cells) in rows.iter().enumerate() {
            for (c, text) in cells.iter().enumerate() {
                ws.write_string(r as u32, c as u16, text).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

async fn put_book(s: &Session, version: i64, bytes: Vec<u8>) -> (StatusCode, Value) {
    let res = s
        .client
        .put(s.url(&format!("/api/v1/safety/templates/safe_unit/workbook?version={version}&name=2027%E7%89%88")))
        .header("X-CSRF-Token", &s.csrf)
        .header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(bytes)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

on_both_engines!(the_template_goes_out_and_back_as_a_workbook, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let res = admin.client.get(admin.url("/api/v1/safety/templates/safe_unit/workbook")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let book = read_book(&res.bytes().await.unwrap());
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["说明", "正面清单", "负面清单", "一票否决"]);
    assert_eq!(book[1].1.len(), 22, "a header and 21 tasks");
    assert_eq!(book[2].1.len(), 37);

    // Mistakes are named by sheet, row and column, and nothing is saved.
    let mut bad = book.clone();
    bad[1].1[3][4] = "五".into();
    let (status, err) = put_book(&admin, 0, write_book(&bad)).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["正面清单 第4行 分值".to_owned()]), "{err}");
    let mut off = book.clone();
    off[1].1[9][4] = "7".into();
    let (status, err) = put_book(&admin, 0, write_book(&off)).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["正面清单".to_owned()]), "{err}");
    let (status, err) = put_book(&admin, 0, b"not a workbook".to_vec()).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["file".to_owned()]), "{err}");
    let (_, current) = admin.get("/api/v1/safety/templates/safe_unit").await;
    assert_eq!(current["version"], 0);

    // A good edit is the next version.
    let mut good = book.clone();
    good[0].1[2][1] = "85".into();
    let (status, saved) = put_book(&admin, 0, write_book(&good)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!((saved["version"].as_i64(), saved["template"]["pass"].as_i64()), (Some(1), Some(85)));
    // A department may read it but not replace it.
    let (_, county) = admin.get("/api/v1/regions/2").await;
    let dept = app.login(&format!("dept.{}.jiaoyu", county["region"]["code"].as_str().unwrap())).await;
    let (status, _) = put_book(&dept, 1, write_book(&good)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});

on_both_engines!(the_pages_answer_each_role_and_take_a_workbook, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (school, county) = school(&admin).await;
    open_campaign(&admin).await;
    for username in
        ["admin".to_owned(), "leader".to_owned(), format!("dept.{county}.jiaoyu"), format!("unit.{}", school["id"])]
    {
        let s = app.login(&username).await;
        for page in ["/safety", "/safety/template", "/safety/incidents"] {
            let res = s.client.get(s.url(page)).send().await.unwrap();
            let status = res.status();
            let expected = if username.starts_with("unit.") && page == "/safety/incidents" {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::OK
            };
            assert_eq!(status, expected, "{username} {page}");
        }
    }
    // The template page takes an edited workbook from a city administrator (the campaign
    // stored the default as version 1).
    let res = admin.client.get(admin.url("/api/v1/safety/templates/safe_unit/workbook")).send().await.unwrap();
    let mut book = read_book(&res.bytes().await.unwrap());
    book[1].1[3][4] = "五".into();
    let post = |bytes: Vec<u8>| {
        let (content_type, body) = common::multipart(
            &[("_csrf", &admin.csrf), ("version", "1"), ("name", "2027版")],
            "file",
            &[("评分标准.xlsx", &bytes)],
        );
        admin.client.post(admin.url("/safety/template")).header("Content-Type", content_type).body(body).send()
    };
    let res = post(write_book(&book)).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("正面清单 第4行 分值"));
    book[1].1[3][4] = "5".into();
    let res = post(write_book(&book)).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, current) = admin.get("/api/v1/safety/templates/safe_unit").await;
    assert_eq!((current["version"].as_i64(), current["name"].as_str()), (Some(2), Some("2027版")));
});

on_both_engines!(five_zero_villages_list_the_records_behind_each_zero, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (school, _) = school(&admin).await;
    let parent = |v: &Value| v["region"]["parent_id"].as_i64().expect("parent_id");
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", school["region_id"])).await;
    let (_, village_a) = admin.get(&format!("/api/v1/regions/{}", parent(&grid))).await;
    let township = parent(&village_a);
    let (_, villages) = admin.get(&format!("/api/v1/regions?parent_id={township}")).await;
    let villages: Vec<i64> = villages.as_array().unwrap().iter().map(|v| v["id"].as_i64().unwrap()).collect();
    let n = villages.len() as f64;
    assert!(villages.len() >= 2, "the township has {n} villages");
    let a = village_a["region"]["id"].as_i64().unwrap();
    let b = villages.iter().copied().find(|v| *v != a).unwrap();
    let this_year = chrono::Datelike::year(&china_today());
    let report = |region: i64| {
        let admin = &admin;
        async move {
            let (status, r) = admin.get(&format!("/api/v1/safety/five-zero?region_id={region}&year={this_year}")).await;
            assert_eq!(status, StatusCode::OK, "{r}");
            r
        }
    };
    let r = report(township).await;
    assert_eq!(r["total"]["villages"].as_f64(), Some(n));
    assert_eq!(r["total"]["rate"], 1.0, "no records yet: every village holds every zero");

    let record = |body: Value| {
        let admin = &admin;
        async move {
            let (status, i) = admin.post("/api/v1/safety/incidents", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{i}");
        }
    };
    let today = china_today().to_string();
    // Village A: a criminal case (breaks 零刑事案件).
    record(json!({"kind": "criminal", "severity": "ordinary", "occurred_on": today, "summary": "入室盗窃", "region_id": a})).await;
    // Village B: a 较大 fire is no 重大 accident; a 重大 one breaks 零重大安全事故.
    record(
        json!({"kind": "fire", "severity": "serious", "occurred_on": today, "summary": "柴草垛起火", "region_id": b}),
    )
    .await;
    let r = report(township).await;
    assert_eq!(r["total"]["held"].as_f64(), Some(n - 1.0));
    record(json!({"kind": "fire", "severity": "major", "occurred_on": today, "summary": "厂房火灾致二人死亡", "region_id": b})).await;
    // At the township itself: no village's zero.
    record(json!({"kind": "petition", "severity": "ordinary", "occurred_on": today, "summary": "集体上访", "region_id": township})).await;
    // Last year's case does not count this year.
    let last_year = format!("{}-06-01", this_year - 1);
    record(json!({"kind": "criminal", "severity": "ordinary", "occurred_on": last_year, "summary": "去年的案件", "region_id": a})).await;
    // Village A: a dispute whose parties came to blows (breaks 零民转刑案件).
    let (_, grid_region) = admin.get(&format!("/api/v1/regions/{}", school["region_id"])).await;
    let worker = app.login(&format!("grid.{}", grid_region["region"]["code"].as_str().unwrap())).await;
    let (status, case) = worker
        .post(
            "/api/v1/mediation/cases",
            &json!({"region_id": school["region_id"], "source": "patrol", "dispute_type": "neighbour", "summary": "邻里争执",
                    "parties": [{"side": "applicant", "name": "王五"}, {"side": "respondent", "name": "赵六"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{case}");
    let (status, case) = worker
        .post(
            &format!("/api/v1/mediation/cases/{}/actions", case["id"]),
            &json!({"action": "risk", "violence": true, "people": 2, "version": case["version"]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{case}");

    let r = report(township).await;
    assert_eq!(r["total"]["held"].as_f64(), Some(n - 2.0));
    let expected = (n - 2.0) / n;
    assert!((r["total"]["rate"].as_f64().unwrap() - expected).abs() < 1e-9, "{} vs {expected}", r["total"]["rate"]);
    assert_eq!(r["townships"][0]["rate"]["held"].as_f64(), Some(n - 2.0));
    let listed: Vec<(i64, Vec<String>)> = r["villages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["held_all"] == false)
        .map(|v| {
            (
                v["village_id"].as_i64().unwrap(),
                v["broken"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&(a, vec!["Z1".to_owned(), "Z5".to_owned()])), "{listed:?}");
    assert!(listed.contains(&(b, vec!["Z2".to_owned()])), "{listed:?}");
    let ra = report(a).await;
    let za = ra["villages"][0]["zeros"].as_array().unwrap();
    assert_eq!(za[0]["evidence"].as_array().unwrap().len(), 1, "last year's case is not this year's evidence");
    let fight = za[4]["evidence"][0]["summary"].as_str().unwrap();
    assert!(fight.contains("肢体冲突") && !fight.contains("王五"), "{fight}");

    // One village: each zero with the records behind it.
    let r = report(b).await;
    let zeros = r["villages"][0]["zeros"].as_array().unwrap();
    assert_eq!(zeros.len(), 5);
    assert_eq!(zeros[1]["held"], false);
    let evidence = zeros[1]["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 1, "the 较大 fire is not evidence of a 重大 accident");
    assert!(evidence[0]["summary"].as_str().unwrap().contains("厂房火灾"), "{evidence:?}");
    assert!(zeros.iter().enumerate().all(|(i, z)| i == 1 || z["held"] == true));

    // The county's rate counts all its villages; the page shows the village's evidence.
    let county = parent(&admin.get(&format!("/api/v1/regions/{township}")).await.1);
    let rc = report(county).await;
    let m = rc["total"]["villages"].as_f64().unwrap();
    assert_eq!(rc["total"]["held"].as_f64(), Some(m - 2.0));
    assert!(rc["villages"].as_array().unwrap().is_empty(), "a county's villages are read township by township");
    let page = admin.client.get(admin.url(&format!("/safety/five-zero?region_id={b}"))).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("厂房火灾致二人死亡") && html.contains("village-broken"), "the page lists the evidence");
});

/// Apply for unit `org_id` as `s` (an administrator: unit, department and office at once) and
/// carry it to a result of `100 - short` points; returns the application's id.
async fn run_to_result(s: &Session, campaign_id: i64, org_id: i64, short: i64) -> i64 {
    let (status, a) =
        s.post(&format!("/api/v1/safety/campaigns/{campaign_id}/applications"), &json!({"org_id": org_id})).await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    let id = a["id"].as_i64().unwrap();
    let d = detail(s, id).await;
    let tasks: Vec<Value> = d["template"]["positive"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["tasks"].as_array().unwrap().clone())
        .collect();
    for t in &tasks {
        act(s, id, json!({"action": "self_score", "task": t["code"], "points": t["max"], "note": ""})).await;
        if t["evidence_required"] == true {
            upload(s, id, t["code"].as_str().unwrap()).await;
        }
    }
    assert_eq!(act(s, id, json!({"action": "submit"})).await.0, StatusCode::OK);
    assert_eq!(act(s, id, json!({"action": "review", "accept": true, "comment": ""})).await.0, StatusCode::OK);
    let mut short = short;
    for t in &tasks {
        let max = t["max"].as_i64().unwrap();
        let cut = short.min(max);
        short -= cut;
        act(s, id, json!({"action": "inspect", "task": t["code"], "points": max - cut, "note": ""})).await;
    }
    let (status, done) = act(s, id, json!({"action": "conclude", "team": "验收组"})).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    id
}

on_both_engines!(figures_match_a_hand_count, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let total_of = |q: &'static str| {
        let admin = &admin;
        async move { admin.get(&format!("/api/v1/orgs?per_page=1&{q}")).await.1["total"].as_f64().unwrap() }
    };
    let (schools_n, hospitals_n, units_n) =
        (total_of("industry=I01").await, total_of("industry=I02").await, total_of("kind=social_unit").await);
    let first_two = |industry: &'static str| {
        let admin = &admin;
        async move {
            let (_, list) = admin.get(&format!("/api/v1/orgs?industry={industry}&region_id=2&per_page=200")).await;
            let mut ids: Vec<i64> =
                list["items"].as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
            ids.sort();
            ids
        }
    };
    let schools = first_two("I01").await;
    let hospital = first_two("I02").await[0];
    assert!(schools.len() >= 2, "two schools in the first county");
    let cid = open_campaign(&admin).await["id"].as_i64().unwrap();
    let passed = run_to_result(&admin, cid, schools[0], 10).await; // 90: 达标
    let failed = run_to_result(&admin, cid, schools[1], 30).await; // 70: 不达标
    let (status, _) =
        admin.post(&format!("/api/v1/safety/campaigns/{cid}/applications"), &json!({"org_id": hospital})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(detail(&admin, passed).await["application"]["state"], "publicised");
    assert_eq!(detail(&admin, failed).await["application"]["state"], "not_passed");

    let year = chrono::Datelike::year(&china_today());
    let (status, f) = admin.get(&format!("/api/v1/safety/figures?year={year}&group=industry")).await;
    assert_eq!(status, StatusCode::OK, "{f}");
    let row = |key: &str| f["rows"].as_array().unwrap().iter().find(|r| r["key"] == key).unwrap()["figures"].clone();
    let i01 = row("I01");
    assert_eq!(
        (i01["units"].as_f64(), i01["applied"].as_u64(), i01["concluded"].as_u64(), i01["passing"].as_u64()),
        (Some(schools_n), Some(2), Some(2), Some(1))
    );
    assert!((i01["application_rate"].as_f64().unwrap() - 2.0 / schools_n).abs() < 1e-9);
    assert_eq!(i01["acceptance_rate"], 0.5);
    let i02 = row("I02");
    assert_eq!((i02["applied"].as_u64(), i02["concluded"].as_u64()), (Some(1), Some(0)));
    assert!((i02["application_rate"].as_f64().unwrap() - 1.0 / hospitals_n).abs() < 1e-9);
    assert_eq!(i02["acceptance_rate"], Value::Null, "no result yet: no rate, not 0%");
    let t = &f["total"];
    assert_eq!((t["units"].as_f64(), t["applied"].as_u64(), t["passing"].as_u64()), (Some(units_n), Some(3), Some(1)));
    assert_eq!(f["last_year_total"]["applied"], 0);
    // By county: all three are in the first county.
    let (_, by_county) = admin.get(&format!("/api/v1/safety/figures?year={year}&group=county")).await;
    let first = by_county["rows"].as_array().unwrap().iter().find(|r| r["key"] == "2").unwrap();
    assert_eq!(first["figures"]["applied"], 3);
    let (status, err) = admin.get("/api/v1/safety/figures?group=village").await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["group".to_owned()]));
    // The export carries the same total.
    let res = admin.client.get(admin.url(&format!("/api/v1/safety/figures.xlsx?year={year}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let book = read_book(&res.bytes().await.unwrap());
    let total_row = book[0].1.iter().find(|r| r[0] == "合计").expect("a total row");
    assert_eq!(total_row[2], "3");
    let page = admin.client.get(admin.url("/safety/figures")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
});

on_both_engines!(counties_are_scored_and_ranked_by_the_formula, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let year = chrono::Datelike::year(&china_today());
    let scores = |level: &'static str| {
        let admin = &admin;
        async move {
            let (status, s) = admin.get(&format!("/api/v1/safety/county-scores?year={year}&level={level}")).await;
            assert_eq!(status, StatusCode::OK, "{s}");
            s
        }
    };
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    // No appeals, disputes or applications yet: every county holds 五零 (25 points) and has
    // applied nothing (0 of 15); the rest cannot be measured and earns nothing.
    let s = scores("county").await;
    assert_eq!(s["formula"]["version"], 0);
    let rows = s["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 11, "the city's counties");
    assert!(rows.iter().all(|r| close(r["score"]["total"].as_f64().unwrap(), 25.0) && r["rank"] == 1), "{rows:?}");

    // A criminal case in one village of the first county lowers its 五零 rate to (m − 1)/m;
    // a school there applies and passes: accepted 100% (25 points), applied 1 of its units.
    let (school, _) = school(&admin).await;
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", school["region_id"])).await;
    let village = grid["region"]["parent_id"].as_i64().unwrap();
    let (status, _) = admin
        .post(
            "/api/v1/safety/incidents",
            &json!({"kind": "criminal", "severity": "ordinary", "occurred_on": china_today().to_string(),
                    "summary": "盗窃", "region_id": village}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let cid = open_campaign(&admin).await["id"].as_i64().unwrap();
    run_to_result(&admin, cid, school["id"].as_i64().unwrap(), 0).await;
    let (_, zero) = admin.get(&format!("/api/v1/safety/five-zero?region_id=2&year={year}")).await;
    let m = zero["total"]["villages"].as_f64().unwrap();
    let units = admin.get("/api/v1/orgs?kind=social_unit&region_id=2&per_page=1").await.1["total"].as_f64().unwrap();
    let expected = 25.0 * 1.0 + 15.0 / units + 25.0 * (m - 1.0) / m;
    let s = scores("county").await;
    let first = &s["rows"][0];
    assert_eq!(first["id"], 2, "the first county leads: {first}");
    assert!(close(first["score"]["total"].as_f64().unwrap(), expected), "{} vs {expected}", first["score"]["total"]);
    assert_eq!(s["rows"][1]["rank"], 2);

    // A formula of the city's: 五零 alone. The first county now trails.
    let formula = json!({"weights": [{"indicator": "five_zero", "weight": 100}]});
    let (status, err) = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/county-formula",
            &json!({"version": 0, "name": "五零", "formula": {"weights": [{"indicator": "five_zero", "weight": 90}]}}),
        )
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["weights".to_owned()]));
    let (status, saved) = admin
        .send(
            reqwest::Method::PUT,
            "/api/v1/safety/county-formula",
            &json!({"version": 0, "name": "五零", "formula": formula}),
        )
        .await;
    assert_eq!((status, saved["version"].as_i64()), (StatusCode::OK, Some(1)), "{saved}");
    let s = scores("county").await;
    let last = s["rows"].as_array().unwrap().last().unwrap();
    assert_eq!(last["id"], 2);
    assert!(close(last["score"]["total"].as_f64().unwrap(), 100.0 * (m - 1.0) / m));
    // Townships too; the page and the report.
    let t = scores("township").await;
    assert!(t["rows"].as_array().unwrap().len() > 11);
    let page = admin.client.get(admin.url("/safety/scores")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let res =
        admin.client.get(admin.url(&format!("/api/v1/safety/county-scores.xlsx?year={year}"))).send().await.unwrap();
    let book = read_book(&res.bytes().await.unwrap());
    assert_eq!(book[0].1.len(), 12, "a header and 11 counties");
    let (status, _) = app.login(&format!("unit.{}", school["id"])).await.get("/api/v1/safety/county-scores").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});

async fn village_report(s: &Session, village: i64, year: i32) -> Value {
    let (status, r) = s.get(&format!("/api/v1/safety/five-zero?region_id={village}&year={year}")).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    r
}

async fn confirm(s: &Session, village: i64, body: Value) -> (StatusCode, Value) {
    s.post(&format!("/api/v1/safety/five-zero/villages/{village}/confirmations"), &body).await
}

on_both_engines!(five_zero_rules_are_versioned_and_townships_confirm_evidence, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let this_year = chrono::Datelike::year(&china_today());
    let today = china_today().to_string();

    // The zeros in force are the default five until the city saves its own.
    let (_, rules) = admin.get("/api/v1/safety/five-zero/rules").await;
    assert_eq!((rules["version"].as_i64(), rules["zeros"].as_array().map(Vec::len)), (Some(0), Some(5)), "{rules}");
    let mut zeros = rules["zeros"].clone();
    let put = |version: i64, zeros: Value| {
        let admin = &admin;
        async move {
            admin
                .send(
                    reqwest::Method::PUT,
                    "/api/v1/safety/five-zero/rules",
                    &json!({"version": version, "name": "德州市五零标准", "rules": {"zeros": zeros}}),
                )
                .await
        }
    };
    let mut bad = zeros.clone();
    bad.as_array_mut().unwrap().push(json!({"code": "Z1", "name": " ", "kinds": [], "min_severity": "ordinary"}));
    let (status, err) = put(0, bad).await;
    assert_eq!(
        (status, fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["zeros[5].code".to_owned(), "zeros[5].name".to_owned()])
    );
    // A sixth zero that only a township's confirmation breaks.
    zeros
        .as_array_mut()
        .unwrap()
        .push(json!({"code": "Z6", "name": "零邪教活动", "kinds": [], "min_severity": "ordinary"}));
    let (status, saved) = put(0, zeros.clone()).await;
    assert_eq!((status, saved["version"].as_i64()), (StatusCode::OK, Some(1)), "{saved}");
    let (status, _) =
        app.login(&format!("dept.{}.jiaoyu", school(&admin).await.1)).await.get("/api/v1/safety/five-zero/rules").await;
    assert_eq!(status, StatusCode::OK, "everyone on the programme reads the rules");

    // This year's 五零 campaign keeps version 1; a later edit rules only later years.
    let until = (china_today() + chrono::Duration::days(30)).to_string();
    let (status, campaign) = admin
        .post(
            "/api/v1/safety/campaigns",
            &json!({"kind": "five_zero", "name": "五零村创建", "year": this_year, "apply_until": until}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{campaign}");
    let (_, c) = admin.get(&format!("/api/v1/safety/campaigns/{}", campaign["id"])).await;
    assert_eq!(
        (c["campaign"]["template_version"].as_i64(), c["rules"]["zeros"].as_array().map(Vec::len)),
        (Some(1), Some(6))
    );
    let (status, _) = put(1, rules["zeros"].clone()).await;
    assert_eq!(status, StatusCode::OK);
    let (_, now) = admin.get("/api/v1/safety/five-zero/rules").await;
    assert_eq!((now["version"].as_i64(), now["zeros"].as_array().map(Vec::len)), (Some(2), Some(5)));
    // Units do not apply to a 五零 campaign.
    let (school, county) = school(&admin).await;
    let (status, err) = admin
        .post(&format!("/api/v1/safety/campaigns/{}/applications", campaign["id"]), &json!({"org_id": school["id"]}))
        .await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["campaign_id".to_owned()]));

    // The school's village and township; the township's dispatcher confirms.
    let (_, grid) = admin.get(&format!("/api/v1/regions/{}", school["region_id"])).await;
    let village = grid["region"]["parent_id"].as_i64().unwrap();
    let (_, v) = admin.get(&format!("/api/v1/regions/{village}")).await;
    let township = v["region"]["parent_id"].as_i64().unwrap();
    let (_, t) = admin.get(&format!("/api/v1/regions/{township}")).await;
    let dispatcher = app.login(&format!("dispatch.{}", t["region"]["code"].as_str().unwrap())).await;
    let r = village_report(&dispatcher, village, this_year).await;
    assert_eq!((r["rules"]["version"].as_i64(), r["rules"]["campaign_id"].clone()), (Some(1), campaign["id"].clone()));
    assert_eq!(r["villages"][0]["zeros"].as_array().map(Vec::len), Some(6), "the year keeps its campaign's zeros");
    assert_eq!(r["can_confirm"], true);

    // A grid worker reports a fight; the appeal is registered as a criminal case, once, at the
    // appeal's place.
    let grid_code = grid["region"]["code"].as_str().unwrap();
    let worker = app.login(&format!("grid.{grid_code}")).await;
    let (status, appeal) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "村口两人斗殴致一人轻伤", "category": "B01", "channel": "patrol",
                                         "region_code": grid_code, "urgency": "normal"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    let incident = json!({"kind": "criminal", "severity": "ordinary", "occurred_on": today, "summary": "斗殴致轻伤",
                          "appeal_id": appeal["id"]});
    let (status, i) = dispatcher.post("/api/v1/safety/incidents", &incident).await;
    assert_eq!(
        (status, i["region_id"].as_i64(), i["appeal_id"].clone()),
        (StatusCode::CREATED, school["region_id"].as_i64(), appeal["id"].clone()),
        "{i}"
    );
    let (status, _) = dispatcher.post("/api/v1/safety/incidents", &incident).await;
    assert_eq!(status, StatusCode::CONFLICT, "an appeal is registered once");
    let mut unknown = incident.clone();
    unknown["appeal_id"] = json!(999_999);
    let (status, err) = dispatcher.post("/api/v1/safety/incidents", &unknown).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["appeal_id".to_owned(), "region_id".to_owned()]));
    let r = village_report(&dispatcher, village, this_year).await;
    let z1 = &r["villages"][0]["zeros"][0];
    assert_eq!(z1["held"], false);
    let summary = z1["evidence"][0]["summary"].as_str().unwrap();
    assert!(summary.contains(&format!("源自诉求 #{}", appeal["id"])), "{summary}");

    // Bad input names its fields and writes nothing.
    let (status, err) = confirm(
        &dispatcher,
        village,
        json!({"year": this_year, "zero": "Z9", "verdict": "excluded", "record_source": "incident", "reason": "短"}),
    )
    .await;
    assert_eq!(
        (status, fields(&err)),
        (StatusCode::BAD_REQUEST, vec!["zero".to_owned(), "reason".to_owned(), "record_id".to_owned()])
    );
    // Only a record that counts against the zero can be set aside.
    let (status, err) = confirm(&dispatcher, village, json!({"year": this_year, "zero": "Z2", "verdict": "excluded", "record_source": "incident", "record_id": i["id"], "reason": "不是重大事故"})).await;
    assert_eq!((status, fields(&err)), (StatusCode::BAD_REQUEST, vec!["record_id".to_owned()]));
    // A village does not confirm its own evaluation; a unit contact reads none of it.
    let cadre = app.login(&format!("cadre.{}", v["region"]["code"].as_str().unwrap())).await;
    let (status, _) = confirm(
        &cadre,
        village,
        json!({"year": this_year, "zero": "Z1", "verdict": "broken", "occurred_on": today, "reason": "村内确认"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let _ = county;
    let (_, audit_before) = admin.get("/api/v1/audit?action=safety.five_zero_confirm").await;
    let n_before = audit_before["total"].as_i64().unwrap_or(0);

    // The case was registered at the wrong village: set aside with a reason.
    let set_aside = json!({"year": this_year, "zero": "Z1", "verdict": "excluded", "record_source": "incident", "record_id": i["id"], "reason": "经核实,事发地为邻村"});
    let (status, x) = confirm(&dispatcher, village, set_aside.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{x}");
    let (status, _) = confirm(&dispatcher, village, set_aside).await;
    assert_eq!(status, StatusCode::CONFLICT, "set aside once");
    // A 邪教 activity the platform holds no record of breaks Z6.
    let (status, broke) = confirm(&dispatcher, village, json!({"year": this_year, "zero": "Z6", "verdict": "broken", "occurred_on": today, "reason": "县公安局通报:村内发现邪教聚会"})).await;
    assert_eq!(status, StatusCode::CREATED, "{broke}");
    let r = village_report(&dispatcher, village, this_year).await;
    let zs = r["villages"][0]["zeros"].as_array().unwrap();
    assert_eq!((zs[0]["held"].clone(), zs[0]["excluded"].as_array().map(Vec::len)), (json!(true), Some(1)));
    assert_eq!((zs[5]["held"].clone(), zs[5]["evidence"][0]["source"].clone()), (json!(false), json!("manual")));
    assert_eq!(r["villages"][0]["broken"], json!(["Z6"]));
    assert_eq!(r["villages"][0]["confirmations"].as_array().map(Vec::len), Some(2));
    let (_, audit_after) = admin.get("/api/v1/audit?action=safety.five_zero_confirm").await;
    assert_eq!(audit_after["total"].as_i64().unwrap_or(0), n_before + 2, "{audit_after}");

    // Withdrawn, the case counts again; the page shows the forms to the dispatcher.
    let (status, _) = dispatcher
        .send(reqwest::Method::DELETE, &format!("/api/v1/safety/five-zero/confirmations/{}", x["id"]), &Value::Null)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = dispatcher
        .send(reqwest::Method::DELETE, &format!("/api/v1/safety/five-zero/confirmations/{}", x["id"]), &Value::Null)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = village_report(&dispatcher, village, this_year).await;
    assert_eq!(r["villages"][0]["broken"], json!(["Z1", "Z6"]));
    let html = dispatcher
        .client
        .get(dispatcher.url(&format!("/safety/five-zero?region_id={village}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("confirm-broken") && html.contains("邪教聚会") && html.contains("源自诉求"),
        "the village page"
    );
    // The page's form refuses a reason too short, naming it, with a 400.
    let res = dispatcher
        .client
        .post(dispatcher.url(&format!("/safety/five-zero/villages/{village}/confirm")))
        .form(&[
            ("_csrf", dispatcher.csrf.as_str()),
            ("year", &this_year.to_string()),
            ("verdict", "broken"),
            ("zero", "Z2"),
            ("occurred_on", &today),
            ("reason", "无"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("reason"));

    // The city's editors: the zeros page and the formula page, each saving a version.
    let res = admin.client.get(admin.url("/safety/five-zero/rules")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = admin
        .client
        .post(admin.url("/safety/five-zero/rules"))
        .form(&[
            ("_csrf", admin.csrf.as_str()),
            ("version", "2"),
            ("name", "第三版"),
            ("code_0", "Z1"),
            ("name_0", "零刑事案件"),
            ("kind_0_criminal", "on"),
            ("min_0", "ordinary"),
            ("code_1", "Z2"),
            ("name_1", "零重大火灾"),
            ("kind_1_fire", "on"),
            ("min_1", "major"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, now) = admin.get("/api/v1/safety/five-zero/rules").await;
    assert_eq!((now["version"].as_i64(), now["zeros"][1]["kinds"].clone()), (Some(3), json!(["fire"])));
    let res = admin
        .client
        .post(admin.url("/safety/scores/formula"))
        .form(&[("_csrf", admin.csrf.as_str()), ("version", "0"), ("name", "只看五零"), ("w_five_zero", "90")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "the weights must sum to 100");
    // A county campaign keeps the formula of its year.
    let (status, _) = admin
        .post(
            "/api/v1/safety/campaigns",
            &json!({"kind": "county", "name": "四级联创考核", "year": this_year, "apply_until": until}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let res = admin
        .client
        .post(admin.url("/safety/scores/formula"))
        .form(&[("_csrf", admin.csrf.as_str()), ("version", "1"), ("name", "只看五零"), ("w_five_zero", "100")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, f) = admin.get("/api/v1/safety/county-formula").await;
    assert_eq!(f["version"], 2);
    let (_, s) = admin.get(&format!("/api/v1/safety/county-scores?year={this_year}")).await;
    assert_eq!(
        (s["formula"]["version"].as_i64(), s["formula"]["formula"]["weights"].as_array().map(Vec::len)),
        (Some(1), Some(6)),
        "this year keeps the formula its campaign opened with"
    );
    let (_, s) = admin.get(&format!("/api/v1/safety/county-scores?year={}", this_year - 1)).await;
    assert_eq!(s["formula"]["version"], 2, "a year without a campaign is scored by the formula in force");
});

on_both_engines!(the_demo_opens_the_years_campaigns_and_units_start_applying, |app: TestApp| async move {
    let contact = app.first_username("unit_contact").await;
    let (campaigns, applied) =
        pingan::demo::open_safety_campaigns(&app.store, std::slice::from_ref(&contact)).await.expect("demo campaigns");
    assert_eq!((campaigns, applied), (3, 1));
    let unit = app.login(&contact).await;
    let (_, mine) = unit.get("/api/v1/safety/applications").await;
    assert_eq!((mine["total"].as_i64(), mine["items"][0]["state"].as_str()), (Some(1), Some("drafting")), "{mine}");
    let admin = app.login("admin").await;
    let (_, list) = admin.get("/api/v1/safety/campaigns").await;
    let kinds: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.len(), 3);
    for kind in ["safe_unit", "five_zero", "county"] {
        assert!(kinds.contains(&kind), "{kinds:?}");
    }
    let year = chrono::Datelike::year(&china_today());
    let (_, r) = admin.get(&format!("/api/v1/safety/five-zero?year={year}")).await;
    assert!(r["rules"]["campaign_id"].is_i64(), "the year's zeros are its campaign's");
});
