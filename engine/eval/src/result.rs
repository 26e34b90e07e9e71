//! Evaluation results: one per applicable (check, resource) pair, and the
//! stable finding id derived from rule id and resource id.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Outcome of one check on one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The resource violates the check.
    Fail,
    /// The check applied and was satisfied.
    Pass,
    /// The check could not be evaluated (Cedar evaluation error or bad data).
    Error,
    /// The data the check needs is missing (collector coverage gap).
    NotEvaluated,
}

impl Status {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fail => "fail",
            Status::Pass => "pass",
            Status::Error => "error",
            Status::NotEvaluated => "not_evaluated",
        }
    }
}

/// The resource a result is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResourceRef {
    /// Resource id: the ARN, or a derived id for sub-resources and
    /// pseudo-resources (`ACCOUNT`, `ACCOUNT/REGION`, `<arn>/entry/...`).
    pub id: String,
    /// Cedar entity type, e.g. `AWS::EC2::SecurityGroupRule`.
    pub resource_type: String,
    /// Account id.
    pub account_id: String,
    /// Region, or `global`.
    pub region: String,
    /// Human-readable name (untrusted: escape before display).
    pub name: String,
    /// Tags of the resource (or of its owner, for sub-resources such as
    /// security group rules). Untrusted.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tags: std::collections::BTreeMap<String, String>,
}

/// Whether a path from the internet reaches an exposed resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reachability {
    /// A path exists from `0.0.0.0/0` or `::/0`.
    Reachable,
    /// No path exists (no public address, no route to an internet gateway,
    /// a NACL blocks it, ...): `Exposure::reason` says which hop is missing.
    NotReachable,
    /// Data a hop needs is missing (not collected, not read): never
    /// reported as not reachable.
    Unknown,
}

impl Reachability {
    /// snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Reachability::Reachable => "reachable",
            Reachability::NotReachable => "not_reachable",
            Reachability::Unknown => "unknown",
        }
    }
}

/// One hop of a network path from the internet to a resource.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PathHop {
    /// What the hop is: `internet`, `internet_gateway`, `route_table`,
    /// `network_acl_entry`, `load_balancer`, `listener`, `target_group`,
    /// `security_group_rule`, `network_interface`, `instance`, `role`.
    pub kind: String,
    /// The hop's resource id (ARN or derived id, as in
    /// [`ResourceRef::id`]); `0.0.0.0/0` / `::/0` for the internet.
    pub id: String,
    /// What the hop contributes, for people: `route 0.0.0.0/0 -> igw-1`,
    /// `ingress rule 100 allows tcp 22 from 0.0.0.0/0`. Untrusted (built
    /// from cloud names): escape before display.
    pub label: String,
}

/// The reachability verdict of an exposure finding and the path behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// The verdict.
    pub verdict: Reachability,
    /// Why, in one sentence: the ports reachable, the missing hop, or the
    /// data that is missing.
    pub reason: String,
    /// The hops from the internet to the resource (for `reachable`), or as
    /// far as the path gets (for the others), in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<PathHop>,
}

/// One (check, resource) result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Rule id.
    pub rule_id: String,
    /// Outcome.
    pub status: Status,
    /// The resource.
    pub resource: ResourceRef,
    /// Error text or gap reason, for `error` and `not_evaluated`; for a
    /// `pass`, the constraint that made it one, when the resource records
    /// it (a policy statement whose escalating grant a condition limits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Estimated monthly cost, for fails of rules with a cost model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<palisade_rules::CostEstimate>,
    /// The effective severity, when it differs from the rule's metadata
    /// severity: a fail of a rule annotated `@exposure` one level up when
    /// its resource is reachable from the internet, one level down (not
    /// below `low`) when it is not. `None`: the rule's severity applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<palisade_rules::Severity>,
    /// The reachability verdict and network path behind a fail of a rule
    /// annotated `@exposure` (from the account graph's exposures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposure: Option<Exposure>,
}

impl CheckResult {
    /// The stable finding id of this result (rule and resource only: an
    /// adjusted severity or a reachability verdict never changes it).
    pub fn finding_id(&self) -> String {
        finding_id(&self.rule_id, &self.resource.id)
    }

    /// The severity this result is reported and gated at: its own
    /// ([`CheckResult::severity`]) when set, else `rule` (the rule's
    /// metadata severity).
    pub fn effective_severity(
        &self,
        rule: Option<palisade_rules::Severity>,
    ) -> Option<palisade_rules::Severity> {
        self.severity.or(rule)
    }
}

/// What a reachability verdict does to a severity: reachable raises it one
/// level (at most `critical`), not reachable lowers it one level (at least
/// `low`: the rule still names a latent exposure, one route or address
/// away), unknown keeps it.
pub fn adjusted_severity(
    rule: palisade_rules::Severity,
    verdict: Reachability,
) -> palisade_rules::Severity {
    use palisade_rules::Severity::{Critical, High, Info, Low, Medium};
    match (verdict, rule) {
        (Reachability::Reachable, Info) => Low,
        (Reachability::Reachable, Low) => Medium,
        (Reachability::Reachable, Medium) => High,
        (Reachability::Reachable, High | Critical) => Critical,
        (Reachability::NotReachable, Critical) => High,
        (Reachability::NotReachable, High) => Medium,
        (Reachability::NotReachable, Medium | Low) => Low,
        (Reachability::NotReachable, Info) => Info,
        (Reachability::Unknown, s) => s,
    }
}

impl Exposure {
    /// The verdict and reason as a message prefix:
    /// `reachable from the internet: ...`, `not reachable: ...`,
    /// `reachability unknown: ...`.
    pub fn summary(&self) -> String {
        let verdict = match self.verdict {
            Reachability::Reachable => "reachable from the internet",
            Reachability::NotReachable => "not reachable",
            Reachability::Unknown => "reachability unknown",
        };
        if self.reason.is_empty() {
            verdict.to_owned()
        } else {
            format!("{verdict}: {}", self.reason)
        }
    }
}

/// Stable finding id: hex SHA-256 of `rule_id NUL resource_id`, first 32
/// hex digits. Depends only on the rule and the resource (including the exact
/// sub-resource, e.g. one security group rule), so it is unique per finding
/// and the same across runs and machines.
pub fn finding_id(rule_id: &str, resource_id: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(resource_id.as_bytes());
    hex::encode(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_id_is_stable_and_distinct() {
        let a = finding_id(
            "ec2-sg-open-admin-ports",
            "arn:aws:ec2:us-east-1:1:security-group-rule/sgr-1",
        );
        assert_eq!(
            a,
            finding_id(
                "ec2-sg-open-admin-ports",
                "arn:aws:ec2:us-east-1:1:security-group-rule/sgr-1"
            )
        );
        assert_ne!(
            a,
            finding_id(
                "ec2-sg-open-admin-ports",
                "arn:aws:ec2:us-east-1:1:security-group-rule/sgr-2"
            )
        );
        // No ambiguity from concatenation.
        assert_ne!(finding_id("ab", "c"), finding_id("a", "bc"));
        assert_eq!(a.len(), 32);
    }
}
