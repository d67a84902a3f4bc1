//! `pingan import` / `pingan export` on both engines: bad files write nothing and
//! name every bad row; good files land with one audit event; exports mask
//! personal data and import again.

use crate::common;

use calamine::{Data, Reader, Xlsx};
use common::TestApp;
use pingan::tables::{ImportError, Kind, Position, export_file, import_file};
use pingan_domain::Scope;
use pingan_domain::geometry::GridIndex;
use pingan_store::Store;
use pingan_store::audit::AuditFilter;
use pingan_store::testing::TestDb;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

async fn count(store: &Store, sql: &str) -> i64 {
    pingan_store::on_pool!(store.db(), |pool| pingan_store::sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .expect("count"))
}

async fn city_scope(store: &Store) -> Scope {
    Scope { region: store.city_path().await.unwrap().expect("a city"), org_id: None }
}

/// The `after` of every audit event whose action starts with `prefix`.
async fn audited(store: &Store, prefix: &str) -> Vec<Value> {
    let filter = AuditFilter { action_prefix: Some(prefix.into()), limit: 100, ..Default::default() };
    let (events, _) = store.audit_events(&city_scope(store).await, &filter).await.unwrap();
    events.into_iter().map(|e| e.event.after).collect()
}

/// Import and expect a file with bad rows: its (row, field) pairs.
async fn bad_rows(store: &Store, kind: Kind, path: &Path) -> (Vec<(Position, String)>, ImportError) {
    let err = import_file(store, kind, path, false).await.expect_err("a bad file");
    let rows = err.row_errors().iter().map(|e| (e.at, e.field.clone().unwrap_or_default())).collect();
    (rows, err)
}

fn row(n: usize, field: &str) -> (Position, String) {
    (Position::Row(n), field.to_owned())
}

fn write_xlsx(path: &Path, rows: &[&[&str]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, cells) in rows.iter().enumerate() {
        for (c, cell) in cells.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save(path).unwrap();
}

/// The first sheet of an XLSX file as text cells.
fn read_xlsx(path: &Path) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

/// A CSV file's rows; it must start with a UTF-8 byte-order mark.
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap();
    let body = bytes.strip_prefix("\u{feff}".as_bytes()).expect("CSV starts with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn square(lon: f64, lat: f64) -> Value {
    let d = 0.01;
    json!([[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]])
}

fn feature(code: &str, name: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name, "households": 120}, "geometry": geometry})
}

fn write_geojson(path: &Path, features: Vec<Value>) {
    std::fs::write(path, json!({"type": "FeatureCollection", "features": features}).to_string()).unwrap();
}

on_both_engines!(bad_regions_csv_lists_every_row_and_writes_nothing, |app: TestApp| async move {
    let before = count(&app.store, "SELECT count(*) FROM regions").await;
    let (rows, err) = bad_rows(&app.store, Kind::Regions, &fixture("regions_bad.csv")).await;
    assert_eq!(
        rows,
        [
            row(2, "code"),        // 5 digits for a county
            row(3, "code"),        // a letter
            row(4, "code"),        // 371403… is not under 371402
            row(5, "parent_code"), // no such parent
            row(6, "code"),        // exists already
            row(7, "level"),       // "town" is no level
            row(9, "code"),        // same code as row 8
        ]
    );
    let lines = err.row_lines();
    assert!(lines[0].ends_with("regions_bad.csv: row 2, field 'code': code '37140' for a county must be 6 digits"));
    assert!(lines[1].contains("may contain digits only"), "{lines:?}");
    assert!(lines[2].contains("does not lie under parent code '371402'"), "{lines:?}");
    assert!(lines[3].contains("unknown parent code '371402150000'"), "{lines:?}");
    assert!(lines[4].contains("already exists"), "{lines:?}");
    assert!(lines[5].contains("unknown region level 'town'"), "{lines:?}");
    assert!(lines[6].contains("is already on row 8"), "{lines:?}");
    assert!(err.to_string().ends_with("7 errors in 7 rows; nothing was imported"), "{err}");
    assert_eq!(count(&app.store, "SELECT count(*) FROM regions").await, before);
    assert!(audited(&app.store, "import.").await.is_empty());
});

