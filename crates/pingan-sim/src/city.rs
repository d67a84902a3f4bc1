//! Turning the [`Plan`] into rows: regions with codes, paths, polygons and head
//! counts; the organisations of every level; the demo staff accounts.

use crate::lattice::Lattice;
use crate::names::{self, CITY_CODE, CITY_NAME, COUNTIES, stem};
use crate::plan::{self, Plan};
use crate::units::{self, Place, Setting};
use crate::{DEMO_PASSWORD, Scale, Stage, stage_rng};
use pingan_domain::Role;
use pingan_domain::account::hash_password;
use pingan_domain::geometry::Ring;
use pingan_domain::org::{DEPARTMENTS, INDUSTRIES, OrgKind, TOWNSHIP_BODIES};
use pingan_domain::region::{RegionCode, RegionLevel, RegionPath};
use pingan_store::rows::{AccountRow, CityRows, MediationBodyRow, MediationBrandRow, MediatorRow, OrgRow, RegionRow};
use rand::Rng;
use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use std::collections::HashMap;

/// Community grids are denser than village grids: relative chance of holding a social unit.
const COMMUNITY_GRID_UNIT_WEIGHT: f64 = 4.0;

impl Scale {
    /// Red stations: the programme's 1,480 at full scale, one per nine grids otherwise.
    fn red_stations(self, grids: usize) -> usize {
        match self {
            Scale::Full => 1_480.min(grids),
            Scale::Small => grids.div_ceil(9),
        }
    }

    /// Social units in safe-unit creation: "50,000+" at full scale.
    fn social_units(self) -> usize {
        match self {
            Scale::Full => 50_500,
            Scale::Small => 1_500,
        }
    }

    /// Whether every village and grid gets a demo account, or only those of the
    /// first county (to keep a full city's account table modest).
    fn staff_everywhere(self) -> bool {
        self == Scale::Small
    }
}

/// Region ids: the city is 1, then all counties, townships, villages and grids in
/// code order, so that parents always come before their children.
struct Ids {
    township0: i64,
    village0: i64,
    grid0: i64,
}

impl Ids {
    const CITY: i64 = 1;

    fn new(plan: &Plan) -> Self {
        let township0 = 2 + COUNTIES.len() as i64;
        let village0 = township0 + plan.townships.len() as i64;
        Ids { township0, village0, grid0: village0 + plan.villages.len() as i64 }
    }

    fn county(&self, i: usize) -> i64 {
        2 + i as i64
    }

    fn township(&self, i: usize) -> i64 {
        self.township0 + i as i64
    }

    fn village(&self, i: usize) -> i64 {
        self.village0 + i as i64
    }

    fn grid(&self, i: usize) -> i64 {
        self.grid0 + i as i64
    }
}

pub(crate) fn build(seed: u64, scale: Scale) -> CityRows {
    let (cols, rows) = scale.lattice_size();
    let lattice = Lattice::new(cols, rows, &mut stage_rng(seed, Stage::Lattice));
    let plan = plan::plan(scale, lattice, &mut stage_rng(seed, Stage::Hierarchy), &mut stage_rng(seed, Stage::Names));
    let ids = Ids::new(&plan);
    let regions = regions(&plan, &ids, &mut stage_rng(seed, Stage::Households));
    let mut orgs = Orgs::build(&plan, &ids, scale, &mut stage_rng(seed, Stage::Orgs));
    // A stream of its own, so that the organisations and accounts before it stay as they were.
    let (mediation_bodies, mediators) = orgs.mediation(&plan, &ids, &mut stage_rng(seed, Stage::Mediation));
    let accounts = accounts(
        &plan,
        &ids,
        &orgs.city_departments,
        &orgs.county_departments,
        &orgs.unit_contacts,
        scale,
        &mut stage_rng(seed, Stage::Accounts),
    );
    tracing::debug!(
        regions = regions.len(),
        orgs = orgs.rows.len(),
        accounts = accounts.len(),
        "generated the synthetic city"
    );
    // Its own stream again: brands come after everything above and change none of it.
    let mediation_brands = brands(&plan, &ids, &regions, &orgs.rows, &mediators, &mut stage_rng(seed, Stage::Brands));
    CityRows { regions, orgs: orgs.rows, accounts, mediation_bodies, mediators, mediation_brands }
}

