//! Registering a mediation body that its region's level does not make: a named studio
//! (个人调解工作室, often the "德为民" brand of its place) or an industry committee
//! (行业性专业性调解委员会). Village, township and county committees come with the
//! city's structure.

use super::{MediationBody, require};
use crate::{BeginWrite, Result, Store, StoreError, now_ms, on_pool, write_audit};
use pingan_domain::FieldError;
use pingan_domain::access::{Action, Actor, Placement, Resource};
use pingan_domain::audit::AuditEvent;
use pingan_domain::mediation::{BodyKind, Industry};
use pingan_domain::org::{NewOrg, OrgKind};
use pingan_domain::region::RegionLevel;

/// Check what a new body is: a studio has no industry, an industry committee names one;
/// the level committees are not registered this way.
pub fn check_body_kind(kind: BodyKind, industry: Option<Industry>) -> Result<()> {
    let refuse = |field: &str, message: &str| Err(StoreError::Invalid(vec![FieldError::new(field, message)]));
    match (kind, industry) {
        (BodyKind::Studio, None) | (BodyKind::Industry, Some(_)) => Ok(()),
        (BodyKind::Studio, Some(_)) => refuse("industry", "调解工作室不属于行业调委会 / a studio has no industry"),
        (BodyKind::Industry, None) => refuse(
            "industry",
            "请选择行业:medical、traffic、labour 或 property / choose the industry: medical, traffic, labour or property",
        ),
        _ => refuse(
            "kind",
            "村、乡镇、县级调委会随区划设立,此处只登记调解工作室或行业调委会 / level committees come with the regions: register a studio or an industry committee",
        ),
    }
}

/// Where each kind of body sits: a studio anywhere from a grid (网格+调解) to a county, an
/// industry committee at a county or the city.
pub fn check_body_level(kind: BodyKind, level: RegionLevel) -> Result<()> {
    let fits = match kind {
        BodyKind::Studio => !matches!(level, RegionLevel::City),
        BodyKind::Industry => matches!(level, RegionLevel::County | RegionLevel::City),
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(StoreError::Invalid(vec![FieldError::new(
            "region_id",
            "调解工作室设在县及以下,行业调委会设在市或县 / a studio sits at a county or below, an industry committee at a county or the city",
        )]))
    }
}

impl Store {
    /// Register a studio or an industry committee in a region of the actor's scope: the
    /// organisation (kind `mediation_committee`) and what it is, in one transaction; audited.
    pub async fn create_mediation_body(
        &self,
        actor: &Actor,
        org: &NewOrg,
        kind: BodyKind,
        industry: Option<Industry>,
    ) -> Result<MediationBody> {
        require(actor, Action::Create)?;
        // A body is an organisation in the directory: those who add organisations add it.
        actor.require(Action::Create, Resource::Org)?;
        check_body_kind(kind, industry)?;
        if org.kind != OrgKind::MediationCommittee {
            return Err(StoreError::Invalid(vec![FieldError::new("kind", "须为调解组织 / must be a mediation body")]));
        }
        let region = self.region(&actor.scope, org.region_id).await?;
        actor.authorize(Action::Create, Resource::Mediation, &Placement { region: &region.path, org_id: None })?;
        check_body_level(kind, region.level)?;
        region.require_live()?;
        let now = now_ms();
        let id: i64 = on_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO orgs (kind, name, region_id, address, phone, created_at, updated_at)
                 VALUES ('mediation_committee', $1, $2, $3, $4, $5, $5) RETURNING id",
            )
            .bind(&org.name)
            .bind(org.region_id)
            .bind(&org.address)
            .bind(&org.phone)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query("INSERT INTO mediation_bodies (org_id, kind, industry) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(kind.as_str())
                .bind(industry.map(|i| i.as_str()))
                .execute(&mut *tx)
                .await?;
            let event = AuditEvent {
                at_ms: now,
                actor_id: Some(actor.account_id),
                actor_name: actor.username.clone(),
                action: "mediation.body_create".into(),
                target_kind: "org".into(),
                target_id: Some(id),
                success: true,
                before: serde_json::Value::Null,
                after: serde_json::json!({
                    "name": org.name, "region_id": org.region_id, "kind": kind.as_str(),
                    "industry": industry.map(|i| i.as_str()), "address": org.address,
                    "phone": org.phone.as_deref().map(pingan_domain::personal::display_contact_phone),
                }),
            };
            write_audit!(&mut *tx, &event, region.path.as_str())?;
            tx.commit().await?;
            id
        });
        self.directory_changed();
        self.mediation_body(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_studios_and_industry_committees_are_registered() {
        assert!(check_body_kind(BodyKind::Studio, None).is_ok());
        assert!(check_body_kind(BodyKind::Industry, Some(Industry::Labour)).is_ok());
        let field = |r: Result<()>| match r {
            Err(StoreError::Invalid(f)) => f[0].field.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(field(check_body_kind(BodyKind::Studio, Some(Industry::Medical))), "industry");
        assert_eq!(field(check_body_kind(BodyKind::Industry, None)), "industry");
        assert_eq!(field(check_body_kind(BodyKind::Village, None)), "kind");
    }

    #[test]
    fn studios_sit_at_a_county_or_below_industry_committees_above() {
        assert!(check_body_level(BodyKind::Studio, RegionLevel::Grid).is_ok());
        assert!(check_body_level(BodyKind::Studio, RegionLevel::County).is_ok());
        assert!(check_body_level(BodyKind::Studio, RegionLevel::City).is_err());
        assert!(check_body_level(BodyKind::Industry, RegionLevel::City).is_ok());
        assert!(check_body_level(BodyKind::Industry, RegionLevel::Village).is_err());
    }
}
