//! Prepaid-card supervision end to end on both engines: the registry, flows from POS systems
//! and the escrow bank (tokens, idempotency keys, refusals with reasons), file imports that
//! are all or nothing, the risk model reaching red with its reasons, the case and the
//! notifications it opens, the board and its workbook, the public look-up and the receipt
//! checked against the ledger.

use crate::common;

use common::{Session, TestApp};
use pingan_domain::prepaid::CreditCode;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The first county, its market regulator's account, and a grid of it where a grid worker is.
const COUNTY_REGULATOR: &str = "dept.371402.shichang";
const OTHER_REGULATOR: &str = "dept.371403.shichang";
const GRID_WORKER: &str = "grid.371402001001001";

fn licence(n: u32) -> String {
    CreditCode::with_check(&format!("91371402MA{n:07}")).unwrap().as_str().to_owned()
}

/// The county's id and a point inside the grid worker's grid.
async fn place(app: &TestApp) -> (i64, f64, f64) {
    let worker = app.store.login_account(GRID_WORKER).await.unwrap().unwrap().actor;
    let grid_path = worker.scope.region.clone();
    let county = grid_path.ids()[1];
    let shapes = app.store.all_grid_shapes_for_index().await.unwrap();
    let shape = shapes.iter().find(|s| s.path == grid_path).expect("the worker's grid");
    let pts = shape.ring.points();
    let n = pts.len() as f64;
    let (lon, lat) = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0] / n, y + p[1] / n));
    (county, lon, lat)
}

