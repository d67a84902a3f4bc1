//! Filing a case and acting on one: each a single transaction.

use super::attachments::{attach_audit, check_attachment_count, insert_attachment_rows};
use super::intake::FilingPlan;
use super::{AppealRules, CaseWrite, Notice};
use crate::blobs::{AttachmentPolicy, BlobRef};
use crate::regions::Region;
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, persist_case_write};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Denied, Resource};
use pingan_domain::account::Role;
use pingan_domain::appeal::duplicates::CaseSite;
use pingan_domain::appeal::{
    AppealCommand, AppealEvent, AppealSnapshot, AppealState, AppealText, CaseActor, CategoryCode, EventKind,
    IntakeChannel, NewAppeal, OrgType, Outside, OwnerRef, RegionRef, UnitRef, Urgency, decide, receive, route,
};
use pingan_domain::audit::AuditEvent;
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::personal::Phone;
use pingan_domain::region::RegionLevel;
use serde::Serialize;

/// A case read for a write: snapshot, version, region path, reporter account and phone, tracking code.
type LockedRow = (String, i64, String, Option<i64>, Option<String>, String);

/// A new case as an intake channel hands it over, parsed.
#[derive(Debug, Clone)]
pub struct Intake {
    pub text: AppealText,
    pub category: CategoryCode,
    pub urgency: Urgency,
    pub channel: IntakeChannel,
    /// Where it happened: the grid the point fell in (or a village or township when only that is known).
    pub region_id: i64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub address: String,
    /// 保密: only those handling the case see who reported it.
    pub confidential: bool,
    pub reporter_name: String,
    pub reporter_phone: Option<Phone>,
    /// The red station (红色驿站) a walk-in appeal was filed at: only with the channel
    /// `red_station`, and a station in the filer's scope.
    pub station_org_id: Option<i64>,
}

/// An API client's retry key: the same `key` from the same `client` returns the first result.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub client: String,
    pub key: String,
    /// A digest of the request body, so that a reused key with a different body is refused.
    pub request_hash: String,
}

/// The outcome of filing.
#[derive(Debug, Clone, Serialize)]
pub struct Filed {
    pub id: i64,
    pub tracking_code: String,
    /// True when an `Idempotency-Key` retry returned the case an earlier request created.
    pub replayed: bool,
    pub state: AppealState,
    /// Why it went where it went (the routing rule and the place), or why it waits for a dispatcher.
    pub route_why: String,
    pub unit_name: Option<String>,
    /// Open cases of the same category nearby, offered for merging (并单).
    pub duplicate_candidates: Vec<i64>,
}

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, message)])
}

/// An unguessable code the resident follows the case with: the date and eight characters
/// from an alphabet without look-alikes (0/O, 1/I/L), about 10^12 per day.
fn new_tracking_code(now_ms: i64) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    // The thread's generator is a CSPRNG seeded from the OS; `OsRng` cost a system call for
    // every character.
    let mut rng = rand::thread_rng();
    let tail: String = (0..8).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect();
    format!("{}{tail}", to_china(now_ms).format("%y%m%d"))
}

impl Store {
    /// A region and its chain up to the city, as read within [`super::ROUTING_TTL`].
    async fn region_with_chain(&self, id: i64) -> Result<(Region, Vec<RegionRef>)> {
        if let Some(hit) = self.routing.chains.get(&id) {
            return Ok(hit);
        }
        let found = self.read_region_with_chain(id).await?;
        self.routing.chains.put(id, found.clone());
        Ok(found)
    }

