use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Weekday};

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn at(date: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    date.and_hms_opt(h, m, 0).unwrap()
}

fn eod(date: NaiveDate) -> NaiveDateTime {
    date.and_time(END_OF_DAY)
}

fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |x| *x <= to)
}

fn cal() -> WorkCalendar {
    WorkCalendar::shipped()
}

// ---- the shipped data against the notices ----

#[test]
fn shipped_schedule_parses() {
    let entries = parse_schedule(SHIPPED_SCHEDULE).expect("data/holidays.txt parses");
    assert!(!entries.is_empty());
    let cal = cal();
    assert_eq!(cal.known_years().collect::<Vec<_>>(), [2025, 2026]);
    assert_eq!(cal.entries().count(), entries.len(), "no date is listed twice");
}

/// Name, first day, its weekday, last day, its weekday, days (共N天), make-up days with weekdays.
type Block<'a> = (&'a str, NaiveDate, Weekday, NaiveDate, Weekday, i64, &'a [(NaiveDate, Weekday)]);

/// Each block as the notices state it: first and last day with their weekdays (周X in the
/// notice), the day count (共N天), and the make-up working days with theirs.
#[test]
fn shipped_blocks_match_the_notices() {
    use Weekday::*;
    #[rustfmt::skip]
    let blocks: [Block; 13] = [
        // 国务院办公厅关于2025年部分节假日安排的通知, 2024-11-12
        ("元旦", d(2025, 1, 1), Wed, d(2025, 1, 1), Wed, 1, &[]),
        ("春节", d(2025, 1, 28), Tue, d(2025, 2, 4), Tue, 8, &[(d(2025, 1, 26), Sun), (d(2025, 2, 8), Sat)]),
        ("清明节", d(2025, 4, 4), Fri, d(2025, 4, 6), Sun, 3, &[]),
        ("劳动节", d(2025, 5, 1), Thu, d(2025, 5, 5), Mon, 5, &[(d(2025, 4, 27), Sun)]),
        ("端午节", d(2025, 5, 31), Sat, d(2025, 6, 2), Mon, 3, &[]),
        ("国庆节、中秋节", d(2025, 10, 1), Wed, d(2025, 10, 8), Wed, 8,
            &[(d(2025, 9, 28), Sun), (d(2025, 10, 11), Sat)]),
        // 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04
        ("元旦", d(2026, 1, 1), Thu, d(2026, 1, 3), Sat, 3, &[(d(2026, 1, 4), Sun)]),
        ("春节", d(2026, 2, 15), Sun, d(2026, 2, 23), Mon, 9, &[(d(2026, 2, 14), Sat), (d(2026, 2, 28), Sat)]),
        ("清明节", d(2026, 4, 4), Sat, d(2026, 4, 6), Mon, 3, &[]),
        ("劳动节", d(2026, 5, 1), Fri, d(2026, 5, 5), Tue, 5, &[(d(2026, 5, 9), Sat)]),
        ("端午节", d(2026, 6, 19), Fri, d(2026, 6, 21), Sun, 3, &[]),
        ("中秋节", d(2026, 9, 25), Fri, d(2026, 9, 27), Sun, 3, &[]),
        ("国庆节", d(2026, 10, 1), Thu, d(2026, 10, 7), Wed, 7, &[(d(2026, 9, 20), Sun), (d(2026, 10, 10), Sat)]),
    ];
    let cal = cal();
    let mut listed = 0;
    for (name, first, first_wd, last, last_wd, count, makeups) in blocks {
        assert_eq!((first.weekday(), last.weekday()), (first_wd, last_wd), "{name} {first}");
        assert_eq!((last - first).num_days() + 1, count, "{name} {first}");
        for day in days(first, last) {
            assert_eq!(cal.holiday_name(day), Some(name), "{day}");
            assert!(!cal.is_working_day(day), "{day}");
        }
        // The blocks are maximal: the days around them are not part of the same holiday.
        assert_ne!(cal.holiday_name(first.pred_opt().unwrap()), Some(name));
        assert_ne!(cal.holiday_name(last.succ_opt().unwrap()), Some(name));
        for &(day, wd) in makeups {
            assert_eq!(day.weekday(), wd, "{day}");
            assert_eq!(cal.day(day), Some(&DayKind::MakeupWorkday { name: name.to_owned() }));
            assert!(cal.is_working_day(day));
        }
        listed += count as usize + makeups.len();
    }
    assert_eq!(cal.entries().count(), listed, "the file lists nothing the notices do not");
}

