//! Helpers shared by the history store's tests: scans and findings to
//! record, and the fixture databases of older schema versions.

#![allow(clippy::expect_used, clippy::unwrap_used)]
#![allow(dead_code)] // each test binary uses its own part

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use palisade_history::{FindingRecord, FrameworkRecord, ScanRecord};

/// The committed fixture databases (`fixtures/history`).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/history")
        .join(name)
}

/// A copy of fixture `name` in `dir`, to be opened (and so upgraded).
pub fn copy_fixture(name: &str, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(fixture(name), &to).expect("copy fixture");
    to
}

/// A scan taken at `time`, named by `tag` (in its snapshot hash).
pub fn scan(time: DateTime<Utc>, tag: &str) -> ScanRecord {
    ScanRecord {
        id: 0,
        scan_time: time,
        evaluated_at: time,
        accounts: "111111111111".into(),
        rules_fingerprint: "f".into(),
        tool_version: "test".into(),
        snapshot_sha256: tag.into(),
        open_findings: 0,
    }
}

/// `n` distinct findings whose ids start with `tag`.
pub fn findings(tag: &str, n: usize) -> Vec<FindingRecord> {
    (0..n)
        .map(|i| FindingRecord {
            finding_id: format!("{tag}-{i:06}"),
            rule_id: "iam-group-empty".into(),
            resource_id: format!("arn:aws:iam::111111111111:group/{tag}-{i}"),
            account_id: "111111111111".into(),
            severity: "low".into(),
            suppressed: false,
        })
        .collect()
}

/// One framework's outcomes.
pub fn framework(pass: i64) -> FrameworkRecord {
    FrameworkRecord {
        framework_id: "cis-aws-6.0".into(),
        pass,
        fail: 1,
        not_evaluated: 0,
        not_applicable: 0,
        manual: 2,
    }
}
