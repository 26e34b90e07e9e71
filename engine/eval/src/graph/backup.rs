//! AWS Backup: vaults, plans (with one `BackupRule` per rule and one
//! `BackupSelection` per selection, children of the plan) and protected
//! resources, children of the region. A vault whose access policy could
//! not be read is a broken resource (its policy facts are unknown).

use cedar_policy::EntityUid;
use std::collections::HashMap;

use chrono::Datelike;
use palisade_model::backup::{BackupPlan, BackupVault, ProtectedResource};
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::backup::{
    cadence, cross_copies, lock_mode, selection_coverage, tag_selection_count, Cadence,
};
use crate::facts::backup_policy::{any_principal_allow, undenied_delete_actions};
use crate::facts::schedule::{hours_ceil, worst_gap_of};
use crate::facts::storage::warm_storage_gb;

/// Names of plans, for messages.
fn plan_names(plans: &[&BackupPlan]) -> String {
    plans
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl GraphBuilder {
    /// Adds the backup resources of one region.
    pub(super) fn build_backup(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        for v in &d.backup.vaults {
            self.vault(g, region_uid, region, v);
        }
        for p in &d.backup.plans {
            self.plan(g, region_uid, region, d, p);
        }
        let tag_selections = tag_selection_count(&d.backup.plans);
        // Resources selected by the same plans share one cadence.
        let mut cadences: HashMap<Vec<&str>, Cadence> = HashMap::new();
        for pr in &d.backup.protected_resources {
            let attrs = self
                .protected_attrs(&d.backup.plans, pr, &mut cadences)
                .n("region_tag_selection_count", tag_selections);
            // Protected resources have their own ARNs; scope the id so it
            // cannot collide with the resource's own entity elsewhere.
            let id = format!("{}#backup", pr.resource_arn);
            g.node(&self.types.protected, id, region)
                .name(&pr.resource_arn)
                .parent(region_uid)
                .attrs(attrs)
                .add();
        }
    }

    /// A protected resource's facts: how old its newest recovery point is,
    /// which plans surely select it (and how often they run together), and
    /// which may, by tag.
    fn protected_attrs<'p>(
        &self,
        plans: &'p [BackupPlan],
        pr: &ProtectedResource,
        cadences: &mut HashMap<Vec<&'p str>, Cadence>,
    ) -> Attrs {
        let cov = selection_coverage(plans, &pr.resource_arn);
        let key: Vec<&str> = cov.plans.iter().map(|p| p.arn.as_str()).collect();
        let c = cadences
            .entry(key)
            .or_insert_with(|| {
                cadence(
                    cov.plans.iter().flat_map(|p| &p.rules),
                    self.scan_time.year(),
                )
            })
            .clone();
        let expectation = match (c.worst_gap_hours, cov.plans.is_empty()) {
            (Some(h), _) => format!(
                "expected every {h} h by plan(s) {} (plus recovery_point_grace_hours)",
                plan_names(&cov.plans)
            ),
            (None, false) => format!(
                "the schedules of plan(s) {} could not be read: judged against max_recovery_point_age_days",
                plan_names(&cov.plans)
            ),
            (None, true) if !cov.plans_if_tagged.is_empty() => format!(
                "no plan is known to select it (plan(s) {} select by tags, which are not collected): judged against max_recovery_point_age_days",
                plan_names(&cov.plans_if_tagged)
            ),
            (None, true) => "no plan selects it: judged against max_recovery_point_age_days".to_owned(),
        };
        let undecided_plans =
            (cov.plans.len() <= 1 && cov.plans.len() + cov.plans_if_tagged.len() > 1).then(|| {
                format!(
                    "plan(s) {} select resources by tag and resource tags are not collected",
                    plan_names(&cov.plans_if_tagged)
                )
            });
        let attrs = if c.unreadable.is_empty() {
            Attrs::default()
        } else {
            // An unread schedule may run more often than the others: the
            // interval the resource is owed is unknown, not the readable
            // rules' interval.
            Attrs::default().unknown(
                "expected_backup_interval_hours",
                format!(
                    "a schedule of a plan that selects it could not be read ({}), so how often the resource is backed up is unknown",
                    c.unreadable.join("; ")
                ),
            )
        };
        attrs
            .s("resource_arn", &pr.resource_arn)
            .s("resource_type", &pr.resource_type)
            .opt_l(
                "days_since_last_backup",
                self.days_since(pr.last_backup_time),
            )
            .opt_l(
                "hours_since_last_backup",
                pr.last_backup_time
                    .map(|t| (self.scan_time - t).num_hours()),
            )
            .opt_l("expected_backup_interval_hours", c.worst_gap_hours)
            .s("backup_expectation", &expectation)
            .n("matching_selection_count", cov.selections)
            .n("matching_plan_count", cov.plans.len())
            .opt_s("plan_count_undecided", undecided_plans.as_deref())
    }

    fn vault(&self, g: &mut Ctx<'_>, region_uid: &EntityUid, region: &str, v: &BackupVault) {
        let policy = v.access_policy.as_ref();
        if let Some(reason) = policy.and_then(|p| p.unreadable_reason()) {
            g.node(&self.types.vault, &v.arn, region)
                .name(&v.name)
                .broken(format!("access policy could not be read: {reason}"));
            return;
        }
        let undenied: Vec<&str> = match policy {
            Some(p) => undenied_delete_actions(p, &v.arn),
            None => vec![
                "backup:DeleteRecoveryPoint",
                "backup:DeleteBackupVaultAccessPolicy",
            ],
        };
        let deletion_denial = match (policy, undenied.is_empty()) {
            (None, _) => "the vault has no access policy".to_owned(),
            (Some(_), true) => "a Deny to every principal (exceptions only by aws:PrincipalArn) covers backup:DeleteRecoveryPoint and backup:DeleteBackupVaultAccessPolicy".to_owned(),
            (Some(_), false) => format!(
                "no Deny to every principal (Principal \"*\", exceptions only by aws:PrincipalArn, on all resources) covers {}",
                undenied.join(" and ")
            ),
        };
        let any_principal = policy.and_then(any_principal_allow);
        let unencrypted = v.unencrypted_recovery_points.as_deref();
        let encryption = match unencrypted {
            None => "recovery points not listed".to_owned(),
            Some([]) if v.number_of_recovery_points == 0 => {
                "the vault holds no recovery points".to_owned()
            }
            Some([]) => "every recovery point is encrypted at rest".to_owned(),
            Some(arns) => format!(
                "{} recovery point(s) not encrypted at rest: {}{}",
                arns.len(),
                arns.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
                if arns.len() > 3 { ", ..." } else { "" }
            ),
        };
        let attrs = Attrs::default()
            .s("name", &v.name)
            .b("locked", v.locked)
            .s("lock_mode", lock_mode(v, self.scan_time))
            .opt_l("min_retention_days", v.min_retention_days)
            .b(
                "has_encryption_key",
                v.encryption_key_arn
                    .as_deref()
                    .is_some_and(|k| !k.is_empty()),
            )
            .l("recovery_point_count", v.number_of_recovery_points)
            .b("has_access_policy", policy.is_some())
            .b("access_policy_denies_delete", undenied.is_empty())
            .s("deletion_denial", &deletion_denial)
            .b(
                "access_policy_allows_any_principal",
                any_principal.is_some(),
            )
            .opt_s("any_principal_statement", any_principal.as_deref())
            .opt_l(
                "unencrypted_recovery_point_count",
                unencrypted.map(|a| i64::try_from(a.len()).unwrap_or(i64::MAX)),
            )
            .s("recovery_point_encryption", &encryption)
            .opt_s(
                "recovery_points_unlisted",
                unencrypted.is_none().then_some(
                    "the vault's recovery points were not listed (ListRecoveryPointsByBackupVault), so their encryption is unknown",
                ),
            );
        g.node(&self.types.vault, &v.arn, region)
            .name(&v.name)
            .parent(region_uid)
            .attrs(attrs)
            .add();
    }

    fn plan(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
        p: &BackupPlan,
    ) {
        let t = &self.types;
        let c = cadence(&p.rules, self.scan_time.year());
        let unreadable = (!c.unreadable.is_empty())
            .then(|| format!("schedule not interpreted: {}", c.unreadable.join("; ")));
        let attrs = Attrs::default()
            .s("name", &p.name)
            .n("rule_count", p.rules.len())
            .n("selection_count", p.selections.len())
            .opt_l("schedule_interval_hours", c.worst_gap_hours)
            .opt_s("unreadable_schedules", unreadable.as_deref())
            .n("continuous_rule_count", c.continuous);
        let uid = g
            .node(&t.plan, &p.arn, region)
            .name(&p.name)
            .parent(region_uid)
            .attrs(attrs)
            .add();
        let account = g.account;
        let account_id = account.account_id.as_str();
        for r in &p.rules {
            let (cross_region, cross_account) = cross_copies(&r.copy_actions, region, account_id);
            let attrs = Attrs::default()
                .s("name", &r.name)
                .s("plan_name", &p.name)
                .s("target_vault", &r.target_vault)
                .s("schedule", r.schedule_expression.as_deref().unwrap_or(""))
                .opt_l("delete_after_days", r.delete_after_days)
                .opt_l(
                    "move_to_cold_storage_after_days",
                    r.move_to_cold_storage_after_days,
                )
                .opt_l(
                    "schedule_interval_hours",
                    r.schedule_expression
                        .as_deref()
                        .and_then(|e| worst_gap_of(&[e], self.scan_time.year()).ok())
                        .flatten()
                        .map(hours_ceil),
                )
                .n("copy_count", r.copy_actions.len())
                .n("cross_region_copy_count", cross_region)
                .n("cross_account_copy_count", cross_account)
                .b("continuous", r.enable_continuous_backup)
                .opt_l(
                    "warm_storage_gb",
                    warm_storage_gb(&d.backup.vaults, &p.id, r),
                );
            g.node(&t.backup_rule, format!("{}/rule/{}", p.arn, r.name), region)
                .name(format!("{} / {}", p.name, r.name))
                .parent(&uid)
                .attrs(attrs)
                .add();
        }
        for s in &p.selections {
            let attrs = Attrs::default()
                .s("name", &s.name)
                .s("plan_name", &p.name)
                .n("resource_count", s.resources.len())
                .n(
                    "tag_condition_count",
                    s.tag_conditions.len() + s.list_of_tags.len(),
                );
            g.node(
                &t.selection,
                format!("{}/selection/{}", p.arn, s.id),
                region,
            )
            .name(format!("{} / {}", p.name, s.name))
            .parent(&uid)
            .attrs(attrs)
            .add();
        }
    }
}
