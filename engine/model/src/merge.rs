//! Combining snapshots: the shard outputs of one sharded collection (or any
//! set of snapshots) into one organisation. Mismatched formats or tool
//! versions, shards of different runs and accounts present twice are
//! refused; a shard whose output is missing becomes a gap for each of its
//! accounts, never silence.
//!
//! The checks need only each file's [`Header`] (everything but the
//! accounts), so a streaming reader can check a set of shard files before it
//! reads any account.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::organization::{Organization, ShardInfo};
use crate::snapshot::{Account, CoverageRecord, CoverageStatus};
use crate::{Snapshot, GLOBAL_REGION};

/// A snapshot file's top-level fields, without its accounts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// `palisade-snapshot`.
    pub format: String,
    /// Format version.
    pub version: u32,
    /// The collecting tool's version.
    #[serde(default)]
    pub tool_version: String,
    /// When the collection ran.
    pub scan_time: DateTime<Utc>,
    /// The organisation, when collected with `--org`.
    #[serde(default)]
    pub organization: Option<Organization>,
    /// The shard the file holds, when sharded.
    #[serde(default)]
    pub shard: Option<ShardInfo>,
}

impl Header {
    /// The header of an in-memory snapshot.
    pub fn of(s: &Snapshot) -> Self {
        Self {
            format: s.format.clone(),
            version: s.version,
            tool_version: s.tool_version.clone(),
            scan_time: s.scan_time,
            organization: s.organization.clone(),
            shard: s.shard.clone(),
        }
    }
}

/// Why a set of snapshots cannot be combined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// Nothing to combine.
    #[error("no snapshots to combine")]
    Empty,
    /// Format versions or collecting tool versions differ.
    #[error("{first} and {other} were written by different versions ({detail}); collect every shard with the same palisade release")]
    Version {
        /// The first source.
        first: String,
        /// The source that differs.
        other: String,
        /// What differs.
        detail: String,
    },
    /// Shards of different runs, different shard counts or assignments, a
    /// sharded file mixed with a whole collection, or two organisations.
    #[error("{first} and {other} are not shards of one run ({detail})")]
    Run {
        /// The first source.
        first: String,
        /// The source that differs.
        other: String,
        /// What differs.
        detail: String,
    },
    /// A shard file that contradicts its own shard record: an index out of
    /// range, or an account the run assigned to another shard.
    #[error("{source_name}: {detail}")]
    Shard {
        /// The source.
        source_name: String,
        /// What is wrong.
        detail: String,
    },
    /// The same shard index twice.
    #[error("shard {index} appears twice: {first} and {other}")]
    DuplicateShard {
        /// Shard index.
        index: u32,
        /// The first source.
        first: String,
        /// The second source.
        other: String,
    },
    /// The same account in two sources.
    #[error("account {account} appears in both {first} and {other}")]
    DuplicateAccount {
        /// The account id.
        account: String,
        /// The first source.
        first: String,
        /// The second source.
        other: String,
    },
}

/// What combining a set of snapshots gives, before any account is read.
#[derive(Debug, Clone, PartialEq)]
pub struct MergePlan {
    /// The combined header: the first source's versions, the earliest scan
    /// time, the organisation (from any source that has it), and no shard.
    pub header: Header,
    /// Shards of the run whose output is missing, in index order, with the
    /// accounts each was assigned (sorted): each of those accounts is a gap
    /// (see [`missing_account`]).
    pub missing: Vec<(u32, Vec<String>)>,
    /// The shard count of the run; 0 when the sources are whole snapshots.
    pub shard_count: u32,
}

/// Assigns each of `accounts` to one of `count` shards: the distinct ids are
/// sorted and dealt out in turn (the first to shard 0, the second to shard
/// 1, ...), so the assignment depends only on the set of accounts, every
/// account is in exactly one shard, and shard sizes differ by at most one.
/// `count` 0 assigns nothing.
pub fn assign<S: AsRef<str>>(accounts: &[S], count: u32) -> BTreeMap<String, u32> {
    if count == 0 {
        return BTreeMap::new();
    }
    let sorted: BTreeSet<&str> = accounts.iter().map(AsRef::as_ref).collect();
    sorted
        .into_iter()
        .zip((0..count).cycle())
        .map(|(a, i)| (a.to_owned(), i))
        .collect()
}

