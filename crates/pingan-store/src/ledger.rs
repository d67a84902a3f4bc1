//! The ledger's storage: entries, their leaf hashes in tiles of 256 and the hashes of every
//! full subtree of 256 entries and more ([`pingan_ledger::tile`]), the log's head (size and
//! root), and the checkpoints it signed. The tree's rules are
//! [`pingan_ledger`]'s; here are the transactions.
//!
//! An append runs in one transaction that locks the log's head row (PostgreSQL: `FOR UPDATE`;
//! SQLite's `BEGIN IMMEDIATE` serialises writers), reads the right border of the tree, and
//! writes the entries, the nodes they complete and the new head. So every instance sees one
//! sequence of heads, each extending the last, and a checkpoint — signed from a head read in
//! its own transaction — can never contradict another.
//!
//! A proof is computed in two passes: which full subtrees it needs depends only on the sizes
//! and index, so they are fetched first — the upper ones mostly from memory, the lower ones as
//! the one or two leaf tiles that hold them — then combined.

use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool};
use pingan_ledger::note::{Checkpoint, NoteSigner};
use pingan_ledger::tile::{self, HEIGHT, Missing, Tiled, WIDTH};
use pingan_ledger::tree::{Frontier, NodeSource, ProveError, Prover};
use pingan_ledger::{EMPTY_ROOT, Hash, leaf_hash};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// The logs the platform keeps.
pub const LOGS: [&str; 2] = ["prepaid", "audit"];

/// A log's size and root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogHead {
    pub size: u64,
    pub root: Hash,
}

/// A checkpoint the log signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedCheckpoint {
    pub log: String,
    pub size: u64,
    /// The C2SP signed note.
    pub note: String,
    pub signed_ms: i64,
}

pub(crate) fn node_key(level: u32, index: u64) -> i64 {
    ((u64::from(level) << 48) | index) as i64
}

pub(crate) fn hash_of(bytes: Vec<u8>, what: &str) -> Result<Hash> {
    bytes.try_into().map_err(|_| StoreError::Corrupt(format!("ledger {what}: not a 32-byte hash")))
}

fn check_log(log: &str) -> Result<()> {
    if LOGS.contains(&log) { Ok(()) } else { Err(StoreError::NotFound) }
}

