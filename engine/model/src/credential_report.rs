//! The IAM credential report (GetCredentialReport's CSV) read into rows per
//! user. It lives here, not in the collector, so the parser of this
//! untrusted text is fuzzed without the AWS SDK (`fuzz/`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

/// One row of the credential report.
#[derive(Debug, Default, Clone)]
pub struct ReportRow {
    /// `mfa_active` as `true` / `false`; `None` for anything else.
    pub mfa: Option<bool>,
    /// The user's access keys as the report lists them (`access_key_N_last_rotated`
    /// is the key's creation time, `N/A` when there is no key N); `None` when
    /// a slot says neither.
    pub keys: Option<Vec<KeySlot>>,
    /// `password_enabled`: `true` / `false`; `None` for anything else
    /// (`not_supported`, which the root row may say).
    pub password_enabled: Option<bool>,
    /// `password_last_used` when it is a time (`N/A`, `no_information`
    /// and `not_supported` are not).
    pub password_last_used: Option<DateTime<Utc>>,
    /// `mfa_active` is `true`.
    pub mfa_active: bool,
    /// `access_key_1_active` or `access_key_2_active` is `true`.
    pub key_active: bool,
    /// `access_key_1_last_used_date` when it is a time.
    pub key_1_last_used: Option<DateTime<Utc>>,
    /// `access_key_2_last_used_date` when it is a time.
    pub key_2_last_used: Option<DateTime<Utc>>,
}

/// One access key slot of a credential report row.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySlot {
    /// `access_key_N_last_rotated`: when the key was created.
    pub created: DateTime<Utc>,
    /// The key's last use: `Some(None)` never used (`N/A`), `None` unknown.
    pub last_used: Option<Option<DateTime<Utc>>>,
    /// `access_key_N_last_used_service`: `Some(None)` none (`N/A`), `None`
    /// unknown (`not_supported`, `no_information`, missing column).
    pub service: Option<Option<String>>,
}

/// The report's rows keyed by user name (`<root_account>` for root).
pub type Report = HashMap<String, ReportRow>;

/// A report timestamp (RFC 3339) in UTC; `None` for anything else.
pub fn report_time(v: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Parses the credential report CSV, keyed by user name (`<root_account>`
/// for root). IAM names may contain commas and the report does not quote
/// them: extra fields are folded back into the user and ARN columns.
pub fn parse_report(csv: &str) -> Report {
    let mut lines = csv.lines();
    let Some(header) = lines.next() else {
        return Report::new();
    };
    let cols: Vec<&str> = header.split(',').collect();
    let idx = |name: &str| cols.iter().position(|c| *c == name);
    let (pw_enabled, pw_used, mfa, k1, k2, k1_used, k2_used) = (
        idx("password_enabled"),
        idx("password_last_used"),
        idx("mfa_active"),
        idx("access_key_1_active"),
        idx("access_key_2_active"),
        idx("access_key_1_last_used_date"),
        idx("access_key_2_last_used_date"),
    );
    let slot_cols = [1, 2].map(|n| {
        (
            idx(&format!("access_key_{n}_last_rotated")),
            idx(&format!("access_key_{n}_last_used_date")),
            idx(&format!("access_key_{n}_last_used_service")),
        )
    });
    let mut out = Report::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let mut fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 2 {
            continue;
        }
        // A name with k commas adds k fields to the user column and k to
        // the ARN (which ends with the name).
        let k = fields.len().saturating_sub(cols.len()) / 2;
        let user = fields[..=k].join(",");
        let arn = fields[k + 1..=(2 * k + 1).min(fields.len() - 1)].join(",");
        fields.splice(
            ..=(2 * k + 1).min(fields.len() - 1),
            [user.as_str(), arn.as_str()],
        );
        let user = user.clone();
        let get = |i: Option<usize>| i.and_then(|i| fields.get(i)).copied().unwrap_or("");
        let mut keys = Some(Vec::new());
        for (rotated, used, service) in slot_cols {
            let slot = match get(rotated) {
                "N/A" => continue,
                created => report_time(created).map(|created| KeySlot {
                    created,
                    last_used: match get(used) {
                        "N/A" => Some(None),
                        t => report_time(t).map(Some),
                    },
                    service: match get(service) {
                        "N/A" => Some(None),
                        "" | "not_supported" | "no_information" => None,
                        s => Some(Some(s.to_owned())),
                    },
                }),
            };
            match (slot, keys.as_mut()) {
                (Some(slot), Some(list)) => list.push(slot),
                _ => keys = None,
            }
        }
        out.insert(
            user,
            ReportRow {
                mfa: match get(mfa) {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                },
                keys,
                password_enabled: match get(pw_enabled) {
                    "true" => Some(true),
                    "false" => Some(false),
                    _ => None,
                },
                // `N/A`, `no_information` and `not_supported` are not dates.
                password_last_used: report_time(get(pw_used)),
                mfa_active: get(mfa) == "true",
                key_active: get(k1) == "true" || get(k2) == "true",
                key_1_last_used: report_time(get(k1_used)),
                key_2_last_used: report_time(get(k2_used)),
            },
        );
    }
    out
}
