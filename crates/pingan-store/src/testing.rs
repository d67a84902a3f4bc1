//! Fresh databases for tests: a new SQLite file in a temporary directory, or a
//! new PostgreSQL database created on the server named by
//! `PINGAN_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1/postgres`) and
//! dropped again when the handle goes.

use crate::{Engine, Store, StoreOptions};
use std::path::PathBuf;

/// Environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "PINGAN_TEST_POSTGRES_URL";

pub struct TestDb {
    pub url: String,
    pub engine: Engine,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// `None` when the engine is PostgreSQL and no server is configured. Under CI
    /// (`CI` set) a missing server is an error instead, so that a PostgreSQL test
    /// can never pass by skipping.
    pub async fn new(engine: Engine) -> Option<TestDb> {
        let unique = format!("{}_{}", std::process::id(), crate::accounts::random_token()[..12].to_owned());
        match engine {
            Engine::Sqlite => {
                let dir = std::env::temp_dir().join(format!("pingan-test-{unique}"));
                std::fs::create_dir_all(&dir).expect("create temp dir");
                let url = format!("sqlite://{}", dir.join("test.db").display());
                Some(TestDb { url, engine, dir: Some(dir), pg: None })
            }
            Engine::Postgres => {
                let admin = match std::env::var(POSTGRES_ENV) {
                    Ok(u) => u,
                    Err(_) if std::env::var_os("CI").is_some() => {
                        panic!("{POSTGRES_ENV} must be set under CI: PostgreSQL tests may not be skipped")
                    }
                    Err(_) => {
                        eprintln!("skipping PostgreSQL variant: {POSTGRES_ENV} is not set");
                        return None;
                    }
                };
                let name = format!("pingan_test_{unique}");
                let pool = sqlx::PgPool::connect(&admin).await.expect("connect to the PostgreSQL test server");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("create test database");
                pool.close().await;
                let mut url = url::Url::parse(&admin).expect("PINGAN_TEST_POSTGRES_URL is a URL");
                url.set_path(&name);
                Some(TestDb { url: url.to_string(), engine, dir: None, pg: Some((admin, name)) })
            }
        }
    }

    /// Connect and migrate.
    pub async fn store(&self) -> Store {
        let store = Store::connect(&self.url, &StoreOptions::default()).await.expect("connect to test database");
        store.migrate().await.expect("migrate test database");
        store
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = self.pg.take() {
            // Drop runs outside any runtime we may block on; use a small one of our own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                rt.block_on(async {
                    let pool = sqlx::PgPool::connect(&admin).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await.ok()?;
                    pool.close().await;
                    Some(())
                })
            })
            .join();
        }
    }
}
