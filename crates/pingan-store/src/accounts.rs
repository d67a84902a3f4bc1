//! Accounts, sessions and sign-in throttling.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};
use pingan_domain::Role;
use pingan_domain::access::{Actor, Scope};
use pingan_domain::region::RegionPath;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// What sign-in needs to know about an account.
#[derive(Debug, Clone)]
pub struct LoginAccount {
    pub id: i64,
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub actor: Actor,
}

#[derive(sqlx::FromRow)]
struct AccountRecord {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    org_id: Option<i64>,
    password_hash: Option<String>,
    disabled: bool,
    region_path: String,
}

impl TryFrom<AccountRecord> for LoginAccount {
    type Error = StoreError;
    fn try_from(r: AccountRecord) -> Result<LoginAccount> {
        let role =
            Role::parse(&r.role).ok_or_else(|| StoreError::Corrupt(format!("account {} role '{}'", r.id, r.role)))?;
        let region = RegionPath::parse(&r.region_path)
            .ok_or_else(|| StoreError::Corrupt(format!("account {} region path", r.id)))?;
        Ok(LoginAccount {
            id: r.id,
            password_hash: r.password_hash,
            disabled: r.disabled,
            actor: Actor {
                account_id: r.id,
                username: r.username,
                display_name: r.display_name,
                role,
                scope: Scope { region, org_id: r.org_id },
            },
        })
    }
}

const ACCOUNT_SELECT: &str = "SELECT a.id, a.username, a.display_name, a.role, a.org_id, a.password_hash, a.disabled,
    r.path AS region_path FROM accounts a JOIN regions r ON r.id = a.region_id";

/// A row of the account list (phone masked by the caller's view).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AccountListItem {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub region_name: String,
    pub phone: Option<String>,
    pub disabled: bool,
}

/// A new session: the cookie value (only its hash is stored) and the CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
}

/// Session lifetimes (DOMAIN §9: idle logout).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_ms: i64,
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle_ms: 30 * 60 * 1000, absolute_ms: 12 * 3600 * 1000 }
    }
}

