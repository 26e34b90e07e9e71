//! AWS Backup schedule expressions: a complete parser of AWS's `rate(...)`
//! and six-field `cron(...)` dialect, and the worst-case gap (the longest
//! time between two runs) of one schedule or of several together, which is
//! what frequency and staleness checks compare.
//!
//! `cron(minutes hours day-of-month month day-of-week year)` in UTC, as AWS
//! documents it: `*`, `?` (day fields), lists `a,b`, ranges `a-b` (a range
//! whose end is below its start wraps around), steps `a/b`, `*/b`, `a-b/c`,
//! `L` (last day of the month; `dL` in day-of-week: the last weekday `d` of
//! the month; `L` alone in day-of-week: Saturday), `LW` (last weekday of the
//! month), `nW` (the weekday nearest day `n`, within the month), `d#n` (the
//! `n`-th weekday `d` of the month), month names `JAN`-`DEC` and day names
//! `SUN`-`SAT` (1 = Sunday). Day-of-month and day-of-week cannot both be
//! restricted. `rate(N minute|minutes|hour|hours|day|days)`.
//!
//! Gaps are found by walking every day of an eight-year window from the scan
//! year (two leap years, every weekday on every date), counting the time
//! from the window's start to the first run and from the last run to the
//! window's end too, so a schedule that stops (a `year` field) or never runs
//! shows a gap of years.

use chrono::{Datelike, NaiveDate, Weekday};

/// Minutes in a day.
const DAY: i64 = 24 * 60;
/// Years simulated from the scan year.
const WINDOW_YEARS: i32 = 8;
/// Years AWS accepts in the `year` field.
const YEARS: (u32, u32) = (1970, 2199);

/// Why a schedule expression cannot be interpreted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("schedule {expr:?} cannot be interpreted: {reason}")]
pub struct ScheduleError {
    /// The expression as written.
    pub expr: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A parsed schedule expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `rate(...)`: every this many minutes (phase unknown: it counts from
    /// the rule's creation).
    Rate(i64),
    /// `cron(...)`.
    Cron(Box<Cron>),
}

/// The six fields of a cron expression, as value sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    /// Minutes of the day at which it runs on a matching day, sorted.
    day_minutes: Vec<i64>,
    days: DaySpec,
    /// Index = month (1-12).
    months: Vec<bool>,
    /// Index = year - 1970.
    years: Vec<bool>,
}

