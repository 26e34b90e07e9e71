//! `artifact/reports.json`: the AWS Artifact report inventory and the
//! accepted agreements of each account in the snapshot, with whether each
//! listing could be read. A listing that failed, or that the snapshot has no
//! record of, says so (`status` and `gaps`): an empty list is never left to
//! look like "none".

use palisade_model::{Account, ArtifactAgreement, ArtifactReport, CoverageRecord};
use serde::Serialize;

use crate::{ReportError, ScanReport};

/// The service name of AWS Artifact in coverage records.
pub const SERVICE: &str = "artifact";
/// The operation that lists reports.
const LIST_REPORTS: &str = "ListReports";
/// The operation that lists accepted agreements.
const LIST_AGREEMENTS: &str = "ListCustomerAgreements";
/// The api of a coverage record that stands for a whole service the
/// collector never reported on.
const WHOLE_SERVICE: &str = "(none)";

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
    /// The agreements the account (or its organization) accepted.
    agreements: Agreements<'a>,
}

#[derive(Serialize)]
struct Agreements<'a> {
    /// As for reports: `collected`, `partial`, `not_readable`,
    /// `not_collected` or `not_applicable`.
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'static str>,
    /// The failed coverage records of the listing.
    gaps: Vec<&'a CoverageRecord>,
    /// The agreements listed, sorted by ARN.
    items: Vec<&'a ArtifactAgreement>,
}

/// How far one Artifact listing (`api`) was read in one account, given
/// whether it returned anything.
fn listing_status(a: &Account, api: &str, empty: bool) -> (&'static str, Option<&'static str>) {
    if a.origin.is_iac() {
        return (
            "not_applicable",
            Some("a template or plan, not an AWS account"),
        );
    }
    let records: Vec<&CoverageRecord> = listing_records(a, api).collect();
    let failed = records.iter().any(|c| c.is_gap());
    match (records.is_empty(), failed, empty) {
        (true, _, true) => (
            "not_collected",
            Some("the snapshot has no record of this AWS Artifact listing being read for this account; its entries are unknown, not absent"),
        ),
        (true, _, false) => (
            "collected",
            Some("entries are listed but the snapshot has no coverage record of this AWS Artifact listing; the list may be incomplete"),
        ),
        (false, true, true) => (
            "not_readable",
            Some("this AWS Artifact listing could not be read (see gaps); its entries are unknown, not absent"),
        ),
        (false, true, false) => (
            "partial",
            Some("this AWS Artifact listing was cut short (see gaps); more entries may exist"),
        ),
        (false, false, _) => ("collected", None),
    }
}

/// The coverage records of one listing: its own, and any that stand for
/// the whole service.
fn listing_records<'a>(a: &'a Account, api: &'a str) -> impl Iterator<Item = &'a CoverageRecord> {
    a.coverage
        .iter()
        .filter(move |c| c.service == SERVICE && (c.api == api || c.api == WHOLE_SERVICE))
}

/// The failed records of one listing, sorted.
fn gaps<'a>(a: &'a Account, api: &'a str) -> Vec<&'a CoverageRecord> {
    let mut gaps: Vec<&CoverageRecord> = listing_records(a, api).filter(|c| c.is_gap()).collect();
    gaps.sort();
    gaps
}

/// Renders the inventory (pretty JSON).
pub fn render(report: &ScanReport<'_>) -> Result<Vec<u8>, ReportError> {
    let snap = &report.snapshot.snapshot;
    let mut accounts: Vec<AccountInventory<'_>> = snap
        .accounts
        .iter()
        .map(|a| {
            let (status, explanation) =
                listing_status(a, LIST_REPORTS, a.artifact_reports.is_empty());
            let mut reports: Vec<&ArtifactReport> = a.artifact_reports.iter().collect();
            reports.sort_by(|x, y| x.arn.cmp(&y.arn).then(x.version.cmp(&y.version)));
            let (agreements_status, agreements_explanation) =
                listing_status(a, LIST_AGREEMENTS, a.artifact_agreements.is_empty());
            let mut items: Vec<&ArtifactAgreement> = a.artifact_agreements.iter().collect();
            items.sort_by(|x, y| x.arn.cmp(&y.arn));
            AccountInventory {
                account_id: &a.account_id,
                name: a.name.as_deref(),
                status,
                explanation,
                gaps: gaps(a, LIST_REPORTS),
                reports,
                agreements: Agreements {
                    status: agreements_status,
                    explanation: agreements_explanation,
                    gaps: gaps(a, LIST_AGREEMENTS),
                    items,
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
