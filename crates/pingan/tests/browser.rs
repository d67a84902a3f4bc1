//! Browser smoke test in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`): sign in, open the map, switch language.
//!
//! Skipped with a message when chromedriver is absent, except under CI, where a
//! missing browser is a failure: `.ci/run` installs it.

mod common;

use common::TestApp;
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> Option<&'static str> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].into_iter().find(|p| std::path::Path::new(p).exists())
}

async fn start_browser() -> Option<(Driver, fantoccini::Client)> {
    let Some(path) = chromedriver() else {
        if std::env::var_os("CI").is_some() {
            panic!("chromedriver is missing under CI: install chromium and chromium-driver");
        }
        eprintln!("skipping browser test: chromedriver not installed (apt-get install chromium chromium-driver)");
        return None;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let profile = tempfile::tempdir().unwrap().keep();
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=412,915",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    }))
    .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    // chromedriver needs a moment to listen.
    for _ in 0..50 {
        if let Ok(client) = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            return Some((driver, client));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not accept a session");
}

/// With `PINGAN_SCREENSHOT_DIR` set, keep a picture of each page for people to look at.
async fn shot(browser: &fantoccini::Client, name: &str) {
    if let Ok(dir) = std::env::var("PINGAN_SCREENSHOT_DIR") {
        let png = browser.screenshot().await.unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_and_open_the_map_in_chromium() {
    let Some(app) = TestApp::spawn(pingan_store::Engine::Sqlite).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };

    browser.goto(&app.url("/login")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys("admin").await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(common::PASSWORD).await.unwrap();
    browser.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    let role = browser.wait().for_element(Locator::Id("role")).await.unwrap();
    assert_eq!(role.text().await.unwrap(), "系统管理员");
    shot(&browser, "home").await;
    browser.goto(&app.url("/regions/1")).await.unwrap();
    browser.wait().for_element(Locator::Id("children")).await.unwrap();
    shot(&browser, "regions").await;
    browser.goto(&app.url("/orgs?kind=red_station")).await.unwrap();
    browser.wait().for_element(Locator::Id("orgs")).await.unwrap();
    shot(&browser, "orgs").await;

    browser.goto(&app.url("/map")).await.unwrap();
    let svg = browser.wait().for_element(Locator::Css("svg.gridmap")).await.unwrap();
    let paths = browser.find_all(Locator::Css("svg.gridmap path")).await.unwrap();
    assert!(paths.len() >= 100, "the whole small city is drawn: {} grids", paths.len());
    // The map is laid out with a real size on a phone-width window.
    let (_, _, width, height) = svg.rectangle().await.unwrap();
    assert!(width > 300.0 && height > 300.0, "map is {width}x{height}");
    shot(&browser, "map").await;

    // Clicking a grid opens that grid's page.
    paths[0].click().await.unwrap();
    let title = browser.wait().for_element(Locator::Id("region-name")).await.unwrap();
    assert!(title.text().await.unwrap().contains("网格"));

    // Switch to English and back.
    browser.find(Locator::Id("lang-switch")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::XPath("//html[@lang='en']")).await.unwrap();
    shot(&browser, "grid-en").await;
    browser.close().await.unwrap();
}
