use super::*;
use crate::lattice::{MAX_LAT, MAX_LON, MIN_LAT, MIN_LON};
use geo::{Area, BoundingRect, Centroid, Contains, Point, Validation};
use pingan_domain::account::{Username, verify_password};
use pingan_domain::geometry::GridIndex;
use pingan_domain::org::{DEPARTMENTS, INDUSTRIES, OrgKind, TOWNSHIP_BODIES};
use pingan_domain::region::{RegionCode, RegionLevel, TownshipKind, VillageKind};
use pingan_store::rows::RegionRow;
use rand::Rng;
use std::collections::{BTreeSet, HashMap};

/// Everything the seed decides, as text (the password hash is left out: its salt is random).
fn fingerprint(city: &CityRows) -> String {
    let accounts: Vec<_> = city
        .accounts
        .iter()
        .map(|a| (a.id, &a.username, &a.display_name, a.role, a.region_id, a.org_id, &a.phone))
        .collect();
    format!("{:?}\n{:?}\n{accounts:?}", city.regions, city.orgs)
}

fn of_level(city: &CityRows, level: RegionLevel) -> impl Iterator<Item = &RegionRow> {
    city.regions.iter().filter(move |r| r.level == level)
}

fn grid_index(city: &CityRows) -> GridIndex {
    GridIndex::new(
        of_level(city, RegionLevel::Grid)
            .map(|g| (g.id, g.code.to_string(), g.polygon.clone().expect("grids have polygons")))
            .collect(),
    )
}

