//! 微心愿: residents' wishes and the people who fulfil them. Rules are
//! [`pingan_domain::forces::wish`]'s; here: who stands where to a wish (poster, claimer, a
//! party member of its community or a unit's staff), the versioned transitions with their
//! audit and the SMS to the resident, and the figures.

use crate::blobs::{AttachmentKind, BlobRef};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::audit::AuditEvent;
use pingan_domain::forces::wish::{NewWish, WishCommand, WishRefused, WishRelation, WishState, decide};
use pingan_domain::personal::mask_name;
use pingan_domain::region::{RegionLevel, RegionPath};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Wish {
    pub id: i64,
    pub title: String,
    pub detail: String,
    pub kind: String,
    pub state: String,
    pub community_id: i64,
    pub community_name: String,
    /// Who it is for, masked: the resident's name when a grid worker posted it.
    pub for_name: Option<String>,
    pub created_ms: i64,
    pub claimer_label: Option<String>,
    pub claimed_ms: Option<i64>,
    pub fulfilled_ms: Option<i64>,
    pub proof: Option<String>,
    pub confirmed_ms: Option<i64>,
    pub version: i64,
    #[serde(skip)]
    pub poster_id: i64,
    #[serde(skip)]
    pub claimed_by: Option<i64>,
    #[serde(skip)]
    pub region_path: String,
}

impl Wish {
    pub fn state(&self) -> WishState {
        WishState::parse(&self.state).unwrap_or(WishState::Open)
    }
}

/// Wishes in a place, by state.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WishFigures {
    pub posted: i64,
    pub open: i64,
    pub claimed: i64,
    /// Fulfilled, whether or not confirmed yet.
    pub fulfilled: i64,
    pub confirmed: i64,
}

const WISH_SELECT: &str = "SELECT w.id, w.title, w.detail, w.kind, w.state, w.community_id, r.name AS community_name,
        w.for_name, w.created_ms, w.claimer_label, w.claimed_ms, w.fulfilled_ms, w.proof, w.confirmed_ms,
        CAST(w.version AS BIGINT) AS version, w.poster_id, w.claimed_by, w.region_path
   FROM wishes w JOIN regions r ON r.id = w.community_id";

fn masked(mut w: Wish) -> Wish {
    w.for_name = w.for_name.as_deref().map(mask_name);
    w
}

/// Photos a claimer may send with the report that a wish is done.
pub const WISH_PHOTOS: usize = 3;

/// A photo of a wish fulfilled.
#[derive(Debug, Clone, Serialize)]
pub struct WishPhoto {
    pub id: i64,
    pub wish_id: i64,
    pub name: String,
    #[serde(skip)]
    pub sha256: String,
    #[serde(skip)]
    pub kind: AttachmentKind,
}

/// Where a staff member sees wishes and posts them: their scope, widened from a grid to its
/// community, since a wish belongs to a community and its grid workers serve the whole of it.
fn wish_area(actor: &Actor) -> RegionPath {
    // 1 city, 2 county, 3 township, 4 village or community.
    actor.scope.region.ancestor(4)
}

/// Staff who may post for residents and claim wishes (besides party members).
fn staff_helper(actor: &Actor) -> bool {
    actor.permits(Action::Update, Resource::Forces)
}

