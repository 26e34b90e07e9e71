//! Paginated listings: [`drain`] reads every page of an SDK paginator (the
//! `into_paginator().send()` stream), records the operation's coverage, and
//! returns a [`Listing`] that says whether every page was read. Each call
//! site then decides what a partial listing means for its data.

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error;
use crate::ops::Operation;
use crate::scope::Scope;

/// The pages (or items) of one paginated listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a listing must be used, and a partial one decided on"]
pub enum Listing<T> {
    /// Every page was read; the operation is recorded as `ok`.
    Complete(Vec<T>),
    /// A page failed after the SDK's retries: what the earlier pages held,
    /// and the error. The operation is recorded as a gap (`failed`), so rules
    /// of its service do not pass in that region; the caller decides whether
    /// the items read are still usable.
    Partial(Vec<T>, String),
}

impl<T> Listing<T> {
    /// The items of every page: `f` maps one page to its items.
    pub fn flat_map<'a, U, I>(&'a self, f: impl FnMut(&'a T) -> I) -> Listing<U>
    where
        I: IntoIterator<Item = U>,
    {
        match self {
            Listing::Complete(pages) => Listing::Complete(pages.iter().flat_map(f).collect()),
            Listing::Partial(pages, e) => {
                Listing::Partial(pages.iter().flat_map(f).collect(), e.clone())
            }
        }
    }

    /// Everything read, whether or not the listing finished. For items that
    /// are each judged on their own data: the gap is recorded, and an item
    /// that was read is as true as in a complete listing.
    pub fn with_partial(self) -> Vec<T> {
        match self {
            Listing::Complete(v) | Listing::Partial(v, _) => v,
        }
    }

    /// The items of a complete listing; `None` for a partial one (for data
    /// that is only meaningful as a whole, e.g. sums).
    pub fn complete(self) -> Option<Vec<T>> {
        match self {
            Listing::Complete(v) => Some(v),
            Listing::Partial(..) => None,
        }
    }
}

/// Reads every page of `pages`, recording `op` as `ok` when all were read
/// and as failed (with the error) when one was not.
pub async fn drain<P, E>(
    scope: &Scope,
    op: &Operation,
    mut pages: PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
) -> Listing<P>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        match page {
            Ok(p) => out.push(p),
            Err(e) => {
                let text = error::describe(&e);
                scope.fail(op, text.clone());
                return Listing::Partial(out, text);
            }
        }
    }
    scope.ok(op);
    Listing::Complete(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use aws_sdk_ec2::Client;

    use super::*;
    use crate::ops;
    use crate::replay::{config, event, scope};

    const EC2: &str = "https://ec2.eu-west-1.amazonaws.com/";
    const PAGE: &str = r#"<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet><nextToken>t2</nextToken></DescribeVpcsResponse>"#;

    #[tokio::test]
    async fn a_failed_later_page_is_a_partial_listing_and_a_gap() {
        let (conf, http) = config(vec![
            event("POST", EC2, 200, PAGE),
            event(
                "POST",
                EC2,
                403,
                r#"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let op = &ops::EC2_DESCRIBE_VPCS;
        let listing = drain(&scope, op, client.describe_vpcs().into_paginator().send())
            .await
            .flat_map(|p| {
                p.vpcs()
                    .iter()
                    .filter_map(|v| v.vpc_id().map(str::to_owned))
            });
        assert_eq!(http.actual_requests().count(), 2);
        assert_eq!(
            listing,
            Listing::Partial(vec!["vpc-1".to_owned()], "UnauthorizedOperation: no".into())
        );
        assert_eq!(listing.clone().complete(), None);
        assert_eq!(listing.with_partial(), ["vpc-1"]);
        let recs = coverage.records();
        assert_eq!(recs.len(), 1);
        assert!(recs[0].is_gap());
        assert_eq!(recs[0].error.as_deref(), Some("UnauthorizedOperation: no"));
        assert_eq!(scope.failures(), 1);
    }
}
