//! Residents' photos on the phone pages (微连心 "我要报事"), on both engines: a report with
//! photos becomes one case with its attachments; a file that is not a photo, too large a photo
//! or too many photos bring the form back with the photo field named and nothing written (no
//! case, no attachment row, no blob file); photos added to an open case; the attachments shown
//! to the resident and to staff, never on the public tracking page, and to no other resident;
//! file names hidden on a confidential case from staff who do not see the reporter; a form past
//! the body limit answered with 413 and the text kept.

use crate::common;

use common::{Session, TestApp, form_with_files as post_form, png};
use reqwest::StatusCode;

const PHONE: &str = "13500135011";
const TEXT: &str = "小区门口井盖被压坏了,晚上很危险";

/// A distinct real photo per `n`.
fn photo(n: u8) -> Vec<u8> {
    png(4, 3, [n, 128, 255 - n])
}

async fn page(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.client.get(s.url(path)).send().await.expect("get");
    (res.status(), res.text().await.unwrap_or_default())
}

async fn rows(app: &TestApp, table: &str) -> i64 {
    let sql = format!("SELECT count(*) FROM {table}");
    pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap())
}

/// Blob files under the store's directory (temp files of a write in flight included).
fn blob_files(app: &TestApp) -> usize {
    let mut n = 0;
    let mut dirs = vec![app.blob_dir.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                n += 1;
            }
        }
    }
    n
}

/// What is written: cases, attachment rows, blob files.
async fn written(app: &TestApp) -> (i64, i64, usize) {
    (rows(app, "appeals").await, rows(app, "appeal_attachments").await, blob_files(app))
}

/// The download links a page shows.
fn attachment_links(html: &str) -> Vec<String> {
    let mut links: Vec<String> = html
        .split("href=\"/api/v1/attachments/")
        .skip(1)
        .map(|s| format!("/api/v1/attachments/{}", s.split('"').next().unwrap()))
        .collect();
    links.dedup();
    links
}

/// The error shown next to the photo field.
fn photo_error(html: &str) -> String {
    let at = html.find("id=\"photos-error\"").unwrap_or_else(|| panic!("no error at the photo field: {html}"));
    let rest = &html[at..];
    rest[..rest.find("</ul>").or_else(|| rest.find("</div>")).unwrap()].to_owned()
}

async fn download(s: &Session, link: &str) -> reqwest::Response {
    s.client.get(s.url(link)).send().await.expect("download")
}

