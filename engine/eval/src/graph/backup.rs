//! AWS Backup: vaults, plans (with one `BackupRule` per rule and one
//! `BackupSelection` per selection, children of the plan) and protected
//! resources, children of the region. A vault whose access policy could
//! not be read is a broken resource (its policy facts are unknown).

use cedar_policy::EntityUid;
use palisade_model::backup::{BackupPlan, BackupVault};
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::backup::{cross_copies, lock_mode, selection_coverage, tag_selection_count};
use crate::facts::conditions::{allows_any_principal, denies_action};
use crate::facts::schedule::schedule_interval_hours;
use crate::facts::storage::warm_storage_gb;

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
        for pr in &d.backup.protected_resources {
            let (selections, plans) = selection_coverage(&d.backup.plans, &pr.resource_arn);
            let attrs = Attrs::default()
                .s("resource_arn", &pr.resource_arn)
                .s("resource_type", &pr.resource_type)
                .opt_l(
                    "days_since_last_backup",
                    self.days_since(pr.last_backup_time),
                )
                .n("matching_selection_count", selections)
                .n("matching_plan_count", plans)
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

    fn vault(&self, g: &mut Ctx<'_>, region_uid: &EntityUid, region: &str, v: &BackupVault) {
        let policy = v.access_policy.as_ref();
        if let Some(reason) = policy.and_then(|p| p.unreadable_reason()) {
            g.node(&self.types.vault, &v.arn, region)
                .name(&v.name)
                .broken(format!("access policy could not be read: {reason}"));
            return;
        }
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
            .b(
                "access_policy_denies_delete",
                policy.is_some_and(|p| denies_action(p, "backup:DeleteRecoveryPoint")),
            )
            .b(
                "access_policy_allows_any_principal",
                policy.is_some_and(allows_any_principal),
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
        let attrs = Attrs::default()
            .s("name", &p.name)
            .n("rule_count", p.rules.len())
            .n("selection_count", p.selections.len());
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
                        .and_then(schedule_interval_hours),
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
                .n("tag_condition_count", s.tag_conditions.len());
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
