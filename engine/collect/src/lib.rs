//! Palisade collectors: read IAM, EC2 networking, WAFv2, AWS Backup, AWS
//! Config, AWS Artifact, CloudTrail, CloudWatch (Logs, alarms, SNS),
//! GuardDuty, Security Hub, IAM Access Analyzer, KMS, S3, RDS and EFS from
//! one or more accounts and regions into a [`palisade_model::Snapshot`]. Collectors never evaluate anything.
//! With [`CollectOptions::org`], the AWS organisation is read first
//! ([`organizations`]) and its active member accounts are collected
//! through a role of the same name in each ([`org_targets`]).
//!
//! Every API call's outcome becomes a coverage record; a call that still
//! fails after the SDK's retries is a gap (`status: failed`) and the rest of
//! the collection continues. [`ops::ALL`] (the catalogue in
//! [`palisade_model::service`]) lists every operation called, and
//! `iam-policy.json` beside this crate is the least-privilege policy that
//! allows exactly those.

/// Calls about individual resources (one web ACL, vault or plan) in flight
/// at once within one service and region. Results keep listing order, so a
/// snapshot does not depend on which call finished first.
pub(crate) const PER_RESOURCE_CONCURRENCY: usize = 8;

pub mod artifact;
pub mod autoscaling;
pub mod backup;
pub mod cloudtrail;
pub mod config;
pub mod coverage;
pub mod databases;
pub mod detection;
pub mod ec2;
pub mod elb;
pub mod error;
pub mod iam;
pub mod kms;
pub mod monitoring;
pub mod ops;
pub mod organizations;
pub mod pages;
mod redact;
#[cfg(test)]
mod replay;
pub mod retry_log;
pub mod s3;
pub mod s3io;
pub mod scope;
pub mod securityhub;
pub mod session;
pub mod waf;

use std::sync::Arc;
use std::time::Duration;

use chrono::{SubsecRound as _, Utc};
use palisade_model::organization::{Organization, ShardInfo};
use palisade_model::{Account, RegionData, Service, Snapshot, GLOBAL_REGION};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use coverage::{Coverage, Progress};
pub use error::CollectError;
use scope::Scope;
use session::Session;

/// The least-privilege IAM policy the collectors need (JSON text).
pub const IAM_POLICY: &str = include_str!("../iam-policy.json");

/// How the SDK retries a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryMode {
    /// Exponential backoff with jitter.
    #[default]
    Standard,
    /// Standard plus client-side rate limiting after throttling responses.
    Adaptive,
}

/// What to collect and how. Its `Debug` output redacts the credentials
/// (see `redact.rs`).
#[derive(Clone)]
pub struct CollectOptions {
    /// Named profile of the shared config files; `None`: the default chain.
    pub profile: Option<String>,
    /// Regions to collect; empty: every region enabled in each account.
    pub regions: Vec<String>,
    /// Role to assume in each account (its account field is replaced for
    /// each of `accounts`).
    pub role_arn: Option<String>,
    /// Member accounts to collect through `role_arn`.
    pub accounts: Vec<String>,
    /// Read the caller's AWS organisation (the caller is its management
    /// account or a delegated administrator) and collect its active member
    /// accounts through `role_name` (`--org`).
    pub org: bool,
    /// With `org`: the role to assume in each member account,
    /// `arn:PARTITION:iam::MEMBER:role/ROLE_NAME` (`--role-name`).
    pub role_name: Option<String>,
    /// With `org`: collect only the accounts anywhere below these OUs (or
    /// roots) (`--ou`); empty: the whole organisation.
    pub org_units: Vec<String>,
    /// With `org`: accounts not to collect (`--exclude-accounts`).
    pub exclude_accounts: Vec<String>,
    /// `sts:ExternalId` passed with every AssumeRole (`--external-id`).
    pub external_id: Option<String>,
    /// Send every call to this endpoint (e.g. a local moto server).
    pub endpoint_url: Option<String>,
    /// Static credentials instead of the default chain (for local endpoints
    /// and embedding).
    pub static_credentials: Option<(String, String)>,
    /// Service/region tasks in flight at once.
    pub concurrency: usize,
    /// Attempts per call, including the first.
    pub max_attempts: u32,
    /// Retry mode.
    pub retry_mode: RetryMode,
    /// First retry delay (grows exponentially, with jitter).
    pub initial_backoff: Duration,
    /// Longest retry delay.
    pub max_backoff: Duration,
    /// Time limit of one attempt of one call (connecting, sending, waiting
    /// and reading the whole answer); an attempt over it is retried.
    pub attempt_timeout: Duration,
    /// Time limit of opening a connection; a refused or unanswered
    /// connection is retried, then the call is a gap.
    pub connect_timeout: Duration,
    /// Time limit of waiting for an answer's first bytes once the request
    /// is sent; a slower answer is retried, then the call is a gap.
    pub read_timeout: Duration,
    /// Print one progress line per finished task on stderr.
    pub progress: bool,
    /// Collect only this shard's share of the accounts (`--shard I/N`).
    pub shard: Option<ShardSpec>,
}

