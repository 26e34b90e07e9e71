//! AWS Artifact collector (global, served from us-east-1): report metadata
//! and the agreements the account accepted, for the compliance evidence
//! trail (nothing here is evaluated).

use aws_sdk_artifact::Client;
use palisade_model::{ArtifactAgreement, ArtifactReport};

use crate::ops;
use crate::pages::drain;
use crate::scope::{ts, Scope};

/// What AWS Artifact holds for one account.
#[derive(Debug, Default)]
pub struct Artifact {
    /// Report metadata.
    pub reports: Vec<ArtifactReport>,
    /// Accepted agreements.
    pub agreements: Vec<ArtifactAgreement>,
}

/// Lists every report's metadata and every accepted agreement. A listing
/// cut short keeps what was read (each entry describes itself; nothing is
/// evaluated on them) and is a gap of its own operation.
pub async fn collect(client: &Client, scope: &Scope) -> Artifact {
    let pages = client.list_reports().into_paginator().send();
    let reports = drain(scope, &ops::ARTIFACT_LIST_REPORTS, pages)
        .await
        .flat_map(|p| p.reports().iter().filter_map(report))
        .with_partial();
    let pages = client.list_customer_agreements().into_paginator().send();
    let agreements = drain(scope, &ops::ARTIFACT_LIST_CUSTOMER_AGREEMENTS, pages)
        .await
        .flat_map(|p| p.customer_agreements().iter().filter_map(agreement))
        .with_partial();
    Artifact {
        reports,
        agreements,
    }
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

fn agreement(a: &aws_sdk_artifact::types::CustomerAgreementSummary) -> Option<ArtifactAgreement> {
    Some(ArtifactAgreement {
        arn: a.arn()?.to_owned(),
        id: a.id().unwrap_or_default().to_owned(),
        name: a.name().unwrap_or_default().to_owned(),
        agreement_arn: a.agreement_arn().map(str::to_owned),
        agreement_type: a.r#type().map(|t| t.as_str().to_owned()),
        state: a.state().map(|s| s.as_str().to_owned()),
        effective_start: ts(a.effective_start()),
        effective_end: ts(a.effective_end()),
        organization_arn: a.organization_arn().map(str::to_owned),
        aws_account_id: a.aws_account_id().map(str::to_owned),
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
            event("GET", AGREEMENTS, 200, BAA),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let reports = collect(&client, &scope).await.reports;
        assert_eq!(paths(&http).len(), 3);
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

    const AGREEMENTS: &str = "https://artifact.eu-west-1.amazonaws.com/v1/customer-agreement/list";
    /// ListCustomerAgreements as AWS answers it: one Business Associate
    /// Addendum accepted by the organization.
    const BAA: &str = r#"{"customerAgreements":[{"name":"AWS Business Associate Addendum","arn":"arn:aws:artifact::111111111111:customer-agreement/customer-agreement-abcdef0123456789","id":"customer-agreement-abcdef0123456789","agreementArn":"arn:aws:artifact:::agreement/agreement-0123456789abcdef","awsAccountId":"111111111111","organizationArn":"arn:aws:organizations::111111111111:organization/o-exampleorgid","effectiveStart":"2025-03-01T12:00:00Z","state":"ACTIVE","description":"BAA","acceptanceTerms":["term"],"terminateTerms":["term"],"type":"DEFAULT"}]}"#;

    #[tokio::test]
    async fn agreements_are_decoded_and_a_denied_listing_is_its_own_gap() {
        let reports = "https://artifact.eu-west-1.amazonaws.com/v1/report/list";
        let (conf, _http) = config(vec![
            event("GET", reports, 200, r#"{"reports":[]}"#),
            event("GET", AGREEMENTS, 200, BAA),
        ]);
        let (sc, coverage) = scope();
        let got = collect(&Client::new(&conf), &sc).await;
        assert_eq!(got.agreements.len(), 1);
        let baa = &got.agreements[0];
        assert_eq!(baa.name, "AWS Business Associate Addendum");
        assert_eq!(baa.state.as_deref(), Some("ACTIVE"));
        assert_eq!(baa.agreement_type.as_deref(), Some("DEFAULT"));
        assert_eq!(
            baa.organization_arn.as_deref(),
            Some("arn:aws:organizations::111111111111:organization/o-exampleorgid")
        );
        assert_eq!(
            baa.effective_start.map(|t| t.to_rfc3339()),
            Some("2025-03-01T12:00:00+00:00".into())
        );
        assert!(coverage.records().iter().all(|r| !r.is_gap()));

        // Reports readable, agreements denied: the reports are kept and the
        // gap names ListCustomerAgreements alone.
        let (conf, _http) = config(vec![
            event("GET", reports, 200, r#"{"reports":[]}"#),
            event(
                "GET",
                AGREEMENTS,
                403,
                r#"{"message":"User is not authorized to perform: artifact:ListCustomerAgreements"}"#,
            ),
        ]);
        let (sc, coverage) = scope();
        let got = collect(&Client::new(&conf), &sc).await;
        assert!(got.agreements.is_empty());
        let gaps: Vec<_> = coverage
            .records()
            .into_iter()
            .filter(|r| r.is_gap())
            .map(|r| r.api.clone())
            .collect();
        assert_eq!(gaps, ["ListCustomerAgreements"]);
    }
}
