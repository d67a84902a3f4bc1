//! 平安创建: safe-creation assessment (DOMAIN §6). Pure rules only.
//!
//! - [`template`]: the 平安单位 scorecard as data — the positive list (categories of tasks with
//!   their points), the negative list (event types with deductions by severity) and the veto
//!   list — checked as a whole, with the default of 7 categories, 21 tasks, 36 negative event
//!   types and 4 veto items (100 points, pass at 80);
//! - [`scoring`]: a unit's scores against a template: points, deductions, and the result
//!   (达标 / 不达标 / 取消资格).
//!
//! Templates are versioned by the store, so last year's results keep last year's rules.

pub mod scoring;
pub mod template;

pub use scoring::{Assessment, Outcome, ScoreResult, score};
pub use template::{Category, NegativeItem, Severity, Task, UnitTemplate, VetoItem};
