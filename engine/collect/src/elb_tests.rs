//! Recorded Elastic Load Balancing (query protocol, XML) and WAFv2
//! (JSON) answers: weighted forward configurations, a failed DescribeRules,
//! "no web ACL" told apart from an unreadable one, failed target health
//! and classic tag reads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::replay::{config, event, scope};

const ELB: &str = "https://elasticloadbalancing.eu-west-1.amazonaws.com/";
const WAF: &str = "https://wafv2.eu-west-1.amazonaws.com/";
const V2: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
const LB: &str = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/1";

fn denied(ns: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>"#
    )
}

fn listeners() -> String {
    format!(
        r#"<DescribeListenersResponse xmlns="{V2}"><DescribeListenersResult><Listeners><member><ListenerArn>arn:l1</ListenerArn><LoadBalancerArn>{LB}</LoadBalancerArn><Port>443</Port><Protocol>HTTPS</Protocol><SslPolicy>ELBSecurityPolicy-TLS13-1-2-2021-06</SslPolicy><DefaultActions><member><Type>forward</Type><ForwardConfig><TargetGroups><member><TargetGroupArn>arn:tg-a</TargetGroupArn><Weight>1</Weight></member><member><TargetGroupArn>arn:tg-b</TargetGroupArn><Weight>3</Weight></member></TargetGroups></ForwardConfig></member></DefaultActions></member></Listeners></DescribeListenersResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeListenersResponse>"#
    )
}

fn app_lb() -> LoadBalancer {
    LoadBalancer {
        arn: LB.into(),
        name: "web".into(),
        lb_type: Some("application".into()),
        scheme: Some("internet-facing".into()),
        ..LoadBalancer::default()
    }
}

#[tokio::test]
async fn failed_rules_and_no_web_acl_are_told_apart() {
    let (conf, _http) = config(vec![
        event("POST", ELB, 200, &listeners()),
        event("POST", ELB, 403, &denied(V2)),
    ]);
    let (waf_conf, waf_http) = config(vec![event(
        "POST",
        WAF,
        400,
        r#"{"__type":"WAFNonexistentItemException","Message":"no web ACL"}"#,
    )]);
    let client = v2::Client::new(&conf);
    let waf = aws_sdk_wafv2::Client::new(&waf_conf);
    let (scope, coverage) = scope();
    let lb = details(&client, &waf, &scope, app_lb()).await;
    assert_eq!(waf_http.actual_requests().count(), 1);
    let l = &lb.listeners[0];
    assert_eq!((l.port, l.protocol.as_deref()), (Some(443), Some("HTTPS")));
    assert_eq!(
        l.target_group_arns,
        ["arn:tg-a", "arn:tg-b"],
        "both weighted groups"
    );
    assert_eq!(l.default_action_types, ["forward"]);
    // The rules could not be read: more target groups may exist.
    assert_eq!(lb.unread, ["DescribeRules"]);
    // No web ACL is a fact, not a gap.
    assert_eq!(lb.web_acl_arn, None);
    let records = coverage.records();
    let status = |api: &str| records.iter().find(|r| r.api == api).map(|r| r.is_gap());
    assert_eq!(status("DescribeRules"), Some(true));
    assert_eq!(status("GetWebACLForResource"), Some(false));
}

#[tokio::test]
async fn an_unreadable_web_acl_is_unread_and_a_gap() {
    let rules = format!(
        r#"<DescribeRulesResponse xmlns="{V2}"><DescribeRulesResult><Rules><member><RuleArn>arn:r1</RuleArn><Priority>5</Priority><IsDefault>false</IsDefault><Actions><member><Type>forward</Type><TargetGroupArn>arn:tg-c</TargetGroupArn></member></Actions></member></Rules></DescribeRulesResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeRulesResponse>"#
    );
    let (conf, _http) = config(vec![
        event("POST", ELB, 200, &listeners()),
        event("POST", ELB, 200, &rules),
    ]);
    let (waf_conf, _) = config(vec![event(
        "POST",
        WAF,
        400,
        r#"{"__type":"AccessDeniedException","Message":"no"}"#,
    )]);
    let client = v2::Client::new(&conf);
    let waf = aws_sdk_wafv2::Client::new(&waf_conf);
    let (scope, coverage) = scope();
    let lb = details(&client, &waf, &scope, app_lb()).await;
    assert_eq!(
        lb.listeners[0].target_group_arns,
        ["arn:tg-a", "arn:tg-b", "arn:tg-c"]
    );
    assert_eq!(lb.unread, ["GetWebACLForResource"]);
    let gaps = coverage.gap_apis();
    assert_eq!(gaps, ["GetWebACLForResource"]);
}