on_both_engines!(bad_orgs_xlsx_lists_every_row_and_writes_nothing, |app: TestApp| async move {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgs.xlsx");
    write_xlsx(
        &path,
        &[
            &["name", "kind", "region_code", "industry", "phone", "lon", "lat"],
            &["好单位", "social_unit", "371402", "I02", "0534-2345678", "116.3", "37.4"],
            &["城堡", "castle", "371402", "", "", "", ""],
            &["", "red_station", "371499", "", "", "", ""],
            &["无行业单位", "social_unit", "371402", "", "call me", "", ""],
            &["半个坐标", "red_station", "371402", "", "", "116.3", ""],
            &["坏坐标", "red_station", "371402", "", "", "east", "37.4"],
            &["脱敏电话", "red_station", "371402", "", "138****8000", "", ""],
        ],
    );
    let before = count(&app.store, "SELECT count(*) FROM orgs").await;
    let (rows, err) = bad_rows(&app.store, Kind::Orgs, &path).await;
    assert_eq!(
        rows,
        [
            row(3, "kind"),
            row(4, "region_code"),
            row(4, "name"),
            row(5, "industry"),
            row(5, "phone"),
            row(6, "lat"),
            row(7, "lon"),
            row(8, "phone"),
        ]
    );
    let lines = err.row_lines().join("\n");
    assert!(lines.contains("orgs.xlsx: row 4, field 'region_code': 区划代码不存在 / no region has the code '371499'"));
    assert!(lines.contains("row 8, field 'phone'") && lines.contains("is masked"), "{lines}");
    assert_eq!(count(&app.store, "SELECT count(*) FROM orgs").await, before);
    assert!(audited(&app.store, "import.").await.is_empty());
});

