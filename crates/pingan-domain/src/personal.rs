//! Personal data and its masking (DOMAIN §9): phones, ID numbers and names are
//! masked in lists, exports and logs.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A mainland mobile number: 11 digits starting with 1.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits);
        if digits.len() != 11 || !digits.starts_with('1') || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("手机号须为以 1 开头的 11 位数字 / a phone number is 11 digits starting with 1");
        }
        Ok(Phone(digits.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****8000`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Debug output is masked so that a phone never reaches a log in clear.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

/// Mask any phone-like string for display; leaves short or odd strings mostly hidden.
pub fn mask_phone(s: &str) -> String {
    match Phone::parse(s) {
        Ok(p) => p.masked(),
        Err(_) if s.chars().count() > 4 => {
            let tail: String = s.chars().rev().take(2).collect::<Vec<_>>().into_iter().rev().collect();
            format!("****{tail}")
        }
        Err(_) => "****".to_owned(),
    }
}

/// A contact number as shown in lists, exports and audit summaries: office
/// numbers with an area code (`0534-2345678`) are public, anything else is
/// treated as a personal mobile and masked.
pub fn display_contact_phone(p: &str) -> String {
    // A mobile written with separators ("138-0013-8000") is still a mobile.
    match Phone::parse(p) {
        Ok(mobile) => mobile.masked(),
        Err(_) if p.contains('-') => p.to_owned(),
        Err(_) => mask_phone(p),
    }
}

/// `110105********0123`: keep the 6-digit area code and the last 4 characters.
pub fn mask_id_number(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// `张**`: a person's name reduced to the surname.
pub fn mask_name(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => format!("{first}{}", "*".repeat(chars.count().max(1))),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_as_domain_requires() {
        assert_eq!(Phone::parse("138 0013 8000").unwrap().masked(), "138****8000");
        assert_eq!(Phone::parse("+8613800138000").unwrap().as_str(), "13800138000");
        assert!(Phone::parse("23800138000").is_err());
        assert!(Phone::parse("1380013800").is_err());
        assert_eq!(mask_id_number("110105199001010123"), "110105********0123");
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李"), "李*");
        assert_eq!(format!("{:?}", Phone::parse("13800138000").unwrap()), "Phone(138****8000)");
        assert_eq!(mask_phone("0534-2345678"), "****78");
        assert_eq!(display_contact_phone("0534-2345678"), "0534-2345678");
        assert_eq!(display_contact_phone("13800138000"), "138****8000");
        assert_eq!(display_contact_phone("138-0013-8000"), "138****8000");
    }
}