/// The file name of shard `index` of `count` in an output directory or S3
/// prefix: `shard-0002-of-0010.json` (zero-padded, so names sort by index).
pub fn shard_file_name(index: u32, count: u32) -> String {
    format!("shard-{index:04}-of-{count:04}.json")
}

/// The accounts `shard` assigned to its own index, sorted.
pub fn assigned_to(shard: &ShardInfo, index: u32) -> Vec<String> {
    shard
        .assignment
        .iter()
        .filter(|(_, i)| **i == index)
        .map(|(a, _)| a.clone())
        .collect()
}

/// Checks one shard record on its own: index within the count, and every
/// assignment within the count.
fn check_shard(name: &str, s: &ShardInfo) -> Result<(), MergeError> {
    let bad = |detail: String| {
        Err(MergeError::Shard {
            source_name: name.to_owned(),
            detail,
        })
    };
    if s.count == 0 {
        return bad("its shard record has a shard count of 0".into());
    }
    if s.index >= s.count {
        return bad(format!(
            "its shard index {} is not below its shard count {}",
            s.index, s.count
        ));
    }
    if let Some((account, i)) = s.assignment.iter().find(|(_, i)| **i >= s.count) {
        return bad(format!(
            "its shard record assigns account {account} to shard {i} of {}",
            s.count
        ));
    }
    Ok(())
}

/// What differs between two shard records of what should be one run.
fn run_difference(a: &ShardInfo, b: &ShardInfo) -> Option<String> {
    if a.run_id != b.run_id {
        return Some(format!("run id {:?} vs {:?}", a.run_id, b.run_id));
    }
    if a.count != b.count {
        return Some(format!("{} shards vs {} shards", a.count, b.count));
    }
    if a.assignment != b.assignment {
        let only = |x: &ShardInfo, y: &ShardInfo| {
            x.assignment
                .iter()
                .find(|(k, v)| y.assignment.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), *v))
        };
        let detail = match (only(a, b), only(b, a)) {
            (Some((k, v)), _) => match b.assignment.get(&k) {
                Some(w) => format!("account {k} is in shard {v} vs shard {w}"),
                None => format!("account {k} is in the first run's account list only"),
            },
            (None, Some((k, _))) => format!("account {k} is in the second run's account list only"),
            (None, None) => "different account assignments".to_owned(),
        };
        return Some(format!(
            "{detail}: the account list changed between the shards' collections"
        ));
    }
    None
}

