//! Test harness: the real application on a random port over a fresh database,
//! once per engine.

#![allow(dead_code)]

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
    /// Owns the fresh database (the first instance only).
    pub db: Option<TestDb>,
    pub db_url: String,
    pub engine: Engine,
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

    async fn serve(db: Option<TestDb>, db_url: String, engine: Engine, store: Store) -> TestApp {
        let codes = std::sync::Arc::new(MemorySender::default());
        let config = WebConfig {
            code_sender: codes.clone(),
            grid_refresh: std::time::Duration::from_millis(200),
            ..WebConfig::default()
        };
        let server = Server::build(store.clone(), config, "127.0.0.1:0").await.expect("build server");
        let base = format!("http://{}", server.addr);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(server.run(async move {
            let _ = rx.await;
        }));
        TestApp { codes, base, store, db, db_url, engine, shutdown: Some(tx) }
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
