//! AWS sessions: the base configuration (credential chain, profile, region,
//! endpoint, retries, timeouts), the caller's identity, assuming a role into
//! member accounts, and per-service clients for a region (each logs its
//! retries and give-ups, [`crate::retry_log`]).

use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::retry::{RetryConfig, RetryPartition, TokenBucket};
use aws_sdk_ec2::config::SharedCredentialsProvider;

use crate::error::{self, CollectError};
use crate::retry_log::{MalformedAnswer, RetryLog, WholeXml};
use crate::CollectOptions;

/// Region used for global services (IAM, STS, Artifact, Organizations,
/// CLOUDFRONT WAF) and for DescribeRegions when no region is configured.
pub const HOME_REGION: &str = "us-east-1";

/// One account to collect, with the configuration that reaches it.
#[derive(Debug, Clone)]
pub struct Session {
    /// The SDK configuration (credentials, retries, endpoint).
    pub config: SdkConfig,
    /// Shared retry quota for every client of this session.
    pub retry: RetryPartition,
}

/// Builds the base configuration from the default credential chain.
pub async fn base_config(opts: &CollectOptions) -> SdkConfig {
    let mut retry = match opts.retry_mode {
        crate::RetryMode::Standard => RetryConfig::standard(),
        crate::RetryMode::Adaptive => RetryConfig::adaptive(),
    };
    retry = retry
        .with_max_attempts(opts.max_attempts.max(1))
        .with_initial_backoff(opts.initial_backoff)
        .with_max_backoff(opts.max_backoff);
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(retry)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(opts.connect_timeout)
                .read_timeout(opts.read_timeout)
                .operation_attempt_timeout(opts.attempt_timeout)
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some((key, secret)) = &opts.static_credentials {
        loader = loader.credentials_provider(aws_sdk_ec2::config::Credentials::new(
            key, secret, None, None, "static",
        ));
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return config
            .into_builder()
            .region(Region::new(HOME_REGION))
            .build();
    }
    config
}

impl Session {
    /// A session over `config` with its own retry quota.
    pub fn new(config: SdkConfig) -> Self {
        // Large enough that a throttled but healthy account still completes;
        // the per-call attempt limit bounds the work. A retry costs 5 tokens
        // (10 after a timeout), each success earns one back and the bucket
        // refills 10 per second: a long run at a steady 30% fault rate
        // (tests/moto_faults.rs, over 10,000 calls) never runs dry, which
        // the SDK's default costs (14 per retry, no reward) did.
        let retry = RetryPartition::custom("palisade-collect")
            .token_bucket(
                TokenBucket::builder()
                    .capacity(50_000)
                    .retry_cost(5)
                    .throttling_retry_cost(5)
                    .timeout_retry_cost(10)
                    .success_reward(1.0)
                    .refill_rate(10.0)
                    .build(),
            )
            .build();
        Self { config, retry }
    }

    /// The caller's account id and ARN (STS GetCallerIdentity).
    pub async fn identity(&self) -> Result<(String, String), CollectError> {
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&self.config)
                .region(self.region(HOME_REGION).region().cloned())
                .retry_partition(self.retry.clone())
                .interceptor(RetryLog)
                .interceptor(WholeXml)
                .retry_classifier(MalformedAnswer)
                .build(),
        );
        let out = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| CollectError::Credentials(error::describe(&e)))?;
        let account = out.account().unwrap_or_default().to_owned();
        let arn = out.arn().unwrap_or_default().to_owned();
        Ok((account, arn))
    }

    /// A session that assumes `role_arn` from this one, passing
    /// `external_id` (`sts:ExternalId`) when given.
    pub async fn assume(&self, role_arn: &str, external_id: Option<&str>) -> Session {
        let mut builder = AssumeRoleProvider::builder(role_arn)
            .session_name("palisade-collect")
            .configure(&self.config);
        if let Some(id) = external_id {
            builder = builder.external_id(id);
        }
        let provider = builder.build().await;
        let config = self
            .config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(provider))
            .build();
        Session::new(config)
    }

    /// This session's configuration, pinned to `region`.
    pub fn region(&self, region: &str) -> SdkConfig {
        self.config
            .to_builder()
            .region(Region::new(region.to_owned()))
            .build()
    }
}