/// Checks `sources` (a name for messages, and the header) and plans their
/// combination: every source must have the same format, format version and
/// tool version; either none is a shard (whole snapshots, combined as
/// disjoint sets of accounts) or all are distinct shards of one run (same
/// run id, shard count and assignment). Sources of two different
/// organisations are refused. Accounts are checked by [`check_accounts`]
/// (duplicates) and [`check_assignment`] (shard membership).
pub fn plan(sources: &[(String, Header)]) -> Result<MergePlan, MergeError> {
    let ((first_name, first), rest) = sources.split_first().ok_or(MergeError::Empty)?;
    if let Some(s) = &first.shard {
        check_shard(first_name, s)?;
    }
    for (name, h) in rest {
        if h.format != first.format || h.version != first.version {
            return Err(MergeError::Version {
                first: first_name.clone(),
                other: name.clone(),
                detail: format!(
                    "format {} v{} vs {} v{}",
                    first.format, first.version, h.format, h.version
                ),
            });
        }
        if h.tool_version != first.tool_version {
            return Err(MergeError::Version {
                first: first_name.clone(),
                other: name.clone(),
                detail: format!("palisade {} vs {}", first.tool_version, h.tool_version),
            });
        }
        match (&first.shard, &h.shard) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                check_shard(name, b)?;
                if let Some(detail) = run_difference(a, b) {
                    return Err(MergeError::Run {
                        first: first_name.clone(),
                        other: name.clone(),
                        detail,
                    });
                }
            }
            (a, _) => {
                let (shard, whole) = if a.is_some() {
                    (first_name, name)
                } else {
                    (name, first_name)
                };
                return Err(MergeError::Run {
                    first: first_name.clone(),
                    other: name.clone(),
                    detail: format!("{shard} is a shard, {whole} a whole collection"),
                });
            }
        }
    }
    let orgs: Vec<(&String, &Organization)> = sources
        .iter()
        .filter_map(|(n, h)| h.organization.as_ref().map(|o| (n, o)))
        .collect();
    if let Some(((n1, o1), others)) = orgs.split_first() {
        if let Some((n2, o2)) = others.iter().find(|(_, o)| o.id != o1.id) {
            return Err(MergeError::Run {
                first: (*n1).clone(),
                other: (*n2).clone(),
                detail: format!("organisation {} vs {}", o1.id, o2.id),
            });
        }
    }
    let mut missing = Vec::new();
    let mut shard_count = 0;
    if let Some(shard) = &first.shard {
        shard_count = shard.count;
        let mut seen: BTreeMap<u32, &String> = BTreeMap::new();
        for (name, h) in sources {
            let index = h.shard.as_ref().map_or(0, |s| s.index);
            if let Some(prev) = seen.insert(index, name) {
                return Err(MergeError::DuplicateShard {
                    index,
                    first: prev.clone(),
                    other: name.clone(),
                });
            }
        }
        for index in (0..shard.count).filter(|i| !seen.contains_key(i)) {
            missing.push((index, assigned_to(shard, index)));
        }
    }
    let organization = orgs.first().map(|(_, o)| (*o).clone());
    // Shards start at slightly different times: ages are judged from the
    // earliest, so no age is overstated.
    let scan_time = sources
        .iter()
        .map(|(_, h)| h.scan_time)
        .min()
        .unwrap_or(first.scan_time);
    Ok(MergePlan {
        header: Header {
            scan_time,
            organization,
            shard: None,
            ..first.clone()
        },
        missing,
        shard_count,
    })
}

/// Refuses an account present in two sources: `accounts` is (source name,
/// account id) in reading order.
pub fn check_accounts<'a>(
    accounts: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), MergeError> {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for (source, account) in accounts {
        if let Some(prev) = seen.insert(account, source) {
            return Err(MergeError::DuplicateAccount {
                account: account.to_owned(),
                first: prev.to_owned(),
                other: source.to_owned(),
            });
        }
    }
    Ok(())
}

/// Checks the accounts of one shard file against its shard record: an
/// account the run assigned to another shard (or to none) is refused.
/// Returns the accounts assigned to this shard that the file lacks (sorted):
/// the collector writes every assigned account, a gap when it could not be
/// read, so these are gaps too (see [`absent_account`]), never silence.
pub fn check_assignment<'a>(
    source: &str,
    shard: &ShardInfo,
    accounts: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, MergeError> {
    let mut present = BTreeSet::new();
    for account in accounts {
        match shard.assignment.get(account) {
            Some(i) if *i == shard.index => {
                present.insert(account);
            }
            Some(i) => {
                return Err(MergeError::Shard {
                    source_name: source.to_owned(),
                    detail: format!(
                        "it is shard {} of {} but holds account {account}, which the run assigned to shard {i}",
                        shard.index, shard.count
                    ),
                })
            }
            None => {
                return Err(MergeError::Shard {
                    source_name: source.to_owned(),
                    detail: format!(
                        "it holds account {account}, which is not in its run's account list"
                    ),
                })
            }
        }
    }
    Ok(assigned_to(shard, shard.index)
        .into_iter()
        .filter(|a| !present.contains(a.as_str()))
        .collect())
}