/// Append `entries` (canonical bytes) to `log` inside the open write transaction `tx` of an
/// `on_pool!` body, so that a record and its leaf commit together; evaluates to the new head
/// and the index of the first entry. Locks the log's head row until the transaction ends.
///
/// Reads the right border (the upper full subtrees and the open leaf tile), then writes the
/// entries, the tiles they fill, the upper subtrees they complete and the new head.
macro_rules! append_to_log {
    ($tx:expr, $lock:expr, $log:expr, $entries:expr, $at:expr) => {{
        use pingan_ledger::tile::{self, HEIGHT, WIDTH};
        use $crate::ledger::{LogHead, Wanted, corrupt_node, hash_of, node_key, node_of};
        let log: &str = $log;
        let entries: &[Vec<u8>] = $entries;
        let at: i64 = $at;
        sqlx::query("INSERT INTO ledger_logs (log, size, root) VALUES ($1, 0, $2) ON CONFLICT (log) DO NOTHING")
            .bind(log)
            .bind(pingan_ledger::EMPTY_ROOT.to_vec())
            .execute(&mut *$tx)
            .await?;
        let size: i64 = sqlx::query_scalar(&format!("SELECT size FROM ledger_logs WHERE log = $1 {}", $lock))
            .bind(log)
            .fetch_one(&mut *$tx)
            .await?;
        let size = size as u64;
        // The right border: one full subtree per set bit of the size; those below a tile's
        // height come from the open tile.
        let mut wanted = Wanted::default();
        let _ = pingan_ledger::tree::Frontier::load(size, &mut wanted);
        let keys: Vec<i64> = wanted.0.iter().filter(|w| w.0 >= HEIGHT).map(|&(l, i)| node_key(l, i)).collect();
        let mut border = tile::Tiled::default();
        if !keys.is_empty() {
            let list = keys.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let rows: Vec<(i64, Vec<u8>)> =
                sqlx::query_as(&format!("SELECT node, hash FROM ledger_nodes WHERE log = $1 AND node IN ({list})"))
                    .bind(log)
                    .fetch_all(&mut *$tx)
                    .await?;
            for (node, hash) in rows {
                border.upper.insert(node_of(node), hash_of(hash, "node")?);
            }
        }
        let open = size / WIDTH;
        let mut open_tile: Vec<u8> = Vec::new();
        if size % WIDTH != 0 {
            let bytes: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT hashes FROM ledger_tiles WHERE log = $1 AND tile = $2")
                    .bind(log)
                    .bind(open as i64)
                    .fetch_optional(&mut *$tx)
                    .await?;
            open_tile = bytes.unwrap_or_default();
            let hashes = tile::parse_tile(&open_tile).filter(|h| h.len() as u64 == size % WIDTH).ok_or_else(|| {
                $crate::StoreError::Corrupt(format!(
                    "ledger {log}: tile {open} should hold {} leaf hashes",
                    size % WIDTH
                ))
            })?;
            border.tiles.insert(open, hashes);
        }
        let mut frontier = pingan_ledger::tree::Frontier::load(size, &mut border).map_err(corrupt_node)?;
        let mut nodes: Vec<(i64, Vec<u8>)> = Vec::with_capacity(entries.len() / 128 + 1);
        let mut tiles: Vec<(i64, Vec<u8>)> = Vec::with_capacity(entries.len() / 256 + 2);
        let mut filling = (open, open_tile);
        for (i, e) in entries.iter().enumerate() {
            let at_tile = (size + i as u64) / WIDTH;
            if at_tile != filling.0 {
                let full = std::mem::replace(&mut filling, (at_tile, Vec::with_capacity(WIDTH as usize * 32)));
                tiles.push((full.0 as i64, full.1));
            }
            let leaf = pingan_ledger::leaf_hash(e);
            filling.1.extend_from_slice(&leaf);
            for c in frontier.push(leaf).into_iter().filter(|c| c.level >= HEIGHT) {
                nodes.push((node_key(c.level, c.index), c.hash.to_vec()));
            }
        }
        if !entries.is_empty() {
            tiles.push((filling.0 as i64, filling.1));
        }
        let numbered: Vec<(i64, &Vec<u8>)> =
            entries.iter().enumerate().map(|(i, e)| ((size + i as u64) as i64, e)).collect();
        $crate::insert_chunks!(
            $tx,
            numbered,
            500,
            "INSERT INTO ledger_entries (log, idx, entry, at_ms) ",
            "",
            |b, (idx, entry)| b.push_bind(log).push_bind(*idx).push_bind(entry.as_slice()).push_bind(at)
        )?;
        $crate::insert_chunks!(
            $tx,
            tiles,
            50,
            "INSERT INTO ledger_tiles (log, tile, hashes) ",
            " ON CONFLICT (log, tile) DO UPDATE SET hashes = excluded.hashes",
            |b, (tile, hashes)| { b.push_bind(log).push_bind(*tile).push_bind(hashes.as_slice()) }
        )?;
        $crate::insert_chunks!(
            $tx,
            nodes,
            1000,
            "INSERT INTO ledger_nodes (log, node, hash) ",
            "",
            |b, (node, hash)| { b.push_bind(log).push_bind(*node).push_bind(hash.as_slice()) }
        )?;
        let head = LogHead { size: frontier.size(), root: frontier.root() };
        sqlx::query("UPDATE ledger_logs SET size = $1, root = $2 WHERE log = $3")
            .bind(head.size as i64)
            .bind(head.root.to_vec())
            .bind(log)
            .execute(&mut *$tx)
            .await?;
        (head, size)
    }};
}
pub(crate) use append_to_log;