/// Which days of a month match.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DaySpec {
    /// `?` / `*` in both day fields.
    Any,
    /// Day-of-month items.
    Month(Vec<DomItem>),
    /// Day-of-week items.
    Week(Vec<DowItem>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DomItem {
    /// Days 1-31 (index = day).
    Days(Vec<bool>),
    /// `L`.
    Last,
    /// `LW`.
    LastWeekday,
    /// `nW`.
    NearestWeekday(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum DowItem {
    /// Days 1-7 (index = day, 1 = Sunday).
    Days(Vec<bool>),
    /// `dL`: the last weekday `d` of the month.
    LastOf(u32),
    /// `d#n`: the `n`-th weekday `d` of the month.
    Nth(u32, u32),
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl std::str::FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(expr: &str) -> Result<Self, Self::Err> {
        let err = |reason: String| ScheduleError {
            expr: expr.to_owned(),
            reason,
        };
        let t = expr.trim();
        let body = |prefix: &str| {
            t.get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .and_then(|_| t[prefix.len()..].strip_suffix(')'))
        };
        if let Some(b) = body("rate(") {
            parse_rate(b).map(Schedule::Rate).map_err(err)
        } else if let Some(b) = body("cron(") {
            parse_cron(b)
                .map(|c| Schedule::Cron(Box::new(c)))
                .map_err(err)
        } else {
            Err(err("not rate(...) or cron(...)".into()))
        }
    }
}

fn parse_rate(body: &str) -> Result<i64, String> {
    let parts: Vec<&str> = body.split_whitespace().collect();
    let [n, unit] = parts[..] else {
        return Err("rate needs a number and a unit".into());
    };
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("rate value {n:?} is not a positive whole number"))?;
    let per = match unit.to_ascii_lowercase().as_str() {
        "minute" | "minutes" => 1,
        "hour" | "hours" => 60,
        "day" | "days" => DAY,
        other => return Err(format!("unknown rate unit {other:?}")),
    };
    n.checked_mul(per).ok_or_else(|| "rate too large".into())
}

fn parse_cron(body: &str) -> Result<Cron, String> {
    let f: Vec<&str> = body.split_whitespace().collect();
    let [min, hour, dom, month, dow, year] = f[..] else {
        return Err(format!("cron needs 6 fields, found {}", f.len()));
    };
    let minutes = value_set(min, 0, 59, &[]).map_err(|e| format!("minutes: {e}"))?;
    let hours = value_set(hour, 0, 23, &[]).map_err(|e| format!("hours: {e}"))?;
    let mut day_minutes = Vec::new();
    for h in (0..24).filter(|h| hours[*h]) {
        for m in (0..60).filter(|m| minutes[*m]) {
            day_minutes.push(i64::try_from(h * 60 + m).unwrap_or(0));
        }
    }
    let is_any = |x: &str| x == "*" || x == "?";
    let days = match (is_any(dom), is_any(dow)) {
        (true, true) => DaySpec::Any,
        (false, true) => DaySpec::Month(
            dom.split(',')
                .map(dom_item)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("day-of-month: {e}"))?,
        ),
        (true, false) => DaySpec::Week(
            dow.split(',')
                .map(dow_item)
                .collect::<Result<_, _>>()
                .map_err(|e| format!("day-of-week: {e}"))?,
        ),
        (false, false) => {
            return Err("day-of-month and day-of-week are both set (one must be ?)".into())
        }
    };
    let months = value_set(month, 1, 12, &MONTHS).map_err(|e| format!("month: {e}"))?;
    let years = value_set(year, YEARS.0, YEARS.1, &[]).map_err(|e| format!("year: {e}"))?;
    Ok(Cron {
        day_minutes,
        days,
        months,
        years: years[YEARS.0 as usize..].to_vec(),
    })
}

/// The values of a field (`*`, lists, ranges, steps, names) as a table
/// indexed by value (size `max + 1`); an empty set is an error.
fn value_set(field: &str, min: u32, max: u32, names: &[&str]) -> Result<Vec<bool>, String> {
    let mut set = vec![false; max as usize + 1];
    for item in field.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let s: u32 = s
                    .parse()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("step {s:?} is not a positive number"))?;
                (r, s)
            }
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, min, max, names)?, value(b, min, max, names)?)
        } else {
            let v = value(range, min, max, names)?;
            // `a/b` runs from a to the end of the range.
            (v, if item.contains('/') { max } else { v })
        };
        // A range whose end is below its start wraps around.
        let span = if hi >= lo {
            hi - lo
        } else {
            max - lo + 1 + hi - min
        };
        let mut k = 0;
        while k <= span {
            let v = lo + k;
            let v = if v > max { v - (max - min + 1) } else { v };
            set[v as usize] = true;
            k += step;
        }
    }
    if set.iter().any(|b| *b) {
        Ok(set)
    } else {
        Err(format!("{field:?} selects nothing"))
    }
}

/// One value: a number in `min..=max` or a name (`JAN` = 1, `SUN` = 1).
fn value(text: &str, min: u32, max: u32, names: &[&str]) -> Result<u32, String> {
    let v = match names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        Some(p) => u32::try_from(p + 1).map_err(|e| e.to_string())?,
        None => text
            .parse()
            .map_err(|_| format!("{text:?} is not a valid value"))?,
    };
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is outside {min}-{max}"))
    }
}

fn dom_item(item: &str) -> Result<DomItem, String> {
    let upper = item.to_ascii_uppercase();
    match upper.as_str() {
        "L" => Ok(DomItem::Last),
        "LW" => Ok(DomItem::LastWeekday),
        _ => match upper.strip_suffix('W') {
            Some(n) => Ok(DomItem::NearestWeekday(value(n, 1, 31, &[])?)),
            None => Ok(DomItem::Days(value_set(item, 1, 31, &[])?)),
        },
    }
}

fn dow_item(item: &str) -> Result<DowItem, String> {
    let upper = item.to_ascii_uppercase();
    if upper == "L" {
        // Quartz: `L` alone is the last day of the week, Saturday.
        return Ok(DowItem::Days((0..8).map(|d| d == 7).collect()));
    }
    if let Some(d) = upper.strip_suffix('L') {
        return Ok(DowItem::LastOf(value(d, 1, 7, &DAYS)?));
    }
    if let Some((d, n)) = upper.split_once('#') {
        return Ok(DowItem::Nth(value(d, 1, 7, &DAYS)?, value(n, 1, 5, &[])?));
    }
    Ok(DowItem::Days(value_set(item, 1, 7, &DAYS)?))
}

