//! `pingan demo`: a synthetic Dezhou-scale city in an embedded SQLite file, with a year of
//! citizens' appeals so that every page and rate has something to show.

use crate::startup::{Server, open_store, shutdown_signal};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use pingan_domain::account::Role;
use pingan_domain::calendar::to_china;
use pingan_sim::Scale;
use pingan_sim::appeals::{AppealHistory, HistoryConfig};
use pingan_store::Store;
use pingan_store::rows::CityRows;
use pingan_web::WebConfig;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Seed of the demo city: the same city on every machine.
pub const DEMO_SEED: u64 = 371400;

/// Generate and load the city if the database is empty. Returns the time taken,
/// or `None` when an existing city was reused. No appeals: tests count cases
/// (the demo adds its year of history with [`ensure_demo`]).
pub async fn ensure_city(store: &Store, scale: Scale, show_progress: bool) -> anyhow::Result<Option<Duration>> {
    Ok(load_city(store, scale, show_progress).await?.map(|(_, took)| took))
}

/// What [`ensure_demo`] did: the times it took, `None` where existing data was reused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoData {
    pub city: Option<Duration>,
    /// Cases loaded and the time it took.
    pub history: Option<(u64, Duration)>,
    /// Mediation cases the history's disputes became.
    pub mediation: Option<u64>,
    /// 平安创建: the year's campaigns opened and the units that began applying.
    pub safety: Option<(usize, usize)>,
    /// 预付卡: merchants and money flows loaded.
    pub prepaid: Option<(usize, usize)>,
    /// 联系点: pairings, this year's visits and the problems they found.
    pub liaison: Option<(usize, usize, usize)>,
    /// 在职党员社区报到 and 微心愿: members registered and wishes posted.
    pub party: Option<(usize, usize)>,
    pub volunteers: Option<(usize, usize)>,
    /// 红色驿站: stations given services, staff and visits, and the visits recorded.
    pub stations: Option<(usize, usize)>,
    /// 联席会议: meetings recorded and the resolutions they assigned as tasks.
    pub meetings: Option<(usize, usize)>,
}

/// The demo's data: on an empty database the city and a year of appeal history; otherwise
/// what is there is reused.
pub async fn ensure_demo(store: &Store, scale: Scale, show_progress: bool) -> anyhow::Result<DemoData> {
    let Some((city, took)) = load_city(store, scale, show_progress).await? else {
        return Ok(DemoData {
            city: None,
            history: None,
            mediation: None,
            safety: None,
            prepaid: None,
            liaison: None,
            party: None,
            volunteers: None,
            stations: None,
            meetings: None,
        });
    };
    let unit_contacts: Vec<String> =
        city.accounts.iter().filter(|a| a.role == Role::UnitContact).map(|a| a.username.clone()).collect();
    let history = load_history(store, city, scale, show_progress).await?;
    let mediation = load_mediation_history(store).await?;
    let safety = open_safety_campaigns(store, &unit_contacts).await?;
    let prepaid = crate::demo_prepaid::load_prepaid_demo(store, DEMO_SEED).await.context("the prepaid demo")?;
    let liaison = crate::demo_forces::load_liaison_demo(store, DEMO_SEED).await.context("the liaison demo")?;
    let party = crate::demo_forces::load_party_demo(store, DEMO_SEED).await.context("the party members' demo")?;
    let volunteers = crate::demo_forces::load_volunteer_demo(store, DEMO_SEED).await.context("the volunteers' demo")?;
    let stations = crate::demo_forces::load_station_demo(store, DEMO_SEED).await.context("the red stations' demo")?;
    let meetings = crate::demo_forces::load_meeting_demo(store).await.context("the joint meetings' demo")?;
    Ok(DemoData {
        city: Some(took),
        history: Some(history),
        mediation: Some(mediation),
        safety: Some(safety),
        prepaid: Some(prepaid),
        liaison: Some(liaison),
        party: Some(party),
        volunteers: Some(volunteers),
        stations: Some(stations),
        meetings: Some(meetings),
    })
}

