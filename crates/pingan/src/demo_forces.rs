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

/// Communities of the first county that take part in the party demo.
const PARTY_COMMUNITIES: usize = 30;

/// The grassroots demo in the first county's first communities: in-service party members who
/// reported (two confirmed and one waiting in each), a patrol call for tomorrow evening with
/// sign-ups, residents' wishes at every stage, each community's council and two 五老, and the
/// rolls each city department declared. Returns (members, wishes).
pub async fn load_party_demo(store: &Store, seed: u64) -> anyhow::Result<(usize, usize)> {
    use pingan_domain::forces::elders::{ElderKind, NewElder, NewSelfGov, SelfGovKind};
    use pingan_domain::forces::party::{NewCall, NewRegistration, ServicePost};
    use pingan_domain::forces::wish::{NewWish, WishCommand, WishKind};
    use pingan_domain::personal::Phone;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x9a27_7e11);
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let city = store.scope_root(&admin.scope).await?;
    let depts = OrgFilter { kind: Some(OrgKind::Department), limit: 1000, ..Default::default() };
    let units: Vec<i64> = store
        .orgs(&admin.scope, &depts)
        .await?
        .0
        .into_iter()
        .filter(|d| d.region_id == city.id)
        .map(|d| d.id)
        .collect();
    anyhow::ensure!(!units.is_empty(), "the demo city has no city departments");
    for unit in &units {
        store.set_party_rolls(&admin, *unit, rng.gen_range(40..=120)).await?;
    }
    let villages = store.regions_at_level(&admin.scope, RegionLevel::Village).await?;
    let now = to_china(chrono::Utc::now().timestamp_millis());
    let tomorrow_evening = (now.date() + chrono::Days::new(1)).and_hms_opt(19, 0, 0).unwrap_or(now);
    let names = ["王建国", "李秀梅", "张志强", "刘海燕", "陈卫东", "杨丽华", "赵国庆", "黄淑芬", "周明亮", "吴桂兰"];
    let (mut members, mut wishes, mut n) = (0, 0, 0u64);
    for village in villages.iter().take(PARTY_COMMUNITIES) {
        let Some(cadre) = store.login_account(&format!("cadre.{}", village.code)).await? else { continue };
        let cadre = cadre.actor;
        let grids = store.children(&admin.scope, village.id).await?;
        let Some(grid) = grids.first() else { continue };
        let mut confirmed = Vec::new();
        for i in 0..3 {
            n += 1;
            let phone = Phone::parse(&format!("1360000{n:04}")).map_err(|e| anyhow::anyhow!(e))?;
            let resident = store.citizen_account(&phone).await?.actor;
            let reg = NewRegistration {
                name: names[rng.gen_range(0..names.len())].to_owned(),
                work_org_id: units[rng.gen_range(0..units.len())],
                community_id: village.id,
                posts: vec![ServicePost::ALL[rng.gen_range(0..ServicePost::ALL.len())]],
            };
            let m = store.register_party_member(&resident, &reg).await?;
            members += 1;
            if i < 2 {
                store.decide_party_member(&cadre, m.id, true, "").await?;
                confirmed.push(resident);
            }
        }
        let call = NewCall {
            title: "夜间治安巡逻".into(),
            post: ServicePost::Patrol,
            grid_id: grid.region.id,
            starts: tomorrow_evening,
            hours_tenths: 20,
            capacity: 6,
        };
        let call = store.create_party_call(&cadre, village.id, &call).await?;
        for member in &confirmed {
            store.sign_up_for_party_call(member, call.id).await?;
        }
        // A resident's wish at a stage that turns with the community: open, claimed, done, confirmed.
        n += 1;
        let phone = Phone::parse(&format!("1360000{n:04}")).map_err(|e| anyhow::anyhow!(e))?;
        let resident = store.citizen_account(&phone).await?.actor;
        let (title, kind) = [
            ("需要一台轮椅", WishKind::Goods),
            ("家中水管漏水需维修", WishKind::Repair),
            ("独居老人希望有人陪伴聊天", WishKind::Visit),
        ][wishes % 3];
        let wish =
            NewWish { title: title.into(), detail: String::new(), kind, community_id: village.id, for_name: None };
        let w = store.post_wish(&resident, &wish).await?;
        wishes += 1;
        let stage = wishes % 4;
        if stage >= 1 && !confirmed.is_empty() {
            let w = store.act_on_wish(&confirmed[0], w.id, w.version, &WishCommand::Claim).await?;
            if stage >= 2 {
                let proof = WishCommand::Fulfil { proof: "已上门完成,群众满意".into() };
                let w = store.act_on_wish(&confirmed[0], w.id, w.version, &proof).await?;
                if stage == 3 {
                    store.act_on_wish(&resident, w.id, w.version, &WishCommand::Confirm).await?;
                }
            }
        }
        let council = NewSelfGov {
            kind: SelfGovKind::Council,
            community_id: village.id,
            chair: names[rng.gen_range(0..names.len())].to_owned(),
            members: rng.gen_range(7..=15),
            charter: "每月召开议事会,村(居)务大事民主协商".into(),
        };
        store.create_self_gov_org(&cadre, &council).await?;
        for (j, kind) in [ElderKind::Teacher, ElderKind::Soldier].into_iter().enumerate() {
            n += 1;
            let elder = NewElder {
                name: names[(n as usize + j) % names.len()].to_owned(),
                kind,
                community_id: village.id,
                phone: Phone::parse(&format!("1370000{n:04}")).map_err(|e| anyhow::anyhow!(e))?,
                strengths: "调解邻里纠纷、政策宣传".into(),
            };
            store.add_elder(&cadre, &elder).await?;
        }
    }
    Ok((members, wishes))
}