on_both_engines!(residents_report_and_add_photos_on_the_phone_pages, |app: TestApp| async move {
    let worker_name = app.first_username("grid_worker").await;
    let grid_code = worker_name.strip_prefix("grid.").unwrap().to_owned();
    let resident = app.citizen_login(PHONE).await;
    let report = [("text", TEXT), ("grid", grid_code.as_str())];

    // The form is multipart and says the limit.
    let (status, html) = page(&resident, "/citizen/report").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("enctype=\"multipart/form-data\""), "{html}");
    assert!(html.contains("name=\"photos\"") && html.contains("multiple"), "{html}");
    assert!(html.contains("最多 9 张,每张不超过 10 MiB"), "the limit is in the label");

    let before = written(&app).await;
    assert_eq!(before, (before.0, 0, 0), "no attachments yet");
    // A text file posing as a photo: the form comes back with the text, the photo field names
    // the file, and nothing at all is written — not even its good companion's blob.
    let (status, html, _) =
        post_form(&resident, "/citizen/report", &report, &[("门口.jpg", &photo(1)), ("现场.jpg", b"just notes\n")])
            .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(photo_error(&html).contains("附件「现场.jpg」不是支持的图片"), "{html}");
    assert!(!photo_error(&html).contains("门口.jpg"), "the good photo is not blamed");
    assert!(html.contains(TEXT), "the text is kept");
    assert!(html.contains("id=\"photos-again\""), "asks for the photos again");
    assert_eq!(written(&app).await, before, "no case, no attachment row, no blob file");
    // A PDF is a document, not a photo; too large a photo is named with its size.
    let big = {
        let mut v = photo(2);
        v.resize(10 * 1024 * 1024 + 1, 0);
        v
    };
    let pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";
    let (status, html, _) =
        post_form(&resident, "/citizen/report", &report, &[("说明.jpg", pdf), ("大图.jpg", &big)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let error = photo_error(&html);
    assert!(error.contains("附件「说明.jpg」不是照片"), "{error}");
    assert!(error.contains("附件「大图.jpg」过大"), "{error}");
    assert_eq!(written(&app).await, before);
    // Ten photos: one too many, the tenth named.
    let ten: Vec<(String, Vec<u8>)> = (1..=10).map(|n| (format!("{n}.jpg"), photo(n))).collect();
    let ten: Vec<(&str, &[u8])> = ten.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (status, html, _) = post_form(&resident, "/citizen/report", &report, &ten).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(photo_error(&html).contains("附件「10.jpg」超出数量上限"), "{html}");
    assert_eq!(written(&app).await, before);
    // Every field is checked with the photos: no place and a bad photo are both named.
    let (status, html, _) = post_form(&resident, "/citizen/report", &[("text", TEXT)], &[("x.jpg", b"nope")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("location-error") && html.contains("附件「x.jpg」"), "{html}");
    assert_eq!(written(&app).await, before);

    // Two photos: one case with two attachments, and the resident lands on it.
    let (status, _, location) =
        post_form(&resident, "/citizen/report", &report, &[("门口.jpg", &photo(1)), ("井盖.png", &photo(2))]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let case_path = location.unwrap();
    let id: i64 = case_path.trim_start_matches("/citizen/cases/").parse().unwrap();
    assert_eq!(written(&app).await, (before.0 + 1, 2, 2));
    let (_, items) = resident.get(&format!("/api/v1/appeals/{id}/attachments")).await;
    let names: Vec<&str> = items.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["门口.jpg", "井盖.png"], "{items}");
    assert_eq!(items[1]["mime"], "image/png", "the type is the content's, not the claimed one");
    let (status, html) = page(&resident, &case_path).await;
    assert_eq!(status, StatusCode::OK);
    let links = attachment_links(&html);
    assert_eq!(links.len(), 2, "{html}");
    assert!(html.contains(&format!("<img src=\"{}\"", links[0])), "shown as thumbnails: {html}");
    let res = download(&resident, &links[1]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), photo(2).as_slice());
    // Filed and attached in one go: both audited.
    let admin = app.login("admin").await;
    let (_, audit) = admin.get("/api/v1/audit?action=appeal.attach").await;
    assert_eq!(audit["total"], 1, "{audit}");

    // Added information with a photo, on the open case; and an empty file input adds nothing.
    let act = format!("/citizen/cases/{id}/act");
    let (status, _, _) = post_form(
        &resident,
        &act,
        &[("action", "add_information"), ("text", "井盖旁边还有一个坑")],
        &[("坑.jpg", &photo(3))],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) =
        post_form(&resident, &act, &[("action", "add_information"), ("text", "晚上没有路灯")], &[("", b"")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // A photo alone.
    let (status, _, _) =
        post_form(&resident, &act, &[("action", "add_information"), ("text", "")], &[("夜里.jpg", &photo(4))]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&resident, &case_path).await;
    assert_eq!(attachment_links(&html).len(), 4, "{html}");
    assert!(html.contains("井盖旁边还有一个坑") && html.contains("晚上没有路灯"), "the added text is in the timeline");
    assert!(html.contains("还可添加 5 张"), "the add form says how many more fit: {html}");
    assert_eq!(rows(&app, "appeal_attachments").await, 4);
    // Six more would make ten: refused at the photo field, the text kept, nothing written.
    let six: Vec<(String, Vec<u8>)> = (5..=10).map(|n| (format!("补{n}.jpg"), photo(n))).collect();
    let six: Vec<(&str, &[u8])> = six.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let before = written(&app).await;
    let (status, html, _) =
        post_form(&resident, &act, &[("action", "add_information"), ("text", "再补几张照片")], &six).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(photo_error(&html).contains("附件「补10.jpg」超出数量上限"), "{html}");
    assert!(html.contains("再补几张照片"), "the text is kept");
    assert_eq!(written(&app).await, before);
    let (_, html) = page(&resident, &case_path).await;
    assert!(!html.contains("再补几张照片"), "nor was the text added");

    // Another resident: not their case, not their photos, nothing to add.
    let stranger = app.citizen_login("13900139011").await;
    for link in &links {
        assert_eq!(download(&stranger, link).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(page(&stranger, &case_path).await.0, StatusCode::NOT_FOUND);
    let (status, _, _) =
        post_form(&stranger, &act, &[("action", "add_information"), ("text", "")], &[("x.jpg", &photo(9))]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(written(&app).await, before);
    // Nobody signed in: no photo.
    let anonymous = reqwest::Client::new();
    assert_eq!(anonymous.get(app.url(&links[0])).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // The public tracking page shows the case, never its photos.
    let code = html.split("id=\"tracking-code\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let res = anonymous.get(app.url(&format!("/track/{code}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let public = res.text().await.unwrap();
    assert!(public.contains(TEXT));
    assert!(attachment_links(&public).is_empty() && !public.contains("/api/v1/attachments/"), "{public}");

    // Staff see them on the case page.
    let leader = app.login("leader").await;
    let (status, html) = page(&leader, &format!("/appeals/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attachment_links(&html).len(), 4, "{html}");
    assert!(html.contains("alt=\"门口.jpg\""), "{html}");
});

on_both_engines!(
    confidential_reports_hide_file_names_from_staff_who_do_not_see_the_reporter,
    |app: TestApp| async move {
        let worker_name = app.first_username("grid_worker").await;
        let grid_code = worker_name.strip_prefix("grid.").unwrap().to_owned();
        let city = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
        let grid = app.store.region_by_code(&city, &grid_code).await.unwrap();
        let township = app
            .store
            .ancestors(&grid)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.level == pingan_domain::region::RegionLevel::Township)
            .unwrap();
        let resident = app.citizen_login(PHONE).await;
        let (status, _, location) = post_form(
            &resident,
            "/citizen/report",
            &[("text", "邻居家深夜聚众赌博,吵得没法休息"), ("grid", grid_code.as_str()), ("confidential", "on")],
            &[("王小明拍的.jpg", &photo(7))],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let id: i64 = location.unwrap().trim_start_matches("/citizen/cases/").parse().unwrap();
        // The reporter and the township's dispatch centre see the name it was sent under.
        let (_, html) = page(&resident, &format!("/citizen/cases/{id}")).await;
        assert!(html.contains("王小明拍的.jpg"), "{html}");
        let dispatcher = app.login(&format!("dispatch.{}", township.code)).await;
        let (_, html) = page(&dispatcher, &format!("/appeals/{id}")).await;
        assert!(html.contains("王小明拍的.jpg"), "{html}");
        // A leader reads the case and sees the photo, but neither reporter nor file name.
        let leader = app.login("leader").await;
        let (status, html) = page(&leader, &format!("/appeals/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("<dd>保密</dd>"), "the reporter is masked: {html}");
        assert!(!html.contains("王小明"), "{html}");
        let links = attachment_links(&html);
        assert_eq!(links.len(), 1, "{html}");
        assert!(html.contains("alt=\"附件1\""), "{html}");
        let res = download(&leader, &links[0]).await;
        assert_eq!(res.status(), StatusCode::OK);
        let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
        assert!(!disposition.contains("%E7%8E%8B"), "the download's name is hidden too: {disposition}");
        assert_eq!(res.bytes().await.unwrap().as_ref(), photo(7).as_slice());
    }
);

/// Past the body limit (nine photos at the largest size and the framing): the form comes back
/// with 413, the text kept and the photo field saying why; nothing is written. One engine is
/// enough, the limit is the web layer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_past_the_body_limit_is_refused_with_413() {
    let Some(app) = TestApp::spawn(pingan_store::Engine::Sqlite).await else { return };
    let worker_name = app.first_username("grid_worker").await;
    let grid_code = worker_name.strip_prefix("grid.").unwrap().to_owned();
    let resident = app.citizen_login(PHONE).await;
    let max = pingan_store::blobs::AttachmentPolicy::default().max_bytes as usize;
    let photos: Vec<(String, Vec<u8>)> = (1..=10)
        .map(|n| {
            let mut p = photo(n);
            p.resize(if n < 10 { max } else { 2 * 1024 * 1024 }, 0);
            (format!("{n}.jpg"), p)
        })
        .collect();
    let photos: Vec<(&str, &[u8])> = photos.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let before = written(&app).await;
    let (status, html, _) =
        post_form(&resident, "/citizen/report", &[("text", TEXT), ("grid", grid_code.as_str())], &photos).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(photo_error(&html).contains("附件「10.jpg」超出单次上传总量上限 91 MiB"), "{html}");
    assert!(html.contains(TEXT), "the text is kept");
    assert_eq!(written(&app).await, before);
}