#[test]
fn known_facts() {
    let cal = cal();
    assert!(cal.is_working_day(d(2025, 1, 26)), "Sunday, make-up day for 春节");
    assert!(cal.is_working_day(d(2025, 2, 8)), "Saturday, make-up day for 春节");
    for day in days(d(2025, 1, 28), d(2025, 2, 4)) {
        assert!(!cal.is_working_day(day), "{day}");
    }
    for day in days(d(2026, 2, 15), d(2026, 2, 23)) {
        assert!(!cal.is_working_day(day), "{day}");
    }
    assert!(cal.is_working_day(d(2026, 2, 14)));
    assert!(cal.is_working_day(d(2026, 2, 28)));
    assert!(cal.is_working_day(d(2026, 10, 8)), "Thursday after 国庆节 2026");
    assert!(cal.is_working_day(d(2026, 10, 10)), "Saturday, make-up day");
    assert!(!cal.is_working_day(d(2025, 10, 8)), "the 8-day 国庆节、中秋节 block of 2025");
    assert_eq!(cal.holiday_name(d(2025, 10, 8)), Some("国庆节、中秋节"));
    assert_eq!(cal.holiday_name(d(2026, 2, 14)), None, "a make-up day is no holiday");
    assert_eq!(cal.holiday_name(d(2026, 3, 7)), None, "a plain Saturday has no name");
    assert!(!cal.is_working_day(d(2026, 3, 7)));
    assert!(cal.is_working_day(d(2026, 3, 9)));
}

/// 248 working days in each year, not the 250 of earlier years: the 2024 revision of the
/// national holiday rules added 除夕 and May 2, making 13 statutory days.
///
/// 2025 starts on a Wednesday: 261 weekdays, 18 of them inside holiday blocks (元旦 1, 春节 6,
/// 清明节 1, 劳动节 3, 端午节 1, 国庆节、中秋节 6), plus 5 make-up days: 261 − 18 + 5 = 248.
/// 2026 starts on a Thursday: 261 weekdays, 19 inside blocks (元旦 2, 春节 6, 清明节 1, 劳动节 3,
/// 端午节 1, 中秋节 1, 国庆节 5), plus 6 make-up days: 261 − 19 + 6 = 248.
#[test]
fn working_days_per_year() {
    let cal = cal();
    for (year, expected) in [(2025, 248), (2026, 248)] {
        let (first, last) = (d(year, 1, 1), d(year, 12, 31));
        let counted = days(first, last).filter(|x| cal.is_working_day(*x)).count() as i64;
        assert_eq!(counted, expected, "{year}");
        let last_of_previous = first.pred_opt().unwrap();
        assert_eq!(cal.working_days_between(last_of_previous, last), expected, "{year}");
        let weekdays = days(first, last).filter(|x| x.weekday().num_days_from_monday() < 5).count();
        assert_eq!(weekdays, 261, "{year}");
    }
    // Unknown years are plain Monday–Friday.
    assert_eq!(cal.working_days_between(d(2026, 12, 31), d(2027, 12, 31)), 261);
}

// ---- deadlines in working days ----

#[test]
fn spring_festival_deadline() {
    // Filed Thu 2026-02-12, 5 working days: Feb 13 (Fri) 1, Feb 14 (Sat, make-up) 2,
    // Feb 15–23 holiday, Feb 24 3, Feb 25 4, Feb 26 5.
    let cal = cal();
    assert_eq!(cal.add_working_days(at(d(2026, 2, 12), 16, 20), 5), eod(d(2026, 2, 26)));
    // The time of filing does not matter: the start day is never counted.
    assert_eq!(cal.add_working_days(at(d(2026, 2, 12), 0, 0), 5), eod(d(2026, 2, 26)));
    // An extension of 10 more working days from that deadline: Sat Feb 28 (make-up) is one.
    assert_eq!(cal.add_working_days(eod(d(2026, 2, 26)), 10), eod(d(2026, 3, 11)));
    // Returning a case within 2 working days of Fri 2026-02-13: Sat 14 and Tue 24.
    assert_eq!(cal.add_working_days(at(d(2026, 2, 13), 9, 0), 2), eod(d(2026, 2, 24)));
}