/// One shard of a sharded collection: the accounts are assigned to shards
/// by [`palisade_model::merge::assign`] and only this shard's are collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard's index, below `count`.
    pub index: u32,
    /// Number of shards in the run (at least 1).
    pub count: u32,
    /// The run's id, recorded so shards of different runs are never merged.
    pub run_id: String,
}

impl Default for CollectOptions {
    fn default() -> Self {
        Self {
            profile: None,
            regions: Vec::new(),
            role_arn: None,
            accounts: Vec::new(),
            org: false,
            role_name: None,
            org_units: Vec::new(),
            exclude_accounts: Vec::new(),
            external_id: None,
            endpoint_url: None,
            static_credentials: None,
            concurrency: 8,
            max_attempts: 5,
            retry_mode: RetryMode::Standard,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(20),
            progress: false,
            shard: None,
        }
    }
}

/// Collects on a new multi-threaded tokio runtime.
pub fn collect_blocking(opts: &CollectOptions) -> Result<Snapshot, CollectError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(collect(opts))
}

/// The data one task produced.
enum Part {
    Iam(palisade_model::iam::Iam),
    Ec2(Box<palisade_model::ec2::Ec2>),
    Waf(palisade_model::waf::Wafv2),
    Backup(palisade_model::backup::Backup),
    Config(palisade_model::config::ConfigService),
    Artifact(artifact::Artifact),
    S3(palisade_model::s3::S3),
    Cloudtrail(palisade_model::cloudtrail::CloudTrail),
    Monitoring(palisade_model::monitoring::Monitoring),
    GuardDuty(palisade_model::detection::GuardDuty),
    SecurityHub(palisade_model::detection::SecurityHub),
    AccessAnalyzer(palisade_model::detection::AccessAnalyzer),
    Kms(palisade_model::kms::Kms),
    Rds(palisade_model::databases::Rds),
    Efs(palisade_model::databases::Efs),
    Elb(palisade_model::elb::Elb),
    Autoscaling(palisade_model::compute::AutoScaling),
    /// Nothing: AWS Organizations is read once per collection, not per
    /// account ([`has_task`] keeps it out of the account tasks).
    Nothing,
}

/// The services that run a task of their own in each account: CloudWatch
/// alarms and SNS topics are read by the CloudWatch Logs task
/// ([`monitoring`]), which follows metric filters to their alarms and the
/// alarms to their topics; AWS Organizations is read once per collection
/// ([`organizations`]).
fn has_task(s: Service) -> bool {
    s.is_per_account() && !matches!(s, Service::Cloudwatch | Service::Sns)
}

/// One account being collected.
struct Target {
    account: String,
    partition: String,
    session: Option<Session>,
    setup_error: Option<String>,
}

