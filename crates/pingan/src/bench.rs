//! `pingan bench …`: measurements for BENCHMARKS.md, run on demand (never as
//! timed assertions in tests).

use crate::demo::DEMO_SEED;
use crate::startup::{Server, open_store};
use pingan_domain::geometry::GridIndex;
use pingan_sim::Scale;
use pingan_web::WebConfig;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// Resident memory of this process (VmRSS) and its peak (VmHWM), in MiB, from /proc.
pub fn memory_mib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1024.0)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Generate and load a city into a fresh SQLite file, start the server, exercise
/// the heaviest pages, and report times and memory.
pub async fn city(scale: Scale) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("pingan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    let url = format!("sqlite://{}", db.display());
    let store = open_store(&url, 10).await?;

    let t = Instant::now();
    let city = tokio::task::spawn_blocking(move || pingan_sim::generate_city(DEMO_SEED, scale)).await?;
    let generate_s = t.elapsed().as_secs_f64();
    let counts = (city.regions.len(), city.orgs.len(), city.accounts.len());
    let t = Instant::now();
    store.load_city(&city, "bench", &|_, _| {}).await?;
    let load_s = t.elapsed().as_secs_f64();
    drop(city);

    let server = Server::build(store.clone(), WebConfig::default(), "127.0.0.1:0").await?;
    let base = format!("http://{}", server.addr);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "admin", "password": pingan_sim::DEMO_PASSWORD}))
        .send()
        .await?;
    anyhow::ensure!(login.status().is_success(), "admin sign-in failed: {}", login.status());
    let mut timings = Vec::new();
    for path in ["/home", "/regions/1", "/map/1", "/orgs", "/api/v1/regions?parent_id=1", "/api/v1/orgs?per_page=200"] {
        let t = Instant::now();
        // As a browser asks: compressed (the client keeps the gzip bytes, so sizes are on-the-wire sizes).
        let res = client.get(format!("{base}{path}")).header("accept-encoding", "gzip").send().await?;
        let status = res.status();
        let bytes = res.bytes().await?.len();
        anyhow::ensure!(status.is_success(), "{path}: {status}");
        timings.push((path, t.elapsed().as_secs_f64() * 1000.0, bytes));
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let t = Instant::now();
    let n = 2000;
    for _ in 0..n {
        let (lon, lat) = (rng.gen_range(115.8..117.55), rng.gen_range(36.45..37.95));
        client.get(format!("{base}/api/v1/locate?lon={lon}&lat={lat}")).send().await?.bytes().await?;
    }
    let locate_rps = n as f64 / t.elapsed().as_secs_f64();
    let (rss, hwm) = memory_mib().unwrap_or((f64::NAN, f64::NAN));
    let _ = tx.send(());
    running.await??;
    let db_mib = std::fs::metadata(&db).map(|m| m.len() as f64 / 1048576.0).unwrap_or(f64::NAN);
    std::fs::remove_dir_all(&dir).ok();

    println!("city: {} regions, {} organisations, {} accounts", counts.0, counts.1, counts.2);
    println!("generate: {generate_s:.2} s   load into SQLite: {load_s:.2} s   total: {:.2} s", generate_s + load_s);
    println!("database file: {db_mib:.0} MiB");
    for (path, ms, bytes) in timings {
        println!("GET {path:<28} {ms:>8.1} ms  {bytes:>9} bytes gzip (first request, cold)");
    }
    println!("locate over HTTP, one client, sequential: {locate_rps:.0} requests/s");
    println!("server process memory after the run: RSS {rss:.0} MiB, peak {hwm:.0} MiB");
    Ok(())
}

/// Point → grid lookups on one core against the full city's grid index.
pub fn locate(scale: Scale, lookups: usize) -> anyhow::Result<()> {
    let city = pingan_sim::generate_city(DEMO_SEED, scale);
    let grids: Vec<_> =
        city.regions.iter().filter_map(|r| r.polygon.clone().map(|p| (r.id, r.code.to_string(), p))).collect();
    let count = grids.len();
    let t = Instant::now();
    let index = GridIndex::new(grids);
    let build_ms = t.elapsed().as_secs_f64() * 1000.0;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let points: Vec<(f64, f64)> =
        (0..lookups).map(|_| (rng.gen_range(115.77..117.60), rng.gen_range(36.40..38.00))).collect();
    let t = Instant::now();
    let mut found = 0usize;
    for (lon, lat) in &points {
        found += usize::from(index.locate(*lon, *lat).is_some());
    }
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(found == lookups, "{} points inside the extent found no grid", lookups - found);
    println!("grid index over {count} polygons built in {build_ms:.1} ms");
    println!("{lookups} lookups in {:.3} s on one thread: {:.0} lookups/s", secs, lookups as f64 / secs);
    Ok(())
}
