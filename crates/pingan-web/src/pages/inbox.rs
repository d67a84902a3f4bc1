//! `/inbox`: a staff member's notices (新派单, 黄牌预警, 督办, 高风险纠纷预警, 回访和司法确认提醒),
//! newest first, each linking to its case, and marking them read.

use super::{PageActor, Ui, render};
use crate::AppState;
use crate::error::PageResult;
use crate::i18n::Lang;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use pingan_domain::calendar::to_china;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/inbox", get(inbox_page)).route("/inbox/read", post(read_submit))
}

/// What a notice is, for people; the code itself for a kind this page does not know yet.
fn kind_label(kind: &str, lang: Lang) -> String {
    let (zh, en) = match kind {
        "appeal.assigned" => ("新派单", "New assignment"),
        "appeal.received" => ("诉求已受理", "Appeal received"),
        "appeal.transferred" => ("转办", "Transferred"),
        "appeal.overdue" | "appeal.yellow_card" => ("黄牌预警", "Yellow-card warning"),
        "appeal.supervised" => ("督办", "Supervision order"),
        "appeal.closed" => ("已办结", "Closed"),
        "appeal.reopened" => ("重新办理", "Reopened"),
        "mediation_high_risk" => ("高风险纠纷预警", "High-risk dispute"),
        "mediation_follow_up" => ("履行回访提醒", "Follow-up visit due"),
        "mediation_judicial_window" => ("司法确认期限提醒", "Judicial window closing"),
        "task_assigned" => ("新交办任务", "Task assigned"),
        "task_overdue" => ("任务逾期", "Task overdue"),
        "task_supervised" => ("任务督办", "Task supervision order"),
        "task_reported" => ("任务报结待核验", "Task reported done"),
        "task_rejected" => ("任务退回重办", "Task sent back"),
        other => return other.to_owned(),
    };
    match lang {
        Lang::Zh => zh.to_owned(),
        Lang::En => en.to_owned(),
    }
}

struct NoticeRow {
    at: String,
    kind: String,
    text: String,
    link: Option<(String, String)>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    ui: Ui,
    rows: Vec<NoticeRow>,
    unread: i64,
    /// The newest notice shown: marking read stops there, so one that arrives meanwhile stays
    /// unread.
    newest: i64,
}

async fn inbox_page(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    headers: HeaderMap,
) -> PageResult<Html<String>> {
    let ui = Ui::for_actor(&headers, &current);
    let inbox = state.store.notifications_for(&current.actor, 200).await?;
    let newest = inbox.items.first().map_or(0, |n| n.id);
    let rows = inbox
        .items
        .into_iter()
        .map(|n| NoticeRow {
            at: to_china(n.created_ms).format("%Y-%m-%d %H:%M").to_string(),
            kind: kind_label(&n.kind, ui.lang),
            link: match (n.appeal_id, n.mediation_case_id, n.task_id) {
                (_, _, Some(t)) => Some((format!("/tasks/{t}"), format!("#{t}"))),
                (_, Some(m), None) => Some((format!("/mediation/{m}"), format!("#{m}"))),
                (Some(a), None, None) => {
                    Some((format!("/appeals/{a}"), n.tracking_code.unwrap_or_else(|| format!("#{a}"))))
                }
                (None, None, None) => None,
            },
            text: n.text,
            unread: n.unread,
        })
        .collect();
    render(InboxPage { rows, unread: inbox.unread, newest, ui })
}

/// Mark everything read up to the newest notice the page showed.
async fn read_submit(
    State(state): State<AppState>,
    PageActor(current): PageActor,
    axum::Form(form): axum::Form<BTreeMap<String, String>>,
) -> PageResult<Response> {
    current.check_csrf(form.get("_csrf").map(String::as_str))?;
    let up_to = form.get("up_to_id").and_then(|v| v.parse().ok());
    let now = chrono::Utc::now().timestamp_millis();
    state.store.mark_notifications_read(&current.actor, up_to, now).await.map_err(crate::error::AppError::from)?;
    Ok(Redirect::to("/inbox").into_response())
}