/// Collects every requested account and region into one snapshot.
pub async fn collect(opts: &CollectOptions) -> Result<Snapshot, CollectError> {
    let scan_time = Utc::now().trunc_subsecs(0);
    check_accounts(opts)?;
    let base = Session::new(session::base_config(opts).await);
    let (caller_account, caller_arn) = base.identity().await?;
    tracing::info!(account = %caller_account, arn = %caller_arn, "caller identity");
    let (targets, organization, shard) = if opts.org {
        let (targets, org, shard) = org_members(opts, &base, &caller_account, &caller_arn).await?;
        (targets, Some(org), shard)
    } else {
        let (targets, shard) = targets(opts, &base, caller_account, &caller_arn).await?;
        (targets, None, shard)
    };
    let names: std::collections::BTreeMap<String, String> = organization
        .as_ref()
        .and_then(|o| o.accounts.as_ref())
        .map(|a| {
            a.iter()
                .filter(|a| !a.name.is_empty())
                .map(|a| (a.id.clone(), a.name.clone()))
                .collect()
        })
        .unwrap_or_default();

    let progress = Progress::new(opts.progress);
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut tasks: JoinSet<(usize, String, Part)> = JoinSet::new();
    let mut accounts = Vec::new();
    for (idx, t) in targets.into_iter().enumerate() {
        let coverage = Coverage::default();
        let mut account = Account {
            account_id: t.account.clone(),
            name: names.get(&t.account).cloned(),
            partition: t.partition.clone(),
            ..Account::default()
        };
        let Some(session) = t.session.as_ref() else {
            // Every check of this account is then "not evaluated".
            let error = t.setup_error.clone().unwrap_or_default();
            tracing::error!(account = %t.account, %error, "account skipped");
            for op in ops::ALL.iter().filter(|o| o.service.is_per_account()) {
                coverage.failed(op, GLOBAL_REGION, error.clone());
            }
            accounts.push((account, coverage));
            continue;
        };
        let regions = if opts.regions.is_empty() {
            let scope = Scope::new(&t.account, &t.partition, GLOBAL_REGION, coverage.clone());
            let home = session
                .config
                .region()
                .map(|r| r.to_string())
                .unwrap_or_else(|| session::HOME_REGION.to_owned());
            ec2::enabled_regions(&session::ec2(session, &home), &scope)
                .await
                .unwrap_or_else(|| vec![home])
        } else {
            opts.regions.clone()
        };
        account.regions = regions.clone();
        spawn_account(
            &mut tasks, &limit, &progress, idx, &t, session, &regions, &coverage,
        );
        accounts.push((account, coverage));
    }
    join_parts(&mut tasks, &mut accounts).await;

    let mut snapshot = Snapshot::new(scan_time, env!("CARGO_PKG_VERSION"));
    snapshot.organization = organization;
    snapshot.shard = shard;
    for (mut account, coverage) in accounts {
        account.coverage = coverage.records();
        let order = account.regions.clone();
        account
            .region_data
            .sort_by_key(|r| order.iter().position(|o| *o == r.region));
        snapshot.accounts.push(account);
    }
    Ok(snapshot)
}

/// `--org`: reads the organisation from the caller's account, selects the
/// accounts to collect ([`org_targets`]) and assumes `--role-name` in each
/// (the caller's own account keeps the caller's session).
async fn org_members(
    opts: &CollectOptions,
    base: &Session,
    caller_account: &str,
    caller_arn: &str,
) -> Result<(Vec<Target>, Organization, Option<ShardInfo>), CollectError> {
    let partition = session::partition_of(caller_arn);
    let client = session::organizations(base, session::HOME_REGION);
    let org = organizations::collect(&client, caller_account, &partition).await?;
    tracing::info!(organization = %organizations::counts(&org), "organisation read");
    check_org_units(opts, &org)?;
    let role = opts.role_name.as_deref().unwrap_or_default();
    let (accounts, shard) = select_shard(opts, org_targets(opts, &org, caller_account));
    let arns = accounts
        .into_iter()
        .map(|a| {
            let arn = session::member_role(&partition, &a, role);
            (a, arn)
        })
        .collect();
    let targets = assume_targets(opts, base, caller_account, caller_arn, arns).await;
    Ok((targets, org, shard))
}

/// Refuses `--accounts` without a role to assume, account ids that are not
/// 12 digits, and inconsistent organisation options, before any AWS call.
fn check_accounts(opts: &CollectOptions) -> Result<(), CollectError> {
    if let Some(s) = &opts.shard {
        if s.count == 0 || s.index >= s.count {
            return Err(CollectError::Usage(format!(
                "shard {}/{}: the index must be below the shard count, and the count at least 1",
                s.index, s.count
            )));
        }
    }
    if !opts.accounts.is_empty() && opts.role_arn.is_none() {
        return Err(CollectError::Usage(
            "--accounts needs --role-arn (the role to assume in each account)".into(),
        ));
    }
    check_org_options(opts)?;
    for a in opts.accounts.iter().chain(&opts.exclude_accounts) {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CollectError::Usage(format!(
                "{a:?} is not a 12-digit AWS account id"
            )));
        }
    }
    for ou in &opts.org_units {
        if !is_container_id(ou) {
            return Err(CollectError::Usage(format!(
                "--ou {ou:?} is not an organisational unit id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)"
            )));
        }
    }
    Ok(())
}

