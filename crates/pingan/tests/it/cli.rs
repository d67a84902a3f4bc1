//! The binary's failure modes: one clear line naming the cause, non-zero exit.

use std::process::Command;

fn pingan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pingan"));
    c.env_remove("PINGAN_DATABASE_URL").env_remove("PINGAN_LISTEN").env("RUST_LOG", "off");
    c
}

fn fails_with(cmd: &mut Command, needle: &str) {
    let out = cmd.output().expect("run pingan");
    assert!(!out.status.success(), "expected failure");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line, got: {stderr}");
    assert!(lines[0].starts_with("error: ") && lines[0].contains(needle), "{needle} not in: {stderr}");
}

#[test]
fn missing_config_file_is_named() {
    fails_with(
        pingan().args(["serve", "--config", "/nonexistent/pingan.toml"]),
        "cannot read config file '/nonexistent/pingan.toml'",
    );
}

#[test]
fn malformed_config_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "databse_url = 'sqlite://x.db'\n").unwrap();
    fails_with(pingan().args(["serve", "--config", path.to_str().unwrap()]), "is not valid");
}

#[test]
fn malformed_database_url_is_named() {
    fails_with(pingan().args(["migrate"]).env("PINGAN_DATABASE_URL", "mysql://db/x"), "is not understood");
}

#[test]
fn unreachable_database_is_named() {
    // Port 1 on loopback: nothing listens there; the password must not be printed.
    let out =
        pingan().args(["migrate"]).env("PINGAN_DATABASE_URL", "postgres://u:secret@127.0.0.1:1/x").output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect to the database") && !stderr.contains("secret"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1);
}

#[test]
fn taken_port_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = holder.local_addr().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    fails_with(
        pingan().args(["serve"]).env("PINGAN_DATABASE_URL", db).env("PINGAN_LISTEN", addr.to_string()),
        &format!("cannot listen on {addr}"),
    );
}

#[test]
fn help_is_readable() {
    let out = pingan().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in ["demo", "serve", "migrate"] {
        assert!(text.contains(cmd), "{text}");
    }
}

#[test]
fn classifier_eval_reports_accuracy_and_names_bad_rows() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "text,category,urgency\n楼下饭店油烟太大，每天晚上都熏得开不了窗,E05,一般\n厨房闻到很浓的煤气味，阀门关不上了,C02,紧急\n").unwrap();
    let out = pingan().args(["classifier", "eval", good.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(report.contains("cases:") && report.contains('2'), "{report}");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "text,category\n有人占道经营,E02\n,E02\n").unwrap();
    let out = pingan().args(["classifier", "eval", bad.to_str().unwrap()]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.csv") && err.contains("row 3"), "{err}");
}

#[test]
fn a_bad_classifier_model_stops_the_server_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    let model = dir.path().join("model.json");
    std::fs::write(&model, "{\"format\": 1, \"options\": {").unwrap();
    fails_with(
        pingan().args(["serve"]).env("PINGAN_DATABASE_URL", &db).env("PINGAN_CLASSIFIER_MODEL", &model),
        &format!("classifier model '{}' is not usable: not a classifier model", model.display()),
    );
    std::fs::write(&model, "{\"format\": 7, \"weights\": []}").unwrap();
    fails_with(
        pingan().args(["serve"]).env("PINGAN_DATABASE_URL", &db).env("PINGAN_CLASSIFIER_MODEL", &model),
        "classifier model format 7 is not the supported 1",
    );
    let missing = dir.path().join("missing.json");
    fails_with(
        pingan().args(["serve"]).env("PINGAN_DATABASE_URL", &db).env("PINGAN_CLASSIFIER_MODEL", &missing),
        &format!("classifier model '{}': cannot read it", missing.display()),
    );
    // Refused before the database is touched.
    assert!(!dir.path().join("p.db").exists());
}

#[test]
fn classifier_train_refuses_bad_input_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    let out = dir.path().join("model.json");
    let bad = dir.path().join("eval.csv");
    std::fs::write(&bad, "text,category,urgency\n有人占道经营,E02,一般\n楼道冒烟,C1,紧急\n").unwrap();
    let train = |out: &std::path::Path, eval: &std::path::Path| {
        let mut c = pingan();
        c.args(["classifier", "train", "--out", out.to_str().unwrap(), "--eval", eval.to_str().unwrap()])
            .env("PINGAN_DATABASE_URL", &db);
        c
    };
    fails_with(&mut train(&out, &bad), &format!("{}: row 3, field 'category'", bad.display()));
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "text,category\n有人占道经营,E02\n").unwrap();
    fails_with(&mut train(&dir.path().join("no/model.json"), &good), "there is no directory");
    fails_with(&mut train(dir.path(), &good), "is a directory");
    assert!(!out.exists() && !dir.path().join("p.db").exists(), "nothing written");
}
