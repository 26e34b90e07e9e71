//! Palisade collectors: read IAM, EC2 networking, WAFv2, AWS Backup, AWS
//! Config, AWS Artifact, CloudTrail, CloudWatch (Logs, alarms, SNS),
//! GuardDuty, Security Hub, IAM Access Analyzer, KMS, S3, RDS and EFS from
//! one or more accounts and regions into a [`palisade_model::Snapshot`]. Collectors never evaluate anything.
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
pub mod pages;
#[cfg(test)]
mod replay;
pub mod s3;
pub mod s3io;
pub mod scope;
pub mod securityhub;
pub mod session;
pub mod waf;

use std::sync::Arc;
use std::time::Duration;

use chrono::{SubsecRound as _, Utc};
use palisade_model::organization::ShardInfo;
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

/// What to collect and how.
#[derive(Debug, Clone)]
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
    /// Time limit of one attempt of one call.
    pub attempt_timeout: Duration,
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
            endpoint_url: None,
            static_credentials: None,
            concurrency: 8,
            max_attempts: 5,
            retry_mode: RetryMode::Standard,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(30),
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
}

/// The services that run a task of their own: CloudWatch alarms and SNS
/// topics are read by the CloudWatch Logs task ([`monitoring`]), which
/// follows metric filters to their alarms and the alarms to their topics.
fn has_task(s: Service) -> bool {
    !matches!(s, Service::Cloudwatch | Service::Sns)
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
    let (targets, shard) = targets(opts, &base, caller_account, &caller_arn).await?;

    let progress = Progress::new(opts.progress);
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let mut tasks: JoinSet<(usize, String, Part)> = JoinSet::new();
    let mut accounts = Vec::new();
    for (idx, t) in targets.into_iter().enumerate() {
        let coverage = Coverage::default();
        let mut account = Account {
            account_id: t.account.clone(),
            partition: t.partition.clone(),
            ..Account::default()
        };
        let Some(session) = t.session.as_ref() else {
            // Every check of this account is then "not evaluated".
            let error = t.setup_error.clone().unwrap_or_default();
            tracing::error!(account = %t.account, %error, "account skipped");
            for op in ops::ALL {
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

/// Refuses `--accounts` without a role to assume, and account ids that are
/// not 12 digits, before any AWS call.
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
    for a in &opts.accounts {
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CollectError::Usage(format!(
                "{a:?} is not a 12-digit AWS account id"
            )));
        }
    }
    Ok(())
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
    let mut targets = Vec::new();
    for account in accounts {
        let arn = session::role_for_account(role, &account)?;
        let assumed = base.assume(&arn).await;
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
    Ok((targets, shard))
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
    }
}
