//! The parties to a dispute (当事人): who they are, checked on entry, masked on the way out.

use crate::FieldError;
use crate::personal::{Phone, mask_id_number, mask_name};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which side a party is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartySide {
    /// 申请人
    Applicant,
    /// 被申请人
    Respondent,
}

impl PartySide {
    pub fn as_str(self) -> &'static str {
        match self {
            PartySide::Applicant => "applicant",
            PartySide::Respondent => "respondent",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            PartySide::Applicant => "申请人",
            PartySide::Respondent => "被申请人",
        }
    }

    pub fn parse(s: &str) -> Option<PartySide> {
        [PartySide::Applicant, PartySide::Respondent].into_iter().find(|x| x.as_str() == s)
    }
}

/// A natural person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    Person,
    Organisation,
}

impl PartyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Person => "person",
            PartyKind::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> Option<PartyKind> {
        [PartyKind::Person, PartyKind::Organisation].into_iter().find(|x| x.as_str() == s)
    }
}

/// An identity number whose check character is right: the 18-character resident identity
/// number (GB 11643) of a person, or the 18-character unified social credit code (GB 32100)
/// of an organisation. Debug output is masked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(kind: PartyKind, s: &str) -> Result<IdNumber, &'static str> {
        let s = s.trim().to_ascii_uppercase();
        let ok = match kind {
            PartyKind::Person => resident_id_ok(&s),
            PartyKind::Organisation => credit_code_ok(&s),
        };
        if ok {
            Ok(IdNumber(s))
        } else {
            Err(match kind {
                PartyKind::Person => {
                    "身份证号码应为 18 位且校验位正确 / an ID number is 18 characters with a valid check digit"
                }
                PartyKind::Organisation => {
                    "统一社会信用代码应为 18 位且校验位正确 / a unified social credit code is 18 characters with a valid check character"
                }
            })
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `371402********0123`
    pub fn masked(&self) -> String {
        mask_id_number(&self.0)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// GB 11643-1999: 17 digits and a check character from the weighted sum mod 11.
fn resident_id_ok(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    b[17] == CHECK[(sum % 11) as usize]
}

/// GB 32100-2015: 17 characters of a 31-character alphabet and a check character.
fn credit_code_ok(s: &str) -> bool {
    const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let values: Option<Vec<usize>> = s.chars().map(|c| ALPHABET.find(c)).collect();
    let Some(values) = values else { return false };
    if values.len() != 18 {
        return false;
    }
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

/// A party as recorded on the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Party {
    pub side: PartySide,
    pub kind: PartyKind,
    /// A person's full name or an organisation's registered name.
    pub name: String,
    pub id_number: Option<IdNumber>,
    pub phone: Option<Phone>,
    pub address: String,
}

/// A party as submitted, before checking.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RawParty {
    pub side: String,
    #[serde(default)]
    pub kind: Option<String>,
    pub name: String,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
}

const MAX_NAME: usize = 100;
const MAX_ADDRESS: usize = 200;

impl Party {
    /// Check one submitted party; fields are named `parties[i].field`.
    pub fn parse(raw: &RawParty, i: usize) -> Result<Party, Vec<FieldError>> {
        let f = |field: &str| format!("parties[{i}].{field}");
        let mut errors = Vec::new();
        let side = PartySide::parse(raw.side.trim());
        if side.is_none() {
            errors.push(FieldError::new(
                f("side"),
                "须为 applicant(申请人)或 respondent(被申请人) / must be applicant or respondent",
            ));
        }
        let kind = match raw.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(PartyKind::Person),
            Some(k) => PartyKind::parse(k),
        };
        if kind.is_none() {
            errors.push(FieldError::new(
                f("kind"),
                "须为 person(自然人)或 organisation(单位) / must be person or organisation",
            ));
        }
        let name = raw.name.trim().to_owned();
        if name.is_empty() {
            errors.push(FieldError::new(f("name"), "请填写当事人姓名或名称 / the party's name is required"));
        } else if name.chars().count() > MAX_NAME {
            errors.push(FieldError::new(f("name"), format!("不超过 {MAX_NAME} 字 / at most {MAX_NAME} characters")));
        }
        let id_number = match (kind, raw.id_number.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (Some(kind), Some(s)) => match IdNumber::parse(kind, s) {
                Ok(id) => Some(id),
                Err(message) => {
                    errors.push(FieldError::new(f("id_number"), message));
                    None
                }
            },
            _ => None,
        };
        let phone = match raw.phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => match Phone::parse(s) {
                Ok(p) => Some(p),
                Err(message) => {
                    errors.push(FieldError::new(f("phone"), message));
                    None
                }
            },
            None => None,
        };
        let address = raw.address.as_deref().unwrap_or("").trim().to_owned();
        if address.chars().count() > MAX_ADDRESS {
            errors.push(FieldError::new(
                f("address"),
                format!("不超过 {MAX_ADDRESS} 字 / at most {MAX_ADDRESS} characters"),
            ));
        }
        match (side, kind) {
            (Some(side), Some(kind)) if errors.is_empty() => Ok(Party { side, kind, name, id_number, phone, address }),
            _ => Err(errors),
        }
    }

    /// The name as lists and exports show it: a person by surname, an organisation in full.
    pub fn display_name(&self) -> String {
        match self.kind {
            PartyKind::Person => mask_name(&self.name),
            PartyKind::Organisation => self.name.clone(),
        }
    }

    pub fn masked_id(&self) -> Option<String> {
        self.id_number.as_ref().map(IdNumber::masked)
    }
}

