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
    /// Shards of different runs, different shard counts, or a sharded file
    /// mixed with a whole collection.
    #[error("{first} and {other} are not shards of one run ({detail})")]
    Run {
        /// The first source.
        first: String,
        /// The source that differs.
        other: String,
        /// What differs.
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
    /// The combined header: the first source's times and versions, the
    /// organisation (from any shard that has it), and no shard.
    pub header: Header,
    /// Shards of the run whose output is missing, with the accounts each was
    /// assigned: each of those accounts is a gap (see [`missing_account`]).
    pub missing: Vec<(u32, Vec<String>)>,
}

/// Checks `sources` (a name for messages, and the header) and plans their
/// combination. Accounts are checked for duplicates by [`check_accounts`].
pub fn plan(sources: &[(String, Header)]) -> Result<MergePlan, MergeError> {
    let ((first_name, first), rest) = sources.split_first().ok_or(MergeError::Empty)?;
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
                if a.run_id != b.run_id || a.count != b.count || a.assignment != b.assignment {
                    return Err(MergeError::Run {
                        first: first_name.clone(),
                        other: name.clone(),
                        detail: format!(
                            "run {:?} of {} shards vs run {:?} of {} shards",
                            a.run_id, a.count, b.run_id, b.count
                        ),
                    });
                }
            }
            _ => {
                return Err(MergeError::Run {
                    first: first_name.clone(),
                    other: name.clone(),
                    detail: "one is a shard, the other a whole collection".into(),
                })
            }
        }
    }
    let mut missing = Vec::new();
    if let Some(shard) = &first.shard {
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
        for index in 0..shard.count {
            if seen.contains_key(&index) {
                continue;
            }
            let accounts: Vec<String> = shard
                .assignment
                .iter()
                .filter(|(_, i)| **i == index)
                .map(|(a, _)| a.clone())
                .collect();
            missing.push((index, accounts));
        }
    }
    let organization = sources.iter().find_map(|(_, h)| h.organization.clone());
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

/// The stand-in for an account of a missing shard: every operation of every
/// service failed in the global scope, so every check over it is
/// `not_evaluated` and the gap is in every report.
pub fn missing_account(account_id: &str, shard: u32, count: u32) -> Account {
    let error = format!(
        "ShardMissing: the output of shard {shard} of {count}, which held this account, is not among the inputs"
    );
    let mut coverage: Vec<CoverageRecord> = crate::OPERATIONS
        .iter()
        .map(|op| CoverageRecord {
            service: op.service.as_str().to_owned(),
            region: GLOBAL_REGION.to_owned(),
            api: op.api.to_owned(),
            status: CoverageStatus::Failed,
            error: Some(error.clone()),
        })
        .collect();
    coverage.sort();
    Account {
        account_id: account_id.to_owned(),
        coverage,
        ..Account::default()
    }
}

/// Combines whole snapshots in memory (the `palisade merge` command):
/// checks them, concatenates their accounts in source order, and adds a gap
/// account for every account of a missing shard.
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
    let mut out = Snapshot::new(plan.header.scan_time, &plan.header.tool_version);
    out.format = plan.header.format;
    out.version = plan.header.version;
    out.organization = plan.header.organization;
    let count = headers
        .first()
        .and_then(|(_, h)| h.shard.as_ref())
        .map_or(0, |s| s.count);
    let present: BTreeSet<String> = sources
        .iter()
        .flat_map(|(_, s)| s.accounts.iter().map(|a| a.account_id.clone()))
        .collect();
    for (_, s) in sources {
        out.accounts.extend(s.accounts);
    }
    for (index, accounts) in plan.missing {
        for a in accounts.iter().filter(|a| !present.contains(*a)) {
            out.accounts.push(missing_account(a, index, count));
        }
    }
    Ok(out)
}