/// Ways of working a township or village is known for (调解工作法).
const METHODS: &[(&str, &str)] = &[
    ("“五步”调解法", "一听、二查、三议、四调、五回访,每一步留有记录,小纠纷当天受理、三天内上门。"),
    ("“板凳”调解法", "调解员带着板凳进院入户,在田间地头、街坊门口拉家常、解心结,把矛盾化解在萌芽状态。"),
    ("“三调联动”工作法", "人民调解、行政调解、司法调解衔接联动,疑难纠纷由司法所牵头会商,一次调处到位。"),
    ("“和为贵”说事会", "每月固定日子开说事会,村(居)民有事说事,“五老”和调解员现场评理、当场化解。"),
    ("“亲情+法理”调解法", "婚姻家庭和邻里纠纷先讲亲情、再讲法理,邀请亲属和有威望的老人共同参与调解。"),
    ("“一线”调解法", "网格员一线排查、调解员一线调处、干部一线督办,纠纷信息当日上报、当日分流。"),
];

/// The "德为民" brands (一县一品牌、一乡一特色、一村一亮点): every county, about two townships
/// in five and one village in twenty, each a studio named after a mediator of the region's
/// committee (whose figures it shows) or a method of the region.
fn brands(
    plan: &Plan,
    ids: &Ids,
    regions: &[RegionRow],
    orgs: &[OrgRow],
    mediators: &[MediatorRow],
    rng: &mut impl Rng,
) -> Vec<MediationBrandRow> {
    // Each region's general committee: the first mediation body placed there (a county's
    // dispute centre comes before its industry committees).
    let mut committee: HashMap<i64, (i64, &str)> = HashMap::new();
    for o in orgs.iter().filter(|o| o.kind == OrgKind::MediationCommittee) {
        committee.entry(o.region_id).or_insert((o.id, &o.name));
    }
    let mut staff: HashMap<i64, Vec<&str>> = HashMap::new();
    for m in mediators {
        staff.entry(m.body_org_id).or_default().push(&m.name);
    }
    let path: HashMap<i64, &RegionPath> = regions.iter().map(|r| (r.id, &r.path)).collect();
    let mut out = Vec::new();
    let mut brand = |region_id: i64, place: &str, rng: &mut dyn rand::RngCore| {
        let short = stem(place);
        let (Some(&(body, body_name)), Some(path)) = (committee.get(&region_id), path.get(&region_id)) else {
            return;
        };
        let lead = staff.get(&body).and_then(|s| s.choose(rng)).map(|n| n.to_string());
        let studio = lead.is_some() && rng.gen_bool(0.5);
        let row = if let (true, Some(lead)) = (studio, lead) {
            MediationBrandRow {
                region_id,
                region_path: path.as_str().to_owned(),
                name: format!("{lead}调解工作室"),
                kind: pingan_domain::mediation::BrandKind::Studio,
                summary: format!(
                    "由{body_name}调解员{lead}领衔,专调{place}的邻里、婚姻家庭和房屋宅基地纠纷;坚持“小事不出村、大事不出镇、矛盾不上交”,调解后逐案回访。"
                ),
                body_org_id: Some(body),
                lead: Some(lead),
            }
        } else {
            let (method, summary) = METHODS.choose(rng).expect("methods");
            MediationBrandRow {
                region_id,
                region_path: path.as_str().to_owned(),
                name: format!("{short}{method}"),
                kind: pingan_domain::mediation::BrandKind::Method,
                summary: (*summary).to_owned(),
                body_org_id: None,
                lead: None,
            }
        };
        out.push(row);
    };
    for (i, c) in COUNTIES.iter().enumerate() {
        brand(ids.county(i), c.name, rng);
    }
    for (i, t) in plan.townships.iter().enumerate() {
        if rng.gen_bool(0.4) {
            brand(ids.township(i), &t.name, rng);
        }
    }
    for (i, v) in plan.villages.iter().enumerate() {
        if rng.gen_bool(0.05) {
            brand(ids.village(i), &v.name, rng);
        }
    }
    out
}

