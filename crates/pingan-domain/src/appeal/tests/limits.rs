//! The time-limit policy as data, and its arithmetic.

use super::*;
use crate::calendar::{from_china, to_china};

#[test]
fn the_default_policy_is_complete_and_documented() {
    let p = TimeLimitPolicy::default();
    assert_eq!(p.check(), Ok(()));
    assert_eq!(p.rules.len(), 6);
    assert_eq!((p.extension_max_days, p.return_window_days, p.yellow_days_before), (10, 2, 1));
    for class in TimeLimitClass::ALL {
        let r = p.rule(class, Urgency::Urgent);
        assert_eq!(
            (r.dispatch, r.contact, r.resolve),
            (Limit::ClockHours(1), Limit::ClockHours(2), Limit::WorkingDays(5))
        );
    }
    assert_eq!(p.rule(TimeLimitClass::Utility, Urgency::Normal).dispatch, Limit::ClockHours(2));
    assert_eq!(p.rule(TimeLimitClass::Safety, Urgency::Normal).dispatch, Limit::ClockHours(24));
    assert_eq!(p.rule(TimeLimitClass::Standard, Urgency::Normal).dispatch, Limit::WorkingDays(1));
}

#[test]
fn the_policy_is_data_an_administrator_edits() {
    let mut p = TimeLimitPolicy::default();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains(r#""dispatch":{"unit":"clock_hours","n":1}"#), "{json}");
    let back: TimeLimitPolicy = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);

    // A city that counts the standard dispatch limit in working hours.
    let i = p.rules.iter().position(|r| r.class == TimeLimitClass::Standard && r.urgency == Urgency::Normal).unwrap();
    p.rules[i].dispatch = Limit::WorkingHours(8);
    let cal = WorkCalendar::shipped();
    // Friday 16:00: 1.5 hours on Friday, then 3.5 on Monday morning and 3 in the afternoon.
    let start = at(2025, 3, 7, 16, 0);
    let rule = p.rule(TimeLimitClass::Standard, Urgency::Normal);
    let d = p.deadline(DeadlineKind::Dispatch, rule.dispatch, start, &cal);
    assert_eq!(d.due, at(2025, 3, 10, 16, 30));
    assert_eq!(d.warn_at, start + (d.due - start) / 2, "hour limits warn at half time");

    // Checks: a missing pair, a duplicate, zero limits, a bad percentage.
    p.rules.remove(0);
    p.rules.push(p.rules[0]);
    p.rules[1].resolve = Limit::WorkingDays(0);
    p.extension_max_days = 0;
    p.hour_limit_yellow_percent = 100;
    let errors = p.check().unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        ["rules[1].resolve.n", "rules[5].urgency", "rules", "extension_max_days", "hour_limit_yellow_percent"],
        "{errors:?}"
    );
    assert!(errors[0].message.starts_with("第 2 行（水电气暖类、紧急）：办结时限须大于 0"), "{}", errors[0].message);
    assert!(errors[1].message.contains("安全隐患类、一般的规则已在第 1 行"), "{}", errors[1].message);
    assert!(errors[2].message.contains("缺少安全隐患类、紧急的规则"), "{}", errors[2].message);
    // A missing pair still answers, with the default.
    assert_eq!(p.rule(TimeLimitClass::Safety, Urgency::Urgent).dispatch, Limit::ClockHours(1));
}

#[test]
fn limits_in_each_clock() {
    let cal = WorkCalendar::shipped();
    let fri = at(2025, 3, 7, 16, 0);
    assert_eq!(Limit::ClockHours(24).due(fri, &cal), at(2025, 3, 8, 16, 0));
    assert_eq!(Limit::WorkingDays(1).due(fri, &cal), eod(2025, 3, 10));
    assert_eq!(Limit::WorkingHours(2).due(fri, &cal), at(2025, 3, 10, 9, 0));
    let ms = from_china(fri);
    assert_eq!(to_china(Limit::WorkingDays(5).due_ms(ms, &cal)), eod(2025, 3, 14));
    assert_eq!(Limit::ClockHours(u32::MAX).due(NaiveDateTime::MAX, &cal), NaiveDateTime::MAX);
    assert_eq!(
        (Limit::WorkingDays(5).zh(), Limit::ClockHours(2).en()),
        ("5个工作日".to_owned(), "2 hour(s)".to_owned())
    );
}