/// Sign-in throttling: after `max_failures` within `window_ms` the key is locked for `lock_ms`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub max_failures: i64,
    pub window_ms: i64,
    pub lock_ms: i64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy { max_failures: 5, window_ms: 15 * 60 * 1000, lock_ms: 15 * 60 * 1000 }
    }
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// System job (sign-in): the account behind a username, whatever its scope.
    pub async fn login_account(&self, username: &str) -> Result<Option<LoginAccount>> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.username = $1");
        let rec: Option<AccountRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(username).fetch_optional(pool).await)?;
        rec.map(LoginAccount::try_from).transpose()
    }

    /// System job (citizen sign-in): the citizen account for a phone number.
    pub async fn citizen_by_phone(&self, phone: &str) -> Result<Option<LoginAccount>> {
        let sql = format!("{ACCOUNT_SELECT} WHERE a.phone = $1 AND a.role = 'citizen'");
        let rec: Option<AccountRecord> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(phone).fetch_optional(pool).await)?;
        rec.map(LoginAccount::try_from).transpose()
    }

    pub async fn create_session(&self, account_id: i64, policy: &SessionPolicy) -> Result<NewSession> {
        let s = NewSession { token: random_token(), csrf_token: random_token() };
        let now = now_ms();
        on_pool!(&self.db, |pool| sqlx::query(
            "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)"
        )
        .bind(token_hash(&s.token))
        .bind(account_id)
        .bind(&s.csrf_token)
        .bind(now)
        .bind(now + policy.absolute_ms)
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(s)
    }

    /// The actor and CSRF token of a live session. Expired or idle sessions are
    /// deleted and yield `None`; a live one has its idle clock reset (at most once a minute,
    /// to spare the database a write per request).
    pub async fn session(&self, token: &str, policy: &SessionPolicy) -> Result<Option<(Actor, String)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            csrf_token: String,
            last_seen_at: i64,
            expires_at: i64,
            #[sqlx(flatten)]
            account: AccountRecord,
        }
        let hash = token_hash(token);
        // One query on every request: the session with its account and scope.
        let row: Option<Row> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT s.csrf_token, s.last_seen_at, s.expires_at, a.id, a.username, a.display_name, a.role, a.org_id,
                    a.password_hash, a.disabled, r.path AS region_path
             FROM sessions s JOIN accounts a ON a.id = s.account_id JOIN regions r ON r.id = a.region_id
             WHERE s.token_hash = $1"
        )
        .bind(&hash)
        .fetch_optional(pool)
        .await)?;
        let Some(row) = row else { return Ok(None) };
        let now = now_ms();
        if now >= row.expires_at || now - row.last_seen_at >= policy.idle_ms {
            self.delete_session(token).await?;
            return Ok(None);
        }
        if now - row.last_seen_at > 60_000 {
            on_pool!(&self.db, |pool| sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(pool)
                .await
                .map(|_| ()))?;
        }
        let account = LoginAccount::try_from(row.account)?;
        Ok((!account.disabled).then_some((account.actor, row.csrf_token)))
    }

    pub async fn delete_session(&self, token: &str) -> Result<()> {
        on_pool!(&self.db, |pool| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Count a sign-in attempt for `key` *before* checking the secret, in one atomic
    /// statement, so parallel guesses cannot slip past the limit. Returns the lock
    /// deadline (ms) when the attempt must be refused; a success should then call
    /// [`Store::login_succeeded`] to clear the count.
    pub async fn login_attempt(&self, key: &str, policy: &ThrottlePolicy) -> Result<Option<i64>> {
        let now = now_ms();
        let window_start = now - policy.window_ms;
        let (attempts, locked_until): (i64, i64) = on_pool!(&self.db, |pool| sqlx::query_as(
            "INSERT INTO login_failures (key, failures, first_at, locked_until) VALUES ($1, 1, $2, 0)
             ON CONFLICT (key) DO UPDATE SET
                failures = CASE WHEN login_failures.first_at < $3 THEN 1 ELSE login_failures.failures + 1 END,
                first_at = CASE WHEN login_failures.first_at < $3 THEN $2 ELSE login_failures.first_at END
             RETURNING failures, locked_until"
        )
        .bind(key)
        .bind(now)
        .bind(window_start)
        .fetch_one(pool)
        .await)?;
        if locked_until > now {
            return Ok(Some(locked_until));
        }
        if attempts > policy.max_failures {
            let until = now + policy.lock_ms;
            // Never shorten a lock another request set.
            on_pool!(&self.db, |pool| {
                sqlx::query(
                "UPDATE login_failures SET locked_until = CASE WHEN locked_until > $2 THEN locked_until ELSE $2 END WHERE key = $1"
            )
            .bind(key)
            .bind(until)
            .execute(pool)
            .await
            .map(|_| ())
            })?;
            return Ok(Some(until));
        }
        Ok(None)
    }

    pub async fn login_succeeded(&self, key: &str) -> Result<()> {
        on_pool!(&self.db, |pool| sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// Accounts whose scope root lies in the caller's scope.
    pub async fn accounts(&self, scope: &Scope, limit: i64, offset: i64) -> Result<(Vec<AccountListItem>, i64)> {
        let lo = scope.region.as_str();
        let hi = scope.region.subtree_end();
        let (rows, total) = on_pool!(&self.db, |pool| {
            let rows: Vec<AccountListItem> = sqlx::query_as(
                "SELECT a.id, a.username, a.display_name, a.role, r.name AS region_name, a.phone, a.disabled
                 FROM accounts a JOIN regions r ON r.id = a.region_id
                 WHERE r.path >= $1 AND r.path < $2 ORDER BY a.id LIMIT $3 OFFSET $4",
            )
            .bind(lo)
            .bind(&hi)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?;
            let total: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM accounts a JOIN regions r ON r.id = a.region_id WHERE r.path >= $1 AND r.path < $2",
            )
            .bind(lo)
            .bind(&hi)
            .fetch_one(pool)
            .await?;
            (rows, total)
        });
        Ok((rows, total))
    }
}

impl Store {
    /// System job (demo banner): the first account of each role, with its scope's name.
    pub async fn first_account_per_role(&self) -> Result<Vec<(String, Role, String)>> {
        let rows: Vec<(String, String, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT a.username, a.role, r.name FROM accounts a JOIN regions r ON r.id = a.region_id
             WHERE a.id IN (SELECT min(id) FROM accounts WHERE password_hash IS NOT NULL GROUP BY role) ORDER BY a.id"
        )
        .fetch_all(pool)
        .await)?;
        rows.into_iter()
            .map(|(u, role, region)| {
                let role =
                    Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("account {u} role '{role}'")))?;
                Ok((u, role, region))
            })
            .collect()
    }
}