impl Store {
    /// The community a resident reported to as a confirmed party member, if any.
    async fn member_community(&self, actor: &Actor) -> Result<Option<(i64, String)>> {
        if actor.role != Role::Citizen {
            return Ok(None);
        }
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT community_id, name FROM party_members WHERE account_id = $1 AND state = 'confirmed'"
        )
        .bind(actor.account_id)
        .fetch_optional(pool)
        .await)?)
    }

    /// A resident posts a wish in their community; a grid worker or cadre posts one for a
    /// resident (`for_name`) in a community of their scope.
    pub async fn post_wish(&self, actor: &Actor, wish: &NewWish) -> Result<Wish> {
        let citizen = actor.role == Role::Citizen;
        if !citizen && !staff_helper(actor) {
            return Err(Denied::Role.into());
        }
        if !citizen && wish.for_name.is_none() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "for_name",
                "代群众提出心愿,请写明群众姓名 / name the resident you post it for",
            )]));
        }
        let community = self
            .region_unscoped(wish.community_id)
            .await
            .ok()
            .filter(|c| citizen || wish_area(actor).contains(&c.path));
        let Some(community) = community.filter(|c| c.level == RegionLevel::Village && !c.retired) else {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "community_id",
                "请选择村(社区) / pick a community",
            )]));
        };
        let now = now_ms();
        let path = community.path.as_str().to_owned();
        let for_name = if citizen { None } else { wish.for_name.clone() };
        let id = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO wishes (poster_id, for_name, community_id, region_path, title, detail, kind, state, created_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8) RETURNING id",
            )
            .bind(actor.account_id)
            .bind(&for_name)
            .bind(community.id)
            .bind(&path)
            .bind(&wish.title)
            .bind(&wish.detail)
            .bind(wish.kind.code())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "wish.post".into(),
                target_kind: "wish".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({ "title": wish.title, "kind": wish.kind.code(), "community_id": community.id, "for_name": for_name }),
            };
            write_audit!(&mut *tx, &event, path.as_str())?;
            tx.commit().await?;
            id
        });
        self.wish_unscoped(id).await
    }

    /// The communities `actor` may post wishes for (at most `limit`, by code): (id, name).
    pub async fn wish_communities(&self, actor: &Actor, limit: usize) -> Result<Vec<(i64, String)>> {
        let area = wish_area(actor);
        let sql = format!(
            "SELECT id, name FROM regions WHERE level = 'village' AND retired_at IS NULL AND path >= $1 AND path < $2
              ORDER BY code LIMIT {limit}"
        );
        Ok(on_pool!(&self.db, |pool| sqlx::query_as(&sql)
            .bind(area.as_str())
            .bind(area.subtree_end())
            .fetch_all(pool)
            .await)?)
    }

    async fn wish_unscoped(&self, id: i64) -> Result<Wish> {
        let sql = format!("{WISH_SELECT} WHERE w.id = $1");
        let w: Option<Wish> = on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(id).fetch_optional(pool).await)?;
        w.map(masked).ok_or(StoreError::NotFound)
    }

    /// The wishes `actor` may see: a resident their own, those they claimed, and the open ones
    /// of the community they serve as a party member; staff those in their scope. Newest first.
    pub async fn wishes(&self, actor: &Actor, state: Option<WishState>) -> Result<Vec<Wish>> {
        let state_sql = state.map(|s| format!(" AND w.state = '{}'", s.code())).unwrap_or_default();
        let rows: Vec<Wish> = if actor.role == Role::Citizen {
            let community = self.member_community(actor).await?.map_or(-1, |c| c.0);
            let sql = format!(
                "{WISH_SELECT} WHERE (w.poster_id = $1 OR w.claimed_by = $1 OR (w.community_id = $2 AND w.state = 'open')){state_sql}
                  ORDER BY w.id DESC LIMIT 200"
            );
            on_pool!(&self.db, |pool| sqlx::query_as(&sql)
                .bind(actor.account_id)
                .bind(community)
                .fetch_all(pool)
                .await)?
        } else {
            actor.require(Action::Read, Resource::Forces)?;
            let sql = format!(
                "{WISH_SELECT} WHERE w.region_path >= $1 AND w.region_path < $2{state_sql} ORDER BY w.id DESC LIMIT 500"
            );
            let (lo, hi) = (wish_area(actor).as_str().to_owned(), wish_area(actor).subtree_end());
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await)?
        };
        Ok(rows.into_iter().map(masked).collect())
    }

    /// How `actor` stands to `wish`, and the label a claim by them would carry.
    async fn wish_relation(&self, actor: &Actor, wish: &Wish) -> Result<(WishRelation, String)> {
        let poster = actor.account_id == wish.poster_id;
        let claimer = wish.claimed_by == Some(actor.account_id);
        let (may_claim, label) = if actor.role == Role::Citizen {
            match self.member_community(actor).await? {
                Some((community, name)) if community == wish.community_id => {
                    (true, format!("党员 {}", mask_name(&name)))
                }
                _ => (false, String::new()),
            }
        } else {
            let in_scope = pingan_domain::region::RegionPath::parse(&wish.region_path)
                .is_some_and(|p| wish_area(actor).contains(&p));
            let unit = match actor.scope.org_id {
                Some(org) => self.org(&actor.scope, org).await.map(|o| o.name).unwrap_or_default(),
                None => String::new(),
            };
            (staff_helper(actor) && in_scope, format!("{} {}", mask_name(&actor.display_name), unit).trim().to_owned())
        };
        Ok((WishRelation { poster, claimer, may_claim }, label))
    }

    /// Act on a wish (claim, release, fulfil with proof, confirm, withdraw) on the version seen.
    pub async fn act_on_wish(&self, actor: &Actor, id: i64, version: i64, command: &WishCommand) -> Result<Wish> {
        self.act_on_wish_with_photos(actor, id, version, command, &[]).await
    }

    /// [`Store::act_on_wish`], with photos of what was done when fulfilling (already in the
    /// blob store, checked by content; at most [`WISH_PHOTOS`]).
    pub async fn act_on_wish_with_photos(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
        command: &WishCommand,
        photos: &[(String, BlobRef)],
    ) -> Result<Wish> {
        if !photos.is_empty() && !matches!(command, WishCommand::Fulfil { .. }) {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "photos",
                "照片随反馈完成一并提交 / photos come with the report that it is done",
            )]));
        }
        if photos.len() > WISH_PHOTOS {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "photos",
                format!("照片最多 {WISH_PHOTOS} 张 / at most {WISH_PHOTOS} photos"),
            )]));
        }
        let wish = self.wish_unscoped(id).await?;
        let (rel, label) = self.wish_relation(actor, &wish).await?;
        // Those with nothing to do with a wish do not learn it exists.
        if !rel.poster && !rel.claimer && !rel.may_claim {
            return Err(StoreError::NotFound);
        }
        if wish.version != version {
            return Err(StoreError::Conflict("心愿刚有变化,请刷新后重试 / the wish changed: reload and retry".into()));
        }
        let next = decide(wish.state(), rel, command).map_err(|e| match e {
            WishRefused::NotAllowed(m) => StoreError::Refused { status: 403, message: m.into() },
            WishRefused::WrongState(m) => StoreError::Refused { status: 409, message: m },
            WishRefused::Invalid(errors) => StoreError::Invalid(errors),
        })?;
        let now = now_ms();
        // $1 the state, $2 the wish, $3 the version seen; then what each change sets.
        let (set, kind, notice) = match command {
            WishCommand::Claim => (
                "claimed_by = $4, claimer_label = $5, claimed_ms = $6",
                "wish.claim",
                Some(format!("【平安德州】您的微心愿“{}”已被{}认领。", wish.title, label)),
            ),
            WishCommand::Release => {
                ("claimed_by = NULL, claimer_label = NULL, claimed_ms = NULL", "wish.release", None)
            }
            WishCommand::Fulfil { .. } => (
                "fulfilled_ms = $4, proof = $5",
                "wish.fulfil",
                Some(format!("【平安德州】您的微心愿“{}”已完成,请确认。", wish.title)),
            ),
            WishCommand::Confirm => ("confirmed_ms = $4", "wish.confirm", None),
            WishCommand::Withdraw => ("", "wish.withdraw", None),
        };
        let proof = match command {
            WishCommand::Fulfil { proof } => Some(proof.trim().to_owned()),
            _ => None,
        };
        // A post by a grid worker for a resident is confirmed by the worker; the SMS goes only
        // to a resident who posted it themselves.
        let poster_phone: Option<String> = if wish.for_name.is_none() {
            on_pool!(&self.db, |pool| sqlx::query_scalar(
                "SELECT phone FROM accounts WHERE id = $1 AND role = 'citizen'"
            )
            .bind(wish.poster_id)
            .fetch_optional(pool)
            .await)?
            .flatten()
        } else {
            None
        };
        let set = if set.is_empty() { String::new() } else { format!(", {set}") };
        let sql = format!("UPDATE wishes SET state = $1, version = version + 1{set} WHERE id = $2 AND version = $3");
        on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let q = sqlx::query(&sql).bind(next.code()).bind(id).bind(version);
            let q = match command {
                WishCommand::Claim => q.bind(actor.account_id).bind(&label).bind(now),
                WishCommand::Fulfil { .. } => q.bind(now).bind(&proof),
                WishCommand::Confirm => q.bind(now),
                WishCommand::Release | WishCommand::Withdraw => q,
            };
            let done = q.execute(&mut *tx).await?.rows_affected();
            if done != 1 {
                return Err(StoreError::Conflict(
                    "心愿刚有变化,请刷新后重试 / the wish changed: reload and retry".into(),
                ));
            }
            for (name, blob) in photos {
                sqlx::query(
                    "INSERT INTO wish_photos (wish_id, sha256, size, mime, name, added_by, added_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(&blob.sha256)
                .bind(blob.size as i64)
                .bind(blob.kind.mime())
                .bind(name)
                .bind(actor.account_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if let (Some(text), Some(phone)) = (&notice, &poster_phone) {
                sqlx::query(
                    "INSERT INTO notifications (created_ms, audience, phone, kind, text, wish_id) VALUES ($1, 'citizen', $2, $3, $4, $5)",
                )
                .bind(now)
                .bind(phone)
                .bind(kind.replace('.', "_"))
                .bind(text)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: kind.into(),
                target_kind: "wish".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({ "state": wish.state }),
                after: serde_json::json!({
                    "state": next.code(),
                    "proof": proof,
                    "photos": photos.iter().map(|(name, b)| serde_json::json!({ "name": name, "sha256": b.sha256 })).collect::<Vec<_>>(),
                }),
            };
            write_audit!(&mut *tx, &event, wish.region_path.as_str())?;
            tx.commit().await?;
            Ok::<(), StoreError>(())
        })?;
        self.wish_unscoped(id).await
    }

    /// Wishes by state in the staff member's scope.
    pub async fn wish_figures(&self, actor: &Actor) -> Result<WishFigures> {
        actor.require(Action::Read, Resource::Forces)?;
        let (lo, hi) = (wish_area(actor).as_str().to_owned(), wish_area(actor).subtree_end());
        let rows: Vec<(String, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT state, count(*) FROM wishes WHERE region_path >= $1 AND region_path < $2 GROUP BY state"
        )
        .bind(&lo)
        .bind(&hi)
        .fetch_all(pool)
        .await)?;
        let mut f = WishFigures::default();
        for (state, n) in rows {
            f.posted += n;
            match WishState::parse(&state) {
                Some(WishState::Open) => f.open += n,
                Some(WishState::Claimed) => f.claimed += n,
                Some(WishState::Fulfilled) => f.fulfilled += n,
                Some(WishState::Confirmed) => {
                    f.fulfilled += n;
                    f.confirmed += n;
                }
                Some(WishState::Withdrawn) | None => {}
            }
        }
        Ok(f)
    }
}