    /// [`Store::region_with_chain`] from the database, in one query that follows `parent_id` by
    /// primary key (a prefix join on `path` would scan every region: milliseconds per case).
    async fn read_region_with_chain(&self, id: i64) -> Result<(Region, Vec<RegionRef>)> {
        let rows: Vec<(i64, String, String, String, Option<i64>)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "WITH RECURSIVE chain (id, parent_id, level, name, path, retired_at, depth) AS (
                 SELECT id, parent_id, level, name, path, retired_at, 0 FROM regions WHERE id = $1
                 UNION ALL
                 SELECT p.id, p.parent_id, p.level, p.name, p.path, p.retired_at, c.depth + 1
                   FROM regions p JOIN chain c ON p.id = c.parent_id
             )
             SELECT id, level, name, path, retired_at FROM chain ORDER BY depth DESC"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        let chain = rows
            .iter()
            .map(|(id, level, name, _, _)| {
                Ok(RegionRef {
                    id: *id,
                    level: RegionLevel::parse(level).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name: name.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let Some((rid, _, name, path, retired)) = rows.into_iter().find(|r| r.0 == id) else {
            return Err(StoreError::NotFound);
        };
        let level = chain.iter().find(|r| r.id == rid).map(|r| r.level).ok_or(StoreError::NotFound)?;
        let region = Region {
            id: rid,
            parent_id: chain.iter().rev().nth(1).map(|r| r.id),
            level,
            code: String::new(),
            name,
            path: pingan_domain::region::RegionPath::parse(&path)
                .ok_or_else(|| StoreError::Corrupt(format!("region {rid} path '{path}'")))?,
            households: 0,
            population: 0,
            retired: retired.is_some(),
        };
        Ok((region, chain))
    }

    /// The dispatch centre that owns a resident's own report (首问责任): the township's
    /// 综治中心, or failing that its first dispatcher.
    async fn township_receiver(&self, chain: &[RegionRef]) -> Result<OwnerRef> {
        let township = chain
            .iter()
            .find(|r| r.level == RegionLevel::Township)
            .ok_or_else(|| invalid("location", "该地点不属于任何乡镇(街道) / the place belongs to no township"))?;
        if let Some(UnitRef { org_id: Some(org_id), .. }) =
            self.find_unit(OrgType::ZONGZHI, RegionLevel::Township, township.id).await?
        {
            return Ok(OwnerRef::org(org_id));
        }
        let dispatcher: Option<i64> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT id FROM accounts WHERE role = $1 AND region_id = $2 AND NOT disabled ORDER BY id LIMIT 1"
        )
        .bind(Role::TownshipDispatcher.as_str())
        .bind(township.id)
        .fetch_optional(pool)
        .await)?;
        dispatcher.map(|id| OwnerRef::account(id, None)).ok_or_else(|| {
            StoreError::Conflict(format!(
                "{}没有综治中心或调度员,无法受理 / {} has no dispatch centre to receive the case",
                township.name, township.name
            ))
        })
    }

    /// Open cases of `category` within the merge radius and window of the new site.
    async fn duplicate_candidates(&self, rules: &AppealRules, site: &CaseSite) -> Result<Vec<i64>> {
        let (min_lon, min_lat, max_lon, max_lat) = rules.duplicates.search_box(site.lon, site.lat);
        let since = from_china(site.received_at) - i64::from(rules.duplicates.window_days) * 86_400_000;
        let rows: Vec<(i64, f64, f64, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT id, lon, lat, received_ms FROM appeals
              WHERE category = $1 AND lon BETWEEN $2 AND $3 AND lat BETWEEN $4 AND $5 AND received_ms >= $6
                AND state NOT IN ('closed', 'called_back', 'archived', 'merged', 'transferred')
              ORDER BY received_ms DESC LIMIT 20"
        )
        .bind(site.category.as_str())
        .bind(min_lon)
        .bind(max_lon)
        .bind(min_lat)
        .bind(max_lat)
        .bind(since)
        .fetch_all(pool)
        .await)?;
        Ok(rows
            .into_iter()
            .filter(|(_, lon, lat, received)| {
                let open = CaseSite { category: site.category, lon: *lon, lat: *lat, received_at: to_china(*received) };
                rules.duplicates.is_candidate(site, &open)
            })
            .map(|(id, ..)| id)
            .collect())
    }

    /// File a case: route it, dispatch it (or transfer an emergency at once), start its
    /// clocks, queue the notices, audit it — one transaction. With `idempotency`, a retry of the
    /// same request returns the case the first one created.
    pub async fn file_appeal(
        &self,
        actor: &Actor,
        intake: &Intake,
        rules: &AppealRules,
        idempotency: Option<&Idempotency>,
    ) -> Result<Filed> {
        self.file_appeal_inner(actor, intake, rules, idempotency, &[]).await
    }