/// An account with no data whose every operation of every service failed in
/// the global scope with `error`, so every check over it is `not_evaluated`
/// and the gap is in every report.
fn gap_account(account_id: &str, error: &str) -> Account {
    // Organizations coverage is the organisation's, never an account's.
    let mut coverage: Vec<CoverageRecord> = crate::OPERATIONS
        .iter()
        .filter(|op| op.service.is_per_account())
        .map(|op| CoverageRecord {
            service: op.service.as_str().to_owned(),
            region: GLOBAL_REGION.to_owned(),
            api: op.api.to_owned(),
            status: CoverageStatus::Failed,
            error: Some(error.to_owned()),
        })
        .collect();
    coverage.sort();
    Account {
        account_id: account_id.to_owned(),
        partition: "aws".to_owned(),
        coverage,
        ..Account::default()
    }
}

/// The stand-in for an account of a missing shard: every operation of every
/// service failed in the global scope, so every check over it is
/// `not_evaluated` and the gap is in every report.
pub fn missing_account(account_id: &str, shard: u32, count: u32) -> Account {
    gap_account(
        account_id,
        &format!(
            "ShardMissing: the output of shard {shard} of {count}, which held this account, is not among the inputs"
        ),
    )
}

/// The stand-in for an account a present shard file should hold and does
/// not (see [`check_assignment`]): a gap like [`missing_account`].
pub fn absent_account(account_id: &str, shard: u32, count: u32) -> Account {
    gap_account(
        account_id,
        &format!(
            "ShardIncomplete: the output of shard {shard} of {count} does not hold this account, which the run assigned to it"
        ),
    )
}