#[test]
fn national_day_deadlines() {
    let cal = cal();
    // Wed 2026-09-30 + 5: Oct 1–7 off, Oct 8 1, Oct 9 2, Sat Oct 10 (make-up) 3, Oct 12 4, Oct 13 5.
    assert_eq!(cal.add_working_days(at(d(2026, 9, 30), 10, 0), 5), eod(d(2026, 10, 13)));
    // Fri 2026-09-18 + 2: Sun Sep 20 is a make-up day, Mon Sep 21.
    assert_eq!(cal.add_working_days(at(d(2026, 9, 18), 10, 0), 2), eod(d(2026, 9, 21)));
    // Thu 2026-09-24 + 1: Sep 25–27 is 中秋节, so Mon Sep 28.
    assert_eq!(cal.add_working_days(at(d(2026, 9, 24), 10, 0), 1), eod(d(2026, 9, 28)));
    // Tue 2025-09-30 + 5: Oct 1–8 off, Oct 9 1, Oct 10 2, Sat Oct 11 (make-up) 3, Oct 13 4, Oct 14 5.
    assert_eq!(cal.add_working_days(at(d(2025, 9, 30), 10, 0), 5), eod(d(2025, 10, 14)));
}

#[test]
fn new_year_deadlines() {
    let cal = cal();
    // Wed 2025-12-31 + 3: Jan 1–3 off, Sun Jan 4 (make-up) 1, Jan 5 2, Jan 6 3.
    assert_eq!(cal.add_working_days(at(d(2025, 12, 31), 15, 0), 3), eod(d(2026, 1, 6)));
    // Tue 2024-12-31 (2024 unknown, so plain) + 1: Jan 1 2025 is 元旦, so Thu Jan 2.
    assert_eq!(cal.add_working_days(at(d(2024, 12, 31), 15, 0), 1), eod(d(2025, 1, 2)));
}

#[test]
fn start_on_a_holiday() {
    let cal = cal();
    // Filed on 2026-02-17, the first day of the lunar year: the first working day after is Feb 24.
    assert_eq!(cal.add_working_days(at(d(2026, 2, 17), 11, 0), 1), eod(d(2026, 2, 24)));
    // Feb 24, 25, 26, 27 and the make-up Saturday Feb 28.
    assert_eq!(cal.add_working_days(at(d(2026, 2, 17), 11, 0), 5), eod(d(2026, 2, 28)));
    // n = 0: today if it is a working day, else the next one.
    assert_eq!(cal.add_working_days(at(d(2026, 2, 17), 11, 0), 0), eod(d(2026, 2, 24)));
    assert_eq!(cal.add_working_days(at(d(2026, 2, 14), 11, 0), 0), eod(d(2026, 2, 14)));
    assert_eq!(cal.add_working_days(at(d(2026, 3, 7), 11, 0), 0), eod(d(2026, 3, 9)));
}

#[test]
fn next_and_previous_working_day() {
    let cal = cal();
    assert_eq!(cal.next_working_day(d(2026, 2, 13)), d(2026, 2, 14));
    assert_eq!(cal.next_working_day(d(2026, 2, 14)), d(2026, 2, 24));
    assert_eq!(cal.previous_working_day(d(2026, 2, 24)), d(2026, 2, 14));
    assert_eq!(cal.previous_working_day(d(2026, 1, 5)), d(2026, 1, 4));
    assert_eq!(cal.previous_working_day(d(2026, 1, 4)), d(2025, 12, 31));
}

#[test]
fn yellow_card_one_working_day_before() {
    let cal = cal();
    assert_eq!(cal.warning_time(eod(d(2026, 2, 26))), eod(d(2026, 2, 25)));
    // Across the Spring Festival: the working day before Feb 24 is the make-up Saturday.
    assert_eq!(cal.warning_time(eod(d(2026, 2, 24))), eod(d(2026, 2, 14)));
    // A deadline in working hours keeps its clock time.
    assert_eq!(cal.warning_time(at(d(2026, 10, 8), 10, 15)), at(d(2026, 9, 30), 10, 15));
}

