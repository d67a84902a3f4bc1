//! `pingan token`: API tokens for other systems (the 12345 hotline, a mini-program's back end).
//! A token acts as one account, with that account's role and region scope; only its hash is
//! kept, so the secret is printed once, at creation.

use crate::config::Config;
use crate::startup::open_store;
use pingan_store::StoreError;
use std::path::Path;

fn when(ms: i64) -> String {
    pingan_domain::calendar::to_china(ms).format("%Y-%m-%d %H:%M").to_string()
}

/// Issue a token acting as `username`; prints the secret once.
pub async fn create(config: Option<&Path>, name: &str, username: &str) -> anyhow::Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        anyhow::bail!("--name: give the system a name of 1–100 characters, e.g. \"12345 热线\"");
    }
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 1).await?;
    let result = store.create_api_token(name, username.trim()).await;
    store.close().await;
    match result {
        Ok(token) => {
            println!("token {} for {name}, acting as {username}:", token.id);
            println!("{}", token.secret);
            println!("keep it now: only its hash is stored. Send it as `Authorization: Bearer <token>`.");
            Ok(())
        }
        Err(StoreError::NotFound) => anyhow::bail!("--user: no account named '{username}'"),
        Err(e) => Err(e.into()),
    }
}

/// Every token, without secrets.
pub async fn list(config: Option<&Path>) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 1).await?;
    let tokens = store.api_tokens().await;
    store.close().await;
    let tokens = tokens?;
    if tokens.is_empty() {
        println!("no API tokens");
    }
    for t in tokens {
        let state = match t.revoked_ms {
            Some(ms) => format!("revoked {}", when(ms)),
            None => "active".to_owned(),
        };
        println!("{:>5}  {}  as {}  created {}  {state}", t.id, t.name, t.username, when(t.created_ms));
    }
    Ok(())
}

/// Revoke token `id`; running servers stop accepting it within `pingan_web::auth::TOKEN_TTL`.
pub async fn revoke(config: Option<&Path>, id: i64) -> anyhow::Result<()> {
    let config = Config::load(config)?;
    let store = open_store(&config.database_url, 1).await?;
    let result = store.revoke_api_token(id).await;
    store.close().await;
    match result {
        Ok(true) => {
            println!(
                "token {id} revoked; running servers refuse it within {} s",
                pingan_web::auth::TOKEN_TTL.as_secs()
            );
            Ok(())
        }
        Ok(false) => {
            println!("token {id} was already revoked");
            Ok(())
        }
        Err(StoreError::NotFound) => anyhow::bail!("no API token with id {id} (see `pingan token list`)"),
        Err(e) => Err(e.into()),
    }
}