    /// File a case with photos already in the blob store (`(name, blob)`, checked by content):
    /// their rows and audit event go into the case's own transaction, so the case is never
    /// seen without them, nor they without it.
    pub async fn file_appeal_with_attachments(
        &self,
        actor: &Actor,
        intake: &Intake,
        rules: &AppealRules,
        attachments: &[(String, BlobRef)],
        policy: &AttachmentPolicy,
    ) -> Result<Filed> {
        let names: Vec<String> = attachments.iter().map(|(name, _)| name.clone()).collect();
        check_attachment_count(0, &names, policy)?;
        self.file_appeal_inner(actor, intake, rules, None, attachments).await
    }

    async fn file_appeal_inner(
        &self,
        actor: &Actor,
        intake: &Intake,
        rules: &AppealRules,
        idempotency: Option<&Idempotency>,
        attachments: &[(String, BlobRef)],
    ) -> Result<Filed> {
        // No look-up of the Idempotency-Key first: the key is unique in the database, so a retry
        // fails to insert and is answered from the first filing below. Retries are rare; a read
        // on every filing is not.
        let citizen = actor.role == Role::Citizen;
        if citizen {
            if intake.channel != IntakeChannel::MiniProgram {
                return Err(Denied::Role.into());
            }
        } else {
            actor.require(Action::Create, Resource::Appeal)?;
        }
        let category = rules
            .categories
            .get(intake.category)
            .ok_or_else(|| invalid("category", format!("未知的诉求类别「{}」 / unknown category", intake.category)))?;
        let (region, chain) = self.region_with_chain(intake.region_id).await.map_err(|e| match e {
            StoreError::NotFound => invalid("location", "该地点不在本市范围内 / the place is outside the city"),
            e => e,
        })?;
        if region.retired {
            return Err(invalid(
                "location",
                "该区域已撤销,请重新选择地点 / that region was retired: choose the place again",
            ));
        }
        if !citizen && !actor.scope.covers_region(&region.path) {
            return Err(Denied::Scope.into());
        }
        if let Some(station) = intake.station_org_id {
            self.check_walk_in_station(actor, intake.channel, station).await?;
        }
        let decision = route(category, &chain, &rules.catalogue, intake.urgency)
            .map_err(|e| invalid("location", e.to_string()))?;
        let by = CaseActor::from_actor(actor);
        let first_receiver = match &by {
            CaseActor::Staff(s) => OwnerRef::account(s.account_id, s.org_id),
            _ => self.township_receiver(&chain).await?,
        };
        let unit = match decision.emergency_line {
            Some(_) => None,
            None => self.find_unit_named(decision.org_type, decision.level, decision.region_id).await?,
        };
        let (unit, unit_name) = match unit {
            Some((u, name)) => (Some(u), Some(name)),
            None => (None, None),
        };

        let now = now_ms();
        let at = to_china(now);
        let new = NewAppeal {
            category: category.code,
            urgency: intake.urgency,
            time_limit_class: category.time_limit_class,
            channel: intake.channel,
            first_receiver,
        };
        let received = receive(&new, &by, at, &rules.calendar, &rules.policy)
            .map_err(|e| invalid(e.field().unwrap_or("channel"), e.zh() + " / " + &e.en()))?;
        let mut snapshot = AppealSnapshot::start(&received).expect("receive yields Received");
        let mut events = vec![received];
        let mut route_why = decision.rule_used.clone();
        let follow_up = match (decision.emergency_line, &unit) {
            (Some(line), _) => Some(AppealCommand::TransferOut {
                by: CaseActor::System,
                to: Outside::Emergency(line),
                note: format!("紧急事项,已转{} / urgent: transferred to {}", line.zh(), line.en()),
            }),
            (None, Some(unit)) => Some(AppealCommand::Dispatch {
                by: CaseActor::System,
                to: unit.clone(),
                co_handlers: Vec::new(),
                why: decision.rule_used.clone(),
            }),
            (None, None) => {
                route_why = format!(
                    "{route_why}；{}没有{},待调度员派单 / no {} in {}: waiting for a dispatcher",
                    decision.region_name,
                    decision.org_type.zh(),
                    decision.org_type.en(),
                    decision.region_name
                );
                None
            }
        };
        if let Some(cmd) = follow_up {
            match decide(&snapshot, &cmd, at, &rules.calendar, &rules.policy) {
                Ok(more) => {
                    for e in &more {
                        snapshot.apply(e);
                    }
                    events.extend(more);
                }
                Err(e) => {
                    tracing::warn!(error = %e.en(), "automatic dispatch refused; the case waits for a dispatcher")
                }
            }
        }
        let duplicates = match (intake.lon, intake.lat) {
            (Some(lon), Some(lat)) => {
                self.duplicate_candidates(rules, &CaseSite { category: category.code, lon, lat, received_at: at })
                    .await?
            }
            _ => Vec::new(),
        };

        // The reporter's phone links the case to their citizen account (created if need be), so
        // that signing in by that phone shows it — proxy entries and hotline hand-overs included.
        let (reporter_account, reporter_phone) = if citizen {
            let phone: Option<String> =
                on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT phone FROM accounts WHERE id = $1")
                    .bind(actor.account_id)
                    .fetch_optional(pool)
                    .await)?
                .flatten();
            (Some(actor.account_id), phone.or_else(|| intake.reporter_phone.as_ref().map(|p| p.as_str().to_owned())))
        } else if let Some(p) = &intake.reporter_phone {
            // The writer links an existing account by this phone in the case's transaction
            // (`write_filings`); a resident without one yet is given the case when they first
            // sign in with it (`citizen_account`), so intake never waits on creating accounts.
            (None, Some(p.as_str().to_owned()))
        } else {
            (None, None)
        };
        let tracking_code = new_tracking_code(now);
        let mut notices = unit_notices(&events, &snapshot, &tracking_code);
        if let Some(phone) = &reporter_phone {
            notices.push(Notice {
                audience: "citizen",
                account_id: None,
                org_id: None,
                phone: Some(phone.clone()),
                kind: "appeal.received",
                text: format!(
                    "【平安】您的诉求已受理,查询码 {tracking_code},可在“微连心”查看办理进度。 / Your report was received; tracking code {tracking_code}."
                ),
            });
        }
        let audit = AuditEvent {
            at_ms: now,
            actor_id: Some(actor.account_id),
            actor_name: actor.username.clone(),
            action: "appeal.file".into(),
            target_kind: "appeal".into(),
            target_id: None,
            success: true,
            before: serde_json::Value::Null,
            after: serde_json::json!({
                "tracking_code": tracking_code,
                "category": category.code.as_str(),
                "urgency": intake.urgency.as_str(),
                "channel": intake.channel,
                "state": snapshot.state.as_str(),
                "unit": snapshot.assignment.as_ref().map(|a| &a.unit),
                "reporter_phone": reporter_phone.as_deref().map(pingan_domain::personal::mask_phone),
                "confidential": intake.confidential,
                "station_org_id": intake.station_org_id,
            }),
        };
        let filed_by = (!citizen).then_some(actor.account_id);
        let level_id = |level: RegionLevel| chain.iter().find(|r| r.level == level).map(|r| r.id);
        let state = snapshot.state;
        let plan = FilingPlan {
            tracking_code: tracking_code.clone(),
            region_id: region.id,
            region_path: region.path.as_str().to_owned(),
            county_id: level_id(RegionLevel::County),
            township_id: level_id(RegionLevel::Township),
            lon: intake.lon,
            lat: intake.lat,
            address: intake.address.trim().to_owned(),
            text: intake.text.as_str().to_owned(),
            channel: channel_str(intake.channel),
            confidential: intake.confidential,
            reporter_name: intake.reporter_name.trim().to_owned(),
            reporter_phone,
            reporter_account_id: reporter_account,
            station_org_id: intake.station_org_id,
            filed_by,
            unit_name: unit_name.clone().unwrap_or_default(),
            now_ms: now,
            events,
            snapshot,
            notices,
            audit,
            idempotency: idempotency.cloned(),
            attachments: attachments.to_vec(),
        };
        let id = match self.commit_filing(plan).await {
            Ok(id) => id,
            // A concurrent retry with the same key won the race: answer as it did.
            Err(StoreError::Conflict(m)) => match idempotency {
                Some(idem) => match self.idempotent_replay(idem).await? {
                    Some(filed) => return Ok(filed),
                    None => return Err(StoreError::Conflict(m)),
                },
                None => return Err(StoreError::Conflict(m)),
            },
            Err(e) => return Err(e),
        };
        Ok(Filed {
            id,
            tracking_code,
            replayed: false,
            state,
            route_why,
            unit_name: unit_name.filter(|n| !n.is_empty()),
            duplicate_candidates: duplicates,
        })
    }

    /// The case an earlier request with this key created, or a refusal when the body differs.
    async fn idempotent_replay(&self, idem: &Idempotency) -> Result<Option<Filed>> {
        let row: Option<(String, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT request_hash, appeal_id FROM idempotency_keys WHERE client = $1 AND key = $2"
        )
        .bind(&idem.client)
        .bind(&idem.key)
        .fetch_optional(pool)
        .await)?;
        let Some((hash, id)) = row else { return Ok(None) };
        if hash != idem.request_hash {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "Idempotency-Key",
                "该 Idempotency-Key 已用于另一份不同的请求 / this Idempotency-Key was already used for a different request",
            )]));
        }
        let (tracking_code, state, snapshot): (String, String, String) = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT tracking_code, state, snapshot FROM appeals WHERE id = $1"
        )
        .bind(id)
        .fetch_one(pool)
        .await)?;
        let snapshot: AppealSnapshot =
            serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("appeal {id}: {e}")))?;
        let filed = Filed {
            id,
            tracking_code,
            replayed: true,
            state: AppealState::parse(&state).unwrap_or(snapshot.state),
            route_why: snapshot.assignment.as_ref().map(|a| a.why.clone()).unwrap_or_default(),
            unit_name: None,
            duplicate_candidates: Vec::new(),
        };
        Ok(Some(filed.with_unit_name(self, id).await?))
    }

    /// Carry out `cmd` on case `id` for `actor`. `expected_version`, when given, is the version
    /// the actor's form showed; a case changed since is refused as stale.
    pub async fn act_on_appeal(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &AppealCommand,
        expected_version: Option<i64>,
        rules: &AppealRules,
    ) -> Result<AppealSnapshot> {
        if actor.role != Role::Citizen {
            actor.require(Action::Update, Resource::Appeal)?;
        }
        // The command's actor must be the signed-in account: no one acts in another's name.
        if cmd.actor() != &CaseActor::from_actor(actor) {
            return Err(Denied::Role.into());
        }
        self.run_command(Some(actor), id, cmd, expected_version, rules, None).await
    }

    /// [`Store::act_on_appeal`] adding photos already in the blob store (`(name, blob)`,
    /// checked by content) in the same transaction, with the count limit checked there: a
    /// resident's added information and its photos are kept together or not at all.
    #[allow(clippy::too_many_arguments)]
    pub async fn act_with_attachments(
        &self,
        actor: &Actor,
        id: i64,
        cmd: &AppealCommand,
        expected_version: Option<i64>,
        rules: &AppealRules,
        attachments: &[(String, BlobRef)],
        policy: &AttachmentPolicy,
    ) -> Result<AppealSnapshot> {
        if actor.role != Role::Citizen {
            actor.require(Action::Update, Resource::Appeal)?;
        }
        if cmd.actor() != &CaseActor::from_actor(actor) {
            return Err(Denied::Role.into());
        }
        self.run_command(Some(actor), id, cmd, expected_version, rules, Some((attachments, policy))).await
    }

    /// One command in one transaction, for a person (`actor`) or for the system (`None`),
    /// with the attachments `attach` brings, if any.
    pub(crate) async fn run_command(
        &self,
        actor: Option<&Actor>,
        id: i64,
        cmd: &AppealCommand,
        expected_version: Option<i64>,
        rules: &AppealRules,
        attach: Option<(&[(String, BlobRef)], &AttachmentPolicy)>,
    ) -> Result<AppealSnapshot> {
        let lock = self.lock_clause();
        let select = format!(
            "SELECT snapshot, version, region_path, reporter_account_id, reporter_phone, tracking_code
               FROM appeals WHERE id = $1 {lock}"
        );
        let primary_id = match cmd {
            AppealCommand::Merge { primary_id, .. } => Some(*primary_id),
            _ => None,
        };
        // The case as written, answered from the transaction rather than read back.
        let written = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let row: Option<LockedRow> = sqlx::query_as(&select).bind(id).fetch_optional(&mut *tx).await?;
            let (snapshot, version, region_path, reporter_account, reporter_phone, tracking_code) =
                row.ok_or(StoreError::NotFound)?;
            let case: AppealSnapshot =
                serde_json::from_str(&snapshot).map_err(|e| StoreError::Corrupt(format!("appeal {id}: {e}")))?;
            if let Some(actor) = actor {
                check_case_access(actor, &case, &region_path, reporter_account)?;
            }
            if let Some(v) = expected_version
                && v != version
            {
                return Err(StoreError::Conflict(
                    "页面已过期:该诉求在您打开后已有新的办理记录,请刷新后再操作 / stale form: the case changed since you opened it; reload and retry"
                        .into(),
                ));
            }
            if let Some(primary_id) = primary_id {
                if primary_id == id {
                    return Err(invalid("primary_id", "不能与自身并单 / a case cannot be merged into itself"));
                }
                let primary: Option<(String, String)> =
                    sqlx::query_as("SELECT state, region_path FROM appeals WHERE id = $1")
                        .bind(primary_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                match primary {
                    None => return Err(invalid("primary_id", format!("没有诉求 {primary_id} / no case {primary_id}"))),
                    Some((state, path)) => {
                        let open = AppealState::parse(&state).is_some_and(|s| {
                            !s.is_closed() && !matches!(s, AppealState::Merged | AppealState::Transferred)
                        });
                        let visible = actor.is_none_or(|a| {
                            pingan_domain::region::RegionPath::parse(&path).is_some_and(|p| a.scope.covers_region(&p))
                        });
                        if !open || !visible {
                            return Err(invalid(
                                "primary_id",
                                format!(
                                    "诉求 {primary_id} 不是您管辖范围内在办的诉求 / case {primary_id} is not an open case in your scope"
                                ),
                            ));
                        }
                    }
                }
            }
            let now = now_ms();
            let at = to_china(now);
            let events = decide(&case, cmd, at, &rules.calendar, &rules.policy).map_err(refusal)?;
            let mut next = case.clone();
            for e in &events {
                next.apply(e);
            }
            let mut notices = unit_notices(&events, &next, &tracking_code);
            notices.extend(citizen_notices(&events, &next, reporter_phone.as_deref(), &tracking_code));
            let audit = AuditEvent {
                at_ms: now,
                actor_id: actor.map(|a| a.account_id),
                actor_name: actor.map_or_else(|| "system".to_owned(), |a| a.username.clone()),
                action: format!("appeal.{}", action_str(cmd)),
                target_kind: "appeal".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::json!({"state": case.state.as_str(), "version": version}),
                after: serde_json::json!({
                    "state": next.state.as_str(),
                    "version": version + events.len() as i64,
                    "events": events.iter().map(super::event_kind_str).collect::<Vec<_>>(),
                }),
            };
            let closed_now = !case.state.is_closed() && next.state == AppealState::Closed && !next.closed_with_primary;
            let result_text = next.result.as_ref().map(|r| r.text.clone()).unwrap_or_default();
            let write = CaseWrite {
                appeal_id: id,
                from_version: version,
                events,
                snapshot: next.clone(),
                notices,
                audit,
                region_path,
                now_ms: now,
            };
            persist_case_write!(tx, &write)?;
            if let Some((files, policy)) = attach.filter(|(files, _)| !files.is_empty()) {
                // Counted with the case locked, so two uploads at once cannot pass the limit together.
                let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_attachments WHERE appeal_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let names: Vec<String> = files.iter().map(|(name, _)| name.clone()).collect();
                check_attachment_count(existing as usize, &names, policy)?;
                let by = actor.map(|a| a.account_id);
                let added = insert_attachment_rows!(&mut *tx, id, files, by, now)?;
                let name = actor.map_or("system", |a| a.username.as_str());
                let audit = attach_audit(now, by, name, id, existing as usize, &added);
                crate::write_audit!(&mut *tx, &audit, &write.region_path)?;
            }
            // 并单: cases merged into this one close with it, and their reporters are asked too.
            if closed_now {
                let merged: Vec<(i64, String, i64, String, Option<String>, String)> = sqlx::query_as(&format!(
                    "SELECT id, snapshot, version, region_path, reporter_phone, tracking_code FROM appeals
                      WHERE merged_into = $1 AND state = 'merged' ORDER BY id {lock}"
                ))
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
                for (mid, msnap, mversion, mpath, mphone, mcode) in merged {
                    let mcase: AppealSnapshot =
                        serde_json::from_str(&msnap).map_err(|e| StoreError::Corrupt(format!("appeal {mid}: {e}")))?;
                    let close = AppealCommand::CloseWithPrimary {
                        by: CaseActor::System,
                        primary_id: id,
                        result: result_text.clone(),
                    };
                    let Ok(mevents) = decide(&mcase, &close, at, &rules.calendar, &rules.policy) else { continue };
                    let mut mnext = mcase.clone();
                    for e in &mevents {
                        mnext.apply(e);
                    }
                    let notices = citizen_notices(&mevents, &mnext, mphone.as_deref(), &mcode);
                    let write = CaseWrite {
                        appeal_id: mid,
                        from_version: mversion,
                        events: mevents,
                        snapshot: mnext,
                        notices,
                        audit: AuditEvent {
                            at_ms: now,
                            actor_id: None,
                            actor_name: "system".into(),
                            action: "appeal.close_with_primary".into(),
                            target_kind: "appeal".into(),
                            target_id: Some(mid),
                            success: true,
                            before: serde_json::json!({"state": "merged", "version": mversion}),
                            after: serde_json::json!({"state": "closed", "primary_id": id}),
                        },
                        region_path: mpath,
                        now_ms: now,
                    };
                    persist_case_write!(tx, &write)?;
                }
            }
            tx.commit().await?;
            Ok::<AppealSnapshot, StoreError>(write.snapshot)
        })?;
        Ok(written)
    }

    /// Row-lock suffix for reading a case inside a write: PostgreSQL locks the row (so two
    /// instances serialise on the case); SQLite's `BEGIN IMMEDIATE` already serialises writers.
    pub(crate) fn lock_clause(&self) -> &'static str {
        match self.engine() {
            crate::Engine::Postgres => "FOR UPDATE",
            crate::Engine::Sqlite => "",
        }
    }
}