/// Households and residents of one grid (DOMAIN §2): an urban grid holds 300–500
/// households and at most 2,500 residents; a rural grid is a natural village,
/// here 50–170 households, so that the city totals come near Dezhou's 5.6 million.
fn grid_head_count(rng: &mut impl Rng, community: bool) -> (i64, i64) {
    if community {
        let households = rng.gen_range(300..=500);
        let residents = (households as f64 * rng.gen_range(2.3..2.9)).round() as i64;
        (households, residents.min(2_500))
    } else {
        let households = rng.gen_range(50..=170);
        (households, (households as f64 * rng.gen_range(2.7..3.3)).round() as i64)
    }
}

fn regions(plan: &Plan, ids: &Ids, rng: &mut impl Rng) -> Vec<RegionRow> {
    // Head counts start at the grids and roll up level by level.
    let grid_counts: Vec<(i64, i64)> =
        plan.grids.iter().map(|g| grid_head_count(rng, plan.villages[g.village].community)).collect();
    let mut village_counts = vec![(0, 0); plan.villages.len()];
    for (g, (h, p)) in plan.grids.iter().zip(&grid_counts) {
        village_counts[g.village].0 += h;
        village_counts[g.village].1 += p;
    }
    let mut township_counts = vec![(0, 0); plan.townships.len()];
    for (v, (h, p)) in plan.villages.iter().zip(&village_counts) {
        township_counts[v.township].0 += h;
        township_counts[v.township].1 += p;
    }
    let mut county_counts = [(0, 0); COUNTIES.len()];
    for (t, (h, p)) in plan.townships.iter().zip(&township_counts) {
        county_counts[t.county].0 += h;
        county_counts[t.county].1 += p;
    }
    let city_counts = county_counts.iter().fold((0, 0), |acc, (h, p)| (acc.0 + h, acc.1 + p));

    let mut rows =
        Vec::with_capacity(1 + COUNTIES.len() + plan.townships.len() + plan.villages.len() + plan.grids.len());
    push_region(&mut rows, None, RegionLevel::City, CITY_CODE, CITY_NAME, city_counts, None);
    for (county, counts) in COUNTIES.iter().zip(county_counts) {
        push_region(&mut rows, Some(Ids::CITY), RegionLevel::County, county.code, county.name, counts, None);
    }
    for (t, counts) in plan.townships.iter().zip(township_counts) {
        push_region(&mut rows, Some(ids.county(t.county)), RegionLevel::Township, &t.code, &t.name, counts, None);
    }
    for (v, counts) in plan.villages.iter().zip(village_counts) {
        push_region(&mut rows, Some(ids.township(v.township)), RegionLevel::Village, &v.code, &v.name, counts, None);
    }
    for (g, counts) in plan.grids.iter().zip(grid_counts) {
        let ring = Ring::new(plan.lattice.ring(g.cell)).expect("a lattice cell has at least four distinct corners");
        let (parent, code, name) = (Some(ids.village(g.village)), plan.grid_code(g), format!("第{}网格", g.number));
        push_region(&mut rows, parent, RegionLevel::Grid, &code, &name, counts, Some(ring));
    }
    rows
}

/// Append a region with the next id under its parent (which must already be in
/// `rows`), checking that its code nests under the parent's.
fn push_region(
    rows: &mut Vec<RegionRow>,
    parent_id: Option<i64>,
    level: RegionLevel,
    code: &str,
    name: &str,
    (households, population): (i64, i64),
    polygon: Option<Ring>,
) {
    let id = rows.len() as i64 + 1;
    let parent = parent_id.map(|p| &rows[(p - 1) as usize]);
    let code = match parent {
        Some(parent) => RegionCode::parse_under(level, code, &parent.code),
        None => RegionCode::parse(level, code),
    }
    .unwrap_or_else(|e| panic!("generated code {code}: {e}"));
    let path = parent.map_or_else(|| RegionPath::root(id), |parent| parent.path.child(id));
    rows.push(RegionRow { id, parent_id, level, code, name: name.to_owned(), path, polygon, households, population });
}