/// Why a one-time code was not issued or accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtpRefusal {
    /// A code was sent less than the resend interval ago; retry after this many seconds.
    TooSoon(i64),
    /// No live code for this phone (never sent, expired, used or voided by wrong guesses).
    NoCode,
    /// Wrong code; this many attempts remain.
    Wrong(i64),
}

impl Store {
    /// Record a new code for `phone` unless one was sent within the resend interval.
    pub async fn issue_otp(
        &self,
        phone: &str,
        code_hash: &str,
        policy: &pingan_domain::otp::OtpPolicy,
    ) -> Result<Result<(), OtpRefusal>> {
        let now = now_ms();
        let outcome = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let sent_at: Option<i64> = sqlx::query_scalar("SELECT sent_at FROM otp_codes WHERE phone = $1")
                .bind(phone)
                .fetch_optional(&mut *tx)
                .await?;
            match sent_at {
                Some(t) if now - t < policy.resend_ms => {
                    Err(OtpRefusal::TooSoon((policy.resend_ms - (now - t)) / 1000 + 1))
                }
                _ => {
                    sqlx::query(
                        "INSERT INTO otp_codes (phone, code_hash, expires_at, attempts, sent_at) VALUES ($1, $2, $3, 0, $4)
                         ON CONFLICT (phone) DO UPDATE SET code_hash = $2, expires_at = $3, attempts = 0, sent_at = $4",
                    )
                    .bind(phone)
                    .bind(code_hash)
                    .bind(now + policy.ttl_ms)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }
            }
        });
        Ok(outcome)
    }

    /// Check a code. Each check spends one of the code's attempts atomically before
    /// comparing, so parallel guesses cannot exceed the limit; a right code is consumed.
    pub async fn check_otp(
        &self,
        phone: &str,
        code_hash: &str,
        policy: &pingan_domain::otp::OtpPolicy,
    ) -> Result<Result<(), OtpRefusal>> {
        let now = now_ms();
        let outcome = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, i64)> = sqlx::query_as(
                "UPDATE otp_codes SET attempts = attempts + 1
                 WHERE phone = $1 AND attempts < $2 AND expires_at > $3 RETURNING code_hash, attempts",
            )
            .bind(phone)
            .bind(policy.max_attempts)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match row {
                None => Err(OtpRefusal::NoCode),
                Some((stored, _)) if stored == code_hash => {
                    sqlx::query("DELETE FROM otp_codes WHERE phone = $1").bind(phone).execute(&mut *tx).await?;
                    Ok(())
                }
                Some((_, attempts)) => Err(OtpRefusal::Wrong(policy.max_attempts - attempts)),
            };
            tx.commit().await?;
            outcome
        });
        Ok(outcome)
    }

    /// The citizen account for a verified phone, created (and audited) on first sign-in.
    /// Cases reported with this phone (by proxy, the hotline, a red station) before the
    /// resident had an account, or while it was being created, become theirs at sign-in.
    pub async fn citizen_account(&self, phone: &pingan_domain::personal::Phone) -> Result<LoginAccount> {
        let account = self.citizen_account_row(phone).await?;
        on_pool!(&self.db, |pool| sqlx::query(
            "UPDATE appeals SET reporter_account_id = $1 WHERE reporter_phone = $2 AND reporter_account_id IS NULL"
        )
        .bind(account.id)
        .bind(phone.as_str())
        .execute(pool)
        .await
        .map(|_| ()))?;
        Ok(account)
    }

    async fn citizen_account_row(&self, phone: &pingan_domain::personal::Phone) -> Result<LoginAccount> {
        if let Some(acc) = self.citizen_by_phone(phone.as_str()).await? {
            return Ok(acc);
        }
        let city = self.city_path().await?.ok_or(StoreError::NotFound)?;
        let username = pingan_domain::otp::citizen_username(phone.as_str());
        let now = now_ms();
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO accounts (username, display_name, role, region_id, phone, created_at)
                 VALUES ($1, $2, 'citizen', $3, $4, $5) ON CONFLICT (username) DO NOTHING RETURNING id",
            )
            .bind(&username)
            .bind(format!("群众 {}", phone.masked()))
            .bind(city.id())
            .bind(phone.as_str())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                let event = pingan_domain::audit::AuditEvent {
                    at_ms: now,
                    actor_id: Some(id),
                    actor_name: username.clone(),
                    action: "account.create".into(),
                    target_kind: "account".into(),
                    target_id: Some(id),
                    success: true,
                    before: serde_json::Value::Null,
                    after: serde_json::json!({"role": "citizen", "phone": phone.masked()}),
                };
                crate::write_audit!(&mut *tx, &event, city.as_str())?;
            }
            tx.commit().await?;
        });
        // Either we created it or a concurrent first sign-in did; read it back either way.
        self.citizen_by_phone(phone.as_str()).await?.ok_or(StoreError::NotFound)
    }
}

