//! The liaison demo (联系点): each township paired in turn with a city department, this year's
//! assistance visits made by the departments' own staff, and the problems those visits found
//! as tasks — most reported done and verified, a few still in hand — so that the liaison page
//! and the task list show figures of the programme's order (DOMAIN §1: 81 visits and 102
//! problems solved in the reference city). Everything goes through the store's rules, as staff
//! would do it.

use anyhow::Context;
use chrono::Datelike;
use pingan_domain::calendar::to_china;
use pingan_domain::forces::liaison::NewVisit;
use pingan_domain::org::OrgKind;
use pingan_domain::region::RegionLevel;
use pingan_domain::task::{NewTask, TaskCommand};
use pingan_store::Store;
use pingan_store::orgs::OrgFilter;
use rand::{Rng, SeedableRng};

/// Problems a visit may find: (what, whose: the paired department or the township).
const PROBLEMS: [(&str, bool); 12] = [
    ("村口道路视频监控点位不足", true),
    ("矛盾纠纷排查台账不全", false),
    ("网格员巡查记录缺项", false),
    ("出租房屋消防通道堵塞", true),
    ("调解室设施老旧需更新", false),
    ("电动车集中充电设施不足", true),
    ("反诈宣传覆盖不到老年群体", true),
    ("农村道路交通安全警示标志缺失", true),
    ("综治中心值班制度未上墙", false),
    ("重点人员帮扶措施未落实", false),
    ("校园周边摊点占道经营", true),
    ("红色驿站开放时间与群众需求不符", false),
];

/// Visits this year (spread over the points) and problems found (about 1.3 a visit).
const VISITS: usize = 81;

/// Returns (pairings, visits, problems).
pub async fn load_liaison_demo(store: &Store, seed: u64) -> anyhow::Result<(usize, usize, usize)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x11a1_5011);
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let supervisor = store.login_account("supervisor").await?.context("the demo city has a supervisor")?.actor;
    let city = store.scope_root(&admin.scope).await?;
    let depts = OrgFilter { kind: Some(OrgKind::Department), limit: 1000, ..Default::default() };
    let (depts, _) = store.orgs(&admin.scope, &depts).await?;
    // City departments whose staff have an account (dept.<code>), each with that account.
    let mut units = Vec::new();
    for d in depts.into_iter().filter(|d| d.region_id == city.id) {
        let Some(code) = d.dept.as_deref() else { continue };
        if let Some(account) = store.login_account(&format!("dept.{code}")).await? {
            units.push((d, account.actor));
        }
    }
    anyhow::ensure!(!units.is_empty(), "the demo city has no city departments with staff");
    let townships = store.regions_at_level(&admin.scope, RegionLevel::Township).await?;
    let now = to_china(chrono::Utc::now().timestamp_millis());
    let since = chrono::NaiveDate::from_ymd_opt(now.year(), 1, 1).unwrap_or(now.date());
    let mut points = Vec::new();
    for (i, t) in townships.iter().enumerate() {
        let (unit, staff) = &units[i % units.len()];
        let p = store.create_liaison_point(&admin, unit.id, t.id, since).await?;
        points.push((p, staff.clone(), t.id));
    }
    let calendar = store.work_calendar().await?;
    let (mut visits, mut problems) = (0, 0);
    let days_so_far = now.ordinal0().max(1);
    for v in 0..VISITS.min(points.len() * 3) {
        let (point, staff, township) = &points[(v * 7) % points.len()];
        let visited_on = since + chrono::Days::new(u64::from(rng.gen_range(0..days_so_far)));
        let bodies =
            OrgFilter { kind: Some(OrgKind::TownshipBody), region_id: Some(*township), limit: 5, ..Default::default() };
        let (bodies, _) = store.orgs(&admin.scope, &bodies).await?;
        let found: Vec<NewTask> = (0..rng.gen_range(0..=2) + usize::from(v % 3 == 0))
            .map(|_| {
                let (title, the_unit) = PROBLEMS[rng.gen_range(0..PROBLEMS.len())];
                let owner = match bodies.first() {
                    Some(b) if !the_unit => b.id,
                    _ => point.org_id,
                };
                NewTask {
                    title: title.to_owned(),
                    detail: String::new(),
                    owner_org_id: owner,
                    due: calendar.add_working_days(now, rng.gen_range(5..=20)),
                }
            })
            .collect();
        let visit = NewVisit {
            visited_on,
            people: vec![staff.display_name.clone(), "联络员".to_owned()],
            findings: format!(
                "到{}开展下沉帮扶调研,走访村(社区)、综治中心,听取平安建设工作情况。",
                point.township_name
            ),
            problems: found,
        };
        let (_, task_ids) = store.record_liaison_visit(staff, point.id, &visit).await?;
        visits += 1;
        problems += task_ids.len();
        // Most problems are solved: the owner reports, the supervisor verifies.
        for id in task_ids {
            if rng.gen_bool(0.15) {
                continue;
            }
            let (task, _) = store.task(&supervisor, id).await?;
            let owner = if task.owner_org_id == point.org_id {
                staff.clone()
            } else {
                let region = store.region(&admin.scope, *township).await?;
                match store.login_account(&format!("dispatch.{}", region.code)).await? {
                    Some(a) => a.actor,
                    None => admin.clone(),
                }
            };
            let report = TaskCommand::Report { note: "已完成整改并建立长效机制".into() };
            let t = store.act_on_task(&owner, id, task.version, &report, &calendar).await?;
            let confirm = TaskCommand::Confirm { note: "经核验,整改到位".into() };
            store.act_on_task(&supervisor, id, t.version, &confirm, &calendar).await?;
        }
    }
    Ok((points.len(), visits, problems))
}
