//! Test harness: the real application on a random port over a fresh database,
//! once per engine.

use pingan::startup::Server;
use pingan_store::testing::TestDb;
use pingan_store::{Engine, Store};
use pingan_web::WebConfig;
use reqwest::StatusCode;
use serde_json::Value;

pub const PASSWORD: &str = pingan_sim::DEMO_PASSWORD;

/// Define a test that runs once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! on_both_engines {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = common::TestApp::spawn(pingan_store::Engine::Sqlite).await {
                    ($body)(app).await;
                }
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = common::TestApp::spawn(pingan_store::Engine::Postgres).await {
                    ($body)(app).await;
                }
            }
        }
    };
}

/// Captures one-time codes instead of sending them, so tests can sign citizens in.
#[derive(Debug, Default)]
pub struct MemorySender(pub std::sync::Mutex<Vec<(String, String)>>);

impl pingan_web::otp::CodeSender for MemorySender {
    fn send<'a>(
        &'a self,
        phone: &'a pingan_domain::personal::Phone,
        code: &'a str,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>> {
        self.0.lock().unwrap().push((phone.as_str().to_owned(), code.to_owned()));
        Box::pin(async { Ok(()) })
    }
}

impl MemorySender {
    pub fn last_code(&self, phone: &str) -> Option<String> {
        self.0.lock().unwrap().iter().rev().find(|(p, _)| p == phone).map(|(_, c)| c.clone())
    }
}