impl Filed {
    async fn with_unit_name(mut self, store: &Store, id: i64) -> Result<Filed> {
        let name: String =
            on_pool!(&store.db, |pool| sqlx::query_scalar("SELECT unit_name FROM appeals WHERE id = $1")
                .bind(id)
                .fetch_one(pool)
                .await)?;
        self.unit_name = (!name.is_empty()).then_some(name);
        Ok(self)
    }
}

/// The "where" check for a person acting on a case: staff whose scope covers the place, or
/// who act for the assigned unit; a resident only on their own report.
pub(crate) fn check_case_access(
    actor: &Actor,
    case: &AppealSnapshot,
    region_path: &str,
    reporter_account: Option<i64>,
) -> Result<(), Denied> {
    if actor.role == Role::Citizen {
        return if reporter_account == Some(actor.account_id) { Ok(()) } else { Err(Denied::Scope) };
    }
    let by = CaseActor::from_actor(actor);
    let assigned =
        case.assignment.as_ref().is_some_and(|a| by.acts_for(&a.unit) || a.co_handlers.iter().any(|u| by.acts_for(u)));
    let in_scope = pingan_domain::region::RegionPath::parse(region_path).is_some_and(|p| actor.scope.covers_region(&p));
    // Department staff see only their own organisation's cases, wherever they are.
    if actor.scope.org_id.is_some() {
        return if assigned || case.owner().is_some_and(|o| by.is_owner(o)) { Ok(()) } else { Err(Denied::Scope) };
    }
    if in_scope || assigned { Ok(()) } else { Err(Denied::Scope) }
}

