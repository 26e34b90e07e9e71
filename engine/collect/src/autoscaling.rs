//! Auto Scaling collector (issue 14): groups (`DescribeAutoScalingGroups`:
//! zones, subnets, health check type, load balancers and target groups,
//! launch template directly or through a mixed instances policy, launch
//! configuration, sizes, instances, tags) and launch configurations
//! (`DescribeLaunchConfigurations`: public IP, IMDS options, type, profile,
//! security groups).
//!
//! Both listings keep what they read when a later page fails (each group
//! is judged on its own data); the gap keeps the service's rules from
//! passing in the region. The launch template a group names is judged from
//! the EC2 collector's template versions (`$Default` and `$Latest`); a
//! group pinned to another version number finds it missing: unknown.

use aws_sdk_autoscaling::{types, Client};
use palisade_model::compute::{
    AutoScaling, AutoScalingGroup, LaunchConfiguration, LaunchTemplateRef, MetadataOptions,
};

use crate::ops;
use crate::pages::drain;
use crate::scope::Scope;
use crate::session::{self, Session};

/// Collects the Auto Scaling groups and launch configurations of `scope`'s
/// region.
pub async fn collect(s: &Session, scope: &Scope) -> AutoScaling {
    collect_with(&session::autoscaling(s, &scope.region), scope).await
}

async fn collect_with(client: &Client, scope: &Scope) -> AutoScaling {
    let groups = client
        .describe_auto_scaling_groups()
        .into_paginator()
        .send();
    let configs = client
        .describe_launch_configurations()
        .into_paginator()
        .send();
    let (groups, configs) = tokio::join!(
        drain(
            scope,
            &ops::AUTOSCALING_DESCRIBE_AUTO_SCALING_GROUPS,
            groups
        ),
        drain(
            scope,
            &ops::AUTOSCALING_DESCRIBE_LAUNCH_CONFIGURATIONS,
            configs
        ),
    );
    AutoScaling {
        groups: groups
            .flat_map(|p| p.auto_scaling_groups().iter().filter_map(group))
            .with_partial(),
        launch_configurations: configs
            .flat_map(|p| p.launch_configurations().iter().filter_map(config))
            .with_partial(),
    }
}

fn template_ref(t: &types::LaunchTemplateSpecification) -> LaunchTemplateRef {
    LaunchTemplateRef {
        launch_template_id: t.launch_template_id().map(str::to_owned),
        launch_template_name: t.launch_template_name().map(str::to_owned),
        version: t.version().map(str::to_owned),
    }
}

