//! AWS Backup of a plan: vaults (KMS key, Vault Lock, access policy),
//! plans (rules: schedule, lifecycle, copy actions, continuous backup,
//! target vault) and selections (resources, exclusions, `selection_tag`
//! as ListOfTags, `condition` blocks as Conditions). Rule ids are
//! `<plan id>/rule/<name>`, selections `<plan id>/selection/<selection id>`.

use palisade_model::backup::{BackupPlan, BackupRule, BackupSelection, BackupVault, CopyAction};

use super::plan::Instance;
use super::refs::{Ctx, Step, Val};
use crate::emit::Emit;
use crate::value::{Node, Value};

/// Maps `aws_backup_vault`.
pub fn vault(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let encryption_key_arn = match inst
        .get("kms_key_arn")
        .map(|n| cx.text(inst, n, &[("kms_key_arn", None)]))
    {
        Some(Val::Known(k)) => Some(k).filter(|k| !k.is_empty()),
        // Not set: AWS encrypts with its default key; set but unknown: a
        // key the plan creates (known to be a key, which is all rules read).
        Some(Val::Unknown(_)) => cx
            .configured(inst, "kms_key_arn")
            .then(|| format!("{id}/kms_key_arn")),
        None => None,
    };
    e.regional().backup.vaults.push(BackupVault {
        arn: id,
        name: cx.name_of(inst),
        encryption_key_arn,
        ..BackupVault::default()
    });
}

/// The vault named by `backup_vault_name` of `inst`, when the plan has it.
fn vault_of(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) -> Option<usize> {
    let n = inst.get("backup_vault_name")?;
    match cx.text(inst, n, &[("backup_vault_name", None)]) {
        Val::Known(name) => {
            let found = e
                .regional()
                .backup
                .vaults
                .iter()
                .position(|v| v.name == name);
            if found.is_none() {
                e.uncovered(&inst.rtype); // a vault this plan does not manage
            }
            found
        }
        Val::Unknown(r) => {
            // Any vault of the plan may be the one it changes.
            let vaults = e
                .regional()
                .backup
                .vaults
                .iter()
                .map(|v| v.arn.clone())
                .collect();
            let property = format!("{}.backup_vault_name", inst.address);
            super::refs::unknown_on_all(e, vaults, &property, &r);
            None
        }
    }
}

/// Maps `aws_backup_vault_lock_configuration`. With `changeable_for_days`
/// the lock is in compliance mode (immutable once that grace time ends,
/// which the configuration asks for: modelled as a lock date already
/// reached); without it, governance mode (no lock date).
pub fn lock(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(i) = vault_of(cx, e, inst) else {
        return;
    };
    let int = |k: &str| inst.get(k).and_then(Node::as_i64);
    let vault = e.regional().backup.vaults[i].arn.clone();
    for k in [
        "changeable_for_days",
        "min_retention_days",
        "max_retention_days",
    ] {
        if let Some(r) = inst.get(k).and_then(Node::unknown_reason) {
            e.unknown(&vault, k, r);
        }
    }
    e.locate(&format!("{vault}/lock"), inst.pos);
    let compliance = int("changeable_for_days").is_some();
    let v = &mut e.regional().backup.vaults[i];
    v.locked = true;
    v.lock_date = compliance.then_some(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH);
    v.min_retention_days = int("min_retention_days");
    v.max_retention_days = int("max_retention_days");
}

/// Maps `aws_backup_vault_policy` (the vault's access policy).
pub fn vault_policy(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(i) = vault_of(cx, e, inst) else {
        return;
    };
    let vault = e.regional().backup.vaults[i].arn.clone();
    let what = format!("{} policy", inst.address);
    let doc = super::res_iam::document(e, inst.get("policy"), &vault, "access policy", &what);
    e.regional().backup.vaults[i].access_policy = Some(doc);
}

