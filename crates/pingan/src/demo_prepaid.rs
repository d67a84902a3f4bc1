//! The demo's prepaid-card supervision: merchants in every county with 120 days of card
//! sales, redemptions and escrow, assessed day by day for the last 30 days so the board has
//! a trend — and the warning scenario: the gym chain 力健健身 sells year cards hard for two
//! weeks while its members stop coming, draws its escrow down, changes its payee account and
//! announces a closure, and the warning climbs to red with its reasons listed. Everything goes
//! through the real store: the flows into the ledger, the signals, the complaints as citizens'
//! appeals, the assessments and the case the red warning opens.

use anyhow::Context;
use pingan_domain::calendar::{from_china, to_china};
use pingan_domain::geometry::GridIndex;
use pingan_domain::prepaid::registry::{RawMerchant, RawProduct, RawStore};
use pingan_domain::prepaid::rules::EscrowFacts;
use pingan_domain::prepaid::{CreditCode, Flow, FlowKind, IssuerType, PrepaidIndustry, PrepaidRules, SignalKind};
use pingan_domain::region::RegionLevel;
use pingan_store::Store;
use pingan_store::prepaid::flows::FlowSender;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

const DAYS: i64 = 120;
/// Days assessed one by one at the end of the history (the board's trend).
const TREND_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;

/// The chain the scenario follows.
pub const GYM_BRAND: &str = "力健健身";

const PREFIXES: &[&str] = &[
    "德润", "鲁北", "长河", "运河", "金桥", "新湖", "天衢", "康博", "华宇", "百福", "福泰", "瑞丰", "嘉禾", "宏达",
    "同心",
];
const REPS: &[&str] = &["王建国", "李秀英", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "孙丽", "周强", "吴敏"];

/// (code, name, kind, price in yuan, sessions, days).
type DemoProduct = (&'static str, &'static str, &'static str, i64, Option<i64>, Option<i64>);

fn industry_plan(i: PrepaidIndustry) -> (&'static str, &'static [DemoProduct]) {
    use PrepaidIndustry::*;
    // (suffix, products: code, name, kind, price in yuan, sessions, days)
    match i {
        Fitness => (
            "健身",
            &[("Y1", "年卡", "period", 1980, None, Some(365)), ("S20", "私教20次卡", "sessions", 4000, Some(20), None)],
        ),
        Beauty => (
            "美容美发",
            &[
                ("V3", "3000元储值卡", "stored_value", 3000, None, None),
                ("H10", "护理10次卡", "sessions", 1280, Some(10), None),
            ],
        ),
        Education => ("教育培训", &[("K48", "48课时课程包", "sessions", 6800, Some(48), None)]),
        Catering => ("餐饮", &[("V1", "1000元储值卡", "stored_value", 1000, None, None)]),
        CarWash => ("洗车", &[("W30", "洗车30次卡", "sessions", 600, Some(30), None)]),
        Housekeeping => ("家政", &[("J12", "保洁12次卡", "sessions", 1500, Some(12), None)]),
        Swimming => ("游泳馆", &[("M6", "半年卡", "period", 1200, None, Some(180))]),
        Bathing => ("洗浴", &[("V5", "500元储值卡", "stored_value", 500, None, None)]),
        Other => ("生活服务", &[("V2", "2000元储值卡", "stored_value", 2000, None, None)]),
    }
}

/// How a merchant behaves over the history.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Script {
    Healthy,
    /// Stops topping up escrow 60 days before the end.
    EscrowLapse,
    /// The gym chain: a presale surge, falling visits, escrow drawn, closure.
    RunAway,
}

struct Sim {
    id: i64,
    licence: CreditCode,
    issuer: IssuerType,
    months_open: u32,
    products: Vec<(String, i64)>,
    weekly_sales_fen: i64,
    script: Script,
    cards: Vec<(String, i64)>,
    next_card: u32,
    outstanding: i64,
    escrow: i64,
    redeemed_90d: Vec<(i64, i64)>,
}

