//! Backup schedule parsing: the interval between runs of an AWS Backup
//! schedule expression (`rate(...)` or six-field `cron(...)`).

/// Hours between runs of an AWS Backup schedule expression: `rate(N unit)`
/// or a six-field `cron(min hour day-of-month month day-of-week year)`.
/// None when the expression cannot be interpreted.
pub fn schedule_interval_hours(expr: &str) -> Option<i64> {
    let expr = expr.trim();
    if let Some(body) = expr.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
        let mut parts = body.split_whitespace();
        let n: i64 = parts.next()?.parse().ok()?;
        let unit = parts.next()?.to_ascii_lowercase();
        return match unit.trim_end_matches('s') {
            "minute" => Some((n / 60).max(1)),
            "hour" => Some(n),
            "day" => Some(n * 24),
            _ => None,
        };
    }
    let body = expr.strip_prefix("cron(")?.strip_suffix(')')?;
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() != 6 {
        return None;
    }
    let (hour, dom, dow) = (f[1], f[2], f[4]);
    let any = |x: &str| x == "*" || x == "?";
    let count = |x: &str| -> Option<i64> {
        if let Some(step) = x.strip_prefix("*/").or_else(|| x.strip_prefix("0/")) {
            let step: i64 = step.parse().ok()?;
            return (step > 0).then(|| 24 / step);
        }
        if x.contains('-') || x.contains('/') {
            return None;
        }
        i64::try_from(x.split(',').count()).ok()
    };
    if !any(dom) {
        // Monthly (or a few days a month).
        let n = count(dom)?;
        return Some(24 * 30 / n.max(1));
    }
    if !any(dow) {
        let days = if dow.contains('-') {
            let (a, b) = dow.split_once('-')?;
            let day = |d: &str| -> Option<i64> {
                d.parse().ok().or_else(|| {
                    ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
                        .iter()
                        .position(|n| n.eq_ignore_ascii_case(d))
                        .and_then(|p| i64::try_from(p + 1).ok())
                })
            };
            (day(b)? - day(a)?).abs() + 1
        } else {
            i64::try_from(dow.split(',').count()).ok()?
        };
        return Some(24 * 7 / days.max(1));
    }
    if any(hour) {
        return Some(1);
    }
    let per_day = count(hour)?;
    Some(24 / per_day.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules() {
        assert_eq!(schedule_interval_hours("cron(0 5 ? * * *)"), Some(24));
        assert_eq!(schedule_interval_hours("cron(0 */6 ? * * *)"), Some(6));
        assert_eq!(schedule_interval_hours("cron(0 5,17 ? * * *)"), Some(12));
        assert_eq!(schedule_interval_hours("cron(0 5 ? * SUN *)"), Some(168));
        assert_eq!(schedule_interval_hours("cron(0 5 ? * MON-FRI *)"), Some(33));
        assert_eq!(schedule_interval_hours("cron(0 5 1 * ? *)"), Some(720));
        assert_eq!(schedule_interval_hours("rate(12 hours)"), Some(12));
        assert_eq!(schedule_interval_hours("rate(1 day)"), Some(24));
        assert_eq!(schedule_interval_hours("whenever"), None);
    }

    #[test]
    fn edge_schedules() {
        assert_eq!(schedule_interval_hours("rate(30 minutes)"), Some(1));
        assert_eq!(schedule_interval_hours("rate(2 weeks)"), None);
        assert_eq!(schedule_interval_hours("cron(0 * ? * * *)"), Some(1));
        assert_eq!(schedule_interval_hours("cron(0 5 ? * 2-6 *)"), Some(33));
        assert_eq!(schedule_interval_hours("cron(0 5 * *)"), None);
        assert_eq!(schedule_interval_hours("cron(0 1-3 ? * * *)"), None);
    }
}
