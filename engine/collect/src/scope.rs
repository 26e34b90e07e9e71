//! The context of one collector task: account, partition and region, and
//! the helper that turns each call's outcome into a coverage record.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::coverage::Coverage;
use crate::error;
use crate::ops::Operation;

/// One collector task's context.
#[derive(Debug)]
pub struct Scope {
    /// 12-digit account id.
    pub account: String,
    /// Partition (`aws`, `aws-us-gov`, `aws-cn`).
    pub partition: String,
    /// Region code, or `global`.
    pub region: String,
    coverage: Coverage,
    failures: AtomicUsize,
}

impl Scope {
    /// A task context recording into `coverage`.
    pub fn new(account: &str, partition: &str, region: &str, coverage: Coverage) -> Self {
        Self {
            account: account.to_owned(),
            partition: partition.to_owned(),
            region: region.to_owned(),
            coverage,
            failures: AtomicUsize::new(0),
        }
    }

    /// Records success of `op`.
    pub fn ok(&self, op: &Operation) {
        self.coverage.ok(op, &self.region);
    }

    /// Records a failure of `op`.
    pub fn fail(&self, op: &Operation, error: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.coverage.failed(op, &self.region, error);
    }

    /// Records the outcome of one call of `op` and returns its output, if any.
    pub fn check<T, E>(
        &self,
        op: &Operation,
        result: Result<T, SdkError<E, HttpResponse>>,
    ) -> Option<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match result {
            Ok(v) => {
                self.ok(op);
                Some(v)
            }
            Err(e) => {
                self.fail(op, error::describe(&e));
                None
            }
        }
    }

    /// Records the outcome of one call of `op` whose error code `absent`
    /// means "there is none" (no password policy, no vault access policy):
    /// a fact, recorded as `ok`. Returns `Some(Some(output))` on success,
    /// `Some(None)` when absent, and `None` (a gap) on any other failure.
    pub fn check_optional<T, E>(
        &self,
        op: &Operation,
        result: Result<T, SdkError<E, HttpResponse>>,
        absent: &str,
    ) -> Option<Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match result {
            Err(e) if error::code(&e) == Some(absent) => {
                self.ok(op);
                Some(None)
            }
            other => self.check(op, other).map(Some),
        }
    }

    /// Number of failed calls recorded through this scope.
    pub fn failures(&self) -> usize {
        self.failures.load(Ordering::Relaxed)
    }

    /// The same account and coverage in another region: calls about one
    /// resource of a global listing that lives in a region (an S3 bucket)
    /// record their outcome there.
    pub fn in_region(&self, region: &str) -> Scope {
        Scope::new(
            &self.account,
            &self.partition,
            region,
            self.coverage.clone(),
        )
    }

    /// `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account
        )
    }
}

/// Converts an SDK timestamp.
pub fn ts(d: Option<&aws_smithy_types::DateTime>) -> Option<chrono::DateTime<chrono::Utc>> {
    d.and_then(|d| chrono::DateTime::from_timestamp(d.secs(), d.subsec_nanos()))
}
