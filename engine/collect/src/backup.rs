//! AWS Backup collector: vaults (with lock settings and access policy),
//! plans with rules and selections, and protected resources.

use aws_sdk_backup::Client;
use futures_util::stream::{self, StreamExt as _};
use palisade_model::backup::{
    Backup, BackupPlan, BackupRule, BackupSelection, BackupVault, CopyAction, ProtectedResource,
    RecoveryPointStorage,
};
use palisade_model::policy::PolicyDocument;

use crate::ops;
use crate::pages::drain;
use crate::scope::{ts, Scope};

/// Collects one region.
pub async fn collect(client: &Client, scope: &Scope) -> Backup {
    let (vaults, plans, protected_resources) = tokio::join!(
        vaults(client, scope),
        plans(client, scope),
        protected_resources(client, scope),
    );
    Backup {
        vaults,
        plans,
        protected_resources,
    }
}

/// A short summary for the progress display.
pub fn counts(b: &Backup) -> String {
    format!(
        "{} vaults, {} plans, {} protected resources",
        b.vaults.len(),
        b.plans.len(),
        b.protected_resources.len()
    )
}

async fn vaults(client: &Client, scope: &Scope) -> Vec<BackupVault> {
    let pages = client.list_backup_vaults().into_paginator().send();
    // A listing cut short keeps the vaults it read, and they still get their
    // per-vault calls: each vault is judged on its own access policy, never
    // on a policy left unread. The gap keeps the region's backup rules from
    // passing.
    let out = drain(scope, &ops::BACKUP_LIST_BACKUP_VAULTS, pages)
        .await
        .flat_map(|p| p.backup_vault_list().iter().filter_map(vault))
        .with_partial();
    // Per-vault calls for several vaults at once, results in listing order.
    stream::iter(out)
        .map(|mut v| async move {
            let (policy, storage) = tokio::join!(
                access_policy(client, scope, &v.name),
                recovery_point_storage(client, scope, &v.name)
            );
            v.access_policy = policy;
            if let Some(points) = storage {
                v.recovery_point_storage = Some(points.storage);
                v.unencrypted_recovery_points = Some(points.unencrypted);
            }
            v
        })
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await
}

fn vault(v: &aws_sdk_backup::types::BackupVaultListMember) -> Option<BackupVault> {
    Some(BackupVault {
        arn: v.backup_vault_arn()?.to_owned(),
        name: v.backup_vault_name()?.to_owned(),
        encryption_key_arn: v.encryption_key_arn().map(str::to_owned),
        locked: v.locked().unwrap_or(false),
        lock_date: ts(v.lock_date()),
        min_retention_days: v.min_retention_days(),
        max_retention_days: v.max_retention_days(),
        number_of_recovery_points: v.number_of_recovery_points(),
        access_policy: None,
        recovery_point_storage: None,
        unencrypted_recovery_points: None,
    })
}

/// What one listing of a vault's recovery points gives.
#[derive(Debug)]
struct RecoveryPoints {
    /// Sizes per creating rule and storage class.
    storage: Vec<RecoveryPointStorage>,
    /// ARNs of recovery points not encrypted at rest.
    unencrypted: Vec<String>,
}