/// The reference the fast paths are checked against: walk day by day.
fn walk_add_days(cal: &WorkCalendar, start: NaiveDate, n: u32) -> NaiveDate {
    let mut day = start;
    let mut left = n;
    if n == 0 {
        while !cal.is_working_day(day) {
            day = day.succ_opt().unwrap();
        }
        return day;
    }
    while left > 0 {
        day = day.succ_opt().unwrap();
        if cal.is_working_day(day) {
            left -= 1;
        }
    }
    day
}

fn walk_between(cal: &WorkCalendar, a: NaiveDate, b: NaiveDate) -> i64 {
    let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
    sign * days(lo.succ_opt().unwrap(), hi).filter(|x| cal.is_working_day(*x)).count() as i64
}

#[test]
fn deadline_properties_over_2025_and_2026() {
    let cal = cal();
    // From late 2024 (unknown) into 2027 (unknown), so the edges of the data are crossed too.
    for start in days(d(2024, 12, 1), d(2027, 1, 31)) {
        let mut previous: Option<NaiveDateTime> = None;
        for n in 0..=25 {
            let deadline = cal.add_working_days(at(start, 14, 0), n);
            assert_eq!(deadline.time(), END_OF_DAY);
            assert!(cal.is_working_day(deadline.date()), "{start} + {n} = {deadline}");
            assert_eq!(deadline.date(), walk_add_days(&cal, start, n), "{start} + {n}");
            if let Some(before) = previous {
                // Strictly later, except that on a rest day "today" (n = 0) and one working
                // day both mean the next working day.
                if n == 1 && !cal.is_working_day(start) {
                    assert_eq!(deadline, before, "{start} + {n}");
                } else {
                    assert!(deadline > before, "{start} + {n}");
                }
            }
            if n > 0 || cal.is_working_day(start) {
                assert_eq!(cal.working_days_between(start, deadline.date()), i64::from(n), "{start} + {n}");
            }
            if n > 0 {
                // The yellow card shows with exactly one working day left.
                let warning = cal.warning_time(deadline);
                assert!(warning < deadline && cal.is_working_day(warning.date()));
                assert_eq!(cal.working_days_between(warning.date(), deadline.date()), 1);
            }
            previous = Some(deadline);
        }
    }
}

#[test]
fn working_days_between_matches_a_walk() {
    let cal = cal().with_overrides([DayEntry::holiday(d(2027, 1, 1), "元旦")]);
    let starts: Vec<NaiveDate> = days(d(2024, 12, 20), d(2027, 1, 10)).step_by(5).collect();
    for (i, &a) in starts.iter().enumerate() {
        // A deterministic spread of spans, forward and backward, up to about 400 days.
        for k in [0usize, 1, 2, 3, 7, 13, 29, 61, 83] {
            let b = starts[(i * 7 + k * 11) % starts.len()];
            assert_eq!(cal.working_days_between(a, b), walk_between(&cal, a, b), "{a} → {b}");
        }
    }
    assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 2, 13)), 0);
    assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 2, 24)), 2);
    assert_eq!(cal.working_days_between(d(2026, 2, 24), d(2026, 2, 13)), -2);
}

#[test]
fn weekday_index_counts_monday_to_friday() {
    // Including dates before the Common Era, where the day count is negative.
    for base in [d(-400, 3, 1), d(1, 1, 1), d(1970, 1, 1), d(2026, 6, 1)] {
        for span in 0..30 {
            let end = base + TimeDelta::days(span);
            let walked = days(base.succ_opt().unwrap(), end).filter(|x| x.weekday().num_days_from_monday() < 5);
            assert_eq!(weekday_index(end) - weekday_index(base), walked.count() as i64, "{base} + {span}");
        }
    }
}