/// The combinations of the organisation options that mean something:
/// `--org` needs `--role-name` and excludes `--accounts` and `--role-arn`;
/// `--role-name`, `--ou` and `--exclude-accounts` need `--org`.
fn check_org_options(opts: &CollectOptions) -> Result<(), CollectError> {
    let usage = |m: &str| Err(CollectError::Usage(m.to_owned()));
    if !opts.org {
        if opts.role_name.is_some() {
            return usage(
                "--role-name needs --org (with --accounts, name the role with --role-arn)",
            );
        }
        if !opts.org_units.is_empty() {
            return usage("--ou needs --org");
        }
        if !opts.exclude_accounts.is_empty() {
            return usage("--exclude-accounts needs --org");
        }
        return Ok(());
    }
    if !opts.accounts.is_empty() {
        return usage("--org collects the organisation's accounts: it cannot be combined with --accounts (narrow it with --ou and --exclude-accounts)");
    }
    if opts.role_arn.is_some() {
        return usage("--org assumes --role-name in each member account: it cannot be combined with --role-arn (run it with credentials of the management account or a delegated administrator)");
    }
    match &opts.role_name {
        None => usage("--org needs --role-name (the role to assume in each member account)"),
        Some(name) => session::check_role_name(name),
    }
}

/// An OU id (`ou-` root part `-` 8 to 32 characters) or a root id (`r-`
/// 4 to 32 characters), lowercase letters and digits.
fn is_container_id(id: &str) -> bool {
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    if let Some(rest) = id.strip_prefix("ou-") {
        return rest
            .split_once('-')
            .is_some_and(|(root, ou)| part(root, 4) && part(ou, 8));
    }
    id.strip_prefix("r-").is_some_and(|r| part(r, 4))
}

/// Refuses `--ou` ids that are not in the organisation (when its roots and
/// OUs were read; when they were not, the ids cannot be checked and accounts
/// of unknown placement are kept by [`org_targets`]).
fn check_org_units(opts: &CollectOptions, org: &Organization) -> Result<(), CollectError> {
    let (Some(roots), Some(units)) = (&org.roots, &org.units) else {
        return Ok(());
    };
    for ou in &opts.org_units {
        let known = roots.iter().any(|r| &r.id == ou) || units.iter().any(|u| &u.id == ou);
        if !known {
            return Err(CollectError::Usage(format!(
                "--ou {ou:?} is not an organisational unit or root of organisation {}",
                org.id
            )));
        }
    }
    Ok(())
}

