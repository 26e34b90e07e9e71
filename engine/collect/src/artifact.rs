//! AWS Artifact collector (global, served from us-east-1): report metadata
//! for the compliance evidence trail.

use aws_sdk_artifact::Client;
use palisade_model::ArtifactReport;

use crate::ops;
use crate::pages::drain;
use crate::scope::{ts, Scope};

/// Lists every report's metadata. A listing cut short keeps the reports
/// read (each describes itself; nothing is evaluated on them) and is a gap.
pub async fn collect(client: &Client, scope: &Scope) -> Vec<ArtifactReport> {
    let pages = client.list_reports().into_paginator().send();
    drain(scope, &ops::ARTIFACT_LIST_REPORTS, pages)
        .await
        .flat_map(|p| p.reports().iter().filter_map(report))
        .with_partial()
}

fn report(r: &aws_sdk_artifact::types::ReportSummary) -> Option<ArtifactReport> {
    Some(ArtifactReport {
        arn: r.arn()?.to_owned(),
        id: r.id().unwrap_or_default().to_owned(),
        name: r.name().unwrap_or_default().to_owned(),
        category: r.category().map(str::to_owned),
        series: r.series().map(str::to_owned),
        version: r.version(),
        period_start: ts(r.period_start()),
        period_end: ts(r.period_end()),
        state: r.state().map(|s| s.as_str().to_owned()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config, event, paths, scope};

    #[tokio::test]
    async fn reports_are_paged_and_decoded() {
        let base = "https://artifact.eu-west-1.amazonaws.com/v1/report/list";
        let (conf, http) = config(vec![
            event(
                "GET",
                base,
                200,
                r#"{"reports":[{"id":"report-abcdef0123456789","name":"SOC 2 Type II Report","state":"PUBLISHED","arn":"arn:aws:artifact:us-east-1::report/report-abcdef0123456789","version":3,"uploadState":"COMPLETE","description":"SOC 2","periodStart":"2025-10-01T00:00:00Z","periodEnd":"2026-09-30T00:00:00Z","series":"SOC","category":"Certifications and Attestations","companyName":"AWS","productName":"AWS","acceptanceType":"PASSTHROUGH"}],"nextToken":"t2"}"#,
            ),
            event(
                "GET",
                &format!("{base}?nextToken=t2"),
                200,
                r#"{"reports":[{"id":"report-0000000000000002","name":"ISO 27001","arn":"arn:aws:artifact:us-east-1::report/report-0000000000000002","version":1,"series":"ISO"}]}"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let reports = collect(&client, &scope).await;
        assert_eq!(paths(&http).len(), 2);
        assert!(paths(&http)[1].contains("nextToken=t2"));
        assert_eq!(reports.len(), 2);
        let soc = &reports[0];
        assert_eq!(soc.name, "SOC 2 Type II Report");
        assert_eq!(soc.series.as_deref(), Some("SOC"));
        assert_eq!(soc.version, Some(3));
        assert_eq!(soc.state.as_deref(), Some("PUBLISHED"));
        assert_eq!(
            soc.period_end.map(|t| t.to_rfc3339()),
            Some("2026-09-30T00:00:00+00:00".into())
        );
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }
}