/// Combines whole snapshots in memory (the `palisade merge` command):
/// checks them ([`plan`], [`check_accounts`], [`check_assignment`]) and
/// concatenates their accounts, adding a gap account for every account of a
/// missing shard and every assigned account a shard file lacks. Whole
/// snapshots keep source order; a sharded run's accounts (gaps included)
/// are sorted by account id, so the result does not depend on the order
/// the shard files were given in.
pub fn merge(sources: Vec<(String, Snapshot)>) -> Result<Snapshot, MergeError> {
    let headers: Vec<(String, Header)> = sources
        .iter()
        .map(|(n, s)| (n.clone(), Header::of(s)))
        .collect();
    let plan = plan(&headers)?;
    check_accounts(sources.iter().flat_map(|(n, s)| {
        s.accounts
            .iter()
            .map(move |a| (n.as_str(), a.account_id.as_str()))
    }))?;
    let mut gaps = Vec::new();
    for (name, s) in &sources {
        if let Some(shard) = &s.shard {
            let absent = check_assignment(
                name,
                shard,
                s.accounts.iter().map(|a| a.account_id.as_str()),
            )?;
            gaps.extend(
                absent
                    .iter()
                    .map(|a| absent_account(a, shard.index, shard.count)),
            );
        }
    }
    let mut out = Snapshot::new(plan.header.scan_time, &plan.header.tool_version);
    out.format = plan.header.format;
    out.version = plan.header.version;
    out.organization = plan.header.organization;
    for (_, s) in sources {
        out.accounts.extend(s.accounts);
    }
    for (index, accounts) in &plan.missing {
        gaps.extend(
            accounts
                .iter()
                .map(|a| missing_account(a, *index, plan.shard_count)),
        );
    }
    out.accounts.extend(gaps);
    if plan.shard_count > 0 {
        out.accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    const T0: &str = "2026-01-01T00:00:00Z";

    fn ids(n: usize) -> Vec<String> {
        // Not in sorted order, so the tests see the sort.
        (0..n)
            .rev()
            .map(|i| format!("{:012}", 100_000_000_000u64 + i as u64 * 7))
            .collect()
    }

    fn account(id: &str) -> Account {
        Account {
            account_id: id.to_owned(),
            partition: "aws".into(),
            regions: vec!["us-east-1".into()],
            ..Account::default()
        }
    }

    fn whole(accounts: &[&str]) -> Snapshot {
        let mut s = Snapshot::new(T0.parse().unwrap(), "1.0.0");
        s.accounts = accounts.iter().map(|a| account(a)).collect();
        s
    }

    /// The shard files of one run over `all`, each holding its assigned
    /// accounts.
    fn shards(all: &[String], count: u32, run: &str) -> Vec<(String, Snapshot)> {
        let assignment = assign(all, count);
        (0..count)
            .map(|index| {
                let mut s = Snapshot::new(T0.parse().unwrap(), "1.0.0");
                s.scan_time += chrono::Duration::seconds(i64::from(count - index));
                s.shard = Some(ShardInfo {
                    index,
                    count,
                    run_id: run.into(),
                    assignment: assignment.clone(),
                });
                s.accounts = assigned_to(s.shard.as_ref().unwrap(), index)
                    .iter()
                    .map(|a| account(a))
                    .collect();
                (shard_file_name(index, count), s)
            })
            .collect()
    }

    fn ids_of(s: &Snapshot) -> Vec<&str> {
        s.accounts.iter().map(|a| a.account_id.as_str()).collect()
    }

    #[test]
    fn assign_is_deterministic_balanced_and_complete() {
        for n in [0usize, 1, 2, 5, 13, 100] {
            let accounts = ids(n);
            for count in 1..=7u32 {
                let a = assign(&accounts, count);
                // Every account exactly once.
                let keys: BTreeSet<&String> = a.keys().collect();
                assert_eq!(keys, accounts.iter().collect(), "n={n} count={count}");
                // Balanced within one.
                let mut sizes = vec![0usize; count as usize];
                for i in a.values() {
                    sizes[*i as usize] += 1;
                }
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1, "n={n} count={count} sizes={sizes:?}");
                // Independent of input order and duplicates.
                let mut shuffled = accounts.clone();
                shuffled.reverse();
                shuffled.extend(accounts.iter().take(3).cloned());
                assert_eq!(assign(&shuffled, count), a);
            }
            assert!(assign(&accounts, 1).values().all(|i| *i == 0));
        }
        assert!(assign(&ids(4), 0).is_empty());
        // The documented rule: sorted ids dealt out in turn.
        let a = assign(&["333333333333", "111111111111", "222222222222"], 2);
        assert_eq!(a["111111111111"], 0);
        assert_eq!(a["222222222222"], 1);
        assert_eq!(a["333333333333"], 0);
    }

    #[test]
    fn shard_file_names_sort_by_index() {
        assert_eq!(shard_file_name(2, 10), "shard-0002-of-0010.json");
        let mut names: Vec<String> = (0..12).map(|i| shard_file_name(i, 12)).collect();
        let sorted = {
            let mut s = names.clone();
            s.sort();
            s
        };
        assert_eq!(names, sorted);
        names.dedup();
        assert_eq!(names.len(), 12);
    }

    #[test]
    fn all_shards_merge_into_every_account_sorted() {
        let all = ids(7);
        let mut parts = shards(&all, 3, "run-1");
        parts.reverse();
        let merged = merge(parts).unwrap();
        let mut expected: Vec<&str> = all.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(ids_of(&merged), expected);
        assert!(merged.shard.is_none());
        assert_eq!(merged.gaps().count(), 0);
        // The earliest shard start.
        assert_eq!(
            merged.scan_time,
            Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 1).unwrap()
        );
    }

    #[test]
    fn a_missing_shard_is_a_gap_for_each_of_its_accounts() {
        let all = ids(7);
        let mut parts = shards(&all, 3, "run-1");
        let gone = parts.remove(1).1;
        let gone_ids: Vec<String> = ids_of(&gone).iter().map(|s| s.to_string()).collect();
        assert_eq!(gone_ids.len(), 2);
        let headers: Vec<(String, Header)> = parts
            .iter()
            .map(|(n, s)| (n.clone(), Header::of(s)))
            .collect();
        let p = plan(&headers).unwrap();
        assert_eq!(p.missing, vec![(1, gone_ids.clone())]);
        assert_eq!(p.shard_count, 3);

        let merged = merge(parts).unwrap();
        assert_eq!(merged.accounts.len(), 7);
        for id in &gone_ids {
            let a = merged
                .accounts
                .iter()
                .find(|a| &a.account_id == id)
                .unwrap();
            let per_account = crate::OPERATIONS
                .iter()
                .filter(|op| op.service.is_per_account())
                .count();
            assert_eq!(a.coverage.len(), per_account);
            assert!(a.coverage.iter().all(|c| c.is_gap()
                && c.region == GLOBAL_REGION
                && c.error.as_deref().unwrap().contains("shard 1 of 3")));
            // Every service of an account is covered by a failed record;
            // the organisation's own service is not an account's.
            for service in crate::Service::ALL {
                assert_eq!(
                    a.coverage.iter().any(|c| c.service == service.as_str()),
                    service.is_per_account(),
                    "{service:?}"
                );
            }
        }
        let gap_accounts: BTreeSet<&str> = merged.gaps().map(|(a, _)| a).collect();
        assert_eq!(
            gap_accounts,
            gone_ids.iter().map(String::as_str).collect::<BTreeSet<_>>()
        );
    }

    #[test]
    fn only_one_shard_present_makes_every_other_account_a_gap() {
        let all = ids(5);
        let parts: Vec<_> = shards(&all, 4, "r").into_iter().skip(3).collect();
        let merged = merge(parts).unwrap();
        assert_eq!(merged.accounts.len(), 5);
        assert_eq!(
            merged
                .accounts
                .iter()
                .filter(|a| a.coverage.iter().any(|c| c.is_gap()))
                .count(),
            4
        );
    }

    #[test]
    fn whole_snapshots_merge_as_disjoint_account_sets_in_source_order() {
        let merged = merge(vec![
            ("b.json".into(), whole(&["222222222222", "333333333333"])),
            ("a.json".into(), whole(&["111111111111"])),
        ])
        .unwrap();
        assert_eq!(
            ids_of(&merged),
            ["222222222222", "333333333333", "111111111111"]
        );
        assert_eq!(merged.gaps().count(), 0);

        let err = merge(vec![
            ("b.json".into(), whole(&["222222222222", "333333333333"])),
            ("a.json".into(), whole(&["111111111111", "333333333333"])),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "account 333333333333 appears in both b.json and a.json"
        );
    }

    #[test]
    fn different_versions_are_refused() {
        let mut other = whole(&["222222222222"]);
        other.tool_version = "1.1.0".into();
        let err = merge(vec![
            ("a.json".into(), whole(&["111111111111"])),
            ("b.json".into(), other),
        ])
        .unwrap_err();
        assert!(matches!(err, MergeError::Version { .. }), "{err}");
        assert!(err.to_string().contains("palisade 1.0.0 vs 1.1.0"), "{err}");
        assert!(err.to_string().contains("a.json and b.json"), "{err}");

        let mut other = whole(&["222222222222"]);
        other.version = 2;
        let err = merge(vec![
            ("a.json".into(), whole(&["111111111111"])),
            ("b.json".into(), other),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("v1 vs palisade-snapshot v2"),
            "{err}"
        );
    }

    #[test]
    fn shards_of_different_runs_or_counts_are_refused() {
        let all = ids(6);
        let a = shards(&all, 3, "run-1");
        let b = shards(&all, 3, "run-2");
        let err = merge(vec![
            a[0].clone(),
            (String::from("other.json"), b[1].1.clone()),
        ])
        .unwrap_err();
        assert!(matches!(err, MergeError::Run { .. }), "{err}");
        assert!(err.to_string().contains("\"run-1\" vs \"run-2\""), "{err}");

        let c = shards(&all, 2, "run-1");
        let err = merge(vec![a[0].clone(), (String::from("c.json"), c[1].1.clone())]).unwrap_err();
        assert!(err.to_string().contains("3 shards vs 2 shards"), "{err}");

        // Same run id and count, but the account list changed in between.
        let more = ids(7);
        let d = shards(&more, 3, "run-1");
        let err = merge(vec![a[0].clone(), (String::from("d.json"), d[1].1.clone())]).unwrap_err();
        assert!(err.to_string().contains("account list changed"), "{err}");

        // A shard and a whole collection.
        let err = merge(vec![
            a[0].clone(),
            ("w.json".into(), whole(&["999999999999"])),
        ])
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("shard-0000-of-0003.json is a shard, w.json a whole collection"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_shard_index_is_refused() {
        let all = ids(6);
        let a = shards(&all, 3, "run-1");
        let err = merge(vec![
            a[0].clone(),
            a[1].clone(),
            ("copy.json".into(), a[1].1.clone()),
        ])
        .unwrap_err();
        assert_eq!(
            err,
            MergeError::DuplicateShard {
                index: 1,
                first: "shard-0001-of-0003.json".into(),
                other: "copy.json".into(),
            }
        );
    }

    #[test]
    fn shard_files_that_contradict_their_record_are_refused() {
        let all = ids(6);
        let mut a = shards(&all, 3, "run-1");
        // An account of shard 1 inside shard 0.
        let stray = a[1].1.accounts[0].clone();
        a[0].1.accounts.push(stray.clone());
        let err = merge(vec![a[0].clone(), a[2].clone()]).unwrap_err();
        assert!(
            err.to_string().contains(&format!(
                "shard-0000-of-0003.json: it is shard 0 of 3 but holds account {}, which the run assigned to shard 1",
                stray.account_id
            )),
            "{err}"
        );
        // An account outside the run.
        let mut a = shards(&all, 3, "run-1");
        a[2].1.accounts.push(account("999999999999"));
        let err = merge(a).unwrap_err();
        assert!(
            err.to_string().contains("not in its run's account list"),
            "{err}"
        );
        // An index out of range.
        let mut a = shards(&all, 3, "run-1");
        a[0].1.shard.as_mut().unwrap().index = 3;
        let err = merge(a).unwrap_err();
        assert!(err.to_string().contains("index 3 is not below"), "{err}");
    }

    #[test]
    fn an_account_a_present_shard_lacks_is_a_gap() {
        let all = ids(6);
        let mut a = shards(&all, 3, "run-1");
        let dropped = a[2].1.accounts.pop().unwrap();
        let merged = merge(a).unwrap();
        assert_eq!(merged.accounts.len(), 6);
        let gap = merged
            .accounts
            .iter()
            .find(|x| x.account_id == dropped.account_id)
            .unwrap();
        assert!(gap.coverage.iter().all(|c| c.is_gap()));
        assert!(gap.coverage[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("ShardIncomplete"));
    }

    #[test]
    fn organisations_must_agree() {
        let org = |id: &str| Organization {
            id: id.into(),
            management_account_id: "111111111111".into(),
            ..Organization::default()
        };
        let mut a = whole(&["111111111111"]);
        a.organization = Some(org("o-aaaa"));
        let b = whole(&["222222222222"]);
        let merged = merge(vec![("b".into(), b.clone()), ("a".into(), a.clone())]).unwrap();
        assert_eq!(merged.organization.unwrap().id, "o-aaaa");
        let mut c = whole(&["333333333333"]);
        c.organization = Some(org("o-cccc"));
        let err = merge(vec![("a".into(), a), ("b".into(), b), ("c".into(), c)]).unwrap_err();
        assert!(
            err.to_string().contains("organisation o-aaaa vs o-cccc"),
            "{err}"
        );
    }

    #[test]
    fn nothing_to_merge_is_refused() {
        assert_eq!(merge(Vec::new()).unwrap_err(), MergeError::Empty);
    }

    #[test]
    fn check_accounts_names_both_sources() {
        let err = check_accounts([("x", "1"), ("y", "2"), ("z", "1")]).unwrap_err();
        assert_eq!(err.to_string(), "account 1 appears in both x and z");
    }

    #[test]
    fn header_reads_from_a_whole_snapshot_text() {
        let mut s = shards(&ids(3), 2, "r").remove(0).1;
        s.accounts.push(account("123456789012"));
        let text = serde_json::to_string(&s).unwrap();
        let h: Header = serde_json::from_str(&text).unwrap();
        assert_eq!(h, Header::of(&s));
    }
}
