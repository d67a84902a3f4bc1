//! Structural changes to the hierarchy: move, merge, split, retire.
//!
//! History is never rewritten. A region that changes place is *retired* and a
//! successor row takes over under the new parent, with a new code (codes are
//! never reused). Its whole subtree follows the same way. Records made before
//! the change keep pointing at the old rows, so they still say where they were
//! made; organisations and accounts, which describe the present, move to the
//! successors. Each retired row keeps `successor_id`, and `region_changes` keeps
//! one line per row touched.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::region::{RegionCode, RegionLevel, RegionPath};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RegionChange {
    /// Put a township, village or grid under another parent of the right level.
    Move {
        region_id: i64,
        new_parent_id: i64,
        /// Code under the new parent; by default the parent's prefix plus the region's own number.
        new_code: Option<String>,
    },
    /// Fold the sources into `into_id`; their children move under it.
    Merge { source_ids: Vec<i64>, into_id: i64 },
    /// Replace a region by new ones at the same level, sharing out its children.
    Split { region_id: i64, parts: Vec<SplitPart> },
    /// End a region that has no live children, organisations or accounts.
    Retire { region_id: i64 },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SplitPart {
    pub code: String,
    pub name: String,
    /// Live children of the split region that go to this part; every child goes to exactly one part.
    pub child_ids: Vec<i64>,
}

/// What a change did: the successors of each retired region.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChangeOutcome {
    /// (retired region id, successor id or none)
    pub retired: Vec<(i64, Option<i64>)>,
    /// Regions created by the change.
    pub created: Vec<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
struct Row {
    id: i64,
    parent_id: Option<i64>,
    level: String,
    code: String,
    name: String,
    path: String,
    polygon: Option<String>,
    min_lon: Option<f64>,
    min_lat: Option<f64>,
    max_lon: Option<f64>,
    max_lat: Option<f64>,
    households: i64,
    population: i64,
    retired_at: Option<i64>,
}

const ROW_COLS: &str = "id, parent_id, level, code, name, path, polygon, min_lon, min_lat, max_lon, max_lat, households, population, retired_at";

impl Row {
    fn level(&self) -> Result<RegionLevel> {
        RegionLevel::parse(&self.level).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
    fn code(&self) -> Result<RegionCode> {
        RegionCode::parse(self.level()?, &self.code).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
    fn path(&self) -> Result<RegionPath> {
        RegionPath::parse(&self.path).ok_or_else(|| StoreError::Corrupt(format!("region {} path", self.id)))
    }
}

/// Grids tile their village: splitting or merging one needs new polygons, which
/// come through a grids import (a boundary change), not through this API.
const GRID_SHAPES: &str = "网格的拆分与合并须提供新的边界,请通过导入网格完成 / splitting or merging grids needs new boundaries: import the grids instead";

fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, message)])
}

// Statements used inside the transaction; macros so that one text serves both
// engines' connection types (see `on_pool!`).

macro_rules! live_children {
    ($conn:expr, $id:expr) => {
        sqlx::query_scalar::<_, i64>("SELECT id FROM regions WHERE parent_id = $1 AND retired_at IS NULL ORDER BY code")
            .bind($id)
            .fetch_all($conn)
            .await?
    };
}

macro_rules! code_taken {
    ($conn:expr, $code:expr) => {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM regions WHERE code = $1")
            .bind($code)
            .fetch_one($conn)
            .await?
            > 0
    };
}

/// Lock a row that must stay live for the rest of the transaction (a no-op
/// update takes PostgreSQL's row lock; SQLite's `BEGIN IMMEDIATE` already
/// serialises writers) and refuse if it was retired meanwhile.
macro_rules! lock_live {
    ($conn:expr, $row:expr) => {{
        let row: &Row = $row;
        let live = sqlx::query("UPDATE regions SET retired_at = retired_at WHERE id = $1 AND retired_at IS NULL")
            .bind(row.id)
            .execute($conn)
            .await?
            .rows_affected();
        if live != 1 {
            return Err(StoreError::Conflict(format!("区划 {} 已撤销 / region {} is retired", row.code, row.code)));
        }
    }};
}

