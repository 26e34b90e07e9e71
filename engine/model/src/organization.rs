//! AWS Organizations: the organisation's structure (roots, organisational
//! units, accounts) and its service control policies, as read from the
//! management account or a delegated administrator, plus the shard a
//! snapshot file holds when one collection is split over several processes.
//!
//! Every list is `None` when its listing failed or was cut short: unknown,
//! never "none". The organisation's own coverage records (service
//! `organizations`, region `global`) say which call failed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::policy::PolicyDocument;
use crate::snapshot::CoverageRecord;

/// The organisation the collected accounts belong to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Organization {
    /// `o-` id.
    pub id: String,
    /// Organisation ARN.
    #[serde(default)]
    pub arn: String,
    /// The management account's id.
    pub management_account_id: String,
    /// `ALL` or `CONSOLIDATED_BILLING` (service control policies need `ALL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_set: Option<String>,
    /// The account the organisation was read from (the management account
    /// or a delegated administrator).
    #[serde(default)]
    pub read_from: String,
    /// Roots (an organisation has one), with the policy types enabled on it.
    #[serde(default)]
    pub roots: Option<Vec<OrgRoot>>,
    /// Every organisational unit, at any depth.
    #[serde(default)]
    pub units: Option<Vec<OrganizationalUnit>>,
    /// Every account of the organisation (collected or not).
    #[serde(default)]
    pub accounts: Option<Vec<OrgAccount>>,
    /// Every service control policy, with its document and targets.
    #[serde(default)]
    pub policies: Option<Vec<ServiceControlPolicy>>,
    /// Which Organizations calls succeeded or failed (region `global`).
    #[serde(default)]
    pub coverage: Vec<CoverageRecord>,
}

/// An organisation root.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct OrgRoot {
    /// `r-` id.
    pub id: String,
    /// Root ARN.
    #[serde(default)]
    pub arn: String,
    /// Root name (`Root`).
    #[serde(default)]
    pub name: String,
    /// Enabled policy types with status `ENABLED`
    /// (e.g. `SERVICE_CONTROL_POLICY`).
    #[serde(default)]
    pub enabled_policy_types: Vec<String>,
}

/// An organisational unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct OrganizationalUnit {
    /// `ou-` id.
    pub id: String,
    /// OU ARN.
    #[serde(default)]
    pub arn: String,
    /// OU name.
    #[serde(default)]
    pub name: String,
    /// The root or OU that contains it.
    pub parent_id: String,
}

/// An account of the organisation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct OrgAccount {
    /// 12-digit account id.
    pub id: String,
    /// Account ARN.
    #[serde(default)]
    pub arn: String,
    /// Account name.
    #[serde(default)]
    pub name: String,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    #[serde(default)]
    pub status: String,
    /// `INVITED` or `CREATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_method: Option<String>,
    /// The root or OU directly containing the account; `None` when
    /// `ListParents` failed for it.
    #[serde(default)]
    pub parent_id: Option<String>,
}

/// A service control policy.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ServiceControlPolicy {
    /// `p-` id (`p-FullAWSAccess` for the AWS-managed one).
    pub id: String,
    /// Policy ARN.
    #[serde(default)]
    pub arn: String,
    /// Policy name.
    #[serde(default)]
    pub name: String,
    /// True for AWS-managed policies (`FullAWSAccess`).
    #[serde(default)]
    pub aws_managed: bool,
    /// The policy document; `None` when `DescribePolicy` failed.
    #[serde(default)]
    pub document: Option<PolicyDocument>,
    /// Ids of the roots, OUs and accounts it is attached to; `None` when
    /// `ListTargetsForPolicy` failed.
    #[serde(default)]
    pub targets: Option<Vec<String>>,
}

/// The share of a sharded collection a snapshot file holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ShardInfo {
    /// This shard's index, from 0.
    pub index: u32,
    /// Number of shards in the run.
    pub count: u32,
    /// Identifies the run the shards belong to (a Kubernetes Job's uid, an
    /// AWS Batch array job id, or `--run-id`); shards of different runs are
    /// never merged.
    #[serde(default)]
    pub run_id: String,
    /// Every account of the run and the shard it was assigned to, so a merge
    /// knows which accounts a missing shard held.
    pub assignment: BTreeMap<String, u32>,
}

impl Organization {
    /// The organisation's account ids, when the account listing was read.
    pub fn account_ids(&self) -> Option<Vec<&str>> {
        self.accounts
            .as_ref()
            .map(|a| a.iter().map(|a| a.id.as_str()).collect())
    }

    /// The chain from `account_id` up to the root: the account itself, its
    /// OUs from the nearest up, then the root. `None` when a parent along
    /// the way is unknown (a listing failed).
    pub fn ancestry(&self, account_id: &str) -> Option<Vec<String>> {
        let account = self
            .accounts
            .as_ref()?
            .iter()
            .find(|a| a.id == account_id)?;
        let units = self.units.as_ref()?;
        let roots = self.roots.as_ref()?;
        let mut chain = vec![account.id.clone()];
        let mut parent = account.parent_id.clone()?;
        // Bounded: an OU tree is at most five levels deep; a cycle in bad
        // data must not loop.
        for _ in 0..=units.len() {
            chain.push(parent.clone());
            if roots.iter().any(|r| r.id == parent) {
                return Some(chain);
            }
            parent = units.iter().find(|u| u.id == parent)?.parent_id.clone();
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organization {
        Organization {
            id: "o-abc".into(),
            management_account_id: "111111111111".into(),
            roots: Some(vec![OrgRoot {
                id: "r-1".into(),
                ..OrgRoot::default()
            }]),
            units: Some(vec![
                OrganizationalUnit {
                    id: "ou-a".into(),
                    parent_id: "r-1".into(),
                    ..OrganizationalUnit::default()
                },
                OrganizationalUnit {
                    id: "ou-b".into(),
                    parent_id: "ou-a".into(),
                    ..OrganizationalUnit::default()
                },
            ]),
            accounts: Some(vec![
                OrgAccount {
                    id: "222222222222".into(),
                    parent_id: Some("ou-b".into()),
                    ..OrgAccount::default()
                },
                OrgAccount {
                    id: "333333333333".into(),
                    parent_id: None,
                    ..OrgAccount::default()
                },
            ]),
            ..Organization::default()
        }
    }

    #[test]
    fn ancestry_walks_to_the_root() {
        assert_eq!(
            org().ancestry("222222222222").unwrap(),
            ["222222222222", "ou-b", "ou-a", "r-1"]
        );
    }

    #[test]
    fn ancestry_is_unknown_when_a_parent_is() {
        assert_eq!(org().ancestry("333333333333"), None);
        assert_eq!(org().ancestry("444444444444"), None);
        let mut o = org();
        o.units = None;
        assert_eq!(o.ancestry("222222222222"), None);
    }

    #[test]
    fn ancestry_survives_a_cycle() {
        let mut o = org();
        o.units.as_mut().unwrap()[0].parent_id = "ou-b".into();
        assert_eq!(o.ancestry("222222222222"), None);
    }
}