/// Check a case's parties: each one, and at least one on each side.
pub fn parse_parties(raw: &[RawParty]) -> Result<Vec<Party>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut parties = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        match Party::parse(r, i) {
            Ok(p) => parties.push(p),
            Err(e) => errors.extend(e),
        }
    }
    if raw.len() > 50 {
        errors.push(FieldError::new("parties", "当事人不超过 50 个 / at most 50 parties"));
    }
    if errors.is_empty() {
        for side in [PartySide::Applicant, PartySide::Respondent] {
            if !parties.iter().any(|p| p.side == side) {
                errors.push(FieldError::new(
                    "parties",
                    format!("至少需要一名{} / at least one {} is required", side.zh(), side.as_str()),
                ));
            }
        }
    }
    if errors.is_empty() { Ok(parties) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_ids_are_checked_by_their_check_digit() {
        // The example number of GB 11643.
        assert!(IdNumber::parse(PartyKind::Person, "11010519491231002X").is_ok());
        assert!(IdNumber::parse(PartyKind::Person, "11010519491231002x").is_ok());
        assert!(IdNumber::parse(PartyKind::Person, "110105194912310021").is_err());
        assert!(IdNumber::parse(PartyKind::Person, "1101051949123100").is_err());
        assert_eq!(IdNumber::parse(PartyKind::Person, "11010519491231002X").unwrap().masked(), "110105********002X");
    }

    #[test]
    fn credit_codes_are_checked_by_their_check_character() {
        // The example code often cited with GB 32100; its check character follows the rule.
        assert!(IdNumber::parse(PartyKind::Organisation, "91350100M000100Y43").is_ok());
        assert!(IdNumber::parse(PartyKind::Organisation, "91350100M000100Y44").is_err());
        assert!(IdNumber::parse(PartyKind::Organisation, "91350100M000100YI3").is_err(), "I is not in the alphabet");
    }

    #[test]
    fn parties_need_both_sides_and_name_every_bad_field() {
        let ok = |side: &str, name: &str| RawParty { side: side.into(), name: name.into(), ..RawParty::default() };
        assert!(parse_parties(&[ok("applicant", "张三"), ok("respondent", "李四")]).is_ok());
        let err = parse_parties(&[ok("applicant", "张三")]).unwrap_err();
        assert_eq!(err[0].field, "parties");
        let bad = RawParty {
            side: "judge".into(),
            name: " ".into(),
            phone: Some("123".into()),
            id_number: Some("110105194912310021".into()),
            ..RawParty::default()
        };
        let fields: Vec<String> = parse_parties(&[bad]).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["parties[0].side", "parties[0].name", "parties[0].id_number", "parties[0].phone"]);
    }

    #[test]
    fn lists_show_a_person_by_surname_and_an_organisation_in_full() {
        let person =
            Party::parse(&RawParty { side: "applicant".into(), name: "张三丰".into(), ..RawParty::default() }, 0)
                .unwrap();
        assert_eq!(person.display_name(), "张**");
        let org = Party::parse(
            &RawParty {
                side: "respondent".into(),
                kind: Some("organisation".into()),
                name: "某物业公司".into(),
                ..RawParty::default()
            },
            1,
        )
        .unwrap();
        assert_eq!(org.display_name(), "某物业公司");
    }
}