pub struct TestApp {
    pub codes: std::sync::Arc<MemorySender>,
    pub base: String,
    pub store: Store,
    /// Owns the fresh database (the first instance only); held so that dropping the app drops it.
    #[allow(dead_code)]
    pub db: Option<TestDb>,
    pub db_url: String,
    pub engine: Engine,
    /// Where this instance keeps attachment blobs.
    pub blob_dir: std::path::PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestApp {
    /// A fresh database with the small synthetic city, and a server on port 0.
    pub async fn spawn(engine: Engine) -> Option<TestApp> {
        let db = TestDb::new(engine).await?;
        let store = db.store().await;
        pingan::demo::ensure_city(&store, pingan_sim::Scale::Small, false).await.expect("load small city");
        let (url, engine) = (db.url.clone(), db.engine);
        Some(Self::serve(Some(db), url, engine, store).await)
    }

    /// Another instance on the same database (for multi-instance tests).
    pub async fn second_instance(&self) -> TestApp {
        let store = Store::connect(&self.db_url, &Default::default()).await.expect("connect");
        Self::serve(None, self.db_url.clone(), self.engine, store).await
    }

    /// Another instance on the same database whose deadline scanner runs every `every`.
    /// Its scanner runs `ahead_ms` ahead of the wall clock.
    pub async fn instance_with_scanner(&self, every: std::time::Duration, ahead_ms: i64) -> TestApp {
        let store = Store::connect(&self.db_url, &Default::default()).await.expect("connect");
        Self::serve_with(None, self.db_url.clone(), self.engine, store, Some((every, ahead_ms))).await
    }

    async fn serve(db: Option<TestDb>, db_url: String, engine: Engine, store: Store) -> TestApp {
        // No scanner by default: tests drive deadlines themselves, so timing cannot decide them.
        Self::serve_with(db, db_url, engine, store, None).await
    }

    async fn serve_with(
        db: Option<TestDb>,
        db_url: String,
        engine: Engine,
        store: Store,
        scanner: Option<(std::time::Duration, i64)>,
    ) -> TestApp {
        let codes = std::sync::Arc::new(MemorySender::default());
        let blob_dir =
            std::env::temp_dir().join(format!("pingan-blobs-{}", &pingan_store::accounts::random_token()[..12]));
        let config = WebConfig {
            code_sender: codes.clone(),
            grid_refresh: std::time::Duration::from_millis(200),
            deadline_scan: scanner.map(|s| s.0),
            scanner_ahead_ms: scanner.map_or(0, |s| s.1),
            blob_dir: blob_dir.clone(),
            ..WebConfig::default()
        };
        let server = Server::build(store.clone(), config, "127.0.0.1:0").await.expect("build server");
        let base = format!("http://{}", server.addr);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        TestApp { codes, base, store, db, db_url, engine, blob_dir, shutdown: Some(tx) }
    }

    /// Run the binary against this app's database and blob directory; returns (success,
    /// stdout, stderr).
    pub async fn pingan(&self, args: &[&str]) -> (bool, String, String) {
        let (url, blobs) = (self.db_url.clone(), self.blob_dir.clone());
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_pingan"))
                .args(&args)
                .env("PINGAN_DATABASE_URL", url)
                .env("PINGAN_BLOB_DIR", blobs)
                .env("RUST_LOG", "off")
                .output()
                .expect("run pingan");
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .await
        .expect("join")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A client with its own cookie jar (one browser).
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// Sign in through the API; returns the client and the session's CSRF token.
    pub async fn login(&self, username: &str) -> Session {
        let client = self.client();
        let res = client
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), StatusCode::OK, "login as {username}");
        let me: Value = res.json().await.expect("me");
        Session { client, csrf: me["csrf_token"].as_str().expect("csrf").to_owned(), me, base: self.base.clone() }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl TestApp {
    /// Run `statement` on the app's database, as a test's direct edit (a tamper, a clock set
    /// back); returns the rows it changed.
    pub async fn sql(&self, statement: &str) -> u64 {
        pingan_store::on_pool!(self.store.db(), |pool| pingan_store::sqlx::query(statement)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))
        .expect(statement)
    }

    /// The one number `query` selects.
    pub async fn scalar(&self, query: &str) -> i64 {
        pingan_store::on_pool!(self.store.db(), |pool| pingan_store::sqlx::query_scalar::<_, i64>(query)
            .fetch_one(pool)
            .await)
        .expect(query)
    }

    /// Sign a resident in by phone and one-time code.
    pub async fn citizen_login(&self, phone: &str) -> Session {
        let client = self.client();
        let res = client
            .post(self.url("/api/v1/auth/code"))
            .json(&serde_json::json!({"phone": phone}))
            .send()
            .await
            .expect("code");
        assert!(res.status().is_success(), "code request for {phone}: {}", res.status());
        let code = self.codes.last_code(phone).expect("code sent");
        let res = client
            .post(self.url("/api/v1/auth/code/login"))
            .json(&serde_json::json!({"phone": phone, "code": code}))
            .send()
            .await
            .expect("code login");
        assert_eq!(res.status(), StatusCode::OK, "citizen login");
        let me: Value = res.json().await.expect("me");
        Session { client, csrf: me["csrf_token"].as_str().expect("csrf").to_owned(), me, base: self.base.clone() }
    }

    /// The first demo account of a role, e.g. `grid_worker`.
    pub async fn first_username(&self, role: &str) -> String {
        self.store
            .first_account_per_role()
            .await
            .expect("accounts")
            .into_iter()
            .find(|(_, r, _)| r.as_str() == role)
            .map(|(u, _, _)| u)
            .expect("a demo account of the role")
    }
}

/// A signed-in client.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
    pub me: Value,
    pub base: String,
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self.client.get(self.url(path)).send().await.expect("GET");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> (StatusCode, Value) {
        let res = self
            .client
            .request(method, self.url(path))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .expect("request");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::POST, path, body).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(reqwest::Method::PATCH, path, body).await
    }

    /// Same session, but pointed at another instance.
    pub fn against(&self, base: &str) -> Session {
        Session { client: self.client.clone(), csrf: self.csrf.clone(), me: self.me.clone(), base: base.to_owned() }
    }
}