on_both_engines!(good_files_land_with_one_audit_event_each, |app: TestApp| async move {
    // Regions: a CSV with a BOM, columns in another order, a village under a township of the same file.
    let before = count(&app.store, "SELECT count(*) FROM regions").await;
    let done = import_file(&app.store, Kind::Regions, &fixture("regions_good.csv"), false).await.unwrap();
    assert_eq!(done.rows, 3);
    assert!(done.to_string().starts_with("imported 3 regions from "), "{done}");
    assert_eq!(count(&app.store, "SELECT count(*) FROM regions").await, before + 3);
    let scope = city_scope(&app.store).await;
    let township = app.store.region_by_code(&scope, "371402180000").await.unwrap();
    let village = app.store.region_by_code(&scope, "371402180201").await.unwrap();
    assert_eq!(village.parent_id, Some(township.id));
    assert!(township.path.contains(&village.path));
    assert_eq!((township.households, township.population), (1200, 3400));
    let county = app.store.region_by_code(&scope, "371402").await.unwrap();
    assert_eq!(township.parent_id, Some(county.id));
    let events = audited(&app.store, "import.regions").await;
    assert_eq!(events, [json!({"file": "regions_good.csv", "rows": 3})]);

    // Organisations from XLSX, into the new village.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("orgs.xlsx");
    write_xlsx(
        &path,
        &[
            &["kind", "name", "region_code", "dept", "industry", "address", "phone", "lon", "lat", "opening_hours"],
            &[
                "red_station",
                "导入驿站",
                "371402180201",
                "",
                "",
                "某路 1 号",
                "0534-2345678",
                "116.3",
                "37.4",
                "08:00-20:00",
            ],
            &["social_unit", "导入医院", "371402180001", "", "I02", "", "13800138000", "", "", ""],
        ],
    );
    let orgs_before = count(&app.store, "SELECT count(*) FROM orgs").await;
    let done = import_file(&app.store, Kind::Orgs, &path, false).await.unwrap();
    assert_eq!(done.to_string(), format!("imported 2 orgs from {}", path.display()));
    assert_eq!(count(&app.store, "SELECT count(*) FROM orgs").await, orgs_before + 2);
    let stored: (String, Option<f64>) = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_as(
        "SELECT phone, lon FROM orgs WHERE name = '导入驿站'"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(stored, ("0534-2345678".to_owned(), Some(116.3)));
    assert_eq!(audited(&app.store, "import.orgs").await, [json!({"file": "orgs.xlsx", "rows": 2})]);
    // The events sit at the common ancestor: the new township (regions), the new township (orgs).
    let (records, _) = app
        .store
        .audit_events(&scope, &AuditFilter { action_prefix: Some("import.".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    assert!(records.iter().all(|r| r.region_path == township.path.as_str()), "{records:?}");
});

on_both_engines!(geojson_grids_are_located_and_boundary_changes_recorded, |app: TestApp| async move {
    let village: String = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT code FROM regions WHERE level = 'village' ORDER BY code LIMIT 1"
    )
    .fetch_one(pool)
    .await
    .unwrap());
    let code = format!("{village}901");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grids.geojson");
    // Far from the synthetic city, so that no existing grid overlaps it.
    write_geojson(
        &path,
        vec![feature(&code, "导入网格", json!({"type": "Polygon", "coordinates": square(100.0, 30.0)}))],
    );
    let done = import_file(&app.store, Kind::Grids, &path, false).await.unwrap();
    assert_eq!(done.grids.map(|g| (g.added, g.replaced, g.unchanged)), Some((1, 0, 0)));
    assert!(done.to_string().contains("running servers pick up"), "{done}");
    let scope = city_scope(&app.store).await;
    let grid = app.store.region_by_code(&scope, &code).await.unwrap();
    assert_eq!(grid.households, 120);
    let index = || async {
        let shapes = app.store.all_grid_shapes_for_index().await.unwrap();
        GridIndex::new(shapes.into_iter().map(|g| (g.id, g.code, g.ring)).collect())
    };
    assert_eq!(index().await.locate(100.005, 30.005), Some(grid.id));
    let min_lon: Option<f64> = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT min_lon FROM regions WHERE code = $1"
    )
    .bind(&code)
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(min_lon, Some(100.0));

    // The same code again with another polygon: a boundary change, recorded.
    write_geojson(
        &path,
        vec![feature(&code, "导入网格", json!({"type": "Polygon", "coordinates": square(100.5, 30.5)}))],
    );
    let done = import_file(&app.store, Kind::Grids, &path, false).await.unwrap();
    assert_eq!(done.grids.map(|g| (g.added, g.replaced, g.unchanged)), Some((0, 1, 0)));
    let located = index().await;
    assert_eq!((located.locate(100.005, 30.005), located.locate(100.505, 30.505)), (None, Some(grid.id)));
    let changes = format!("SELECT count(*) FROM region_changes WHERE kind = 'boundary' AND region_id = {}", grid.id);
    assert_eq!(count(&app.store, &changes).await, 1);
    let detail: String = pingan_store::on_pool!(app.store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT detail FROM region_changes WHERE region_id = $1"
    )
    .bind(grid.id)
    .fetch_one(pool)
    .await
    .unwrap());
    let detail: Value = serde_json::from_str(&detail).unwrap();
    assert_eq!((detail["old_bbox"][0].as_f64(), detail["new_bbox"][0].as_f64()), (Some(100.0), Some(100.5)));

    // Unchanged boundaries write nothing new.
    let done = import_file(&app.store, Kind::Grids, &path, false).await.unwrap();
    assert_eq!(done.grids.map(|g| g.unchanged), Some(1));
    assert_eq!(count(&app.store, &changes).await, 1);
    assert_eq!(audited(&app.store, "import.grids").await.len(), 3);

    // Bad features are all named, by feature number.
    let bad = dir.path().join("bad.json");
    write_geojson(
        &bad,
        vec![
            feature(&format!("{village}902"), "点", json!({"type": "Point", "coordinates": [100.0, 30.0]})),
            feature("371402999999001", "无村", json!({"type": "Polygon", "coordinates": square(101.0, 30.0)})),
            feature(
                &format!("{village}903"),
                "",
                json!({"type": "Polygon", "coordinates": [[[101.0, 30.0], [101.0, 30.0]]]}),
            ),
        ],
    );
    let grids_before = count(&app.store, "SELECT count(*) FROM regions WHERE level = 'grid'").await;
    let (rows, _) = bad_rows(&app.store, Kind::Grids, &bad).await;
    let at = |n, f: &str| (Position::Feature(n), f.to_owned());
    assert_eq!(rows, [at(1, "geometry"), at(2, "code"), at(3, "name"), at(3, "geometry")]);
    assert_eq!(count(&app.store, "SELECT count(*) FROM regions WHERE level = 'grid'").await, grids_before);
});

