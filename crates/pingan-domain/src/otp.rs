//! One-time sign-in codes for citizens (群众手机验证码登录).

use sha2::{Digest, Sha256};

/// How codes behave. *(configurable default)*
#[derive(Debug, Clone, Copy)]
pub struct OtpPolicy {
    /// A code is valid this long after it is sent.
    pub ttl_ms: i64,
    /// A phone may ask for a new code this often.
    pub resend_ms: i64,
    /// Wrong guesses allowed per code before it is void.
    pub max_attempts: i64,
}

impl Default for OtpPolicy {
    fn default() -> Self {
        OtpPolicy { ttl_ms: 5 * 60 * 1000, resend_ms: 60 * 1000, max_attempts: 5 }
    }
}

/// A random 6-digit code.
pub fn generate_code() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// Codes are stored only as a hash bound to the phone number.
pub fn code_hash(phone: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(phone.as_bytes());
    h.update(b":");
    h.update(code.trim().as_bytes());
    hex_lower(&h.finalize())
}

/// A citizen's username: derived from the phone number without revealing it,
/// since usernames appear in audit lists.
pub fn citizen_username(phone: &str) -> String {
    let digest = Sha256::digest(format!("pingan-citizen:{phone}").as_bytes());
    format!("c.{}", &hex_lower(&digest)[..16])
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashes_bind_the_phone() {
        for _ in 0..100 {
            let c = generate_code();
            assert_eq!(c.len(), 6);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_ne!(code_hash("13800138000", "123456"), code_hash("13800138001", "123456"));
        assert_eq!(code_hash("13800138000", " 123456 "), code_hash("13800138000", "123456"));
        let u = citizen_username("13800138000");
        assert!(u.starts_with("c.") && !u.contains("138001"));
        assert!(crate::account::Username::parse(&u).is_ok());
    }
}
