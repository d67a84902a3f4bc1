//! 证据材料: evidence attached to a mediation case — an IOU, a contract, photos of the damage,
//! a receipt of performance. The bytes are attachments (checked by content elsewhere); what
//! the rules decide is what each file is said to be, who brought it, and when a case still
//! takes evidence.

use super::MediationState;
use crate::FieldError;
use serde::{Deserialize, Serialize};

/// The longest description of one piece of evidence, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;

/// The most pieces of evidence one case keeps: a contract dispute can bring many pages.
pub const MAX_EVIDENCE_PER_CASE: usize = 30;

super::code_enum! {
    /// Who brought a piece of evidence.
    EvidenceSource {
        Applicant = "applicant", "申请人提供", "From the applicant";
        Respondent = "respondent", "被申请人提供", "From the respondent";
        /// 调查取证: gathered by the mediator (a site visit, a witness's statement)
        Committee = "committee", "调解组织调查收集", "Gathered by the mediators";
    }
}

/// What the uploader says a batch of files is, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceNote {
    pub source: EvidenceSource,
    pub description: String,
}

impl EvidenceNote {
    /// Check the form's `source` and `description`: both required, the description at most
    /// [`MAX_DESCRIPTION_CHARS`] characters.
    pub fn parse(source: &str, description: &str) -> Result<EvidenceNote, Vec<FieldError>> {
        let mut errors = Vec::new();
        let source = EvidenceSource::parse(source.trim());
        if source.is_none() {
            errors.push(FieldError::new(
                "source",
                "请选择证据提供方(申请人、被申请人或调解组织) / choose who brought the evidence",
            ));
        }
        let description = description.trim();
        if description.is_empty() {
            errors.push(FieldError::new(
                "description",
                "请说明证据内容,如“借条原件照片” / describe the evidence, e.g. 'photo of the IOU'",
            ));
        } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::new(
                "description",
                format!("证据说明最多 {MAX_DESCRIPTION_CHARS} 字 / at most {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        match source {
            Some(source) if errors.is_empty() => Ok(EvidenceNote { source, description: description.to_owned() }),
            _ => Err(errors),
        }
    }
}

/// Whether a case in `state` still takes evidence: while it is heard, and after an agreement
/// (receipts of performance, proof of a breach); not once it closed without one.
pub fn takes_evidence(state: MediationState) -> Result<(), FieldError> {
    match state {
        MediationState::Registered | MediationState::Mediating | MediationState::Agreed => Ok(()),
        MediationState::NotAgreed | MediationState::Terminated => Err(FieldError::new(
            "file",
            "案件已结案且未达成协议,不能再添加证据 / the case closed without an agreement: it takes no more evidence",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_needs_a_source_and_a_description() {
        let note = EvidenceNote::parse("applicant", "  借条原件照片 ").unwrap();
        assert_eq!(note, EvidenceNote { source: EvidenceSource::Applicant, description: "借条原件照片".into() });
        let errors = EvidenceNote::parse("neighbour", "").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["source", "description"]);
        let long = "证".repeat(MAX_DESCRIPTION_CHARS + 1);
        assert_eq!(EvidenceNote::parse("committee", &long).unwrap_err()[0].field, "description");
        assert!(EvidenceNote::parse("committee", &"证".repeat(MAX_DESCRIPTION_CHARS)).is_ok());
    }

    #[test]
    fn closed_cases_without_agreement_take_no_evidence() {
        for s in MediationState::ALL {
            let open = matches!(s, MediationState::Registered | MediationState::Mediating | MediationState::Agreed);
            assert_eq!(takes_evidence(s).is_ok(), open, "{s:?}");
        }
    }
}