/// Full subtrees (all of level [`HEIGHT`] and up), kept in memory once read: they never change,
/// and every proof of a log passes through the same few. Bounded; when full it is emptied and
/// refills from the busiest nodes again.
#[derive(Debug, Default)]
pub struct NodeCache(std::sync::Mutex<HashMap<(&'static str, i64), Hash>>);

/// At 10 million entries the upper subtrees are under 40,000 nodes, 2.5 MB.
const CACHE_LIMIT: usize = 1 << 20;

impl NodeCache {
    fn get(&self, log: &'static str, key: i64) -> Option<Hash> {
        self.0.lock().ok()?.get(&(log, key)).copied()
    }

    fn put(&self, log: &'static str, key: i64, hash: Hash) {
        if node_of(key).0 < HEIGHT {
            return;
        }
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CACHE_LIMIT {
                map.clear();
            }
            map.insert((log, key), hash);
        }
    }
}

/// Records which nodes a computation asks for (any hash will do: the choice of nodes depends
/// on sizes and indexes alone).
#[derive(Default)]
pub(crate) struct Wanted(pub(crate) BTreeSet<(u32, u64)>);

impl NodeSource for Wanted {
    type Error = std::convert::Infallible;
    fn node(&mut self, level: u32, index: u64) -> std::result::Result<Hash, Self::Error> {
        self.0.insert((level, index));
        Ok([0; 32])
    }
}

/// A node the stored tree should hold and does not.
pub(crate) fn corrupt_node(m: Missing) -> StoreError {
    StoreError::Corrupt(format!("ledger node ({}, {}) is missing", m.level, m.index))
}

fn proved<T>(r: std::result::Result<T, ProveError<Missing>>) -> Result<T> {
    r.map_err(|e| match e {
        ProveError::Source(m) => corrupt_node(m),
        ProveError::OutOfRange(why) => {
            StoreError::Invalid(vec![pingan_domain::FieldError::new("size", format!("超出日志范围 / {why}"))])
        }
    })
}

impl Store {
    /// The log's head: (0, the empty root) before its first entry.
    pub async fn ledger_head(&self, log: &str) -> Result<LogHead> {
        check_log(log)?;
        let row: Option<(i64, Vec<u8>)> =
            on_pool!(&self.db, |pool| sqlx::query_as("SELECT size, root FROM ledger_logs WHERE log = $1")
                .bind(log)
                .fetch_optional(pool)
                .await)?;
        Ok(match row {
            Some((size, root)) => LogHead { size: size as u64, root: hash_of(root, "root")? },
            None => LogHead { size: 0, root: EMPTY_ROOT },
        })
    }

    /// Append `entries` (canonical bytes) to `log` in one transaction; returns the new head and
    /// the index of the first entry.
    pub async fn ledger_append(&self, log: &str, entries: &[Vec<u8>]) -> Result<(LogHead, u64)> {
        check_log(log)?;
        let at = now_ms();
        let lock = self.lock_clause();
        Ok(on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let appended = append_to_log!(tx, lock, log, entries, at);
            tx.commit().await?;
            appended
        }))
    }

    /// Entry `index` of `log`.
    pub async fn ledger_entry(&self, log: &str, index: u64) -> Result<Vec<u8>> {
        check_log(log)?;
        let entry: Option<Vec<u8>> = on_pool!(&self.db, |pool| sqlx::query_scalar(
            "SELECT entry FROM ledger_entries WHERE log = $1 AND idx = $2"
        )
        .bind(log)
        .bind(index as i64)
        .fetch_optional(pool)
        .await)?;
        entry.ok_or(StoreError::NotFound)
    }

    /// The inclusion proof of entry `index` in the tree of `size` (at most the log's size).
    pub async fn ledger_inclusion(&self, log: &str, index: u64, size: u64) -> Result<Vec<Hash>> {
        self.prove(log, Request::Inclusion { index, size }).await
    }

    /// The consistency proof from the tree of `size1` to the tree of `size2`.
    pub async fn ledger_consistency(&self, log: &str, size1: u64, size2: u64) -> Result<Vec<Hash>> {
        self.prove(log, Request::Consistency { size1, size2 }).await
    }

    /// The root of the log's tree of `size` entries (an earlier head).
    pub async fn ledger_root(&self, log: &str, size: u64) -> Result<Hash> {
        Ok(self.prove(log, Request::Root { size }).await?[0])
    }

    /// Answer `request` from the nodes it needs: the upper full subtrees from memory or one
    /// query, the lower ones from their leaf tiles in another. A node that is not stored means
    /// the size is beyond the log (or the log is damaged): the head, read then, tells which.
    async fn prove(&self, log: &str, request: Request) -> Result<Vec<Hash>> {
        check_log(log)?;
        let log: &'static str = LOGS.iter().copied().find(|l| *l == log).ok_or(StoreError::NotFound)?;
        // The same computation over any hashes names the nodes it needs.
        let mut wanted = Wanted::default();
        if let Err(ProveError::OutOfRange(why)) = request.run(&mut Prover::new(&mut wanted)) {
            return proved(Err(ProveError::OutOfRange(why)));
        }
        let mut loaded = Tiled::default();
        let mut missing = Vec::new();
        let mut tiles = BTreeSet::new();
        for &(level, index) in &wanted.0 {
            if level < HEIGHT {
                tiles.insert(tile::tile_of(level, index));
                continue;
            }
            let key = node_key(level, index);
            match self.ledger_nodes.get(log, key) {
                Some(hash) => {
                    loaded.upper.insert((level, index), hash);
                }
                None => missing.push(key),
            }
        }
        if !missing.is_empty() {
            let list = missing.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT node, hash FROM ledger_nodes WHERE log = $1 AND node IN ({list})");
            let rows: Vec<(i64, Vec<u8>)> =
                on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(log).fetch_all(pool).await)?;
            for (node, hash) in rows {
                let hash = hash_of(hash, "node")?;
                self.ledger_nodes.put(log, node, hash);
                loaded.upper.insert(node_of(node), hash);
            }
        }
        if !tiles.is_empty() {
            let list = tiles.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
            let sql = format!("SELECT tile, hashes FROM ledger_tiles WHERE log = $1 AND tile IN ({list})");
            let rows: Vec<(i64, Vec<u8>)> =
                on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(log).fetch_all(pool).await)?;
            for (t, bytes) in rows {
                let hashes = tile::parse_tile(&bytes)
                    .ok_or_else(|| StoreError::Corrupt(format!("ledger {log}: tile {t} is not a list of hashes")))?;
                loaded.tiles.insert(t as u64, hashes);
            }
        }
        if wanted.0.iter().any(|&(level, index)| loaded.get(level, index).is_none()) {
            let head = self.ledger_head(log).await?;
            if request.size() > head.size {
                return Err(StoreError::Invalid(vec![pingan_domain::FieldError::new(
                    "size",
                    format!("日志只有 {} 条 / the log holds {} entries", head.size, head.size),
                )]));
            }
        }
        proved(request.run(&mut Prover::new(&mut loaded)))
    }

    /// Sign the log's head as a checkpoint with `signer`, unless the latest checkpoint already
    /// covers that size; returns the latest checkpoint either way. Several instances may call
    /// it at once: one signature per size is kept (the first), and since heads only grow by
    /// appends every signed head extends the ones before.
    ///
    /// The checkpoint's origin line is `origin` (the log's name, `<operator>/<log>`).
    pub async fn ledger_checkpoint(&self, log: &str, origin: &str, signer: &NoteSigner) -> Result<SignedCheckpoint> {
        let head = self.ledger_head(log).await?;
        if let Some(latest) = self.ledger_latest_checkpoint(log).await?
            && latest.size >= head.size
        {
            return Ok(latest);
        }
        let text =
            Checkpoint { origin: origin.to_owned(), size: head.size, root: head.root, extensions: vec![] }.text();
        let note = signer.sign(&text).map_err(|e| StoreError::Corrupt(format!("ledger signer: {e}")))?;
        on_pool!(&self.db, |pool| sqlx::query(
            "INSERT INTO ledger_checkpoints (log, size, root, note, signed_ms) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (log, size) DO NOTHING"
        )
        .bind(log)
        .bind(head.size as i64)
        .bind(head.root.to_vec())
        .bind(&note)
        .bind(now_ms())
        .execute(pool)
        .await
        .map(|_| ()))?;
        self.ledger_latest_checkpoint(log).await?.ok_or(StoreError::NotFound)
    }

    /// The checkpoints of `log` larger than `after_size`, oldest first, at most `limit`: what
    /// is published to a regulator or anchored elsewhere.
    pub async fn ledger_checkpoints(&self, log: &str, after_size: u64, limit: i64) -> Result<Vec<SignedCheckpoint>> {
        check_log(log)?;
        let rows: Vec<(i64, String, i64)> = on_pool!(&self.db, |pool| {
            sqlx::query_as(
            "SELECT size, note, signed_ms FROM ledger_checkpoints WHERE log = $1 AND size > $2 ORDER BY size LIMIT $3"
        )
        .bind(log)
        .bind(after_size as i64)
        .bind(limit)
        .fetch_all(pool)
        .await
        })?;
        Ok(rows
            .into_iter()
            .map(|(size, note, signed_ms)| SignedCheckpoint { log: log.to_owned(), size: size as u64, note, signed_ms })
            .collect())
    }

    /// The newest checkpoint of `log`, if it signed one.
    pub async fn ledger_latest_checkpoint(&self, log: &str) -> Result<Option<SignedCheckpoint>> {
        check_log(log)?;
        let row: Option<(i64, String, i64)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT size, note, signed_ms FROM ledger_checkpoints WHERE log = $1 ORDER BY size DESC LIMIT 1"
        )
        .bind(log)
        .fetch_optional(pool)
        .await)?;
        Ok(row.map(|(size, note, signed_ms)| SignedCheckpoint {
            log: log.to_owned(),
            size: size as u64,
            note,
            signed_ms,
        }))
    }

    /// The signer of origin `name`: the operator's configured key when given, else the key
    /// generated for this database on first use (kept in `ledger_keys`, the same for every
    /// instance sharing the database).
    pub async fn ledger_signer(&self, name: &str, configured: Option<&str>) -> Result<NoteSigner> {
        if let Some(key) = configured {
            return NoteSigner::parse(key).map_err(|e| StoreError::Corrupt(format!("configured ledger key: {e}")));
        }
        let seed: [u8; 32] = rand::random();
        let fresh = NoteSigner::from_seed(name, &seed).map_err(|e| StoreError::Corrupt(format!("ledger key: {e}")))?;
        let key: String = on_pool!(&self.db, |pool| {
            sqlx::query(
                "INSERT INTO ledger_keys (name, signer_key, created_ms) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh.signer_key())
            .bind(now_ms())
            .execute(pool)
            .await?;
            sqlx::query_scalar("SELECT signer_key FROM ledger_keys WHERE name = $1").bind(name).fetch_one(pool).await
        })?;
        NoteSigner::parse(&key).map_err(|e| StoreError::Corrupt(format!("stored ledger key: {e}")))
    }
}