/// This year's 平安创建 campaigns as the city's 平安办 opens them — 平安单位 (applications taken
/// until the year's end), 五零村(社区) and 四级联创 — each keeping the shipped rules as its
/// version 1, and the units that have a contact's account starting their applications, so the
/// demo's unit contacts find a draft to fill in. Returns (campaigns, applications).
pub async fn open_safety_campaigns(store: &Store, unit_contacts: &[String]) -> anyhow::Result<(usize, usize)> {
    use chrono::Datelike;
    use pingan_domain::safety::{CampaignKind, RawCampaign};
    let today = pingan_store::china_today();
    let year = today.year();
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let mut campaigns = Vec::new();
    for (kind, name) in [
        (CampaignKind::SafeUnit, format!("{year}年度平安单位创建")),
        (CampaignKind::FiveZero, format!("{year}年度平安“五零”村(社区)创建")),
        (CampaignKind::County, format!("{year}年度四级联创考核")),
    ] {
        let raw = RawCampaign { name, year, apply_until: format!("{year}-12-31"), notice_days: None };
        let draft = raw.parse(today).map_err(|e| anyhow::anyhow!("demo campaign: {}", e[0]))?;
        campaigns.push(store.create_safety_campaign(&admin, kind, &draft).await?);
    }
    let safe_unit = campaigns[0].id;
    let mut applied = 0;
    for username in unit_contacts {
        let Some(contact) = store.login_account(username).await? else { continue };
        let Some(org) = contact.actor.scope.org_id else { continue };
        store.apply_for_safe_unit(&contact.actor, safe_unit, org).await?;
        applied += 1;
    }
    Ok((campaigns.len(), applied))
}

/// The mediation cases (德为民) that the appeal history's disputes became: a share of the
/// A01–A06 appeals goes to its village's committee and is driven through the mediation rules
/// up to now (`pingan_sim::mediation`). Returns the cases written.
pub async fn load_mediation_history(store: &Store) -> anyhow::Result<u64> {
    use pingan_sim::mediation::{BodyStaff, DisputeAppeal, PlaceBodies, mediation_for};
    use std::collections::HashMap;
    let source = store.mediation_history_source().await?;
    let now = to_china(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64));
    let cases = tokio::task::spawn_blocking(move || {
        let mut staff: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
        for (id, body, name) in source.mediators {
            staff.entry(body).or_default().push((id, name));
        }
        // A body per region: the committees of villages, townships and counties.
        let body_of: HashMap<i64, BodyStaff> = source
            .bodies
            .into_iter()
            .map(|(org_id, name, region_id)| {
                (region_id, BodyStaff { org_id, name, mediators: staff.remove(&org_id).unwrap_or_default() })
            })
            .collect();
        let mut out = Vec::new();
        for a in source.appeals {
            // Paths are /city/county/township/village/grid/.
            let ids: Vec<i64> = a.region_path.split('/').filter_map(|p| p.parse().ok()).collect();
            let at = |depth: usize| ids.get(depth).and_then(|id| body_of.get(id)).cloned();
            let bodies = PlaceBodies { village: at(3), township: at(2), county: at(1) };
            let appeal = DisputeAppeal {
                appeal_id: a.id,
                category: a.category,
                received: to_china(a.received_ms),
                text: a.text,
                reporter_name: a.reporter_name,
                reporter_phone: a.reporter_phone,
            };
            if let Some(g) = mediation_for(DEMO_SEED, &appeal, &bodies, now) {
                out.push(pingan_store::rows::MediationHistoryRow {
                    appeal_id: a.id,
                    region_id: a.region_id,
                    region_path: a.region_path,
                    events: g.events,
                    snapshot: g.snapshot,
                    closed_ms: g.closed_ms,
                });
            }
        }
        out
    })
    .await
    .context("mediation history generator failed")?;
    store.load_mediation_history(&cases, "pingan-demo").await.context("loading the mediation history")
}

async fn load_city(store: &Store, scale: Scale, show_progress: bool) -> anyhow::Result<Option<(CityRows, Duration)>> {
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
    let bar = progress_bar(show_progress, total, "写入数据库 / writing");
    let progress = {
        let bar = bar.clone();
        move |done: u64, _total: u64| bar.set_position(done)
    };
    store.load_city(&city, "pingan-demo", &progress).await.context("loading the demo city")?;
    bar.finish_and_clear();
    Ok(Some((city, started.elapsed())))
}