#[test]
fn yellow_cards_are_a_working_day_before_a_day_deadline() {
    let cal = WorkCalendar::shipped();
    let p = TimeLimitPolicy::default();
    // Due Monday: the warning is Friday's end, over the weekend.
    let d = p.deadline(DeadlineKind::Resolve, Limit::WorkingDays(5), at(2025, 3, 3, 9, 0), &cal);
    assert_eq!((d.warn_at, d.due), (eod(2025, 3, 7), eod(2025, 3, 10)));
    // Two days before, with a policy that says so.
    let p2 = TimeLimitPolicy { yellow_days_before: 2, ..TimeLimitPolicy::default() };
    let d = p2.deadline(DeadlineKind::Resolve, Limit::WorkingDays(5), at(2025, 3, 3, 9, 0), &cal);
    assert_eq!(d.warn_at, eod(2025, 3, 6));
    // Never before the start: a one-day limit warns from the start day's end at the earliest.
    let p9 = TimeLimitPolicy { yellow_days_before: 9, ..TimeLimitPolicy::default() };
    let d = p9.deadline(DeadlineKind::Dispatch, Limit::WorkingDays(1), at(2025, 3, 3, 9, 0), &cal);
    assert_eq!(d.warn_at, at(2025, 3, 3, 9, 0));
}

#[test]
fn the_return_window_and_shifts_use_working_days() {
    let cal = WorkCalendar::shipped();
    let p = TimeLimitPolicy::default();
    // Dispatched on the eve of the Spring Festival 2025 (Monday 27 January): Sunday the 26th
    // was worked already; the holiday runs 28 January to 4 February; then 5 February.
    assert_eq!(p.return_until(at(2025, 1, 27, 9, 0), &cal), eod(2025, 2, 6));
    let d = Deadline {
        kind: DeadlineKind::Resolve,
        start: at(2025, 1, 20, 9, 0),
        warn_at: eod(2025, 1, 24),
        due: eod(2025, 1, 27),
    };
    let s = d.shifted(2, &cal);
    // From Monday the 27th two working days on: 5 and 6 February; the warning from Friday the
    // 24th: Sunday the 26th (a make-up working day) and Monday the 27th.
    assert_eq!((s.warn_at, s.due, s.start), (eod(2025, 1, 27), eod(2025, 2, 6), d.start));
    assert_eq!(d.shifted(0, &cal), d);
}

#[test]
fn an_administrators_document_is_parsed_field_by_field() {
    let default = TimeLimitPolicy::default();
    let doc = serde_json::to_value(&default).unwrap();
    assert_eq!(TimeLimitPolicy::parse(&doc), Ok(default.clone()));
    // Forms send text: numbers as strings are read, blanks trimmed; Chinese names of the
    // class and urgency are understood.
    let mut text = doc.clone();
    text["extension_max_days"] = serde_json::json!(" 8 ");
    text["rules"][0]["class"] = serde_json::json!("安全隐患类");
    text["rules"][0]["resolve"]["n"] = serde_json::json!("3");
    let parsed = TimeLimitPolicy::parse(&text).unwrap();
    assert_eq!(parsed.extension_max_days, 8);
    assert_eq!(parsed.rules[0].resolve, Limit::WorkingDays(3));

    // Every mistake, each naming its field and row.
    let mut bad = doc.clone();
    bad["rules"][0]["dispatch"] = serde_json::json!({"unit": "fortnights", "n": 2});
    bad["rules"][1]["contact"]["n"] = serde_json::json!(-1);
    bad["rules"][2]["resolve"] = serde_json::json!({"unit": "working_days", "n": 61});
    bad["rules"][3]["resolve"] = serde_json::json!({"unit": "clock_hours", "n": 1.5});
    bad["rules"][4]["class"] = serde_json::json!("vip");
    bad["extension_max_days"] = serde_json::json!(11);
    bad["return_window_days"] = serde_json::json!("two");
    bad["yellow_days_before"] = serde_json::Value::Null;
    bad["hour_limit_yellow_percent"] = serde_json::json!(0);
    let errors = TimeLimitPolicy::parse(&bad).unwrap_err();
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "rules[0].dispatch.unit",
            "rules[1].contact.n",
            "rules[2].resolve.n",
            "rules[3].resolve.n",
            "rules[4].class",
            "extension_max_days",
            "return_window_days",
            "yellow_days_before",
            "hour_limit_yellow_percent",
        ],
        "{errors:?}"
    );
    assert!(errors[0].message.contains("fortnights"), "{}", errors[0].message);
    assert!(errors[2].message.contains("不能超过 60个工作日"), "{}", errors[2].message);
    assert!(errors[4].message.starts_with("第 5 行"), "{}", errors[4].message);
    assert!(errors[5].message.contains("最多 10 个工作日"), "{}", errors[5].message);
    // No "missing pair" noise when a row's own class is unreadable.
    assert!(!fields.contains(&"rules"));
    assert!(TimeLimitPolicy::parse(&serde_json::json!({"rules": "all of them"})).is_err());
    // Deserialising goes through the same parse.
    assert!(serde_json::from_value::<TimeLimitPolicy>(bad).is_err());
    assert_eq!(serde_json::from_value::<TimeLimitPolicy>(doc).unwrap(), default);
}