/// The accounts of the organisation to collect, sorted: every `ACTIVE`
/// account (suspended and closing accounts are listed in the organisation
/// but not collected), only those anywhere below one of `--ou` when given,
/// without `--exclude-accounts`. An account whose place in the tree is
/// unknown (a listing failed) is kept under `--ou`: collecting it is better
/// than silently missing it. When the account listing itself failed, only
/// the caller's account is known. Sharding filters this list.
pub fn org_targets(opts: &CollectOptions, org: &Organization, caller: &str) -> Vec<String> {
    let Some(accounts) = &org.accounts else {
        return if opts.exclude_accounts.iter().any(|e| e == caller) {
            Vec::new()
        } else {
            vec![caller.to_owned()]
        };
    };
    let mut ids: Vec<String> = accounts
        .iter()
        .filter(|a| a.status == "ACTIVE")
        .filter(|a| {
            opts.org_units.is_empty()
                || org
                    .ancestry(&a.id)
                    .is_none_or(|chain| chain.iter().any(|c| opts.org_units.contains(c)))
        })
        .filter(|a| !opts.exclude_accounts.contains(&a.id))
        .map(|a| a.id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The accounts to collect: the caller's own, or every requested account
/// through the role (an account whose role cannot be assumed, or that lands
/// elsewhere, is kept with its setup error so it becomes a gap). With a
/// shard, only the shard's share, and the shard record for the snapshot.
async fn targets(
    opts: &CollectOptions,
    base: &Session,
    caller_account: String,
    caller_arn: &str,
) -> Result<(Vec<Target>, Option<ShardInfo>), CollectError> {
    let Some(role) = &opts.role_arn else {
        let (accounts, shard) = select_shard(opts, vec![caller_account]);
        let targets = accounts
            .into_iter()
            .map(|account| Target {
                account,
                partition: session::partition_of(caller_arn),
                session: Some(base.clone()),
                setup_error: None,
            })
            .collect();
        return Ok((targets, shard));
    };
    let accounts = if opts.accounts.is_empty() {
        vec![session::account_of(role)
            .ok_or_else(|| CollectError::Usage(format!("no account in {role:?}")))?
            .to_owned()]
    } else {
        opts.accounts.clone()
    };
    let (accounts, shard) = select_shard(opts, accounts);
    let mut arns = Vec::new();
    for account in accounts {
        let arn = session::role_for_account(role, &account)?;
        arns.push((account, arn));
    }
    Ok((
        assume_targets(opts, base, "", caller_arn, arns).await,
        shard,
    ))
}

/// Assumes each `(account, role ARN)`; the caller's own account (`caller`,
/// empty for none) is collected with the caller's session. An account whose
/// role cannot be assumed, or that lands elsewhere, is kept with its setup
/// error so it becomes a gap.
async fn assume_targets(
    opts: &CollectOptions,
    base: &Session,
    caller: &str,
    caller_arn: &str,
    arns: Vec<(String, String)>,
) -> Vec<Target> {
    let mut targets = Vec::new();
    for (account, arn) in arns {
        if account == caller {
            targets.push(Target {
                account,
                partition: session::partition_of(caller_arn),
                session: Some(base.clone()),
                setup_error: None,
            });
            continue;
        }
        let assumed = base.assume(&arn, opts.external_id.as_deref()).await;
        let target = match assumed.identity().await {
            Ok((id, assumed_arn)) if id == account => Target {
                account,
                partition: session::partition_of(&assumed_arn),
                session: Some(assumed),
                setup_error: None,
            },
            Ok((id, _)) => Target {
                setup_error: Some(format!("assuming {arn} landed in account {id}")),
                account,
                partition: session::partition_of(&arn),
                session: None,
            },
            Err(e) => Target {
                setup_error: Some(format!("cannot assume {arn}: {e}")),
                account,
                partition: session::partition_of(&arn),
                session: None,
            },
        };
        targets.push(target);
    }
    targets
}

/// The one place a sharded collection narrows its account list: `accounts`
/// (the whole run's, as every shard computes it) is assigned to shards and
/// only this shard's accounts are kept, in their original order. Without a
/// shard, `accounts` is returned as is.
fn select_shard(opts: &CollectOptions, accounts: Vec<String>) -> (Vec<String>, Option<ShardInfo>) {
    let Some(spec) = &opts.shard else {
        return (accounts, None);
    };
    let assignment = palisade_model::merge::assign(&accounts, spec.count);
    let mut seen = std::collections::BTreeSet::new();
    let mine = accounts
        .into_iter()
        .filter(|a| assignment.get(a) == Some(&spec.index) && seen.insert(a.clone()))
        .collect();
    let shard = ShardInfo {
        index: spec.index,
        count: spec.count,
        run_id: spec.run_id.clone(),
        assignment,
    };
    (mine, Some(shard))
}

/// Waits for every collector task and files its part under its account.
async fn join_parts(
    tasks: &mut JoinSet<(usize, String, Part)>,
    accounts: &mut [(Account, Coverage)],
) {
    while let Some(joined) = tasks.join_next().await {
        let (idx, region, part) = match joined {
            Ok(v) => v,
            Err(e) => {
                // A panicking task loses its data but must not pass silently.
                tracing::error!(error = %e, "collector task failed");
                continue;
            }
        };
        let account = &mut accounts[idx].0;
        match part {
            Part::Iam(i) => account.iam = i,
            Part::S3(v) => account.s3 = v,
            Part::Artifact(a) => {
                account.artifact_reports = a.reports;
                account.artifact_agreements = a.agreements;
            }
            Part::Ec2(e) => region_entry(account, &region).ec2 = *e,
            Part::Waf(w) => region_entry(account, &region).wafv2 = w,
            Part::Backup(b) => region_entry(account, &region).backup = b,
            Part::Config(c) => region_entry(account, &region).config = c,
            Part::Cloudtrail(v) => region_entry(account, &region).cloudtrail = v,
            Part::Monitoring(v) => region_entry(account, &region).monitoring = v,
            Part::GuardDuty(v) => region_entry(account, &region).guardduty = v,
            Part::SecurityHub(v) => region_entry(account, &region).securityhub = v,
            Part::AccessAnalyzer(v) => region_entry(account, &region).access_analyzer = v,
            Part::Kms(v) => region_entry(account, &region).kms = v,
            Part::Rds(v) => region_entry(account, &region).rds = v,
            Part::Efs(v) => region_entry(account, &region).efs = v,
            Part::Elb(v) => region_entry(account, &region).elb = v,
            Part::Autoscaling(v) => region_entry(account, &region).autoscaling = v,
            Part::Nothing => {}
        }
    }
}

/// The region entry of `account`, created on first use.
fn region_entry<'a>(account: &'a mut Account, region: &str) -> &'a mut RegionData {
    let pos = match account.region_data.iter().position(|r| r.region == region) {
        Some(p) => p,
        None => {
            account.region_data.push(RegionData {
                region: region.to_owned(),
                ..RegionData::default()
            });
            account.region_data.len() - 1
        }
    };
    &mut account.region_data[pos]
}