fn group(g: &types::AutoScalingGroup) -> Option<AutoScalingGroup> {
    let name = g.auto_scaling_group_name()?;
    let mixed = g.mixed_instances_policy().and_then(|p| p.launch_template());
    Some(AutoScalingGroup {
        arn: g.auto_scaling_group_arn()?.to_owned(),
        name: name.to_owned(),
        availability_zones: g.availability_zones().to_vec(),
        subnet_ids: g
            .vpc_zone_identifier()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        health_check_type: g.health_check_type().map(str::to_owned),
        load_balancer_names: g.load_balancer_names().to_vec(),
        target_group_arns: g.target_group_arns().to_vec(),
        launch_template: g.launch_template().map(template_ref),
        mixed_instances_launch_template: mixed
            .and_then(|m| m.launch_template_specification())
            .map(template_ref),
        mixed_instances_types: mixed
            .map(|m| m.overrides())
            .unwrap_or_default()
            .iter()
            .filter_map(|o| o.instance_type().map(str::to_owned))
            .collect(),
        launch_configuration_name: g.launch_configuration_name().map(str::to_owned),
        min_size: g.min_size().map(i64::from),
        max_size: g.max_size().map(i64::from),
        desired_capacity: g.desired_capacity().map(i64::from),
        instance_ids: g
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect(),
        tags: g
            .tags()
            .iter()
            .filter_map(|t| {
                Some((
                    t.key()?.to_owned(),
                    t.value().unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
    })
}

fn config(c: &types::LaunchConfiguration) -> Option<LaunchConfiguration> {
    Some(LaunchConfiguration {
        arn: c.launch_configuration_arn()?.to_owned(),
        name: c.launch_configuration_name()?.to_owned(),
        instance_type: c.instance_type().map(str::to_owned),
        associate_public_ip_address: c.associate_public_ip_address(),
        metadata_options: c.metadata_options().map(|m| MetadataOptions {
            http_tokens: m.http_tokens().map(|t| t.as_str().to_owned()),
            http_endpoint: m.http_endpoint().map(|t| t.as_str().to_owned()),
            http_put_response_hop_limit: m.http_put_response_hop_limit().map(i64::from),
        }),
        iam_instance_profile: c.iam_instance_profile().map(str::to_owned),
        security_groups: c.security_groups().to_vec(),
    })
}

/// Counts for the progress display.
pub fn counts(v: &AutoScaling) -> String {
    format!(
        "{} groups, {} launch configurations",
        v.groups.len(),
        v.launch_configurations.len()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config as replay, event, scope};

    const ASG: &str = "https://autoscaling.eu-west-1.amazonaws.com/";

    /// A group with a mixed instances policy, two subnets and a pinned
    /// template version, in the AWS query protocol's XML.
    const GROUPS: &str = r#"<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>mixed</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:1:autoScalingGroupName/mixed</AutoScalingGroupARN><MixedInstancesPolicy><LaunchTemplate><LaunchTemplateSpecification><LaunchTemplateId>lt-1</LaunchTemplateId><LaunchTemplateName>web</LaunchTemplateName><Version>3</Version></LaunchTemplateSpecification><Overrides><member><InstanceType>m5.large</InstanceType></member><member><InstanceType>m6i.large</InstanceType></member></Overrides></LaunchTemplate></MixedInstancesPolicy><MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity><DefaultCooldown>300</DefaultCooldown><AvailabilityZones><member>eu-west-1a</member><member>eu-west-1b</member></AvailabilityZones><LoadBalancerNames><member>classic</member></LoadBalancerNames><TargetGroupARNs><member>arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/tg/1</member></TargetGroupARNs><HealthCheckType>ELB</HealthCheckType><Instances><member><InstanceId>i-1</InstanceId><AvailabilityZone>eu-west-1a</AvailabilityZone><LifecycleState>InService</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member></Instances><CreatedTime>2024-01-01T00:00:00Z</CreatedTime><VPCZoneIdentifier>subnet-a, subnet-b</VPCZoneIdentifier><Tags><member><Key>team</Key><Value>web</Value><ResourceId>mixed</ResourceId><ResourceType>auto-scaling-group</ResourceType><PropagateAtLaunch>true</PropagateAtLaunch></member></Tags></member></AutoScalingGroups><NextToken>t2</NextToken></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"#;
    const GROUPS_2: &str = r#"<DescribeAutoScalingGroupsResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeAutoScalingGroupsResult><AutoScalingGroups><member><AutoScalingGroupName>legacy</AutoScalingGroupName><AutoScalingGroupARN>arn:aws:autoscaling:eu-west-1:111111111111:autoScalingGroup:2:autoScalingGroupName/legacy</AutoScalingGroupARN><LaunchConfigurationName>lc</LaunchConfigurationName><MinSize>0</MinSize><MaxSize>1</MaxSize><DesiredCapacity>0</DesiredCapacity><DefaultCooldown>300</DefaultCooldown><AvailabilityZones><member>eu-west-1a</member></AvailabilityZones><HealthCheckType>EC2</HealthCheckType><CreatedTime>2024-01-01T00:00:00Z</CreatedTime></member></AutoScalingGroups></DescribeAutoScalingGroupsResult></DescribeAutoScalingGroupsResponse>"#;
    const DENIED: &str = r#"<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>1</RequestId></ErrorResponse>"#;

    #[tokio::test]
    async fn groups_are_read_from_every_page_with_mixed_policies() {
        // Groups: two pages; launch configurations: denied.
        let (conf, http) = replay(vec![
            event("POST", ASG, 200, GROUPS),
            event("POST", ASG, 200, GROUPS_2),
            event("POST", ASG, 403, DENIED),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        // join! polls the groups first: its two pages come before the
        // launch configurations' call only if it completes first, so read
        // them one after the other here.
        let pages = client
            .describe_auto_scaling_groups()
            .into_paginator()
            .send();
        let groups: Vec<AutoScalingGroup> = drain(
            &scope,
            &ops::AUTOSCALING_DESCRIBE_AUTO_SCALING_GROUPS,
            pages,
        )
        .await
        .flat_map(|p| p.auto_scaling_groups().iter().filter_map(group))
        .with_partial();
        assert_eq!(http.actual_requests().count(), 2);
        let mixed = &groups[0];
        assert_eq!(mixed.subnet_ids, ["subnet-a", "subnet-b"]);
        assert_eq!(mixed.launch_template, None);
        let lt = mixed.mixed_instances_launch_template.as_ref().unwrap();
        assert_eq!(
            (lt.launch_template_id.as_deref(), lt.version.as_deref()),
            (Some("lt-1"), Some("3"))
        );
        assert_eq!(mixed.mixed_instances_types, ["m5.large", "m6i.large"]);
        assert_eq!(mixed.health_check_type.as_deref(), Some("ELB"));
        assert_eq!(mixed.load_balancer_names, ["classic"]);
        assert_eq!(mixed.instance_ids, ["i-1"]);
        assert_eq!(
            (mixed.min_size, mixed.max_size, mixed.desired_capacity),
            (Some(1), Some(4), Some(2))
        );
        assert_eq!(mixed.tags.get("team").map(String::as_str), Some("web"));
        let legacy = &groups[1];
        assert_eq!(legacy.launch_configuration_name.as_deref(), Some("lc"));
        assert!(legacy.subnet_ids.is_empty(), "no VPCZoneIdentifier");
        let out = client.describe_launch_configurations().send().await;
        assert!(scope
            .check(&ops::AUTOSCALING_DESCRIBE_LAUNCH_CONFIGURATIONS, out)
            .is_none());
        let gaps = coverage.gap_apis();
        assert_eq!(gaps, ["DescribeLaunchConfigurations"]);
    }

    #[tokio::test]
    async fn a_denied_listing_is_a_gap_not_an_empty_pass() {
        let (conf, _http) = replay(vec![
            event("POST", ASG, 403, DENIED),
            event("POST", ASG, 403, DENIED),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let v = collect_with(&client, &scope).await;
        assert!(v.groups.is_empty() && v.launch_configurations.is_empty());
        // Records come sorted by service, region and API.
        let gaps = coverage.gap_apis();
        assert_eq!(
            gaps,
            ["DescribeAutoScalingGroups", "DescribeLaunchConfigurations"]
        );
    }
}
