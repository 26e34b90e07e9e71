//! Pure, Cedar-free facts the graph builder derives from snapshot data.
//! Each module computes one kind of fact and is unit-tested on its own; the
//! schema comment of every DERIVED attribute names the module that
//! computes it (`policies/schema.cedarschema`).
//!
//! - [`wildcard`]: IAM-style `*`/`?` matching and pattern containment.
//! - [`actions`]: granted sensitive actions (minus the same policy's
//!   unconditional Deny), constrained and unconstrained grants, the services
//!   a policy may pass any role to, Allow action lists, service wildcards,
//!   whole-type resource patterns.
//! - [`conditions`]: conditions with operator, key and values, whether AWS
//!   would restrict with them, and resource-policy facts.
//! - [`iam`]: policy attachments, escalating policies, group members,
//!   setup-time keys.
//! - [`arn`]: accounts and regions named by ARNs and principals.
//! - [`cidr`]: CIDR parsing and containment.
//! - [`ports`]: protocol normalisation and port coverage.
//! - [`nacl`]: network ACL rule order and reachable ports.
//! - [`schedule`]: AWS cron/rate schedules and their worst-case gaps.
//! - [`storage`]: recovery-point storage sizes.
//! - [`backup`]: vault lock mode, copy destinations, selection matching,
//!   plan cadence, workload network interfaces.
//! - [`backup_policy`]: vault access policies (deletion denied to everyone,
//!   access allowed to anyone).
//! - [`s3_policy`]: bucket policies (requests without TLS denied to
//!   everyone) and resource policies open to anyone (read, write).
//! - [`waf`]: managed rule groups (enforced or count-only), rule types.
//! - [`metric_filter`]: CloudWatch Logs JSON filter patterns, compared semantically.
//! - [`trail`]: CloudTrail selectors and the CIS monitoring controls.
//! - [`addrset`]: address sets (interval unions) and the internet source set.
//! - [`reachability`]: paths from the internet to network interfaces.
//! - [`launch`]: the launch settings of Auto Scaling groups and templates
//!   (public IP, IMDSv1).
//! - [`peering`]: VPC peering routes wider than the peer VPC.
//! - [`role_privilege`]: whether a role grants administrator access or privilege escalation.
//! - [`scp`]: what an organisation's service control policies deny in a member account.

pub mod actions;
pub mod addrset;
pub mod arn;
pub mod backup;
pub mod backup_policy;
pub mod cidr;
pub mod conditions;
pub mod iam;
pub mod launch;
pub mod metric_filter;
pub mod nacl;
pub mod peering;
pub mod ports;
pub mod reachability;
pub mod role_privilege;
pub mod s3_policy;
pub mod schedule;
pub mod scp;
pub mod storage;
pub mod trail;
pub mod waf;
pub mod wildcard;
