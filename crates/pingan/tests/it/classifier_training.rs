//! Retraining the appeal classifier with dispatchers' corrections, on both engines: the store
//! reads back each case's latest reclassification, `pingan classifier train` learns from them
//! without ever training on the evaluation file, and `pingan serve` answers with the model it names.

use crate::common;

use common::{Session, TestApp};
use pingan_classify::{Classifier, Urgency};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::process::{Command, Stdio};

/// Barbecue smoke drifting into flats is pollution (E05); the shipped model reads all of these as
/// fire or noise (checked below, so the test says so if the shipped model changes).
const SMOKE: [&str; 3] = [
    "楼下新开的烧烤摊每天晚上烟熏火燎，烤串的烟全往楼上窗户里钻",
    "街口那家烧烤店天天晚上烟熏火燎的，烟都飘进我家窗户了",
    "小区对面的烧烤摊一到晚上就烟熏火燎，呛得人没法开窗",
];
/// Worded like them, never corrected.
const SMOKE_UNSEEN: &str = "楼下烧烤摊的烟每晚都往屋里钻，熏得受不了";
const TARGET: &str = "E05";

/// The labelled evaluation sample beside the workspace (never trained on).
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/samples/appeals-labeled.csv");

async fn act(s: &Session, id: i64, body: Value) -> Value {
    let (status, case) = s.post(&format!("/api/v1/appeals/{id}/actions"), &body).await;
    assert_eq!(status, StatusCode::OK, "{body}: {case}");
    case
}