fn days_in_month(date: NaiveDate) -> u32 {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(28, |d| d.day())
}

fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The weekday nearest day `n` of `date`'s month, within the month (None
/// when the month has no day `n`).
fn nearest_weekday(date: NaiveDate, n: u32) -> Option<u32> {
    let last = days_in_month(date);
    let d = date.with_day(n)?;
    Some(match d.weekday() {
        Weekday::Sat if n == 1 => 3,
        Weekday::Sat => n - 1,
        Weekday::Sun if n == last => n - 2,
        Weekday::Sun => n + 1,
        _ => n,
    })
}

impl Cron {
    fn runs_on(&self, date: NaiveDate) -> bool {
        let year_ok = u32::try_from(date.year())
            .ok()
            .and_then(|y| y.checked_sub(YEARS.0))
            .and_then(|i| self.years.get(i as usize).copied())
            .unwrap_or(false);
        if !year_ok || !self.months[date.month() as usize] {
            return false;
        }
        let (day, last) = (date.day(), days_in_month(date));
        match &self.days {
            DaySpec::Any => true,
            DaySpec::Month(items) => items.iter().any(|i| match i {
                DomItem::Days(set) => set[day as usize],
                DomItem::Last => day == last,
                DomItem::LastWeekday => {
                    is_weekday(date)
                        && (day + 1..=last).all(|d| !date.with_day(d).is_some_and(is_weekday))
                }
                DomItem::NearestWeekday(n) => nearest_weekday(date, *n) == Some(day),
            }),
            DaySpec::Week(items) => {
                let dow = date.weekday().num_days_from_sunday() + 1;
                items.iter().any(|i| match i {
                    DowItem::Days(set) => set[dow as usize],
                    DowItem::LastOf(d) => *d == dow && day + 7 > last,
                    DowItem::Nth(d, n) => *d == dow && (day - 1) / 7 + 1 == *n,
                })
            }
        }
    }
}

/// The longest time in minutes between two runs of `schedules` taken
/// together (a plan's rules, or every rule that backs up a resource),
/// simulated over eight years from `from_year`. Cron schedules are merged
/// run by run; a `rate` has no fixed phase, so it bounds the gap by its own
/// interval. None for no schedules.
pub fn worst_gap_minutes(schedules: &[Schedule], from_year: i32) -> Option<i64> {
    let rate = schedules
        .iter()
        .filter_map(|s| match s {
            Schedule::Rate(m) => Some(*m),
            Schedule::Cron(_) => None,
        })
        .min();
    let crons: Vec<&Cron> = schedules
        .iter()
        .filter_map(|s| match s {
            Schedule::Cron(c) => Some(c.as_ref()),
            Schedule::Rate(_) => None,
        })
        .collect();
    let cron = (!crons.is_empty()).then(|| cron_gap(&crons, from_year));
    match (rate, cron) {
        (Some(r), Some(c)) => Some(r.min(c)),
        (r, c) => r.or(c),
    }
}

/// Worst gap of the merged runs of `crons` (see [`worst_gap_minutes`]).
fn cron_gap(crons: &[&Cron], from_year: i32) -> i64 {
    let (Some(start), Some(end)) = (
        NaiveDate::from_ymd_opt(from_year, 1, 1),
        NaiveDate::from_ymd_opt(from_year + WINDOW_YEARS, 1, 1),
    ) else {
        return i64::MAX;
    };
    let window = (end - start).num_days() * DAY;
    let mut prev = 0i64; // The window's start counts as a run.
    let mut worst = 0i64;
    let mut minutes: Vec<i64> = Vec::new();
    for (offset, date) in start.iter_days().take_while(|d| *d < end).enumerate() {
        minutes.clear();
        for c in crons.iter().filter(|c| c.runs_on(date)) {
            minutes.extend(&c.day_minutes);
        }
        if crons.len() > 1 {
            minutes.sort_unstable();
            minutes.dedup();
        }
        let base = i64::try_from(offset).unwrap_or(i64::MAX / 2) * DAY;
        for m in &minutes {
            worst = worst.max(base + m - prev);
            prev = base + m;
        }
    }
    worst.max(window - prev)
}

