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
        check_body_kind(kind, industry)?;
        if org.kind != OrgKind::MediationCommittee {
            return Err(StoreError::Invalid(vec![FieldError::new("kind", "须为调解组织 / must be a mediation body")]));
        }
        let region = self.region(&actor.scope, org.region_id).await?;
        actor.authorize(Action::Create, Resource::Mediation, &Placement { region: &region.path, org_id: None })?;
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
}
