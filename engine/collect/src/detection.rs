//! GuardDuty detectors, Security Hub and IAM Access Analyzer collectors.
//!
//! GuardDuty: the region's detectors (`ListDetectors`), each with its status
//! and protection plans (`GetDetector`), member accounts (`ListMembers`) and
//! the count of active high-severity findings (`GetFindingsStatistics`,
//! counts only: no finding is stored); the organisation's delegated
//! administrator (`ListOrganizationAdminAccounts`), which only the
//! management account may read: a refusal is recorded as a fact, not a gap.
//! Security Hub: `DescribeHub` ("not subscribed" is the fact "disabled") and
//! the enabled standards. Access Analyzer: every analyzer of the region.

use std::collections::BTreeMap;

use aws_sdk_guardduty::types::{Condition, FindingCriteria, GroupByType};
use futures_util::stream::{self, StreamExt as _};
use palisade_model::detection::{
    AccessAnalyzer, AdminAccount, Analyzer, Detector, GuardDuty, Member, SecurityHub, Standard,
};

use crate::error;
use crate::ops;
use crate::pages::drain;
use crate::scope::Scope;
use crate::session::{self, Session};

/// Error codes of `ListOrganizationAdminAccounts` that mean "this caller
/// may not see the organisation's administrators" (not the management
/// account, or no organisation): a fact about the caller, not a gap.
const ADMIN_NOT_VISIBLE: [&str; 3] = [
    "AccessDeniedException",
    "BadRequestException",
    "AccessDenied",
];

/// The GuardDuty severity from which a finding is "high" (7.0-8.9 high,
/// 9.0-10.0 critical).
const HIGH_SEVERITY: i64 = 7;

/// Distinct severity values asked for (the API's maximum).
const MAX_STAT_GROUPS: i32 = 100;

/// Collects the GuardDuty detectors of one region.
pub async fn guardduty(s: &Session, scope: &Scope) -> GuardDuty {
    let client = session::guardduty(s, &scope.region);
    let pages = client.list_detectors().into_paginator().send();
    let (ids, admins) = tokio::join!(
        drain(scope, &ops::GUARDDUTY_LIST_DETECTORS, pages),
        client.list_organization_admin_accounts().send(),
    );
    let ids: Vec<String> = ids
        .flat_map(|p| p.detector_ids().iter().cloned())
        .with_partial();
    let detectors = stream::iter(ids)
        .map(|id| detector(&client, scope, id))
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;
    let (admin_accounts, admin_accounts_note) = match admins {
        Ok(out) => {
            scope.ok(&ops::GUARDDUTY_LIST_ORGANIZATION_ADMIN_ACCOUNTS);
            let admins = out
                .admin_accounts()
                .iter()
                .filter_map(|a| {
                    Some(AdminAccount {
                        account_id: a.admin_account_id()?.to_owned(),
                        status: a.admin_status().map(|s| s.as_str().to_owned()),
                    })
                })
                .collect();
            (Some(admins), None)
        }
        Err(e) if error::code(&e).is_some_and(|c| ADMIN_NOT_VISIBLE.contains(&c)) => {
            scope.ok(&ops::GUARDDUTY_LIST_ORGANIZATION_ADMIN_ACCOUNTS);
            (
                None,
                Some(format!(
                    "the caller may not list the organisation's delegated administrators (only the management account may): {}",
                    error::describe(&e)
                )),
            )
        }
        Err(e) => {
            scope.fail(
                &ops::GUARDDUTY_LIST_ORGANIZATION_ADMIN_ACCOUNTS,
                error::describe(&e),
            );
            (None, None)
        }
    };
    GuardDuty {
        detectors,
        admin_accounts,
        admin_accounts_note,
    }
}

/// One detector: its configuration, members and high-severity count.
async fn detector(client: &aws_sdk_guardduty::Client, scope: &Scope, id: String) -> Detector {
    let criteria = FindingCriteria::builder()
        .criterion(
            "severity",
            Condition::builder()
                .greater_than_or_equal(HIGH_SEVERITY)
                .build(),
        )
        .criterion(
            "service.archived",
            Condition::builder().equals("false").build(),
        )
        .build();
    let members = client
        .list_members()
        .detector_id(&id)
        .into_paginator()
        .send();
    let (got, members, stats) = tokio::join!(
        client.get_detector().detector_id(&id).send(),
        drain(scope, &ops::GUARDDUTY_LIST_MEMBERS, members),
        high_severity_count(client, scope, &id, criteria),
    );
    let mut d = Detector {
        arn: scope.arn("guardduty", &format!("detector/{id}")),
        detector_id: id,
        ..Detector::default()
    };
    if let Some(out) = scope.check(&ops::GUARDDUTY_GET_DETECTOR, got) {
        d.status = out.status().map(|s| s.as_str().to_owned());
        d.finding_publishing_frequency = out
            .finding_publishing_frequency()
            .map(|f| f.as_str().to_owned());
        d.features = features(&out);
    }
    d.members = members
        .flat_map(|p| {
            p.members().iter().filter_map(|m| {
                Some(Member {
                    account_id: m.account_id()?.to_owned(),
                    relationship_status: m.relationship_status().map(str::to_owned),
                })
            })
        })
        .complete();
    d.high_severity_findings = stats;
    d
}