/// [`worst_gap_minutes`] of the schedule expressions `exprs` taken together,
/// remembered per set of expressions and year: plans across an organisation
/// share a handful of expressions, and each simulation walks eight years of
/// days. `Err` carries the first expression that does not parse (with its
/// reason); `Ok(None)` for no expressions.
pub fn worst_gap_of(exprs: &[&str], from_year: i32) -> Result<Option<i64>, (String, String)> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    type Memo = Mutex<HashMap<(Vec<String>, i32), Option<i64>>>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    /// Distinct sets remembered before the memo starts over (bounds memory
    /// on pathological input).
    const MAX_ENTRIES: usize = 4096;

    let mut key: Vec<String> = exprs.iter().map(|e| (*e).to_owned()).collect();
    key.sort_unstable();
    key.dedup();
    let memo = MEMO.get_or_init(Memo::default);
    let cached = memo
        .lock()
        .ok()
        .and_then(|m| m.get(&(key.clone(), from_year)).copied());
    if let Some(gap) = cached {
        return Ok(gap);
    }
    let mut schedules = Vec::with_capacity(key.len());
    for e in &key {
        schedules.push(
            e.parse::<Schedule>()
                .map_err(|why| (e.clone(), why.to_string()))?,
        );
    }
    let gap = worst_gap_minutes(&schedules, from_year);
    if let Ok(mut m) = memo.lock() {
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert((key, from_year), gap);
    }
    Ok(gap)
}