/// 志愿者 in the communities of the party demo: a 平安志愿者 team in each community and an
/// anti-fraud publicity team in its township, residents who joined (most confirmed, one
/// waiting), tomorrow morning's publicity activity with sign-ups, and volunteers sent to open
/// sanitation (E01) appeals of the community — reported and confirmed for most, so that the
/// hours, stars and ranking have something to show. The volunteer 13610000001 is confirmed.
/// Returns (teams, volunteers).
pub async fn load_volunteer_demo(store: &Store, seed: u64) -> anyhow::Result<(usize, usize)> {
    use pingan_domain::forces::party::{NewCall, ServicePost};
    use pingan_domain::forces::volunteer::{DispatchCommand, NewTeam, TeamKind};
    use pingan_domain::personal::Phone;
    use pingan_store::appeals::AppealFilter;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5017_2a11);
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let villages = store.regions_at_level(&admin.scope, RegionLevel::Village).await?;
    let now = to_china(chrono::Utc::now().timestamp_millis());
    let tomorrow_morning = (now.date() + chrono::Days::new(1)).and_hms_opt(9, 0, 0).unwrap_or(now);
    let names = ["孙立新", "马秀英", "朱建华", "胡玉兰", "郭振国", "何丽娟", "高志刚", "林淑珍", "罗文斌", "梁春梅"];
    let leaders = ["李红梅", "王德胜", "张桂芝", "刘振华"];
    let (mut teams, mut volunteers, mut n) = (0, 0, 0u64);
    let mut township_teams = std::collections::HashSet::new();
    for village in villages.iter().take(PARTY_COMMUNITIES) {
        let Some(cadre) = store.login_account(&format!("cadre.{}", village.code)).await? else { continue };
        let cadre = cadre.actor;
        let grids = store.children(&admin.scope, village.id).await?;
        let Some(grid) = grids.first() else { continue };
        let team = NewTeam {
            name: format!("{}平安志愿者服务队", village.name),
            kind: TeamKind::Safety,
            region_id: village.id,
            leader: leaders[rng.gen_range(0..leaders.len())].to_owned(),
        };
        let team = store.create_volunteer_team(&cadre, &team).await?;
        teams += 1;
        if let Some(township) = village.parent_id.filter(|t| township_teams.insert(*t)) {
            let t = store.region(&admin.scope, township).await?;
            let anti_fraud = NewTeam {
                name: format!("{}反诈宣传志愿队", t.name),
                kind: TeamKind::AntiFraud,
                region_id: township,
                leader: leaders[rng.gen_range(0..leaders.len())].to_owned(),
            };
            store.create_volunteer_team(&admin, &anti_fraud).await?;
            teams += 1;
        }
        let mut confirmed = Vec::new();
        for i in 0..4 {
            n += 1;
            let phone = Phone::parse(&format!("1361000{n:04}")).map_err(|e| anyhow::anyhow!(e))?;
            let resident = store.citizen_account(&phone).await?.actor;
            let me = store.join_volunteer_team(&resident, team.id, names[rng.gen_range(0..names.len())]).await?;
            volunteers += 1;
            if i < 3 {
                let membership = me.memberships.iter().find(|m| m.team_id == team.id).context("the new membership")?;
                store.decide_volunteer(&cadre, membership.id, true, "").await?;
                confirmed.push((resident, membership.id));
            }
        }
        let activity = NewCall {
            title: "反诈宣传进小区".into(),
            post: ServicePost::Publicity,
            grid_id: grid.region.id,
            starts: tomorrow_morning,
            hours_tenths: 20,
            capacity: 10,
        };
        let activity = store.create_volunteer_activity(&cadre, team.id, &activity).await?;
        for (resident, _) in confirmed.iter().take(2) {
            store.sign_up_for_volunteer_activity(resident, activity.id).await?;
        }
        // This morning's clean-up, starting within the hour: the members sign up and check
        // in on site (a point inside the grid), so their hours count from the start.
        let shapes = store.grid_shapes(&admin.scope, village.id).await?;
        if let Some(shape) = shapes.first() {
            let soon = now + chrono::Duration::minutes(30);
            let clean_up = NewCall {
                title: "小区环境卫生整治".into(),
                post: ServicePost::Environment,
                grid_id: shape.id,
                starts: soon,
                hours_tenths: rng.gen_range(2..=4) * 5,
                capacity: 10,
            };
            let clean_up = store.create_volunteer_activity(&cadre, team.id, &clean_up).await?;
            if let Some(p) = shape.ring.interior_point() {
                for (resident, _) in &confirmed {
                    store.sign_up_for_volunteer_activity(resident, clean_up.id).await?;
                    store.check_in_volunteer_activity(resident, clean_up.id, Some(shape.id), p).await?;
                }
            }
        }
        // Open sanitation appeals of the community: a volunteer sent to each; most reported
        // and confirmed, the last left with the volunteer.
        let open = AppealFilter { category: Some("E01".into()), limit: 50, ..Default::default() };
        let (cases, _) = store.appeals(&cadre, &open).await?;
        for (k, case) in cases.iter().filter(|c| !c.state.is_closed()).take(3).enumerate() {
            let (resident, member) = &confirmed[k % confirmed.len()];
            let Ok(d) = store.dispatch_volunteer(&cadre, case.id, *member, "协助清理垃圾、劝导文明投放").await
            else {
                continue;
            };
            if k < 2 {
                let hours = rng.gen_range(2..=6) * 5;
                let report =
                    DispatchCommand::Report { note: "已协助清理完毕,现场整洁".into(), hours_tenths: hours };
                store.act_on_dispatch(resident, d.id, &report).await?;
                store.act_on_dispatch(&cadre, d.id, &DispatchCommand::Confirm).await?;
            }
        }
    }
    Ok((teams, volunteers))
}

