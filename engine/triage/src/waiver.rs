//! Waiver files: each waiver names the findings it suppresses (a rule, or
//! `*`, and at least one resource selector), why, who owns it and until when.
//! Parsed in two phases (TOML with spans, then checks) so every error names
//! the file and the line of the waiver.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use palisade_eval::{wildcard_match, CheckResult};
use palisade_rules::error::line_of_offset;
use serde::{Deserialize, Serialize};

use crate::error::TriageError;

/// One waiver: which findings it suppresses, why, who owns it, until when.
#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    /// Rule id, or `*` for every rule.
    pub rule: String,
    /// Glob over the resource id (ARN).
    pub resource: Option<String>,
    /// Account id.
    pub account: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Tags the resource (or its owner) must carry.
    pub tags: BTreeMap<String, String>,
    /// Justification.
    pub reason: String,
    /// Owner (person or team).
    pub owner: String,
    /// Last day the waiver applies (inclusive).
    pub expires: NaiveDate,
    /// Line of the waiver in its file.
    pub line: usize,
}

impl Waiver {
    /// True when the waiver's selectors match the result.
    pub fn matches(&self, r: &CheckResult) -> bool {
        (self.rule == "*" || self.rule == r.rule_id)
            && self
                .resource
                .as_deref()
                .is_none_or(|p| wildcard_match(p, &r.resource.id))
            && self
                .account
                .as_deref()
                .is_none_or(|a| a == r.resource.account_id)
            && self
                .region
                .as_deref()
                .is_none_or(|g| g == r.resource.region)
            && self
                .tags
                .iter()
                .all(|(k, v)| r.resource.tags.get(k) == Some(v))
    }

    /// True when the waiver has expired on `today`.
    pub fn expired(&self, today: NaiveDate) -> bool {
        today > self.expires
    }
}

/// A parsed waiver file.
#[derive(Debug, Clone, Default)]
pub struct WaiverFile {
    /// The file.
    pub path: PathBuf,
    /// Waivers in file order.
    pub waivers: Vec<Waiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    waiver: Vec<toml::Spanned<RawWaiver>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: String,
    #[serde(default)]
    resource: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    reason: String,
    owner: String,
    expires: toml::Value,
}

impl WaiverFile {
    /// Reads and validates a waiver file. `rule_exists` rejects unknown rule ids.
    pub fn load(path: &Path, rule_exists: &dyn Fn(&str) -> bool) -> Result<Self, TriageError> {
        let text = TriageError::read(path)?;
        Self::parse(path, &text, rule_exists)
    }

