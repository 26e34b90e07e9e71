//! Tests of the CloudTrail facts and the monitoring-control judgement.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use palisade_model::cloudtrail::{
    AdvancedEventSelector, CloudTrail, DataResource, EventSelector, EventSelectors, FieldSelector,
    Trail, TrailStatus,
};
use palisade_model::monitoring::{
    AlarmTopic, MetricAlarm, MetricFilter, MetricTransformation, Monitoring, TopicSubscription,
};
use palisade_model::{Account, RegionData};

use super::*;

const ACCT: &str = "111111111111";
const TOPIC: &str = "arn:aws:sns:eu-west-1:111111111111:alerts";

fn basic(rw: &str, mgmt: bool, s3: &[&str]) -> EventSelector {
    EventSelector {
        read_write_type: rw.into(),
        include_management_events: mgmt,
        exclude_management_event_sources: vec![],
        data_resources: if s3.is_empty() {
            vec![]
        } else {
            vec![DataResource {
                resource_type: "AWS::S3::Object".into(),
                values: s3.iter().map(|s| s.to_string()).collect(),
            }]
        },
    }
}

fn field(f: &str, eq: &[&str]) -> FieldSelector {
    FieldSelector {
        field: f.into(),
        equals: eq.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

fn adv(fields: Vec<FieldSelector>) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: None,
        field_selectors: fields,
    }
}

#[test]
fn management_events_from_basic_and_advanced_selectors() {
    let sel = |basic: Vec<EventSelector>, advanced: Vec<AdvancedEventSelector>| EventSelectors {
        basic,
        advanced,
    };
    assert!(all_management(&sel(vec![], vec![])));
    assert!(all_management(&sel(vec![basic("All", true, &[])], vec![])));
    assert!(!all_management(&sel(
        vec![basic("WriteOnly", true, &[])],
        vec![]
    )));
    assert!(!all_management(&sel(
        vec![basic("All", false, &["arn:aws:s3"])],
        vec![]
    )));
    let mut excl = basic("All", true, &[]);
    excl.exclude_management_event_sources = vec!["kms.amazonaws.com".into()];
    assert!(!all_management(&sel(vec![excl], vec![])));
    assert!(all_management(&sel(
        vec![],
        vec![adv(vec![field("eventCategory", &["Management"])])]
    )));
    assert!(!all_management(&sel(
        vec![],
        vec![adv(vec![
            field("eventCategory", &["Management"]),
            field("readOnly", &["false"])
        ])]
    )));
}

#[test]
fn s3_data_events_of_every_bucket() {
    let b = |rw: &str, v: &[&str]| EventSelectors {
        basic: vec![basic(rw, true, v)],
        advanced: vec![],
    };
    assert!(s3_data_events_all_buckets(&b("All", &["arn:aws:s3"]), true));
    assert!(s3_data_events_all_buckets(
        &b("WriteOnly", &["arn:aws:s3:::"]),
        true
    ));
    assert!(!s3_data_events_all_buckets(
        &b("WriteOnly", &["arn:aws:s3:::"]),
        false
    ));
    assert!(!s3_data_events_all_buckets(
        &b("All", &["arn:aws:s3:::one-bucket/"]),
        true
    ));
    let a = |extra: Vec<FieldSelector>| {
        let mut f = vec![
            field("eventCategory", &["Data"]),
            field("resources.type", &["AWS::S3::Object"]),
        ];
        f.extend(extra);
        EventSelectors {
            basic: vec![],
            advanced: vec![adv(f)],
        }
    };
    assert!(s3_data_events_all_buckets(&a(vec![]), false));
    assert!(s3_data_events_all_buckets(
        &a(vec![field("readOnly", &["true"])]),
        false
    ));
    assert!(!s3_data_events_all_buckets(
        &a(vec![field("readOnly", &["true"])]),
        true
    ));
    assert!(!s3_data_events_all_buckets(
        &a(vec![FieldSelector {
            field: "resources.ARN".into(),
            starts_with: vec!["arn:aws:s3:::one/".into()],
            ..Default::default()
        }]),
        true
    ));
}

fn trail(logging: Option<bool>) -> Trail {
    Trail {
        arn: format!("arn:aws:cloudtrail:eu-west-1:{ACCT}:trail/main"),
        name: "main".into(),
        home_region: "eu-west-1".into(),
        is_multi_region: true,
        cloudwatch_logs_log_group_arn: Some(format!(
            "arn:aws:logs:eu-west-1:{ACCT}:log-group:trail:*"
        )),
        status: logging.map(|l| TrailStatus {
            is_logging: l,
            ..Default::default()
        }),
        selectors: Some(EventSelectors::default()),
        ..Default::default()
    }
}

