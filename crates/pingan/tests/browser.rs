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

/// Fill and submit the action form `action` on a staff case page.
async fn case_action(browser: &fantoccini::Client, action: &str, fields: &[(&str, &str)]) {
    let details = browser.find(Locator::Css(&format!("details[data-action='{action}']"))).await.unwrap();
    details.find(Locator::Css("summary")).await.unwrap().click().await.unwrap();
    for (name, value) in fields {
        details.find(Locator::Css(&format!("[name='{name}']"))).await.unwrap().send_keys(value).await.unwrap();
    }
    let before = browser.find(Locator::Id("case-state")).await.unwrap().element_id();
    details.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_new_page(browser, before).await;
}

/// Wait until the page that had `#case-state` element `before` has been replaced by the next one.
async fn wait_for_new_page(browser: &fantoccini::Client, before: fantoccini::elements::ElementRef) {
    for _ in 0..200 {
        if let Ok(now) = browser.find(Locator::Id("case-state")).await
            && now.element_id() != before
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the page did not change after submitting the form");
}

async fn staff_login(browser: &fantoccini::Client, app: &TestApp, username: &str) {
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&app.url("/login")).await.unwrap();
    browser.find(Locator::Id("username")).await.unwrap().send_keys(username).await.unwrap();
    browser.find(Locator::Id("password")).await.unwrap().send_keys(common::PASSWORD).await.unwrap();
    browser.find(Locator::Id("login-submit")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("role")).await.unwrap();
}

async fn citizen_login(browser: &fantoccini::Client, app: &TestApp, phone: &str) {
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&app.url("/citizen/login")).await.unwrap();
    browser.find(Locator::Id("phone")).await.unwrap().send_keys(phone).await.unwrap();
    browser.find(Locator::Id("send-code")).await.unwrap().click().await.unwrap();
    let code_input = browser.wait().for_element(Locator::Id("code")).await.unwrap();
    let code = app.codes.last_code(phone).expect("a code was sent");
    code_input.send_keys(&code).await.unwrap();
    browser.find(Locator::Id("code-submit")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("citizen-phone")).await.unwrap();
}

async fn state_text(browser: &fantoccini::Client) -> String {
    browser.find(Locator::Id("case-state")).await.unwrap().text().await.unwrap()
}

