//! Prepaid-consumption supervision's storage: the registry (merchants, stores, products),
//! the rules document, the reporting clients (POS, escrow bank) and their tokens. Money flows
//! and the ledger are [`flows`]; indicators, assessments and warnings [`assess`]; the
//! tracked cases and the regulators' board [`cases`].
//!
//! Reads take the actor's scope on the merchant's registered place. Writes are the
//! supervising market-regulation department's (the merchant's placement names it, so a
//! department's staff change only the merchants it supervises) and the administrators'.

pub mod assess;
pub mod cases;
pub mod flows;
pub mod verify;

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Placement, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::personal::mask_name;
use pingan_domain::prepaid::PrepaidRules;
use pingan_domain::prepaid::registry::{NewMerchant, NewProduct, NewStore};
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub(crate) fn require(actor: &Actor, action: Action) -> Result<()> {
    actor.require(action, Resource::Prepaid).map_err(StoreError::from)
}

/// A merchant as lists and pages show it (the legal representative masked).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Merchant {
    pub id: i64,
    pub licence: String,
    pub name: String,
    pub brand: String,
    pub legal_rep: String,
    pub industry: String,
    pub issuer_type: String,
    pub opened_on: String,
    pub region_id: i64,
    pub region_name: String,
    #[serde(skip)]
    pub region_path: String,
    pub regulator_org_id: Option<i64>,
    pub regulator_name: Option<String>,
    pub closed_ms: Option<i64>,
    pub outstanding_fen: i64,
    pub escrow_fen: i64,
    pub required_fen: i64,
    pub required_percent: i64,
    pub stop_order: Option<String>,
    pub warning_level: String,
    pub credit_grade: String,
    pub risk_score: i64,
    pub credit_score: i64,
    pub assessed_ms: Option<i64>,
    pub stores: i64,
}

impl Merchant {
    /// Escrow ÷ outstanding in per mille; `None` with nothing outstanding.
    pub fn coverage_permille(&self) -> Option<i64> {
        (self.outstanding_fen > 0).then(|| self.escrow_fen.saturating_mul(1000) / self.outstanding_fen)
    }

    pub fn shortfall_fen(&self) -> i64 {
        (self.required_fen - self.escrow_fen).max(0)
    }

    fn masked(mut self) -> Self {
        self.legal_rep = mask_name(&self.legal_rep);
        self
    }

    pub(crate) fn path(&self) -> Result<RegionPath> {
        RegionPath::parse(&self.region_path)
            .ok_or_else(|| StoreError::Corrupt(format!("prepaid merchant {}: region path", self.id)))
    }
}

pub(crate) const MERCHANT_SELECT: &str =
    "SELECT m.id, m.licence, m.name, m.brand, m.legal_rep, m.industry, m.issuer_type,
        m.opened_on, m.region_id, r.name AS region_name, m.region_path, m.regulator_org_id, o.name AS regulator_name,
        m.closed_ms, m.outstanding_fen, m.escrow_fen, m.required_fen, m.required_percent, m.stop_order,
        m.warning_level, m.credit_grade, m.risk_score, m.credit_score, m.assessed_ms,
        (SELECT count(*) FROM prepaid_stores s WHERE s.merchant_id = m.id) AS stores
   FROM prepaid_merchants m JOIN regions r ON r.id = m.region_id LEFT JOIN orgs o ON o.id = m.regulator_org_id";

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StoreSite {
    pub id: i64,
    pub merchant_id: i64,
    pub name: String,
    pub address: String,
    pub lon: f64,
    pub lat: f64,
    pub region_id: i64,
    pub grid_name: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub merchant_id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub price_fen: i64,
    pub sessions: Option<i64>,
    pub period_days: Option<i64>,
    pub terms: String,
}

impl Product {
    /// Clauses in the terms that are void against consumers.
    pub fn void_clauses(&self) -> Vec<&'static str> {
        pingan_domain::prepaid::registry::void_clauses(&self.terms)
    }
}