fn days(e: &mut Emit, id: &str, n: Option<&Node>, what: &str) -> Option<i64> {
    let n = n?;
    if let Some(r) = n.unknown_reason() {
        e.unknown(id, what, r);
        return None;
    }
    n.as_i64().filter(|d| *d > 0)
}

/// The copy actions of rule block `i` (`r`) of plan `inst`; a destination
/// that cannot be known is recorded on the rule `id`.
fn copy_actions(
    cx: &Ctx<'_>,
    e: &mut Emit,
    inst: &Instance,
    id: &str,
    i: usize,
    r: &Node,
) -> Vec<CopyAction> {
    let mut copy_actions = Vec::new();
    for (j, c) in r
        .get("copy_action")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let site = [
            ("rule", Some(i)),
            ("copy_action", Some(j)),
            ("destination_vault_arn", None),
        ];
        let dest = match c
            .get("destination_vault_arn")
            .map(|n| cx.text(inst, n, &site))
        {
            Some(Val::Known(a)) => a,
            Some(Val::Unknown(reason)) => {
                e.unknown(
                    id,
                    &format!("copy_action[{j}].destination_vault_arn"),
                    &reason,
                );
                continue;
            }
            None => continue,
        };
        let lc = c.get("lifecycle").and_then(|l| l.items().first());
        copy_actions.push(CopyAction {
            destination_vault_arn: dest,
            delete_after_days: days(
                e,
                id,
                lc.and_then(|l| l.get("delete_after")),
                "copy_action.lifecycle.delete_after",
            ),
        });
    }
    copy_actions
}

