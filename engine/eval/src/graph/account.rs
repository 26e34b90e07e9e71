//! The account entity (root user, password policy, account-wide IAM and
//! Config facts) and one region entity per region (counts of what exists).

use cedar_policy::EntityUid;
use palisade_model::iam::{Role, RootAccount};
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
        let attrs = root_attrs(
            Attrs::default()
                .s("account_id", &a.account_id)
                .s("name", a.name.as_deref().unwrap_or(&a.account_id)),
            &iam.root,
            self.days_since(iam.root.last_used().flatten()),
        );
        let mut attrs = attrs
            .b("has_password_policy", iam.password_policy.is_some())
            .set_s(
                "attached_aws_managed_policies",
                attachments.aws_managed_names(&iam.policies),
            )
            .set_s(
                "role_attached_aws_managed_policies",
                role_aws_managed_names(&iam.roles),
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
        let attrs = self.logging_account_attrs(a, attrs);
        let attrs = self.storage_account_attrs(a, attrs);
        let attrs = self.detection_account_attrs(a, attrs);
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
        let attrs = self.logging_region_attrs(g.account, region, d, attrs);
        let attrs = self.storage_region_attrs(g.account, region, d, attrs);
        let attrs = self.detection_region_attrs(g.account, region, d, attrs);
        let attrs = self.exposure_region_attrs(region, d, attrs);
        let attrs = self.fleet_region_attrs(region, d, attrs);
        g.node(&self.types.region, &region_id, region)
            .name(&region_id)
            .parent(acct_uid)
            .attrs(attrs)
            .add()
    }
}

/// The root user's attributes. An unknown fact is left out and marked
/// unknown (checks reading it are not evaluated); a root user without any
/// credential gets a note explaining why the MFA checks pass.
fn root_attrs(attrs: Attrs, root: &RootAccount, days_since_used: Option<i64>) -> Attrs {
    const SUMMARY: &str = "GetAccountSummary and the credential report's <root_account> row";
    let creds = root.has_credentials();
    let mut attrs = match creds {
        Some(c) => attrs.b("root_has_credentials", c),
        None => attrs.unknown(
            "root_has_credentials",
            format!("whether the root user has a console password or an access key ({SUMMARY} could not tell)"),
        ),
    };
    if creds == Some(false) {
        attrs = attrs.note(
            "root_has_credentials",
            "the root user has no console password and no access key (e.g. centralised root access): MFA is not required",
        );
    }
    // Without credentials the MFA facts decide nothing: do not make them unknown.
    let mfa_matters = creds != Some(false);
    let hardware = match (root.mfa_active, root.hardware_mfa) {
        (Some(false), _) => Some(false),
        (Some(true), h) => h,
        (None, _) => None,
    };
    attrs = match (root.mfa_active, mfa_matters) {
        (Some(m), _) => attrs.b("root_mfa_active", m),
        (None, true) => attrs.unknown(
            "root_mfa_active",
            format!("whether the root user has MFA ({SUMMARY} could not tell)"),
        ),
        (None, false) => attrs,
    };
    attrs = match (hardware, mfa_matters) {
        (Some(h), _) => attrs.b("root_hardware_mfa", h),
        (None, true) => attrs.unknown(
            "root_hardware_mfa",
            "whether the root user's MFA device is a hardware device",
        ),
        (None, false) => attrs,
    };
    attrs = match root.access_key_active {
        Some(k) => attrs.b("root_access_key_active", k),
        None => attrs.unknown(
            "root_access_key_active",
            format!("whether the root user has an active access key ({SUMMARY} could not tell)"),
        ),
    };
    match root.last_used() {
        Some(_) => attrs.opt_l("root_days_since_last_used", days_since_used),
        None => attrs.unknown(
            "root_days_since_last_used",
            "when the root user last used its password or access keys (the credential report has no <root_account> row)",
        ),
    }
}

/// Names of the AWS managed policies attached to roles (by ARN), sorted.
fn role_aws_managed_names(roles: &[Role]) -> Vec<&str> {
    let mut names: Vec<&str> = roles
        .iter()
        .flat_map(|r| &r.attached_policies)
        .filter(|arn| arn.contains(":iam::aws:policy/"))
        .filter_map(|arn| arn.rsplit('/').next())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}