/// Load the prepaid demo. Returns (merchants, flows).
pub async fn load_prepaid_demo(store: &Store, seed: u64) -> anyhow::Result<(usize, usize)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x7072_6570);
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let supervisor = store.login_account("supervisor").await?.context("the demo city has a supervisor")?.actor;
    let counties = store.regions_at_level(&admin.scope, RegionLevel::County).await?;
    let shapes = store.all_grid_shapes_for_index().await?;
    let mut grids_of: HashMap<i64, Vec<(f64, f64)>> = HashMap::new();
    for s in &shapes {
        let pts = s.ring.points();
        let n = pts.len().max(1) as f64;
        let (lon, lat) = pts.iter().fold((0.0, 0.0), |(x, y), p| (x + p[0] / n, y + p[1] / n));
        if let Some(county) = s.path.ids().get(1) {
            grids_of.entry(*county).or_default().push((lon, lat));
        }
    }
    let index = GridIndex::new(shapes.into_iter().map(|s| (s.id, s.code, s.ring)).collect());
    let now = chrono::Utc::now().timestamp_millis();
    let today = to_china(now).date();
    let rules = PrepaidRules::default();
    let mut sims: Vec<Sim> = Vec::new();
    let industries = PrepaidIndustry::ALL;
    let mut serial = 0u32;
    for (ci, county) in counties.iter().enumerate() {
        let Some(sites) = grids_of.get(&county.id).filter(|g| !g.is_empty()) else { continue };
        let per_county = if ci == 0 { 9 } else { 6 };
        for k in 0..per_county {
            serial += 1;
            let gym = ci == 0 && k == 0;
            let industry =
                if gym { PrepaidIndustry::Fitness } else { industries[(ci * 3 + k) % (industries.len() - 1)] };
            let (suffix, products) = industry_plan(industry);
            let brand = if gym {
                GYM_BRAND.to_owned()
            } else {
                format!("{}{suffix}", PREFIXES[(ci * 7 + k * 3) % PREFIXES.len()])
            };
            let code6: String = county.code.chars().take(6).collect();
            let licence =
                CreditCode::with_check(&format!("91{code6:0>6}MA{serial:07}")).context("a demo licence code")?;
            let years_open = if gym {
                3
            } else if k == 5 {
                0
            } else {
                1 + (k as i64 % 7)
            };
            let opened_on = today - chrono::Duration::days(years_open * 365 + 40 + k as i64 * 11);
            let issuer = match k % 5 {
                0 => IssuerType::Other,
                1 => IssuerType::Brand,
                2 => IssuerType::Group,
                _ => IssuerType::Scale,
            };
            let raw = RawMerchant {
                licence: licence.as_str().into(),
                name: format!("德州市{brand}有限公司"),
                brand: brand.clone(),
                legal_rep: REPS[(serial as usize) % REPS.len()].into(),
                industry: industry.code().into(),
                issuer_type: issuer.code().into(),
                opened_on: opened_on.to_string(),
            };
            let m = raw.parse(today).map_err(|e| anyhow::anyhow!("demo merchant {brand}: {}", e[0]))?;
            let merchant = store.register_merchant(&admin, &m, county.id).await?;
            let store_count = if gym { 4 } else { 1 + k % 2 };
            for s in 0..store_count {
                let (lon, lat) = sites[(k * 13 + s * 29 + ci) % sites.len()];
                let Some(grid) = index.locate(lon, lat) else { continue };
                let branch = ["新湖店", "天衢店", "运河店", "长河店"][s % 4];
                let raw = RawStore {
                    name: format!("{brand}{branch}"),
                    address: format!("{}{}路{}号", county.name, PREFIXES[(s + k) % PREFIXES.len()], 10 + s * 17 + k),
                    lon,
                    lat,
                };
                let site = raw.parse().map_err(|e| anyhow::anyhow!("demo store: {}", e[0]))?;
                store.add_merchant_store(&admin, merchant.id, &site, grid).await?;
            }
            let mut product_list = Vec::new();
            for (code, name, kind, yuan, sessions, days) in products {
                let terms = if gym {
                    "年卡一经售出概不退款;会员卡丢失不补;本店保留最终解释权。"
                } else {
                    "未使用部分可按剩余价值退款;卡片遗失可凭身份证明补办;可转让。"
                };
                let raw = RawProduct {
                    code: (*code).into(),
                    name: (*name).into(),
                    kind: (*kind).into(),
                    price_fen: yuan * 100,
                    sessions: *sessions,
                    period_days: *days,
                    terms: terms.into(),
                };
                let p = raw.parse().map_err(|e| anyhow::anyhow!("demo product: {}", e[0]))?;
                store.add_merchant_product(&admin, merchant.id, &p).await?;
                product_list.push(((*code).to_owned(), yuan * 100));
            }
            let script = if gym {
                Script::RunAway
            } else if k == 3 && ci % 3 == 1 {
                Script::EscrowLapse
            } else {
                Script::Healthy
            };
            sims.push(Sim {
                id: merchant.id,
                licence,
                issuer,
                months_open: (years_open * 12) as u32 + 1,
                products: product_list,
                weekly_sales_fen: rng.gen_range(6_000..30_000) * 100 * if gym { 2 } else { 1 },
                script,
                cards: Vec::new(),
                next_card: 1,
                outstanding: 0,
                escrow: 0,
                redeemed_90d: Vec::new(),
            });
        }
    }
    let mut flows_total = 0;
    let start_day = today - chrono::Duration::days(DAYS);
    for d in 0..=DAYS {
        let date = start_day + chrono::Duration::days(d);
        let day_start = from_china(date.and_hms_opt(9, 0, 0).expect("a time"));
        let left = DAYS - d; // days before today
        let mut batch: Vec<(String, Flow)> = Vec::new();
        for sim in sims.iter_mut() {
            let surge = sim.script == Script::RunAway && left <= 14;
            let fading = sim.script == Script::RunAway && left <= 30;
            // Card sales: the first day opens the book with eight weeks of earlier sales.
            let target =
                if d == 0 { sim.weekly_sales_fen * 8 } else { sim.weekly_sales_fen / 7 * if surge { 6 } else { 1 } };
            let mut sold = 0;
            let mut minute = 0;
            while sold < target {
                let (code, price) = sim.products[rng.gen_range(0..sim.products.len())].clone();
                let price = if surge { price / 2 } else { price }; // 五折 promotion
                let card = format!("C{:05}", sim.next_card);
                sim.next_card += 1;
                batch.push((
                    String::new(),
                    flow(&sim.licence, FlowKind::Sale, Some(&card), Some(&code), price, day_start + minute * 60_000),
                ));
                sim.cards.push((card, price));
                sim.outstanding += price;
                sold += price;
                minute += 1;
            }
            // Redemptions: about a 56th of the book a day (eight weeks to use a card); a
            // failing gym's members stop coming.
            if d > 0 {
                let mut want = sim.outstanding / 56 / if fading { 4 } else { 1 };
                let mut tries = 0;
                while want > 0 && tries < 400 && !sim.cards.is_empty() {
                    tries += 1;
                    let i = rng.gen_range(0..sim.cards.len());
                    let (card, balance) = sim.cards[i].clone();
                    if balance <= 0 {
                        continue;
                    }
                    let amount = balance.min(rng.gen_range(200..1200) * 100).min(want.max(100));
                    sim.cards[i].1 -= amount;
                    sim.outstanding -= amount;
                    want -= amount;
                    sim.redeemed_90d.push((d, amount));
                    batch.push((
                        String::new(),
                        flow(
                            &sim.licence,
                            FlowKind::Redemption,
                            Some(&card),
                            None,
                            amount,
                            day_start + (600 + tries) * 60_000,
                        ),
                    ));
                }
            }
            // Escrow: the bank's weekly top-up to 110% of the requirement (the first day too);
            // a lapsing merchant stops topping up two months before the end, the gym two weeks.
            let lapsed =
                (sim.script == Script::EscrowLapse && left <= 60) || (sim.script == Script::RunAway && left <= 14);
            if (d == 0 || date.weekday() == chrono::Weekday::Mon) && !lapsed {
                sim.redeemed_90d.retain(|(day, _)| d - day < 90);
                let monthly = sim.redeemed_90d.iter().map(|(_, a)| a).sum::<i64>() / 3;
                let required = rules
                    .escrow_requirement(&EscrowFacts {
                        issuer: sim.issuer,
                        outstanding_fen: sim.outstanding,
                        months_open: sim.months_open,
                        monthly_redemptions_fen: if d == 0 { sim.outstanding } else { monthly },
                    })
                    .required_fen;
                let goal = required * 11 / 10;
                if goal > sim.escrow {
                    batch.push((
                        String::new(),
                        flow(
                            &sim.licence,
                            FlowKind::EscrowDeposit,
                            None,
                            None,
                            goal - sim.escrow,
                            day_start + 480 * 60_000,
                        ),
                    ));
                    sim.escrow = goal;
                }
            }
            // The gym draws most of its escrow five days before the end.
            if sim.script == Script::RunAway && left == 5 && sim.escrow > 0 {
                let amount = sim.escrow * 7 / 10;
                batch.push((
                    String::new(),
                    flow(&sim.licence, FlowKind::EscrowWithdrawal, None, None, amount, day_start + 500 * 60_000),
                ));
                sim.escrow -= amount;
            }
        }
        flows_total += batch.len();
        store
            .record_prepaid_flows(FlowSender::Demo, &batch, None)
            .await
            .with_context(|| format!("demo flows of {date}"))?;
        if left < TREND_DAYS && left > 0 {
            let at = from_china(date.and_hms_opt(23, 0, 0).expect("a time"));
            for sim in &sims {
                store.assess_prepaid_merchant(sim.id, at).await?;
            }
        }
    }
    // What regulators and citizens reported, then today's assessment of everyone.
    let gym = sims.iter().find(|s| s.script == Script::RunAway).context("the gym chain")?;
    for (kind, days_ago, note) in [
        (SignalKind::PayeeChange, 20, "存管银行报告:收款账户由对公账户变更为个人账户"),
        (SignalKind::PayeeChange, 6, "存管银行报告:收款账户再次变更"),
        (SignalKind::ClosureNotice, 2, "新湖店张贴“停业装修”通知,会员反映其他门店亦将关闭"),
    ] {
        let at = now - days_ago * DAY_MS;
        store.record_prepaid_signal(&admin, gym.id, kind, note, Some(at)).await?;
    }
    let rules_appeals = store.appeal_rules().await?;
    let gym_stores = store.merchant_stores(gym.id).await?;
    let texts = [
        ("F01", "力健健身新湖店突然关门,刚办的年卡还没用几次,要求退钱"),
        ("F01", "力健健身天衢店贴了停业通知,教练都联系不上了"),
        ("F02", "在力健健身办的私教课要求退费,店里一直推脱不给退"),
        ("F03", "力健健身年卡五折促销,合同写着概不退款,这合理吗"),
        ("F01", "力健健身运河店人去楼空,几百名会员的卡怎么办"),
        ("F02", "力健健身拒绝退还剩余课时费用"),
    ];
    for (i, (category, text)) in texts.iter().enumerate() {
        let site = &gym_stores[i % gym_stores.len()];
        let intake = pingan_store::appeals::Intake {
            text: pingan_domain::appeal::AppealText::parse(text).map_err(|e| anyhow::anyhow!("{e:?}"))?,
            category: pingan_domain::appeal::CategoryCode::parse(category).map_err(|e| anyhow::anyhow!("{e}"))?,
            urgency: pingan_domain::appeal::Urgency::Normal,
            channel: pingan_domain::appeal::IntakeChannel::Hotline12345,
            region_id: site.region_id,
            lon: Some(site.lon),
            lat: Some(site.lat),
            address: site.address.clone(),
            confidential: false,
            reporter_name: String::new(),
            reporter_phone: None,
            station_org_id: None,
        };
        store.file_appeal(&supervisor, &intake, &rules_appeals, None).await?;
    }
    store.assess_all_prepaid_merchants(now).await?;
    Ok((sims.len(), flows_total))
}

fn flow(
    licence: &CreditCode,
    kind: FlowKind,
    card: Option<&str>,
    product: Option<&str>,
    amount_fen: i64,
    at: i64,
) -> Flow {
    Flow {
        merchant: licence.clone(),
        kind,
        card_no: card.map(str::to_owned),
        product: product.map(str::to_owned),
        amount_fen,
        occurred_ms: Some(at),
        reference: None,
    }
}

use chrono::Datelike;
