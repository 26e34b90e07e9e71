//! CloudTrail collector: `DescribeTrails` with shadow trails; each trail is
//! kept once, in its home region (the others are listed as shadow ARNs),
//! with its `GetTrailStatus` and `GetEventSelectors` (basic and advanced).
//! A failed per-trail call is a coverage gap and leaves that trail's status
//! or selectors `None` (unknown), never empty.

use aws_sdk_cloudtrail::types::{AdvancedEventSelector as SdkAdvanced, EventSelector as SdkBasic};
use aws_sdk_cloudtrail::Client;
use palisade_model::cloudtrail::{
    AdvancedEventSelector, CloudTrail, DataResource, EventSelector, EventSelectors, FieldSelector,
    Trail, TrailStatus,
};

use crate::ops;
use crate::scope::{ts, Scope};
use crate::session::{self, Session};

/// Collects the trails of one region.
pub async fn collect(s: &Session, scope: &Scope) -> CloudTrail {
    collect_with(&session::cloudtrail(s, &scope.region), scope).await
}

/// Collects the trails of `scope`'s region with `client`.
pub async fn collect_with(client: &Client, scope: &Scope) -> CloudTrail {
    let listed = client
        .describe_trails()
        .include_shadow_trails(true)
        .send()
        .await;
    let Some(out) = scope.check(&ops::CLOUDTRAIL_DESCRIBE_TRAILS, listed) else {
        return CloudTrail::default();
    };
    let mut ct = CloudTrail::default();
    for t in out.trail_list() {
        let Some(arn) = t.trail_arn() else { continue };
        let home = t.home_region().unwrap_or(&scope.region);
        if home != scope.region {
            ct.shadow_trail_arns.push(arn.to_owned());
            continue;
        }
        let mut trail = Trail {
            arn: arn.to_owned(),
            name: t.name().unwrap_or(arn).to_owned(),
            home_region: home.to_owned(),
            is_multi_region: t.is_multi_region_trail().unwrap_or(false),
            is_organization_trail: t.is_organization_trail().unwrap_or(false),
            include_global_service_events: t.include_global_service_events().unwrap_or(false),
            log_file_validation_enabled: t.log_file_validation_enabled().unwrap_or(false),
            kms_key_id: t.kms_key_id().map(str::to_owned),
            s3_bucket_name: t.s3_bucket_name().map(str::to_owned),
            s3_key_prefix: t.s3_key_prefix().map(str::to_owned),
            cloudwatch_logs_log_group_arn: t.cloud_watch_logs_log_group_arn().map(str::to_owned),
            cloudwatch_logs_role_arn: t.cloud_watch_logs_role_arn().map(str::to_owned),
            sns_topic_arn: t.sns_topic_arn().map(str::to_owned),
            status: None,
            selectors: None,
        };
        // One after the other: a region has a handful of trails.
        let status = client.get_trail_status().name(arn).send().await;
        let selectors = client.get_event_selectors().trail_name(arn).send().await;
        trail.status = scope
            .check(&ops::CLOUDTRAIL_GET_TRAIL_STATUS, status)
            .map(|s| TrailStatus {
                is_logging: s.is_logging().unwrap_or(false),
                latest_delivery_time: ts(s.latest_delivery_time()),
                latest_delivery_error: nonempty(s.latest_delivery_error()),
                latest_cloudwatch_logs_delivery_time: ts(s.latest_cloud_watch_logs_delivery_time()),
                latest_cloudwatch_logs_delivery_error: nonempty(
                    s.latest_cloud_watch_logs_delivery_error(),
                ),
            });
        trail.selectors = scope
            .check(&ops::CLOUDTRAIL_GET_EVENT_SELECTORS, selectors)
            .map(|s| EventSelectors {
                basic: s.event_selectors().iter().map(basic).collect(),
                advanced: s.advanced_event_selectors().iter().map(advanced).collect(),
            });
        ct.trails.push(trail);
    }
    ct.trails.sort_by(|a, b| a.arn.cmp(&b.arn));
    ct.shadow_trail_arns.sort();
    ct.shadow_trail_arns.dedup();
    ct
}

fn nonempty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

