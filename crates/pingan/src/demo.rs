//! `pingan demo`: a synthetic Dezhou-scale city in an embedded SQLite file.

use crate::startup::{Server, open_store, shutdown_signal};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use pingan_sim::Scale;
use pingan_store::Store;
use pingan_web::WebConfig;
use std::path::Path;
use std::time::{Duration, Instant};

/// Seed of the demo city: the same city on every machine.
pub const DEMO_SEED: u64 = 371400;

/// Generate and load the city if the database is empty. Returns the time taken,
/// or `None` when an existing city was reused.
pub async fn ensure_city(store: &Store, scale: Scale, show_progress: bool) -> anyhow::Result<Option<Duration>> {
    if !store.is_empty().await? {
        return Ok(None);
    }
    let started = Instant::now();
    let spinner = if show_progress { ProgressBar::new_spinner() } else { ProgressBar::hidden() };
    spinner.set_message("生成示范城市 / generating the demo city");
    spinner.enable_steady_tick(Duration::from_millis(120));
    let city = tokio::task::spawn_blocking(move || pingan_sim::generate_city(DEMO_SEED, scale))
        .await
        .context("city generator failed")?;
    spinner.finish_and_clear();
    let total = (city.regions.len() + city.orgs.len() + city.accounts.len()) as u64;
    let bar = if show_progress { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message("写入数据库 / writing");
    let progress = {
        let bar = bar.clone();
        move |done: u64, _total: u64| bar.set_position(done)
    };
    store.load_city(&city, "pingan-demo", &progress).await.context("loading the demo city")?;
    bar.finish_and_clear();
    Ok(Some(started.elapsed()))
}

pub async fn run(scale: Scale, port: u16, db_path: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", db_path.display());
    let store = open_store(&url, 10).await?;
    match ensure_city(&store, scale, true).await? {
        Some(took) => {
            println!("示范城市已生成 / demo city generated in {:.1} s → {}", took.as_secs_f64(), db_path.display())
        }
        None => println!("使用已有数据 / reusing the city in {}", db_path.display()),
    }
    let server = Server::build(store.clone(), WebConfig::default(), &format!("127.0.0.1:{port}")).await?;
    let accounts = store.first_account_per_role().await?;
    println!();
    println!("  平安德州 Pingan demo: http://{}/", server.addr);
    println!();
    println!("  演示账号 / demo accounts (password: {}):", pingan_sim::DEMO_PASSWORD);
    for (username, role, region) in accounts {
        println!("    {:<28} {:<12} {}", username, role.zh(), region);
    }
    println!();
    println!("  群众 / residents: http://{}/citizen/login", server.addr);
    println!("    任一手机号;验证码显示在本窗口的日志中 / any mobile number; the code appears in the log below");
    println!();
    println!("  Ctrl-C 停止 / to stop");
    server.run(shutdown_signal()).await
}
