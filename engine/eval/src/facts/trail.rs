//! CloudTrail facts: what a trail logs (all management events, S3 object
//! data events of every bucket) from its basic or advanced event selectors,
//! the CIS monitoring controls (each benchmark metric filter pattern), and
//! whether an account meets one: a logging multi-region trail with all
//! management events delivers to a log group holding a metric filter that
//! covers the pattern ([`metric_filter::covers`]), an alarm watches the
//! filter's metric and notifies an SNS topic with a confirmed subscriber.
//!
//! Every fact is three-valued: `Some(true)`, `Some(false)`, or `None` when
//! data it needs was not read (a trail's status or selectors, a topic's
//! subscriptions, another account's log group) and nothing else already
//! decides it.

use palisade_model::cloudtrail::{AdvancedEventSelector, EventSelectors, Trail};
use palisade_model::Account;

use super::metric_filter::{self, Coverage, Pattern};

/// One CIS monitoring control (v6.0.0 section 5).
#[derive(Debug, Clone, Copy)]
pub struct Control {
    /// Attribute suffix and rule id part (`root_usage`).
    pub key: &'static str,
    /// CIS v6.0.0 id.
    pub cis: &'static str,
    /// The benchmark's filter pattern (the narrowest published form: older,
    /// broader forms cover it).
    pub pattern: &'static str,
}

