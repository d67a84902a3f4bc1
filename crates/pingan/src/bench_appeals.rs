//! `pingan bench intake` and `pingan bench deadlines`: the appeal figures of BENCHMARKS.md.
//!
//! Intake is measured end to end through the HTTP API (classification, locating, routing,
//! deadline, audit event, durable commit) with the load generator in the same process, next to
//! its ceilings: an empty handler, and a bare insert loop with the same durability.

use crate::demo::DEMO_SEED;
use crate::startup::Server;
use pingan_sim::Scale;
use pingan_store::testing::TestDb;
use pingan_store::{Engine, Store};
use pingan_web::WebConfig;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Latency summary in milliseconds.
struct Latencies(Vec<f64>);

impl Latencies {
    fn pct(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_by(|a, b| a.total_cmp(b));
        let i = ((self.0.len() as f64 - 1.0) * p).round() as usize;
        self.0[i]
    }
}

pub(crate) async fn fresh_store(engine: Engine) -> anyhow::Result<(TestDb, Store)> {
    let db = TestDb::new(engine).await.ok_or_else(|| {
        anyhow::anyhow!("PostgreSQL needs PINGAN_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1/postgres")
    })?;
    let store =
        Store::connect(&db.url, &pingan_store::StoreOptions { max_connections: 16, ..Default::default() }).await?;
    store.migrate().await?;
    Ok((db, store))
}

/// Request bodies: texts from the shipped examples at points inside random grids.
async fn bodies(store: &Store, n: usize) -> anyhow::Result<Vec<String>> {
    let grids = store.all_grid_shapes_for_index().await?;
    let examples = pingan_classify::Classifier::shipped_examples();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    Ok((0..n)
        .map(|i| {
            let g = &grids[rng.gen_range(0..grids.len())];
            let pts = g.ring.points();
            // The mean of the corners lies inside the generated (convex) grid cells.
            let k = (pts.len() - 1).max(1) as f64;
            let (lon, lat) = pts[..pts.len() - 1].iter().fold((0.0, 0.0), |(x, y), p| (x + p[0] / k, y + p[1] / k));
            let e = &examples[rng.gen_range(0..examples.len())];
            serde_json::json!({
                "text": e.text,
                "lon": lon,
                "lat": lat,
                "reporter_phone": format!("139{:08}", i),
                "channel": "api",
            })
            .to_string()
        })
        .collect())
}

/// Closed loop: `concurrency` workers send as fast as answers come back for `seconds`.
async fn closed_loop(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    bodies: Option<Arc<Vec<String>>>,
    concurrency: usize,
    seconds: f64,
) -> (f64, Latencies, u64) {
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (client, url, token, bodies, next, failed) =
            (client.clone(), url.to_owned(), token.map(str::to_owned), bodies.clone(), next.clone(), failed.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < until {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                let req = match &bodies {
                    Some(b) => {
                        let body = b[i as usize % b.len()].clone();
                        client
                            .post(&url)
                            .header("authorization", format!("Bearer {}", token.as_deref().unwrap_or("")))
                            .header("idempotency-key", format!("bench-{i}"))
                            .header("content-type", "application/json")
                            .body(body)
                    }
                    None => client.get(&url),
                };
                match req.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    _ => {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap_or_default());
    }
    let rate = all.len() as f64 / start.elapsed().as_secs_f64();
    (rate, Latencies(all), failed.load(Ordering::Relaxed))
}

/// Open loop: one request every 1/`rate` s for `seconds`, whatever the answers do.
async fn open_loop(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    bodies: Arc<Vec<String>>,
    offset: u64,
    rate: f64,
    seconds: f64,
) -> (Latencies, u64) {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let n = (rate * seconds) as u64;
    let mut tasks = Vec::new();
    for i in 0..n {
        tick.tick().await;
        let (client, url, token, bodies) = (client.clone(), url.to_owned(), token.to_owned(), bodies.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let k = offset + i;
            let r = client
                .post(&url)
                .header("authorization", format!("Bearer {token}"))
                .header("idempotency-key", format!("bench-open-{k}"))
                .header("content-type", "application/json")
                .body(bodies[k as usize % bodies.len()].clone())
                .send()
                .await;
            match r {
                Ok(r) if r.status().is_success() => {
                    let _ = r.bytes().await;
                    Some(t.elapsed().as_secs_f64() * 1000.0)
                }
                _ => None,
            }
        }));
    }
    let (mut lat, mut failed) = (Vec::new(), 0);
    for t in tasks {
        match t.await.ok().flatten() {
            Some(ms) => lat.push(ms),
            None => failed += 1,
        }
    }
    (Latencies(lat), failed)
}

