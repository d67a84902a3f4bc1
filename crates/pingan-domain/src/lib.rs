//! Pingan's domain: the types and rules of each business area, free of I/O.
//!
//! Every value that enters the system from outside is parsed here into a type
//! that cannot hold an invalid state (parse, don't validate). The store and the
//! web layer trust these types and never re-check them.

pub mod access;
pub mod account;
pub mod appeal;
pub mod audit;
pub mod calendar;
pub mod forces;
pub mod geometry;
pub mod mediation;
pub mod org;
pub mod otp;
pub mod personal;
pub mod prepaid;
pub mod region;
pub mod safety;
pub mod task;

pub use access::{Action, Actor, Resource, Scope};
pub use account::Role;
pub use region::{RegionCode, RegionLevel};

/// A problem with one field of a submitted form, file row or JSON body,
/// phrased for the person who submitted it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError { field: field.into(), message: message.into() }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