/// Generate a year of appeals (诉求历史) over `city`, up to now, and load it in one
/// transaction: a generator thread simulates a week at a time and derives its rows while the
/// store writes the previous week. Returns the cases loaded and the time taken.
pub async fn load_history(
    store: &Store,
    city: CityRows,
    scale: Scale,
    show_progress: bool,
) -> anyhow::Result<(u64, Duration)> {
    let started = Instant::now();
    if store.has_appeals().await? {
        anyhow::bail!("数据库中已有诉求,不再生成历史 / the database already holds appeals: no history generated");
    }
    let now = to_china(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64));
    let config = HistoryConfig::new(DEMO_SEED, scale, now);
    let mut load = store.begin_appeal_history("pingan-demo").await?;
    let preparer = load.preparer();
    let (parts_tx, mut parts) = tokio::sync::mpsc::channel(2);
    let (planned_tx, planned) = tokio::sync::oneshot::channel();
    let generator = tokio::task::spawn_blocking(move || {
        let history = AppealHistory::new(&city, config);
        let _ = planned_tx.send(history.planned());
        // A fresh database: ids start at 1.
        let mut next_id = 1;
        for part in 0..history.parts() {
            let cases = history.part(part, next_id);
            next_id += cases.len() as i64;
            if parts_tx.blocking_send(preparer.prepare(&cases)).is_err() {
                break; // the loader stopped
            }
        }
    });
    let planned = planned.await.unwrap_or(0);
    let bar = progress_bar(show_progress, planned, "生成诉求历史 / generating the appeal history");
    while let Some(prepared) = parts.recv().await {
        load.push_prepared(prepared?).await.context("loading the appeal history")?;
        bar.set_position(load.cases());
    }
    generator.await.context("appeal history generator failed")?;
    let cases = load.finish().await.context("loading the appeal history")?;
    bar.finish_and_clear();
    Ok((cases, started.elapsed()))
}

fn progress_bar(show: bool, total: u64, message: &'static str) -> ProgressBar {
    let bar = if show { ProgressBar::new(total) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// 300123 → "300,123".
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub async fn run(scale: Scale, port: u16, db_path: &Path) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", db_path.display());
    let store = open_store(&url, 10).await?;
    let data = ensure_demo(&store, scale, true).await?;
    match data.city {
        Some(took) => {
            println!("示范城市已生成 / demo city generated in {:.1} s → {}", took.as_secs_f64(), db_path.display())
        }
        None => println!("使用已有数据 / reusing the city and its appeals in {}", db_path.display()),
    }
    if let Some((cases, took)) = data.history {
        println!(
            "已生成一年的诉求历史: {} 件, 用时 {:.1} 秒 / a year of appeals: {} cases in {:.1} s",
            thousands(cases),
            took.as_secs_f64(),
            thousands(cases),
            took.as_secs_f64()
        );
    }
    if let Some(cases) = data.mediation {
        println!("其中矛盾纠纷转调解: {} 件 / of which mediation cases: {}", thousands(cases), thousands(cases));
    }
    if let Some((campaigns, applications)) = data.safety {
        println!(
            "平安创建: 已开展 {campaigns} 项年度活动, {applications} 家单位已开始申报 / safe creation: {campaigns} campaigns, {applications} units applying"
        );
    }
    if let Some((merchants, flows)) = data.prepaid {
        println!(
            "预付卡监管: {merchants} 家商户, {} 笔资金流水已入账本; 预警演示: {} / prepaid: {merchants} merchants, {} flows in the ledger",
            thousands(flows as u64),
            crate::demo_prepaid::GYM_BRAND,
            thousands(flows as u64)
        );
    }
    if let Some((points, visits, problems)) = data.liaison {
        println!(
            "联系点: {points} 个结对, 今年下沉帮扶调研 {visits} 次, 发现问题 {problems} 个 / liaison: {points} pairings, {visits} visits, {problems} problems"
        );
    }
    if let Some((members, wishes)) = data.party {
        println!(
            "党员报到: {members} 名在职党员向社区报到, 微心愿 {wishes} 个; 已报到党员可用手机号 13600000001 登录 /citizen/party / party members: {members}, wishes: {wishes}; a confirmed member signs in with 13600000001"
        );
    }
    if let Some((teams, volunteers)) = data.volunteers {
        println!(
            "志愿者: {teams} 支队伍, {volunteers} 名志愿者; 志愿者可用手机号 13610000001 登录 /citizen/volunteers / volunteers: {teams} teams, {volunteers} volunteers; one signs in with 13610000001"
        );
    }
    if let Some((stations, visits)) = data.stations {
        println!(
            "红色驿站: {stations} 个驿站已登记服务项目、工作人员和今年的来访 {visits} 次 / red stations: {stations} with services, staff and {visits} visits this year"
        );
    }
    if let Some((meetings, resolutions)) = data.meetings {
        println!(
            "联席会议: {meetings} 次会议, {resolutions} 项决议已作为任务交办, 见 /meetings / joint meetings: {meetings}, their {resolutions} resolutions assigned as tasks"
        );
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

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_separated() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(3_000), "3,000");
        assert_eq!(super::thousands(300_123), "300,123");
        assert_eq!(super::thousands(1_234_567), "1,234,567");
    }
}