/// The ceiling of durable writes: single-row transactions in a loop, each committed with the
/// same settings the store uses (SQLite: WAL, `synchronous=FULL`, `BEGIN IMMEDIATE`).
async fn bare_insert_loop(engine: Engine, seconds: f64) -> anyhow::Result<f64> {
    let (_db, store) = fresh_store(engine).await?;
    pingan_store::on_pool!(store.db(), |pool| {
        pingan_store::sqlx::query("CREATE TABLE bench_rows (id BIGINT PRIMARY KEY, body TEXT NOT NULL)")
            .execute(pool)
            .await?;
        let until = Instant::now() + Duration::from_secs_f64(seconds);
        let start = Instant::now();
        let mut n: i64 = 0;
        while Instant::now() < until {
            let mut tx = pingan_store::BeginWrite::begin_write(pool).await?;
            pingan_store::sqlx::query("INSERT INTO bench_rows (id, body) VALUES ($1, $2)")
                .bind(n)
                .bind("某小区路灯损坏,夜间出行不便,请尽快维修")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            n += 1;
        }
        Ok::<f64, anyhow::Error>(n as f64 / start.elapsed().as_secs_f64())
    })
}

/// User and system CPU time of this process so far (Linux `/proc/self/stat`), if readable.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // The kernel reports clock ticks of USER_HZ, 100 per second on Linux.
    Some(ticks / 100.0)
}

/// How `pingan bench intake` loads the server.
#[derive(Debug, Clone, Copy)]
pub struct IntakeLoad {
    /// Clients of the closed loop.
    pub concurrency: usize,
    /// Length of the closed-loop run.
    pub seconds: f64,
    /// Requests per second of the open-loop run.
    pub rate: f64,
    /// Load the demo's year of history before measuring.
    pub history: bool,
}

