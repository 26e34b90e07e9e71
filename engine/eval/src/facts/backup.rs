//! AWS Backup facts: a vault's lock mode at scan time, where a rule's copies
//! go (other region, other account), and which selections (and plans)
//! include a resource ARN.

use chrono::{DateTime, Utc};
use palisade_model::backup::{BackupPlan, BackupSelection, BackupVault, CopyAction};

use super::arn::arn_region_account;
use super::wildcard::wildcard_match;

/// `none`, `governance` (locked, lock date not yet reached or unknown), or
/// `compliance` (lock date passed: immutable).
pub fn lock_mode(v: &BackupVault, scan_time: DateTime<Utc>) -> &'static str {
    match (v.locked, v.lock_date) {
        (false, _) => "none",
        (true, Some(date)) if date <= scan_time => "compliance",
        (true, _) => "governance",
    }
}

/// (copies to another region, copies to another account) among `copies`
/// of a rule in `region` of `account_id`.
pub fn cross_copies(copies: &[CopyAction], region: &str, account_id: &str) -> (usize, usize) {
    let (mut cross_region, mut cross_account) = (0usize, 0usize);
    for c in copies {
        let (dest_region, dest_account) = arn_region_account(&c.destination_vault_arn);
        if dest_region.is_some_and(|dr| dr != region) {
            cross_region += 1;
        }
        if dest_account.is_some_and(|da| da != account_id) {
            cross_account += 1;
        }
    }
    (cross_region, cross_account)
}

/// True when a selection's resource patterns include `arn` and none of its
/// exclusions do (tag conditions are not considered).
pub fn selection_includes(s: &BackupSelection, arn: &str) -> bool {
    let included = s.resources.iter().any(|pat| wildcard_match(pat, arn));
    let excluded = s.not_resources.iter().any(|pat| wildcard_match(pat, arn));
    included && !excluded
}

/// (selections that include `arn`, distinct plans owning them) over `plans`.
pub fn selection_coverage(plans: &[BackupPlan], arn: &str) -> (usize, usize) {
    let mut owners: Vec<&str> = Vec::new();
    let mut selections = 0usize;
    for p in plans {
        for s in &p.selections {
            if selection_includes(s, arn) {
                selections += 1;
                owners.push(p.arn.as_str());
            }
        }
    }
    owners.sort_unstable();
    owners.dedup();
    (selections, owners.len())
}

/// Selections that pick resources by tag: whether they include a given ARN
/// cannot be decided without the resource's tags.
pub fn tag_selection_count(plans: &[BackupPlan]) -> usize {
    plans
        .iter()
        .flat_map(|p| &p.selections)
        .filter(|s| !s.tag_conditions.is_empty())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn lock_modes() {
        let t = Utc
            .with_ymd_and_hms(2026, 11, 30, 0, 0, 0)
            .single()
            .expect("time");
        let mut v = BackupVault::default();
        assert_eq!(lock_mode(&v, t), "none");
        v.locked = true;
        assert_eq!(lock_mode(&v, t), "governance");
        v.lock_date = Some(t);
        assert_eq!(lock_mode(&v, t), "compliance");
        v.lock_date = Some(t + chrono::Duration::days(1));
        assert_eq!(lock_mode(&v, t), "governance");
    }

    #[test]
    fn copies_elsewhere() {
        let copy = |arn: &str| CopyAction {
            destination_vault_arn: arn.into(),
            delete_after_days: None,
        };
        let copies = [
            copy("arn:aws:backup:eu-west-1:111111111111:backup-vault:a"),
            copy("arn:aws:backup:us-east-1:222222222222:backup-vault:b"),
            copy("arn:aws:backup:eu-west-2:222222222222:backup-vault:c"),
        ];
        assert_eq!(cross_copies(&copies, "eu-west-1", "111111111111"), (2, 2));
    }

    #[test]
    fn selections_with_exclusions() {
        let s = BackupSelection {
            resources: vec!["arn:aws:ec2:*:*:volume/*".into()],
            not_resources: vec!["arn:aws:ec2:*:*:volume/vol-skip".into()],
            ..Default::default()
        };
        assert!(selection_includes(
            &s,
            "arn:aws:ec2:eu-west-1:1:volume/vol-1"
        ));
        assert!(!selection_includes(
            &s,
            "arn:aws:ec2:eu-west-1:1:volume/vol-skip"
        ));
        assert!(!selection_includes(&s, "arn:aws:rds:eu-west-1:1:db:x"));
    }

    #[test]
    fn coverage_counts_selections_and_distinct_plans() {
        let sel = |pat: &str, tags: usize| BackupSelection {
            resources: vec![pat.into()],
            tag_conditions: vec!["k=v".into(); tags],
            ..Default::default()
        };
        let plan = |arn: &str, selections| BackupPlan {
            arn: arn.into(),
            selections,
            ..Default::default()
        };
        let plans = [
            plan("p1", vec![sel("*", 0), sel("arn:aws:ec2:*", 1)]),
            plan("p2", vec![sel("arn:aws:rds:*", 0)]),
        ];
        assert_eq!(
            selection_coverage(&plans, "arn:aws:ec2:r:1:volume/v"),
            (2, 1)
        );
        assert_eq!(selection_coverage(&plans, "arn:aws:rds:r:1:db:d"), (2, 2));
        assert_eq!(tag_selection_count(&plans), 1);
    }
}
