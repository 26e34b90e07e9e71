//! Snapshot -> Cedar entities, one account at a time, one module per
//! service. Sub-entities for everything a check quantifies over (security
//! group rules, NACL entries, policy and trust statements, WAF rules, backup
//! rules and selections), parents chained up to the account, and derived
//! facts computed once (by the pure [`crate::facts`] modules; documented in
//! `policies/schema.cedarschema`).
//!
//! - `node`: the entity builder (`g.node(&ty, id, region)...add()`).
//! - `types`: the entity type names.
//! - `account`: the account and region entities.
//! - `iam`, `iam_policy`: users, groups, roles, access keys; managed and
//!   inline policies, their statements, trust statements.
//! - `ec2`, `nacl`: VPCs, subnets, security groups and rules; network ACLs.
//! - `wafv2`, `backup`, `config`: web ACLs, backup vaults/plans/resources,
//!   configuration recorders.
//! - `logging`: CloudTrail trails, metric filters and alarms.
//! - `storage`: S3 buckets, KMS keys.
//! - `detection`: GuardDuty, Security Hub, Access Analyzer, flow logs, EBS
//!   default encryption, RDS and EFS.
//! - `exposure`: instances and network interfaces with their reachability
//!   from the internet; the verdict on security group rules and NACL entries.
//! - `fleet`: load balancers, Auto Scaling groups, launch templates, routes.
//! - `org`: the organisation and its accounts (judged once per scan), and
//!   the organisation facts of accounts (SCP verdicts, trust outside it).

mod account;
mod backup;
mod config;
mod detection;
mod ec2;
mod exposure;
mod fleet;
mod iam;
mod iam_policy;
mod logging;
mod nacl;
mod node;
mod org;
mod storage;
mod types;
mod wafv2;

use cedar_policy::{Entity, EntityTypeName, EntityUid};
use chrono::{DateTime, Utc};
use palisade_model::{Account, RegionData};

use crate::facts::iam::Attachments;
use crate::result::ResourceRef;
use node::Ctx;
pub use org::{protection, Protection, ScpFacts, TrustOrg, PROTECTIONS};
use types::Types;

/// The entities of one account plus the resources to evaluate.
#[derive(Debug, Default)]
pub struct AccountGraph {
    /// Every entity (resources and their ancestors).
    pub entities: Vec<Entity>,
    /// Evaluated resources: (entity uid, entity type, reference for reports).
    pub resources: Vec<(EntityUid, EntityTypeName, ResourceRef)>,
    /// Resources whose data could not be turned into a valid entity; every
    /// check over their type reports an `error` for them.
    pub broken: Vec<(EntityTypeName, ResourceRef, String)>,
    /// Facts about single attributes of resources: unknown (a check that
    /// reads it is not evaluated) or a note explaining a pass.
    pub facts: Vec<FactNote>,
    /// The reachability verdict and network path behind an exposure
    /// resource (security group rule, NACL entry, network interface,
    /// instance), by resource id: attached to the results of rules
    /// annotated `@exposure` (issue 14).
    pub exposures: std::collections::HashMap<String, crate::result::Exposure>,
    /// Listings absent from the snapshot with no coverage record saying
    /// why (a snapshot collected before they were): no resource of the
    /// type could be built, so its rules are not evaluated in the region,
    /// never silently without results.
    pub unread: Vec<UnreadListing>,
    /// The organisation's SCP verdicts for the account and the actions
    /// policy statements grant, for rules annotated `@scp` (issue 15).
    pub scp: ScpFacts,
}

/// A listing of one region that is not in the snapshot (see
/// [`AccountGraph::unread`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadListing {
    /// The region.
    pub region: String,
    /// The entity type the listing would have produced.
    pub resource_type: EntityTypeName,
    /// The service and API that lists them, e.g. `ec2` `DescribeInstances`.
    pub service: &'static str,
    /// The API.
    pub api: &'static str,
}

/// What is known about one attribute of one resource besides its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// The attribute could not be known (left out of the entity): the
    /// results of checks that read it are not evaluated.
    Unknown,
    /// The attribute explains a pass: passes of checks that read it carry
    /// the note as their message.
    PassNote,
}

/// One [`FactKind`] about attribute `attr` of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactNote {
    /// The resource's entity type (as in [`ResourceRef::resource_type`]).
    pub resource_type: String,
    /// The resource's id (as in [`ResourceRef::id`]).
    pub resource_id: String,
    /// The attribute name.
    pub attr: String,
    /// Unknown, or a note for passes.
    pub kind: FactKind,
    /// Why it is unknown, or the note.
    pub text: String,
}