/// Recovery points of a vault summed per creating rule and storage class
/// (sizes price the cost pack's storage findings), and those not encrypted
/// at rest (`IsEncrypted` false and no `EncryptionKeyArn`: the SDK reads an
/// absent flag as false, the key settles it). `None` when the listing
/// failed: sizes and encryption unknown, never zero.
async fn recovery_point_storage(
    client: &Client,
    scope: &Scope,
    vault: &str,
) -> Option<RecoveryPoints> {
    use std::collections::BTreeMap;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let pages = client
        .list_recovery_points_by_backup_vault()
        .backup_vault_name(vault)
        .into_paginator()
        .send();
    // Sums over part of the recovery points would understate the cost:
    // a listing cut short leaves the sizes unknown.
    let pages = drain(
        scope,
        &ops::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
        pages,
    )
    .await
    .complete()?;
    // (plan id, rule id, storage class) -> (recovery points, bytes)
    type Key = (Option<String>, Option<String>, String);
    let mut sums: BTreeMap<Key, (i64, i64)> = BTreeMap::new();
    let mut unencrypted = Vec::new();
    for rp in pages.iter().flat_map(|p| p.recovery_points()) {
        if !rp.is_encrypted() && rp.encryption_key_arn().is_none_or(str::is_empty) {
            unencrypted.push(rp.recovery_point_arn().unwrap_or("(no ARN)").to_owned());
        }
        let created = rp.created_by();
        let key = (
            created.and_then(|c| c.backup_plan_id()).map(str::to_owned),
            created.and_then(|c| c.backup_rule_id()).map(str::to_owned),
            // The listing has no storage class; a recovery point is cold
            // once its calculated MoveToColdStorageAt has passed.
            if rp
                .calculated_lifecycle()
                .and_then(|l| l.move_to_cold_storage_at())
                .is_some_and(|t| t.secs() <= now)
            {
                "COLD".to_owned()
            } else {
                "WARM".to_owned()
            },
        );
        let e = sums.entry(key).or_default();
        e.0 += 1;
        e.1 += rp.backup_size_in_bytes().unwrap_or(0);
    }
    let storage = sums
        .into_iter()
        .map(
            |((backup_plan_id, backup_rule_id, storage_class), (n, bytes))| RecoveryPointStorage {
                backup_plan_id,
                backup_rule_id,
                storage_class,
                recovery_points: n,
                bytes,
            },
        )
        .collect();
    Some(RecoveryPoints {
        storage,
        unencrypted,
    })
}

async fn access_policy(client: &Client, scope: &Scope, vault: &str) -> Option<PolicyDocument> {
    let op = &ops::BACKUP_GET_BACKUP_VAULT_ACCESS_POLICY;
    let res = client
        .get_backup_vault_access_policy()
        .backup_vault_name(vault)
        .send()
        .await;
    // No access policy on this vault (ResourceNotFoundException): a fact.
    let out = scope
        .check_optional(op, res, "ResourceNotFoundException")
        .flatten()?;
    // A policy that is absent from the answer or does not parse is kept as
    // unreadable: the evaluator reports errors for this vault's policy
    // checks, and the other vaults of the region are still judged.
    let d = match out.policy() {
        Some(text) => PolicyDocument::read_text(text),
        None => PolicyDocument::unreadable(serde_json::Value::Null, "no policy in the response"),
    };
    if let Some(e) = d.unreadable_reason() {
        tracing::warn!(account = %scope.account, vault, error = %e, "unreadable vault access policy");
    }
    Some(d)
}

async fn plans(client: &Client, scope: &Scope) -> Vec<BackupPlan> {
    let pages = client.list_backup_plans().into_paginator().send();
    // A listing cut short yields no plans: the gap makes the plan rules and
    // the rules that need every plan (which depend on ListBackupPlans) not
    // evaluated in this region.
    let Some(listed) = drain(scope, &ops::BACKUP_LIST_BACKUP_PLANS, pages)
        .await
        .flat_map(|p| {
            p.backup_plans_list().iter().filter_map(|p| {
                Some((
                    p.backup_plan_arn()?.to_owned(),
                    p.backup_plan_id()?.to_owned(),
                    p.backup_plan_name().unwrap_or_default().to_owned(),
                ))
            })
        })
        .complete()
    else {
        return Vec::new();
    };
    // Per-plan calls for several plans at once, results in listing order.
    stream::iter(listed)
        .map(|(arn, id, name)| plan(client, scope, arn, id, name))
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .filter_map(|p| async move { p })
        .collect()
        .await
}

/// One plan with its rules and selections; `None` when GetBackupPlan failed
/// (recorded as a gap).
async fn plan(
    client: &Client,
    scope: &Scope,
    arn: String,
    id: String,
    name: String,
) -> Option<BackupPlan> {
    let out = client.get_backup_plan().backup_plan_id(&id).send().await;
    let out = scope.check(&ops::BACKUP_GET_BACKUP_PLAN, out)?;
    let plan = out.backup_plan()?;
    Some(BackupPlan {
        arn,
        name: if plan.backup_plan_name().is_empty() {
            name
        } else {
            plan.backup_plan_name().to_owned()
        },
        rules: plan.rules().iter().map(rule).collect(),
        selections: selections(client, scope, &id).await,
        id,
    })
}

