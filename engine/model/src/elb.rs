//! Elastic Load Balancing of one region (issue 14): Application, Network
//! and Gateway Load Balancers (v2) with listeners, target groups and
//! targets, and Classic Load Balancers.
//!
//! A per-resource read that failed is listed in the resource's `unread`
//! (the API name) and the list it would have filled is empty: unknown,
//! never "no listeners" or "no targets".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Elastic Load Balancing data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Elb {
    /// v2 load balancers (`DescribeLoadBalancers`, elasticloadbalancingv2).
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    /// v2 target groups with their targets.
    #[serde(default)]
    pub target_groups: Vec<TargetGroup>,
    /// Classic load balancers.
    #[serde(default)]
    pub classic_load_balancers: Vec<ClassicLoadBalancer>,
}

/// An Application, Network or Gateway Load Balancer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// Load balancer ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `application`, `network` or `gateway`.
    #[serde(default)]
    pub lb_type: Option<String>,
    /// `internet-facing` or `internal`.
    #[serde(default)]
    pub scheme: Option<String>,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnets of its nodes (one per availability zone).
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Security groups (none for a network load balancer created without).
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// `ipv4`, `dualstack` or `dualstack-without-public-ipv4`.
    #[serde(default)]
    pub ip_address_type: Option<String>,
    /// `active`, `provisioning`, `failed`, ...
    #[serde(default)]
    pub state: Option<String>,
    /// DNS name.
    #[serde(default)]
    pub dns_name: Option<String>,
    /// Listeners (`DescribeListeners`).
    #[serde(default)]
    pub listeners: Vec<Listener>,
    /// The WAF web ACL associated (`GetWebACLForResource`); `None` = none
    /// (unless `GetWebACLForResource` is in `unread`).
    #[serde(default)]
    pub web_acl_arn: Option<String>,
    /// APIs whose read failed for this load balancer (`DescribeListeners`,
    /// `DescribeRules`, `DescribeTags`, `GetWebACLForResource`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A v2 listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Listener {
    /// Listener ARN.
    pub arn: String,
    /// Port.
    #[serde(default)]
    pub port: Option<i64>,
    /// `HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, `TCP_UDP`, `GENEVE`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// TLS policy.
    #[serde(default)]
    pub ssl_policy: Option<String>,
    /// Target groups its default action and its rules forward to
    /// (`DescribeRules`; a failed read is in the load balancer's `unread`).
    #[serde(default)]
    pub target_group_arns: Vec<String>,
    /// Default action types (`forward`, `redirect`, `fixed-response`,
    /// `authenticate-oidc`, `authenticate-cognito`).
    #[serde(default)]
    pub default_action_types: Vec<String>,
}

/// A v2 target group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TargetGroup {
    /// Target group ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// `instance`, `ip`, `lambda` or `alb`.
    #[serde(default)]
    pub target_type: Option<String>,
    /// Protocol.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Port.
    #[serde(default)]
    pub port: Option<i64>,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Load balancers routing to it.
    #[serde(default)]
    pub load_balancer_arns: Vec<String>,
    /// Targets (`DescribeTargetHealth`).
    #[serde(default)]
    pub targets: Vec<Target>,
    /// APIs whose read failed for this group (`DescribeTargetHealth`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

/// A registered target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Instance id, IP address, Lambda ARN or ALB ARN.
    pub id: String,
    /// Port (the group's when absent).
    #[serde(default)]
    pub port: Option<i64>,
    /// Availability zone (`all` for IP targets outside the VPC).
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// `healthy`, `unhealthy`, `unused`, `initial`, `draining`, `unavailable`.
    #[serde(default)]
    pub health_state: Option<String>,
}

/// A Classic Load Balancer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassicLoadBalancer {
    /// ARN (`arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/NAME`).
    pub arn: String,
    /// Name.
    pub name: String,
    /// `internet-facing` or `internal`.
    #[serde(default)]
    pub scheme: Option<String>,
    /// VPC (absent for EC2-Classic).
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnets.
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Security groups.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Listeners.
    #[serde(default)]
    pub listeners: Vec<ClassicListener>,
    /// Registered instances.
    #[serde(default)]
    pub instance_ids: Vec<String>,
    /// DNS name.
    #[serde(default)]
    pub dns_name: Option<String>,
    /// APIs whose read failed for this load balancer (`DescribeTags`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A Classic Load Balancer listener.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct ClassicListener {
    /// `HTTP`, `HTTPS`, `TCP` or `SSL`.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Port the load balancer listens on.
    pub load_balancer_port: i64,
    /// Protocol to the instances.
    #[serde(default)]
    pub instance_protocol: Option<String>,
    /// Port on the instances.
    pub instance_port: i64,
}