/// The organisation rows, and the city departments' ids for the handlers' accounts.
struct Orgs {
    rows: Vec<OrgRow>,
    /// `(department code, org id)` of the city's departments.
    city_departments: Vec<(&'static str, i64)>,
    /// `(county region id, department code, org id)`.
    county_departments: Vec<(i64, &'static str, i64)>,
    /// `(grid region id, org id)` of the first county's first unit of each industry: the units
    /// that get a contact's account (单位安全联络员).
    unit_contacts: Vec<(i64, i64)>,
}

impl Orgs {
    fn build(plan: &Plan, ids: &Ids, scale: Scale, rng: &mut impl Rng) -> Self {
        let mut orgs = Orgs {
            rows: Vec::new(),
            city_departments: Vec::new(),
            county_departments: Vec::new(),
            unit_contacts: Vec::new(),
        };
        orgs.departments(ids, rng);
        orgs.township_bodies(plan, ids, rng);
        orgs.village_bodies(plan, ids, rng);
        orgs.grid_party_orgs(plan, ids, rng);
        orgs.red_stations(plan, ids, scale, rng);
        orgs.social_units(plan, ids, scale, rng);
        orgs
    }

    /// The mediation bodies above the villages (each village's committee is made with the
    /// village): a committee per township (with its 司法所), a county centre for disputes
    /// (矛盾纠纷调处化解中心) and the medical and traffic industry committees per county; then
    /// 2–4 mediators for every body, with specialties fitting it.
    fn mediation(&mut self, plan: &Plan, ids: &Ids, rng: &mut impl Rng) -> (Vec<MediationBodyRow>, Vec<MediatorRow>) {
        use pingan_domain::mediation::{BodyKind, DisputeType, Industry};
        let mut bodies = Vec::new();
        for (i, t) in plan.townships.iter().enumerate() {
            let phone = names::office_phone(rng);
            self.push(OrgKind::MediationCommittee, format!("{}人民调解委员会", t.name), ids.township(i), |o| {
                o.phone = Some(phone)
            });
        }
        for (i, c) in COUNTIES.iter().enumerate() {
            let phone = names::office_phone(rng);
            let county = ids.county(i);
            self.push(OrgKind::MediationCommittee, format!("{}矛盾纠纷调处化解中心", c.name), county, |o| {
                o.phone = Some(phone)
            });
            for industry in [Industry::Medical, Industry::Traffic] {
                let phone = names::office_phone(rng);
                let org_id =
                    self.push(OrgKind::MediationCommittee, format!("{}{}", c.name, industry.zh()), county, |o| {
                        o.phone = Some(phone)
                    });
                bodies.push(MediationBodyRow { org_id, kind: BodyKind::Industry, industry: Some(industry) });
            }
        }
        let industry_of: HashMap<i64, Industry> = bodies.iter().filter_map(|b| Some((b.org_id, b.industry?))).collect();
        let general = [
            DisputeType::Neighbour,
            DisputeType::MarriageFamily,
            DisputeType::HouseLand,
            DisputeType::Damages,
            DisputeType::Contract,
            DisputeType::Labour,
            DisputeType::Property,
        ];
        let committees: Vec<(i64, Option<Industry>)> = self
            .rows
            .iter()
            .filter(|o| o.kind == OrgKind::MediationCommittee)
            .map(|o| (o.id, industry_of.get(&o.id).copied()))
            .collect();
        let mut mediators = Vec::new();
        for (org_id, industry) in committees {
            for _ in 0..rng.gen_range(2..=4) {
                let specialties = match industry {
                    Some(Industry::Medical) => vec![DisputeType::Medical],
                    Some(Industry::Traffic) => vec![DisputeType::Traffic, DisputeType::Damages],
                    Some(Industry::Labour) => vec![DisputeType::Labour],
                    Some(Industry::Property) => vec![DisputeType::Property],
                    None => {
                        let n = rng.gen_range(1..=3);
                        let mut picked: Vec<DisputeType> = general.choose_multiple(rng, n).copied().collect();
                        picked.sort();
                        picked
                    }
                };
                mediators.push(MediatorRow {
                    id: mediators.len() as i64 + 1,
                    body_org_id: org_id,
                    name: names::person(rng),
                    phone: Some(names::mobile(rng)),
                    specialties,
                });
            }
        }
        (bodies, mediators)
    }

    /// Append a row with the next id; the fields not given are empty.
    fn push(&mut self, kind: OrgKind, name: String, region_id: i64, fill: impl FnOnce(&mut OrgRow)) -> i64 {
        let id = self.rows.len() as i64 + 1;
        let mut row = OrgRow {
            id,
            kind,
            name,
            region_id,
            dept: None,
            industry: None,
            parent_org_id: None,
            address: None,
            phone: None,
            lon: None,
            lat: None,
            opening_hours: None,
        };
        fill(&mut row);
        self.rows.push(row);
        id
    }

    /// Every department for the city and each county.
    fn departments(&mut self, ids: &Ids, rng: &mut impl Rng) {
        let regions = std::iter::once((Ids::CITY, CITY_NAME, ""))
            .chain(COUNTIES.iter().enumerate().map(|(i, c)| (ids.county(i), c.name, c.name)));
        for (region_id, region_name, county) in regions {
            for &(code, dept, _) in DEPARTMENTS {
                let name = department_name(region_name, dept, region_id == Ids::CITY);
                let address = names::address(rng, county, "");
                let phone = names::office_phone(rng);
                let id = self.push(OrgKind::Department, name, region_id, |o| {
                    o.dept = Some(code.to_owned());
                    o.address = Some(address);
                    o.phone = Some(phone);
                });
                if region_id == Ids::CITY {
                    self.city_departments.push((code, id));
                } else {
                    self.county_departments.push((region_id, code, id));
                }
            }
        }
    }

    fn township_bodies(&mut self, plan: &Plan, ids: &Ids, rng: &mut impl Rng) {
        for (i, t) in plan.townships.iter().enumerate() {
            let county = COUNTIES[t.county].name;
            for &(code, body, _) in TOWNSHIP_BODIES {
                let address = names::address(rng, county, &t.name);
                let phone = names::office_phone(rng);
                self.push(OrgKind::TownshipBody, format!("{}{body}", t.name), ids.township(i), |o| {
                    o.dept = Some(code.to_owned());
                    o.address = Some(address);
                    o.phone = Some(phone);
                });
            }
        }
    }

    /// Each village's committee and mediation committee; in every other community
    /// (counting from the seat community) a property company with its owners' committees.
    fn village_bodies(&mut self, plan: &Plan, ids: &Ids, rng: &mut impl Rng) {
        let mut community_ordinal = 0;
        for (i, v) in plan.villages.iter().enumerate() {
            let region = ids.village(i);
            let committee = if v.community { "居民委员会" } else { "村民委员会" };
            let phone = names::office_phone(rng);
            self.push(OrgKind::VillageCommittee, format!("{}{committee}", v.name), region, |o| o.phone = Some(phone));
            let phone = names::office_phone(rng);
            self.push(OrgKind::MediationCommittee, format!("{}人民调解委员会", v.name), region, |o| {
                o.phone = Some(phone)
            });

            if !v.community {
                continue;
            }
            let first_of_township = i == 0 || plan.villages[i - 1].township != v.township;
            community_ordinal = if first_of_township { 0 } else { community_ordinal + 1 };
            if community_ordinal % 2 == 1 {
                continue;
            }
            let t = &plan.townships[v.township];
            let address = names::address(rng, COUNTIES[t.county].name, &t.name);
            let phone = names::office_phone(rng);
            let company = self.push(
                OrgKind::PropertyCompany,
                format!("德州{}物业服务有限公司", names::brand(rng)),
                region,
                |o| {
                    o.address = Some(address);
                    o.phone = Some(phone);
                },
            );
            for _ in 0..rng.gen_range(1..=2) {
                let estate =
                    format!("{}{}", names::brand(rng), ["家园", "花园", "小区", "苑"].choose(rng).expect("non-empty"));
                // An owners' committee is reached through its director's mobile.
                let phone = names::mobile(rng);
                self.push(OrgKind::OwnersCommittee, format!("{estate}业主委员会"), region, |o| {
                    o.parent_org_id = Some(company);
                    o.phone = Some(phone);
                });
            }
        }
    }

    fn grid_party_orgs(&mut self, plan: &Plan, ids: &Ids, rng: &mut impl Rng) {
        for (i, g) in plan.grids.iter().enumerate() {
            let name = format!("{}第{}网格党支部", plan.villages[g.village].name, g.number);
            // The branch secretary's mobile.
            let phone = names::mobile(rng);
            self.push(OrgKind::GridPartyOrg, name, ids.grid(i), |o| o.phone = Some(phone));
        }
    }

    /// Red stations in distinct grids chosen at random, each at its grid's middle.
    fn red_stations(&mut self, plan: &Plan, ids: &Ids, scale: Scale, rng: &mut impl Rng) {
        let mut chosen =
            rand::seq::index::sample(rng, plan.grids.len(), scale.red_stations(plan.grids.len())).into_vec();
        chosen.sort_unstable();
        let mut previous_village = None;
        for g in chosen {
            let grid = &plan.grids[g];
            let village = &plan.villages[grid.village];
            let t = &plan.townships[village.township];
            // A village's first station carries its name; further ones their grid's too.
            let name = if previous_village == Some(grid.village) {
                format!("{}第{}网格红色驿站", village.name, grid.number)
            } else {
                format!("{}红色驿站", village.name)
            };
            previous_village = Some(grid.village);
            let [lon, lat] = plan.lattice.interior_point(grid.cell, 0.5, 0.5);
            let address = names::address(rng, COUNTIES[t.county].name, &t.name);
            let phone = names::office_phone(rng);
            let hours = names::OPENING_HOURS.choose(rng).expect("non-empty");
            self.push(OrgKind::RedStation, name, ids.grid(g), |o| {
                o.address = Some(address);
                o.phone = Some(phone);
                o.lon = Some(lon);
                o.lat = Some(lat);
                o.opening_hours = Some((*hours).to_owned());
            });
        }
    }

    /// Social units over all 34 industries, each at a random point inside a grid.
    fn social_units(&mut self, plan: &Plan, ids: &Ids, scale: Scale, rng: &mut impl Rng) {
        let grid_weight = |g: &plan::GridPlan| {
            if plan.villages[g.village].community { COMMUNITY_GRID_UNIT_WEIGHT } else { 1.0 }
        };
        let anywhere = WeightedIndex::new(plan.grids.iter().map(grid_weight)).expect("positive weights");
        let (urban, rural): (Vec<usize>, Vec<usize>) =
            (0..plan.grids.len()).partition(|&g| plan.villages[plan.grids[g].village].community);
        let industries = WeightedIndex::new(units::weights()).expect("positive weights");

        let count = scale.social_units();
        let mut units: Vec<(usize, usize)> = (0..count)
            .map(|n| {
                // One of each industry first, so that every scale covers all 34.
                let industry = if n < INDUSTRIES.len() { n } else { industries.sample(rng) };
                let pool: &[usize] = match units::setting(industry) {
                    Setting::Urban => &urban,
                    Setting::Rural => &rural,
                    Setting::Anywhere => &[],
                };
                let grid = pool.choose(rng).copied().unwrap_or_else(|| anywhere.sample(rng));
                (grid, industry)
            })
            .collect();
        // Grouped by grid, so that a grid's units have neighbouring ids.
        units.sort_by_key(|&(grid, _)| grid);
        let mut contacted = [false; INDUSTRIES.len()];

        for (g, industry) in units {
            let grid = &plan.grids[g];
            let village = &plan.villages[grid.village];
            let t = &plan.townships[village.township];
            let county = COUNTIES[t.county].name;
            let place = Place { county, township: stem(&t.name), village: stem(&village.name) };
            let name = units::name(rng, industry, &place);
            let [lon, lat] = plan.lattice.interior_point(grid.cell, rng.gen_range(0.3..=0.7), rng.gen_range(0.3..=0.7));
            let address = names::address(rng, county, &t.name);
            let phone = if rng.gen_bool(0.6) { names::office_phone(rng) } else { names::mobile(rng) };
            let id = self.push(OrgKind::SocialUnit, name, ids.grid(g), |o| {
                o.industry = Some(INDUSTRIES[industry].0.to_owned());
                o.address = Some(address);
                o.phone = Some(phone);
                o.lon = Some(lon);
                o.lat = Some(lat);
            });
            if t.county == 0 && !contacted[industry] {
                contacted[industry] = true;
                self.unit_contacts.push((ids.grid(g), id));
            }
        }
    }
}

/// 德州市公安局, 德城区公安局; the fire and traffic police detachments (支队) of the
/// city are brigades (大队) in the counties; the party committee's commission is 市委/区委政法委.
fn department_name(region: &str, dept: &str, city: bool) -> String {
    if dept == "党委政法委" {
        return format!("{region}委政法委");
    }
    if city { format!("{region}{dept}") } else { format!("{region}{}", dept.replace("支队", "大队")) }
}

fn accounts(
    plan: &Plan,
    ids: &Ids,
    city_departments: &[(&str, i64)],
    county_departments: &[(i64, &str, i64)],
    unit_contacts: &[(i64, i64)],
    scale: Scale,
    rng: &mut impl Rng,
) -> Vec<AccountRow> {
    // One argon2 hash shared by every demo account: hashing thousands of accounts
    // separately would take minutes, and they all have the same published password
    // anyway. Its salt is random, so this is the one field the seed does not decide.
    let password_hash = hash_password(DEMO_PASSWORD);
    let mut out = Vec::new();
    let mut add = |username: String, role: Role, region_id: i64, org_id: Option<i64>| {
        out.push(AccountRow {
            id: out.len() as i64 + 1,
            username,
            display_name: names::person(rng),
            role,
            region_id,
            org_id,
            phone: Some(names::mobile(rng)),
            password_hash: Some(password_hash.clone()),
        });
    };

    add("admin".into(), Role::Admin, Ids::CITY, None);
    add("leader".into(), Role::Leader, Ids::CITY, None);
    add("supervisor".into(), Role::Supervisor, Ids::CITY, None);
    for &(code, org) in city_departments {
        add(format!("dept.{code}"), Role::DeptHandler, Ids::CITY, Some(org));
    }
    let first_county = COUNTIES[0].code;
    add(format!("admin.{first_county}"), Role::Admin, ids.county(0), None);
    add(format!("leader.{first_county}"), Role::Leader, ids.county(0), None);
    for (i, t) in plan.townships.iter().enumerate() {
        add(format!("dispatch.{}", t.code), Role::TownshipDispatcher, ids.township(i), None);
    }
    // County departments handle most appeals (DOMAIN §3: departments act at county level and above).
    for (i, county) in COUNTIES.iter().enumerate().filter(|(i, _)| scale.staff_everywhere() || *i == 0) {
        add(format!("supervisor.{}", county.code), Role::Supervisor, ids.county(i), None);
        for &(region, code, org) in county_departments.iter().filter(|d| d.0 == ids.county(i)) {
            add(format!("dept.{}.{code}", county.code), Role::DeptHandler, region, Some(org));
        }
    }
    let staffed = |township: usize| scale.staff_everywhere() || plan.townships[township].county == 0;
    for (i, v) in plan.villages.iter().enumerate().filter(|(_, v)| staffed(v.township)) {
        add(format!("cadre.{}", v.code), Role::VillageCadre, ids.village(i), None);
    }
    for (i, g) in plan.grids.iter().enumerate().filter(|(_, g)| staffed(plan.villages[g.village].township)) {
        add(format!("grid.{}", plan.grid_code(g)), Role::GridWorker, ids.grid(i), None);
    }
    // Last, so that the accounts above keep their generated names.
    for &(grid, org) in unit_contacts {
        add(format!("unit.{org}"), Role::UnitContact, grid, Some(org));
    }
    out
}
