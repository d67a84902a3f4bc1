//! Browser smoke test in a real headless Chromium (Debian's `chromium` and
//! `chromium-driver`): sign in, open the map, switch language.
//!
//! Skipped with a message when chromedriver is absent, except under CI, where a
//! missing browser is a failure: `.ci/run` installs it.

use crate::common;

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

/// Follow the link `#id` as a download, with the browser's own session.
async fn download_link(browser: &fantoccini::Client, app: &TestApp, id: &str) -> reqwest::Response {
    let href = browser.find(Locator::Id(id)).await.unwrap().attr("href").await.unwrap().expect("a link");
    let session = browser.get_named_cookie("pingan_session").await.unwrap();
    reqwest::Client::new()
        .get(app.url(&href))
        .header("Cookie", format!("pingan_session={}", session.value()))
        .send()
        .await
        .unwrap()
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

/// 德为民 in Chromium: an A01 appeal goes to mediation from its case page (转调解), the
/// mediator logs two sessions, an agreement is reached, the printable 调解协议书 shows the
/// parties masked, in Chinese, and the mediation figures change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_appeal_becomes_a_mediation_case_and_an_agreement_in_chromium() {
    let Some(app) = TestApp::spawn(pingan_store::Engine::Sqlite).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let worker = app.first_username("grid_worker").await;
    let grid_code = worker.strip_prefix("grid.").unwrap().to_owned();
    let api = app.login(&worker).await;
    let (status, filed) = api
        .post(
            "/api/v1/appeals",
            &serde_json::json!({"text": "邻居在两家之间的通道上堆放杂物,多次协商不成", "category": "A01", "channel": "patrol",
                   "region_code": grid_code, "reporter_name": "张建国", "reporter_phone": "13800138000"}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{filed}");

    staff_login(&browser, &app, &worker).await;
    // The figures before: nothing closed yet, so no success rate.
    browser.goto(&app.url("/mediation/figures")).await.unwrap();
    let rate = browser.wait().for_element(Locator::Css("#figures-total td[data-figure='4']")).await.unwrap();
    assert_eq!(rate.text().await.unwrap(), "—");
    browser.goto(&app.url(&format!("/appeals/{}", filed["id"]))).await.unwrap();
    browser.wait().for_element(Locator::Id("to-mediation")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("mediation-form")).await.unwrap();
    for (name, value) in [
        ("respondent_name", "李四"),
        ("respondent_id_number", "11010519491231002X"),
        ("respondent_phone", "13900139000"),
    ] {
        browser.find(Locator::Css(&format!("[name='{name}']"))).await.unwrap().send_keys(value).await.unwrap();
    }
    browser.find(Locator::Css("[name='consent_respondent']")).await.unwrap().click().await.unwrap();
    shot(&browser, "mediation-new").await;
    browser.find(Locator::Id("open-mediation")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("case-state")).await.unwrap();
    assert_eq!(state_text(&browser).await, "已受理");
    let parties = browser.find(Locator::Id("parties")).await.unwrap().text().await.unwrap();
    assert!(parties.contains("110105********002X") && !parties.contains("11010519491231002X"), "{parties}");
    assert!(parties.contains("138****8000"), "the reporter is the applicant: {parties}");

    // Evidence: a photo of the blocked passage, described, from the applicant.
    let files = tempfile::tempdir().unwrap();
    let photo_path = files.path().join("通道照片.png");
    std::fs::write(&photo_path, common::png(10, 7, [90, 90, 90])).unwrap();
    browser.find(Locator::Css("#evidence-add summary")).await.unwrap().click().await.unwrap();
    let form = browser.find(Locator::Id("evidence-form")).await.unwrap();
    form.find(Locator::Css("[name='description']")).await.unwrap().send_keys("通道堆放杂物现场照片").await.unwrap();
    form.find(Locator::Css("[name='photos']")).await.unwrap().send_keys(photo_path.to_str().unwrap()).await.unwrap();
    let before = browser.find(Locator::Id("case-state")).await.unwrap().element_id();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    wait_for_new_page(&browser, before).await;
    let evidence = browser.find(Locator::Id("evidence-list")).await.unwrap().text().await.unwrap();
    assert!(evidence.contains("通道堆放杂物现场照片") && evidence.contains("申请人提供"), "{evidence}");
    let drawn = "var i = document.querySelector('#evidence-list img'); return i && i.complete ? i.naturalWidth : null;";
    let mut width = None;
    for _ in 0..200 {
        width = browser.execute(drawn, vec![]).await.unwrap().as_u64();
        if width.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(width, Some(10), "the evidence photo is drawn through its authorised download");

    // The suggested mediator is preselected; two sessions; the agreement.
    case_action(&browser, "assign", &[]).await;
    let session =
        [("place", "社区调解室"), ("attendees", "张建国、李四、调解员"), ("record", "双方陈述,调解员释法说理")];
    case_action(&browser, "session", &session).await;
    assert_eq!(state_text(&browser).await, "调解中");
    case_action(&browser, "session", &session).await;
    browser
        .execute(
            "document.querySelector(\"details[data-action='agree'] [name='performance_due']\").value = '2099-12-31';",
            vec![],
        )
        .await
        .unwrap();
    case_action(
        &browser,
        "agree",
        &[("terms", "李四于三日内清理通道杂物,今后不再堆放"), ("performance_manner", "李四自行清理")],
    )
    .await;
    assert_eq!(state_text(&browser).await, "调解成功");
    let case_url = browser.current_url().await.unwrap();
    let timeline = browser.find(Locator::Id("timeline")).await.unwrap().text().await.unwrap();
    assert_eq!(timeline.matches("调解,参加人").count(), 2, "{timeline}");
    shot(&browser, "mediation-agreed").await;

    // The printable agreement: statutory parts, masked parties, copies for each party and the committee.
    browser.find(Locator::Id("agreement-html")).await.unwrap().click().await.unwrap();
    let parties = browser.wait().for_element(Locator::Id("agreement-parties")).await.unwrap().text().await.unwrap();
    assert!(
        parties.contains("李四") && parties.contains("110105********002X") && parties.contains("139****9000"),
        "{parties}"
    );
    let terms = browser.find(Locator::Id("agreement-terms")).await.unwrap().text().await.unwrap();
    assert!(terms.contains("清理通道杂物"), "{terms}");
    assert_eq!(browser.find(Locator::Id("agreement-copies")).await.unwrap().text().await.unwrap(), "3");
    shot(&browser, "mediation-agreement").await;
    // The PDF, downloaded with the browser's own session: Chinese text, parties masked.
    browser.back().await.unwrap();
    browser.wait().for_element(Locator::Id("agreement-pdf")).await.unwrap();
    let res = download_link(&browser, &app, "agreement-pdf").await;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    let text: String =
        pdf_extract::extract_text_from_mem(&pdf).unwrap().chars().filter(|c| !c.is_whitespace()).collect();
    for expected in ["人民调解协议书", "李四", "110105********002X", "139****9000", "清理通道杂物", "一式3份"]
    {
        assert!(text.contains(expected), "{expected} not in the PDF: {text}");
    }
    assert!(!text.contains("11010519491231002X"), "the full ID number never reaches the PDF");

    // The figures: one case, successful, resolved at village level.
    browser.goto(&app.url("/mediation/figures")).await.unwrap();
    let rate = browser.wait().for_element(Locator::Css("#figures-total td[data-figure='4']")).await.unwrap();
    assert_eq!(rate.text().await.unwrap(), "100.0%");
    let village = browser.find(Locator::Css("#figures-total td[data-figure='5']")).await.unwrap();
    assert_eq!(village.text().await.unwrap(), "100.0%");
    shot(&browser, "mediation-figures").await;
    // The export, downloaded with the browser's session: the same total in Excel.
    let res = download_link(&browser, &app, "figures-export").await;
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("readable");
    let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
    assert!(cells.iter().any(|c| c.contains("合计")), "{cells:?}");

    // The mediator's record, from the case: the agreement counts for them.
    browser.goto(case_url.as_str()).await.unwrap();
    browser.wait().for_element(Locator::Id("case-mediator")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("mediator-name")).await.unwrap();
    let record = browser.find(Locator::Css("#figures tbody tr:last-child")).await.unwrap().text().await.unwrap();
    assert!(record.contains("100.0%"), "{record}");
    shot(&browser, "mediation-mediator").await;
    // The brands page lists the demo city's brands by tier.
    browser.goto(&app.url("/mediation/brands")).await.unwrap();
    let first = browser.wait().for_element(Locator::Css("table.brands a")).await.unwrap();
    first.click().await.unwrap();
    browser.wait().for_element(Locator::Id("brand-summary")).await.unwrap();
    browser.find(Locator::Id("figures")).await.unwrap();
    shot(&browser, "mediation-brand").await;

    // The township's dispatcher registers a studio, makes it the township's brand and gives it
    // a mediator, all from the pages.
    staff_login(&browser, &app, &format!("dispatch.{}000", &grid_code[..9])).await;
    browser.goto(&app.url("/mediation/brands")).await.unwrap();
    browser.wait().for_element(Locator::Css("#studio-add summary")).await.unwrap().click().await.unwrap();
    let form = browser.find(Locator::Id("studio-form")).await.unwrap();
    form.find(Locator::Css("[name='name']")).await.unwrap().send_keys("老娘舅调解工作室").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let edit = browser.wait().for_element(Locator::Id("brand-form")).await.unwrap();
    let set = |name: &'static str, value: &'static str| {
        let script = format!(
            "var f = document.getElementById('brand-form').elements['{name}']; \
             if (f.tagName === 'SELECT') {{ for (const o of f.options) {{ if (o.text === '{value}' || o.value === '{value}') f.value = o.value; }} }} \
             else {{ f.value = '{value}'; }}"
        );
        let browser = browser.clone();
        async move { browser.execute(&script, vec![]).await.unwrap() }
    };
    set("name", "老娘舅调解工作室").await;
    set("kind", "studio").await;
    set("body_org_id", "老娘舅调解工作室").await;
    set("summary", "老娘舅带队调解婚姻家庭纠纷,重在亲情疏导,调后必回访。").await;
    edit.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let name = browser.wait().for_element(Locator::Id("brand-name")).await.unwrap().text().await.unwrap();
    assert!(name.contains("老娘舅调解工作室") && name.contains("一乡一特色"), "{name}");
    browser.find(Locator::Css("#mediator-add summary")).await.unwrap().click().await.unwrap();
    let form = browser.find(Locator::Id("mediator-form")).await.unwrap();
    form.find(Locator::Css("[name='name']")).await.unwrap().send_keys("赵老娘舅").await.unwrap();
    form.find(Locator::Css("[value='marriage_family']")).await.unwrap().click().await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    for _ in 0..200 {
        // Between the submit and the next page the roster may not exist: look again.
        let roster = match browser.find(Locator::Id("brand-mediators")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if roster.contains("赵老娘舅") {
            assert!(roster.contains("婚姻家庭纠纷"), "{roster}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let roster = browser.find(Locator::Id("brand-mediators")).await.unwrap().text().await.unwrap();
    assert!(roster.contains("赵老娘舅"), "{roster}");
    shot(&browser, "mediation-studio").await;
    browser.close().await.unwrap();
}

/// Submit the form `form` and wait for the application page that follows it.
async fn submit_on_application(browser: &fantoccini::Client, form: &fantoccini::elements::Element) {
    let before = browser.find(Locator::Id("app-state")).await.unwrap().element_id();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    for _ in 0..400 {
        if let Ok(now) = browser.find(Locator::Id("app-state")).await
            && now.element_id() != before
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the application page did not come back after the form");
}

async fn app_state(browser: &fantoccini::Client) -> String {
    browser.find(Locator::Id("app-state")).await.unwrap().text().await.unwrap()
}

/// Score every task of the scorecard in the column `form_class` (`score-form` for the
/// self-assessment, `inspect-form` on site), `short` points below the maximum in all.
async fn score_every_task(browser: &fantoccini::Client, form_class: &str, short: u32) {
    let rows = browser.find_all(Locator::Css("#scorecard tr[data-task]")).await.unwrap();
    let mut codes = Vec::new();
    for r in rows {
        codes.push(r.attr("data-task").await.unwrap().unwrap());
    }
    let mut short = short;
    for code in codes {
        let form = browser.find(Locator::Css(&format!("tr[data-task='{code}'] form.{form_class}"))).await.unwrap();
        let input = form.find(Locator::Css("[name='points']")).await.unwrap();
        let max: u32 = input.attr("max").await.unwrap().unwrap().parse().unwrap();
        let cut = short.min(max);
        short -= cut;
        input.clear().await.unwrap();
        input.send_keys(&(max - cut).to_string()).await.unwrap();
        submit_on_application(browser, &form).await;
    }
}

/// Record an incident at the unit named `unit` from the register page.
async fn record_incident_at(
    browser: &fantoccini::Client,
    app: &TestApp,
    unit: &str,
    kind: &str,
    severity: &str,
    summary: &str,
) {
    browser.goto(&app.url("/safety/incidents")).await.unwrap();
    let search = browser.wait().for_element(Locator::Id("unit-search")).await.unwrap();
    search.find(Locator::Css("[name='q']")).await.unwrap().send_keys(unit).await.unwrap();
    search.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Css("#units-found a")).await.unwrap().click().await.unwrap();
    assert_eq!(browser.wait().for_element(Locator::Id("chosen-unit")).await.unwrap().text().await.unwrap(), unit);
    let script = format!(
        "var f = document.getElementById('incident-form'); f.elements['kind'].value = '{kind}'; \
         f.elements['severity'].value = '{severity}';"
    );
    browser.execute(&script, vec![]).await.unwrap();
    let form = browser.find(Locator::Id("incident-form")).await.unwrap();
    form.find(Locator::Css("[name='summary']")).await.unwrap().send_keys(summary).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    // Wait for the new page's row itself: the old page may still be showing earlier incidents.
    let xpath = format!("//table[@id='incident-list']//td[contains(., '{summary}')]");
    browser.wait().for_element(Locator::XPath(&xpath)).await.unwrap();
}

/// The 平安单位 loop in Chromium: a school's contact applies and self-assesses item by item with
/// evidence files, the county education bureau returns nothing and accepts, scores on site on a
/// phone-sized window, the 平安办 concludes; a fire recorded at the school is proposed and, once
/// confirmed, lowers the score; the title is awarded, and a veto event revokes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_earns_and_loses_its_safe_unit_title_in_chromium() {
    let Some(app) = TestApp::spawn(pingan_store::Engine::Sqlite).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let admin = app.login("admin").await;
    let (_, county) = admin.get("/api/v1/regions/2").await;
    let county = county["region"]["code"].as_str().unwrap().to_owned();
    let (_, schools) = admin.get("/api/v1/orgs?industry=I01&region_id=2&per_page=200").await;
    let school = schools["items"].as_array().unwrap().iter().min_by_key(|o| o["id"].as_i64()).unwrap().clone();
    let school_name = school["name"].as_str().unwrap().to_owned();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let (status, campaign) = admin
        .post(
            "/api/v1/safety/campaigns",
            &serde_json::json!({"kind": "safe_unit", "name": "平安单位创建", "year": chrono::Datelike::year(&today),
                    "apply_until": (today + chrono::Duration::days(30)).to_string()}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{campaign}");

    // The school's contact applies from the campaign list, then scores every task.
    staff_login(&browser, &app, &format!("unit.{}", school["id"])).await;
    browser.goto(&app.url("/safety")).await.unwrap();
    browser.wait().for_element(Locator::Css("#campaigns button.apply")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("app-state")).await.unwrap();
    assert_eq!(app_state(&browser).await, "自评中");
    score_every_task(&browser, "score-form", 0).await;
    assert_eq!(browser.find(Locator::Id("self-total")).await.unwrap().text().await.unwrap(), "100");
    shot(&browser, "safety-self-assessment").await;
    // Submitting before the evidence is there is refused, naming the tasks.
    let submit = browser.find(Locator::Id("submit-form")).await.unwrap();
    submit_on_application(&browser, &submit).await;
    let error = browser.find(Locator::Id("app-error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("佐证材料"), "{error}");
    let files = tempfile::tempdir().unwrap();
    let photo = files.path().join("制度文件.png");
    std::fs::write(&photo, common::png(6, 6, [30, 120, 200])).unwrap();
    let needing = browser.find_all(Locator::Css("#scorecard tr[data-task] form.evidence-form")).await.unwrap().len();
    assert_eq!(needing, 21, "every task can take files while the unit edits");
    let required: Vec<String> = {
        let (_, t) = admin.get("/api/v1/safety/templates/safe_unit").await;
        t["template"]["positive"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|c| c["tasks"].as_array().unwrap().clone())
            .filter(|t| t["evidence_required"] == true)
            .map(|t| t["code"].as_str().unwrap().to_owned())
            .collect()
    };
    for code in &required {
        let form = browser.find(Locator::Css(&format!("tr[data-task='{code}'] form.evidence-form"))).await.unwrap();
        form.find(Locator::Css("[name='photos']")).await.unwrap().send_keys(photo.to_str().unwrap()).await.unwrap();
        submit_on_application(&browser, &form).await;
    }
    let linked = browser.find_all(Locator::Css("#scorecard td.files a.file")).await.unwrap().len();
    assert_eq!(linked, required.len());
    let submit = browser.find(Locator::Id("submit-form")).await.unwrap();
    submit_on_application(&browser, &submit).await;
    assert_eq!(app_state(&browser).await, "待审核");
    let url = browser.current_url().await.unwrap().to_string();
    let url = url.split('#').next().unwrap().to_owned();

    // The county education bureau reviews and accepts, then scores on site: 90 points.
    staff_login(&browser, &app, &format!("dept.{county}.jiaoyu")).await;
    browser.goto(&url).await.unwrap();
    let review = browser.wait().for_element(Locator::Id("review-form")).await.unwrap();
    review.find(Locator::Css("[name='comment']")).await.unwrap().send_keys("材料齐全,同意验收").await.unwrap();
    submit_on_application(&browser, &review).await;
    assert_eq!(app_state(&browser).await, "待验收");
    score_every_task(&browser, "inspect-form", 10).await;
    assert_eq!(browser.find(Locator::Id("inspected-total")).await.unwrap().text().await.unwrap(), "90");
    let conclude = browser.find(Locator::Id("conclude-form")).await.unwrap();
    conclude
        .find(Locator::Css("[name='team']"))
        .await
        .unwrap()
        .send_keys("县平安办、县教育局联合验收组")
        .await
        .unwrap();
    submit_on_application(&browser, &conclude).await;
    assert_eq!(app_state(&browser).await, "公示中");
    assert_eq!(browser.find(Locator::Id("result-total")).await.unwrap().text().await.unwrap(), "90");
    shot(&browser, "safety-publicised").await;

    // A fire at the school, recorded by the fire brigade: proposed, not yet deducted.
    staff_login(&browser, &app, &format!("dept.{county}.xiaofang")).await;
    record_incident_at(&browser, &app, &school_name, "fire", "ordinary", "食堂油锅起火,当即扑灭").await;
    shot(&browser, "safety-incidents").await;
    staff_login(&browser, &app, &format!("dept.{county}.jiaoyu")).await;
    browser.goto(&url).await.unwrap();
    let proposal = browser.wait().for_element(Locator::Css("#proposal-list tr[data-status='proposed']")).await.unwrap();
    assert!(proposal.text().await.unwrap().contains("N09 火灾事故"));
    assert_eq!(browser.find(Locator::Id("result-total")).await.unwrap().text().await.unwrap(), "90");
    let confirm = proposal.find(Locator::Css("form.confirm-form")).await.unwrap();
    submit_on_application(&browser, &confirm).await;
    assert_eq!(browser.find(Locator::Id("result-total")).await.unwrap().text().await.unwrap(), "88");
    assert_eq!(app_state(&browser).await, "公示中");

    // The notice period passes (moved back instead of waiting); the 平安办 awards the title.
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query(
        "UPDATE safety_applications SET snapshot = json_set(snapshot, '$.notice_until', $1) WHERE id = $2"
    )
    .bind(&yesterday)
    .bind(id)
    .execute(pool)
    .await
    .map(|r| r.rows_affected()))
    .unwrap();
    staff_login(&browser, &app, &format!("dept.{county}.zhengfa")).await;
    browser.goto(&url).await.unwrap();
    let award = browser.wait().for_element(Locator::Id("award-form")).await.unwrap();
    submit_on_application(&browser, &award).await;
    assert_eq!(app_state(&browser).await, "已授牌");
    shot(&browser, "safety-awarded").await;
    // The printable certificate.
    browser.find(Locator::Id("certificate")).await.unwrap().click().await.unwrap();
    let unit = browser.wait().for_element(Locator::Id("certificate-unit")).await.unwrap().text().await.unwrap();
    assert_eq!(unit, school_name);
    shot(&browser, "safety-certificate").await;

    // A major criminal case at the school proposes the veto; confirmed, the title is revoked.
    staff_login(&browser, &app, &format!("dept.{county}.gongan")).await;
    record_incident_at(&browser, &app, &school_name, "criminal", "major", "校内发生故意伤害致人重伤案件").await;
    staff_login(&browser, &app, &format!("dept.{county}.zhengfa")).await;
    browser.goto(&url).await.unwrap();
    let veto = browser
        .wait()
        .for_element(Locator::Css("#proposal-list tr[data-list='veto'][data-status='proposed']"))
        .await
        .unwrap();
    let confirm = veto.find(Locator::Css("form.confirm-form")).await.unwrap();
    submit_on_application(&browser, &confirm).await;
    assert_eq!(app_state(&browser).await, "已撤销");
    let ended = browser.find(Locator::Id("app-ended")).await.unwrap().text().await.unwrap();
    assert!(ended.contains("一票否决"), "{ended}");
    assert_eq!(browser.find(Locator::Id("result-outcome")).await.unwrap().text().await.unwrap(), "取消资格");
    shot(&browser, "safety-revoked").await;
    browser.close().await.unwrap();
}

/// A consumer on a phone looks a gym up before buying (no sign-in), then checks the receipt
/// of the card they bought against the ledger; the county's regulator sees the merchant on
/// the board after a stop order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consumer_looks_up_a_merchant_and_checks_a_receipt_in_chromium() {
    use serde_json::json;
    let Some(app) = TestApp::spawn(pingan_store::Engine::Sqlite).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let admin = app.login("admin").await;
    let regulator = app.login("dept.371402.shichang").await;
    let licence = pingan_domain::prepaid::CreditCode::with_check("91371402MA0000077").unwrap().as_str().to_owned();
    let (status, m) = regulator
        .post(
            "/api/v1/prepaid/merchants",
            &json!({ "licence": licence, "name": "德州市悦动健身有限公司", "brand": "悦动健身", "legal_rep": "刘洋",
                     "industry": "fitness", "issuer_type": "brand", "opened_on": "2021-06-01", "region_id": 2 }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{m}");
    let id = m["id"].as_i64().unwrap();
    regulator
        .post(&format!("/api/v1/prepaid/merchants/{id}/products"), &json!({ "code": "Y1", "name": "年卡", "kind": "period", "price_fen": 198000, "period_days": 365, "terms": "未使用部分可退" }))
        .await;
    let token = |v: serde_json::Value| v["token"].as_str().unwrap().to_owned();
    let bank = token(admin.post("/api/v1/prepaid/clients", &json!({ "name": "存管银行" })).await.1);
    let pos =
        token(regulator.post("/api/v1/prepaid/clients", &json!({ "name": "前台收银", "merchant_id": id })).await.1);
    let send = |token: String, key: &'static str, body: serde_json::Value| {
        let req = app
            .client()
            .post(app.url("/api/v1/prepaid/flows"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move { req.send().await.unwrap().json::<serde_json::Value>().await.unwrap() }
    };
    send(bank, "d1", json!({ "merchant": licence, "kind": "escrow_deposit", "amount_fen": 300000 })).await;
    let sold = send(
        pos,
        "s1",
        json!({ "merchant": licence, "kind": "sale", "card_no": "YD-0001", "product": "Y1", "amount": "1980" }),
    )
    .await;
    let receipt = sold["receipt"].as_str().expect("a receipt").to_owned();

    // The consumer, not signed in: search, read the grade and the escrow band.
    browser.goto(&app.url("/prepaid/public")).await.unwrap();
    browser.find(Locator::Css("#public-search input[name=q]")).await.unwrap().send_keys("悦动").await.unwrap();
    browser.find(Locator::Css("#public-search button")).await.unwrap().click().await.unwrap();
    let card =
        browser.wait().for_element(Locator::Css(&format!(".public-merchant[data-licence='{licence}']"))).await.unwrap();
    let text = card.text().await.unwrap();
    assert!(text.contains("悦动健身") && text.contains("A级") && text.contains("充足"), "{text}");
    shot(&browser, "prepaid-public-search").await;

    // The receipt and the card number: proven in the signed checkpoint, and this card's.
    browser.find(Locator::Css("#receipt-form input[name=receipt]")).await.unwrap().send_keys(&receipt).await.unwrap();
    browser.find(Locator::Css("#receipt-form input[name=card_no]")).await.unwrap().send_keys("YD-0001").await.unwrap();
    browser.find(Locator::Css("#receipt-form button")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("receipt-verified")).await.unwrap();
    assert_eq!(browser.find(Locator::Id("receipt-balance")).await.unwrap().text().await.unwrap(), "¥1,980.00");
    browser.find(Locator::Id("card-match")).await.unwrap();
    let href = browser.find(Locator::Id("bundle-download")).await.unwrap().attr("href").await.unwrap().unwrap();
    let bundle = reqwest::get(app.url(&href)).await.unwrap().text().await.unwrap();
    assert!(pingan_ledger::bundle::check_document(&bundle, None).is_ok(), "{bundle}");
    shot(&browser, "prepaid-receipt").await;
    // A mistyped code says so on the page.
    browser.goto(&app.url("/prepaid/public?receipt=PA-1-000000000000")).await.unwrap();
    let error = browser.wait().for_element(Locator::Id("receipt-error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("没有与此凭证码相符的记录"), "{error}");

    // The regulator orders the sales stopped from the merchant's page; the public sees it.
    staff_login(&browser, &app, "dept.371402.shichang").await;
    browser.goto(&app.url(&format!("/prepaid/merchants/{id}"))).await.unwrap();
    let form = browser.wait().for_element(Locator::Id("signal-form")).await.unwrap();
    form.find(Locator::Css("select[name=kind]")).await.unwrap().select_by_value("stop_order").await.unwrap();
    form.find(Locator::Css("textarea[name=note]"))
        .await
        .unwrap()
        .send_keys("预收款增长异常,责令暂停发卡")
        .await
        .unwrap();
    form.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    let order = browser.wait().for_element(Locator::Id("stop-order")).await.unwrap().text().await.unwrap();
    assert!(order.contains("责令暂停发卡"), "{order}");
    browser.goto(&app.url("/prepaid")).await.unwrap();
    browser.wait().for_element(Locator::Id("board-total")).await.unwrap();
    shot(&browser, "prepaid-board").await;
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&app.url("/prepaid/public?q=悦动健身")).await.unwrap();
    let card = browser.wait().for_element(Locator::Css(".public-merchant")).await.unwrap().text().await.unwrap();
    assert!(card.contains("停止发卡"), "{card}");
}

/// Submit the form `#form_id` and wait for the page after it: one whose `#marker` element is
/// not the one before.
async fn submit_and_wait(browser: &fantoccini::Client, form_id: &str, marker: &str) {
    let before = browser.find(Locator::Id(marker)).await.unwrap().element_id();
    let form = browser.find(Locator::Id(form_id)).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    for _ in 0..200 {
        if let Ok(now) = browser.find(Locator::Id(marker)).await
            && now.element_id() != before
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the page did not change after submitting #{form_id}");
}

/// Set a form field by name inside `#form_id` (date inputs take their value this way in every
/// locale).
async fn set_field(browser: &fantoccini::Client, form_id: &str, name: &str, value: &str) {
    let script =
        "var f = document.getElementById(arguments[0]).elements[arguments[1]]; f.value = arguments[2]; return f.value;";
    let set = browser.execute(script, vec![form_id.into(), name.into(), value.into()]).await.unwrap();
    assert_eq!(set.as_str(), Some(value), "{form_id} {name}");
}

async fn text_of(browser: &fantoccini::Client, id: &str) -> String {
    browser.find(Locator::Id(id)).await.unwrap().text().await.unwrap()
}

/// The liaison loop in Chromium: the paired city unit records a visit whose second problem at
/// first names no unit (refused, nothing lost from the form), then both problems become tasks;
/// one goes overdue, the supervisor orders it done by a new deadline, the unit reports it done,
/// the supervisor verifies and closes it, and the liaison figures count it solved.
async fn a_liaison_problem_is_tracked_until_solved(engine: pingan_store::Engine) {
    use serde_json::json;
    let Some(app) = TestApp::spawn(engine).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let admin = app.login("admin").await;
    let gongan = app.login("dept.gongan").await;
    let unit = gongan.me["scope_org_id"].as_i64().unwrap();
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let county = counties.as_array().unwrap().iter().find(|c| c["code"] == "371402").unwrap()["id"].as_i64().unwrap();
    let (_, townships) = admin.get(&format!("/api/v1/regions?parent_id={county}")).await;
    let township = townships[0]["id"].as_i64().unwrap();
    let (_, body) = admin.get(&format!("/api/v1/orgs?kind=township_body&region_id={township}&per_page=1")).await;
    let body_id = body["items"][0]["id"].as_i64().unwrap();
    let (status, point) =
        admin.post("/api/v1/liaison/points", &json!({ "org_id": unit, "township_id": township })).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{point}");
    let point = point["id"].as_i64().unwrap();
    let cal = app.store.work_calendar().await.unwrap();
    let now = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis());
    let due = cal.add_working_days(now, 2).date().to_string();
    let later = cal.add_working_days(now, 6).date().to_string();

    staff_login(&browser, &app, "dept.gongan").await;
    browser.goto(&app.url("/liaison")).await.unwrap();
    assert_eq!(text_of(&browser, "fig-visits").await, "0");
    browser.find(Locator::Css(&format!("a[href='/liaison/points/{point}']"))).await.unwrap().click().await.unwrap();
    let form = browser.wait().for_element(Locator::Id("visit-form")).await.unwrap();
    form.find(Locator::Css("[name=people]")).await.unwrap().send_keys("张伟、李娜").await.unwrap();
    form.find(Locator::Css("[name=findings]")).await.unwrap().send_keys("走访综治中心,排查矛盾纠纷").await.unwrap();
    form.find(Locator::Css("[name=p0_title]")).await.unwrap().send_keys("村口监控点位不足").await.unwrap();
    form.find(Locator::Css("[name=p0_owner]")).await.unwrap().select_by_value(&unit.to_string()).await.unwrap();
    set_field(&browser, "visit-form", "p0_due", &due).await;
    form.find(Locator::Css("[name=p1_title]")).await.unwrap().send_keys("调解室设施老旧").await.unwrap();
    set_field(&browser, "visit-form", "p1_due", &later).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let error = browser.wait().for_element(Locator::Id("visit-error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("problems[1].owner_org_id") && error.contains("请指定责任单位"), "{error}");
    shot(&browser, "liaison-visit-refused").await;
    // Nothing was written and nothing typed was lost.
    let tasks: i64 =
        pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar("SELECT count(*) FROM tasks")
            .fetch_one(pool)
            .await)
        .unwrap();
    assert_eq!(tasks, 0);
    let form = browser.find(Locator::Id("visit-form")).await.unwrap();
    let kept = form.find(Locator::Css("[name=p1_title]")).await.unwrap().prop("value").await.unwrap();
    assert_eq!(kept.as_deref(), Some("调解室设施老旧"));
    form.find(Locator::Css("[name=p1_owner]")).await.unwrap().select_by_value(&body_id.to_string()).await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let visit = browser.wait().for_element(Locator::Css("section.visit")).await.unwrap().text().await.unwrap();
    assert!(visit.contains("村口监控点位不足") && visit.contains("调解室设施老旧"), "{visit}");
    shot(&browser, "liaison-visit").await;

    // The first problem's task; its deadline passes.
    browser.find(Locator::LinkText("村口监控点位不足")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Id("task-state")).await.unwrap();
    let task_url = browser.current_url().await.unwrap().to_string();
    assert_eq!(text_of(&browser, "task-state").await, "办理中");
    let week_later = chrono::Utc::now().timestamp_millis() + 7 * 86_400_000;
    assert_eq!(app.store.run_task_deadlines(week_later, 100).await.unwrap(), 1);
    browser.refresh().await.unwrap();
    browser.wait().for_element(Locator::Id("task-overdue")).await.unwrap();

    // The supervisor finds it among the overdue, and orders it done by a new deadline.
    staff_login(&browser, &app, "supervisor").await;
    browser.goto(&app.url("/tasks?tab=overdue")).await.unwrap();
    let row = browser.wait().for_element(Locator::Css("#task-list tr[data-overdue='1']")).await.unwrap();
    assert!(row.text().await.unwrap().contains("村口监控点位不足"));
    browser.goto(&task_url).await.unwrap();
    let form = browser.wait().for_element(Locator::Id("task-supervise")).await.unwrap();
    form.find(Locator::Css("textarea[name=note]")).await.unwrap().send_keys("请于新期限前完成整改").await.unwrap();
    set_field(&browser, "task-supervise", "new_due_date", &later).await;
    submit_and_wait(&browser, "task-supervise", "task-state").await;
    assert!(text_of(&browser, "task-supervised").await.contains('1'));
    assert!(browser.find(Locator::Id("task-overdue")).await.is_err(), "a new deadline lifts the overdue mark");
    assert!(text_of(&browser, "task-due").await.starts_with(&later));
    shot(&browser, "task-supervised").await;

    // The unit reports it done; the supervisor verifies and closes it.
    staff_login(&browser, &app, "dept.gongan").await;
    browser.goto(&task_url).await.unwrap();
    let form = browser.wait().for_element(Locator::Id("task-report")).await.unwrap();
    form.find(Locator::Css("textarea[name=note]")).await.unwrap().send_keys("新增监控点位 3 个").await.unwrap();
    submit_and_wait(&browser, "task-report", "task-state").await;
    assert_eq!(text_of(&browser, "task-state").await, "待核验");
    staff_login(&browser, &app, "supervisor").await;
    browser.goto(&task_url).await.unwrap();
    let form = browser.wait().for_element(Locator::Id("task-confirm")).await.unwrap();
    form.find(Locator::Css("textarea[name=note]")).await.unwrap().send_keys("现场核验属实").await.unwrap();
    submit_and_wait(&browser, "task-confirm", "task-state").await;
    assert_eq!(text_of(&browser, "task-state").await, "已办结");
    let events = text_of(&browser, "task-events").await;
    for step in ["交办", "逾期", "督办", "报结", "核验办结"] {
        assert!(events.contains(step), "{step} in {events}");
    }
    shot(&browser, "task-closed").await;

    browser.goto(&app.url("/liaison")).await.unwrap();
    assert_eq!(text_of(&browser, "fig-visits").await, "1");
    assert_eq!(text_of(&browser, "fig-problems").await, "2");
    assert_eq!(text_of(&browser, "fig-solved").await, "1");
    shot(&browser, "liaison-figures").await;
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liaison_problem_is_tracked_until_solved_in_chromium_sqlite() {
    a_liaison_problem_is_tracked_until_solved(pingan_store::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liaison_problem_is_tracked_until_solved_in_chromium_postgres() {
    a_liaison_problem_is_tracked_until_solved(pingan_store::Engine::Postgres).await;
}

/// 在职党员社区报到 and 微心愿 in Chromium: a resident registers from the phone page (the
/// community found from the phone's position), the community's cadre confirms on the staff page
/// and posts a patrol call in one of its grids, the member signs up, checks in on site and sees
/// the hours credited; a neighbour's wish is claimed and fulfilled by the member and confirmed
/// by the neighbour; the roster shows the member masked.
async fn a_party_member_reports_in_and_earns_hours(engine: pingan_store::Engine) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let (grid, (lon, lat)) = grids[0];
    let gongan = app.login("dept.gongan").await;
    let unit = gongan.me["scope_org_id"].as_i64().unwrap();

    // The resident registers; the position puts them in the community.
    citizen_login(&browser, &app, "13900139001").await;
    browser.goto(&app.url("/citizen/party")).await.unwrap();
    let form = browser.wait().for_element(Locator::Id("register-form")).await.unwrap();
    form.find(Locator::Css("[name=name]")).await.unwrap().send_keys("王建国").await.unwrap();
    form.find(Locator::Css("[name=work_org_id]")).await.unwrap().select_by_value(&unit.to_string()).await.unwrap();
    form.find(Locator::Css("[name=post_patrol]")).await.unwrap().click().await.unwrap();
    set_field(&browser, "register-form", "lon", &lon.to_string()).await;
    set_field(&browser, "register-form", "lat", &lat.to_string()).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let state = browser.wait().for_element(Locator::Id("member-state")).await.unwrap();
    assert_eq!(state.text().await.unwrap(), "待社区确认");
    shot(&browser, "party-registered").await;

    // The community's cadre confirms it and posts a patrol call in the grid.
    staff_login(&browser, &app, &format!("cadre.{code}")).await;
    browser.goto(&app.url("/party")).await.unwrap();
    let row = browser.wait().for_element(Locator::Css("#member-list tr[data-state='pending']")).await.unwrap();
    assert!(row.text().await.unwrap().contains("王建国"));
    row.find(Locator::Css("button[value=confirm]")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Css("#member-list tr[data-state='confirmed']")).await.unwrap();
    let form = browser.find(Locator::Id("call-form")).await.unwrap();
    form.find(Locator::Css("[name=title]")).await.unwrap().send_keys("夜间治安巡逻").await.unwrap();
    form.find(Locator::Css("[name=grid_id]")).await.unwrap().select_by_value(&grid.to_string()).await.unwrap();
    let starts = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis() + 20 * 60_000);
    set_field(&browser, "call-form", "starts_at", &starts.format("%Y-%m-%dT%H:%M").to_string()).await;
    form.find(Locator::Css("[name=hours]")).await.unwrap().send_keys("2").await.unwrap();
    form.find(Locator::Css("[name=capacity]")).await.unwrap().send_keys("5").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let calls = browser.wait().for_element(Locator::Id("call-list")).await.unwrap().text().await.unwrap();
    assert!(calls.contains("夜间治安巡逻"), "{calls}");
    shot(&browser, "party-staff").await;

    // The member signs up, checks in on site, and sees the hours.
    citizen_login(&browser, &app, "13900139001").await;
    browser.goto(&app.url("/citizen/party")).await.unwrap();
    assert_eq!(browser.wait().for_element(Locator::Id("member-state")).await.unwrap().text().await.unwrap(), "已报到");
    let call = browser.find(Locator::Css("section.call")).await.unwrap();
    call.find(Locator::Css("form[id^=signup] button")).await.unwrap().click().await.unwrap();
    let checkin = browser.wait().for_element(Locator::Css("form.checkin-form")).await.unwrap();
    let form_id = checkin.attr("id").await.unwrap().unwrap();
    // Standing in the next grid first: refused, with the reason.
    let (other_lon, other_lat) = grids[1].1;
    set_field(&browser, &form_id, "lon", &other_lon.to_string()).await;
    set_field(&browser, &form_id, "lat", &other_lat.to_string()).await;
    checkin.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    let error = browser.wait().for_element(Locator::Id("party-error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("不在活动网格内"), "{error}");
    let checkin = browser.find(Locator::Css("form.checkin-form")).await.unwrap();
    set_field(&browser, &form_id, "lon", &lon.to_string()).await;
    set_field(&browser, &form_id, "lat", &lat.to_string()).await;
    checkin.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Css("[id^=checked-in-]")).await.unwrap();
    assert_eq!(text_of(&browser, "member-hours").await, "2.0");
    shot(&browser, "party-checked-in").await;

    // 微心愿: a neighbour posts a wish; the member claims and fulfils it; the neighbour confirms.
    citizen_login(&browser, &app, "13900139002").await;
    browser.goto(&app.url("/citizen/wishes")).await.unwrap();
    let form = browser.wait().for_element(Locator::Id("wish-form")).await.unwrap();
    form.find(Locator::Css("[name=title]")).await.unwrap().send_keys("需要一台轮椅").await.unwrap();
    form.find(Locator::Css("[name=kind]")).await.unwrap().select_by_value("goods").await.unwrap();
    set_field(&browser, "wish-form", "lon", &lon.to_string()).await;
    set_field(&browser, "wish-form", "lat", &lat.to_string()).await;
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let wish = browser.wait().for_element(Locator::Css("section.wish[data-state='open']")).await.unwrap();
    let wish_id = wish.attr("id").await.unwrap().unwrap();
    citizen_login(&browser, &app, "13900139001").await;
    browser.goto(&app.url("/citizen/wishes")).await.unwrap();
    let claim = browser.wait().for_element(Locator::Css(&format!("#{wish_id} form[id^=claim] button"))).await.unwrap();
    claim.click().await.unwrap();
    let fulfil = browser.wait().for_element(Locator::Css(&format!("#{wish_id} form[id^=fulfil]"))).await.unwrap();
    fulfil.find(Locator::Css("textarea[name=proof]")).await.unwrap().send_keys("已将轮椅送到家中").await.unwrap();
    fulfil.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Css(&format!("#{wish_id}[data-state='fulfilled']"))).await.unwrap();
    citizen_login(&browser, &app, "13900139002").await;
    browser.goto(&app.url("/citizen/wishes")).await.unwrap();
    let mine = browser.wait().for_element(Locator::Css(&format!("#{wish_id}"))).await.unwrap().text().await.unwrap();
    assert!(mine.contains("已将轮椅送到家中") && mine.contains("王*"), "{mine}");
    browser.find(Locator::Css(&format!("#{wish_id} form[id^=confirm] button"))).await.unwrap().click().await.unwrap();
    let done = browser.wait().for_element(Locator::Css(&format!("#{wish_id}[data-state='confirmed']"))).await.unwrap();
    assert!(done.text().await.unwrap().contains("已圆梦"));
    shot(&browser, "wish-confirmed").await;

    // The public roster: masked.
    browser.delete_all_cookies().await.unwrap();
    browser.goto(&app.url(&format!("/party/roster/{community}"))).await.unwrap();
    let roster = browser.wait().for_element(Locator::Id("roster")).await.unwrap().text().await.unwrap();
    assert!(roster.contains("王**") && !roster.contains("王建国"), "{roster}");
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_member_reports_in_and_earns_hours_in_chromium_sqlite() {
    a_party_member_reports_in_and_earns_hours(pingan_store::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_party_member_reports_in_and_earns_hours_in_chromium_postgres() {
    a_party_member_reports_in_and_earns_hours(pingan_store::Engine::Postgres).await;
}

/// 志愿者 in Chromium: the community's cadre starts a team; a resident finds it from the phone's
/// position and asks to join; the cadre confirms and posts an activity in one of the community's
/// grids; the volunteer signs up, is refused a check-in from the next grid, checks in on site
/// and sees the hours credited and the membership confirmed.
async fn a_volunteer_joins_a_team_and_earns_hours(engine: pingan_store::Engine) {
    let Some(app) = TestApp::spawn(engine).await else { return };
    let Some((_driver, browser)) = start_browser().await else { return };
    let admin = app.login("admin").await;
    let (community, code, grids) = common::village_with_grids(&app, &admin).await;
    let (grid, (lon, lat)) = grids[0];

    // The cadre starts a team in the community.
    staff_login(&browser, &app, &format!("cadre.{code}")).await;
    browser.goto(&app.url("/volunteers")).await.unwrap();
    browser.wait().for_element(Locator::Css("#team-form")).await.unwrap();
    browser.find(Locator::Css("details:has(#team-form) > summary")).await.unwrap().click().await.unwrap();
    let form = browser.find(Locator::Id("team-form")).await.unwrap();
    form.find(Locator::Css("[name=name]")).await.unwrap().send_keys("幸福里平安志愿服务队").await.unwrap();
    form.find(Locator::Css("[name=kind]")).await.unwrap().select_by_value("patrol").await.unwrap();
    form.find(Locator::Css("[name=region_id]")).await.unwrap().select_by_value(&community.to_string()).await.unwrap();
    form.find(Locator::Css("[name=leader]")).await.unwrap().send_keys("刘志强").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let team = browser.wait().for_element(Locator::Css("#team-list tr[id^=team-]")).await.unwrap();
    assert!(team.text().await.unwrap().contains("幸福里平安志愿服务队"));
    let team_id = team.attr("id").await.unwrap().unwrap().trim_start_matches("team-").to_owned();

    // A resident finds it from where they stand and asks to join.
    citizen_login(&browser, &app, "13900139011").await;
    browser.goto(&app.url("/citizen/volunteers")).await.unwrap();
    browser.wait().for_element(Locator::Id("find-teams")).await.unwrap();
    set_field(&browser, "find-teams", "lon", &lon.to_string()).await;
    set_field(&browser, "find-teams", "lat", &lat.to_string()).await;
    browser.find(Locator::Css("#find-teams button")).await.unwrap().click().await.unwrap();
    let join = browser.wait().for_element(Locator::Css("form[id^=join-]")).await.unwrap();
    join.find(Locator::Css("[name=name]")).await.unwrap().send_keys("陈晓雨").await.unwrap();
    join.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Css(".membership[data-state='pending']")).await.unwrap();
    shot(&browser, "volunteer-asked").await;

    // The cadre confirms the request and posts a patrol in the first grid.
    staff_login(&browser, &app, &format!("cadre.{code}")).await;
    browser.goto(&app.url("/volunteers")).await.unwrap();
    let row = browser.wait().for_element(Locator::Css("#request-list tr[id^=vmember-]")).await.unwrap();
    assert!(row.text().await.unwrap().contains("陈晓雨"));
    let decide = row.attr("id").await.unwrap().unwrap().replace("vmember-", "vdecide-");
    submit_and_wait(&browser, &decide, "activity-form").await;
    browser.find(Locator::Css("details:has(#activity-form) > summary")).await.unwrap().click().await.unwrap();
    let form = browser.find(Locator::Id("activity-form")).await.unwrap();
    form.find(Locator::Css("[name=team_id]")).await.unwrap().select_by_value(&team_id).await.unwrap();
    form.find(Locator::Css("[name=title]")).await.unwrap().send_keys("周末治安巡逻").await.unwrap();
    form.find(Locator::Css("[name=grid_id]")).await.unwrap().select_by_value(&grid.to_string()).await.unwrap();
    let starts = pingan_domain::calendar::to_china(chrono::Utc::now().timestamp_millis() + 20 * 60_000);
    set_field(&browser, "activity-form", "starts_at", &starts.format("%Y-%m-%dT%H:%M").to_string()).await;
    form.find(Locator::Css("[name=hours]")).await.unwrap().send_keys("2").await.unwrap();
    form.find(Locator::Css("[name=capacity]")).await.unwrap().send_keys("10").await.unwrap();
    form.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
    let list = browser.wait().for_element(Locator::Id("activity-list")).await.unwrap().text().await.unwrap();
    assert!(list.contains("周末治安巡逻"), "{list}");

    // The volunteer signs up and checks in: from the next grid refused, on site credited.
    citizen_login(&browser, &app, "13900139011").await;
    browser.goto(&app.url("/citizen/volunteers")).await.unwrap();
    browser.wait().for_element(Locator::Css(".membership[data-state='confirmed']")).await.unwrap();
    browser.find(Locator::Css("form[id^=vol-signup-] button")).await.unwrap().click().await.unwrap();
    let checkin = browser.wait().for_element(Locator::Css("form[id^=vol-checkin-]")).await.unwrap();
    let form_id = checkin.attr("id").await.unwrap().unwrap();
    let (other_lon, other_lat) = grids[1].1;
    set_field(&browser, &form_id, "lon", &other_lon.to_string()).await;
    set_field(&browser, &form_id, "lat", &other_lat.to_string()).await;
    checkin.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    let error = browser.wait().for_element(Locator::Id("vol-error")).await.unwrap().text().await.unwrap();
    assert!(error.contains("不在活动网格内"), "{error}");
    let checkin = browser.find(Locator::Id(&form_id)).await.unwrap();
    set_field(&browser, &form_id, "lon", &lon.to_string()).await;
    set_field(&browser, &form_id, "lat", &lat.to_string()).await;
    checkin.find(Locator::Css("button")).await.unwrap().click().await.unwrap();
    browser.wait().for_element(Locator::Css("[id^=vol-checked-in-]")).await.unwrap();
    assert_eq!(text_of(&browser, "vol-hours").await, "2");
    shot(&browser, "volunteer-checked-in").await;
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_joins_a_team_and_earns_hours_in_chromium_sqlite() {
    a_volunteer_joins_a_team_and_earns_hours(pingan_store::Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_volunteer_joins_a_team_and_earns_hours_in_chromium_postgres() {
    a_volunteer_joins_a_team_and_earns_hours(pingan_store::Engine::Postgres).await;
}