fn rule(r: &aws_sdk_backup::types::BackupRule) -> BackupRule {
    BackupRule {
        name: r.rule_name().to_owned(),
        rule_id: r.rule_id().map(str::to_owned),
        target_vault: r.target_backup_vault_name().to_owned(),
        schedule_expression: r.schedule_expression().map(str::to_owned),
        delete_after_days: r.lifecycle().and_then(|l| l.delete_after_days()),
        move_to_cold_storage_after_days: r
            .lifecycle()
            .and_then(|l| l.move_to_cold_storage_after_days()),
        copy_actions: r
            .copy_actions()
            .iter()
            .map(|c| CopyAction {
                destination_vault_arn: c.destination_backup_vault_arn().to_owned(),
                delete_after_days: c.lifecycle().and_then(|l| l.delete_after_days()),
            })
            .collect(),
        enable_continuous_backup: r.enable_continuous_backup().unwrap_or(false),
    }
}

async fn selections(client: &Client, scope: &Scope, plan_id: &str) -> Vec<BackupSelection> {
    let pages = client
        .list_backup_selections()
        .backup_plan_id(plan_id)
        .into_paginator()
        .send();
    // A listing cut short yields no selections: the gap makes the rules that
    // depend on ListBackupSelections not evaluated.
    let Some(listed) = drain(scope, &ops::BACKUP_LIST_BACKUP_SELECTIONS, pages)
        .await
        .flat_map(|p| {
            p.backup_selections_list()
                .iter()
                .filter_map(|s| s.selection_id().map(str::to_owned))
        })
        .complete()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for id in listed {
        let res = client
            .get_backup_selection()
            .backup_plan_id(plan_id)
            .selection_id(&id)
            .send()
            .await;
        let Some(sel) = scope
            .check(&ops::BACKUP_GET_BACKUP_SELECTION, res)
            .and_then(|o| o.backup_selection().cloned())
        else {
            continue;
        };
        // ListOfTags selects by any tag (OR with Resources); Conditions
        // narrow what is selected (AND).
        let list_of_tags: Vec<String> = sel
            .list_of_tags()
            .iter()
            .map(|c| format!("{}={}", c.condition_key(), c.condition_value()))
            .collect();
        let mut tag_conditions: Vec<String> = Vec::new();
        if let Some(c) = sel.conditions() {
            // Every operator narrows the selection (AND), not only StringEquals.
            for (op, params) in [
                ("=", c.string_equals()),
                (" like ", c.string_like()),
                ("!=", c.string_not_equals()),
                (" not like ", c.string_not_like()),
            ] {
                tag_conditions.extend(params.iter().filter_map(|p| {
                    let key = p.condition_key()?;
                    let key = key.strip_prefix("aws:ResourceTag/").unwrap_or(key);
                    Some(format!(
                        "{key}{op}{}",
                        p.condition_value().unwrap_or_default()
                    ))
                }));
            }
        }
        out.push(BackupSelection {
            id,
            name: sel.selection_name().to_owned(),
            iam_role_arn: Some(sel.iam_role_arn().to_owned()).filter(|r| !r.is_empty()),
            resources: sel.resources().to_vec(),
            not_resources: sel.not_resources().to_vec(),
            tag_conditions,
            list_of_tags,
        });
    }
    out
}