    /// Parses waiver text; `path` is used in errors.
    pub fn parse(
        path: &Path,
        text: &str,
        rule_exists: &dyn Fn(&str) -> bool,
    ) -> Result<Self, TriageError> {
        let invalid = |line: usize, message: String| TriageError::Invalid {
            path: path.to_owned(),
            line,
            message,
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of_offset(text, s.start)).unwrap_or(0);
            invalid(line, e.message().to_owned())
        })?;
        let mut waivers = Vec::new();
        for spanned in raw.waiver {
            let line = line_of_offset(text, spanned.span().start);
            let w = spanned.into_inner();
            for (field, value) in [
                ("reason", &w.reason),
                ("owner", &w.owner),
                ("rule", &w.rule),
            ] {
                if value.trim().is_empty() {
                    return Err(invalid(line, format!("waiver `{field}` must not be empty")));
                }
            }
            if w.rule != "*" && !rule_exists(&w.rule) {
                return Err(invalid(
                    line,
                    format!("waiver names unknown rule {:?}", w.rule),
                ));
            }
            if w.resource.is_none()
                && w.account.is_none()
                && w.region.is_none()
                && w.tags.is_empty()
            {
                return Err(invalid(
                    line,
                    "waiver needs at least one of `resource`, `account`, `region` or `tags` (use resource = \"*\" to waive a rule everywhere)".into(),
                ));
            }
            let expires = match &w.expires {
                toml::Value::Datetime(d) => d.to_string(),
                // A date, or an RFC 3339 date-time whose day counts; trailing
                // words ("2026-12-31 or so") are not a date.
                toml::Value::String(s)
                    if s.len() > 10 && chrono::DateTime::parse_from_rfc3339(s).is_err() =>
                {
                    return Err(invalid(
                        line,
                        format!("`expires` {s:?} is not a date (YYYY-MM-DD)"),
                    ))
                }
                toml::Value::String(s) => s.clone(),
                other => {
                    return Err(invalid(
                        line,
                        format!("`expires` must be a date like 2026-12-31, found {other}"),
                    ))
                }
            };
            let expires =
                NaiveDate::parse_from_str(expires.get(..10).unwrap_or(&expires), "%Y-%m-%d")
                    .map_err(|e| {
                        invalid(
                            line,
                            format!("`expires` {expires:?} is not a date (YYYY-MM-DD): {e}"),
                        )
                    })?;
            waivers.push(Waiver {
                rule: w.rule,
                resource: w.resource,
                account: w.account,
                region: w.region,
                tags: w.tags,
                reason: w.reason,
                owner: w.owner,
                expires,
                line,
            });
        }
        Ok(Self {
            path: path.to_owned(),
            waivers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waivers_parse_with_lines_and_dates() {
        let text = "[[waiver]]\nrule = \"r1\"\nresource = \"*\"\nreason = \"x\"\nowner = \"o\"\nexpires = 2026-12-31\n\n[[waiver]]\nrule = \"*\"\ntags = { env = \"sandbox\" }\nreason = \"x\"\nowner = \"o\"\nexpires = \"2027-01-01\"\n";
        let wf = WaiverFile::parse(Path::new("w.toml"), text, &|r| r == "r1").expect("parse");
        assert_eq!(wf.waivers.len(), 2);
        assert_eq!(wf.waivers[0].line, 1);
        assert_eq!(wf.waivers[1].line, 8);
        assert_eq!(
            wf.waivers[1].expires,
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")
        );
        assert!(!wf.waivers[1].expired(NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")));
        assert!(wf.waivers[1].expired(NaiveDate::from_ymd_opt(2027, 1, 2).expect("date")));
    }

    #[test]
    fn bad_waivers_name_the_line() {
        let ok = |_: &str| true;
        let missing_owner =
            "[[waiver]]\nrule = \"r1\"\nresource = \"*\"\nreason = \"x\"\nexpires = 2026-01-01\n";
        let e =
            WaiverFile::parse(Path::new("w.toml"), missing_owner, &ok).expect_err("owner required");
        assert!(e.to_string().starts_with("w.toml:1:"), "{e}");
        let unknown_rule = "\n[[waiver]]\nrule = \"nope\"\nresource = \"*\"\nreason = \"x\"\nowner = \"o\"\nexpires = 2026-01-01\n";
        let e = WaiverFile::parse(Path::new("w.toml"), unknown_rule, &|r| r == "r1")
            .expect_err("unknown rule");
        assert!(
            e.to_string().starts_with("w.toml:2:") && e.to_string().contains("nope"),
            "{e}"
        );
        let bad_date = "[[waiver]]\nrule = \"r1\"\nresource = \"*\"\nreason = \"x\"\nowner = \"o\"\nexpires = \"soon\"\n";
        let e = WaiverFile::parse(Path::new("w.toml"), bad_date, &ok).expect_err("bad date");
        assert!(
            e.to_string().starts_with("w.toml:1:")
                && e.to_string().contains("\"soon\" is not a date"),
            "{e}"
        );
        let blanket =
            "[[waiver]]\nrule = \"r1\"\nreason = \"x\"\nowner = \"o\"\nexpires = 2026-01-01\n";
        let e = WaiverFile::parse(Path::new("w.toml"), blanket, &ok).expect_err("no selector");
        assert!(e.to_string().contains("needs at least one of"), "{e}");
        let e = WaiverFile::load(Path::new("no/such/waivers.toml"), &ok).expect_err("missing");
        assert!(
            matches!(e, TriageError::Io { .. })
                && e.to_string().starts_with("no/such/waivers.toml: "),
            "{e}"
        );
    }
}