/// The red stations (红色驿站) of the first county's communities (those of the party demo):
/// each offers a few services besides rest and water, has a keeper and, at every other station, a
/// volunteer, and has had visits on days spread over this year, recorded by the community's
/// cadre. Returns (stations, visits).
pub async fn load_station_demo(store: &Store, seed: u64) -> anyhow::Result<(usize, usize)> {
    use pingan_domain::forces::station::{NewStaff, NewVisit, StationService};
    use pingan_domain::personal::Phone;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5a7_1015);
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let villages = store.regions_at_level(&admin.scope, RegionLevel::Village).await?;
    let today = pingan_store::china_today();
    let year_start = pingan_domain::forces::station::Period::year_to_date(today).from;
    let names = ["李红梅", "王志刚", "张秀英", "刘建华", "陈玉兰", "杨国栋", "赵春燕", "孙德明"];
    // What a visit's note says, by service; most visits carry none.
    let note = |s: StationService, k: usize| -> &'static str {
        let said = match s {
            StationService::Rest => ["环卫工人午间休息", "快递小哥临时歇脚"][k % 2],
            StationService::Charging => "外卖骑手手机充电",
            StationService::Policy => "老人咨询医保政策",
            StationService::Mediation => "邻里纠纷现场调解",
            StationService::LegalAid => "咨询劳动合同问题",
            StationService::Errands => "代办居住证材料",
            StationService::FirstAid => "路人擦伤,现场包扎",
            StationService::Reading => "学生放学后看书",
            StationService::Volunteering => "志愿者清理小区楼道",
        };
        if k.is_multiple_of(3) { "" } else { said }
    };
    let (mut stations, mut visits, mut n) = (0, 0, 0u64);
    for village in villages.iter().take(PARTY_COMMUNITIES) {
        let Some(cadre) = store.login_account(&format!("cadre.{}", village.code)).await? else { continue };
        let cadre = cadre.actor;
        let f =
            OrgFilter { kind: Some(OrgKind::RedStation), region_id: Some(village.id), limit: 20, ..Default::default() };
        for station in store.orgs(&admin.scope, &f).await?.0 {
            // Rest and water everywhere; three or four more of the list.
            let mut services = vec![StationService::Rest];
            while services.len() < rng.gen_range(4..=5) {
                let s = StationService::ALL[rng.gen_range(0..StationService::ALL.len())];
                if !services.contains(&s) {
                    services.push(s);
                }
            }
            services.sort();
            store.set_station_services(&cadre, station.id, &services).await?;
            let duties: &[&str] = if stations % 2 == 0 { &["站长", "志愿者"] } else { &["站长"] };
            for duty in duties {
                n += 1;
                let staff = NewStaff {
                    name: names[n as usize % names.len()].to_owned(),
                    phone: Phone::parse(&format!("1380000{n:04}")).map_err(|e| anyhow::anyhow!(e))?,
                    duty: (*duty).to_owned(),
                };
                store.add_station_staff(&cadre, station.id, &staff).await?;
            }
            let month_start = pingan_domain::forces::station::Period::month_to_date(today).from;
            for k in 0..rng.gen_range(6..=18) {
                let service = services[rng.gen_range(0..services.len())];
                // The first visit falls in this month, so that the month's figures are not empty.
                let from = if k == 0 { month_start } else { year_start };
                let visit = NewVisit {
                    service,
                    people: rng.gen_range(1..=12),
                    note: note(service, k).to_owned(),
                    day: from + chrono::Days::new(rng.gen_range(0..=(today - from).num_days()) as u64),
                };
                store.record_station_visit(&cadre, station.id, &visit).await?;
                visits += 1;
            }
            stations += 1;
        }
    }
    Ok((stations, visits))
}

