//! Accounts and roles.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A staff or citizen role. The role decides *what* an account may do; its
/// scope (see [`crate::access::Scope`]) decides *where*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 网格员: patrols one grid, collects information, files and handles grid-level matters.
    GridWorker,
    /// 村(社区)干部: village or community cadre.
    VillageCadre,
    /// 乡镇综治中心调度员: dispatcher at a township's comprehensive governance centre.
    TownshipDispatcher,
    /// 部门承办人: case handler in a department (公安, 住建, 市场监管 …).
    DeptHandler,
    /// 督办员: supervisor who issues and follows supervision orders.
    Supervisor,
    /// 领导(只读): leadership, read-only.
    Leader,
    /// 系统管理员: administrator of the platform within a region.
    Admin,
    /// 单位安全联络员: a social unit's contact, who applies for and self-assesses its 平安单位
    /// title; scoped to the unit's own organisation.
    UnitContact,
    /// 群众: a citizen signed in by phone number.
    Citizen,
}

impl Role {
    /// Accounts that sign in with a password (every role but the citizen's).
    pub const STAFF: [Role; 8] = [
        Role::GridWorker,
        Role::VillageCadre,
        Role::TownshipDispatcher,
        Role::DeptHandler,
        Role::Supervisor,
        Role::Leader,
        Role::Admin,
        Role::UnitContact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::GridWorker => "grid_worker",
            Role::VillageCadre => "village_cadre",
            Role::TownshipDispatcher => "township_dispatcher",
            Role::DeptHandler => "dept_handler",
            Role::Supervisor => "supervisor",
            Role::Leader => "leader",
            Role::Admin => "admin",
            Role::UnitContact => "unit_contact",
            Role::Citizen => "citizen",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::STAFF.into_iter().chain([Role::Citizen]).find(|r| r.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::GridWorker => "网格员",
            Role::VillageCadre => "村(社区)干部",
            Role::TownshipDispatcher => "乡镇综治中心调度员",
            Role::DeptHandler => "部门承办人",
            Role::Supervisor => "督办员",
            Role::Leader => "领导(只读)",
            Role::Admin => "系统管理员",
            Role::UnitContact => "单位安全联络员",
            Role::Citizen => "群众",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::GridWorker => "Grid worker",
            Role::VillageCadre => "Village cadre",
            Role::TownshipDispatcher => "Township dispatcher",
            Role::DeptHandler => "Department handler",
            Role::Supervisor => "Supervisor",
            Role::Leader => "Leader (read-only)",
            Role::Admin => "Administrator",
            Role::UnitContact => "Unit safety contact",
            Role::Citizen => "Citizen",
        }
    }

    pub fn is_staff(self) -> bool {
        self != Role::Citizen
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A login name: 3–32 characters of ASCII letters, digits, '.', '_' or '-'.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim();
        if !(3..=32).contains(&s.len()) {
            return Err("用户名须为 3–32 个字符 / username must be 3–32 characters");
        }
        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) {
            return Err(
                "用户名只能包含字母、数字和 . _ - / username may contain letters, digits, '.', '_' and '-' only",
            );
        }
        Ok(Username(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Username::parse(&s)
    }
}

impl From<Username> for String {
    fn from(u: Username) -> String {
        u.0
    }
}

/// Password rule (DOMAIN §9: password rules): at least 10 characters with letters and digits.
pub fn check_password_strength(p: &str) -> Result<(), &'static str> {
    if p.chars().count() < 10 {
        return Err("密码至少 10 位 / password must have at least 10 characters");
    }
    if !p.chars().any(|c| c.is_ascii_alphabetic()) || !p.chars().any(|c| c.is_ascii_digit()) {
        return Err("密码须同时包含字母和数字 / password must contain letters and digits");
    }
    Ok(())
}

/// Hash a password with argon2id and a random salt, as a PHC string.
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail on a generated salt")
        .to_string()
}

/// Check a password against a stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2::Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id() {
        let h = hash_password("pingan2026demo");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("pingan2026demo", &h));
        assert!(!verify_password("pingan2026dem0", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::STAFF.into_iter().chain([Role::Citizen]) {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn usernames_and_passwords() {
        assert_eq!(Username::parse(" Admin.DZ ").unwrap().as_str(), "admin.dz");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("张三").is_err());
        assert!(check_password_strength("short1").is_err());
        assert!(check_password_strength("onlyletterslong").is_err());
        assert!(check_password_strength("pingan2026demo").is_ok());
    }
}