on_both_engines!(accounts_are_hashed_and_checked, |app: TestApp| async move {
    let before = count(&app.store, "SELECT count(*) FROM accounts").await;
    let (rows, _) = bad_rows(&app.store, Kind::Accounts, &fixture("accounts_bad.csv")).await;
    assert_eq!(
        rows,
        [
            row(2, "username"), // "Admin" is the existing "admin"
            row(3, "password"),
            row(4, "username"), // repeats row 3
            row(5, "phone"),    // a citizen without a phone
            row(6, "org_id"),   // a department handler without a department
            row(7, "role"),
            row(7, "region_code"),
            row(7, "org_id"),
            row(7, "phone"),
        ]
    );
    assert_eq!(count(&app.store, "SELECT count(*) FROM accounts").await, before);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.csv");
    std::fs::write(
        &path,
        "username,display_name,role,region_code,phone,password\n\
         Import.Worker,导入网格员,grid_worker,371402,139 1234 5678,Strong2026pass\n\
         import.leader,导入领导,leader,371400,,\n",
    )
    .unwrap();
    let done = import_file(&app.store, Kind::Accounts, &path, false).await.unwrap();
    assert_eq!(done.rows, 2);
    let (phone, hash): (Option<String>, Option<String>) = pingan_store::on_pool!(app.store.db(), |pool| {
        pingan_store::sqlx::query_as("SELECT phone, password_hash FROM accounts WHERE username = 'import.worker'")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(phone.as_deref(), Some("13912345678"));
    assert!(hash.is_some_and(|h| h.starts_with("$argon2id$")));
    let login = |username: &'static str, password: &'static str| {
        let c = app.client();
        let url = app.url("/api/v1/auth/login");
        async move { c.post(url).json(&json!({"username": username, "password": password})).send().await.unwrap().status() }
    };
    assert_eq!(login("import.worker", "Strong2026pass").await, StatusCode::OK);
    // No password given: the account exists but cannot sign in by password.
    assert_eq!(login("import.leader", "Strong2026pass").await, StatusCode::UNAUTHORIZED);
    assert_eq!(audited(&app.store, "import.accounts").await, [json!({"file": "accounts.csv", "rows": 2})]);
});

on_both_engines!(exports_are_readable_and_masked, |app: TestApp| async move {
    let scope = city_scope(&app.store).await;
    let dir = tempfile::tempdir().unwrap();
    let accounts = count(&app.store, "SELECT count(*) FROM accounts").await as usize;
    let mobile = |s: &str| {
        s.len() == 11
            && s[..3].bytes().all(|b| b.is_ascii_digit())
            && &s[3..7] == "****"
            && s[7..].parse::<u32>().is_ok()
    };
    let header = ["username", "display_name", "role", "region_code", "org_id", "phone"];
    for name in ["accounts.xlsx", "accounts.csv"] {
        let path = dir.path().join(name);
        assert_eq!(export_file(&app.store, Kind::Accounts, &path, &scope).await.unwrap(), accounts);
        let rows = if name.ends_with("xlsx") { read_xlsx(&path) } else { read_csv(&path) };
        assert_eq!(rows[0], header, "{name}");
        assert_eq!(rows.len(), accounts + 1, "{name}");
        assert!(rows[1..].iter().all(|r| mobile(&r[5])), "{name}: {:?}", &rows[1]);
        let raw = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        assert!(!raw.contains("argon2"), "{name} holds a password hash");
        let admin = rows.iter().find(|r| r[0] == "dept.gongan").unwrap();
        assert!(admin[4].parse::<i64>().is_ok(), "{admin:?}");
    }

    let path = dir.path().join("orgs.xlsx");
    let orgs = export_file(&app.store, Kind::Orgs, &path, &scope).await.unwrap();
    assert_eq!(orgs as i64, count(&app.store, "SELECT count(*) FROM orgs WHERE retired_at IS NULL").await);
    let rows = read_xlsx(&path);
    assert_eq!(rows[0][..3], ["kind", "name", "region_code"]);
    let phones: Vec<&str> = rows[1..].iter().map(|r| r[6].as_str()).filter(|p| !p.is_empty()).collect();
    assert!(phones.iter().any(|p| p.contains('-')), "office numbers stay");
    assert!(phones.iter().any(|p| mobile(p)), "mobiles are masked");
    assert!(phones.iter().all(|p| p.contains('-') || mobile(p)), "{phones:?}");
    assert!(rows.iter().any(|r| r[1].contains("德州")), "Chinese survives");

    let unknown = import_file(&app.store, Kind::Orgs, &dir.path().join("orgs.xls"), false).await.unwrap_err();
    assert!(unknown.to_string().contains("orgs.xls: cannot import orgs from a file of this type"), "{unknown}");
    let missing = import_file(&app.store, Kind::Orgs, &dir.path().join("nope.csv"), false).await.unwrap_err();
    assert!(missing.to_string().contains("nope.csv: cannot read the file"), "{missing}");
});

on_both_engines!(regions_and_grids_round_trip_into_an_empty_database, |app: TestApp| async move {
    let scope = city_scope(&app.store).await;
    let dir = tempfile::tempdir().unwrap();
    let (regions, grids) = (dir.path().join("regions.xlsx"), dir.path().join("grids.geojson"));
    let region_count = export_file(&app.store, Kind::Regions, &regions, &scope).await.unwrap();
    let grid_count = export_file(&app.store, Kind::Grids, &grids, &scope).await.unwrap();
    let grids_csv = dir.path().join("grids.csv");
    assert_eq!(export_file(&app.store, Kind::Grids, &grids_csv, &scope).await.unwrap(), grid_count);
    // Coordinates survive the text round trip bit for bit: re-importing changes no boundary.
    let same = import_file(&app.store, Kind::Grids, &grids, false).await.unwrap();
    assert_eq!(same.grids.map(|g| (g.unchanged, g.replaced)), Some((grid_count, 0)));

    let fresh = TestDb::new(app.engine).await.expect("a second database");
    let store = fresh.store().await;
    assert_eq!(import_file(&store, Kind::Regions, &regions, false).await.unwrap().rows, region_count);
    let done = import_file(&store, Kind::Grids, &grids, false).await.unwrap();
    assert_eq!(done.grids.map(|g| g.added), Some(grid_count));
    for level in ["city", "county", "township", "village", "grid"] {
        let sql = format!("SELECT count(*) FROM regions WHERE level = '{level}'");
        assert_eq!(count(&store, &sql).await, count(&app.store, &sql).await, "{level}");
    }
    // The same boundaries again, from the CSV export this time: nothing changes.
    let again = import_file(&store, Kind::Grids, &grids_csv, false).await.unwrap();
    assert_eq!(again.grids.map(|g| g.unchanged), Some(grid_count));
    let names = |s: Store| async move {
        let scope = city_scope(&s).await;
        s.export_regions(&scope).await.unwrap().into_iter().map(|r| (r.code, r.name)).collect::<BTreeSet<_>>()
    };
    assert_eq!(names(store.clone()).await, names(app.store.clone()).await);
    // The new database answers point lookups like the old one.
    let shapes = store.all_grid_shapes_for_index().await.unwrap();
    let index = GridIndex::new(shapes.into_iter().map(|g| (g.id, g.code, g.ring)).collect());
    assert_eq!(index.len(), grid_count);
    store.close().await;
});

fn pingan(app: &TestApp) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pingan"));
    c.env("PINGAN_DATABASE_URL", &app.db_url).env("RUST_LOG", "off");
    c
}

on_both_engines!(cli_names_file_row_and_field, |app: TestApp| async move {
    let bad = fixture("regions_bad.csv");
    let out = pingan(&app).args(["import", "regions"]).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 8, "seven errors and a summary: {stderr}");
    assert!(lines[0].contains("regions_bad.csv: row 2, field 'code': code '37140' for a county must be 6 digits"));
    assert!(lines[7].starts_with("error: ") && lines[7].ends_with("nothing was imported"), "{stderr}");

    let dir = tempfile::tempdir().unwrap();
    let orgs = dir.path().join("orgs.csv");
    std::fs::write(&orgs, "kind,name,region_code\nred_station,命令行驿站,371402\n").unwrap();
    let out = pingan(&app).args(["import", "orgs"]).arg(&orgs).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("imported 1 orgs from "));

    let export = dir.path().join("regions.csv");
    let out = pingan(&app).args(["export", "regions"]).arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(read_csv(&export)[0], ["level", "code", "name", "parent_code", "households", "population"]);

    let out = pingan(&app).args(["import", "orgs", "orgs.txt"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.trim().lines().count() == 1, "{stderr}");
    assert!(stderr.contains("orgs.txt: cannot import orgs from a file of this type; use .csv or .xlsx"), "{stderr}");
});
