//! Test support: SDK clients whose HTTP layer replays recorded responses in
//! AWS's wire format (aws-smithy's `StaticReplayClient`), so the real SDK
//! deserialisers and paginators run for APIs moto does not implement.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::{Credentials, SharedCredentialsProvider, SharedHttpClient};
use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
use aws_smithy_types::body::SdkBody;

use crate::coverage::Coverage;
use crate::scope::Scope;

/// One recorded exchange: request method and URI, response status and body.
pub fn event(method: &str, uri: &str, status: u16, body: &str) -> ReplayEvent {
    let content_type = if body.trim_start().starts_with('<') {
        "text/xml"
    } else {
        "application/json"
    };
    ReplayEvent::new(
        http::Request::builder()
            .method(method)
            .uri(uri)
            .body(SdkBody::empty())
            .unwrap(),
        http::Response::builder()
            .status(status)
            .header("content-type", content_type)
            .body(SdkBody::from(body.to_owned()))
            .unwrap(),
    )
}

/// An SDK configuration answering from `events`, in order.
pub fn config(events: Vec<ReplayEvent>) -> (SdkConfig, StaticReplayClient) {
    let http = StaticReplayClient::new(events);
    (
        sdk_config("eu-west-1", SharedHttpClient::new(http.clone())),
        http,
    )
}

/// An SDK configuration in `region`, with test credentials, whose HTTP
/// layer is `http`.
pub fn sdk_config(region: &'static str, http: SharedHttpClient) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "replay",
        )))
        .http_client(http)
        .build()
}

/// `config` retrying each call `attempts` times in all, with a 1 ms backoff
/// (for recorded throttling that outlasts the retries).
pub fn with_retries(config: SdkConfig, attempts: u32) -> SdkConfig {
    config
        .into_builder()
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(1))
                .with_max_backoff(Duration::from_millis(1)),
        )
        .build()
}

/// A scope for account 111111111111 in eu-west-1.
pub fn scope() -> (Scope, Coverage) {
    let coverage = Coverage::default();
    (
        Scope::new("111111111111", "aws", "eu-west-1", coverage.clone()),
        coverage,
    )
}

/// The bodies of the requests the client sent, as text (the query
/// protocol's form-encoded parameters).
pub fn bodies(http: &StaticReplayClient) -> Vec<String> {
    http.actual_requests()
        .map(|r| String::from_utf8_lossy(r.body().bytes().unwrap_or_default()).into_owned())
        .collect()
}

/// The paths (with query) of the requests the client sent.
pub fn paths(http: &StaticReplayClient) -> Vec<String> {
    http.actual_requests()
        .map(|r| {
            let uri: http::Uri = r.uri().parse().unwrap();
            uri.path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default()
        })
        .collect()
}