/// Meetings whose resolutions are tracked as tasks (联席会议): the city's joint meeting on
/// 平安建设 two weeks ago, the first county's special group on telecom fraud last week, and a
/// red-property three-in-one meeting in a community of the first county that has a property
/// company, three days ago. Recorded by the city's administrator, the county's supervisor and
/// the community's cadre; one resolution of the city's and one of the community's already
/// reported done and verified. Returns (meetings, resolutions).
pub async fn load_meeting_demo(store: &Store) -> anyhow::Result<(usize, usize)> {
    use pingan_domain::forces::meeting::{MeetingKind, NewMeeting};
    let admin = store.login_account("admin").await?.context("the demo city has an administrator")?.actor;
    let supervisor = store.login_account("supervisor").await?.context("the demo city has a supervisor")?.actor;
    let calendar = store.work_calendar().await?;
    let now = to_china(chrono::Utc::now().timestamp_millis());
    let days_ago = |n: u64| now.date() - chrono::Days::new(n);
    let task = |title: &str, owner: i64, working_days: u32| NewTask {
        title: title.to_owned(),
        detail: String::new(),
        owner_org_id: owner,
        due: calendar.add_working_days(now, working_days),
    };
    // A department of exactly `region` (not of a county below it), by its code.
    let department = async |region: i64, code: &str| -> anyhow::Result<i64> {
        let f =
            OrgFilter { kind: Some(OrgKind::Department), region_id: Some(region), limit: 1000, ..Default::default() };
        let (depts, _) = store.orgs(&admin.scope, &f).await?;
        depts
            .into_iter()
            .find(|d| d.region_id == region && d.dept.as_deref() == Some(code))
            .map(|d| d.id)
            .with_context(|| format!("the demo region {region} has a department {code}"))
    };
    let (mut meetings, mut resolutions) = (0, 0);

    let city = store.scope_root(&admin.scope).await?;
    let (gongan, zhujian, shichang) = (
        department(city.id, "gongan").await?,
        department(city.id, "zhujian").await?,
        department(city.id, "shichang").await?,
    );
    let joint = NewMeeting {
        kind: MeetingKind::Joint,
        title: format!("{}平安建设领导小组联席会议", city.name),
        held_on: days_ago(14),
        region_id: city.id,
        attendees: ["市委政法委", "市公安局", "市住房和城乡建设局", "市市场监督管理局", "各县(市、区)平安办"]
            .map(str::to_owned)
            .to_vec(),
        agenda: "通报上半年平安建设考核情况;研究电动车集中充电、燃气安全和预付卡风险防范工作。".into(),
        property_org_id: None,
        committee_org_id: None,
        resolutions: vec![
            task("开展电信网络诈骗集中宣传月活动", gongan, 10),
            task("完成老旧小区燃气管道安全排查", zhujian, 20),
            task("对预付卡高风险商户开展专项检查", shichang, 15),
        ],
    };
    let (_, city_tasks) = store.record_meeting(&admin, &joint).await?;
    meetings += 1;
    resolutions += city_tasks.len();
    // The police have reported the campaign done; the administrator who assigned it verified it.
    if let Some(police) = store.login_account("dept.gongan").await? {
        let (t, _) = store.task(&admin, city_tasks[0]).await?;
        let report = TaskCommand::Report { note: "宣传月活动已开展,覆盖全部乡镇(街道)".into() };
        let t = store.act_on_task(&police.actor, t.id, t.version, &report, &calendar).await?;
        let confirm = TaskCommand::Confirm { note: "经核验,活动开展到位".into() };
        store.act_on_task(&admin, t.id, t.version, &confirm, &calendar).await?;
    }

    let county = store.regions_at_level(&admin.scope, RegionLevel::County).await?;
    let county = county.first().context("the demo city has counties")?;
    if let Some(county_supervisor) = store.login_account(&format!("supervisor.{}", county.code)).await? {
        let special = NewMeeting {
            kind: MeetingKind::SpecialGroup,
            title: "打击治理电信网络诈骗专项组会议".into(),
            held_on: days_ago(7),
            region_id: county.id,
            attendees: ["县委政法委", "公安局", "市场监督管理局", "地方金融管理局"].map(str::to_owned).to_vec(),
            agenda: "分析近期电信网络诈骗警情特点,部署涉诈重点人员劝导和老年群体反诈宣传。".into(),
            property_org_id: None,
            committee_org_id: None,
            resolutions: vec![
                task("建立涉诈高风险人员劝导台账", department(county.id, "gongan").await?, 10),
                task("进社区开展老年人反诈讲座", department(county.id, "jinrong").await?, 15),
            ],
        };
        let (_, ids) = store.record_meeting(&county_supervisor.actor, &special).await?;
        meetings += 1;
        resolutions += ids.len();
    }

    let companies =
        OrgFilter { kind: Some(OrgKind::PropertyCompany), region_id: Some(county.id), limit: 1, ..Default::default() };
    let (companies, _) = store.orgs(&admin.scope, &companies).await?;
    let company = companies.first().context("the first county has a property company")?;
    let community = store.region(&admin.scope, company.region_id).await?;
    let in_community =
        |kind: OrgKind| OrgFilter { kind: Some(kind), region_id: Some(community.id), limit: 20, ..Default::default() };
    let (committees, _) = store.orgs(&admin.scope, &in_community(OrgKind::OwnersCommittee)).await?;
    // The committee of one of the company's own estates, where there is one.
    let committee = committees.iter().find(|c| c.parent_org_id == Some(company.id)).or(committees.first());
    let (village_committees, _) = store.orgs(&admin.scope, &in_community(OrgKind::VillageCommittee)).await?;
    let village_committee = village_committees.first().context("a community has its residents' committee")?;
    let cadre =
        store.login_account(&format!("cadre.{}", community.code)).await?.context("the community's cadre")?.actor;
    let mut resolved = vec![
        task("更换 3 号楼电梯钢丝绳并公示维修资金使用", company.id, 10),
        task("车棚改造方案在公告栏公示征求意见", village_committee.id, 5),
    ];
    if let Some(c) = committee {
        resolved.push(task("组织业主代表监督电梯维修验收", c.id, 15));
    }
    let three = NewMeeting {
        kind: MeetingKind::ThreeInOne,
        title: format!("{}红色物业三方联席会议", community.name),
        held_on: days_ago(3),
        region_id: community.id,
        attendees: ["社区党委", company.name.as_str(), committee.map_or("业主代表", |c| c.name.as_str())]
            .map(str::to_owned)
            .to_vec(),
        agenda: "电梯维修资金使用、车棚改造和楼道堆物清理。".into(),
        property_org_id: Some(company.id),
        committee_org_id: committee.map(|c| c.id),
        resolutions: resolved,
    };
    let (_, ids) = store.record_meeting(&cadre, &three).await?;
    meetings += 1;
    resolutions += ids.len();
    // The community's own committee has published the plan; the supervisor verified it.
    let (t, _) = store.task(&cadre, ids[1]).await?;
    let report = TaskCommand::Report { note: "方案已在各单元公告栏公示".into() };
    let t = store.act_on_task(&cadre, t.id, t.version, &report, &calendar).await?;
    let confirm = TaskCommand::Confirm { note: "已现场核实".into() };
    store.act_on_task(&supervisor, t.id, t.version, &confirm, &calendar).await?;
    Ok((meetings, resolutions))
}