/// `pingan bench intake`.
pub async fn intake(engine: Engine, scale: Scale, load: IntakeLoad) -> anyhow::Result<()> {
    let IntakeLoad { concurrency, seconds, rate, history } = load;
    let (_db, store) = fresh_store(engine).await?;
    let city = tokio::task::spawn_blocking(move || pingan_sim::generate_city(DEMO_SEED, scale)).await?;
    store.load_city(&city, "bench", &|_, _| {}).await?;
    let history_cases = if history {
        let (cases, took) = crate::demo::load_history(&store, city, scale, false).await?;
        println!("history loaded first: {cases} cases in {:.1} s", took.as_secs_f64());
        cases
    } else {
        drop(city);
        0
    };
    let token = store.create_api_token("bench", "supervisor").await?.secret;
    let config = WebConfig { deadline_scan: None, ..WebConfig::default() };
    let server = Server::build(store.clone(), config, "127.0.0.1:0").await?;
    let base = format!("http://{}", server.addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let bodies = Arc::new(bodies(&store, 20_000).await?);
    let url = format!("{base}/api/v1/appeals");

    // Warm up (connections, caches), then the measured runs.
    closed_loop(&client, &url, Some(&token), Some(bodies.clone()), concurrency, 1.0).await;
    let (empty_rate, mut empty_lat, _) =
        closed_loop(&client, &format!("{base}/healthz"), None, None, concurrency, seconds.min(5.0)).await;
    let cpu_before = process_cpu_seconds();
    let (intake_rate, mut intake_lat, intake_failed) =
        closed_loop(&client, &url, Some(&token), Some(bodies.clone()), concurrency, seconds).await;
    let cpu_per_case = cpu_before
        .zip(process_cpu_seconds())
        .map(|(before, after)| (after - before) * 1000.0 / (intake_rate * seconds).max(1.0));
    let (mut open_lat, open_failed) =
        open_loop(&client, &url, &token, bodies.clone(), 1_000_000, rate, seconds.min(10.0)).await;
    let filed: i64 =
        pingan_store::on_pool!(store.db(), |pool| pingan_store::sqlx::query_scalar("SELECT count(*) FROM appeals")
            .fetch_one(pool)
            .await)?;
    let _ = tx.send(());
    running.await??;
    store.close().await;
    let bare = bare_insert_loop(engine, seconds.min(5.0)).await?;

    println!("engine: {}   city: {scale:?}   concurrency: {concurrency}", engine.as_str());
    println!(
        "intake, closed loop ({seconds:.0} s): {intake_rate:.0} cases/s   p50 {:.1} ms   p99 {:.1} ms   failed {intake_failed}",
        intake_lat.pct(0.5),
        intake_lat.pct(0.99)
    );
    if let Some(ms) = cpu_per_case {
        // What other work on the machine cannot distort much: this process's CPU per case,
        // load generator included, and the rate two cores would give at that cost.
        println!("  CPU per case (server and load generator): {ms:.2} ms = {:.0} cases/s on 2 cores", 2000.0 / ms);
    }
    println!(
        "intake, open loop at {rate:.0}/s: p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms   failed {open_failed}",
        open_lat.pct(0.5),
        open_lat.pct(0.99),
        open_lat.pct(1.0)
    );
    println!("ceiling, empty handler (GET /healthz): {empty_rate:.0} requests/s   p99 {:.1} ms", empty_lat.pct(0.99));
    println!("ceiling, bare durable insert loop (one row per commit): {bare:.0} commits/s");
    println!("cases in the database after the run: {filed} ({history_cases} of them history)");
    Ok(())
}

/// `pingan bench deadlines`: a deadline pass over `open` open cases of which `due` are due.
pub async fn deadlines(engine: Engine, open: usize, due: usize) -> anyhow::Result<()> {
    let (_db, store) = fresh_store(engine).await?;
    let city = tokio::task::spawn_blocking(|| pingan_sim::generate_city(DEMO_SEED, Scale::Small)).await?;
    store.load_city(&city, "bench", &|_, _| {}).await?;
    drop(city);
    let rules = store.appeal_rules().await?;
    // One real case, filed through the store; its row, events and timers are then cloned in
    // bulk so that a million open cases exist without a million intakes.
    let supervisor = store.login_account("supervisor").await?.ok_or_else(|| anyhow::anyhow!("no supervisor"))?.actor;
    let grid: i64 = pingan_store::on_pool!(store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT id FROM regions WHERE level = 'grid' ORDER BY id LIMIT 1"
    )
    .fetch_one(pool)
    .await)?;
    let intake = pingan_store::appeals::Intake {
        text: pingan_domain::appeal::AppealText::parse("某公司拖欠工人工资三个月")
            .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        category: pingan_domain::appeal::CategoryCode::parse("A03").map_err(|e| anyhow::anyhow!("{e}"))?,
        urgency: pingan_domain::appeal::Urgency::Normal,
        channel: pingan_domain::appeal::IntakeChannel::Api,
        region_id: grid,
        lon: None,
        lat: None,
        address: String::new(),
        confidential: false,
        reporter_name: String::new(),
        reporter_phone: None,
        station_org_id: None,
    };
    let filed = store.file_appeal(&supervisor, &intake, &rules, None).await?;
    let t = Instant::now();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_millis() as i64;
    let far = now + 400 * 86_400_000;
    anyhow::ensure!(due >= 1 && due <= open, "--due must be between 1 and --open");
    pingan_store::on_pool!(store.db(), |pool| {
        let mut tx = pingan_store::BeginWrite::begin_write(pool).await?;
        let cols = "tracking_code, region_id, region_path, lon, lat, address, text, category, urgency, channel, state,
                    confidential, reporter_name, reporter_phone, reporter_account_id, filed_by, unit_org_id,
                    unit_account_id, unit_region_id, unit_level, unit_org_type, unit_name, warn_ms, due_ms, merged_into,
                    received_ms, closed_ms, updated_ms, version, snapshot";
        let select = cols.replace("tracking_code", "tracking_code || '-' || CAST(n AS TEXT)");
        // Copy the case `open - 1` times (recursive series works on both engines).
        pingan_store::sqlx::query(&format!(
            "INSERT INTO appeals ({cols})
             WITH RECURSIVE series(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM series WHERE n < $1)
             SELECT {select} FROM appeals, series WHERE appeals.id = $2"
        ))
        .bind(open as i64 - 1)
        .bind(filed.id)
        .execute(&mut *tx)
        .await?;
        // Every copy gets the real case's timers, pushed far out, except `due` of them.
        pingan_store::sqlx::query(
            "INSERT INTO appeal_timers (appeal_id, kind, deadline_kind, fire_ms)
             SELECT a.id, t.kind, t.deadline_kind, $1 FROM appeals a, appeal_timers t
              WHERE t.appeal_id = $2 AND a.id <> $2",
        )
        .bind(far)
        .bind(filed.id)
        .execute(&mut *tx)
        .await?;
        // `due` cases get the real clock's times back, so that at the pass's `now` their
        // yellow and red timers are due and match their snapshots: they fire in full.
        pingan_store::sqlx::query(
            "UPDATE appeal_timers SET fire_ms = (SELECT o.fire_ms FROM appeal_timers o
                    WHERE o.appeal_id = $1 AND o.kind = appeal_timers.kind)
              WHERE appeal_id IN (SELECT id FROM appeals WHERE id <> $1 ORDER BY id LIMIT $2)",
        )
        .bind(filed.id)
        .bind(due as i64 - 1)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok::<(), anyhow::Error>(())
    })?;
    if engine == Engine::Postgres {
        pingan_store::on_pool!(store.db(), |pool| pingan_store::sqlx::query("ANALYZE")
            .execute(pool)
            .await
            .map(|_| ()))?;
    }
    let setup = t.elapsed().as_secs_f64();
    let pending = store.pending_timer_count().await?;
    let pass_at: i64 = pingan_store::on_pool!(store.db(), |pool| pingan_store::sqlx::query_scalar(
        "SELECT max(fire_ms) + 1 FROM appeal_timers WHERE appeal_id = $1"
    )
    .bind(filed.id)
    .fetch_one(pool)
    .await)?;
    // The pass: find the due timers among all pending ones, lock their cases, claim each timer,
    // and act — yellow-card notices, red-card supervision orders with their events, notices
    // and audit — in one transaction per batch of 1,000.
    let t = Instant::now();
    let mut fired = 0;
    let mut passes = 0;
    let mut orders = 0;
    loop {
        let pass = store.run_deadline_pass(&rules, "bench", pass_at, 1000).await?;
        passes += 1;
        fired += pass.fired;
        orders += pass.supervision_orders;
        if pass.due < 1000 {
            break;
        }
    }
    let pass_ms = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let idle = store.run_deadline_pass(&rules, "bench", pass_at, 1000).await?;
    let idle_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!("engine: {}   open cases: {open}   pending timers: {pending}   setup {setup:.1} s", engine.as_str());
    println!(
        "deadline pass: {fired} due timers of {due} cases fired ({} supervision orders) in {passes} batch(es): {pass_ms:.1} ms",
        orders
    );
    println!("next pass, nothing due: {idle_ms:.2} ms (found {})", idle.due);
    Ok(())
}