#[tokio::test]
async fn a_network_load_balancer_needs_no_rules_or_web_acl() {
    let (conf, http) = config(vec![event("POST", ELB, 200, &listeners())]);
    let (waf_conf, waf_http) = config(vec![]);
    let client = v2::Client::new(&conf);
    let waf = aws_sdk_wafv2::Client::new(&waf_conf);
    let (scope, _) = scope();
    let nlb = LoadBalancer {
        lb_type: Some("network".into()),
        ..app_lb()
    };
    let lb = details(&client, &waf, &scope, nlb).await;
    assert_eq!(
        (
            http.actual_requests().count(),
            waf_http.actual_requests().count()
        ),
        (1, 0)
    );
    assert!(lb.unread.is_empty());
}

#[tokio::test]
async fn failed_target_health_leaves_the_targets_unknown() {
    let groups = format!(
        r#"<DescribeTargetGroupsResponse xmlns="{V2}"><DescribeTargetGroupsResult><TargetGroups><member><TargetGroupArn>arn:tg-a</TargetGroupArn><TargetGroupName>a</TargetGroupName><Protocol>HTTP</Protocol><Port>80</Port><VpcId>vpc-1</VpcId><TargetType>ip</TargetType><LoadBalancerArns><member>{LB}</member></LoadBalancerArns></member></TargetGroups></DescribeTargetGroupsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeTargetGroupsResponse>"#
    );
    let (conf, _http) = config(vec![
        event("POST", ELB, 200, &groups),
        event("POST", ELB, 403, &denied(V2)),
    ]);
    let client = v2::Client::new(&conf);
    let (scope, _) = scope();
    let g = target_groups(&client, &scope).await;
    assert_eq!(g[0].target_type.as_deref(), Some("ip"));
    assert_eq!(g[0].load_balancer_arns, [LB]);
    assert!(g[0].targets.is_empty());
    assert_eq!(g[0].unread, ["DescribeTargetHealth"]);
}

#[tokio::test]
async fn classic_tags_failure_is_unread_on_each_load_balancer() {
    let ns = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/";
    let lbs = format!(
        r#"<DescribeLoadBalancersResponse xmlns="{ns}"><DescribeLoadBalancersResult><LoadBalancerDescriptions><member><LoadBalancerName>old</LoadBalancerName><DNSName>old.elb.amazonaws.com</DNSName><Scheme>internet-facing</Scheme><VPCId>vpc-1</VPCId><Subnets><member>subnet-1</member></Subnets><SecurityGroups><member>sg-1</member></SecurityGroups><ListenerDescriptions><member><Listener><Protocol>TCP</Protocol><LoadBalancerPort>22</LoadBalancerPort><InstanceProtocol>TCP</InstanceProtocol><InstancePort>22</InstancePort></Listener><PolicyNames/></member></ListenerDescriptions><Instances><member><InstanceId>i-1</InstanceId></member></Instances></member></LoadBalancerDescriptions></DescribeLoadBalancersResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>"#
    );
    let (conf, _http) = config(vec![
        event("POST", ELB, 200, &lbs),
        event("POST", ELB, 403, &denied(ns)),
    ]);
    let client = classic::Client::new(&conf);
    let (scope, coverage) = scope();
    let got = classic_load_balancers(&client, &scope).await;
    let c = &got[0];
    assert_eq!(
        c.arn,
        "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/old"
    );
    assert_eq!(
        (
            c.listeners[0].load_balancer_port,
            c.listeners[0].instance_port
        ),
        (22, 22)
    );
    assert_eq!(c.instance_ids, ["i-1"]);
    assert_eq!(c.unread, ["DescribeTags"]);
    assert!(c.tags.is_empty());
    let gaps = coverage.gap_apis();
    assert_eq!(gaps, ["DescribeTags (classic)"]);
}