/// What a proof computation is asked.
#[derive(Debug, Clone, Copy)]
enum Request {
    Root { size: u64 },
    Inclusion { index: u64, size: u64 },
    Consistency { size1: u64, size2: u64 },
}

impl Request {
    fn size(self) -> u64 {
        match self {
            Request::Root { size } | Request::Inclusion { size, .. } => size,
            Request::Consistency { size1, size2 } => size1.max(size2),
        }
    }

    fn run<S: NodeSource>(self, p: &mut Prover<'_, S>) -> std::result::Result<Vec<Hash>, ProveError<S::Error>> {
        match self {
            Request::Root { size } => p.root(size).map(|r| vec![r]),
            Request::Inclusion { index, size } => p.inclusion(index, size),
            Request::Consistency { size1, size2 } => p.consistency(size1, size2),
        }
    }
}

pub(crate) fn node_of(key: i64) -> (u32, u64) {
    let key = key as u64;
    ((key >> 48) as u32, key & ((1 << 48) - 1))
}

/// What `ledger_verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub log: String,
    /// Entries recomputed.
    pub entries: u64,
    /// Checkpoints whose signature and root were checked.
    pub checkpoints: u64,
    /// The first problem, if any: where the stored log diverges from its recomputation.
    pub divergence: Option<Divergence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Divergence {
    /// The first entry at or after which the log is not what its history says (`None`: the
    /// problem is in a checkpoint or the head, not an entry).
    pub entry: Option<u64>,
    pub reason: String,
}