/// Hierarchy, codes, paths, head counts, organisations and accounts.
fn check_structure(city: &CityRows, scale: Scale) {
    let by_id: HashMap<i64, &RegionRow> = city.regions.iter().map(|r| (r.id, r)).collect();
    for (i, r) in city.regions.iter().enumerate() {
        assert_eq!(r.id, i as i64 + 1, "region ids run 1..N");
        assert_eq!(r.polygon.is_some(), r.level == RegionLevel::Grid, "{}: only grids carry polygons", r.code);
        match r.parent_id {
            None => {
                assert_eq!(r.level, RegionLevel::City);
                assert_eq!(r.path, pingan_domain::region::RegionPath::root(r.id));
            }
            Some(p) => {
                assert!(p < r.id, "{}: parent before child", r.code);
                let parent = by_id[&p];
                assert_eq!(parent.level.child(), Some(r.level), "{}", r.code);
                RegionCode::parse_under(r.level, r.code.as_str(), &parent.code).expect("code nests under its parent");
                assert_eq!(r.path, parent.path.child(r.id), "{}", r.code);
            }
        }
    }

    // Children, head counts and grid numbers.
    let mut children: HashMap<i64, Vec<&RegionRow>> = HashMap::new();
    for r in &city.regions {
        if let Some(p) = r.parent_id {
            children.entry(p).or_default().push(r);
        }
    }
    for r in city.regions.iter().filter(|r| r.level != RegionLevel::Grid) {
        let kids = children.get(&r.id).unwrap_or_else(|| panic!("{} {} has no children", r.code, r.name));
        assert_eq!(r.households, kids.iter().map(|k| k.households).sum::<i64>(), "{}", r.code);
        assert_eq!(r.population, kids.iter().map(|k| k.population).sum::<i64>(), "{}", r.code);
    }
    for g in of_level(city, RegionLevel::Grid) {
        assert!(g.households > 0 && g.population >= g.households && g.population <= 2_500, "{}", g.code);
    }
    for t in of_level(city, RegionLevel::Township) {
        let suffix = match t.code.township_kind().expect("a township code") {
            TownshipKind::Street => "街道",
            TownshipKind::Town => "镇",
            TownshipKind::Township => "乡",
        };
        assert!(t.name.ends_with(suffix), "{} {}", t.code, t.name);
    }
    for v in of_level(city, RegionLevel::Village) {
        let suffix = match v.code.village_kind().expect("a village code") {
            VillageKind::Community => "社区",
            VillageKind::Village => "村",
        };
        assert!(v.name.ends_with(suffix), "{} {}", v.code, v.name);
        // Numbered 001.. west→east along a row of cells, rows north→south: the next
        // grid's centre is either clearly further south, or on the same row and further east.
        let grids = &children[&v.id];
        let centre = |g: &RegionRow| g.polygon.as_ref().expect("grid polygon").to_polygon().centroid().expect("area");
        for (n, pair) in grids.windows(2).enumerate() {
            assert_eq!(pair[0].name, format!("第{}网格", n + 1));
            assert!(pair[0].code < pair[1].code);
            let (a, b) = (centre(pair[0]), centre(pair[1]));
            let row_height = 0.5 * (MAX_LAT - MIN_LAT) / scale.lattice_size().1 as f64;
            assert!(b.y() < a.y() - row_height || b.x() > a.x(), "{} after {}", pair[1].code, pair[0].code);
        }
    }

    // Organisations.
    let orgs_by_id: HashMap<i64, _> = city.orgs.iter().map(|o| (o.id, o)).collect();
    let count = |kind| city.orgs.iter().filter(|o| o.kind == kind).count();
    let level_count = |level| of_level(city, level).count();
    assert_eq!(count(OrgKind::Department), DEPARTMENTS.len() * 12);
    assert_eq!(count(OrgKind::TownshipBody), TOWNSHIP_BODIES.len() * level_count(RegionLevel::Township));
    assert_eq!(count(OrgKind::VillageCommittee), level_count(RegionLevel::Village));
    // A committee per village and per township; per county a centre and two industry committees.
    assert_eq!(
        count(OrgKind::MediationCommittee),
        level_count(RegionLevel::Village) + level_count(RegionLevel::Township) + 3 * level_count(RegionLevel::County)
    );
    assert_eq!(city.mediation_bodies.len(), 2 * level_count(RegionLevel::County));
    let committees: std::collections::HashSet<i64> =
        city.orgs.iter().filter(|o| o.kind == OrgKind::MediationCommittee).map(|o| o.id).collect();
    assert!(city.mediation_bodies.iter().all(|b| committees.contains(&b.org_id)));
    let staffed: std::collections::HashSet<i64> = city.mediators.iter().map(|m| m.body_org_id).collect();
    assert_eq!(staffed, committees, "every mediation body has mediators");
    assert!(city.mediators.iter().all(|m| !m.specialties.is_empty()));
    assert_eq!(count(OrgKind::GridPartyOrg), level_count(RegionLevel::Grid));
    assert!(count(OrgKind::PropertyCompany) > 0 && count(OrgKind::OwnersCommittee) >= count(OrgKind::PropertyCompany));
    for (i, o) in city.orgs.iter().enumerate() {
        assert_eq!(o.id, i as i64 + 1, "org ids run 1..N");
        let region = by_id[&o.region_id];
        let expected_level = match o.kind {
            OrgKind::Department => None,
            OrgKind::TownshipBody => Some(RegionLevel::Township),
            OrgKind::VillageCommittee => Some(RegionLevel::Village),
            OrgKind::MediationCommittee => None,
            OrgKind::PropertyCompany | OrgKind::OwnersCommittee => Some(RegionLevel::Village),
            OrgKind::GridPartyOrg | OrgKind::RedStation | OrgKind::SocialUnit => Some(RegionLevel::Grid),
        };
        if let Some(level) = expected_level {
            assert_eq!(region.level, level, "{}", o.name);
        }
        assert_eq!(o.dept.is_some(), matches!(o.kind, OrgKind::Department | OrgKind::TownshipBody), "{}", o.name);
        assert_eq!(o.industry.is_some(), o.kind == OrgKind::SocialUnit, "{}", o.name);
        assert_eq!(o.opening_hours.is_some(), o.kind == OrgKind::RedStation, "{}", o.name);
        if o.kind == OrgKind::OwnersCommittee {
            let company = orgs_by_id[&o.parent_org_id.expect("an owners' committee has its company")];
            assert_eq!(company.kind, OrgKind::PropertyCompany);
            assert_eq!(company.region_id, o.region_id);
            assert_eq!(region.code.village_kind(), Some(VillageKind::Community), "{}", o.name);
        }
        let phone = o.phone.as_deref().expect("every organisation has a phone");
        let mobile = phone.len() == 11 && ["13", "15", "18"].iter().any(|p| phone.starts_with(p));
        let office = phone.len() == 12 && phone.starts_with("0534-");
        assert!(mobile || office, "{phone}");
    }
    let industries: BTreeSet<_> = city.orgs.iter().filter_map(|o| o.industry.as_deref()).collect();
    assert_eq!(industries.len(), INDUSTRIES.len());

    // Accounts.
    let mut usernames = BTreeSet::new();
    for (i, a) in city.accounts.iter().enumerate() {
        assert_eq!(a.id, i as i64 + 1);
        assert_eq!(Username::parse(&a.username).expect("valid username").as_str(), a.username);
        assert!(usernames.insert(a.username.as_str()), "duplicate {}", a.username);
        assert!(by_id.contains_key(&a.region_id));
        assert_eq!(a.org_id.is_some(), matches!(a.role, Role::DeptHandler | Role::UnitContact), "{}", a.username);
        if let Some(org) = a.org_id {
            let kind = if a.role == Role::UnitContact { OrgKind::SocialUnit } else { OrgKind::Department };
            assert_eq!(orgs_by_id[&org].kind, kind, "{}", a.username);
            assert_eq!(orgs_by_id[&org].region_id, a.region_id, "an account sits where its organisation is");
        }
        assert!(a.display_name.chars().count() >= 2);
    }
    let hashes: BTreeSet<_> = city.accounts.iter().map(|a| a.password_hash.as_deref().expect("hash")).collect();
    assert_eq!(hashes.len(), 1, "one shared hash");
    let roles: BTreeSet<_> = city.accounts.iter().map(|a| a.role).collect();
    assert!(Role::STAFF.iter().all(|r| roles.contains(r)));
}

