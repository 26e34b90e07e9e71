//! `artifact/reports.json`: the AWS Artifact report inventory of each
//! account in the snapshot, with whether Artifact could be read. An account
//! whose listing failed, or that has no record of Artifact being read, says
//! so (`status` and `gaps`): an empty `reports` list is never left to look
//! like "no reports".

use palisade_model::{Account, ArtifactReport, CoverageRecord};
use serde::Serialize;

use crate::{ReportError, ScanReport};

/// The service name of AWS Artifact in coverage records.
pub const SERVICE: &str = "artifact";

#[derive(Serialize)]
struct Doc<'a> {
    format: &'static str,
    version: u32,
    scan_time: String,
    accounts: Vec<AccountInventory<'a>>,
}

#[derive(Serialize)]
struct AccountInventory<'a> {
    account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    /// `collected`, `partial` (listing cut short), `not_readable` (every
    /// listing call failed), `not_collected` (no record of Artifact being
    /// read) or `not_applicable` (a template or plan, not an AWS account).
    status: &'static str,
    /// Why, when the status is not `collected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'static str>,
    /// The failed coverage records of Artifact (every one).
    gaps: Vec<&'a CoverageRecord>,
    /// The reports listed, sorted by ARN.
    reports: Vec<&'a ArtifactReport>,
    /// Agreement metadata: not in Palisade's snapshot format.
    agreements: Agreements,
}

#[derive(Serialize)]
struct Agreements {
    status: &'static str,
    explanation: &'static str,
}

/// How far Artifact was read in one account.
fn status(a: &Account) -> (&'static str, Option<&'static str>) {
    if a.origin.is_iac() {
        return (
            "not_applicable",
            Some("a template or plan, not an AWS account"),
        );
    }
    let records: Vec<&CoverageRecord> =
        a.coverage.iter().filter(|c| c.service == SERVICE).collect();
    let failed = records.iter().any(|c| c.is_gap());
    match (records.is_empty(), failed, a.artifact_reports.is_empty()) {
        (true, _, true) => (
            "not_collected",
            Some("the snapshot has no record of AWS Artifact being read for this account; its reports are unknown, not absent"),
        ),
        (true, _, false) => (
            "collected",
            Some("reports are listed but the snapshot has no coverage record for AWS Artifact; the list may be incomplete"),
        ),
        (false, true, true) => (
            "not_readable",
            Some("AWS Artifact could not be read (see gaps); its reports are unknown, not absent"),
        ),
        (false, true, false) => (
            "partial",
            Some("the AWS Artifact listing was cut short (see gaps); more reports may exist"),
        ),
        (false, false, _) => ("collected", None),
    }
}

/// Renders the inventory (pretty JSON).
pub fn render(report: &ScanReport<'_>) -> Result<Vec<u8>, ReportError> {
    let snap = &report.snapshot.snapshot;
    let mut accounts: Vec<AccountInventory<'_>> = snap
        .accounts
        .iter()
        .map(|a| {
            let (status, explanation) = status(a);
            let mut gaps: Vec<&CoverageRecord> = a
                .coverage
                .iter()
                .filter(|c| c.service == SERVICE && c.is_gap())
                .collect();
            gaps.sort();
            let mut reports: Vec<&ArtifactReport> = a.artifact_reports.iter().collect();
            reports.sort_by(|x, y| x.arn.cmp(&y.arn).then(x.version.cmp(&y.version)));
            AccountInventory {
                account_id: &a.account_id,
                name: a.name.as_deref(),
                status,
                explanation,
                gaps,
                reports,
                agreements: Agreements {
                    status: "not_collected",
                    explanation: "Palisade's snapshot format does not record AWS Artifact agreements; check them in the AWS Artifact console",
                },
            }
        })
        .collect();
    accounts.sort_by(|x, y| x.account_id.cmp(y.account_id));
    super::pretty(
        "artifact inventory",
        &Doc {
            format: "palisade-artifact-inventory",
            version: 1,
            scan_time: super::timestamp(snap.scan_time),
            accounts,
        },
    )
}
