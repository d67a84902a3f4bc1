//! Authorisation: the one place that says who may do what, where.
//!
//! Two questions, always both:
//! 1. *What*: may this role perform this action on this kind of resource at all?
//!    ([`Actor::permits`], a fixed table below). A "no" is a 403.
//! 2. *Where*: is the target inside the actor's scope (a region subtree, and for
//!    department staff their own organisation)? Stores apply the scope to every
//!    query through [`Scope`], so an out-of-scope target is simply not found: a 404
//!    that does not reveal whether it exists.

use crate::account::Role;
use crate::region::RegionPath;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Region,
    Org,
    Account,
    Audit,
    /// The working-day calendar (city-wide).
    Calendar,
    /// Citizens' appeals. Who may do what to a case is the appeal state machine's rule
    /// (`appeal::decide`); this says who may see and file cases at all.
    Appeal,
    /// Mediation cases, bodies and mediators (人民调解).
    Mediation,
    /// Safe creation (平安创建): campaigns, applications, incidents. Who may do what to an
    /// application is its state machine's rule (`safety::decide`) given the actor's relation
    /// to the unit; this says who may see and act at all.
    Safety,
    /// Prepaid-consumption supervision (预付式消费监管): merchants, flows, warnings, cases.
    /// Writes are the supervising market-regulation department's (the merchant's placement
    /// names it) and the administrators'.
    Prepaid,
    /// Tasks and supervision (任务督办). Who may report on, close or supervise a task is the
    /// task rule's (`task::decide`) given the actor's relation to it; this says who may see and
    /// act on tasks at all.
    Task,
    /// Grassroots forces (基层力量): liaison points and visits, and the rosters to come.
    /// Pairing units with townships is the administrators'.
    Forces,
}

/// Where an account may act: a region subtree, optionally narrowed to one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub region: RegionPath,
    /// Set for department staff: they change only their own organisation's records.
    pub org_id: Option<i64>,
}

impl Scope {
    pub fn covers_region(&self, path: &RegionPath) -> bool {
        self.region.contains(path)
    }
}

/// The authenticated account behind a request.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
}

/// A target's position, for the "where" check on writes.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    pub region: &'a RegionPath,
    pub org_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("您的角色无权执行此操作 / your role may not do this")]
    Role,
    #[error("目标不在您的管辖范围内 / the target is outside your scope")]
    Scope,
}

impl Actor {
    /// The role table. Leaders read everything in scope and change nothing.
    pub fn permits(&self, action: Action, resource: Resource) -> bool {
        use Action::*;
        use Resource::*;
        use Role::*;
        match (self.role, resource, action) {
            (Citizen, _, _) => false,
            // A unit's contact sees its own unit's records and nothing of cases or people.
            (UnitContact, Region | Org | Calendar | Safety, Read) | (UnitContact, Safety, Create | Update) => true,
            (UnitContact, _, _) => false,
            (_, Region | Org | Calendar, Read) => true,
            (Admin, _, _) => true,
            (Leader | Supervisor, Audit, Read) => true,
            (Leader, Appeal | Mediation | Safety | Prepaid, Read) => true,
            (Supervisor | TownshipDispatcher | GridWorker | VillageCadre, Prepaid, Read) => true,
            (DeptHandler, Prepaid, Read | Create | Update) => true,
            (Leader, Task | Forces, Read) => true,
            (
                GridWorker | VillageCadre | TownshipDispatcher | DeptHandler | Supervisor,
                Task | Forces,
                Read | Create | Update,
            ) => true,
            // Everyone on the staff reads safe creation; incidents are recorded and proposals
            // decided by those who learn of them and those who review.
            (GridWorker | VillageCadre | Supervisor, Safety, Read) => true,
            (TownshipDispatcher | DeptHandler, Safety, Read | Create | Update) => true,
            (
                GridWorker | VillageCadre | TownshipDispatcher | DeptHandler | Supervisor,
                Appeal | Mediation,
                Read | Create | Update,
            ) => true,
            (TownshipDispatcher, Org, Create | Update) => true,
            (VillageCadre | GridWorker | DeptHandler, Org, Update) => true,
            _ => false,
        }
    }

    /// Both checks for a target whose placement is known.
    pub fn authorize(&self, action: Action, resource: Resource, target: &Placement<'_>) -> Result<(), Denied> {
        if !self.permits(action, resource) {
            return Err(Denied::Role);
        }
        if !self.scope.covers_region(target.region) {
            return Err(Denied::Scope);
        }
        if action != Action::Read
            && let Some(own) = self.scope.org_id
            && target.org_id != Some(own)
        {
            return Err(Denied::Scope);
        }
        Ok(())
    }

    pub fn require(&self, action: Action, resource: Resource) -> Result<(), Denied> {
        if self.permits(action, resource) { Ok(()) } else { Err(Denied::Role) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, path: &str, org: Option<i64>) -> Actor {
        Actor {
            account_id: 1,
            username: "t".into(),
            display_name: "t".into(),
            role,
            scope: Scope { region: RegionPath::parse(path).unwrap(), org_id: org },
        }
    }

    #[test]
    fn leader_reads_but_never_writes() {
        let a = actor(Role::Leader, "/1/", None);
        let here = RegionPath::parse("/1/2/").unwrap();
        let p = Placement { region: &here, org_id: None };
        assert!(a.authorize(Action::Read, Resource::Org, &p).is_ok());
        for act in [Action::Create, Action::Update, Action::Delete] {
            for res in [Resource::Region, Resource::Org, Resource::Account, Resource::Audit] {
                assert_eq!(a.authorize(act, res, &p), Err(Denied::Role), "{act:?} {res:?}");
            }
        }
    }

    #[test]
    fn scope_limits_even_an_admin() {
        let a = actor(Role::Admin, "/1/2/", None);
        let inside = RegionPath::parse("/1/2/9/").unwrap();
        let outside = RegionPath::parse("/1/3/").unwrap();
        assert!(a.authorize(Action::Update, Resource::Org, &Placement { region: &inside, org_id: None }).is_ok());
        assert_eq!(
            a.authorize(Action::Update, Resource::Org, &Placement { region: &outside, org_id: None }),
            Err(Denied::Scope)
        );
    }

    #[test]
    fn department_staff_change_only_their_own_org() {
        let a = actor(Role::DeptHandler, "/1/", Some(7));
        let here = RegionPath::parse("/1/").unwrap();
        assert!(a.authorize(Action::Update, Resource::Org, &Placement { region: &here, org_id: Some(7) }).is_ok());
        assert_eq!(
            a.authorize(Action::Update, Resource::Org, &Placement { region: &here, org_id: Some(8) }),
            Err(Denied::Scope)
        );
        assert!(a.authorize(Action::Read, Resource::Org, &Placement { region: &here, org_id: Some(8) }).is_ok());
    }

    #[test]
    fn citizens_have_no_staff_rights() {
        let a = actor(Role::Citizen, "/1/", None);
        assert!(!a.permits(Action::Read, Resource::Region));
    }
}