/// A `multipart/form-data` body as a browser sends a form: the text `fields`, then one part
/// named `file_field` per file (`file` for the API, `photos` for the pages' forms).
pub fn multipart(fields: &[(&str, &str)], file_field: &str, files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "pingan-test-boundary-7d93a1";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{name}\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A real PNG of `width` × `height` pixels of one colour (stored, uncompressed deflate), for
/// tests that upload photos a browser must be able to draw.
pub fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in bytes {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    // Each row: filter type 0 (none), then its pixels.
    let row: Vec<u8> = std::iter::once(0).chain(rgb.iter().copied().cycle().take(3 * width as usize)).collect();
    let raw = row.repeat(height as usize);
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        zlib.extend_from_slice(&(block.len() as u16).to_le_bytes());
        zlib.extend_from_slice(&(!(block.len() as u16)).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A village of 德城区 with at least two grids: (village id, code, its grids' ids and a point
/// inside each).
pub async fn village_with_grids(app: &TestApp, admin: &Session) -> (i64, String, Vec<(i64, (f64, f64))>) {
    let (_, counties) = admin.get("/api/v1/regions?parent_id=1").await;
    let county = counties.as_array().unwrap().iter().find(|c| c["code"] == "371402").unwrap()["id"].as_i64().unwrap();
    let (_, townships) = admin.get(&format!("/api/v1/regions?parent_id={county}")).await;
    let township = townships[0]["id"].as_i64().unwrap();
    let (_, villages) = admin.get(&format!("/api/v1/regions?parent_id={township}")).await;
    let scope = pingan_domain::Scope { region: app.store.city_path().await.unwrap().unwrap(), org_id: None };
    for v in villages.as_array().unwrap() {
        let id = v["id"].as_i64().unwrap();
        let shapes = app.store.grid_shapes(&scope, id).await.unwrap();
        if shapes.len() < 2 {
            continue;
        }
        let grids = shapes.iter().map(|s| (s.id, inside(s.id, &s.ring))).collect();
        return (id, v["code"].as_str().unwrap().to_owned(), grids);
    }
    panic!("no village with two grids");
}

/// A point well inside `ring`: the lattice point over its box that lies deepest inside.
pub fn inside(id: i64, ring: &pingan_domain::geometry::Ring) -> (f64, f64) {
    let b = ring.bbox();
    let one = pingan_domain::geometry::GridIndex::new(vec![(id, "x".into(), ring.clone())]);
    let at = |i: f64, j: f64| {
        (b.min_lon + (b.max_lon - b.min_lon) * i / 20.0, b.min_lat + (b.max_lat - b.min_lat) * j / 20.0)
    };
    let inner = |(lon, lat): (f64, f64)| one.locate(lon, lat) == Some(id);
    (1..20)
        .flat_map(|i| (1..20).map(move |j| (i as f64, j as f64)))
        .map(|(i, j)| at(i, j))
        .filter(|&p| inner(p))
        .max_by_key(|&(lon, lat)| {
            // How far the point is from leaving the grid, in lattice steps.
            let step = ((b.max_lon - b.min_lon) / 40.0, (b.max_lat - b.min_lat) / 40.0);
            (1..10)
                .take_while(|k| {
                    let k = *k as f64;
                    [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)]
                        .iter()
                        .all(|(dx, dy)| inner((lon + dx * k * step.0, lat + dy * k * step.1)))
                })
                .count()
        })
        .expect("a point inside the grid")
}

/// Post a page form with the session's CSRF token: (status, body, redirect location).
pub async fn form(s: &Session, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    let res = s.client.post(s.url(path)).form(&all).send().await.expect("post");
    let status = res.status();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, res.text().await.unwrap_or_default(), location)
}

/// Post a page's form as `multipart/form-data`, with `files` in the `photos` field: status,
/// page and where it redirects.
pub async fn form_with_files(
    s: &Session,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &[u8])],
) -> (StatusCode, String, Option<String>) {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, "photos", files);
    let res = s.client.post(s.url(path)).header("content-type", content_type).body(body).send().await.expect("post");
    let status = res.status();
    let location = res.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, res.text().await.unwrap_or_default(), location)
}

/// Get a page: (status, body).
pub async fn page(s: &Session, path: &str) -> (StatusCode, String) {
    let res = s.client.get(s.url(path)).send().await.expect("get");
    (res.status(), res.text().await.unwrap_or_default())
}
