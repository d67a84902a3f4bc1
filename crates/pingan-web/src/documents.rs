//! Printable documents served as HTML (to print from the browser) and as PDF (typst, with
//! the CJK font inside the binary: `pingan-docs`).

use crate::AppState;
use crate::error::AppError;
use askama::Template;
use axum::response::{IntoResponse, Response};
use pingan_store::china_today;

#[derive(Template, serde::Serialize)]
#[template(path = "mediation_agreement.html")]
pub struct AgreementDoc {
    pub case_no: String,
    pub committee: String,
    pub parties: Vec<AgreementParty>,
    pub facts: String,
    pub terms: String,
    pub manner: String,
    pub due: String,
    pub effective: String,
    pub form: &'static str,
    pub mediator: String,
    /// 一式 N 份: one per party and one for the committee.
    pub copies: usize,
}

#[derive(serde::Serialize)]
pub struct AgreementParty {
    pub side: &'static str,
    pub name: String,
    pub kind: &'static str,
    pub id_number: String,
    pub phone: String,
    pub address: String,
}

/// The 调解协议书 of a case, parties' identity numbers and phones masked (DOMAIN §9: the
/// printed copy leaves the system).
pub async fn agreement_doc(state: &AppState, actor: &pingan_domain::Actor, id: i64) -> Result<AgreementDoc, AppError> {
    let c = state.store.mediation_case(actor, id).await?;
    let Some(a) = &c.snapshot.agreement else {
        return Err(AppError::Conflict("本案尚未达成调解协议 / no agreement has been reached in this case".into()));
    };
    let parties = state.store.mediation_parties(actor, id).await?;
    Ok(AgreementDoc {
        case_no: c.case_no.clone(),
        committee: c.body_name.clone(),
        parties: parties
            .iter()
            .map(|p| AgreementParty {
                side: p.side.zh(),
                name: p.name.clone(),
                kind: match p.kind {
                    pingan_domain::mediation::PartyKind::Person => "自然人",
                    pingan_domain::mediation::PartyKind::Organisation => "法人或其他组织",
                },
                id_number: p.masked_id().unwrap_or_default(),
                phone: p.phone.as_ref().map(|x| x.masked()).unwrap_or_default(),
                address: p.address.clone(),
            })
            .collect(),
        facts: a.facts.clone(),
        terms: a.terms.clone(),
        manner: a.performance_manner.clone(),
        due: a.performance_due.format("%Y年%m月%d日").to_string(),
        effective: a.effective.format("%Y年%m月%d日").to_string(),
        form: a.form.zh(),
        mediator: c.snapshot.mediator.as_ref().map(|(_, n)| n.clone()).unwrap_or_default(),
        copies: parties.len() + 1,
    })
}

/// The agreement as a PDF (typst, with the CJK font inside the binary).
pub async fn agreement_pdf(state: &AppState, actor: &pingan_domain::Actor, id: i64) -> Result<Response, AppError> {
    let doc = agreement_doc(state, actor, id).await?;
    let file_name = format!("mediation-agreement-{id}.pdf");
    let today = china_today();
    let pdf = tokio::task::spawn_blocking(move || {
        pingan_docs::render_pdf(pingan_docs::Template::MediationAgreement, &doc, today)
    })
    .await
    .map_err(|e| AppError::Internal(format!("PDF task: {e}")))?
    .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
        ],
        pdf,
    )
        .into_response())
}