#[test]
fn huge_limits_saturate_instead_of_hanging() {
    let cal = cal();
    let start = at(d(2026, 5, 6), 9, 0);
    assert_eq!(cal.add_working_days(start, u32::MAX), NaiveDateTime::MAX);
    assert_eq!(cal.add_working_hours(start, u32::MAX), NaiveDateTime::MAX);
    // About 9.5 million working days of 7.5 hours: some 36,600 years on, computed at once.
    let minutes = cal.add_working_minutes(start, u32::MAX);
    assert_eq!(minutes.year(), 38_610);
    assert_eq!(
        cal.working_days_between(start.date(), minutes.date()),
        i64::from(u32::MAX / 450),
        "the rest of the start day plus whole days of 450 minutes, the last one partly"
    );
    // Large but representable: 5,000 working days beyond the data are exactly 1,000 weeks.
    let far = cal.add_working_days(at(d(2030, 1, 7), 9, 0), 5_000);
    assert_eq!(far.date(), d(2030, 1, 7) + TimeDelta::weeks(1_000));
    assert_eq!(cal.next_working_day(NaiveDate::MAX), NaiveDate::MAX);
    assert_eq!(cal.previous_working_day(NaiveDate::MIN), NaiveDate::MIN);
}

// ---- working hours ----

#[test]
fn working_hours_cases() {
    let cal = cal();
    // Fri 2026-03-06 17:00 + 1 h: 30 min left today, the rest on Monday from 08:30.
    assert_eq!(cal.add_working_hours(at(d(2026, 3, 6), 17, 0), 1), at(d(2026, 3, 9), 9, 0));
    // Fri 2026-02-13 17:00 + 1 h: the next working day is the make-up Saturday.
    assert_eq!(cal.add_working_hours(at(d(2026, 2, 13), 17, 0), 1), at(d(2026, 2, 14), 9, 0));
    // Sat 2026-02-14 17:00 + 1 h: then the Spring Festival, back on Feb 24.
    assert_eq!(cal.add_working_hours(at(d(2026, 2, 14), 17, 0), 1), at(d(2026, 2, 24), 9, 0));
    // The lunch break is skipped.
    assert_eq!(cal.add_working_hours(at(d(2026, 3, 10), 11, 30), 1), at(d(2026, 3, 10), 14, 0));
    assert_eq!(cal.add_working_minutes(at(d(2026, 3, 10), 12, 40), 30), at(d(2026, 3, 10), 14, 0));
    // Before hours: counting starts at 08:30.
    assert_eq!(cal.add_working_hours(at(d(2026, 3, 10), 7, 0), 1), at(d(2026, 3, 10), 9, 30));
    assert_eq!(cal.add_working_minutes(at(d(2026, 3, 10), 7, 0), 0), at(d(2026, 3, 10), 8, 30));
    // A limit that runs out at noon is due at noon, not after lunch.
    assert_eq!(cal.add_working_minutes(at(d(2026, 3, 10), 8, 30), 210), at(d(2026, 3, 10), 12, 0));
    assert_eq!(cal.add_working_minutes(at(d(2026, 3, 10), 12, 0), 0), at(d(2026, 3, 10), 13, 30));
    // 24 working hours from Monday 08:30: three 7.5-hour days, then 1.5 hours on Thursday.
    assert_eq!(cal.add_working_hours(at(d(2026, 3, 9), 8, 30), 24), at(d(2026, 3, 12), 10, 0));
    // Seconds are kept.
    let odd = d(2026, 3, 10).and_hms_opt(10, 0, 17).unwrap();
    assert_eq!(cal.add_working_minutes(odd, 5), d(2026, 3, 10).and_hms_opt(10, 5, 17).unwrap());
}

/// Reference: advance minute by minute through working time (starts are on whole minutes).
fn walk_minutes(cal: &WorkCalendar, start: NaiveDateTime, minutes: u32) -> NaiveDateTime {
    let hours = cal.working_hours();
    let working = |t: NaiveDateTime| {
        cal.is_working_day(t.date())
            && [hours.morning(), hours.afternoon()].iter().any(|(s, e)| t.time() >= *s && t.time() < *e)
    };
    let mut t = start;
    let mut left = minutes;
    loop {
        while !working(t) {
            t += TimeDelta::minutes(1);
        }
        if left == 0 {
            return t;
        }
        // Consume the minute starting at t; the last one ends the limit where it ends, even
        // when that is the end of a period.
        t += TimeDelta::minutes(1);
        left -= 1;
        if left == 0 {
            return t;
        }
    }
}

