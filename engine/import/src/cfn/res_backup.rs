//! AWS Backup: vaults (encryption key, lock configuration, access policy),
//! plans with their rules, and selections.
//!
//! A `Ref` of a vault is its name (what a plan rule's target names); of a
//! plan, its id (what a selection's `BackupPlanId` names). Rule ids and
//! selection ids follow the graph: `<plan>/rule/<name>`,
//! `<plan>/selection/<selection logical id>`.

use chrono::DateTime;
use palisade_model::backup::{BackupPlan, BackupRule, BackupSelection, BackupVault, CopyAction};

use super::{boolean, document, int, list, name_of, prop, text, text_or_ref, Cx};
use crate::cfn::template::Resource;
use crate::emit::Emit;
use crate::value::{Node, Value, UNKNOWN_PLACEHOLDER};

const VAULT: &str = "AWS::Backup::BackupVault";
const PLAN: &str = "AWS::Backup::BackupPlan";

/// Types mapped in the first pass.
pub(super) const PRIMARY: &[&str] = &[VAULT, PLAN];

/// Maps vaults and plans; false for other types.
pub(super) fn primary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        VAULT => vault(e, r),
        PLAN => plan(e, cx, r),
        _ => return false,
    }
    true
}

/// Maps selections; false for other types.
pub(super) fn secondary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    if r.resource_type != "AWS::Backup::BackupSelection" {
        return false;
    }
    selection(e, cx, r);
    true
}

fn vault(e: &mut Emit, r: &Resource) {
    let id = e.id(&r.logical_id);
    let encryption_key_arn =
        prop(r, "EncryptionKeyArn").and_then(|n| text_or_ref(e, &id, "EncryptionKeyArn", n));
    let access_policy = prop(r, "AccessPolicy").map(|n| {
        let mut unknowns = Vec::new();
        let d = document("AccessPolicy", Some(n), &mut |p, why| {
            unknowns.push((p.to_owned(), why.to_owned()));
        });
        for (p, why) in unknowns {
            e.unknown(&id, &p, &why);
        }
        d
    });
    let lock = prop(r, "LockConfiguration");
    let mut lock_int = |k: &str| {
        lock.and_then(|l| l.get(k))
            .and_then(|n| int(e, &id, &format!("LockConfiguration.{k}"), n))
    };
    let min_retention_days = lock_int("MinRetentionDays");
    let max_retention_days = lock_int("MaxRetentionDays");
    let changeable = lock.and_then(|l| l.get("ChangeableForDays"));
    if let Some(reason) = changeable.and_then(Node::unknown_reason) {
        e.unknown(&id, "LockConfiguration.ChangeableForDays", reason);
    }
    // With ChangeableForDays the lock is in compliance mode: it becomes
    // immutable when the grace period after deployment ends. The template
    // declares that end state, so the lock date is modelled as passed;
    // without it the lock stays in governance mode (no lock date).
    let lock_date = changeable.map(|_| DateTime::UNIX_EPOCH);
    let v = BackupVault {
        arn: id,
        name: name_of(r, "BackupVaultName"),
        encryption_key_arn,
        locked: lock.is_some(),
        lock_date,
        min_retention_days,
        max_retention_days,
        number_of_recovery_points: 0,
        access_policy,
        recovery_point_storage: None,
        unencrypted_recovery_points: None,
    };
    e.regional().backup.vaults.push(v);
}

fn plan(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let body = prop(r, "BackupPlan");
    let name = match body.and_then(|b| b.get("BackupPlanName")).map(|n| &n.value) {
        Some(Value::String(s)) => s.clone(),
        _ => r.logical_id.clone(),
    };
    let mut rules = Vec::new();
    let items = list(
        e,
        &id,
        "BackupPlan.BackupPlanRule",
        body.and_then(|b| b.get("BackupPlanRule")),
    );
    for (p, n) in items {
        rules.push(rule(e, cx, &id, &p, n));
    }
    e.regional().backup.plans.push(BackupPlan {
        arn: id,
        id: r.logical_id.clone(),
        name,
        rules,
        selections: Vec::new(),
    });
}