/// One `rule` block of a backup plan.
fn rule(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance, plan: &str, i: usize, r: &Node) -> BackupRule {
    let name = r
        .get("rule_name")
        .and_then(Node::as_str)
        .map_or_else(|| format!("rule[{i}]"), str::to_owned);
    let id = format!("{plan}/rule/{name}");
    e.locate(&id, r.pos);
    let at = |attr| -> [Step<'_>; 2] { [("rule", Some(i)), (attr, None)] };
    let target_vault = match r
        .get("target_vault_name")
        .map(|n| cx.text(inst, n, &at("target_vault_name")))
    {
        Some(Val::Known(v)) => v,
        Some(Val::Unknown(reason)) => {
            e.unknown(&id, "target_vault_name", &reason);
            String::new()
        }
        None => String::new(),
    };
    let schedule_expression = match r.get("schedule").filter(|n| !n.is_null()) {
        Some(n) => match cx.text(inst, n, &at("schedule")) {
            Val::Known(s) => Some(s).filter(|s| !s.is_empty()),
            // The plan's worst interval between backups (a plan-level fact)
            // depends on every rule's schedule: recorded on the plan.
            Val::Unknown(reason) => {
                e.unknown(plan, &format!("rule[{i}].schedule"), &reason);
                None
            }
        },
        None => None,
    };
    let lifecycle = r.get("lifecycle").and_then(|l| l.items().first());
    let delete_after_days = days(
        e,
        &id,
        lifecycle.and_then(|l| l.get("delete_after")),
        "lifecycle.delete_after",
    );
    let cold = days(
        e,
        &id,
        lifecycle.and_then(|l| l.get("cold_storage_after")),
        "lifecycle.cold_storage_after",
    );
    let copy_actions = copy_actions(cx, e, inst, &id, i, r);
    let continuous = match r.get("enable_continuous_backup").map(|n| &n.value) {
        Some(Value::Unknown(reason)) => {
            e.unknown(&id, "enable_continuous_backup", reason);
            false
        }
        _ => r
            .get("enable_continuous_backup")
            .and_then(Node::as_bool)
            .unwrap_or(false),
    };
    BackupRule {
        name,
        rule_id: None,
        target_vault,
        schedule_expression,
        delete_after_days,
        move_to_cold_storage_after_days: cold,
        copy_actions,
        enable_continuous_backup: continuous,
    }
}

/// Maps `aws_backup_plan` and its rules.
pub fn plan(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let mut rules = Vec::new();
    match inst.get("rule").map(|n| &n.value) {
        Some(Value::List(items)) => {
            for (i, r) in items.iter().enumerate() {
                rules.push(rule(cx, e, inst, &id, i, r));
            }
        }
        Some(Value::Unknown(reason)) => e.unknown(&id, "rule", reason),
        _ => {}
    }
    e.regional().backup.plans.push(BackupPlan {
        arn: id,
        id: cx.key_of(inst),
        name: cx.name_of(inst),
        rules,
        selections: Vec::new(),
    });
}

/// Maps `aws_backup_selection` onto its plan (`plan_id`).
pub fn selection(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let sid = cx.id(inst);
    let plan_id = match inst
        .get("plan_id")
        .map(|n| cx.text(inst, n, &[("plan_id", None)]))
    {
        Some(Val::Known(p)) => p,
        Some(Val::Unknown(r)) => {
            // Any plan of the plan file may be the one it selects for.
            let plans = e
                .regional()
                .backup
                .plans
                .iter()
                .map(|p| p.arn.clone())
                .collect();
            super::refs::unknown_on_all(e, plans, &format!("{}.plan_id", inst.address), &r);
            return e.unknown(&sid, "plan_id", &r);
        }
        None => return,
    };
    let Some(pi) = e
        .regional()
        .backup
        .plans
        .iter()
        .position(|p| p.id == plan_id)
    else {
        e.uncovered(&inst.rtype); // a plan this plan file does not manage
        return;
    };
    let plan_arn = e.regional().backup.plans[pi].arn.clone();
    let sel_id = inst
        .get("id")
        .and_then(Node::as_str)
        .map_or_else(|| inst.address.clone(), str::to_owned);
    let id = format!("{plan_arn}/selection/{sel_id}");
    e.locate(&id, inst.pos);
    let mut list = |attr: &str| match inst.get(attr) {
        Some(n) => cx.texts(inst, n, &[(attr, None)]).unwrap_or_else(|r| {
            e.unknown(&id, attr, &r);
            Vec::new()
        }),
        None => Vec::new(),
    };
    let resources = list("resources");
    let not_resources = list("not_resources");
    let mut list_of_tags = Vec::new();
    for t in inst
        .get("selection_tag")
        .map(Node::items)
        .unwrap_or_default()
    {
        let s = |k| t.get(k).and_then(Node::as_str).unwrap_or("").to_owned();
        if let Some(r) = t.unknown_reason() {
            e.unknown(&id, "selection_tag", r);
        }
        list_of_tags.push(format!("{}={}", s("key"), s("value")));
    }
    let mut tag_conditions = Vec::new();
    for c in inst.get("condition").map(Node::items).unwrap_or_default() {
        if let Some(r) = c.unknown_reason() {
            e.unknown(&id, "condition", r);
        }
        for (op_key, op) in [
            ("string_equals", "="),
            ("string_like", " like "),
            ("string_not_equals", "!="),
            ("string_not_like", " not like "),
        ] {
            for p in c.get(op_key).map(Node::items).unwrap_or_default() {
                let s = |k| p.get(k).and_then(Node::as_str).unwrap_or("").to_owned();
                let key = s("key");
                let key = key
                    .strip_prefix("aws:ResourceTag/")
                    .unwrap_or(&key)
                    .to_owned();
                tag_conditions.push(format!("{key}{op}{}", s("value")));
            }
        }
    }
    let iam_role_arn = inst
        .get("iam_role_arn")
        .map(|n| cx.text(inst, n, &[("iam_role_arn", None)]))
        .and_then(Val::known);
    e.regional().backup.plans[pi]
        .selections
        .push(BackupSelection {
            id: sel_id,
            name: cx.name_of(inst),
            iam_role_arn,
            resources,
            not_resources,
            tag_conditions,
            list_of_tags,
        });
}
