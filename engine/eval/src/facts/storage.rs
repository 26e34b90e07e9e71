//! Storage-size facts: the GiB of WARM recovery points a backup rule holds
//! in its target vault (the basis of backup storage cost checks).

use palisade_model::backup::{BackupRule, BackupVault};

/// Bytes in a GiB.
const GIB: i64 = 1 << 30;

/// Whole GiB for `bytes`, rounded up (negative counts as zero).
pub fn gib_rounded_up(bytes: i64) -> i64 {
    bytes.max(0).saturating_add(GIB - 1) / GIB
}

/// GiB of WARM recovery points that backup rule `r` of plan `plan_id` holds
/// in its target vault, rounded up; `None` when the vault's recovery points
/// were not listed or the rule has no id (unknown, never zero).
pub fn warm_storage_gb(vaults: &[BackupVault], plan_id: &str, r: &BackupRule) -> Option<i64> {
    let rule_id = r.rule_id.as_deref()?;
    let vault = vaults.iter().find(|v| v.name == r.target_vault)?;
    let bytes: i64 = vault
        .recovery_point_storage
        .as_ref()?
        .iter()
        .filter(|s| {
            s.storage_class.eq_ignore_ascii_case("warm")
                && s.backup_plan_id.as_deref() == Some(plan_id)
                && s.backup_rule_id.as_deref() == Some(rule_id)
        })
        .map(|s| s.bytes.max(0))
        .sum();
    Some(gib_rounded_up(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::backup::RecoveryPointStorage;

    fn storage(plan: &str, rule: &str, class: &str, bytes: i64) -> RecoveryPointStorage {
        RecoveryPointStorage {
            backup_plan_id: Some(plan.into()),
            backup_rule_id: Some(rule.into()),
            storage_class: class.into(),
            recovery_points: 1,
            bytes,
        }
    }

    #[test]
    fn rounding() {
        assert_eq!(gib_rounded_up(0), 0);
        assert_eq!(gib_rounded_up(1), 1);
        assert_eq!(gib_rounded_up(GIB), 1);
        assert_eq!(gib_rounded_up(GIB + 1), 2);
        assert_eq!(gib_rounded_up(-5), 0);
    }

    #[test]
    fn warm_bytes_of_this_rule_only() {
        let vault = BackupVault {
            name: "v".into(),
            recovery_point_storage: Some(vec![
                storage("p", "r", "WARM", GIB),
                storage("p", "r", "warm", 1),
                storage("p", "r", "COLD", 10 * GIB),
                storage("p", "other", "WARM", 10 * GIB),
                storage("q", "r", "WARM", 10 * GIB),
            ]),
            ..Default::default()
        };
        let rule = BackupRule {
            rule_id: Some("r".into()),
            target_vault: "v".into(),
            ..Default::default()
        };
        let vaults = [vault];
        assert_eq!(warm_storage_gb(&vaults, "p", &rule), Some(2));
        // Unknown, never zero: no rule id, no such vault, storage not listed.
        let no_id = BackupRule {
            rule_id: None,
            ..rule.clone()
        };
        assert_eq!(warm_storage_gb(&vaults, "p", &no_id), None);
        let elsewhere = BackupRule {
            target_vault: "w".into(),
            ..rule.clone()
        };
        assert_eq!(warm_storage_gb(&vaults, "p", &elsewhere), None);
        let unlisted = [BackupVault {
            name: "v".into(),
            ..Default::default()
        }];
        assert_eq!(warm_storage_gb(&unlisted, "p", &rule), None);
    }
}