/// Register a merchant with one store and one product (as the county's regulator); returns its id.
async fn merchant(app: &TestApp, regulator: &Session, n: u32, brand: &str, opened_on: &str) -> i64 {
    let (county, lon, lat) = place(app).await;
    let (status, m) = regulator
        .post(
            "/api/v1/prepaid/merchants",
            &json!({ "licence": licence(n), "name": format!("德州市{brand}有限公司"), "brand": brand,
                     "legal_rep": "王建国", "industry": "fitness", "issuer_type": "other",
                     "opened_on": opened_on, "region_id": county }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["legal_rep"], "王**", "masked");
    let id = m["id"].as_i64().unwrap();
    let (status, s) = regulator
        .post(
            &format!("/api/v1/prepaid/merchants/{id}/stores"),
            &json!({ "name": format!("{brand}新湖店"), "address": "新湖大街 1 号", "lon": lon, "lat": lat }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{s}");
    let (status, p) = regulator
        .post(
            &format!("/api/v1/prepaid/merchants/{id}/products"),
            &json!({ "code": "Y1", "name": "年卡", "kind": "period", "price_fen": 198000, "period_days": 365,
                     "terms": "一经售出概不退款" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["void_clauses"], json!(["不退", "概不退"]));
    id
}

/// A reporting system's token.
async fn client(session: &Session, merchant_id: Option<i64>) -> String {
    let (status, c) =
        session.post("/api/v1/prepaid/clients", &json!({ "name": "收银系统", "merchant_id": merchant_id })).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    c["token"].as_str().unwrap().to_owned()
}

async fn report(app: &TestApp, token: &str, key: &str, body: &Value) -> (StatusCode, Value) {
    let mut req = app.client().post(app.url("/api/v1/prepaid/flows")).bearer_auth(token).json(body);
    if !key.is_empty() {
        req = req.header("Idempotency-Key", key);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn message(v: &Value) -> String {
    v["error"].as_str().unwrap_or_default().to_owned()
}

on_both_engines!(sales_follow_the_escrow_rule_and_receipts_verify_against_the_ledger, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let regulator = app.login(COUNTY_REGULATOR).await;
    let id = merchant(&app, &regulator, 1, "力健健身", "2023-05-01").await;
    let bank = client(&admin, None).await;
    let pos = client(&regulator, Some(id)).await;
    let code = licence(1);
    let sale = |card: &str, yuan: &str| json!({ "merchant": code, "kind": "sale", "card_no": card, "product": "Y1", "amount": yuan });

    // No redemptions yet: the balance is large against them, so all of it must be in escrow.
    let (status, _) =
        report(&app, &bank, "b1", &json!({ "merchant": code, "kind": "escrow_deposit", "amount_fen": 100000 })).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = report(&app, &pos, "s1", &sale("C1", "1980")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(message(&body).contains("存管资金不足") && message(&body).contains("¥1,980.00"), "{body}");
    report(&app, &bank, "b2", &json!({ "merchant": code, "kind": "escrow_deposit", "amount_fen": 100000 })).await;
    let (status, sold) = report(&app, &pos, "s1", &sale("C1", "1980")).await;
    assert_eq!(status, StatusCode::CREATED, "{sold}");
    assert_eq!((sold["card_after_fen"].as_i64(), sold["outstanding_after_fen"].as_i64()), (Some(198000), Some(198000)));
    let receipt = sold["receipt"].as_str().unwrap().to_owned();

    // Retries replay; a key reused for something else, a missing key, the wrong sender are refused.
    let (status, again) = report(&app, &pos, "s1", &sale("C1", "1980")).await;
    assert_eq!(
        (status, again["receipt"].as_str(), again["replayed"].as_bool()),
        (StatusCode::OK, Some(receipt.as_str()), Some(true))
    );
    assert_eq!(report(&app, &pos, "s1", &sale("C1", "1000")).await.0, StatusCode::CONFLICT);
    assert_eq!(report(&app, &pos, "", &sale("C2", "10")).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(report(&app, "ppc_nonsense", "x", &sale("C2", "10")).await.0, StatusCode::UNAUTHORIZED);
    let deposit = json!({ "merchant": code, "kind": "escrow_deposit", "amount_fen": 1 });
    assert_eq!(report(&app, &pos, "p-esc", &deposit).await.0, StatusCode::FORBIDDEN, "a till reports no escrow");
    assert_eq!(
        report(&app, &bank, "b-sale", &sale("C9", "1")).await.0,
        StatusCode::FORBIDDEN,
        "the bank sells no cards"
    );
    let (status, bad) = report(&app, &pos, "bad", &json!({ "merchant": code, "kind": "gift", "amount": "x" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad["fields"].as_array().unwrap().iter().any(|f| f["field"] == "kind"), "{bad}");

    // Redemptions and refunds move the card; an overdraft is refused with the balance named.
    let redeem = |amount: i64| json!({ "merchant": code, "kind": "redemption", "card_no": "C1", "amount_fen": amount });
    let (status, used) = report(&app, &pos, "r1", &redeem(50000)).await;
    assert_eq!((status, used["card_after_fen"].as_i64()), (StatusCode::CREATED, Some(148000)));
    let (status, body) = report(&app, &pos, "r2", &redeem(500000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("¥1,480.00"), "{body}");
    let (_, detail) = regulator.get(&format!("/api/v1/prepaid/merchants/{id}")).await;
    assert_eq!(
        (detail["merchant"]["outstanding_fen"].as_i64(), detail["merchant"]["escrow_fen"].as_i64()),
        (Some(148000), Some(200000))
    );

    // A stop order bars sales with its reason until lifted; another county's regulator may not.
    let other = app.login(OTHER_REGULATOR).await;
    let order = json!({ "kind": "stop_order", "note": "涉嫌虚假宣传,立案调查" });
    assert_eq!(other.post(&format!("/api/v1/prepaid/merchants/{id}/signals"), &order).await.0, StatusCode::NOT_FOUND);
    let (status, signal) = regulator.post(&format!("/api/v1/prepaid/merchants/{id}/signals"), &order).await;
    assert_eq!(status, StatusCode::CREATED, "{signal}");
    let (status, body) = report(&app, &pos, "s2", &sale("C2", "100")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(message(&body).contains("停止发卡令") && message(&body).contains("虚假宣传"), "{body}");
    assert_eq!(
        regulator.post(&format!("/api/v1/prepaid/merchants/{id}/signals"), &order).await.0,
        StatusCode::CONFLICT
    );
    let lift = format!("/api/v1/prepaid/signals/{}/lift", signal["id"]);
    assert_eq!(regulator.post(&lift, &json!({ "note": "" })).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(regulator.post(&lift, &json!({ "note": "整改完毕" })).await.0, StatusCode::OK);
    assert_eq!(report(&app, &pos, "s2", &sale("C2", "100")).await.0, StatusCode::CREATED);

    // The consumer checks the receipt without signing in: proven in the signed checkpoint.
    let public = app.client();
    let url = |path: &str| app.url(path);
    let res = public.get(url(&format!("/api/v1/prepaid/public/receipts/{receipt}?card_no=C1"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let check: Value = res.json().await.unwrap();
    assert_eq!((check["verified"].as_bool(), check["card_matches"].as_bool()), (Some(true), Some(true)), "{check}");
    assert_eq!((check["amount"].as_str(), check["card_balance"].as_str()), (Some("¥1,980.00"), Some("¥1,980.00")));
    let bundle = serde_json::to_string(&check["bundle"]).unwrap();
    assert!(pingan_ledger::bundle::check_document(&bundle, None).is_ok(), "the bundle verifies offline");
    assert!(!bundle.contains("C1\""), "the card number is not in the evidence");
    let other_card: Value = public
        .get(url(&format!("/api/v1/prepaid/public/receipts/{receipt}?card_no=C2")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(other_card["card_matches"].as_bool(), Some(false));
    let forged = format!("{}000000000000", &receipt[..receipt.len() - 12]);
    assert_eq!(
        public.get(url(&format!("/api/v1/prepaid/public/receipts/{forged}"))).send().await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        public.get(url("/api/v1/prepaid/public/receipts/nonsense")).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    let file = public.get(url(&format!("/api/v1/prepaid/public/receipts/{receipt}/bundle"))).send().await.unwrap();
    assert!(file.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));

    // Every accepted flow is one leaf, and the log verifies from its entries.
    let flows: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM prepaid_flows"
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(app.store.ledger_head("prepaid").await.unwrap().size as i64, flows);
    assert_eq!(flows, 5, "2 deposits, 2 sales, 1 redemption");
    let (ok, out, err) = app.pingan(&["ledger", "verify", "--log", "prepaid"]).await;
    assert!(ok, "{out}{err}");

    // The holder of C1 asks for their data to be erased (PIPL): the receipt still proves the
    // record, but no card number can be tied to it any more, and the ledger stays valid.
    let card = format!("{}:C1", licence(1));
    let (ok, _, err) = app.pingan(&["privacy", "erase", "--card", "nonsense", "--by", "x"]).await;
    assert!(!ok && err.contains("LICENCE:CARD_NO"), "{err}");
    let (ok, out, err) = app.pingan(&["privacy", "erase", "--card", &card, "--by", "PIPL-2026-018"]).await;
    assert!(ok && out.contains("erased"), "{out}{err}");
    let (ok, _, err) = app.pingan(&["privacy", "erase", "--card", &card, "--by", "PIPL-2026-018"]).await;
    assert!(!ok && err.contains("erased already"), "only once: {err}");
    let after: Value = public
        .get(url(&format!("/api/v1/prepaid/public/receipts/{receipt}?card_no=C1")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((after["verified"].as_bool(), after["card_matches"].as_bool()), (Some(true), None), "{after}");
    let (ok, out, err) = app.pingan(&["ledger", "verify", "--log", "prepaid"]).await;
    assert!(ok && out.contains("5 flows and every merchant's and card's balance agree"), "{out}{err}");

    // The tables the platform reads, changed by hand behind the ledger's back: each change is
    // caught at its entry, and undoing it makes the log verify again.
    let verify = async || app.pingan(&["ledger", "verify", "--log", "prepaid"]).await;
    let tampers = [
        ("UPDATE prepaid_flows SET amount_fen = amount_fen + 100 WHERE ledger_index = 2", "at entry 2", "was changed"),
        ("UPDATE prepaid_flows SET kind = 'refund' WHERE ledger_index = 3", "at entry 3", "was changed"),
        ("UPDATE prepaid_merchants SET outstanding_fen = outstanding_fen - 100000", "", "its flows say 158000"),
        ("UPDATE prepaid_cards SET balance_fen = 0 WHERE card_no = 'C2'", "", "its flows say 10000"),
        ("UPDATE prepaid_cards SET card_no = 'C7' WHERE card_no = 'C2'", "", "no longer opens the leaf's commitment"),
    ];
    let undo = [
        "UPDATE prepaid_flows SET amount_fen = amount_fen - 100 WHERE ledger_index = 2",
        "UPDATE prepaid_flows SET kind = 'redemption' WHERE ledger_index = 3",
        "UPDATE prepaid_merchants SET outstanding_fen = outstanding_fen + 100000",
        "UPDATE prepaid_cards SET balance_fen = 10000 WHERE card_no = 'C2'",
        "UPDATE prepaid_cards SET card_no = 'C2' WHERE card_no = 'C7'",
    ];
    for ((tamper, at, reason), undo) in tampers.into_iter().zip(undo) {
        assert_eq!(app.sql(tamper).await, 1, "{tamper}");
        let (ok, out, _) = verify().await;
        assert!(!ok && out.contains("DIVERGES") && out.contains(at) && out.contains(reason), "{tamper}: {out}");
        app.sql(undo).await;
        let (ok, out, err) = verify().await;
        assert!(ok, "{undo}: {out}{err}");
    }
    // A flow row deleted, then one added that the log never had.
    app.sql("DELETE FROM prepaid_flows WHERE ledger_index = 4").await;
    let (ok, out, _) = verify().await;
    assert!(!ok && out.contains("at entry 4: entry 4 has no flow row"), "{out}");
    app.sql("UPDATE prepaid_flows SET ledger_index = 9 WHERE ledger_index = 3").await;
    let (ok, out, _) = verify().await;
    assert!(!ok && out.contains("at entry 9") && out.contains("beyond the log"), "{out}");
});

on_both_engines!(imports_are_all_or_nothing_and_name_each_bad_row, |app: TestApp| async move {
    let regulator = app.login(COUNTY_REGULATOR).await;
    let id = merchant(&app, &regulator, 2, "美丽人生", "2020-01-01").await;
    let code = licence(2);
    let import = |body: Vec<u8>| {
        let s = &regulator;
        async move {
            let res = s
                .client
                .post(s.url("/api/v1/prepaid/flows/import"))
                .header("X-CSRF-Token", &s.csrf)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let bad = format!(
        "商户代码,类型,卡号,商品编码,金额,发生时间,流水号\n{code},存管存入,,,5000,2026-01-05 09:00,B1\n{code},售卡,K1,Y1,1980,2026-01-06 10:00,S1\n{code},消费核销,K1,,99999,2026-01-07 10:00,R1\n{code},售卡,K2,NOPE,1,2026-01-07 11:00,S2\n"
    );
    let (status, body) = import(bad.into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["第 4 行 amount"], "the first refusal is named by row: {body}");
    assert_eq!(app.store.ledger_head("prepaid").await.unwrap().size, 0, "nothing was written");
    let unparsable = format!("merchant,kind,amount\n{code},sale,10\nXYZ,gift,abc\n");
    let (status, body) = import(unparsable.into_bytes()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["第 2 行 card_no", "第 2 行 product", "第 3 行 merchant", "第 3 行 kind", "第 3 行 amount"]);

    // The corrected file as a workbook: recorded whole, once.
    let rows = [
        ["商户代码", "类型", "卡号", "商品编码", "金额", "发生时间", "流水号"],
        [code.as_str(), "存管存入", "", "", "5000", "2026-01-05 09:00", "B1"],
        [code.as_str(), "售卡", "K1", "Y1", "1980", "2026-01-06 10:00", "S1"],
        [code.as_str(), "消费核销", "K1", "", "200", "2026-01-07 10:00", "R1"],
    ];
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let (status, done) = import(xlsx.clone()).await;
    assert_eq!(
        (status, done["recorded"].as_u64(), done["replayed"].as_bool()),
        (StatusCode::OK, Some(3), Some(false)),
        "{done}"
    );
    let (status, again) = import(xlsx).await;
    assert_eq!((status, again["replayed"].as_bool()), (StatusCode::OK, Some(true)));
    assert_eq!(app.store.ledger_head("prepaid").await.unwrap().size, 3, "the same file is recorded once");
    let (_, detail) = regulator.get(&format!("/api/v1/prepaid/merchants/{id}")).await;
    assert_eq!(
        (detail["merchant"]["outstanding_fen"].as_i64(), detail["merchant"]["escrow_fen"].as_i64()),
        (Some(178000), Some(500000))
    );
    // Only those who supervise the merchant import for it.
    let leader = app.login("leader").await;
    let res = leader
        .client
        .post(leader.url("/api/v1/prepaid/flows/import"))
        .header("X-CSRF-Token", &leader.csrf)
        .body("merchant,kind,amount\n")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
});

on_both_engines!(a_gym_that_sells_hard_and_closes_goes_red_with_a_case_and_notices, |app: TestApp| async move {
    let regulator = app.login(COUNTY_REGULATOR).await;
    let id = merchant(&app, &regulator, 3, "铁馆健身", "2022-03-01").await;
    let code = licence(3);
    // Twelve quiet weeks, then a week of selling six times as much while members stop coming.
    let now = chrono::Utc::now();
    let mut csv = String::from("merchant,kind,card_no,product,amount,occurred_at,reference\n");
    let at = |days: i64| {
        pingan_domain::calendar::to_china((now - chrono::Duration::days(days)).timestamp_millis())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    csv.push_str(&format!("{code},escrow_deposit,,,200000,{},E0\n", at(100)));
    for week in 1..=12 {
        let day = 7 + week * 7;
        csv.push_str(&format!("{code},sale,W{week},Y1,5000,{},S{week}\n", at(day)));
        if week >= 4 {
            // Members came until a month ago.
            csv.push_str(&format!("{code},redemption,W{week},,3000,{},R{week}\n", at(day - 3)));
        }
    }
    for k in 0..6 {
        csv.push_str(&format!("{code},sale,N{k},Y1,5000,{},N{k}\n", at(1 + k % 5)));
    }
    csv.push_str(&format!("{code},escrow_withdrawal,,,190000,{},E1\n", at(2)));
    let res = regulator
        .client
        .post(regulator.url("/api/v1/prepaid/flows/import"))
        .header("X-CSRF-Token", &regulator.csrf)
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);

    // A complaint naming the gym, as a citizen reports it.
    let worker = app.login(GRID_WORKER).await;
    let (_, lon, lat) = place(&app).await;
    let (status, appeal) = worker
        .post("/api/v1/appeals", &json!({ "text": "铁馆健身突然关门了,办的年卡没法用,要求退费", "category": "F01", "lon": lon, "lat": lat, "channel": "patrol" }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{appeal}");
    for (kind, note) in [
        ("payee_change", "收款账户变更为个人账户"),
        ("payee_change", "再次变更"),
        ("closure_notice", "门店张贴停业通知"),
    ] {
        let (status, s) = regulator
            .post(&format!("/api/v1/prepaid/merchants/{id}/signals"), &json!({ "kind": kind, "note": note }))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{s}");
    }
    let (_, d) = regulator.get(&format!("/api/v1/prepaid/merchants/{id}")).await;
    assert_eq!(d["merchant"]["warning_level"], "red", "{}", d["assessment"]);
    let reasons: Vec<&str> = d["assessment"]["assessment"]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["indicator"].as_str().unwrap())
        .collect();
    for want in ["closure_notices", "presale_surge", "escrow_shortfall", "payee_changes180d", "redemption_decline"] {
        assert!(reasons.contains(&want), "{want} in {reasons:?}");
    }
    assert_eq!(d["assessment"]["indicators"]["complaints_30d"], 1, "the complaint is linked");
    assert_ne!(d["merchant"]["credit_grade"], "A");

    // The red warning opened one case, for the county's regulator, and told the grid worker.
    let (_, cases) = regulator.get("/api/v1/prepaid/cases").await;
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    assert_eq!((cases[0]["level"].as_str(), cases[0]["status"].as_str()), (Some("red"), Some("open")));
    let (_, inbox) = worker.get("/api/v1/notifications").await;
    assert!(inbox.to_string().contains("铁馆健身"), "{inbox}");
    let (_, inbox) = regulator.get("/api/v1/notifications").await;
    assert!(inbox.to_string().contains("红色预警"), "{inbox}");

    // The board shows it; the workbook downloads; the public sees red and the closure.
    let (_, board) = regulator.get("/api/v1/prepaid/board").await;
    assert_eq!(
        (board["total"]["at_risk"].as_i64(), board["total"]["red"].as_i64()),
        (Some(1), Some(1)),
        "{}",
        board["total"]
    );
    assert_eq!(board["at_risk"][0]["brand"], "铁馆健身");
    let xlsx = regulator.client.get(regulator.url("/api/v1/prepaid/board.xlsx")).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let found: Value = app
        .client()
        .get(app.url("/api/v1/prepaid/public/merchants?q=铁馆"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (found[0]["warning_level"].as_str(), found[0]["closed"].as_bool()),
        (Some("red"), Some(true)),
        "{found}"
    );
    assert!(found[0].get("outstanding_fen").is_none(), "the public sees bands, not balances");

    // Closing the case: the regulator, with its outcome; not twice; not a leader.
    let case = format!("/api/v1/prepaid/cases/{}/actions", cases[0]["id"]);
    let leader = app.login("leader").await;
    assert_eq!(leader.post(&case, &json!({ "text": "已核查" })).await.0, StatusCode::FORBIDDEN);
    assert_eq!(regulator.post(&case, &json!({ "text": "约谈负责人,督促退费" })).await.0, StatusCode::OK);
    let (status, closed) = regulator.post(&case, &json!({ "text": "已为 52 名会员退费", "close": true })).await;
    assert_eq!((status, closed["status"].as_str()), (StatusCode::OK, Some("closed")), "{closed}");
    assert_eq!(regulator.post(&case, &json!({ "text": "again", "close": true })).await.0, StatusCode::CONFLICT);
});

on_both_engines!(the_rules_are_data_only_city_administrators_change, |app: TestApp| async move {
    let admin = app.login("admin").await;
    let (status, current) = admin.get("/api/v1/prepaid/rules").await;
    assert_eq!((status, current["version"].as_i64()), (StatusCode::OK, Some(0)));
    let mut rules = current["rules"].clone();
    rules["levels"]["red"] = json!(60);
    let (status, saved) =
        admin.send(reqwest::Method::PUT, "/api/v1/prepaid/rules", &json!({ "version": 0, "rules": rules })).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["rules"]["levels"]["red"], 60);
    assert_eq!(
        admin.send(reqwest::Method::PUT, "/api/v1/prepaid/rules", &json!({ "version": 0, "rules": rules })).await.0,
        StatusCode::CONFLICT
    );
    rules["levels"]["orange"] = json!(99);
    let (status, bad) = admin
        .send(reqwest::Method::PUT, "/api/v1/prepaid/rules", &json!({ "version": saved["version"], "rules": rules }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(bad["fields"][0]["field"], "levels");
    let regulator = app.login(COUNTY_REGULATOR).await;
    assert_eq!(
        regulator
            .send(reqwest::Method::PUT, "/api/v1/prepaid/rules", &json!({ "version": 1, "rules": saved["rules"] }))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (_, audit) = admin.get("/api/v1/audit?action=prepaid.rules_update").await;
    assert!(audit.to_string().contains("prepaid.rules_update"), "{audit}");
});

on_both_engines!(each_role_reads_and_acts_on_prepaid_only_as_far_as_it_may, |app: TestApp| async move {
    let regulator = app.login(COUNTY_REGULATOR).await;
    let id = merchant(&app, &regulator, 4, "游来游去", "2019-07-01").await;
    let accounts = app.store.first_account_per_role().await.unwrap();
    let first = |role: &str| accounts.iter().find(|a| a.1.as_str() == role).unwrap().0.clone();
    // (username, reads the list, recording a signal on the county's merchant); written by hand.
    let table: Vec<(String, u16, u16)> = vec![
        ("admin".into(), 200, 201),
        ("leader".into(), 200, 403),
        ("supervisor".into(), 200, 403),
        (COUNTY_REGULATOR.into(), 200, 201),
        // The city's market regulation and another department of the county supervise others.
        ("dept.shichang".into(), 200, 403),
        ("dept.371402.gongan".into(), 200, 403),
        (OTHER_REGULATOR.into(), 200, 404),
        (first("township_dispatcher"), 200, 403),
        (first("grid_worker"), 200, 403),
        (first("unit_contact"), 403, 403),
    ];
    for (username, read, act) in table {
        let s = app.login(&username).await;
        let (status, _) = s.get("/api/v1/prepaid/merchants").await;
        assert_eq!(status.as_u16(), read, "{username} reads");
        let (status, body) = s
            .post(
                &format!("/api/v1/prepaid/merchants/{id}/signals"),
                &json!({ "kind": "penalty", "note": "未按规定公示" }),
            )
            .await;
        assert_eq!(status.as_u16(), act, "{username} records: {body}");
    }
    let citizen = app.citizen_login("13800138000").await;
    assert_eq!(citizen.get("/api/v1/prepaid/merchants").await.0, StatusCode::FORBIDDEN);
    assert_eq!(citizen.get(&format!("/api/v1/prepaid/merchants/{id}")).await.0, StatusCode::FORBIDDEN);
    // What a county's regulator reads stops at its county.
    let other = app.login(OTHER_REGULATOR).await;
    assert_eq!(other.get(&format!("/api/v1/prepaid/merchants/{id}")).await.0, StatusCode::NOT_FOUND);
    let (_, list) = other.get("/api/v1/prepaid/merchants").await;
    assert_eq!(list["total"], 0);
    let (_, board) = other.get("/api/v1/prepaid/board").await;
    assert_eq!(board["total"]["merchants"], 0);
});

on_both_engines!(the_cli_import_names_the_file_row_and_field, |app: TestApp| async move {
    let regulator = app.login(COUNTY_REGULATOR).await;
    merchant(&app, &regulator, 5, "快洁洗车", "2018-02-01").await;
    let code = licence(5);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bank-statement.csv");
    std::fs::write(&bad, format!("merchant,kind,amount,occurred_at\n{code},escrow_deposit,12.5,2026-01-01 09:00\n{code},escrow_deposit,lots,2026-01-02 09:00\n")).unwrap();
    let (ok, _, err) = app.pingan(&["prepaid", "import", bad.to_str().unwrap(), "--user", COUNTY_REGULATOR]).await;
    assert!(!ok);
    assert!(err.contains("bank-statement.csv") && err.contains("第 3 行") && err.contains("amount"), "{err}");
    assert_eq!(app.store.ledger_head("prepaid").await.unwrap().size, 0);
    let good = dir.path().join("bank-statement-fixed.csv");
    std::fs::write(&good, format!("merchant,kind,amount,occurred_at\n{code},escrow_deposit,12.5,2026-01-01 09:00\n{code},escrow_deposit,30,2026-01-02 09:00\n")).unwrap();
    let (ok, out, err) = app.pingan(&["prepaid", "import", good.to_str().unwrap(), "--user", COUNTY_REGULATOR]).await;
    assert!(ok, "{out}{err}");
    assert!(out.contains("2 flows recorded"), "{out}");
    let (ok, out, _) = app.pingan(&["prepaid", "import", good.to_str().unwrap(), "--user", COUNTY_REGULATOR]).await;
    assert!(ok && out.contains("nothing added"), "{out}");
    let (ok, out, err) = app.pingan(&["prepaid", "assess"]).await;
    assert!(ok && out.contains("merchants assessed"), "{out}{err}");
});
