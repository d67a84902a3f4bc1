//! Attachments of a case (附件) on both engines: a resident adds photos to their report and the
//! unit a document; files are refused by content, size, emptiness and count, each named, with
//! nothing written; downloads come back byte for byte with safe headers, and only for those who
//! may read the case.

use crate::common;

use common::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PHONE: &str = "13800138000";

const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0DIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00";
const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n";

/// A JPEG header followed by `n`, so that every photo has bytes of its own.
fn photo(n: usize) -> Vec<u8> {
    let mut v = JPEG.to_vec();
    v.extend_from_slice(format!("photo {n}").as_bytes());
    v
}

async fn upload(s: &Session, id: i64, files: &[(&str, &[u8])]) -> (StatusCode, Value) {
    let (content_type, body) = common::multipart(&[], "file", files);
    let res = s
        .client
        .post(s.url(&format!("/api/v1/appeals/{id}/attachments")))
        .header("X-CSRF-Token", &s.csrf)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn list(s: &Session, id: i64) -> (StatusCode, Value) {
    s.get(&format!("/api/v1/appeals/{id}/attachments")).await
}

async fn count(s: &Session, id: i64) -> usize {
    let (status, items) = list(s, id).await;
    assert_eq!(status, StatusCode::OK, "{items}");
    items.as_array().unwrap().len()
}

/// The messages of a 400's field errors, all on `file`.
fn file_errors(err: &Value) -> Vec<String> {
    let fields = err["fields"].as_array().unwrap_or_else(|| panic!("field errors: {err}"));
    assert!(fields.iter().all(|f| f["field"] == "file"), "{err}");
    fields.iter().map(|f| f["message"].as_str().unwrap().to_owned()).collect()
}

async fn download(s: &Session, attachment_id: i64) -> reqwest::Response {
    s.client.get(s.url(&format!("/api/v1/attachments/{attachment_id}"))).send().await.expect("download")
}

on_both_engines!(attachments_are_checked_stored_and_served_only_to_those_who_may_read, |app: TestApp| async move {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").unwrap().to_owned();
    // The resident reports unpaid wages from the mini-program; it goes to 德城区人社局.
    let resident = app.citizen_login(PHONE).await;
    let (status, filed) = resident
        .post(
            "/api/v1/appeals",
            &json!({"text": "某服装厂拖欠工人三个月工资", "category": "A03", "region_code": grid_code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_i64().unwrap();

    // Two photos from the phone.
    let (status, added) = upload(&resident, id, &[("现场照片.jpg", JPEG), ("门口.png", PNG)]).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let added = added.as_array().unwrap().clone();
    assert_eq!(added.len(), 2);
    assert_eq!((added[0]["name"].as_str(), added[0]["mime"].as_str()), (Some("现场照片.jpg"), Some("image/jpeg")));
    assert_eq!((added[1]["name"].as_str(), added[1]["kind"].as_str()), (Some("门口.png"), Some("png")));
    let (status, items) = list(&resident, id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(items.as_array().unwrap().len(), 2, "{items}");
    assert_eq!(items[0]["size"], JPEG.len());
    assert_eq!(items[0]["is_image"], true);

    // Byte for byte, as a picture to show, never sniffed, kept in no shared cache.
    let photo_id = added[0]["id"].as_i64().unwrap();
    let res = download(&resident, photo_id).await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| res.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    assert_eq!(header("content-type"), "image/jpeg");
    assert!(header("content-disposition").starts_with("inline;"), "{}", header("content-disposition"));
    assert!(header("content-disposition").contains("UTF-8''%E7%8E%B0"), "{}", header("content-disposition"));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(header("cache-control").starts_with("private"), "{}", header("cache-control"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), JPEG);

    // The unit adds a scanned document: it downloads as a file, not shown inline.
    let dept = app.login("dept.371402.renshe").await;
    let (status, doc) = upload(&dept, id, &[("调解书.pdf", PDF)]).await;
    assert_eq!(status, StatusCode::CREATED, "{doc}");
    let res = download(&dept, doc[0]["id"].as_i64().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);

    // A text file renamed to .jpg is refused by its content, named; its good companion is not
    // stored either.
    let (status, err) = upload(&resident, id, &[("好照片.jpg", &photo(1)), ("说明.jpg", b"just notes\n")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let messages = file_errors(&err);
    assert_eq!(messages.len(), 1, "{err}");
    assert!(messages[0].starts_with("附件「说明.jpg」"), "{err}");
    // Empty and oversized files are named too.
    let big = {
        let mut v = photo(2);
        v.resize(10 * 1024 * 1024 + 1, 0);
        v
    };
    let (status, err) = upload(&resident, id, &[("空.jpg", b""), ("大图.jpg", &big)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    let messages = file_errors(&err);
    assert!(messages[0].starts_with("附件「空.jpg」"), "{err}");
    assert!(messages[1].starts_with("附件「大图.jpg」过大"), "{err}");
    // Not multipart at all.
    let (status, _) = resident.post(&format!("/api/v1/appeals/{id}/attachments"), &json!({"file": "x"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(count(&resident, id).await, 3, "nothing written by the refusals");

    // Nine per case: seven more at once would make ten, and the first that does not fit is
    // named; six fit; then a tenth alone is refused.
    let photos: Vec<(String, Vec<u8>)> = (1..=7).map(|n| (format!("{n}.jpg"), photo(n))).collect();
    let batch: Vec<(&str, &[u8])> = photos.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let (status, err) = upload(&resident, id, &batch).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(file_errors(&err)[0].starts_with("附件「7.jpg」超出数量上限"), "{err}");
    assert_eq!(count(&resident, id).await, 3);
    let (status, added) = upload(&resident, id, &batch[..6]).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(count(&resident, id).await, 9);
    let (status, err) = upload(&resident, id, &[("第十张.jpg", &photo(10))]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert!(file_errors(&err)[0].starts_with("附件「第十张.jpg」"), "{err}");
    assert_eq!(count(&resident, id).await, 9);

    // Another resident and an unrelated department find nothing; nor may they add.
    let stranger = app.citizen_login("13900139000").await;
    let gongan = app.login("dept.gongan").await;
    for other in [&stranger, &gongan] {
        assert_eq!(download(other, photo_id).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(list(other, id).await.0, StatusCode::NOT_FOUND);
        assert_eq!(upload(other, id, &[("x.jpg", JPEG)]).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(download(&resident, 999_999).await.status(), StatusCode::NOT_FOUND);

    // A leader reads (and downloads) but adds nothing.
    let leader = app.login("leader").await;
    let res = download(&leader, photo_id).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), JPEG);
    assert_eq!(count(&leader, id).await, 9);
    assert_eq!(upload(&leader, id, &[("x.jpg", JPEG)]).await.0, StatusCode::FORBIDDEN);

    // One audit event per accepted upload, none for the refusals.
    let admin = app.login("admin").await;
    let (_, audit) = admin.get("/api/v1/audit?action=appeal.attach").await;
    assert_eq!(audit["total"], 3, "{audit}");
});

/// A form post from the staff case page: the CSRF field, then one `photos` part per file.
async fn page_upload(s: &Session, id: i64, files: &[(&str, &[u8])]) -> (StatusCode, String) {
    let boundary = "pingan-page-boundary-41c2";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n", s.csrf).into_bytes();
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let res = s
        .client
        .post(s.url(&format!("/appeals/{id}/attachments")))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("page upload");
    let status = res.status();
    (status, res.text().await.unwrap_or_default())
}

on_both_engines!(staff_attach_files_from_the_case_page, |app: TestApp| async move {
    let (worker, grid_code) = {
        let username = app.first_username("grid_worker").await;
        let code = username.strip_prefix("grid.").unwrap().to_owned();
        (app.login(&username).await, code)
    };
    let (status, filed) = worker
        .post(
            "/api/v1/appeals",
            &json!({"text": "某服装厂拖欠工人三个月工资", "category": "A03", "channel": "patrol", "region_code": grid_code}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let dept = app.login("dept.371402.renshe").await;

    // The unit handling it sees the upload form and adds a photo and a scanned document.
    let page = dept.client.get(dept.url(&format!("/appeals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"attach-form\""), "the handling unit can upload");
    let (status, _) = page_upload(&dept, id, &[("现场.jpg", &photo(1)), ("协调记录.pdf", PDF)]).await;
    assert!(status.is_redirection() || status == StatusCode::OK, "{status}");
    let (_, items) = list(&dept, id).await;
    let names: Vec<&str> = items.as_array().unwrap().iter().filter_map(|i| i["name"].as_str()).collect();
    assert_eq!(names, ["现场.jpg", "协调记录.pdf"]);

    // A text file posing as a PDF is refused on the page, named, and nothing is added.
    let (status, html) = page_upload(&dept, id, &[("假的.pdf", b"just some text, not a document")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("id=\"case-error\"") && html.contains("假的.pdf"), "{html}");
    let (_, items) = list(&dept, id).await;
    assert_eq!(items.as_array().unwrap().len(), 2);

    // Without the form's CSRF token: refused, nothing added.
    let mut forged = dept.against(&dept.base);
    forged.csrf = "not-the-token".into();
    let (status, _) = page_upload(&forged, id, &[("另一张.jpg", &photo(2))]).await;
    assert!(status.is_client_error(), "{status}");
    let (_, items) = list(&dept, id).await;
    assert_eq!(items.as_array().unwrap().len(), 2);

    // A leader reads the case but does not handle it: no form, and a post is refused.
    let leader = app.login("leader").await;
    let page = leader.client.get(leader.url(&format!("/appeals/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("id=\"attach-form\""));
    let (status, _) = page_upload(&leader, id, &[("领导.jpg", &photo(3))]).await;
    assert!(status.is_client_error(), "{status}");
    let (_, items) = list(&dept, id).await;
    assert_eq!(items.as_array().unwrap().len(), 2);
});

/// Make a blob's file look `hours` old.
fn age_blob(app: &TestApp, sha256: &str, hours: u64) -> std::path::PathBuf {
    let path = app.blob_dir.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256);
    let when = std::time::SystemTime::now() - std::time::Duration::from_secs(hours * 3600);
    std::fs::File::options().write(true).open(&path).expect("blob file").set_modified(when).unwrap();
    path
}

// A blob stored for a filing that never committed is removed by `pingan blobs sweep` once it is
// older than the grace period; the photos of cases stay and still download; the sweep is audited.
on_both_engines!(blobs_no_case_refers_to_are_swept, |app: TestApp| async move {
    let username = app.first_username("grid_worker").await;
    let grid_code = username.strip_prefix("grid.").unwrap().to_owned();
    let resident = app.citizen_login(PHONE).await;
    let (status, filed) = resident
        .post("/api/v1/appeals", &json!({"text": "小区门口路灯坏了", "category": "E01", "region_code": grid_code}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{filed}");
    let id = filed["id"].as_i64().unwrap();
    let (status, added) = upload(&resident, id, &[("路灯.jpg", &photo(1))]).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let photo_id = added[0]["id"].as_i64().unwrap();

    // What a failed filing leaves behind: bytes in the store that no row names.
    let blobs = pingan_store::blobs::BlobStore::open(&app.blob_dir).unwrap();
    let orphan = blobs.put(&photo(2)).await.unwrap();
    let young_orphan = blobs.put(&photo(3)).await.unwrap();
    // Storing the case's photo again names it (and makes it young, so it is aged after).
    let kept_sha = blobs.put(&photo(1)).await.unwrap().sha256;
    let kept = age_blob(&app, &kept_sha, 48);
    let orphan_path = age_blob(&app, &orphan.sha256, 48);

    // A grace of zero could remove a photo whose case is still being written: refused.
    let (ok, _, err) = app.pingan(&["blobs", "sweep", "--grace-hours", "0"]).await;
    assert!(!ok && err.contains("--grace-hours"), "{err}");
    assert!(orphan_path.exists());

    let (ok, out, err) = app.pingan(&["blobs", "sweep", "--dry-run"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("would remove 1 unreferenced"), "{out}");
    assert!(orphan_path.exists(), "a dry run removes nothing");

    let (ok, out, err) = app.pingan(&["blobs", "sweep"]).await;
    assert!(ok, "{err}");
    assert!(out.contains("removed 1 unreferenced") && out.contains("1 younger"), "{out}");
    assert!(!orphan_path.exists());
    assert!(kept.exists());
    assert!(age_blob(&app, &young_orphan.sha256, 0).exists(), "younger than the grace period: kept");
    let res = download(&resident, photo_id).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), photo(1).as_slice());
    let audited: i64 = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'blobs.sweep'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(audited, 1, "the sweep is audited, the dry run is not");
});