fn basic(e: &SdkBasic) -> EventSelector {
    EventSelector {
        // AWS's default when absent is All.
        read_write_type: e
            .read_write_type()
            .map_or_else(|| "All".to_owned(), |r| r.as_str().to_owned()),
        // AWS's default when absent is true.
        include_management_events: e.include_management_events().unwrap_or(true),
        exclude_management_event_sources: e.exclude_management_event_sources().to_vec(),
        data_resources: e
            .data_resources()
            .iter()
            .map(|d| DataResource {
                resource_type: d.r#type().unwrap_or_default().to_owned(),
                values: d.values().to_vec(),
            })
            .collect(),
    }
}

fn advanced(e: &SdkAdvanced) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: e.name().map(str::to_owned),
        field_selectors: e
            .field_selectors()
            .iter()
            .map(|f| FieldSelector {
                field: f.field().to_owned(),
                equals: f.equals().to_vec(),
                not_equals: f.not_equals().to_vec(),
                starts_with: f.starts_with().to_vec(),
                not_starts_with: f.not_starts_with().to_vec(),
                ends_with: f.ends_with().to_vec(),
                not_ends_with: f.not_ends_with().to_vec(),
            })
            .collect(),
    }
}

/// A short summary for the progress display.
pub fn counts(v: &CloudTrail) -> String {
    format!(
        "{} trails ({} logging), {} shadow",
        v.trails.len(),
        v.trails
            .iter()
            .filter(|t| t.status.as_ref().is_some_and(|s| s.is_logging))
            .count(),
        v.shadow_trail_arns.len()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config, event, scope};

    const CT: &str = "https://cloudtrail.eu-west-1.amazonaws.com/";

    /// AWS's DescribeTrails answer with an organization trail of the
    /// management account homed here, and a shadow of a us-east-1 trail.
    const TRAILS: &str = r#"{"trailList":[
      {"Name":"org","TrailARN":"arn:aws:cloudtrail:eu-west-1:999999999999:trail/org","HomeRegion":"eu-west-1",
       "IsMultiRegionTrail":true,"IsOrganizationTrail":true,"LogFileValidationEnabled":true,
       "S3BucketName":"org-trail","KmsKeyId":"arn:aws:kms:eu-west-1:999999999999:key/k",
       "CloudWatchLogsLogGroupArn":"arn:aws:logs:eu-west-1:999999999999:log-group:org:*"},
      {"Name":"main","TrailARN":"arn:aws:cloudtrail:us-east-1:111111111111:trail/main","HomeRegion":"us-east-1",
       "IsMultiRegionTrail":true}
    ]}"#;

    #[tokio::test]
    async fn trails_are_kept_in_their_home_region_and_a_failed_status_is_unknown() {
        let (conf, http) = config(vec![
            event("POST", CT, 200, TRAILS),
            event(
                "POST",
                CT,
                400,
                r#"{"__type":"TrailNotFoundException","message":"not visible"}"#,
            ),
            event(
                "POST",
                CT,
                200,
                r#"{"TrailARN":"arn:aws:cloudtrail:eu-west-1:999999999999:trail/org",
                   "AdvancedEventSelectors":[{"Name":"mgmt","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},
                     {"Name":"s3","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}]}]}"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let ct = collect_with(&client, &scope).await;
        assert_eq!(http.actual_requests().count(), 3);
        assert_eq!(
            ct.shadow_trail_arns,
            ["arn:aws:cloudtrail:us-east-1:111111111111:trail/main"]
        );
        assert_eq!(ct.trails.len(), 1);
        let t = &ct.trails[0];
        assert!(t.is_organization_trail && t.is_multi_region && t.log_file_validation_enabled);
        assert_eq!(t.s3_bucket_name.as_deref(), Some("org-trail"));
        assert_eq!(t.status, None, "a failed GetTrailStatus is unknown");
        let sel = t.selectors.as_ref().expect("selectors read");
        assert!(sel.basic.is_empty());
        assert_eq!(sel.advanced.len(), 2);
        assert_eq!(
            sel.advanced[1].field_selectors[1].equals,
            ["AWS::S3::Object"]
        );
        assert_eq!(coverage.gap_apis(), ["GetTrailStatus"]);
    }
}
