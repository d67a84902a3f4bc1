//! Category codes, the default table and the organisation types.

use super::*;
use crate::appeal::category::DEFAULT_CATEGORIES;
use crate::appeal::org_type::VILLAGE_BODIES;
use crate::org::{DEPARTMENTS, OrgKind, TOWNSHIP_BODIES};

#[test]
fn codes_parse_strictly() {
    assert_eq!(CategoryCode::parse(" b01 ").unwrap().as_str(), "B01");
    assert_eq!(CategoryCode::parse("Z99").unwrap().group(), 'Z');
    for bad in ["", "B1", "B001", "01B", "B00", "BB1", "中01", "B0１"] {
        assert!(matches!(CategoryCode::parse(bad), Err(CategoryError::Malformed(_))), "{bad}");
    }
    let e = CategoryCode::parse("X").unwrap_err();
    assert!(e.to_string().contains("A01–Z99"), "{e}");
    assert_eq!(e.field_error("category").field, "category");
    let json = serde_json::to_string(&CategoryCode::parse("C05").unwrap()).unwrap();
    assert_eq!(json, r#""C05""#);
    assert!(serde_json::from_str::<CategoryCode>(r#""C5""#).is_err());
}

#[test]
fn the_default_table_has_the_thirty_six_categories_of_domain_4() {
    let table = CategoryTable::default();
    assert_eq!((table.len(), DEFAULT_CATEGORIES.len()), (36, 36));
    let codes: Vec<_> = table.iter().map(|c| c.code.to_string()).collect();
    assert_eq!(codes.first().map(String::as_str), Some("A01"));
    assert_eq!(codes.last().map(String::as_str), Some("Z99"));
    for c in table.iter() {
        c.check().unwrap();
        assert!(!c.en.is_empty() && !c.zh.is_empty());
        assert!(c.co_org_types.iter().all(|t| *t != c.org_type));
        // No category's default pushes a department's work down to a township.
        if c.org_type.family() == OrgFamily::Department {
            assert!(matches!(c.level, RegionLevel::County | RegionLevel::City), "{}", c.code);
        }
    }
    let g05 = table.lookup("G05").unwrap();
    assert_eq!(
        (g05.zh.as_str(), g05.level, g05.org_type, g05.grid_solvable),
        ("证照与事项代办", RegionLevel::Grid, OrgType::GRID_WORKER, true)
    );
    let d04 = table.lookup("D04").unwrap();
    assert_eq!((d04.org_type.as_str(), d04.time_limit_class), ("zhujian", TimeLimitClass::Utility));
    assert_eq!(table.lookup("A03").unwrap().zh, "劳资纠纷(欠薪)");
    assert!(matches!(table.lookup("Q01"), Err(CategoryError::Unknown(c)) if c == "Q01"));
    assert!(matches!(table.lookup("nonsense"), Err(CategoryError::Malformed(_))));
}

#[test]
fn an_administrators_table_is_checked() {
    let mut cats: Vec<Category> = CategoryTable::default().iter().cloned().collect();
    cats[0].level = RegionLevel::County; // a mediation committee at county level
    cats.push(cats[1].clone());
    let errors = CategoryTable::new(cats).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].message.contains("人民调解委员会不能在县(市、区)一级承办"), "{}", errors[0].message);
    assert!(errors[1].message.contains("A02 重复"), "{}", errors[1].message);

    let json = serde_json::to_string(&CategoryTable::default()).unwrap();
    let back: CategoryTable = serde_json::from_str(&json).unwrap();
    assert_eq!(back, CategoryTable::default());
    assert!(json.contains(r#""org_type":"mediation_committee""#));
}

#[test]
fn org_types_cover_departments_township_and_village_bodies_and_the_grid() {
    let n = DEPARTMENTS.len() + TOWNSHIP_BODIES.len() + VILLAGE_BODIES.len() + 1;
    assert_eq!(OrgType::all().count(), n);
    for t in OrgType::all() {
        assert_eq!(OrgType::parse(t.as_str()), Ok(t));
        assert!(!t.zh().is_empty() && !t.en().is_empty());
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<OrgType>(&json).unwrap(), t);
    }
    for t in [OrgType::GRID_WORKER, OrgType::ZONGZHI, OrgType::VILLAGE_COMMITTEE, OrgType::ZHENGFA] {
        assert_eq!(OrgType::parse(t.as_str()), Ok(t));
    }
    assert_eq!((OrgType::ZONGZHI.zh(), OrgType::ZHENGFA.zh()), ("综治中心", "党委政法委"));
    assert!(OrgType::parse("castle").is_err());
    assert!(serde_json::from_str::<OrgType>(r#""castle""#).is_err());
    assert_eq!(org_type("gongan").selector(), UnitSelector::Org { kind: OrgKind::Department, dept: Some("gongan") });
    assert_eq!(
        org_type("sifasuo").selector(),
        UnitSelector::Org { kind: OrgKind::TownshipBody, dept: Some("sifasuo") }
    );
    assert_eq!(
        org_type("property_company").selector(),
        UnitSelector::Org { kind: OrgKind::PropertyCompany, dept: None }
    );
    assert_eq!(
        org_type("owners_committee").selector(),
        UnitSelector::Org { kind: OrgKind::OwnersCommittee, dept: None }
    );
    assert_eq!(
        OrgType::VILLAGE_COMMITTEE.selector(),
        UnitSelector::Org { kind: OrgKind::VillageCommittee, dept: None }
    );
    assert_eq!(org_type("paichusuo").levels(), &[RegionLevel::Township]);
    assert_eq!(org_type("zhujian").region_role(), None);
}

#[test]
fn who_acts_for_a_unit() {
    // Department staff by organisation, grid workers by account, the rest by role and region.
    assert!(dept(11).acts_for(&zhujian_county()));
    assert!(!dept(10).acts_for(&zhujian_county()));
    assert!(!dispatcher().acts_for(&zhujian_county()));
    assert!(grid_worker().acts_for(&grid_unit()));
    assert!(!CaseActor::staff(501, Role::GridWorker, None, 6).acts_for(&grid_unit()));
    assert!(dispatcher().acts_for(&zongzhi()));
    assert!(!CaseActor::staff(302, Role::TownshipDispatcher, None, 8).acts_for(&zongzhi()));
    assert!(cadre().acts_for(&village_committee()));
    assert!(!cadre().acts_for(&zongzhi()));
    assert!(!citizen().acts_for(&grid_unit()));
    assert!(!CaseActor::System.acts_for(&grid_unit()));
}

#[test]
fn case_actors_from_signed_in_accounts() {
    use crate::access::{Actor, Scope};
    use crate::region::RegionPath;
    let actor = |role, org_id| Actor {
        account_id: 7,
        username: "u".into(),
        display_name: "u".into(),
        role,
        scope: Scope { region: RegionPath::parse("/1/2/").unwrap(), org_id },
    };
    assert_eq!(
        CaseActor::from_actor(&actor(Role::DeptHandler, Some(11))),
        CaseActor::staff(7, Role::DeptHandler, Some(11), 2)
    );
    assert_eq!(CaseActor::from_actor(&actor(Role::Citizen, None)), CaseActor::Citizen { account_id: Some(7) });
    assert_eq!(
        (citizen().role(), CaseActor::System.role(), CaseActor::System.account_id()),
        (Some(Role::Citizen), None, None)
    );
}

#[test]
fn names_in_both_languages() {
    assert_eq!((Urgency::Urgent.zh(), Urgency::Normal.zh()), ("紧急", "一般"));
    assert_eq!(Urgency::parse("紧急"), Some(Urgency::Urgent));
    assert_eq!(Urgency::parse("normal"), Some(Urgency::Normal));
    for line in EmergencyLine::ALL {
        assert!(line.zh().starts_with(line.number()) && line.en().starts_with(line.number()));
    }
    for s in AppealState::ALL {
        assert_eq!(AppealState::parse(s.as_str()), Some(s));
        assert!(!s.zh().is_empty());
    }
    for a in ActionKind::ALL {
        assert!(!a.zh().is_empty() && !a.en().is_empty());
    }
}
