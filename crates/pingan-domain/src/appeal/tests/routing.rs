//! Routing decisions with their reasons, and merge candidates.

use super::*;
use crate::appeal::duplicates::{CaseSite, DuplicatePolicy, distance_m};
use crate::appeal::routing::escalation_route;

fn chain() -> Vec<RegionRef> {
    let r = |id, level, name: &str| RegionRef { id, level, name: name.to_owned() };
    vec![
        r(5, RegionLevel::Grid, "新华社区第3网格"),
        r(4, RegionLevel::Village, "新华社区"),
        r(3, RegionLevel::Township, "新湖街道"),
        r(2, RegionLevel::County, "德城区"),
        r(1, RegionLevel::City, "德州市"),
    ]
}

fn category(code: &str) -> Category {
    CategoryTable::default().lookup(code).unwrap().clone()
}

#[test]
fn category_defaults_pick_level_type_and_region() {
    let d = route(&category("B01"), &chain(), &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!((d.level, d.org_type.as_str(), d.region_id), (RegionLevel::Township, "paichusuo", 3));
    assert_eq!(
        (d.source, d.keep_with_grid, d.emergency_line, d.urgent),
        (RouteSource::CategoryDefault, false, None, false)
    );
    assert_eq!(
        d.rule_used,
        "类别默认：B01 治安隐患 由乡镇(街道)级派出所承办；地点：新湖街道 / \
         category default: B01 Public order hazards goes to the Police Station at township level; place: 新湖街道"
    );
    assert_eq!(d.region_name, "新湖街道");

    let d = route(&category("A03"), &chain(), &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!((d.level, d.org_type.as_str(), d.region_id), (RegionLevel::County, "renshe", 2));
    let d = route(&category("A01"), &chain(), &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!((d.level, d.org_type.as_str(), d.region_id), (RegionLevel::Village, "mediation_committee", 4));
    assert_eq!(d.org_type.selector(), UnitSelector::Org { kind: crate::org::OrgKind::MediationCommittee, dept: None });
}

#[test]
fn what_the_grid_can_solve_stays_with_the_grid_worker() {
    let d = route(&category("G05"), &chain(), &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!(
        (d.level, d.org_type, d.region_id, d.keep_with_grid),
        (RegionLevel::Grid, OrgType::GRID_WORKER, 5, true)
    );
    assert!(
        d.rule_used.starts_with("网格可办：G05 证照与事项代办 由网格员就地办理；地点：新华社区第3网格"),
        "{}",
        d.rule_used
    );
    assert_eq!(d.org_type.selector(), UnitSelector::GridWorker);

    // A minor residential matter: the grid worker brings in the property company.
    let d = route(&category("D02"), &chain(), &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!((d.level, d.keep_with_grid), (RegionLevel::Grid, true));
    assert_eq!(d.co_org_types, vec![org_type("property_company")]);

    // Urgent, it is no longer minor: the community takes it.
    let d = route(&category("D02"), &chain(), &Catalogue::default(), Urgency::Urgent).unwrap();
    assert_eq!(
        (d.level, d.org_type, d.keep_with_grid, d.urgent),
        (RegionLevel::Village, OrgType::VILLAGE_COMMITTEE, false, true)
    );
    assert!(d.rule_used.contains("紧急，优先派单"), "{}", d.rule_used);

    // Without a grid in the place, the category's own level.
    let no_grid: Vec<_> = chain().into_iter().filter(|r| r.level != RegionLevel::Grid).collect();
    let d = route(&category("D01"), &no_grid, &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!((d.level, d.region_id, d.keep_with_grid), (RegionLevel::Village, 4, false));
}

#[test]
fn emergencies_are_flagged_with_their_line() {
    let d = route(&category("C01"), &chain(), &Catalogue::default(), Urgency::Urgent).unwrap();
    assert_eq!((d.emergency_line, d.urgent), (Some(EmergencyLine::Fire119), true));
    assert!(d.rule_used.contains("紧急，立即转119 消防救援并跟踪"), "{}", d.rule_used);
    assert!(d.rule_used.contains("transfer to 119 fire and rescue at once"), "{}", d.rule_used);
    // The same category, not urgent: a hazard for the fire brigade's inspection, no transfer.
    let d = route(&category("C01"), &chain(), &Catalogue::default(), Urgency::Normal).unwrap();
    assert_eq!((d.emergency_line, d.org_type.as_str(), d.level), (None, "xiaofang", RegionLevel::County));
    for (code, line) in
        [("B02", EmergencyLine::Police110), ("C05", EmergencyLine::Ambulance120), ("A06", EmergencyLine::Traffic122)]
    {
        let d = route(&category(code), &chain(), &Catalogue::default(), Urgency::Urgent).unwrap();
        assert_eq!(d.emergency_line, Some(line), "{code}");
    }
    let d = route(&category("G02"), &chain(), &Catalogue::default(), Urgency::Urgent).unwrap();
    assert_eq!(d.emergency_line, None);
}

#[test]
fn the_catalogue_overrides_and_the_most_specific_rule_wins() {
    let code = CategoryCode::parse("E01").unwrap();
    let rule = |level, org: &str, region_id, note: &str| CatalogueRule {
        category: code,
        level,
        org_type: org_type(org),
        region_id,
        note: note.to_owned(),
    };
    let catalogue = Catalogue::new(vec![
        rule(RegionLevel::County, "zhifa", None, "城区环卫由综合执法负责"),
        rule(RegionLevel::Township, "zongzhi", Some(3), ""),
        rule(RegionLevel::County, "zhujian", Some(99), "另一个县"),
    ])
    .unwrap();
    let d = route(&category("E01"), &chain(), &catalogue, Urgency::Normal).unwrap();
    assert_eq!(
        (d.source, d.level, d.org_type.as_str(), d.region_id),
        (RouteSource::Catalogue, RegionLevel::Township, "zongzhi", 3)
    );
    assert!(
        d.rule_used.starts_with("派单目录（新湖街道目录）：E01 环境卫生 由乡镇(街道)级综治中心承办；地点：新湖街道"),
        "{}",
        d.rule_used
    );

    // Elsewhere in the city only the city-wide rule applies.
    let mut elsewhere = chain();
    elsewhere[2].id = 8;
    let d = route(&category("E01"), &elsewhere, &catalogue, Urgency::Normal).unwrap();
    assert_eq!((d.level, d.org_type.as_str(), d.region_id), (RegionLevel::County, "zhifa", 2));
    assert!(
        d.rule_used
            .starts_with("派单目录（全市）：E01 环境卫生 由县(市、区)级综合行政执法局承办（城区环卫由综合执法负责）"),
        "{}",
        d.rule_used
    );
    assert!(d.rule_used.contains("dispatch catalogue (city-wide)"), "{}", d.rule_used);

    // A catalogue rule beats grid-solvability too.
    let catalogue = Catalogue::new(vec![CatalogueRule {
        category: CategoryCode::parse("G05").unwrap(),
        level: RegionLevel::Village,
        org_type: OrgType::VILLAGE_COMMITTEE,
        region_id: None,
        note: String::new(),
    }])
    .unwrap();
    let d = route(&category("G05"), &chain(), &catalogue, Urgency::Normal).unwrap();
    assert_eq!((d.level, d.keep_with_grid), (RegionLevel::Village, false));
}

#[test]
fn the_catalogue_refuses_pushing_departments_down() {
    let bad = CatalogueRule {
        category: CategoryCode::parse("E03").unwrap(),
        level: RegionLevel::Township,
        org_type: org_type("zhifa"),
        region_id: None,
        note: String::new(),
    };
    let errors = Catalogue::new(vec![bad.clone()]).unwrap_err();
    assert_eq!(errors[0].field, "org_type");
    assert!(errors[0].message.contains("职能部门的事项不得下派乡镇"), "{}", errors[0].message);
    let json = serde_json::to_string(&vec![bad]).unwrap();
    assert!(serde_json::from_str::<Catalogue>(&json).is_err());
    let good = r#"[{"category":"E03","level":"county","org_type":"zhifa"}]"#;
    let c: Catalogue = serde_json::from_str(good).unwrap();
    assert_eq!(c.rules()[0].note, "");
}

#[test]
fn a_place_without_the_needed_level_is_an_error() {
    let only_grid = &chain()[..1];
    let e = route(&category("B01"), only_grid, &Catalogue::default(), Urgency::Normal).unwrap_err();
    assert_eq!(e, RouteError::MissingLevel(RegionLevel::Township));
    assert!(e.to_string().contains("乡镇(街道)"), "{e}");
}

#[test]
fn escalation_routes_one_level_up() {
    let none = Catalogue::default();
    let d = escalation_route(&category("G05"), &chain(), RegionLevel::Grid, &none).unwrap();
    assert_eq!((d.level, d.org_type, d.region_id), (RegionLevel::Village, OrgType::VILLAGE_COMMITTEE, 4));
    let d = escalation_route(&category("A01"), &chain(), RegionLevel::Village, &none).unwrap();
    assert_eq!((d.level, d.org_type, d.region_id), (RegionLevel::Township, OrgType::ZONGZHI, 3));
    // A township 吹哨 on a police station's case: the county's 政法委 summons the departments …
    let d = escalation_route(&category("B01"), &chain(), RegionLevel::Township, &none).unwrap();
    assert_eq!((d.level, d.org_type, d.source), (RegionLevel::County, OrgType::ZHENGFA, RouteSource::Escalation));
    assert!(
        d.rule_used.starts_with("吹哨上报（逐级上报）：乡镇(街道)级无法解决，上报县(市、区)级党委政法委"),
        "{}",
        d.rule_used
    );
    // … unless the catalogue names the county's unit for it.
    let catalogue = Catalogue::new(vec![CatalogueRule {
        category: CategoryCode::parse("B01").unwrap(),
        level: RegionLevel::County,
        org_type: org_type("gongan"),
        region_id: None,
        note: String::new(),
    }])
    .unwrap();
    let d = escalation_route(&category("B01"), &chain(), RegionLevel::Township, &catalogue).unwrap();
    assert_eq!(d.org_type.as_str(), "gongan");
    // A department's case stays with its own kind of department one level up.
    let d = escalation_route(&category("E03"), &chain(), RegionLevel::County, &none).unwrap();
    assert_eq!((d.level, d.org_type.as_str(), d.region_id), (RegionLevel::City, "zhifa", 1));
    assert_eq!(escalation_route(&category("E03"), &chain(), RegionLevel::City, &none), Err(RouteError::TopLevel));
}

#[test]
fn merge_candidates_are_near_recent_and_alike() {
    let policy = DuplicatePolicy::default();
    let code = CategoryCode::parse("E04").unwrap();
    let open = CaseSite { category: code, lon: 116.3575, lat: 37.4341, received_at: at(2025, 3, 3, 9, 0) };
    // About 111 m north.
    let near = CaseSite { lat: 37.4351, received_at: at(2025, 3, 5, 9, 0), ..open };
    assert!((distance_m(open.lon, open.lat, near.lon, near.lat) - 111.2).abs() < 0.5);
    assert!(policy.is_candidate(&near, &open));
    assert!(!policy.is_candidate(&CaseSite { lat: 37.4371, ..near }, &open), "333 m away");
    assert!(!policy.is_candidate(&CaseSite { received_at: at(2025, 3, 11, 9, 0), ..near }, &open), "8 days later");
    assert!(!policy.is_candidate(&CaseSite { category: CategoryCode::parse("E01").unwrap(), ..near }, &open));
    let (min_lon, min_lat, max_lon, max_lat) = policy.search_box(open.lon, open.lat);
    assert!(min_lon < open.lon && open.lon < max_lon && min_lat < open.lat && open.lat < max_lat);
    let corner = distance_m(open.lon, open.lat, max_lon, open.lat);
    assert!((corner - 200.0).abs() < 0.5, "{corner}");
}

#[test]
fn an_administrators_catalogue_is_parsed_row_by_row() {
    let table = CategoryTable::default();
    let doc = serde_json::json!([
        {"category": "e01", "level": "county", "org_type": "zhifa", "note": " 城区环卫 "},
        {"category": "E01", "level": "township", "org_type": "zongzhi", "region_id": 3},
        {"category": "B01", "level": "county", "org_type": "gongan", "region_id": null},
    ]);
    let c = Catalogue::parse(&doc, &table).unwrap();
    assert_eq!(c.rules().len(), 3);
    assert_eq!((c.rules()[0].category.as_str(), c.rules()[0].note.as_str()), ("E01", "城区环卫"));
    assert_eq!(c.rules()[1].region_id, Some(3));
    // What the stored catalogue serialises to parses back to itself.
    assert_eq!(Catalogue::parse(&serde_json::to_value(&c).unwrap(), &table), Ok(c));

    let bad = serde_json::json!([
        {"category": "Y42", "level": "county", "org_type": "zhifa"},
        {"category": "E01", "level": "province", "org_type": "zhifa"},
        {"category": "E01", "level": "county", "org_type": "police"},
        {"category": "E03", "level": "township", "org_type": "zhifa"},
        {"category": "E01", "level": "county", "org_type": "zhifa", "region_id": -4},
        {"category": "E02", "level": "county", "org_type": "zhifa", "note": "长".repeat(201)},
        {"category": "E05", "level": "county", "org_type": "shengtai"},
        {"category": "E05", "level": "county", "org_type": "zhujian"},
        "E06",
    ]);
    let errors = Catalogue::parse(&bad, &table).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "rules[0].category",
            "rules[1].level",
            "rules[2].org_type",
            "rules[3].org_type",
            "rules[4].region_id",
            "rules[5].note",
            "rules[7].level",
            "rules[8]",
        ],
        "{errors:?}"
    );
    assert!(errors[0].message.starts_with("第 1 行：未知的诉求类别「Y42」"), "{}", errors[0].message);
    assert!(errors[1].message.contains("province"), "{}", errors[1].message);
    assert!(errors[2].message.contains("police"), "{}", errors[2].message);
    assert!(errors[3].message.contains("职能部门的事项不得下派乡镇"), "{}", errors[3].message);
    assert!(errors[6].message.starts_with("第 8 行与第 7 行重复"), "{}", errors[6].message);
    assert!(Catalogue::parse(&serde_json::json!({"rules": []}), &table).is_err());
}

#[test]
fn every_category_has_a_city_wide_route_and_the_catalogue_shows_in_it() {
    let table = CategoryTable::default();
    let none = Catalogue::default();
    for c in table.iter() {
        let r = none.city_route(c);
        assert!(r.org_type.levels().contains(&r.level), "{} routes to a level its unit serves", c.code);
        assert_eq!(r.rule_index, None);
    }
    let g05 = table.lookup("G05").unwrap();
    assert_eq!(none.city_route(g05).source, RouteSource::GridSolvable);
    let catalogue = Catalogue::parse(
        &serde_json::json!([
            {"category": "E01", "level": "township", "org_type": "zongzhi", "region_id": 3},
            {"category": "E01", "level": "county", "org_type": "zhifa"},
        ]),
        &table,
    )
    .unwrap();
    let e01 = catalogue.city_route(table.lookup("E01").unwrap());
    // The township's own rule does not apply city-wide; the second row does.
    assert_eq!(
        (e01.source, e01.level, e01.org_type.as_str(), e01.rule_index),
        (RouteSource::Catalogue, RegionLevel::County, "zhifa", Some(1))
    );
    // And routing a real place agrees with what the page says.
    let mut elsewhere = chain();
    elsewhere[2].id = 8;
    let d = route(table.lookup("E01").unwrap(), &elsewhere, &catalogue, Urgency::Normal).unwrap();
    assert_eq!((d.source, d.level, d.org_type), (e01.source, e01.level, e01.org_type));
}
