//! The account entity (root user, password policy, account-wide IAM and
//! Config facts) and one region entity per region (counts of what exists).

use cedar_policy::EntityUid;
use palisade_model::{RegionData, GLOBAL_REGION};

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::iam::Attachments;

impl GraphBuilder {
    /// Adds the account entity; returns its uid.
    pub(super) fn build_account(
        &self,
        g: &mut Ctx<'_>,
        attachments: &Attachments<'_>,
    ) -> EntityUid {
        let a = g.account;
        let iam = &a.iam;
        let root = &iam.root;
        let mut attrs = Attrs::default()
            .s("account_id", &a.account_id)
            .s("name", a.name.as_deref().unwrap_or(&a.account_id))
            .b("root_mfa_active", root.mfa_active)
            .b("root_hardware_mfa", root.mfa_active && root.hardware_mfa)
            .b("root_access_key_active", root.access_key_active)
            .opt_l(
                "root_password_days_since_used",
                self.days_since(root.password_last_used),
            )
            .b("has_password_policy", iam.password_policy.is_some())
            .set_s(
                "attached_aws_managed_policies",
                attachments.aws_managed_names(&iam.policies),
            )
            .n("user_count", iam.users.len())
            .n("role_count", iam.roles.len())
            .n(
                "config_global_recording_region_count",
                a.region_data
                    .iter()
                    .filter(|r| {
                        r.config
                            .recorders
                            .iter()
                            .any(|c| c.recording && c.include_global_resource_types)
                    })
                    .count(),
            );
        if let Some(pp) = &iam.password_policy {
            attrs = attrs
                .l("password_min_length", pp.minimum_password_length)
                .l(
                    "password_reuse_prevention",
                    pp.password_reuse_prevention.unwrap_or(0),
                )
                .opt_l("password_max_age_days", pp.max_password_age)
                .opt_b("password_require_symbols", Some(pp.require_symbols))
                .opt_b("password_require_numbers", Some(pp.require_numbers))
                .opt_b("password_require_uppercase", Some(pp.require_uppercase))
                .opt_b("password_require_lowercase", Some(pp.require_lowercase));
        }
        let name = a.name.clone().unwrap_or_else(|| a.account_id.clone());
        g.node(&self.types.account, &a.account_id, GLOBAL_REGION)
            .name(name)
            .attrs(attrs)
            .add()
    }

    /// Adds the entity of `region`; returns its uid.
    pub(super) fn build_region(
        &self,
        g: &mut Ctx<'_>,
        acct_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) -> EntityUid {
        let region_id = format!("{}/{region}", g.account.account_id);
        let recording: Vec<_> = d.config.recorders.iter().filter(|r| r.recording).collect();
        let attrs = Attrs::default()
            .s("region", region)
            .s("account_id", &g.account.account_id)
            .n("backup_plan_count", d.backup.plans.len())
            .n("backup_vault_count", d.backup.vaults.len())
            .n(
                "backup_protected_resource_count",
                d.backup.protected_resources.len(),
            )
            .n("config_recorder_count", d.config.recorders.len())
            .b("config_recording", !recording.is_empty())
            .b(
                "config_all_supported",
                recording.iter().any(|r| r.all_supported),
            )
            .b(
                "config_include_global",
                recording.iter().any(|r| r.include_global_resource_types),
            )
            .n(
                "config_delivery_channel_count",
                d.config.delivery_channels.len(),
            )
            .n("vpc_count", d.ec2.vpcs.len())
            .n("network_interface_count", d.ec2.network_interfaces.len())
            .n(
                "workload_interface_count",
                d.ec2
                    .network_interfaces
                    .iter()
                    .filter(|n| crate::facts::backup::carries_workload(n))
                    .count(),
            )
            .n("web_acl_count", d.wafv2.web_acls.len());
        g.node(&self.types.region, &region_id, region)
            .name(&region_id)
            .parent(acct_uid)
            .attrs(attrs)
            .add()
    }
}