/// A freshly created API token: the secret is shown once and only its hash is kept.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub id: i64,
    pub secret: String,
}

impl Store {
    /// The account an API token acts as, unless the token is unknown, revoked or its account disabled.
    pub async fn api_token_actor(&self, secret: &str) -> Result<Option<(i64, Actor)>> {
        #[derive(sqlx::FromRow)]
        struct Row {
            token_id: i64,
            #[sqlx(flatten)]
            account: AccountRecord,
        }
        let row: Option<Row> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT t.id AS token_id, a.id, a.username, a.display_name, a.role, a.org_id, a.password_hash, a.disabled,
                    r.path AS region_path
             FROM api_tokens t JOIN accounts a ON a.id = t.account_id JOIN regions r ON r.id = a.region_id
             WHERE t.token_hash = $1 AND t.revoked_ms IS NULL"
        )
        .bind(token_hash(secret))
        .fetch_optional(pool)
        .await
        })?;
        let Some(row) = row else { return Ok(None) };
        let account = LoginAccount::try_from(row.account)?;
        Ok((!account.disabled).then_some((row.token_id, account.actor)))
    }

    /// Issue a token acting as `username` (an operator's step: `pingan token create`), audited.
    pub async fn create_api_token(&self, name: &str, username: &str) -> Result<NewApiToken> {
        let account = self.login_account(username).await?.ok_or(crate::StoreError::NotFound)?;
        let secret = format!("pa_{}", random_token());
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO api_tokens (name, token_hash, account_id, created_ms) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(name)
            .bind(token_hash(&secret))
            .bind(account.actor.account_id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = pingan_domain::audit::AuditEvent {
                at_ms: now,
                actor_id: None,
                actor_name: "operator".into(),
                action: "api_token.create".into(),
                target_kind: "api_token".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({"name": name, "account": username}),
            };
            crate::write_audit!(&mut *tx, &event, account.actor.scope.region.as_str())?;
            tx.commit().await?;
            id
        });
        Ok(NewApiToken { id, secret })
    }

    /// Every API token, newest first, without secrets (only their hashes are kept).
    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenInfo>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT t.id, t.name, a.username, t.created_ms, t.revoked_ms
               FROM api_tokens t JOIN accounts a ON a.id = t.account_id ORDER BY t.id DESC"
        )
        .fetch_all(pool)
        .await)?)
    }

    /// Revoke a token (an operator's step: `pingan token revoke`), audited. Revoking a revoked
    /// token changes nothing and says so with `false`.
    pub async fn revoke_api_token(&self, id: i64) -> Result<bool> {
        let now = now_ms();
        Ok(on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, String, Option<i64>)> = sqlx::query_as(
                "SELECT t.name, r.path, t.revoked_ms FROM api_tokens t JOIN accounts a ON a.id = t.account_id
                   JOIN regions r ON r.id = a.region_id WHERE t.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((name, path, revoked)) = row else { return Err(StoreError::NotFound) };
            if revoked.is_some() {
                return Ok(false);
            }
            sqlx::query("UPDATE api_tokens SET revoked_ms = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let event = pingan_domain::audit::AuditEvent {
                at_ms: now,
                actor_id: None,
                actor_name: "operator".into(),
                action: "api_token.revoke".into(),
                target_kind: "api_token".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({"name": name}),
                after: serde_json::json!({"revoked_ms": now}),
            };
            crate::write_audit!(&mut *tx, &event, path.as_str())?;
            tx.commit().await?;
            Ok::<bool, StoreError>(true)
        })?)
    }
}

/// An API token as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub name: String,
    /// The account it acts as.
    pub username: String,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}