async fn protected_resources(client: &Client, scope: &Scope) -> Vec<ProtectedResource> {
    let pages = client.list_protected_resources().into_paginator().send();
    // A listing cut short keeps the resources read; the gap keeps the rules
    // that compare them with the selections from judging.
    drain(scope, &ops::BACKUP_LIST_PROTECTED_RESOURCES, pages)
        .await
        .flat_map(|p| {
            p.results().iter().filter_map(|r| {
                Some(ProtectedResource {
                    resource_arn: r.resource_arn()?.to_owned(),
                    resource_type: r.resource_type().unwrap_or_default().to_owned(),
                    last_backup_time: ts(r.last_backup_time()),
                })
            })
        })
        .with_partial()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config, event, paths, scope, with_retries};

    const BASE: &str = "https://backup.eu-west-1.amazonaws.com";

    #[tokio::test]
    async fn selections_are_paged_and_decoded() {
        let (conf, http) = config(vec![
            event(
                "GET",
                &format!("{BASE}/backup/plans/plan-1/selections"),
                200,
                r#"{"BackupSelectionsList":[{"SelectionId":"sel-1","SelectionName":"tagged","BackupPlanId":"plan-1","IamRoleArn":"arn:aws:iam::111111111111:role/backup"}],"NextToken":"page2"}"#,
            ),
            event(
                "GET",
                &format!("{BASE}/backup/plans/plan-1/selections?nextToken=page2"),
                200,
                r#"{"BackupSelectionsList":[{"SelectionId":"sel-2","SelectionName":"volumes","BackupPlanId":"plan-1"}]}"#,
            ),
            event(
                "GET",
                &format!("{BASE}/backup/plans/plan-1/selections/sel-1"),
                200,
                r#"{"BackupPlanId":"plan-1","SelectionId":"sel-1","CreationDate":1700000000.0,"BackupSelection":{"SelectionName":"tagged","IamRoleArn":"arn:aws:iam::111111111111:role/backup","Resources":[],"ListOfTags":[{"ConditionType":"STRINGEQUALS","ConditionKey":"backup","ConditionValue":"daily"}],"Conditions":{"StringEquals":[{"ConditionKey":"aws:ResourceTag/env","ConditionValue":"prod"}],"StringNotEquals":[],"StringLike":[],"StringNotLike":[]}}}"#,
            ),
            event(
                "GET",
                &format!("{BASE}/backup/plans/plan-1/selections/sel-2"),
                200,
                r#"{"BackupPlanId":"plan-1","SelectionId":"sel-2","BackupSelection":{"SelectionName":"volumes","IamRoleArn":"arn:aws:iam::111111111111:role/backup","Resources":["arn:aws:ec2:*:*:volume/*"],"NotResources":["arn:aws:ec2:eu-west-1:111111111111:volume/vol-0scratch"],"Conditions":{"StringEquals":[],"StringNotEquals":[{"ConditionKey":"aws:ResourceTag/tier","ConditionValue":"scratch"}],"StringLike":[{"ConditionKey":"aws:ResourceTag/backup","ConditionValue":"daily*"}],"StringNotLike":[]}}}"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let sels = selections(&client, &scope, "plan-1").await;
        assert_eq!(
            paths(&http),
            [
                "/backup/plans/plan-1/selections",
                "/backup/plans/plan-1/selections?nextToken=page2",
                "/backup/plans/plan-1/selections/sel-1",
                "/backup/plans/plan-1/selections/sel-2",
            ]
        );
        assert_eq!(sels.len(), 2);
        assert_eq!(sels[0].id, "sel-1");
        assert_eq!(sels[0].list_of_tags, ["backup=daily"]);
        assert_eq!(sels[0].tag_conditions, ["env=prod"]);
        assert!(sels[0].resources.is_empty());
        assert_eq!(sels[1].resources, ["arn:aws:ec2:*:*:volume/*"]);
        assert_eq!(sels[1].not_resources.len(), 1);
        // StringLike and negated conditions narrow the selection too.
        assert_eq!(
            sels[1].tag_conditions,
            ["backup like daily*", "tier!=scratch"]
        );
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }

    #[tokio::test]
    async fn recovery_point_storage_is_summed_per_rule_and_class() {
        let gib = 1u64 << 30;
        let (conf, http) = config(vec![
            event(
                "GET",
                &format!("{BASE}/backup-vaults/prod/recovery-points/"),
                200,
                &format!(
                    r#"{{"RecoveryPoints":[
                    {{"RecoveryPointArn":"arn:aws:ec2:eu-west-1::snapshot/snap-1","IsEncrypted":true,"BackupSizeInBytes":{a},"CalculatedLifecycle":{{"MoveToColdStorageAt":4102444800.0}},"CreatedBy":{{"BackupPlanId":"plan-1","BackupRuleId":"rule-1"}}}},
                    {{"RecoveryPointArn":"arn:aws:ec2:eu-west-1::snapshot/snap-2","IsEncrypted":false,"BackupSizeInBytes":{b},"CalculatedLifecycle":{{"MoveToColdStorageAt":1700000000.0,"DeleteAt":4102444800.0}},"CreatedBy":{{"BackupPlanId":"plan-1","BackupRuleId":"rule-1"}}}}],
                    "NextToken":"page2"}}"#,
                    a = 3 * gib,
                    b = gib
                ),
            ),
            event(
                "GET",
                &format!("{BASE}/backup-vaults/prod/recovery-points/?nextToken=page2"),
                200,
                &format!(
                    r#"{{"RecoveryPoints":[
                    {{"RecoveryPointArn":"arn:aws:ec2:eu-west-1::snapshot/snap-3","IsEncrypted":false,"EncryptionKeyArn":"arn:aws:kms:eu-west-1:111111111111:key/k","BackupSizeInBytes":{a},"CalculatedLifecycle":{{"MoveToColdStorageAt":4102444800.0}},"CreatedBy":{{"BackupPlanId":"plan-1","BackupRuleId":"rule-1"}}}},
                    {{"RecoveryPointArn":"arn:aws:ec2:eu-west-1::snapshot/snap-4","IsEncrypted":true,"BackupSizeInBytes":10}}]}}"#,
                    a = 2 * gib
                ),
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let points = recovery_point_storage(&client, &scope, "prod")
            .await
            .unwrap();
        // Not encrypted: IsEncrypted false and no key (snap-3 has a key).
        assert_eq!(
            points.unencrypted,
            ["arn:aws:ec2:eu-west-1::snapshot/snap-2"]
        );
        let storage = points.storage;
        assert_eq!(paths(&http).len(), 2, "every page read");
        let warm = storage
            .iter()
            .find(|s| s.storage_class == "WARM" && s.backup_rule_id.as_deref() == Some("rule-1"))
            .unwrap();
        assert_eq!((warm.recovery_points, warm.bytes), (2, 5 * gib as i64));
        let on_demand = storage.iter().find(|s| s.backup_plan_id.is_none()).unwrap();
        assert_eq!(on_demand.bytes, 10);
        assert_eq!(storage.len(), 3);
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }

    #[tokio::test]
    async fn access_denied_selection_list_is_a_gap() {
        let (conf, _http) = config(vec![event(
            "GET",
            &format!("{BASE}/backup/plans/plan-1/selections"),
            403,
            r#"{"__type":"AccessDeniedException","message":"not authorized to perform: backup:ListBackupSelections"}"#,
        )]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        assert!(selections(&client, &scope, "plan-1").await.is_empty());
        let recs = coverage.records();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].api, "ListBackupSelections");
        assert!(recs[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("AccessDeniedException: not authorized"));
    }

    /// The regression behind issue 9: `ListBackupVaults` failing after page
    /// 1 left the vaults read without their access-policy call and without a
    /// gap, so `backup-vault-deletion-not-denied` failed them.
    #[tokio::test]
    async fn vaults_of_a_listing_cut_short_are_a_gap_and_no_finding() {
        let throttled = || {
            event(
                "GET",
                &format!("{BASE}/backup-vaults?nextToken=page2"),
                400,
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            )
        };
        // The vault's two per-vault calls run concurrently, so either may
        // come first: one body answers both (each ignores the other's field).
        let per_vault = || {
            event(
                "GET",
                &format!("{BASE}/backup-vaults/prod/access-policy"),
                200,
                r#"{"BackupVaultName":"prod","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":[\"backup:DeleteRecoveryPoint\",\"backup:DeleteBackupVaultAccessPolicy\"],\"Resource\":\"*\"}]}","RecoveryPoints":[]}"#,
            )
        };
        let (conf, http) = config(vec![
            event(
                "GET",
                &format!("{BASE}/backup-vaults"),
                200,
                r#"{"BackupVaultList":[{"BackupVaultName":"prod","BackupVaultArn":"arn:aws:backup:eu-west-1:111111111111:backup-vault:prod","NumberOfRecoveryPoints":0}],"NextToken":"page2"}"#,
            ),
            throttled(),
            throttled(),
            per_vault(),
            per_vault(),
        ]);
        let client = Client::new(&with_retries(conf, 2));
        let (scope, coverage) = scope();
        let vaults = vaults(&client, &scope).await;

        let mut sent = paths(&http);
        sent[3..].sort();
        assert_eq!(
            sent,
            [
                "/backup-vaults",
                "/backup-vaults?nextToken=page2",
                "/backup-vaults?nextToken=page2",
                "/backup-vaults/prod/access-policy",
                "/backup-vaults/prod/recovery-points",
            ],
            "page 2 retried until the attempts ran out, then the vault read is still queried"
        );
        let records = coverage.records();
        let list = records
            .iter()
            .find(|r| r.api == "ListBackupVaults")
            .unwrap();
        assert!(list.is_gap(), "{list:?}");
        assert!(list
            .error
            .as_deref()
            .unwrap()
            .starts_with("ThrottlingException"));
        let policy_call = records
            .iter()
            .find(|r| r.api == "GetBackupVaultAccessPolicy")
            .unwrap();
        assert!(!policy_call.is_gap());
        assert_eq!(vaults.len(), 1);
        assert!(vaults[0].access_policy.is_some(), "the policy was read");

        let results = scan(vaults, records);
        let verdicts: Vec<_> = results
            .iter()
            .filter(|r| r.rule_id == "backup-vault-deletion-not-denied")
            .map(|r| (r.resource.id.as_str(), r.status))
            .collect();
        // The vault read is not evaluated (its pass is downgraded by the
        // gap), and the gap itself is reported for the rule: no fail.
        assert_eq!(
            verdicts,
            [
                (
                    "111111111111/eu-west-1/gap/backup",
                    palisade_eval::Status::NotEvaluated
                ),
                (
                    "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod",
                    palisade_eval::Status::NotEvaluated
                )
            ]
        );
    }

    #[tokio::test]
    async fn an_unparsable_vault_policy_is_an_error_result_not_a_gap_or_a_pass() {
        let (conf, _http) = config(vec![event(
            "GET",
            &format!("{BASE}/backup-vaults/prod/access-policy"),
            200,
            r#"{"BackupVaultName":"prod","Policy":"{\"Version\": \"2012-10-17\", \"Statement\": ["}"#,
        )]);
        let client = Client::new(&with_retries(conf, 1));
        let (scope, coverage) = scope();
        let policy = access_policy(&client, &scope, "prod").await;
        let records = coverage.records();
        assert!(
            records.iter().all(|r| !r.is_gap()),
            "the call answered: no gap that would downgrade the region's other vaults: {records:?}"
        );
        let policy = policy.expect("the unreadable document is kept");
        assert!(policy.unreadable_reason().is_some());
        let arn = "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod";
        let vault = BackupVault {
            arn: arn.into(),
            name: "prod".into(),
            access_policy: Some(policy),
            ..BackupVault::default()
        };
        let verdicts: Vec<_> = scan(vec![vault], records)
            .into_iter()
            .filter(|r| r.rule_id == "backup-vault-deletion-not-denied")
            .map(|r| (r.resource.id, r.status))
            .collect();
        assert_eq!(verdicts, [(arn.to_owned(), palisade_eval::Status::Error)]);
    }

    /// Scans one eu-west-1 account holding `vaults` with the repository's
    /// rule pack.
    fn scan(
        vaults: Vec<BackupVault>,
        coverage: Vec<palisade_model::CoverageRecord>,
    ) -> Vec<palisade_eval::CheckResult> {
        let pack = palisade_test_kit::pack();
        let mut snapshot = palisade_model::Snapshot::new(chrono::Utc::now(), "test");
        snapshot.accounts.push(palisade_model::Account {
            account_id: "111111111111".into(),
            partition: "aws".into(),
            regions: vec!["eu-west-1".into()],
            coverage,
            region_data: vec![palisade_model::RegionData {
                region: "eu-west-1".into(),
                backup: Backup {
                    vaults,
                    ..Backup::default()
                },
                ..palisade_model::RegionData::default()
            }],
            ..palisade_model::Account::default()
        });
        palisade_eval::Evaluator::new(&pack, &pack.defaults)
            .unwrap()
            .evaluate(&snapshot)
            .results
    }

    #[tokio::test]
    async fn vault_access_policy_and_protected_resources() {
        let (conf, _http) = config(vec![
            event(
                "GET",
                &format!("{BASE}/backup-vaults/prod/access-policy"),
                200,
                r#"{"BackupVaultName":"prod","BackupVaultArn":"arn:aws:backup:eu-west-1:111111111111:backup-vault:prod","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":[\"backup:DeleteRecoveryPoint\"],\"Resource\":\"*\"}]}"}"#,
            ),
            event(
                "GET",
                &format!("{BASE}/resources/"),
                200,
                r#"{"Results":[{"ResourceArn":"arn:aws:ec2:eu-west-1:111111111111:volume/vol-1","ResourceType":"EBS","LastBackupTime":1763600000.0}]}"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let policy = access_policy(&client, &scope, "prod").await.unwrap();
        assert_eq!(policy.statements[0].action, ["backup:DeleteRecoveryPoint"]);
        let res = protected_resources(&client, &scope).await;
        assert_eq!(res[0].resource_type, "EBS");
        assert_eq!(
            res[0].last_backup_time.map(|t| t.timestamp()),
            Some(1_763_600_000)
        );
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }
}