macro_rules! client_fn {
    ($name:ident, $krate:ident) => {
        /// A client of this service in `region`.
        pub fn $name(s: &Session, region: &str) -> $krate::Client {
            $krate::Client::from_conf(
                $krate::config::Builder::from(&s.region(region))
                    .retry_partition(s.retry.clone())
                    .interceptor(RetryLog)
                    .interceptor(WholeXml)
                    .retry_classifier(MalformedAnswer)
                    .build(),
            )
        }
    };
}

client_fn!(iam, aws_sdk_iam);
client_fn!(ec2, aws_sdk_ec2);
client_fn!(wafv2, aws_sdk_wafv2);
client_fn!(backup, aws_sdk_backup);
client_fn!(config, aws_sdk_config);
client_fn!(artifact, aws_sdk_artifact);
client_fn!(cloudtrail, aws_sdk_cloudtrail);
client_fn!(cloudwatch, aws_sdk_cloudwatch);
client_fn!(logs, aws_sdk_cloudwatchlogs);
client_fn!(sns, aws_sdk_sns);
client_fn!(guardduty, aws_sdk_guardduty);
client_fn!(securityhub, aws_sdk_securityhub);
client_fn!(access_analyzer, aws_sdk_accessanalyzer);
client_fn!(kms, aws_sdk_kms);
client_fn!(s3control, aws_sdk_s3control);
client_fn!(rds, aws_sdk_rds);
client_fn!(efs, aws_sdk_efs);
client_fn!(elbv2, aws_sdk_elasticloadbalancingv2);
client_fn!(elb, aws_sdk_elasticloadbalancing);
client_fn!(autoscaling, aws_sdk_autoscaling);
client_fn!(organizations, aws_sdk_organizations);

/// An S3 client in `region`. Path-style addressing, so a custom endpoint
/// (a local test server) needs no per-bucket DNS names.
pub fn s3(s: &Session, region: &str) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&s.region(region))
            .retry_partition(s.retry.clone())
            .interceptor(RetryLog)
            .interceptor(WholeXml)
            .retry_classifier(MalformedAnswer)
            .force_path_style(s.config.endpoint_url().is_some())
            .build(),
    )
}

/// `arn:aws:iam::111111111111:role/X` with its account replaced.
pub fn role_for_account(role_arn: &str, account: &str) -> Result<String, CollectError> {
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "iam" || !parts[5].starts_with("role/")
    {
        return Err(CollectError::Usage(format!(
            "--role-arn {role_arn:?} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
        )));
    }
    Ok(format!(
        "{}:{}:{}:{}:{account}:{}",
        parts[0], parts[1], parts[2], parts[3], parts[5]
    ))
}

/// `arn:PARTITION:iam::ACCOUNT:role/NAME` (`--org --role-name NAME`).
pub fn member_role(partition: &str, account: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::{account}:role/{role_name}")
}

/// Checks a `--role-name`: a role name (1 to 64 of letters, digits and
/// `+=,.@_-`), optionally after an IAM path (`path/name`).
pub fn check_role_name(name: &str) -> Result<(), CollectError> {
    let base = name.rsplit('/').next().unwrap_or_default();
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    let path_ok = name
        .split('/')
        .all(|seg| !seg.is_empty() && seg.chars().all(ok_char));
    if base.is_empty() || base.len() > 64 || !path_ok {
        return Err(CollectError::Usage(format!(
            "--role-name {name:?} is not an IAM role name (letters, digits and +=,.@_- ; up to 64 characters; optionally PATH/NAME)"
        )));
    }
    Ok(())
}

/// The account field of a role ARN.
pub fn account_of(role_arn: &str) -> Option<&str> {
    role_arn.split(':').nth(4).filter(|a| !a.is_empty())
}

/// The partition of an ARN (`aws` when unreadable).
pub fn partition_of(arn: &str) -> String {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_owned()
}