/// Whole hours covering `minutes` (rounded up, so 24 h 1 min is 25).
pub fn hours_ceil(minutes: i64) -> i64 {
    minutes.max(0).saturating_add(59) / 60
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: i32 = 2026;

    fn gap_h(expr: &str) -> i64 {
        let s: Schedule = expr.parse().expect(expr);
        hours_ceil(worst_gap_minutes(&[s], Y).expect("gap"))
    }

    fn union_h(exprs: &[&str]) -> i64 {
        let s: Vec<Schedule> = exprs.iter().map(|e| e.parse().expect(e)).collect();
        hours_ceil(worst_gap_minutes(&s, Y).expect("gap"))
    }

    fn bad(expr: &str) -> String {
        expr.parse::<Schedule>().expect_err(expr).reason
    }

    #[test]
    fn daily_and_sub_daily_cron() {
        assert_eq!(gap_h("cron(0 5 ? * * *)"), 24);
        assert_eq!(gap_h("cron(0 5 * * ? *)"), 24);
        assert_eq!(gap_h("cron(0 */6 ? * * *)"), 6);
        assert_eq!(gap_h("cron(0 5/12 ? * * *)"), 12);
        assert_eq!(gap_h("cron(0 5,17 ? * * *)"), 12);
        // Uneven lists: the longest gap, not the average.
        assert_eq!(gap_h("cron(0 1,2,3 ? * * *)"), 22);
        assert_eq!(gap_h("cron(0 1-3 ? * * *)"), 22);
        assert_eq!(gap_h("cron(0 8-20/4 ? * * *)"), 12);
        assert_eq!(gap_h("cron(30 * ? * * *)"), 1);
        assert_eq!(gap_h("cron(0,30 * ? * * *)"), 1);
        // Wrapping range 22-2: 22,23,0,1,2.
        assert_eq!(gap_h("cron(0 22-2 ? * * *)"), 20);
    }

    #[test]
    fn weekly_and_weekday_cron() {
        assert_eq!(gap_h("cron(0 5 ? * SUN *)"), 168);
        assert_eq!(gap_h("cron(0 5 ? * 1 *)"), 168);
        // Friday to Monday.
        assert_eq!(gap_h("cron(0 5 ? * MON-FRI *)"), 72);
        assert_eq!(gap_h("cron(0 5 ? * 2-6 *)"), 72);
        assert_eq!(gap_h("cron(0 5 ? * mon,wed,fri *)"), 72);
        // FRI-MON wraps: Friday to Monday, then Monday to Friday.
        assert_eq!(gap_h("cron(0 5 ? * FRI-MON *)"), 96);
        assert_eq!(gap_h("cron(0 5 ? * L *)"), 168);
    }

    #[test]
    fn monthly_and_special_days() {
        // 31 days between two firsts of the month.
        assert_eq!(gap_h("cron(0 5 1 * ? *)"), 31 * 24);
        assert_eq!(gap_h("cron(0 5 1,15 * ? *)"), 17 * 24);
        assert_eq!(gap_h("cron(0 5 L * ? *)"), 31 * 24);
        // Day 31 exists in 7 months: Aug 31 -> Oct 31.
        assert_eq!(gap_h("cron(0 5 31 * ? *)"), 61 * 24);
        // Weekday-nearest and last-weekday runs move by up to 3 days.
        assert!(gap_h("cron(0 5 15W * ? *)") > 31 * 24);
        assert!(gap_h("cron(0 5 LW * ? *)") > 31 * 24);
        assert!(gap_h("cron(0 5 ? * 6L *)") >= 35 * 24);
        assert_eq!(gap_h("cron(0 5 ? * 2#1 *)"), 35 * 24);
        assert_eq!(gap_h("cron(0 5 1 JAN,JUL ? *)"), 184 * 24);
        assert_eq!(gap_h("cron(0 5 1 */3 ? *)"), 92 * 24);
        assert_eq!(gap_h("cron(0 0 1 1 ? *)"), 366 * 24);
        // Feb 29 only in leap years (2028 and 2032 in the window).
        assert!(gap_h("cron(0 0 29 FEB ? *)") > 365 * 24);
    }

    #[test]
    fn years_end_a_schedule() {
        // Daily, but only in 2026: the rest of the window has no run.
        assert!(gap_h("cron(0 5 ? * * 2026)") > 6 * 365 * 24);
        assert_eq!(gap_h("cron(0 5 ? * * 2020-2199)"), 24);
        assert_eq!(gap_h("cron(0 5 ? * * */1)"), 24);
    }

    #[test]
    fn rates() {
        assert_eq!(gap_h("rate(12 hours)"), 12);
        assert_eq!(gap_h("rate(1 day)"), 24);
        assert_eq!(gap_h("rate(7 days)"), 168);
        assert_eq!(gap_h("rate(1 hour)"), 1);
        assert_eq!(gap_h("rate(90 minutes)"), 2);
        assert_eq!(gap_h("RATE(2 Days)"), 48);
    }

    #[test]
    fn unions_are_judged_together() {
        // A daily rule plus a monthly long-retention rule: daily.
        assert_eq!(union_h(&["cron(0 5 ? * * *)", "cron(0 5 1 * ? *)"]), 24);
        // Two daily rules 12 hours apart: every 12 hours.
        assert_eq!(union_h(&["cron(0 5 ? * * *)", "cron(0 17 ? * * *)"]), 12);
        // Weekdays plus a weekend rule.
        assert_eq!(
            union_h(&["cron(0 5 ? * MON-FRI *)", "cron(0 5 ? * SAT,SUN *)"]),
            24
        );
        // A rate bounds the union by its own interval.
        assert_eq!(union_h(&["rate(1 day)", "cron(0 5 1 * ? *)"]), 24);
        assert_eq!(worst_gap_minutes(&[], Y), None);
    }

    #[test]
    fn malformed_expressions_are_errors_with_a_reason() {
        assert!(bad("whenever").contains("not rate"));
        assert!(bad("cron(0 5 * *)").contains("6 fields"));
        assert!(bad("cron(0 5 1 * MON *)").contains("both set"));
        assert!(bad("cron(60 5 ? * * *)").contains("minutes"));
        assert!(bad("cron(0 24 ? * * *)").contains("hours"));
        assert!(bad("cron(0 5 ? FOO * *)").contains("month"));
        assert!(bad("cron(0 5 ? * 8 *)").contains("day-of-week"));
        assert!(bad("cron(0 5 ? * 2#6 *)").contains("day-of-week"));
        assert!(bad("cron(0 5 32 * ? *)").contains("day-of-month"));
        assert!(bad("cron(0 5/0 ? * * *)").contains("step"));
        assert!(bad("cron(0 5 ? * * 1969)").contains("year"));
        assert!(bad("rate(2 weeks)").contains("unit"));
        assert!(bad("rate(0 days)").contains("positive"));
        assert!(bad("rate(days)").contains("number and a unit"));
        let e = "cron(x 5 ? * * *)".parse::<Schedule>().expect_err("x");
        assert!(e.to_string().contains("cron(x 5 ? * * *)"));
    }

    #[test]
    fn remembered_gaps_match_the_simulation_in_any_order() {
        let daily = "cron(0 5 ? * * *)";
        let monthly = "cron(0 5 1 * ? *)";
        let direct = worst_gap_minutes(
            &[
                daily.parse().expect("daily"),
                monthly.parse().expect("monthly"),
            ],
            Y,
        );
        for _ in 0..2 {
            assert_eq!(worst_gap_of(&[daily, monthly], Y), Ok(direct));
            assert_eq!(worst_gap_of(&[monthly, daily, daily], Y), Ok(direct));
        }
        assert_eq!(worst_gap_of(&[], Y), Ok(None));
        let err = worst_gap_of(&[daily, "cron(every day)"], Y).expect_err("not cron");
        assert_eq!(err.0, "cron(every day)");
    }
}