/// A case a grid worker filed (as 欠薪, which goes to the county's 人社局) and the 人社局
/// returned: waiting for the dispatch centre, where a classification may be corrected.
async fn returned_case(app: &TestApp, text: &str) -> i64 {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").expect("grid worker usernames are grid.<code>");
    let worker = app.login(&username).await;
    let report = json!({
        "text": text, "category": "A03", "channel": "patrol", "region_code": grid_code,
        "reporter_name": "王建国", "reporter_phone": "13800138000",
    });
    let (status, filed) = worker.post("/api/v1/appeals", &report).await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    assert_eq!(filed["unit_name"], "德城区人力资源和社会保障局", "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let dept = app.login("dept.371402.renshe").await;
    let case = act(&dept, id, json!({"action": "return", "reason": "不属于本单位职责"})).await;
    assert_eq!(case["state"], "returned", "{case}");
    id
}

async fn reclassify(s: &Session, id: i64, category: &str, urgency: &str) {
    let case =
        act(s, id, json!({"action": "reclassify", "category": category, "urgency": urgency, "note": "更正"})).await;
    assert_eq!(case["snapshot"]["category"], category, "{case}");
}

on_both_engines!(corrections_are_each_cases_latest_reclassification, |app: TestApp| async move {
    assert!(app.store.classifier_corrections().await.unwrap().is_empty());
    let corrected = returned_case(&app, SMOKE[0]).await;
    let untouched = returned_case(&app, SMOKE[1]).await;
    assert_ne!(corrected, untouched);
    let supervisor = app.login("supervisor").await;
    reclassify(&supervisor, corrected, "B03", "normal").await;
    reclassify(&supervisor, corrected, TARGET, "urgent").await;

    let corrections = app.store.classifier_corrections().await.unwrap();
    assert_eq!(corrections.len(), 1, "one per reclassified case, none for the other: {corrections:?}");
    let c = &corrections[0];
    assert_eq!((c.appeal_id, c.text.as_str()), (corrected, SMOKE[0]));
    assert_eq!((c.category.as_str(), c.urgency), (TARGET, Urgency::Urgent), "the latest correction wins");
    assert!(c.at_ms > 0);
});

on_both_engines!(train_learns_corrections_and_serve_uses_the_model, |app: TestApp| async move {
    let shipped = Classifier::shipped();
    for text in SMOKE.iter().chain([&SMOKE_UNSEEN]) {
        assert_ne!(shipped.classify(text).category(), Some(TARGET), "the shipped model already knows: {text}");
    }
    let supervisor = app.login("supervisor").await;
    for text in SMOKE {
        let id = returned_case(&app, text).await;
        reclassify(&supervisor, id, TARGET, "normal").await;
    }

    // The evaluation file: the labelled sample, plus one of the corrected texts labelled otherwise.
    // Were the file trained on, that label would replace the correction.
    let dir = tempfile::tempdir().unwrap();
    let mut eval = std::fs::read_to_string(SAMPLE).unwrap_or_else(|_| "text,category,urgency\n".to_owned());
    if !eval.ends_with('\n') {
        eval.push('\n');
    }
    eval.push_str(&format!("{},B03,一般\n", SMOKE[0]));
    let eval_path = dir.path().join("eval.csv");
    std::fs::write(&eval_path, &eval).unwrap();
    let eval_rows = pingan_classify::read_csv(&eval_path).unwrap().len();

    let model_path = dir.path().join("model.json");
    std::fs::write(&model_path, "an older model").unwrap();
    let out = pingan()
        .args(["classifier", "train", "--out", model_path.to_str().unwrap(), "--eval", eval_path.to_str().unwrap()])
        .env("PINGAN_DATABASE_URL", &app.db_url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("corrections: 3 used (3 cases"), "{stdout}");
    assert!(stdout.contains(&format!("  {TARGET}      3  生态环境污染")), "{stdout}");
    assert!(stdout.contains(&format!("({eval_rows} cases, not used for training)")), "{stdout}");
    assert!(stdout.contains("top-1 accuracy") && stdout.contains("紧急 missed"), "{stdout}");
    assert!(stdout.contains("1 of these cases are also corrections"), "{stdout}");

    let model = pingan::classifier::load_model(&model_path).expect("the written model loads");
    assert_eq!(
        model.example_count(),
        Classifier::shipped_examples().len() + SMOKE.len(),
        "trained on the shipped examples and the corrections, nothing of the evaluation file"
    );
    for text in SMOKE {
        assert_eq!(model.classify(text).category(), Some(TARGET), "{text}");
    }
    let p = |c: &Classifier| {
        c.classify(SMOKE_UNSEEN).categories.iter().find(|s| s.code == TARGET).map_or(0.0, |s| s.probability)
    };
    assert!(p(&model) > p(&shipped), "similar wording gained nothing: {} → {}", p(&shipped), p(&model));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 2, "no temporary file is left: {left:?}");

    // The server named to the model classifies with it.
    let serve = Served::start(&app.db_url, &model_path, dir.path()).await;
    let client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let login = client
        .post(serve.url("/api/v1/auth/login"))
        .json(&json!({"username": "supervisor", "password": common::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let csrf = login.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned();
    let res = client
        .post(serve.url("/api/v1/classify"))
        .header("X-CSRF-Token", csrf)
        .json(&json!({"text": SMOKE[1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let prediction: Value = res.json().await.unwrap();
    assert_eq!(prediction["categories"][0]["code"], TARGET, "{prediction}");
});

fn pingan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pingan"));
    c.env_remove("PINGAN_DATABASE_URL").env_remove("PINGAN_LISTEN").env_remove("PINGAN_CLASSIFIER_MODEL");
    c.env("RUST_LOG", "off");
    c
}

/// `pingan serve` with a classifier model, killed when dropped.
struct Served {
    child: std::process::Child,
    base: String,
}

impl Served {
    async fn start(db_url: &str, model: &std::path::Path, workdir: &std::path::Path) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let listen = format!("127.0.0.1:{port}");
        let child = pingan()
            .arg("serve")
            .env("PINGAN_DATABASE_URL", db_url)
            .env("PINGAN_LISTEN", &listen)
            .env("PINGAN_CLASSIFIER_MODEL", model)
            // Attachments go to ./pingan-blobs: keep them out of the source tree.
            .current_dir(workdir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut served = Served { child, base: format!("http://{listen}") };
        // Up when it accepts connections (the model is loaded before the listener opens); the
        // bound only keeps a broken start from hanging the suite.
        for _ in 0..2400 {
            if tokio::net::TcpStream::connect(&listen).await.is_ok() {
                return served;
            }
            if let Some(status) = served.child.try_wait().unwrap() {
                panic!("pingan serve exited at start: {status}");
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("pingan serve did not open {listen}");
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