/// The fifteen metric-filter controls, CIS v6.0.0 5.1-5.15.
pub const CONTROLS: [Control; 15] = [
    Control { key: "unauthorized_api_calls", cis: "5.1", pattern: r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"# },
    Control { key: "console_signin_without_mfa", cis: "5.2", pattern: r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"# },
    Control { key: "root_usage", cis: "5.3", pattern: r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"# },
    Control { key: "iam_policy_changes", cis: "5.4", pattern: "{ ($.eventSource = iam.amazonaws.com) && (($.eventName = DeleteGroupPolicy) || ($.eventName = DeleteRolePolicy) || ($.eventName = DeleteUserPolicy) || ($.eventName = PutGroupPolicy) || ($.eventName = PutRolePolicy) || ($.eventName = PutUserPolicy) || ($.eventName = CreatePolicy) || ($.eventName = DeletePolicy) || ($.eventName = CreatePolicyVersion) || ($.eventName = DeletePolicyVersion) || ($.eventName = AttachRolePolicy) || ($.eventName = DetachRolePolicy) || ($.eventName = AttachUserPolicy) || ($.eventName = DetachUserPolicy) || ($.eventName = AttachGroupPolicy) || ($.eventName = DetachGroupPolicy)) }" },
    Control { key: "cloudtrail_changes", cis: "5.5", pattern: "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }" },
    Control { key: "console_auth_failures", cis: "5.6", pattern: r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"# },
    Control { key: "cmk_disable_or_deletion", cis: "5.7", pattern: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }" },
    Control { key: "s3_bucket_policy_changes", cis: "5.8", pattern: "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }" },
    Control { key: "config_changes", cis: "5.9", pattern: "{ ($.eventSource = config.amazonaws.com) && (($.eventName = StopConfigurationRecorder) || ($.eventName = DeleteDeliveryChannel) || ($.eventName = PutDeliveryChannel) || ($.eventName = PutConfigurationRecorder)) }" },
    Control { key: "security_group_changes", cis: "5.10", pattern: "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }" },
    Control { key: "nacl_changes", cis: "5.11", pattern: "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }" },
    Control { key: "network_gateway_changes", cis: "5.12", pattern: "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }" },
    Control { key: "route_table_changes", cis: "5.13", pattern: "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }" },
    Control { key: "vpc_changes", cis: "5.14", pattern: "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }" },
    Control { key: "organizations_changes", cis: "5.15", pattern: r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"# },
];

/// The parsed benchmark pattern of control `key`.
pub fn benchmark(key: &str) -> Option<Pattern> {
    CONTROLS
        .iter()
        .find(|c| c.key == key)
        .and_then(|c| metric_filter::parse(c.pattern).ok())
}

/// Three-valued "any": true if one is true, unknown if none is true and
/// one is unknown, else false.
pub fn any3<I: IntoIterator<Item = Option<bool>>>(it: I) -> Option<bool> {
    let mut unknown = false;
    for v in it {
        match v {
            Some(true) => return Some(true),
            None => unknown = true,
            Some(false) => {}
        }
    }
    (!unknown).then_some(false)
}

/// The trail is logging (`None`: its status was not read).
pub fn is_logging(t: &Trail) -> Option<bool> {
    t.status.as_ref().map(|s| s.is_logging)
}

fn field_equals(s: &AdvancedEventSelector, field: &str, value: &str) -> bool {
    s.field_selectors
        .iter()
        .any(|f| f.field == field && f.equals.iter().any(|v| v == value))
}

/// Only these fields restrict the selector (others make it narrower).
fn only_fields(s: &AdvancedEventSelector, allowed: &[&str]) -> bool {
    s.field_selectors
        .iter()
        .all(|f| allowed.contains(&f.field.as_str()))
}

/// The selectors log every read and write management event (no excluded
/// event source). A trail without any selector logs all management events.
pub fn all_management(sel: &EventSelectors) -> bool {
    if sel.basic.is_empty() && sel.advanced.is_empty() {
        return true;
    }
    sel.basic.iter().any(|e| {
        e.include_management_events
            && e.read_write_type == "All"
            && e.exclude_management_event_sources.is_empty()
    }) || sel.advanced.iter().any(|a| {
        field_equals(a, "eventCategory", "Management") && only_fields(a, &["eventCategory"])
    })
}

/// The selectors log S3 object data events of every bucket: writes
/// (`write = true`) or reads.
pub fn s3_data_events_all_buckets(sel: &EventSelectors, write: bool) -> bool {
    let rw_ok = |t: &str| t == "All" || t == if write { "WriteOnly" } else { "ReadOnly" };
    let all_buckets = |v: &String| {
        let rest = v.strip_prefix("arn:").and_then(|r| r.split_once(':'));
        matches!(rest, Some((_, "s3")) | Some((_, "s3:::")))
    };
    sel.basic.iter().any(|e| {
        rw_ok(&e.read_write_type)
            && e.data_resources
                .iter()
                .any(|d| d.resource_type == "AWS::S3::Object" && d.values.iter().any(all_buckets))
    }) || sel.advanced.iter().any(|a| {
        let read_only = a.field_selectors.iter().find(|f| f.field == "readOnly");
        let rw = match read_only {
            None => true,
            Some(f) => {
                f.equals.len() == 1
                    && f.equals[0] == if write { "false" } else { "true" }
                    && f.not_equals.is_empty()
            }
        };
        rw && field_equals(a, "eventCategory", "Data")
            && field_equals(a, "resources.type", "AWS::S3::Object")
            && only_fields(a, &["eventCategory", "resources.type", "readOnly"])
    })
}

/// Every trail of the account (each homed in one region's data), with
/// organization trails of the management account seen from members.
pub fn trails(a: &Account) -> impl Iterator<Item = &Trail> {
    a.region_data.iter().flat_map(|r| &r.cloudtrail.trails)
}

/// A multi-region trail that is logging and logs all management events
/// (CIS 4.1, FSBP CloudTrail.1).
pub fn multi_region_all_management(t: &Trail) -> Option<bool> {
    if !t.is_multi_region {
        return Some(false);
    }
    match (is_logging(t), t.selectors.as_ref().map(all_management)) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// A logging multi-region trail logs S3 object writes (or reads) of every
/// bucket (CIS 4.8 / 4.9).
pub fn multi_region_s3_data_events(t: &Trail, write: bool) -> Option<bool> {
    if !t.is_multi_region {
        return Some(false);
    }
    let sel = t
        .selectors
        .as_ref()
        .map(|s| s3_data_events_all_buckets(s, write));
    match (is_logging(t), sel) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

/// Whether an account meets a monitoring control, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Met, not met, or unknown (`None`).
    pub met: Option<bool>,
    /// Why it is not met or unknown (the step that fails), or, when met,
    /// the filter, alarm and topic that meet it.
    pub detail: String,
}

/// How far one trail's chain got: a higher step is a closer miss.
struct Step {
    level: u8,
    met: Option<bool>,
    detail: String,
}

impl Step {
    fn no(level: u8, detail: String) -> Self {
        Step {
            level,
            met: Some(false),
            detail,
        }
    }
    fn unknown(detail: String) -> Self {
        Step {
            level: u8::MAX,
            met: None,
            detail,
        }
    }
}

/// Whether `a` meets monitoring control `c` (see the module docs).
pub fn monitored(a: &Account, c: &Control) -> Judgement {
    let Some(bench) = benchmark(c.key) else {
        return Judgement {
            met: None,
            detail: format!("the CIS {} pattern does not parse", c.cis),
        };
    };
    let steps: Vec<Step> = trails(a).map(|t| trail_step(a, t, c, &bench)).collect();
    if let Some(s) = steps.iter().find(|s| s.met == Some(true)) {
        return Judgement {
            met: Some(true),
            detail: s.detail.clone(),
        };
    }
    if let Some(s) = steps.iter().find(|s| s.met.is_none()) {
        return Judgement {
            met: None,
            detail: s.detail.clone(),
        };
    }
    let detail = steps
        .into_iter()
        .max_by_key(|s| s.level)
        .map(|s| s.detail)
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "no trail".to_owned());
    Judgement {
        met: Some(false),
        detail,
    }
}

fn trail_step(a: &Account, t: &Trail, c: &Control, bench: &Pattern) -> Step {
    let name = &t.name;
    match multi_region_all_management(t) {
        Some(false) => {
            return Step::no(
                0,
                "no multi-region trail is logging all management events".to_owned(),
            )
        }
        None => {
            return Step::unknown(format!(
                "the status or event selectors of trail {name} could not be read"
            ))
        }
        Some(true) => {}
    }
    let Some(arn) = &t.cloudwatch_logs_log_group_arn else {
        return Step::no(
            1,
            format!("trail {name} does not deliver to CloudWatch Logs"),
        );
    };
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let (Some(region), Some(account), Some(group)) = (parts.get(3), parts.get(4), parts.get(6))
    else {
        return Step::unknown(format!(
            "trail {name}'s log group ARN {arn:?} is not an ARN"
        ));
    };
    let group = group.trim_end_matches(":*");
    if *account != a.account_id {
        return Step::unknown(format!(
            "trail {name} delivers to log group {group} of account {account}, whose metric filters were not read"
        ));
    }
    let Some(data) = a.region_data.iter().find(|r| r.region == *region) else {
        return Step::unknown(format!(
            "region {region} of log group {group} was not collected"
        ));
    };
    let m = &data.monitoring;
    let on_group: Vec<_> = m
        .metric_filters
        .iter()
        .filter(|f| f.log_group_name == group)
        .collect();
    let covering: Vec<_> = on_group
        .iter()
        .filter(|f| metric_filter::covers(bench, &f.pattern) == Coverage::Covers)
        .collect();
    if covering.is_empty() {
        return Step::no(2, closest_miss(bench, &on_group, group, c));
    }
    let mut best = Step::no(
        3,
        format!(
            "no alarm with actions enabled watches the metric of filter {} on log group {group}",
            covering[0].name
        ),
    );
    for f in covering {
        for tr in &f.transformations {
            for al in m.alarms.iter().filter(|al| {
                al.actions_enabled
                    && al.namespace.as_deref() == Some(tr.namespace.as_str())
                    && al.metric_name.as_deref() == Some(tr.name.as_str())
            }) {
                let step = alarm_step(
                    m,
                    al,
                    &format!("metric filter {} on log group {group}", f.name),
                );
                if step.met == Some(true) {
                    return step;
                }
                if step.met.is_none() || step.level > best.level {
                    best = step;
                }
            }
        }
    }
    best
}

fn alarm_step(
    m: &palisade_model::monitoring::Monitoring,
    al: &palisade_model::monitoring::MetricAlarm,
    filter: &str,
) -> Step {
    let topics: Vec<&String> = al
        .alarm_actions
        .iter()
        .filter(|act| act.split(':').nth(2) == Some("sns"))
        .collect();
    if topics.is_empty() {
        return Step::no(4, format!("alarm {} notifies no SNS topic", al.name));
    }
    let mut out = Step::no(
        5,
        format!(
            "no topic alarm {} notifies has a confirmed subscriber",
            al.name
        ),
    );
    for arn in topics {
        match m.topics.iter().find(|t| &t.arn == arn) {
            Some(t) => match t.confirmed() {
                Some(n) if n > 0 => {
                    return Step {
                        level: 6,
                        met: Some(true),
                        detail: format!(
                            "{filter} covers the pattern; alarm {} on its metric notifies topic {arn}, which has {n} confirmed subscription(s)",
                            al.name
                        ),
                    }
                }
                Some(_) => {}
                None => {
                    out = Step::unknown(format!(
                        "the subscriptions of topic {arn} (alarm {}) are unknown: {}",
                        al.name,
                        t.unreadable.as_deref().unwrap_or("not read")
                    ))
                }
            },
            None => {
                out = Step::unknown(format!(
                    "the subscriptions of topic {arn} (alarm {}) were not read",
                    al.name
                ))
            }
        }
    }
    out
}

/// Why no filter on `group` covers the benchmark: the filter sharing the
/// most literals with it and the event it misses, or that none exists.
fn closest_miss(
    bench: &Pattern,
    filters: &[&palisade_model::monitoring::MetricFilter],
    group: &str,
    c: &Control,
) -> String {
    let wanted = bench.literals();
    let closest = filters
        .iter()
        .filter_map(|f| {
            let p = metric_filter::parse(&f.pattern).ok()?;
            let shared = p.literals().intersection(&wanted).count();
            (shared > 0).then_some((shared, f))
        })
        .max_by_key(|(n, _)| *n);
    match closest {
        Some((_, f)) => match metric_filter::covers(bench, &f.pattern) {
            Coverage::Misses(e) => format!(
                "metric filter {} on log group {group} does not cover the CIS {} pattern: it misses {e}",
                f.name, c.cis
            ),
            other => format!("metric filter {} on log group {group}: {other:?}", f.name),
        },
        None => format!(
            "no metric filter on log group {group} covers the CIS {} pattern",
            c.cis
        ),
    }
}

#[cfg(test)]
#[path = "trail_tests.rs"]
mod tests;
