//! Appeal pages' shared wording: what each event says on a timeline.

use pingan_domain::appeal::event::DispatchVia;
use pingan_domain::appeal::{AppealEvent, EventKind};

/// One line of a case's timeline, in Chinese, for staff and residents alike.
pub fn event_zh(e: &AppealEvent) -> String {
    match &e.kind {
        EventKind::Received { channel, .. } => format!("受理({})", channel.zh()),
        EventKind::Reclassified { category, note, .. } => format!("调整类别为 {category}:{note}"),
        EventKind::Dispatched { why, via, .. } => {
            let verb = match via {
                DispatchVia::Dispatch => "派单",
                DispatchVia::Reassign => "改派",
                DispatchVia::Escalation => "吹哨上报",
            };
            format!("{verb}:{}", why.split(" / ").next().unwrap_or(why))
        }
        EventKind::Accepted { .. } => "承办单位已签收".into(),
        EventKind::Returned { reason, .. } => format!("退单:{reason}"),
        EventKind::ReturnUpheld { note } => format!("退单审核通过:{note}"),
        EventKind::ReturnRejected { note, .. } => format!("退单审核不通过,退回原单位:{note}"),
        EventKind::WorkStarted => "开始办理".into(),
        EventKind::CitizenContacted { note } => format!("已联系群众:{note}"),
        EventKind::ResultSubmitted { result } => format!("提交办理结果:{result}"),
        EventKind::Verified { passed: true, .. } => "核查通过,已办结".into(),
        EventKind::Verified { passed: false, note, .. } => format!("核查未通过,返工:{note}"),
        EventKind::CallbackRecorded { solved, satisfaction, comment } => format!(
            "回访:{},{}{}",
            if *solved { "已解决" } else { "未解决" },
            satisfaction.zh(),
            if comment.is_empty() { String::new() } else { format!("({comment})") }
        ),
        EventKind::Reopened { reason, .. } => format!("重新办理:{reason}"),
        EventKind::Archived { .. } => "归档".into(),
        EventKind::ExtensionRequested { days, reason } => format!("申请延期 {days} 个工作日:{reason}"),
        EventKind::ExtensionDecided { approved: true, days, .. } => format!("批准延期 {days} 个工作日"),
        EventKind::ExtensionDecided { approved: false, note, .. } => format!("不予延期:{note}"),
        EventKind::Suspended { reason } => format!("挂起:{reason}"),
        EventKind::Resumed { .. } => "恢复办理".into(),
        EventKind::SupervisionOrdered { reason, .. } => format!("督办:{}", reason.zh()),
        EventKind::Escalated { to_level, reason, .. } => format!("吹哨上报至{}级:{reason}", to_level.zh()),
        EventKind::Merged { primary_id, .. } => format!("并入诉求 {primary_id} 一并办理"),
        EventKind::Unmerged { reason, .. } => format!("取消并单:{reason}"),
        EventKind::ClosedWithPrimary { .. } => "随主诉求办结".into(),
        EventKind::TransferredOut { to, .. } => format!("已转{}", to.zh()),
        EventKind::HandedOver { reason, .. } => format!("首问责任移交:{reason}"),
        EventKind::InformationAdded { text } => format!("补充信息:{text}"),
    }
}