impl Store {
    /// The photos of `wishes` (already read by the caller, so in its sight), by wish.
    pub async fn wish_photos(&self, wishes: &[Wish]) -> Result<HashMap<i64, Vec<WishPhoto>>> {
        let ids: Vec<String> = wishes.iter().filter(|w| w.fulfilled_ms.is_some()).map(|w| w.id.to_string()).collect();
        let mut out: HashMap<i64, Vec<WishPhoto>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let sql = format!(
            "SELECT id, wish_id, name, sha256, mime FROM wish_photos WHERE wish_id IN ({}) ORDER BY id",
            ids.join(",")
        );
        let rows: Vec<(i64, i64, String, String, String)> =
            on_pool!(&self.db, |pool| sqlx::query_as(&sql).fetch_all(pool).await)?;
        for row in rows {
            let photo = photo_of(row)?;
            out.entry(photo.wish_id).or_default().push(photo);
        }
        Ok(out)
    }

    /// One photo, for those who may see its wish done: the poster, the claimer, and staff
    /// whose scope holds the wish. Anyone else is told it does not exist.
    pub async fn wish_photo(&self, actor: &Actor, id: i64) -> Result<WishPhoto> {
        let row: Option<(i64, i64, String, String, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, wish_id, name, sha256, mime FROM wish_photos WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let photo = photo_of(row.ok_or(StoreError::NotFound)?)?;
        let wish = self.wish_unscoped(photo.wish_id).await?;
        let involved = actor.account_id == wish.poster_id || wish.claimed_by == Some(actor.account_id);
        let in_scope = actor.role != Role::Citizen
            && actor.permits(Action::Read, Resource::Forces)
            && RegionPath::parse(&wish.region_path).is_some_and(|p| wish_area(actor).contains(&p));
        if involved || in_scope { Ok(photo) } else { Err(StoreError::NotFound) }
    }
}

fn photo_of((id, wish_id, name, sha256, mime): (i64, i64, String, String, String)) -> Result<WishPhoto> {
    let kind =
        AttachmentKind::of_mime(&mime).ok_or_else(|| StoreError::Corrupt(format!("wish photo {id}: type '{mime}'")))?;
    Ok(WishPhoto { id, wish_id, name, sha256, kind })
}