/// Grids tile the extent: their areas add up to it and points fall into exactly one.
fn check_tiling(city: &CityRows, samples: usize) {
    let polygons: Vec<(i64, geo::Polygon<f64>)> = of_level(city, RegionLevel::Grid)
        .map(|g| (g.id, g.polygon.as_ref().expect("grid polygon").to_polygon()))
        .collect();
    for (id, p) in &polygons {
        assert!(p.is_valid(), "grid {id}: {:?}", p.validation_errors());
        assert!(p.signed_area() > 0.0, "grid {id} runs counter-clockwise");
    }
    let extent = (MAX_LON - MIN_LON) * (MAX_LAT - MIN_LAT);
    let total: f64 = polygons.iter().map(|(_, p)| p.unsigned_area()).sum();
    assert!((total - extent).abs() <= 1e-9 * extent, "grids cover {total} of {extent} square degrees");

    let boxes: Vec<geo::Rect<f64>> = polygons.iter().map(|(_, p)| p.bounding_rect().expect("non-empty")).collect();
    let index = grid_index(city);
    let mut rng = stage_rng(99, Stage::Lattice);
    for _ in 0..samples {
        let point = Point::new(rng.gen_range(MIN_LON..MAX_LON), rng.gen_range(MIN_LAT..MAX_LAT));
        let containing: Vec<i64> = polygons
            .iter()
            .zip(&boxes)
            .filter(|(_, b)| b.contains(&point))
            .filter(|((_, p), _)| p.contains(&point))
            .map(|((id, _), _)| *id)
            .collect();
        assert_eq!(containing.len(), 1, "{point:?} lies in grids {containing:?}");
        assert_eq!(index.locate(point.x(), point.y()), Some(containing[0]));
    }

    // Red stations and social units stand inside the grid they belong to.
    for o in city.orgs.iter().filter(|o| o.lon.is_some()) {
        let (lon, lat) = (o.lon.expect("lon"), o.lat.expect("lat"));
        assert_eq!(index.locate(lon, lat), Some(o.region_id), "{} at {lon}, {lat}", o.name);
    }

    // Jittered corners and split edges: no grid is an axis-aligned rectangle.
    let rectangles = of_level(city, RegionLevel::Grid)
        .filter(|g| {
            let pts = g.polygon.as_ref().expect("grid polygon").points();
            pts.len() == 5 && pts.windows(2).all(|w| w[0][0] == w[1][0] || w[0][1] == w[1][1])
        })
        .count();
    assert_eq!(rectangles, 0);
    let non_quads =
        of_level(city, RegionLevel::Grid).filter(|g| g.polygon.as_ref().expect("polygon").points().len() > 5);
    assert!(non_quads.count() * 3 > polygons.len(), "most grids have split edges");
}