/// The number of active findings of severity [`HIGH_SEVERITY`] or more
/// (`GetFindingsStatistics` grouped by severity, [`MAX_STAT_GROUPS`]
/// severity values at most: GuardDuty uses a handful); `None` when the call
/// failed (recorded as a gap).
async fn high_severity_count(
    client: &aws_sdk_guardduty::Client,
    scope: &Scope,
    id: &str,
    criteria: FindingCriteria,
) -> Option<i64> {
    let out = client
        .get_findings_statistics()
        .detector_id(id)
        .group_by(GroupByType::Severity)
        .max_results(MAX_STAT_GROUPS)
        .finding_criteria(criteria)
        .send()
        .await;
    let out = scope.check(&ops::GUARDDUTY_GET_FINDINGS_STATISTICS, out)?;
    let groups = out
        .finding_statistics()
        .map(|f| f.grouped_by_severity())
        .unwrap_or_default();
    Some(high_severity(
        groups.iter().map(|g| (g.severity(), g.total_findings())),
    ))
}

/// Findings of severity [`HIGH_SEVERITY`] or more among (severity, count)
/// groups (the request already filters; this also guards against an
/// endpoint that ignores the criteria).
fn high_severity(groups: impl Iterator<Item = (Option<f64>, Option<i32>)>) -> i64 {
    #[allow(clippy::cast_precision_loss)]
    let high = HIGH_SEVERITY as f64;
    groups
        .filter(|(sev, _)| sev.is_some_and(|v| v >= high))
        .map(|(_, n)| i64::from(n.unwrap_or(0)))
        .sum()
}

/// Protection plans by feature name: the detector's `features`, completed
/// from its legacy `dataSources` for the plans it only reports there.
fn features(
    out: &aws_sdk_guardduty::operation::get_detector::GetDetectorOutput,
) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = out
        .features()
        .iter()
        .filter_map(|f| {
            Some((
                f.name()?.as_str().to_owned(),
                f.status()?.as_str().to_owned(),
            ))
        })
        .collect();
    // Detectors that predate features (and some endpoints) report S3, EKS
    // audit log and EBS malware protection only as legacy data sources.
    #[allow(deprecated)]
    let data_sources = out.data_sources();
    if let Some(ds) = data_sources {
        let legacy = [
            ("S3_DATA_EVENTS", ds.s3_logs().and_then(|s| s.status())),
            (
                "EKS_AUDIT_LOGS",
                ds.kubernetes()
                    .and_then(|k| k.audit_logs())
                    .and_then(|a| a.status()),
            ),
            (
                "EBS_MALWARE_PROTECTION",
                ds.malware_protection()
                    .and_then(|m| m.scan_ec2_instance_with_findings())
                    .and_then(|s| s.ebs_volumes())
                    .and_then(|e| e.status()),
            ),
        ];
        for (name, status) in legacy {
            if let Some(status) = status {
                map.entry(name.to_owned())
                    .or_insert_with(|| status.as_str().to_owned());
            }
        }
    }
    map
}

/// A short summary for the progress display.
pub fn guardduty_counts(v: &GuardDuty) -> String {
    format!(
        "{} detectors ({} enabled)",
        v.detectors.len(),
        v.detectors
            .iter()
            .filter(|d| d.status.as_deref() == Some("ENABLED"))
            .count()
    )
}

/// Collects Security Hub of one region.
pub async fn securityhub(s: &Session, scope: &Scope) -> SecurityHub {
    let client = session::securityhub(s, &scope.region);
    let hub = client.describe_hub().send().await;
    // "Not subscribed" is the fact "Security Hub is off here".
    let Some(hub) = scope.check_optional(
        &ops::SECURITYHUB_DESCRIBE_HUB,
        hub,
        "InvalidAccessException",
    ) else {
        return SecurityHub::default();
    };
    let Some(hub) = hub else {
        return SecurityHub::default();
    };
    let pages = client.get_enabled_standards().into_paginator().send();
    let standards = drain(scope, &ops::SECURITYHUB_GET_ENABLED_STANDARDS, pages)
        .await
        .flat_map(|p| {
            p.standards_subscriptions().iter().filter_map(|s| {
                Some(Standard {
                    standards_arn: s.standards_arn()?.to_owned(),
                    subscription_arn: s.standards_subscription_arn().map(str::to_owned),
                    status: s.standards_status().map(|x| x.as_str().to_owned()),
                })
            })
        })
        .with_partial();
    SecurityHub {
        enabled: true,
        hub_arn: hub.hub_arn().map(str::to_owned),
        standards,
    }
}

/// A short summary for the progress display.
pub fn securityhub_counts(v: &SecurityHub) -> String {
    if v.enabled {
        format!("enabled, {} standards", v.standards.len())
    } else {
        "not enabled".to_owned()
    }
}

/// Collects the Access Analyzer analyzers of one region.
pub async fn access_analyzer(s: &Session, scope: &Scope) -> AccessAnalyzer {
    collect_analyzers(&session::access_analyzer(s, &scope.region), scope).await
}

async fn collect_analyzers(
    client: &aws_sdk_accessanalyzer::Client,
    scope: &Scope,
) -> AccessAnalyzer {
    let pages = client.list_analyzers().into_paginator().send();
    let analyzers = drain(scope, &ops::ACCESS_ANALYZER_LIST_ANALYZERS, pages)
        .await
        .flat_map(|p| {
            p.analyzers().iter().map(|a| Analyzer {
                arn: a.arn().to_owned(),
                name: a.name().to_owned(),
                analyzer_type: a.r#type().as_str().to_owned(),
                status: a.status().as_str().to_owned(),
            })
        })
        .with_partial();
    AccessAnalyzer { analyzers }
}

/// A short summary for the progress display.
pub fn access_analyzer_counts(v: &AccessAnalyzer) -> String {
    format!(
        "{} analyzers ({} active)",
        v.analyzers.len(),
        v.analyzers.iter().filter(|a| a.status == "ACTIVE").count()
    )
}

#[cfg(test)]
#[path = "detection_tests.rs"]
mod tests;