/// Insert a copy of `row` under `parent_path`; returns the new id. The path needs
/// the id, so a unique placeholder goes in first.
macro_rules! insert_region {
    ($conn:expr, $row:expr, $parent_path:expr, $now:expr) => {{
        let row: &Row = $row;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO regions (parent_id, level, code, name, path, polygon, min_lon, min_lat, max_lon, max_lat, households, population, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(row.parent_id)
        .bind(&row.level)
        .bind(&row.code)
        .bind(&row.name)
        .bind(format!("pending:{}", row.code))
        .bind(&row.polygon)
        .bind(row.min_lon)
        .bind(row.min_lat)
        .bind(row.max_lon)
        .bind(row.max_lat)
        .bind(row.households)
        .bind(row.population)
        .bind($now)
        .fetch_one($conn)
        .await?;
        let parent_path: &RegionPath = $parent_path;
        sqlx::query("UPDATE regions SET path = $1 WHERE id = $2")
            .bind(parent_path.child(id).as_str())
            .bind(id)
            .execute($conn)
            .await?;
        id
    }};
}

/// Retire `row`; its organisations and accounts go to the successor, if any.
macro_rules! retire {
    ($conn:expr, $row:expr, $successor:expr, $kind:expr, $now:expr) => {{
        let row: &Row = $row;
        let successor: Option<i64> = $successor;
        // Only a live row retires: a concurrent change that got there first makes this a conflict.
        let retired = sqlx::query("UPDATE regions SET retired_at = $1, successor_id = $2 WHERE id = $3 AND retired_at IS NULL")
            .bind($now)
            .bind(successor)
            .bind(row.id)
            .execute($conn)
            .await?
            .rows_affected();
        if retired != 1 {
            return Err(StoreError::Conflict(format!(
                "区划 {} 刚被他人调整,请刷新后重试 / region {} was just changed by someone else: reload and retry",
                row.code, row.code
            )));
        }
        if let Some(s) = successor {
            // Moving bumps the version, so an edit prepared against the old placement conflicts.
            sqlx::query("UPDATE orgs SET region_id = $1, updated_at = updated_at + 1 WHERE region_id = $2 AND retired_at IS NULL")
                .bind(s)
                .bind(row.id)
                .execute($conn)
                .await?;
            sqlx::query("UPDATE accounts SET region_id = $1 WHERE region_id = $2").bind(s).bind(row.id).execute($conn).await?;
        }
        sqlx::query("INSERT INTO region_changes (region_id, kind, detail, at_ms) VALUES ($1, $2, $3, $4)")
            .bind(row.id)
            .bind($kind)
            .bind(serde_json::json!({"code": row.code, "successor_id": successor}).to_string())
            .bind($now)
            .execute($conn)
            .await?;
    }};
}

/// The deepest region containing all `paths`.
fn common_ancestor(paths: &[RegionPath]) -> Option<RegionPath> {
    let first = paths.first()?.ids();
    let depth = paths.iter().map(|p| {
        let ids = p.ids();
        first.iter().zip(ids.iter()).take_while(|(a, b)| a == b).count()
    });
    let depth = depth.min()?;
    let mut path = RegionPath::root(*first.first()?);
    for id in first.iter().take(depth).skip(1) {
        path = path.child(*id);
    }
    (depth > 0).then_some(path)
}

/// One unit of work: re-create `old` under a new parent.
struct Transfer {
    old_id: i64,
    parent_id: i64,
    parent_code: RegionCode,
    parent_path: RegionPath,
    code: Option<RegionCode>,
}

impl Store {
    /// Apply a structural change in one transaction, audited; the caller must be
    /// allowed to update every region involved.
    pub async fn change_regions(&self, actor: &Actor, change: &RegionChange) -> Result<ChangeOutcome> {
        actor.require(Action::Update, Resource::Region)?;
        // Everything named must be visible (else 404) and changeable by the actor.
        let named: Vec<i64> = match change {
            RegionChange::Move { region_id, new_parent_id, .. } => vec![*region_id, *new_parent_id],
            RegionChange::Merge { source_ids, into_id } => source_ids.iter().copied().chain([*into_id]).collect(),
            RegionChange::Split { region_id, .. } | RegionChange::Retire { region_id } => vec![*region_id],
        };
        for id in &named {
            let r = self.region(&actor.scope, *id).await?;
            actor.authorize(Action::Update, Resource::Region, &Placement { region: &r.path, org_id: None })?;
            if r.retired {
                return Err(StoreError::Conflict(format!("区划 {} 已撤销 / region {} is retired", r.code, r.code)));
            }
        }
        // File the event where those who watch the affected area will see it.
        let mut named_paths = Vec::new();
        for id in &named {
            named_paths.push(self.region(&actor.scope, *id).await?.path);
        }
        let audit_path = common_ancestor(&named_paths).unwrap_or_else(|| actor.scope.region.clone());
        let now = now_ms();
        let outcome = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let sql_row = format!("SELECT {ROW_COLS} FROM regions WHERE id = $1");
            let fetch = |id: i64| sqlx::query_as::<_, Row>(&sql_row).bind(id);
            let mut outcome = ChangeOutcome { retired: vec![], created: vec![] };
            let mut queue: Vec<Transfer> = Vec::new();
            // Rows whose households/population need summing again, and what the audit says.
            let mut touched: BTreeSet<i64> = BTreeSet::new();
            let (action, before, after);

            match change {
                RegionChange::Move { region_id, new_parent_id, new_code } => {
                    let region = fetch(*region_id).fetch_one(&mut *tx).await?;
                    let parent = fetch(*new_parent_id).fetch_one(&mut *tx).await?;
                    let level = region.level()?;
                    if !matches!(level, RegionLevel::Township | RegionLevel::Village | RegionLevel::Grid) {
                        return Err(invalid(
                            "region_id",
                            "只能移动乡镇、村(社区)或网格 / only townships, villages and grids move",
                        ));
                    }
                    if level.parent() != Some(parent.level()?) {
                        return Err(invalid(
                            "new_parent_id",
                            format!(
                                "上级须为{} / the new parent must be a {}",
                                level.parent().map(|l| l.zh()).unwrap_or(""),
                                level.parent().map(|l| l.as_str()).unwrap_or("")
                            ),
                        ));
                    }
                    lock_live!(&mut *tx, &parent);
                    if region.parent_id == Some(parent.id) {
                        return Err(StoreError::Conflict("已在该上级之下 / already under that parent".into()));
                    }
                    let code = match new_code {
                        Some(c) => Some(
                            RegionCode::parse_under(level, c, &parent.code()?)
                                .map_err(|e| invalid("new_code", e.to_string()))?,
                        ),
                        None => None,
                    };
                    touched.extend(region.path()?.ids());
                    touched.extend(parent.path()?.ids());
                    action = "region.move";
                    before = serde_json::json!({"code": region.code, "parent_id": region.parent_id});
                    after = serde_json::json!({"parent_id": parent.id, "new_code": new_code});
                    queue.push(Transfer {
                        old_id: region.id,
                        parent_id: parent.id,
                        parent_code: parent.code()?,
                        parent_path: parent.path()?,
                        code,
                    });
                }
                RegionChange::Merge { source_ids, into_id } => {
                    let into = fetch(*into_id).fetch_one(&mut *tx).await?;
                    if into.level()? == RegionLevel::Grid {
                        return Err(invalid("into_id", GRID_SHAPES));
                    }
                    lock_live!(&mut *tx, &into);
                    let distinct: HashSet<_> = source_ids.iter().collect();
                    if source_ids.is_empty() || distinct.len() != source_ids.len() || distinct.contains(into_id) {
                        return Err(invalid(
                            "source_ids",
                            "须列出一个或多个不同的来源区划,且不含目标 / list one or more distinct sources, not the target",
                        ));
                    }
                    touched.extend(into.path()?.ids());
                    for sid in source_ids {
                        let source = fetch(*sid).fetch_one(&mut *tx).await?;
                        if source.level != into.level {
                            return Err(invalid(
                                "source_ids",
                                format!(
                                    "{} 与目标级别不同 / {} is not at the target's level",
                                    source.code, source.code
                                ),
                            ));
                        }
                        touched.extend(source.path()?.ids());
                        for child in live_children!(&mut *tx, source.id) {
                            queue.push(Transfer {
                                old_id: child,
                                parent_id: into.id,
                                parent_code: into.code()?,
                                parent_path: into.path()?,
                                code: None,
                            });
                        }
                        retire!(&mut *tx, &source, Some(into.id), "merge", now);
                        outcome.retired.push((source.id, Some(into.id)));
                    }
                    action = "region.merge";
                    before = serde_json::json!({"sources": source_ids});
                    after = serde_json::json!({"into": into.id});
                }
                RegionChange::Split { region_id, parts } => {
                    let region = fetch(*region_id).fetch_one(&mut *tx).await?;
                    let level = region.level()?;
                    if level == RegionLevel::Grid {
                        return Err(invalid("region_id", GRID_SHAPES));
                    }
                    let parent_id = region
                        .parent_id
                        .ok_or_else(|| invalid("region_id", "市不能拆分 / the city cannot be split"))?;
                    let parent = fetch(parent_id).fetch_one(&mut *tx).await?;
                    if parts.len() < 2 {
                        return Err(invalid("parts", "至少拆分为两部分 / split into at least two parts"));
                    }
                    let children: BTreeSet<i64> = live_children!(&mut *tx, region.id).into_iter().collect();
                    let mut assigned = BTreeSet::new();
                    let mut errors = Vec::new();
                    let mut codes = Vec::new();
                    for (i, part) in parts.iter().enumerate() {
                        match RegionCode::parse_under(level, &part.code, &parent.code()?) {
                            Ok(c) if code_taken!(&mut *tx, c.as_str()) || codes.contains(&c) => {
                                errors.push(FieldError::new(
                                    format!("parts[{i}].code"),
                                    format!("代码 {} 已被使用 / code {} is taken", c, c),
                                ))
                            }
                            Ok(c) => codes.push(c),
                            Err(e) => errors.push(FieldError::new(format!("parts[{i}].code"), e.to_string())),
                        }
                        if part.name.trim().is_empty() {
                            errors.push(FieldError::new(format!("parts[{i}].name"), "名称不能为空 / name is required"));
                        }
                        for c in &part.child_ids {
                            if !children.contains(c) || !assigned.insert(*c) {
                                errors.push(FieldError::new(
                                    format!("parts[{i}].child_ids"),
                                    format!("{c} 不是待分配的下级 / {c} is not an unassigned child"),
                                ));
                            }
                        }
                    }
                    if assigned != children {
                        errors.push(FieldError::new(
                            "parts",
                            "每个下级须分配到且只分配到一个部分 / every child must go to exactly one part",
                        ));
                    }
                    if !errors.is_empty() {
                        return Err(StoreError::Invalid(errors));
                    }
                    touched.extend(parent.path()?.ids());
                    let mut first = None;
                    for (part, code) in parts.iter().zip(codes) {
                        let id = insert_region!(
                            &mut *tx,
                            &Row {
                                id: 0,
                                parent_id: Some(parent.id),
                                level: region.level.clone(),
                                code: code.to_string(),
                                name: part.name.trim().to_owned(),
                                path: String::new(),
                                polygon: None,
                                min_lon: None,
                                min_lat: None,
                                max_lon: None,
                                max_lat: None,
                                households: 0,
                                population: 0,
                                retired_at: None
                            },
                            &parent.path()?,
                            now
                        );
                        outcome.created.push(id);
                        first.get_or_insert(id);
                        touched.insert(id);
                        let path = parent.path()?.child(id);
                        for c in &part.child_ids {
                            queue.push(Transfer {
                                old_id: *c,
                                parent_id: id,
                                parent_code: code.clone(),
                                parent_path: path.clone(),
                                code: None,
                            });
                        }
                    }
                    // The region's own organisations and accounts go to the first part.
                    retire!(&mut *tx, &region, first, "split", now);
                    outcome.retired.push((region.id, first));
                    action = "region.split";
                    before = serde_json::json!({"code": region.code});
                    after = serde_json::json!({"parts": parts.iter().map(|p| &p.code).collect::<Vec<_>>()});
                }
                RegionChange::Retire { region_id } => {
                    let region = fetch(*region_id).fetch_one(&mut *tx).await?;
                    if region.parent_id.is_none() {
                        return Err(invalid("region_id", "市不能撤销 / the city cannot be retired"));
                    }
                    let children = live_children!(&mut *tx, region.id).len();
                    let orgs: i64 =
                        sqlx::query_scalar("SELECT count(*) FROM orgs WHERE region_id = $1 AND retired_at IS NULL")
                            .bind(region.id)
                            .fetch_one(&mut *tx)
                            .await?;
                    let accounts: i64 = sqlx::query_scalar("SELECT count(*) FROM accounts WHERE region_id = $1")
                        .bind(region.id)
                        .fetch_one(&mut *tx)
                        .await?;
                    if children > 0 || orgs > 0 || accounts > 0 {
                        return Err(StoreError::Conflict(format!(
                            "尚有 {children} 个下级、{orgs} 个机构、{accounts} 个账号,请先移走 / still has {children} children, {orgs} organisations and {accounts} accounts: move them first"
                        )));
                    }
                    touched.extend(region.path()?.ids());
                    retire!(&mut *tx, &region, None, "retire", now);
                    outcome.retired.push((region.id, None));
                    action = "region.retire";
                    before = serde_json::json!({"code": region.code});
                    after = serde_json::Value::Null;
                }
            }

            // Re-create moved subtrees under their new parents.
            let mut taken: HashSet<String> = HashSet::new();
            while let Some(t) = queue.pop() {
                let old = fetch(t.old_id).fetch_one(&mut *tx).await?;
                let level = old.level()?;
                let code = match t.code {
                    Some(c) if code_taken!(&mut *tx, c.as_str()) => {
                        return Err(invalid("new_code", format!("代码 {c} 已被使用 / code {c} is taken")));
                    }
                    Some(c) => c,
                    None => {
                        let own = old.code()?;
                        let mut number = own.own_number(level);
                        let range = own.number_range(level);
                        loop {
                            let candidate = RegionCode::compose(level, &t.parent_code, number)
                                .map_err(|e| invalid("code", e.to_string()))?;
                            if !taken.contains(candidate.as_str()) && !code_taken!(&mut *tx, candidate.as_str()) {
                                break candidate;
                            }
                            number = if number >= *range.end() { *range.start() } else { number + 1 };
                            if number == own.own_number(level) {
                                return Err(StoreError::Conflict(format!(
                                    "{} 下已无可用代码 / no free code left under {}",
                                    t.parent_code, t.parent_code
                                )));
                            }
                        }
                    }
                };
                taken.insert(code.to_string());
                let new_row = Row { parent_id: Some(t.parent_id), code: code.to_string(), ..old.clone() };
                let new_id = insert_region!(&mut *tx, &new_row, &t.parent_path, now);
                let new_path = t.parent_path.child(new_id);
                outcome.created.push(new_id);
                for child in live_children!(&mut *tx, old.id) {
                    queue.push(Transfer {
                        old_id: child,
                        parent_id: new_id,
                        parent_code: code.clone(),
                        parent_path: new_path.clone(),
                        code: None,
                    });
                }
                retire!(&mut *tx, &old, Some(new_id), "move", now);
                outcome.retired.push((old.id, Some(new_id)));
                touched.insert(new_id);
            }

            // Sum households and population again, deepest first.
            let mut order: Vec<(usize, i64)> = Vec::new();
            for id in &touched {
                let r = fetch(*id).fetch_one(&mut *tx).await?;
                if r.level()? != RegionLevel::Grid && r.retired_at.is_none() {
                    order.push((r.path()?.ids().len(), r.id));
                }
            }
            order.sort_by(|a, b| b.cmp(a));
            for (_, id) in order {
                sqlx::query(
                    "UPDATE regions SET
                        households = (SELECT coalesce(sum(c.households), 0) FROM regions c WHERE c.parent_id = $1 AND c.retired_at IS NULL),
                        population = (SELECT coalesce(sum(c.population), 0) FROM regions c WHERE c.parent_id = $1 AND c.retired_at IS NULL)
                     WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }

            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: action.into(),
                target_kind: "region".into(),
                target_id: named.first().copied(),
                success: true,
                before,
                after: serde_json::json!({"change": after, "retired": outcome.retired, "created": outcome.created}),
            };
            write_audit!(&mut *tx, &event, audit_path.as_str())?;
            tx.commit().await?;
            outcome
        });
        self.directory_changed();
        Ok(outcome)
    }

    /// The region a retired one was succeeded by, following the chain to the live end.
    pub async fn current_successor(&self, id: i64) -> Result<Option<i64>> {
        let mut current = id;
        for _ in 0..64 {
            let next: Option<Option<i64>> =
                on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT successor_id FROM regions WHERE id = $1")
                    .bind(current)
                    .fetch_optional(pool)
                    .await)?;
            match next.flatten() {
                Some(n) => current = n,
                None => break,
            }
        }
        Ok((current != id).then_some(current))
    }

    /// Structural changes recorded for a region (newest first).
    pub async fn region_history(&self, id: i64) -> Result<Vec<(String, String, i64)>> {
        let rows: Vec<(String, String, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT kind, detail, at_ms FROM region_changes WHERE region_id = $1 ORDER BY id DESC"
        )
        .bind(id)
        .fetch_all(pool)
        .await)?;
        Ok(rows)
    }
}

impl Store {
    /// A number that changes whenever the hierarchy's structure or grid boundaries
    /// change (the count of recorded changes), for instances to notice each other's work.
    pub async fn structure_version(&self) -> Result<i64> {
        let n: i64 =
            on_pool!(&self.db, |pool| sqlx::query_scalar("SELECT count(*) FROM region_changes").fetch_one(pool).await)?;
        Ok(n)
    }
}