fn refusal(e: pingan_domain::appeal::TransitionError) -> StoreError {
    use pingan_domain::appeal::ErrorClass;
    let message = format!("{} / {}", e.zh(), e.en());
    match e.class() {
        ErrorClass::BadRequest => invalid(e.field().unwrap_or("action"), message),
        ErrorClass::Forbidden => StoreError::Refused { status: 403, message },
        _ => StoreError::Refused { status: 409, message },
    }
}

pub(crate) fn channel_str(c: IntakeChannel) -> &'static str {
    match c {
        IntakeChannel::MiniProgram => "mini_program",
        IntakeChannel::Patrol => "patrol",
        IntakeChannel::RedStation => "red_station",
        IntakeChannel::Hotline12345 => "hotline_12345",
        IntakeChannel::Proxy => "proxy",
        IntakeChannel::Api => "api",
    }
}

pub(crate) fn action_str(cmd: &AppealCommand) -> String {
    serde_json::to_value(cmd.kind()).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// Notices to staff: the unit a case was just dispatched (or reassigned, escalated) to.
pub(crate) fn unit_notices(events: &[AppealEvent], case: &AppealSnapshot, code: &str) -> Vec<Notice> {
    let mut out = Vec::new();
    for e in events {
        let (kind, text) = match &e.kind {
            EventKind::Dispatched { to, .. } => (
                "appeal.assigned",
                format!(
                    "新派单:诉求 {code}({}),请在 {} 前签收 / new case {code} for {}: accept by {}",
                    case.category,
                    case.pending.map(|d| d.due.format("%m-%d %H:%M").to_string()).unwrap_or_default(),
                    to.org_type.en(),
                    case.pending.map(|d| d.due.format("%m-%d %H:%M").to_string()).unwrap_or_default(),
                ),
            ),
            EventKind::Reopened { .. } => {
                ("appeal.reopened", format!("诉求 {code} 群众反映未解决,已重新办理 / case {code} reopened"))
            }
            EventKind::SupervisionOrdered { reason, .. } => (
                "appeal.supervised",
                format!("诉求 {code} 收到督办单:{} / case {code}: supervision order ({})", reason.zh(), reason.en()),
            ),
            _ => continue,
        };
        let Some(a) = &case.assignment else { continue };
        out.push(Notice {
            audience: "staff",
            account_id: a.unit.account_id,
            org_id: a.unit.org_id,
            phone: None,
            kind,
            text,
        });
    }
    out
}

/// Notices to the reporter: closure (with the request to rate it) and a transfer.
pub(crate) fn citizen_notices(
    events: &[AppealEvent],
    _case: &AppealSnapshot,
    phone: Option<&str>,
    code: &str,
) -> Vec<Notice> {
    let Some(phone) = phone else { return Vec::new() };
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Verified { passed: true, .. } | EventKind::ClosedWithPrimary { .. } => Some((
                "appeal.closed",
                format!("【平安】您的诉求 {code} 已办结,请对办理结果进行评价。 / Case {code} is closed: please rate the result."),
            )),
            EventKind::TransferredOut { to, .. } => Some((
                "appeal.transferred",
                format!("【平安】您的诉求 {code} 已转{}处理。 / Case {code} was passed to {}.", to.zh(), to.en()),
            )),
            _ => None,
        })
        .map(|(kind, text)| Notice {
            audience: "citizen",
            account_id: None,
            org_id: None,
            phone: Some(phone.to_owned()),
            kind,
            text,
        })
        .collect()
}