#[allow(clippy::too_many_arguments)]
fn spawn_account(
    tasks: &mut JoinSet<(usize, String, Part)>,
    limit: &Arc<Semaphore>,
    progress: &Progress,
    idx: usize,
    t: &Target,
    session: &Session,
    regions: &[String],
    coverage: &Coverage,
) {
    // Global services once per account, regional ones once per region.
    let mut jobs: Vec<(Service, String)> = Service::ALL
        .into_iter()
        .filter(|s| s.is_global() && has_task(*s))
        .map(|s| (s, GLOBAL_REGION.to_owned()))
        .collect();
    for r in regions {
        for service in Service::ALL
            .into_iter()
            .filter(|s| !s.is_global() && has_task(*s))
        {
            jobs.push((service, r.clone()));
        }
    }
    progress.add_tasks(jobs.len());
    for (service, region) in jobs {
        let limit = Arc::clone(limit);
        let progress = progress.clone();
        let session = session.clone();
        let scope = Scope::new(&t.account, &t.partition, &region, coverage.clone());
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let (part, counts) = run_service(service, &session, &scope).await;
            progress.done(
                &scope.account,
                service.as_str(),
                &region,
                &counts,
                scope.failures(),
            );
            (idx, region, part)
        });
    }
}

/// Runs one service's collector in `scope`'s region (global services from
/// the home region), with its counts for the progress display.
async fn run_service(service: Service, s: &Session, scope: &Scope) -> (Part, String) {
    let region = scope.region.as_str();
    match service {
        Service::Iam => {
            let v = iam::collect(&session::iam(s, session::HOME_REGION), scope).await;
            let c = iam::counts(&v);
            (Part::Iam(v), c)
        }
        Service::Artifact => {
            let v = artifact::collect(&session::artifact(s, session::HOME_REGION), scope).await;
            let c = format!(
                "{} reports, {} agreements",
                v.reports.len(),
                v.agreements.len()
            );
            (Part::Artifact(v), c)
        }
        Service::Ec2 => {
            let v = ec2::collect(&session::ec2(s, region), scope).await;
            let c = ec2::counts(&v);
            (Part::Ec2(Box::new(v)), c)
        }
        Service::Wafv2 => {
            let v = waf::collect(&session::wafv2(s, region), scope).await;
            let c = waf::counts(&v);
            (Part::Waf(v), c)
        }
        Service::Backup => {
            let v = backup::collect(&session::backup(s, region), scope).await;
            let c = backup::counts(&v);
            (Part::Backup(v), c)
        }
        Service::Config => {
            let v = config::collect(&session::config(s, region), scope).await;
            let c = config::counts(&v);
            (Part::Config(v), c)
        }
        Service::S3 => {
            let v = s3::collect(s, scope).await;
            let c = s3::counts(&v);
            (Part::S3(v), c)
        }
        Service::Cloudtrail => {
            let v = cloudtrail::collect(s, scope).await;
            let c = cloudtrail::counts(&v);
            (Part::Cloudtrail(v), c)
        }
        // CloudWatch alarms and SNS topics are read by the Logs task.
        Service::Logs | Service::Cloudwatch | Service::Sns => {
            let v = monitoring::collect(s, scope).await;
            let c = monitoring::counts(&v);
            (Part::Monitoring(v), c)
        }
        Service::Guardduty => {
            let v = detection::guardduty(s, scope).await;
            let c = detection::guardduty_counts(&v);
            (Part::GuardDuty(v), c)
        }
        Service::Securityhub => {
            let v = detection::securityhub(s, scope).await;
            let c = detection::securityhub_counts(&v);
            (Part::SecurityHub(v), c)
        }
        Service::AccessAnalyzer => {
            let v = detection::access_analyzer(s, scope).await;
            let c = detection::access_analyzer_counts(&v);
            (Part::AccessAnalyzer(v), c)
        }
        Service::Kms => {
            let v = kms::collect(s, scope).await;
            let c = kms::counts(&v);
            (Part::Kms(v), c)
        }
        Service::Rds => {
            let v = databases::rds(s, scope).await;
            let c = databases::rds_counts(&v);
            (Part::Rds(v), c)
        }
        Service::Efs => {
            let v = databases::efs(s, scope).await;
            let c = databases::efs_counts(&v);
            (Part::Efs(v), c)
        }
        Service::Elb => {
            let v = elb::collect(s, scope).await;
            let c = elb::counts(&v);
            (Part::Elb(v), c)
        }
        Service::Autoscaling => {
            let v = autoscaling::collect(s, scope).await;
            let c = autoscaling::counts(&v);
            (Part::Autoscaling(v), c)
        }
        Service::Organizations => (Part::Nothing, String::new()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use palisade_model::organization::{OrgAccount, OrgRoot, OrganizationalUnit};

    use super::*;

    fn acct(id: &str, status: &str, parent: Option<&str>) -> OrgAccount {
        OrgAccount {
            id: id.into(),
            status: status.into(),
            parent_id: parent.map(str::to_owned),
            ..OrgAccount::default()
        }
    }

    /// r-root > ou-root-aaaaaaaa > ou-root-bbbbbbbb; ou-root-cccccccc.
    fn org() -> Organization {
        let ou = |id: &str, parent: &str| OrganizationalUnit {
            id: id.into(),
            parent_id: parent.into(),
            ..OrganizationalUnit::default()
        };
        Organization {
            id: "o-test".into(),
            roots: Some(vec![OrgRoot {
                id: "r-root".into(),
                ..OrgRoot::default()
            }]),
            units: Some(vec![
                ou("ou-root-aaaaaaaa", "r-root"),
                ou("ou-root-bbbbbbbb", "ou-root-aaaaaaaa"),
                ou("ou-root-cccccccc", "r-root"),
            ]),
            accounts: Some(vec![
                acct("444444444444", "ACTIVE", Some("ou-root-cccccccc")),
                acct("111111111111", "ACTIVE", Some("r-root")),
                acct("222222222222", "ACTIVE", Some("ou-root-aaaaaaaa")),
                acct("333333333333", "ACTIVE", Some("ou-root-bbbbbbbb")),
                acct("555555555555", "SUSPENDED", Some("ou-root-bbbbbbbb")),
                acct("666666666666", "PENDING_CLOSURE", Some("r-root")),
                acct("777777777777", "ACTIVE", None),
            ]),
            ..Organization::default()
        }
    }

    fn opts(f: impl FnOnce(&mut CollectOptions)) -> CollectOptions {
        let mut o = CollectOptions {
            org: true,
            role_name: Some("Audit".into()),
            ..CollectOptions::default()
        };
        f(&mut o);
        o
    }

    #[test]
    fn org_targets_are_the_active_accounts_sorted() {
        let t = org_targets(&opts(|_| {}), &org(), "111111111111");
        assert_eq!(
            t,
            [
                "111111111111",
                "222222222222",
                "333333333333",
                "444444444444",
                "777777777777"
            ]
        );
    }

    #[test]
    fn ou_selects_accounts_anywhere_below_and_keeps_unknown_placement() {
        let t = org_targets(
            &opts(|o| o.org_units = vec!["ou-root-aaaaaaaa".into()]),
            &org(),
            "111111111111",
        );
        // 333 is two levels down; 555 is suspended; 777's place is unknown.
        assert_eq!(t, ["222222222222", "333333333333", "777777777777"]);
        let t = org_targets(
            &opts(|o| {
                o.org_units = vec!["ou-root-cccccccc".into(), "ou-root-bbbbbbbb".into()];
                o.exclude_accounts = vec!["777777777777".into(), "444444444444".into()];
            }),
            &org(),
            "111111111111",
        );
        assert_eq!(t, ["333333333333"]);
    }

    #[test]
    fn without_an_account_listing_only_the_caller_is_known() {
        let mut o = org();
        o.accounts = None;
        assert_eq!(
            org_targets(&opts(|_| {}), &o, "111111111111"),
            ["111111111111"]
        );
        let ex = opts(|o| o.exclude_accounts = vec!["111111111111".into()]);
        assert!(org_targets(&ex, &o, "111111111111").is_empty());
    }

    #[test]
    fn org_option_combinations_are_checked() {
        let err = |o: CollectOptions| check_accounts(&o).unwrap_err().to_string();
        assert!(check_accounts(&opts(|_| {})).is_ok());
        assert!(err(opts(|o| o.accounts = vec!["111111111111".into()])).contains("--accounts"));
        assert!(
            err(opts(|o| o.role_arn = Some("arn:aws:iam::1:role/x".into()))).contains("--role-arn")
        );
        assert!(err(opts(|o| o.role_name = None)).contains("--org needs --role-name"));
        assert!(
            err(opts(|o| o.role_name = Some("bad name".into()))).contains("not an IAM role name")
        );
        assert!(err(opts(|o| o.org = false)).contains("--role-name needs --org"));
        let no_org = |f: fn(&mut CollectOptions)| {
            let mut o = CollectOptions::default();
            f(&mut o);
            err(o)
        };
        assert!(no_org(|o| o.org_units = vec!["r-root".into()]).contains("--ou needs --org"));
        assert!(no_org(|o| o.exclude_accounts = vec!["111111111111".into()])
            .contains("--exclude-accounts needs --org"));
        assert!(err(opts(|o| o.exclude_accounts = vec!["12".into()])).contains("12-digit"));
        for bad in ["ou-x", "OU-ROOT-AAAAAAAA", "ou-root-aaa", "accounts", "r-"] {
            let e = err(opts(|o| o.org_units = vec![bad.into()]));
            assert!(e.contains("not an organisational unit id"), "{bad}: {e}");
        }
        assert!(check_accounts(&opts(
            |o| o.org_units = vec!["ou-root-aaaaaaaa".into(), "r-root".into()]
        ))
        .is_ok());
        assert!(check_accounts(&opts(|o| o.role_name = Some("path/Audit-Role_1".into()))).is_ok());
    }

    #[test]
    fn ou_ids_must_exist_in_the_organisation() {
        let o = opts(|o| o.org_units = vec!["ou-root-dddddddd".into()]);
        let e = check_org_units(&o, &org()).unwrap_err().to_string();
        assert!(
            e.contains("ou-root-dddddddd") && e.contains("o-test"),
            "{e}"
        );
        let ok = opts(|o| o.org_units = vec!["ou-root-bbbbbbbb".into(), "r-root".into()]);
        assert!(check_org_units(&ok, &org()).is_ok());
        // Unread OUs: the ids cannot be checked.
        let mut unread = org();
        unread.units = None;
        assert!(check_org_units(&o, &unread).is_ok());
    }

    #[test]
    fn organizations_runs_no_account_task() {
        assert!(!has_task(Service::Organizations));
        assert!(has_task(Service::Iam));
        assert!(!has_task(Service::Sns));
    }
}