/// Builds account graphs; holds what is shared across accounts.
#[derive(Debug, Clone)]
pub struct GraphBuilder {
    types: Types,
    scan_time: DateTime<Utc>,
    ports_of_interest: Vec<i64>,
    /// The organisation the accounts belong to (collected with `--org`).
    organization: Option<std::sync::Arc<palisade_model::organization::Organization>>,
}

impl GraphBuilder {
    /// A builder for a snapshot taken at `scan_time`, computing port facts for
    /// `ports_of_interest`.
    pub fn new(scan_time: DateTime<Utc>, ports_of_interest: Vec<i64>) -> Self {
        Self {
            types: Types::default(),
            scan_time,
            ports_of_interest,
            organization: None,
        }
    }

    /// Whether accounts are judged as members of an organisation.
    pub fn has_organization(&self) -> bool {
        self.organization.is_some()
    }

    /// The same builder, judging accounts as members of `organization`.
    pub fn with_organization(
        mut self,
        organization: Option<palisade_model::organization::Organization>,
    ) -> Self {
        self.organization = organization.map(std::sync::Arc::new);
        self
    }

    /// Whole days from `t` to the scan time.
    fn days_since(&self, t: Option<DateTime<Utc>>) -> Option<i64> {
        t.map(|t| (self.scan_time - t).num_days())
    }

    /// Builds the graph of one account.
    pub fn build(&self, account: &Account) -> AccountGraph {
        let mut g = Ctx::new(account);
        g.graph.scp = self.scp_facts(account);
        let attachments = Attachments::of(&account.iam);
        let acct_uid = self.build_account(&mut g, &attachments);
        self.build_iam(&mut g, &acct_uid, &attachments);
        self.build_s3(&mut g, &acct_uid);

        let mut regions: Vec<&str> = account.regions.iter().map(String::as_str).collect();
        regions.extend(account.region_data.iter().map(|r| r.region.as_str()));
        regions.sort_unstable();
        regions.dedup();
        let empty = RegionData::default();
        for region in regions {
            let data = account
                .region_data
                .iter()
                .find(|r| r.region == region)
                .unwrap_or(&empty);
            let region_uid = self.build_region(&mut g, &acct_uid, region, data);
            self.build_ec2(&mut g, &region_uid, region, data);
            self.build_waf(&mut g, &region_uid, region, data);
            self.build_backup(&mut g, &region_uid, region, data);
            self.build_config(&mut g, &region_uid, region, data);
            self.build_logging(&mut g, &region_uid, region, data);
            self.build_kms(&mut g, &region_uid, region, data);
            self.build_detection(&mut g, &region_uid, region, data);
            self.build_exposure(&mut g, &region_uid, region, data);
            self.build_fleet(&mut g, &region_uid, region, data);
            self.note_unread_listings(&mut g, region, data);
        }
        g.graph
    }
}

impl GraphBuilder {
    /// Records the issue-14 listings of `region` that are absent (`None`)
    /// without a coverage record of their API: an older snapshot, or one
    /// edited by hand. (A listing that failed has a gap record, and a
    /// region without any EC2 record has the loader's `(none)` gap or is a
    /// hand-written snapshot: the evaluator already reports the first, and
    /// the second is judged on what it holds.)
    fn note_unread_listings(&self, g: &mut Ctx<'_>, region: &str, d: &RegionData) {
        // Only where the collector recorded EC2 in this region: a
        // hand-written snapshot (no coverage records) is judged on what it
        // holds, as everywhere else.
        let collected = g
            .account
            .coverage
            .iter()
            .any(|c| c.service == "ec2" && c.region == region);
        if !collected {
            return;
        }
        let ec2 = &d.ec2;
        let listings = [
            (
                ec2.instances.is_none(),
                "DescribeInstances",
                &self.types.exposure.instance,
            ),
            (
                ec2.launch_templates.is_none(),
                "DescribeLaunchTemplates",
                self.types.fleet.launch_template_type(),
            ),
            (
                ec2.route_tables.is_none(),
                "DescribeRouteTables",
                self.types.fleet.peering_route_type(),
            ),
        ];
        for (absent, api, ty) in listings {
            // A record of the listing (ok or failed), or the loader's
            // whole-service gap for the region, already says what happened.
            let recorded = g.account.coverage.iter().any(|c| {
                c.service == "ec2" && c.region == region && (c.api == api || c.api == "(none)")
            });
            if absent && !recorded {
                g.graph.unread.push(UnreadListing {
                    region: region.to_owned(),
                    resource_type: ty.clone(),
                    service: "ec2",
                    api,
                });
            }
        }
    }
}