/// Every village, township and county is in one piece: its grids are linked by shared edges.
fn check_regions_are_connected(city: &CityRows) {
    // Neighbouring grids share the corners (and any extra vertex) of their common
    // edge exactly, so two shared vertices mean a shared edge.
    let grids: Vec<&RegionRow> = of_level(city, RegionLevel::Grid).collect();
    let mut at_vertex: HashMap<(u64, u64), Vec<usize>> = HashMap::new();
    for (i, g) in grids.iter().enumerate() {
        let points = g.polygon.as_ref().expect("grid polygon").points();
        for p in &points[1..] {
            at_vertex.entry((p[0].to_bits(), p[1].to_bits())).or_default().push(i);
        }
    }
    let mut shared: HashMap<(usize, usize), usize> = HashMap::new();
    for owners in at_vertex.values() {
        for (k, &a) in owners.iter().enumerate() {
            for &b in &owners[k + 1..] {
                *shared.entry((a.min(b), a.max(b))).or_default() += 1;
            }
        }
    }
    let mut neighbours = vec![Vec::new(); grids.len()];
    for (&(a, b), &n) in &shared {
        if n >= 2 {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    for depth in [1, 2, 3] {
        // Group grids by their ancestor at this depth of the path (county, township, village).
        let ancestor = |g: usize| grids[g].path.ids()[depth];
        let mut seen = vec![false; grids.len()];
        let mut pieces: HashMap<i64, usize> = HashMap::new();
        for start in 0..grids.len() {
            if seen[start] {
                continue;
            }
            *pieces.entry(ancestor(start)).or_default() += 1;
            seen[start] = true;
            let mut stack = vec![start];
            while let Some(g) = stack.pop() {
                for &n in &neighbours[g] {
                    if !seen[n] && ancestor(n) == ancestor(g) {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
        }
        assert!(pieces.values().all(|&n| n == 1), "regions in several pieces at depth {depth}");
    }
}

#[test]
fn same_seed_same_city() {
    let a = generate_city(2026, Scale::Small);
    let b = generate_city(2026, Scale::Small);
    assert_eq!(fingerprint(&a), fingerprint(&b));
    let c = generate_city(2027, Scale::Small);
    assert_ne!(fingerprint(&a), fingerprint(&c));
}

#[test]
fn small_city_is_well_formed() {
    let city = generate_city(7, Scale::Small);
    check_structure(&city, Scale::Small);
    assert_eq!(of_level(&city, RegionLevel::City).count(), 1);
    assert_eq!(of_level(&city, RegionLevel::County).count(), 11);
    let townships = of_level(&city, RegionLevel::Township).count();
    assert!((11..=22).contains(&townships), "{townships} townships");
    let villages = of_level(&city, RegionLevel::Village).count();
    assert!((3 * townships..=6 * townships).contains(&villages), "{villages} villages in {townships} townships");
    let grids = of_level(&city, RegionLevel::Grid).count();
    assert!((200..=400).contains(&grids), "{grids} grids");
    // Every village account, grid account and dispatcher exists at small scale.
    let with_role = |role| city.accounts.iter().filter(|a| a.role == role).count();
    assert_eq!(with_role(Role::TownshipDispatcher), townships);
    assert_eq!(with_role(Role::VillageCadre), villages);
    assert_eq!(with_role(Role::GridWorker), grids);
}

#[test]
fn every_county_has_a_brand_and_studios_work_in_their_region() {
    let city = generate_city(7, Scale::Small);
    let region = |id: i64| city.regions.iter().find(|r| r.id == id).expect("the brand's region");
    let org = |id: i64| city.orgs.iter().find(|o| o.id == id).expect("the studio's body");
    for county in of_level(&city, RegionLevel::County) {
        assert_eq!(city.mediation_brands.iter().filter(|b| b.region_id == county.id).count(), 1, "{}", county.name);
    }
    let mut seen = std::collections::HashSet::new();
    for b in &city.mediation_brands {
        assert!(seen.insert(b.region_id), "one brand per region");
        let r = region(b.region_id);
        assert!(matches!(r.level, RegionLevel::County | RegionLevel::Township | RegionLevel::Village));
        assert_eq!(b.region_path, r.path.as_str());
        let raw = pingan_domain::mediation::RawBrand {
            name: b.name.clone(),
            kind: b.kind.as_str().into(),
            summary: b.summary.clone(),
            body_org_id: b.body_org_id,
            lead: b.lead.clone().unwrap_or_default(),
        };
        assert!(raw.parse(r.level).is_ok(), "the demo's brands pass the rules: {b:?}");
        if let Some(body) = b.body_org_id {
            assert_eq!(org(body).region_id, b.region_id, "a studio works in its region's committee");
            let lead = b.lead.as_deref().expect("a studio has its lead");
            assert!(city.mediators.iter().any(|m| m.body_org_id == body && m.name == lead), "{b:?}");
        }
    }
    assert!(city.mediation_brands.len() > 11, "some townships and villages have theirs too");
}

#[test]
fn small_city_grids_tile_the_extent() {
    let city = generate_city(11, Scale::Small);
    check_tiling(&city, 2_000);
    check_regions_are_connected(&city);
}

#[test]
fn demo_accounts_cover_the_staff_roles_and_sign_in() {
    let city = generate_city(1, Scale::Small);
    let demo = demo_accounts(&city);
    let roles: BTreeSet<_> = demo.iter().map(|d| d.1).collect();
    assert_eq!(roles.len(), Role::STAFF.len());
    assert_eq!(demo[0], ("admin".to_owned(), Role::Admin, "德州市".to_owned()));
    assert_eq!(demo[3].0, "dept.gongan");
    assert_eq!(demo[4], ("dispatch.371402001000".to_owned(), Role::TownshipDispatcher, "新湖街道".to_owned()));
    assert!(demo[5].0.starts_with("cadre.371402001") && demo[6].0.starts_with("grid.371402001"));
    assert!(demo[6].2.starts_with(&demo[5].2) && demo[6].2.ends_with("第1网格"), "{:?}", demo[6]);
    let hash = city.accounts[0].password_hash.as_deref().expect("hash");
    assert!(verify_password(DEMO_PASSWORD, hash));
}

/// Full scale takes seconds in release but far longer in debug:
/// `cargo test -p pingan-sim --release -- --ignored`.
#[test]
#[ignore]
fn full_city_matches_the_programme() {
    let started = std::time::Instant::now();
    let city = generate_city(2026, Scale::Full);
    let elapsed = started.elapsed();
    let count = |level| of_level(&city, level).count();
    let kind = |kind| city.orgs.iter().filter(|o| o.kind == kind).count();
    let population: i64 = city.regions[0].population;
    println!(
        "full city in {elapsed:?}: {} townships, {} villages ({} communities), {} grids, {} orgs, {} accounts, \
         {} households, {population} residents, {} red stations, {} social units, {} property companies",
        count(RegionLevel::Township),
        count(RegionLevel::Village),
        of_level(&city, RegionLevel::Village).filter(|v| v.code.village_kind() == Some(VillageKind::Community)).count(),
        count(RegionLevel::Grid),
        city.orgs.len(),
        city.accounts.len(),
        city.regions[0].households,
        kind(OrgKind::RedStation),
        kind(OrgKind::SocialUnit),
        kind(OrgKind::PropertyCompany),
    );
    for county in of_level(&city, RegionLevel::County) {
        let townships: Vec<_> =
            of_level(&city, RegionLevel::Township).filter(|t| t.parent_id == Some(county.id)).collect();
        let villages = of_level(&city, RegionLevel::Village)
            .filter(|v| townships.iter().any(|t| Some(t.id) == v.parent_id))
            .count();
        println!(
            "  {} {}: {} townships, {villages} villages, {} residents",
            county.code,
            county.name,
            townships.len(),
            county.population
        );
    }
    assert_eq!(count(RegionLevel::County), 11);
    assert_eq!(count(RegionLevel::Township), 134);
    assert!((4_500..=5_500).contains(&count(RegionLevel::Village)));
    assert!((12_000..=14_000).contains(&count(RegionLevel::Grid)));
    assert_eq!(kind(OrgKind::RedStation), 1_480);
    assert!(kind(OrgKind::SocialUnit) >= 50_000);
    assert!((4_000_000..=7_000_000).contains(&population), "{population} residents");
    check_structure(&city, Scale::Full);
    check_tiling(&city, 20_000);
    check_regions_are_connected(&city);
}
