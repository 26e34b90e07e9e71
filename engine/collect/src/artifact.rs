//! AWS Artifact collector (global, served from us-east-1): report metadata
//! for the compliance evidence trail.

use aws_sdk_artifact::Client;
use palisade_model::ArtifactReport;

use crate::ops;
use crate::scope::{ts, Scope};

/// Lists every report's metadata.
pub async fn collect(client: &Client, scope: &Scope) -> Vec<ArtifactReport> {
    let op = &ops::ARTIFACT_LIST_REPORTS;
    let mut out = Vec::new();
    let mut pages = client.list_reports().into_paginator().send();
    while let Some(page) = pages.next().await {
        let Some(page) = scope.check(op, page) else {
            return out;
        };
        for r in page.reports() {
            let Some(arn) = r.arn() else { continue };
            out.push(ArtifactReport {
                arn: arn.to_owned(),
                id: r.id().unwrap_or_default().to_owned(),
                name: r.name().unwrap_or_default().to_owned(),
                category: r.category().map(str::to_owned),
                series: r.series().map(str::to_owned),
                version: r.version(),
                period_start: ts(r.period_start()),
                period_end: ts(r.period_end()),
                state: r.state().map(|s| s.as_str().to_owned()),
            });
        }
    }
    scope.ok(op);
    out
}