#[derive(Debug, Clone, Default)]
pub struct MerchantFilter {
    pub industry: Option<String>,
    pub level: Option<String>,
    /// Name, brand or licence contains this.
    pub q: Option<String>,
    /// Only those at or above this warning level.
    pub at_risk: bool,
    pub page: i64,
    pub per_page: i64,
}

/// The rules in force: the newest version, or the defaults (version 0).
#[derive(Debug, Clone, Serialize)]
pub struct RulesVersion {
    pub version: i64,
    pub rules: PrepaidRules,
    pub created_ms: Option<i64>,
}

/// A reporting system.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PrepaidClient {
    pub id: i64,
    pub name: String,
    /// `pos` (one merchant's till) or `bank` (the escrow bank).
    pub kind: String,
    pub merchant_id: Option<i64>,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}

pub(crate) fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn like_pattern(q: &str) -> String {
    let escaped: String =
        q.trim().chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

impl Store {
    /// The prepaid rules in force.
    pub async fn prepaid_rules(&self) -> Result<RulesVersion> {
        let row: Option<(i64, String, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, body, created_ms FROM prepaid_rules ORDER BY id DESC LIMIT 1"
        )
        .fetch_optional(pool)
        .await)?;
        Ok(match row {
            None => RulesVersion { version: 0, rules: PrepaidRules::default(), created_ms: None },
            Some((id, body, created_ms)) => {
                let doc: serde_json::Value =
                    serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("prepaid rules {id}: {e}")))?;
                let rules = PrepaidRules::parse(&doc)
                    .map_err(|e| StoreError::Corrupt(format!("prepaid rules {id}: {}", e[0])))?;
                RulesVersion { version: id, rules, created_ms: Some(created_ms) }
            }
        })
    }

    /// Store a new version of the rules, written over `base` (the version the editor saw):
    /// a city administrator's change, audited. A stale base is refused.
    pub async fn set_prepaid_rules(&self, actor: &Actor, base: i64, rules: &PrepaidRules) -> Result<RulesVersion> {
        if actor.role != Role::Admin || actor.scope.region.ids().len() != 1 {
            return Err(StoreError::Refused {
                status: 403,
                message: "预付监管规则由市级管理员维护 / the prepaid rules are kept by the city's administrators"
                    .into(),
            });
        }
        let body = serde_json::to_string(rules).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let current: Option<i64> =
                sqlx::query_scalar("SELECT max(id) FROM prepaid_rules").fetch_one(&mut *tx).await?;
            if current.unwrap_or(0) != base {
                return Err(StoreError::Conflict(
                    "规则已被他人修改,请刷新后再改 / the rules changed since you opened them: reload".into(),
                ));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_rules (body, created_ms, created_by) VALUES ($1, $2, $3) RETURNING id",
            )
            .bind(&body)
            .bind(now)
            .bind(actor.account_id)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.rules_update".into(),
                target_kind: "prepaid_rules".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "version": base }),
                after: serde_json::from_str(&body).unwrap_or_default(),
            };
            write_audit!(&mut *tx, &event, actor.scope.region.as_str())?;
            tx.commit().await?;
            id
        });
        Ok(RulesVersion { version: id, rules: rules.clone(), created_ms: Some(now) })
    }

    /// The market-regulation department that supervises merchants at `place`: the county's,
    /// else the city's.
    async fn market_regulator(&self, place: &RegionPath) -> Result<Option<i64>> {
        for region in place.ids().iter().take(2).rev() {
            let found: Option<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(
                "SELECT id FROM orgs WHERE kind = 'department' AND dept = 'shichang' AND region_id = $1
                   AND retired_at IS NULL ORDER BY id LIMIT 1"
            )
            .bind(*region)
            .fetch_optional(pool)
            .await)?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Register a merchant at `region_id` (a county or township in the actor's scope).
    pub async fn register_merchant(&self, actor: &Actor, m: &NewMerchant, region_id: i64) -> Result<Merchant> {
        require(actor, Action::Create)?;
        let region = match self.region(&actor.scope, region_id).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "region_id",
                    "没有这个区划,或不在您的范围内 / no such region in your scope",
                )]));
            }
            Err(e) => return Err(e),
        };
        if !matches!(region.level, RegionLevel::County | RegionLevel::Township) || region.retired {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "region_id",
                "商户登记在县(市、区)或乡镇(街道) / register a merchant in a county or township",
            )]));
        }
        let regulator = self.market_regulator(&region.path).await?;
        actor.authorize(Action::Create, Resource::Prepaid, &Placement { region: &region.path, org_id: regulator })?;
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM prepaid_merchants WHERE licence = $1")
                .bind(m.licence.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "licence",
                    "该统一社会信用代码已登记 / a merchant with this code is registered",
                )]));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_merchants (licence, name, brand, legal_rep, industry, issuer_type, opened_on,
                        region_id, region_path, regulator_org_id, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(m.licence.as_str())
            .bind(&m.name)
            .bind(&m.brand)
            .bind(&m.legal_rep)
            .bind(m.industry.code())
            .bind(m.issuer_type.code())
            .bind(m.opened_on.to_string())
            .bind(region.id)
            .bind(region.path.as_str())
            .bind(regulator)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.merchant_register".into(),
                target_kind: "prepaid_merchant".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "licence": m.licence.as_str(), "name": m.name, "industry": m.industry.code(),
                    "issuer_type": m.issuer_type.code(), "region_id": region.id }),
            };
            write_audit!(&mut *tx, &event, region.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.prepaid_merchant(actor, id).await
    }

    /// Merchant `id`, if the actor's scope reaches it.
    pub async fn prepaid_merchant(&self, actor: &Actor, id: i64) -> Result<Merchant> {
        require(actor, Action::Read)?;
        let m = self.merchant_unscoped(id).await?;
        if !actor.scope.covers_region(&m.path()?) {
            return Err(StoreError::NotFound);
        }
        Ok(m.masked())
    }

    /// A merchant for system jobs (assessment) and public pages, which say so.
    pub(crate) async fn merchant_unscoped(&self, id: i64) -> Result<Merchant> {
        let sql = format!("{MERCHANT_SELECT} WHERE m.id = $1");
        let m: Option<Merchant> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        m.ok_or(StoreError::NotFound)
    }

    /// A merchant the actor may change, loaded and authorised.
    pub(crate) async fn merchant_for_update(&self, actor: &Actor, id: i64) -> Result<Merchant> {
        require(actor, Action::Update)?;
        let m = self.merchant_unscoped(id).await?;
        let path = m.path()?;
        if !actor.scope.covers_region(&path) {
            return Err(StoreError::NotFound);
        }
        actor.authorize(Action::Update, Resource::Prepaid, &Placement { region: &path, org_id: m.regulator_org_id })?;
        Ok(m)
    }

    /// Merchants in the actor's scope, the riskiest first.
    pub async fn prepaid_merchants(&self, actor: &Actor, f: &MerchantFilter) -> Result<(Vec<Merchant>, i64)> {
        require(actor, Action::Read)?;
        let scope = &actor.scope.region;
        let mut conditions = vec!["m.region_path >= $1 AND m.region_path < $2".to_owned()];
        // Codes below are checked against the domain's lists before they are inlined.
        if let Some(i) = f.industry.as_deref().and_then(pingan_domain::prepaid::PrepaidIndustry::parse) {
            conditions.push(format!("m.industry = '{}'", i.code()));
        }
        if let Some(l) = f.level.as_deref().and_then(pingan_domain::prepaid::WarningLevel::parse) {
            conditions.push(format!("m.warning_level = '{}'", l.code()));
        }
        if f.at_risk {
            conditions.push("m.warning_level IN ('orange', 'red')".into());
        }
        let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(like_pattern);
        if q.is_some() {
            conditions.push(
                "(m.name LIKE $3 ESCAPE '\\' OR m.brand LIKE $3 ESCAPE '\\' OR m.licence LIKE $3 ESCAPE '\\')".into(),
            );
        }
        let filter = conditions.join(" AND ");
        let per_page = f.per_page.clamp(1, 500);
        let offset = f.page.max(0) * per_page;
        let list_sql = format!(
            "{MERCHANT_SELECT} WHERE {filter}
              ORDER BY m.risk_score DESC, m.outstanding_fen DESC, m.id LIMIT {per_page} OFFSET {offset}"
        );
        let count_sql = format!("SELECT count(*) FROM prepaid_merchants m WHERE {filter}");
        let (start, end) = (scope.as_str().to_owned(), scope.subtree_end());
        let (rows, total): (Vec<Merchant>, i64) = on_pool!(&self.db, |pool| {
            let mut list = sqlx::query_as(&list_sql).bind(&start).bind(&end);
            let mut count = sqlx::query_scalar(&count_sql).bind(&start).bind(&end);
            if let Some(q) = &q {
                list = list.bind(q);
                count = count.bind(q);
            }
            (list.fetch_all(pool).await?, count.fetch_one(pool).await?)
        });
        Ok((rows.into_iter().map(Merchant::masked).collect(), total))
    }

    /// The public look-up (no sign-in): merchants whose name, brand or licence contains `q`,
    /// at most 20. Unscoped by design — the public page shows what every consumer may see.
    pub async fn public_merchant_search(&self, q: &str) -> Result<Vec<Merchant>> {
        let q = q.trim();
        if q.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let pattern = like_pattern(q);
        let sql = format!(
            "{MERCHANT_SELECT} WHERE m.name LIKE $1 ESCAPE '\\' OR m.brand LIKE $1 ESCAPE '\\' OR m.licence = $2
              ORDER BY m.brand, m.id LIMIT 20"
        );
        let rows: Vec<Merchant> = on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(q.to_ascii_uppercase())
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(Merchant::masked).collect())
    }

    /// A merchant's stores (public: addresses are public information).
    pub async fn merchant_stores(&self, merchant_id: i64) -> Result<Vec<StoreSite>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT s.id, s.merchant_id, s.name, s.address, s.lon, s.lat, s.region_id, r.name AS grid_name
               FROM prepaid_stores s JOIN regions r ON r.id = s.region_id WHERE s.merchant_id = $1 ORDER BY s.id"
        )
        .bind(merchant_id)
        .fetch_all(pool)
        .await)?)
    }

    /// A merchant's products (public: what is on sale and on what terms).
    pub async fn merchant_products(&self, merchant_id: i64) -> Result<Vec<Product>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, merchant_id, code, name, kind, price_fen, sessions, period_days, terms
               FROM prepaid_products WHERE merchant_id = $1 ORDER BY id"
        )
        .bind(merchant_id)
        .fetch_all(pool)
        .await)?)
    }

    /// Add a store in grid `grid_id` (the handler locates the point; the grid must be in the
    /// merchant's county).
    pub async fn add_merchant_store(
        &self,
        actor: &Actor,
        merchant_id: i64,
        s: &NewStore,
        grid_id: i64,
    ) -> Result<StoreSite> {
        let m = self.merchant_for_update(actor, merchant_id).await?;
        let grid = self.region_unscoped(grid_id).await?;
        let county = m.path()?.ids().get(..2).map(|ids| ids.to_vec()).unwrap_or_default();
        if grid.level != RegionLevel::Grid || !grid.path.ids().starts_with(&county) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "lon",
                "门店位置不在该商户所在县(市、区)的网格内 / the store is not in a grid of the merchant's county",
            )]));
        }
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_stores (merchant_id, name, address, lon, lat, region_id, region_path, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(merchant_id)
            .bind(&s.name)
            .bind(&s.address)
            .bind(s.lon)
            .bind(s.lat)
            .bind(grid.id)
            .bind(grid.path.as_str())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.store_add".into(),
                target_kind: "prepaid_merchant".into(),
                target_id: Some(merchant_id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "store_id": id, "name": s.name, "address": s.address, "grid_id": grid.id }),
            };
            write_audit!(&mut *tx, &event, m.region_path.as_str())?;
            tx.commit().await?;
            id
        });
        self.merchant_stores(merchant_id).await?.into_iter().find(|s| s.id == id).ok_or(StoreError::NotFound)
    }

    /// Add a prepaid product with its contract terms.
    pub async fn add_merchant_product(&self, actor: &Actor, merchant_id: i64, p: &NewProduct) -> Result<Product> {
        let m = self.merchant_for_update(actor, merchant_id).await?;
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM prepaid_products WHERE merchant_id = $1 AND code = $2")
                    .bind(merchant_id)
                    .bind(&p.code)
                    .fetch_optional(&mut *tx)
                    .await?;
            if taken.is_some() {
                return Err(StoreError::Invalid(vec![FieldError::new(
                    "code",
                    "该商户已有此编码的商品 / the merchant has a product with this code",
                )]));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_products (merchant_id, code, name, kind, price_fen, sessions, period_days, terms, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(merchant_id)
            .bind(&p.code)
            .bind(&p.name)
            .bind(p.kind.code())
            .bind(p.price_fen)
            .bind(p.sessions)
            .bind(p.period_days)
            .bind(&p.terms)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.product_add".into(),
                target_kind: "prepaid_merchant".into(),
                target_id: Some(merchant_id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "product_id": id, "code": p.code, "kind": p.kind.code(),
                    "price_fen": p.price_fen, "void_clauses": p.void_clauses }),
            };
            write_audit!(&mut *tx, &event, m.region_path.as_str())?;
            tx.commit().await?;
            id
        });
        self.merchant_products(merchant_id).await?.into_iter().find(|p| p.id == id).ok_or(StoreError::NotFound)
    }

    /// Issue a token for a reporting system: a merchant's POS (`merchant_id`) or the escrow
    /// bank (none). The secret is returned once; only its hash is kept.
    pub async fn create_prepaid_client(
        &self,
        actor: &Actor,
        name: &str,
        merchant_id: Option<i64>,
    ) -> Result<(PrepaidClient, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "name",
                "请填写接入系统名称(60 字以内) / a name of at most 60 characters",
            )]));
        }
        let region = match merchant_id {
            Some(id) => self.merchant_for_update(actor, id).await?.region_path,
            // The bank reports for every merchant: the city's administrators connect it.
            None if actor.role == Role::Admin && actor.scope.region.ids().len() == 1 => {
                actor.scope.region.as_str().to_owned()
            }
            None => return Err(StoreError::Denied(Denied::Role)),
        };
        let secret = format!("ppc_{}", hex::encode(rand::random::<[u8; 24]>()));
        let kind = if merchant_id.is_some() { "pos" } else { "bank" };
        let now = now_ms();
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO prepaid_clients (name, kind, merchant_id, token_hash, created_ms, created_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(name)
            .bind(kind)
            .bind(merchant_id)
            .bind(token_hash(&secret))
            .bind(now)
            .bind(actor.account_id)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "prepaid.client_create".into(),
                target_kind: "prepaid_client".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "name": name, "kind": kind, "merchant_id": merchant_id }),
            };
            write_audit!(&mut *tx, &event, &region)?;
            tx.commit().await?;
            id
        });
        let client = PrepaidClient {
            id,
            name: name.to_owned(),
            kind: kind.into(),
            merchant_id,
            created_ms: now,
            revoked_ms: None,
        };
        Ok((client, secret))
    }

    /// The live client holding `secret`, if any.
    pub async fn prepaid_client_by_token(&self, secret: &str) -> Result<Option<PrepaidClient>> {
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, name, kind, merchant_id, created_ms, revoked_ms FROM prepaid_clients
              WHERE token_hash = $1 AND revoked_ms IS NULL"
        )
        .bind(token_hash(secret))
        .fetch_optional(pool)
        .await)?)
    }
}
