//! 平安创建: safe-creation assessment (DOMAIN §6). Pure rules only.
//!
//! - [`template`]: the 平安单位 scorecard as data — the positive list (categories of tasks with
//!   their points), the negative list (event types with deductions by severity) and the veto
//!   list, each item naming the platform records that propose it — checked as a whole, with
//!   the default of 7 categories, 21 tasks, 36 negative event types and 4 veto items (100
//!   points, pass at 80);
//! - [`scoring`]: a unit's scores against a template: points, deductions, and the result
//!   (达标 / 不达标 / 取消资格);
//! - [`campaign`]: a yearly campaign's deadline and notice period;
//! - [`county`]: 四级联创 scoring of counties and townships by a formula kept as data;
//! - [`figures`]: application and acceptance rates;
//! - [`five_zero`]: 平安"五零"村(社区), each zero and the records that break it;
//! - [`industry`]: the competent department (主管部门) of each of the 34 industries;
//! - [`application`]: a unit's way through a campaign (申报 → 自评 → 审核 → 验收 → 公示 → 授牌,
//!   revocation), as a state machine;
//! - [`incident`]: the incident register's kinds and what a record proposes against a unit;
//! - [`sheet`]: a template as a workbook's sheets, read with every mistake named by sheet, row
//!   and column.
//!
//! Templates are versioned by the store, so last year's results keep last year's rules.

pub mod application;
pub mod campaign;
pub mod county;
pub mod figures;
pub mod five_zero;
pub mod incident;
pub mod industry;
pub mod scoring;
pub mod sheet;
pub mod template;

pub use application::{
    Application, ApplicationCommand, ApplicationEvent, ApplicationState, ItemScore, Relation, apply, decide,
};
pub use campaign::{CampaignDraft, CampaignKind, RawCampaign};
pub use incident::{IncidentDraft, IncidentKind, ListKind, ProposalSource, Proposed, RawIncident, propose};
pub use scoring::{Assessment, Outcome, ScoreResult, score};
pub use template::{Category, NegativeItem, Severity, Task, UnitTemplate, VetoItem};