fn account(trails: Vec<Trail>, pattern: &str, confirmed: Option<bool>) -> Account {
    let monitoring = Monitoring {
        metric_filters: vec![MetricFilter {
            name: "f".into(),
            log_group_name: "trail".into(),
            pattern: pattern.into(),
            transformations: vec![MetricTransformation {
                namespace: "CIS".into(),
                name: "M".into(),
            }],
        }],
        alarms: vec![MetricAlarm {
            arn: "arn:aws:cloudwatch:eu-west-1:111111111111:alarm:a".into(),
            name: "a".into(),
            namespace: Some("CIS".into()),
            metric_name: Some("M".into()),
            actions_enabled: true,
            alarm_actions: vec![TOPIC.into()],
            state: None,
        }],
        topics: vec![AlarmTopic {
            arn: TOPIC.into(),
            subscriptions: confirmed.map(|c| {
                vec![TopicSubscription {
                    protocol: "email".into(),
                    confirmed: c,
                }]
            }),
            unreadable: confirmed.is_none().then(|| "denied".to_owned()),
        }],
    };
    Account {
        account_id: ACCT.into(),
        region_data: vec![RegionData {
            region: "eu-west-1".into(),
            cloudtrail: CloudTrail {
                trails,
                shadow_trail_arns: vec![],
            },
            monitoring,
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn a_monitoring_control_needs_trail_filter_alarm_and_confirmed_subscriber() {
    let c = CONTROLS
        .iter()
        .find(|c| c.key == "cloudtrail_changes")
        .unwrap();
    let good = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
    let missing_delete = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
    assert_eq!(
        monitored(&account(vec![trail(Some(true))], good, Some(true)), c).met,
        Some(true)
    );
    assert_eq!(
        monitored(
            &account(vec![trail(Some(true))], missing_delete, Some(true)),
            c
        )
        .met,
        Some(false)
    );
    assert_eq!(
        monitored(&account(vec![trail(Some(true))], good, Some(false)), c).met,
        Some(false),
        "only a pending subscription"
    );
    assert_eq!(
        monitored(&account(vec![trail(Some(true))], good, None), c).met,
        None,
        "unreadable topic"
    );
    assert_eq!(
        monitored(&account(vec![trail(Some(false))], good, Some(true)), c).met,
        Some(false)
    );
    assert_eq!(
        monitored(&account(vec![trail(None)], good, Some(true)), c).met,
        None
    );
    // A trail whose status is unknown does not matter when another satisfies.
    let mut other = trail(Some(true));
    other.arn.push('2');
    assert_eq!(
        monitored(&account(vec![trail(None), other], good, Some(true)), c).met,
        Some(true)
    );
    // A single-region trail does not count.
    let mut single = trail(Some(true));
    single.is_multi_region = false;
    assert_eq!(
        monitored(&account(vec![single], good, Some(true)), c).met,
        Some(false)
    );
    // No trail at all.
    assert_eq!(
        monitored(&account(vec![], good, Some(true)), c).met,
        Some(false)
    );
    // Another account's log group is unknown.
    let mut foreign = trail(Some(true));
    foreign.cloudwatch_logs_log_group_arn =
        Some("arn:aws:logs:eu-west-1:999999999999:log-group:trail:*".into());
    assert_eq!(
        monitored(&account(vec![foreign], good, Some(true)), c).met,
        None
    );
}

#[test]
fn a_failed_or_unknown_control_says_which_step_fails() {
    let c = CONTROLS
        .iter()
        .find(|c| c.key == "cloudtrail_changes")
        .unwrap();
    let missing_delete = "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }";
    let j = monitored(
        &account(vec![trail(Some(true))], missing_delete, Some(true)),
        c,
    );
    assert_eq!(j.met, Some(false));
    assert!(
        j.detail.contains("metric filter f on log group trail")
            && j.detail.contains("eventName = \"DeleteTrail\""),
        "{}",
        j.detail
    );
    let good = CONTROLS
        .iter()
        .find(|c| c.key == "cloudtrail_changes")
        .unwrap()
        .pattern;
    let j = monitored(&account(vec![trail(Some(true))], good, Some(false)), c);
    assert!(
        j.detail
            .contains("no topic alarm a notifies has a confirmed subscriber"),
        "{}",
        j.detail
    );
    let j = monitored(&account(vec![trail(Some(true))], good, None), c);
    assert_eq!(j.met, None);
    assert!(j.detail.contains("denied"), "{}", j.detail);
    let j = monitored(&account(vec![trail(Some(true))], good, Some(true)), c);
    assert_eq!(j.met, Some(true));
    assert!(
        j.detail.contains("alarm a on its metric notifies topic"),
        "{}",
        j.detail
    );
    let j = monitored(&account(vec![], good, Some(true)), c);
    assert_eq!(j.detail, "no trail");
}

#[test]
fn any3_is_three_valued() {
    assert_eq!(any3([Some(false), None, Some(true)]), Some(true));
    assert_eq!(any3([Some(false), None]), None);
    assert_eq!(any3([Some(false)]), Some(false));
    assert_eq!(any3(std::iter::empty()), Some(false));
}