#[test]
fn working_minutes_match_a_walk() {
    let cal = cal();
    let starts = [
        at(d(2026, 2, 12), 16, 45),
        at(d(2026, 2, 13), 11, 50),
        at(d(2026, 2, 14), 6, 0),
        at(d(2026, 2, 20), 10, 0),
        at(d(2026, 9, 30), 17, 10),
        at(d(2025, 12, 31), 12, 30),
        at(d(2026, 3, 10), 8, 30),
        at(d(2026, 3, 10), 17, 30),
    ];
    for start in starts {
        for minutes in [0u32, 1, 7, 30, 60, 119, 210, 211, 449, 450, 451, 900, 1_440, 4_000] {
            let got = cal.add_working_minutes(start, minutes);
            assert_eq!(got, walk_minutes(&cal, start, minutes), "{start} + {minutes} min");
            assert!(cal.add_working_minutes(start, minutes + 1) > got);
        }
    }
}

#[test]
fn custom_working_hours() {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let summer = WorkingHours::new((t(8, 30), t(12, 0)), (t(14, 0), t(18, 0))).unwrap();
    assert_eq!(summer.per_day(), TimeDelta::minutes(450));
    let cal = cal().with_working_hours(summer);
    assert_eq!(cal.add_working_hours(at(d(2026, 7, 1), 11, 30), 1), at(d(2026, 7, 1), 14, 30));
    assert!(WorkingHours::new((t(12, 0), t(8, 30)), (t(14, 0), t(18, 0))).is_err());
    assert!(WorkingHours::new((t(8, 30), t(14, 30)), (t(14, 0), t(18, 0))).is_err());
    assert_eq!(WorkingHours::default().per_day(), TimeDelta::minutes(450));

    let json = serde_json::to_string(&WorkingHours::default()).unwrap();
    assert_eq!(json, r#"{"morning":["08:30:00","12:00:00"],"afternoon":["13:30:00","17:30:00"]}"#);
    assert_eq!(serde_json::from_str::<WorkingHours>(&json).unwrap(), WorkingHours::default());
    let bad = r#"{"morning":["12:00:00","08:30:00"],"afternoon":["13:30:00","17:30:00"]}"#;
    assert!(serde_json::from_str::<WorkingHours>(bad).is_err());
}

// ---- administrators' overrides and missing years ----

#[test]
fn an_override_replaces_the_shipped_day() {
    let shipped = cal();
    // Say the city cancels the make-up Saturday after the Spring Festival's eve.
    let cal = cal().with_overrides([DayEntry::holiday(d(2026, 2, 14), "春节")]);
    assert!(!cal.is_working_day(d(2026, 2, 14)));
    assert_eq!(cal.holiday_name(d(2026, 2, 14)), Some("春节"));
    assert_eq!(shipped.add_working_days(at(d(2026, 2, 12), 9, 0), 5), eod(d(2026, 2, 26)));
    assert_eq!(cal.add_working_days(at(d(2026, 2, 12), 9, 0), 5), eod(d(2026, 2, 27)));
    assert_eq!(cal.working_days_between(d(2025, 12, 31), d(2026, 12, 31)), 247);
    // And an override the other way: a weekday holiday becomes a working day.
    let cal = cal.with_overrides([DayEntry::makeup_workday(d(2026, 2, 16), "春节")]);
    assert!(cal.is_working_day(d(2026, 2, 16)));
    assert_eq!(cal.add_working_days(at(d(2026, 2, 13), 9, 0), 1), eod(d(2026, 2, 16)));
}

#[test]
fn from_entries_last_one_wins() {
    let cal = WorkCalendar::from_entries([
        DayEntry::holiday(d(2030, 5, 1), "劳动节"),
        DayEntry::makeup_workday(d(2030, 5, 1), "劳动节"),
    ]);
    assert!(cal.is_working_day(d(2030, 5, 1)));
    assert_eq!(cal.known_years().collect::<Vec<_>>(), [2030]);
    assert!(WorkCalendar::from_entries([]).is_working_day(d(2026, 2, 16)), "an empty calendar is plain");
}

#[test]
fn missing_year_warnings() {
    let cal = cal();
    assert!(cal.is_known(2026) && !cal.is_known(2027));
    assert_eq!(cal.missing_year_warning(d(2026, 10, 31)), None);
    let november = cal.missing_year_warning(d(2026, 11, 1)).expect("2027 is missing");
    assert!(november.contains("2027年") && november.contains("The 2027 statutory holiday schedule"), "{november}");
    assert!(cal.missing_year_warning(d(2026, 12, 31)).is_some());
    // In the year itself the warning stays up all year, saying how deadlines are counted.
    let during = cal.missing_year_warning(d(2027, 3, 1)).expect("2027 is missing");
    assert!(during.contains("Monday to Friday"), "{during}");
    // November of an unknown year: both years are named.
    let both = cal.missing_year_warning(d(2027, 11, 2)).unwrap();
    assert!(both.contains("2027") && both.contains("2028"), "{both}");

    let with_2027 = cal.with_overrides([DayEntry::holiday(d(2027, 1, 1), "元旦")]);
    assert_eq!(with_2027.missing_year_warning(d(2026, 11, 15)), None);
    assert_eq!(with_2027.known_years().collect::<Vec<_>>(), [2025, 2026, 2027]);
}

#[test]
fn unknown_years_are_monday_to_friday() {
    let cal = cal();
    assert!(!cal.is_known(2030));
    // 2030-10-01 is a Tuesday: a working day until someone enters the 2030 schedule.
    assert!(cal.is_working_day(d(2030, 10, 1)));
    assert!(!cal.is_working_day(d(2030, 10, 5)));
    assert_eq!(cal.add_working_days(at(d(2030, 10, 4), 9, 0), 1), eod(d(2030, 10, 7)));
}

#[test]
fn day_entries_as_json() {
    let entry = DayEntry::makeup_workday(d(2026, 2, 14), "春节");
    let json = serde_json::to_string(&entry).unwrap();
    assert_eq!(json, r#"{"date":"2026-02-14","kind":"makeup_workday","name":"春节"}"#);
    assert_eq!(serde_json::from_str::<DayEntry>(&json).unwrap(), entry);
    let holiday: DayEntry = serde_json::from_str(r#"{"date":"2026-10-01","kind":"holiday","name":"国庆节"}"#).unwrap();
    assert_eq!(holiday, DayEntry::holiday(d(2026, 10, 1), "国庆节"));
}

// ---- the schedule format ----

#[test]
fn schedule_format() {
    let text = "# comment\n\n2027-01-01..2027-01-03 holiday 元旦   # trailing comment\n2027-01-10 workday 元旦\n";
    let entries = parse_schedule(text).unwrap();
    assert_eq!(
        entries,
        [
            DayEntry::holiday(d(2027, 1, 1), "元旦"),
            DayEntry::holiday(d(2027, 1, 2), "元旦"),
            DayEntry::holiday(d(2027, 1, 3), "元旦"),
            DayEntry::makeup_workday(d(2027, 1, 10), "元旦"),
        ]
    );

    let error = |text: &str| parse_schedule(text).unwrap_err();
    assert_eq!(error("# ok\n2027-13-01 holiday 元旦").line, 2);
    assert!(error("2027-01-01 holiday").message.contains("expected"));
    assert!(error("2027-01-01 holiday 元旦 extra").message.contains("expected"));
    assert!(error("2027-01-01 rest 元旦").message.contains("unknown kind"));
    assert!(error("2027-01-05 workday 元旦").message.contains("already a working day"), "a Tuesday");
    assert!(error("2027-01-03..2027-01-01 holiday 元旦").message.contains("ends before"));
    assert!(error("2027-01-01..2028-01-03 holiday 元旦").message.contains("spans"));
    assert_eq!(error("\n\n2027-02-30 holiday 春节").to_string().split(':').next(), Some("line 3"));
}

// ---- time zone ----

#[test]
fn china_time_conversions() {
    assert_eq!(to_china(0), at(d(1970, 1, 1), 8, 0));
    // 2026-02-12 16:00 UTC is midnight in China.
    let ms = from_china(at(d(2026, 2, 13), 0, 0));
    assert_eq!(ms, 1_770_912_000_000);
    assert_eq!(to_china(ms), at(d(2026, 2, 13), 0, 0));
    let deadline = eod(d(2026, 2, 26));
    assert_eq!(to_china(from_china(deadline)), deadline);
    assert_eq!(from_china(deadline) % 1000, 999);
    assert_eq!(to_china(i64::MAX), NaiveDateTime::MAX);
    assert_eq!(to_china(i64::MIN), NaiveDateTime::MIN);
}