impl Store {
    /// Recompute `log` from its stored entries and check it against everything stored about
    /// it: each leaf and each full subtree's hash, the head, and every checkpoint (signed by
    /// `verifier`, with the root of its size). Stops at the first divergence. Reads the entries
    /// in pages, so it runs in constant memory at any size.
    pub async fn ledger_verify(&self, log: &str, verifier: &pingan_ledger::note::NoteVerifier) -> Result<VerifyReport> {
        check_log(log)?;
        let head = self.ledger_head(log).await?;
        let checkpoints: Vec<(i64, Vec<u8>, String)> = on_pool!(&self.db, |pool| sqlx::query_as(
            "SELECT size, root, note FROM ledger_checkpoints WHERE log = $1 ORDER BY size"
        )
        .bind(log)
        .fetch_all(pool)
        .await)?;
        let mut report = VerifyReport { log: log.to_owned(), entries: 0, checkpoints: 0, divergence: None };
        let diverge = |report: &mut VerifyReport, entry: Option<u64>, reason: String| {
            report.divergence = Some(Divergence { entry, reason });
        };
        // Each checkpoint's root is checked when the recomputation reaches its size.
        let mut pending = checkpoints.iter().peekable();
        let mut check_checkpoints = |frontier: &Frontier, report: &mut VerifyReport| -> bool {
            while let Some((size, root, note)) = pending.peek() {
                if *size as u64 > frontier.size() {
                    break;
                }
                pending.next();
                let reason = match pingan_ledger::note::open(note, verifier) {
                    Err(e) => Some(format!("checkpoint of size {size}: {e}")),
                    Ok(text) => match Checkpoint::parse(text) {
                        Err(e) => Some(format!("checkpoint of size {size}: {e}")),
                        Ok(cp) if cp.size != *size as u64 || cp.root.as_slice() != root.as_slice() => {
                            Some(format!("checkpoint of size {size}: its note does not match its row"))
                        }
                        Ok(cp) if cp.root != frontier.root() => {
                            Some(format!("checkpoint of size {size}: the entries give another root"))
                        }
                        Ok(_) => None,
                    },
                };
                if let Some(reason) = reason {
                    diverge(report, None, reason);
                    return false;
                }
                report.checkpoints += 1;
            }
            true
        };
        let mut frontier = Frontier::default();
        if !check_checkpoints(&frontier, &mut report) {
            return Ok(report);
        }
        const PAGE: i64 = 10_000;
        loop {
            let from = frontier.size() as i64;
            let entries: Vec<(i64, Vec<u8>)> = on_pool!(&self.db, |pool| sqlx::query_as(
                "SELECT idx, entry FROM ledger_entries WHERE log = $1 AND idx >= $2 ORDER BY idx LIMIT $3"
            )
            .bind(log)
            .bind(from)
            .bind(PAGE)
            .fetch_all(pool)
            .await)?;
            if entries.is_empty() {
                break;
            }
            let last = entries.last().map_or(from, |e| e.0) as u64;
            // The upper subtrees this page's entries complete, level by level, in one query;
            // their leaf tiles in another.
            let ranges: Vec<String> = (HEIGHT..48u32)
                .take_while(|l| (last + 1) >> l > 0)
                .map(|l| format!("(node >= {} AND node <= {})", node_key(l, from as u64 >> l), node_key(l, last >> l)))
                .collect();
            let nodes: HashMap<i64, Vec<u8>> = if ranges.is_empty() {
                HashMap::new()
            } else {
                let sql = format!("SELECT node, hash FROM ledger_nodes WHERE log = $1 AND ({})", ranges.join(" OR "));
                let stored: Vec<(i64, Vec<u8>)> =
                    on_pool!(&self.db, |pool| sqlx::query_as(&sql).bind(log).fetch_all(pool).await)?;
                stored.into_iter().collect()
            };
            let stored_tiles: Vec<(i64, Vec<u8>)> = on_pool!(&self.db, |pool| sqlx::query_as(
                "SELECT tile, hashes FROM ledger_tiles WHERE log = $1 AND tile >= $2 AND tile <= $3"
            )
            .bind(log)
            .bind(from / WIDTH as i64)
            .bind((last / WIDTH) as i64)
            .fetch_all(pool)
            .await)?;
            let mut tiles = HashMap::new();
            for (t, bytes) in stored_tiles {
                let t = t as u64;
                let width = tile::width_at(t, head.size);
                match tile::parse_tile(&bytes) {
                    Some(hashes) if hashes.len() as u64 == width => {
                        tiles.insert(t, hashes);
                    }
                    _ => {
                        let held = bytes.len() / 32;
                        let reason = format!("leaf tile {t} holds {held} hashes; a log of {} needs {width}", head.size);
                        diverge(&mut report, Some(t * WIDTH + (held as u64).min(width)), reason);
                        return Ok(report);
                    }
                }
            }
            for (idx, entry) in entries {
                let expected = frontier.size();
                if idx as u64 != expected {
                    diverge(
                        &mut report,
                        Some(expected),
                        format!("entry {expected} is missing (the next stored is {idx})"),
                    );
                    return Ok(report);
                }
                let leaf = leaf_hash(&entry);
                let stored = tiles.get(&(expected / WIDTH)).and_then(|t| t.get((expected % WIDTH) as usize));
                if stored != Some(&leaf) {
                    diverge(&mut report, Some(expected), format!("entry {expected} does not hash to its stored leaf"));
                    return Ok(report);
                }
                // The upper subtrees this entry completes against their stored hashes.
                for c in frontier.push(leaf).iter().filter(|c| c.level >= HEIGHT) {
                    if nodes.get(&node_key(c.level, c.index)).map(Vec::as_slice) != Some(c.hash.as_slice()) {
                        let first = c.index << c.level;
                        let reason = format!("the stored subtree over entries {first}–{expected} differs");
                        diverge(&mut report, Some(first), reason);
                        return Ok(report);
                    }
                }
                report.entries += 1;
                if !check_checkpoints(&frontier, &mut report) {
                    return Ok(report);
                }
            }
        }
        if frontier.size() != head.size || frontier.root() != head.root {
            let reason =
                format!("the head says {} entries with another root; the entries give {}", head.size, frontier.size());
            diverge(&mut report, Some(frontier.size().min(head.size)), reason);
        } else if pending.peek().is_some() {
            diverge(&mut report, None, "a checkpoint is larger than the log".into());
        }
        Ok(report)
    }
}