/// Wait until the first picture in `#attachments` has loaded, and answer its natural width
/// (0 when the browser could not draw it).
async fn attachment_width(browser: &fantoccini::Client) -> u64 {
    let script = "var i = document.querySelector('#attachments img'); return i && i.complete ? i.naturalWidth : null;";
    for _ in 0..200 {
        if let Some(width) = browser.execute(script, vec![]).await.unwrap().as_u64() {
            return width;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the attachment's picture did not load");
}

/// The whole appeal loop in Chromium on a phone-sized window: a resident reports from the
/// phone page (category suggested as they type, grid tapped on the map, a photo attached), the
/// township's dispatcher sees where it went and why, and the photo; the county department
/// signs, handles and answers, the dispatcher verifies, the resident rates it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_reports_and_rates_while_staff_handle_it_in_chromium() {
    let Some(app) = TestApp::spawn(pingan_store::Engine::Sqlite).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let phone = "13700137000";
    // The staffed county's first grid worker's grid, its township and the township's dispatcher.
    let worker = app.first_username("grid_worker").await;
    let grid_code = worker.strip_prefix("grid.").unwrap();
    let city = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
    let grid = app.store.region_by_code(&city, grid_code).await.unwrap();
    let township = app
        .store
        .ancestors(&grid)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.level == pingan_domain::region::RegionLevel::Township)
        .unwrap();

    citizen_login(&browser, &app, phone).await;
    browser.goto(&app.url(&format!("/citizen/report?township={}", township.id))).await.unwrap();
    let text = browser.wait().for_element(Locator::Id("report-text")).await.unwrap();
    text.send_keys("我在饭店打工,老板拖欠我们三个月工资一直不给").await.unwrap();
    // The classifier's suggestion appears as the resident types; taking it fills the category.
    let chip = browser.wait().for_element(Locator::Css("#suggest .chip")).await.unwrap();
    assert_eq!(chip.attr("data-code").await.unwrap().as_deref(), Some("A03"), "wage arrears suggested first");
    chip.click().await.unwrap();
    // Tap a grid on the township's map.
    let grid_path = browser.find(Locator::Css("svg.pick path")).await.unwrap();
    grid_path.click().await.unwrap();
    let chosen = browser.find(Locator::Id("grid")).await.unwrap().prop("value").await.unwrap().unwrap_or_default();
    assert!(!chosen.is_empty(), "tapping the map chose a grid");
    // A photo from the phone: previewed and counted before it is sent.
    let photos = tempfile::tempdir().unwrap();
    let photo_path = photos.path().join("现场.png");
    std::fs::write(&photo_path, common::png(8, 6, [200, 60, 40])).unwrap();
    browser.find(Locator::Id("photos")).await.unwrap().send_keys(photo_path.to_str().unwrap()).await.unwrap();
    let count = browser.wait().for_element(Locator::Id("photos-count")).await.unwrap().text().await.unwrap();
    assert_eq!(count, "已选 1 张,最多 9 张");
    browser.find(Locator::Css("#photos-preview img")).await.unwrap();
    shot(&browser, "report").await;
    browser.find(Locator::Id("report-submit")).await.unwrap().click().await.unwrap();
    let code = browser.wait().for_element(Locator::Id("tracking-code")).await.unwrap().text().await.unwrap();
    assert_eq!(state_text(&browser).await, "已派单");
    assert_eq!(attachment_width(&browser).await, 8, "the resident sees the photo on the case");
    shot(&browser, "reported").await;

    // The township dispatcher finds it in the list and sees why it went to the county's 人社局.
    staff_login(&browser, &app, &format!("dispatch.{}", township.code)).await;
    browser.goto(&app.url(&format!("/appeals?q={code}"))).await.unwrap();
    browser.wait().for_element(Locator::LinkText(&code)).await.unwrap().click().await.unwrap();
    let why = browser.wait().for_element(Locator::Id("case-why")).await.unwrap().text().await.unwrap();
    assert!(why.contains("人力资源和社会保障局"), "{why}");
    // The photo, through the authorised download, drawn on the dispatcher's page.
    let link = browser.find(Locator::Css("#attachments a")).await.unwrap();
    assert!(link.attr("href").await.unwrap().unwrap_or_default().starts_with("/api/v1/attachments/"));
    let img = browser.find(Locator::Css("#attachments img")).await.unwrap();
    assert_eq!(img.attr("alt").await.unwrap().as_deref(), Some("现场.png"));
    assert_eq!(attachment_width(&browser).await, 8, "the dispatcher sees the photo");
    let case_url = browser.current_url().await.unwrap();
    shot(&browser, "dispatcher-case").await;

    // The department signs, works and answers.
    staff_login(&browser, &app, "dept.371402.renshe").await;
    browser.goto(case_url.as_str()).await.unwrap();
    case_action(&browser, "accept", &[]).await;
    assert_eq!(state_text(&browser).await, "已签收");
    case_action(&browser, "start_work", &[]).await;
    case_action(&browser, "submit_result", &[("result", "已责令饭店经营者三日内补发工资")]).await;
    assert_eq!(state_text(&browser).await, "已答复");

    // The dispatcher verifies: closed.
    staff_login(&browser, &app, &format!("dispatch.{}", township.code)).await;
    browser.goto(case_url.as_str()).await.unwrap();
    case_action(&browser, "verify", &[("note", "电话核实已补发")]).await;
    assert_eq!(state_text(&browser).await, "已办结");
    // Nobody has rated anything yet: the township's satisfaction rate has nothing to count.
    let satisfaction = || async {
        browser.goto(&app.url("/appeals/rates")).await.unwrap();
        let cell = browser.wait().for_element(Locator::Css("#rates-total td[data-rate='2']")).await.unwrap();
        cell.text().await.unwrap()
    };
    assert_eq!(satisfaction().await, "—");

    // The resident rates it on the phone page.
    citizen_login(&browser, &app, phone).await;
    browser.goto(&app.url("/citizen/cases")).await.unwrap();
    browser.wait().for_element(Locator::Css("#my-cases a")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("rate-form")).await.unwrap();
    shot(&browser, "rate").await;
    let before = browser.find(Locator::Id("case-state")).await.unwrap().element_id();
    browser.find(Locator::Id("rate-submit")).await.unwrap().click().await.unwrap();
    wait_for_new_page(&browser, before).await;
    assert_eq!(state_text(&browser).await, "已回访");
    // The rates change: one case rated, satisfied.
    staff_login(&browser, &app, &format!("dispatch.{}", township.code)).await;
    browser.goto(&app.url("/appeals/rates")).await.unwrap();
    let cell = browser.wait().for_element(Locator::Css("#rates-total td[data-rate='2']")).await.unwrap();
    assert_eq!(cell.text().await.unwrap(), "100.0%");
    shot(&browser, "rates").await;
    // Anyone with the code can follow it, without signing in.
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&app.url(&format!("/track/{code}"))).await.unwrap();
    assert_eq!(state_text(&browser).await, "已回访");
    browser.close().await.unwrap();
}