/// One plan rule, located at its entry. An unknown schedule is recorded
/// on the plan (its interval is the plan's too); other unknowns on the rule.
fn rule(e: &mut Emit, cx: &Cx<'_>, plan: &str, p: &str, n: &Node) -> BackupRule {
    let name = match n.get("RuleName").map(|x| &x.value) {
        Some(Value::String(s)) => s.clone(),
        _ => p.to_owned(),
    };
    let rid = format!("{plan}/rule/{name}");
    e.locate(&rid, n.pos);
    let target_vault = match n.get("TargetBackupVault") {
        Some(x) => match cx.target(x, VAULT) {
            Some(v) => name_of(v, "BackupVaultName"),
            None => text(e, &rid, &format!("{p}.TargetBackupVault"), x)
                .unwrap_or_else(|| UNKNOWN_PLACEHOLDER.to_owned()),
        },
        None => String::new(),
    };
    let schedule_expression = n
        .get("ScheduleExpression")
        .and_then(|x| text(e, plan, &format!("{p}.ScheduleExpression"), x));
    let lifecycle = |e: &mut Emit, base: &str, node: Option<&Node>, k: &str| {
        node.and_then(|l| l.get(k))
            .and_then(|x| int(e, &rid, &format!("{base}.{k}"), x))
    };
    let lc = n.get("Lifecycle");
    let lc_path = format!("{p}.Lifecycle");
    let delete_after_days = lifecycle(e, &lc_path, lc, "DeleteAfterDays");
    let move_to_cold_storage_after_days = lifecycle(e, &lc_path, lc, "MoveToColdStorageAfterDays");
    let mut copy_actions = Vec::new();
    for (cp, c) in list(e, &rid, &format!("{p}.CopyActions"), n.get("CopyActions")) {
        let dest = c
            .get("DestinationBackupVaultArn")
            .and_then(|x| text_or_ref(e, &rid, &format!("{cp}.DestinationBackupVaultArn"), x))
            .unwrap_or_default();
        let copy_lc = format!("{cp}.Lifecycle");
        copy_actions.push(CopyAction {
            destination_vault_arn: dest,
            delete_after_days: lifecycle(e, &copy_lc, c.get("Lifecycle"), "DeleteAfterDays"),
        });
    }
    let enable_continuous_backup = n
        .get("EnableContinuousBackup")
        .and_then(|x| boolean(e, &rid, &format!("{p}.EnableContinuousBackup"), x))
        .unwrap_or(false);
    BackupRule {
        name,
        rule_id: None,
        target_vault,
        schedule_expression,
        delete_after_days,
        move_to_cold_storage_after_days,
        copy_actions,
        enable_continuous_backup,
    }
}

/// AWS::Backup::BackupSelection on a template plan (one outside the
/// template: uncovered). `ListOfTags` selects by any tag (OR with
/// `Resources`), `Conditions` narrow the selection (AND), as the collector
/// reads them.
fn selection(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let Some(plan) = prop(r, "BackupPlanId").and_then(|n| cx.target(n, PLAN)) else {
        e.uncovered(&r.resource_type);
        return;
    };
    let plan_id = e.id(&plan.logical_id);
    let sid = format!("{plan_id}/selection/{}", r.logical_id);
    e.locate(&sid, r.pos);
    let body = prop(r, "BackupSelection");
    let get = |k: &str| body.and_then(|b| b.get(k));
    let name = match get("SelectionName").map(|n| &n.value) {
        Some(Value::String(s)) => s.clone(),
        _ => r.logical_id.clone(),
    };
    let iam_role_arn =
        get("IamRoleArn").and_then(|n| text_or_ref(e, &sid, "BackupSelection.IamRoleArn", n));
    let arns = |e: &mut Emit, k: &str| -> Vec<String> {
        let p = format!("BackupSelection.{k}");
        list(e, &sid, &p, get(k))
            .into_iter()
            .filter_map(|(p, n)| text_or_ref(e, &sid, &p, n))
            .collect()
    };
    let resources = arns(e, "Resources");
    let not_resources = arns(e, "NotResources");
    let mut list_of_tags = Vec::new();
    for (p, n) in list(e, &sid, "BackupSelection.ListOfTags", get("ListOfTags")) {
        if let Some(c) = condition(e, &sid, &p, n) {
            list_of_tags.push(format!("{}={}", c.0, c.1));
        }
    }
    let mut tag_conditions = Vec::new();
    let conditions = get("Conditions");
    for (op, key) in [
        ("=", "StringEquals"),
        (" like ", "StringLike"),
        ("!=", "StringNotEquals"),
        (" not like ", "StringNotLike"),
    ] {
        let p = format!("BackupSelection.Conditions.{key}");
        for (cp, n) in list(e, &sid, &p, conditions.and_then(|c| c.get(key))) {
            if let Some((k, v)) = condition(e, &sid, &cp, n) {
                let k = k.strip_prefix("aws:ResourceTag/").unwrap_or(&k).to_owned();
                tag_conditions.push(format!("{k}{op}{v}"));
            }
        }
    }
    let s = BackupSelection {
        id: r.logical_id.clone(),
        name,
        iam_role_arn,
        resources,
        not_resources,
        tag_conditions,
        list_of_tags,
    };
    if let Some(p) = e
        .regional()
        .backup
        .plans
        .iter_mut()
        .find(|p| p.arn == plan_id)
    {
        p.selections.push(s);
    }
}

/// (ConditionKey, ConditionValue) of a tag condition; unknowns recorded.
fn condition(e: &mut Emit, id: &str, p: &str, n: &Node) -> Option<(String, String)> {
    let key = n
        .get("ConditionKey")
        .and_then(|x| text(e, id, &format!("{p}.ConditionKey"), x));
    let value = n
        .get("ConditionValue")
        .and_then(|x| text(e, id, &format!("{p}.ConditionValue"), x));
    Some((key?, value.unwrap_or_default()))
}
