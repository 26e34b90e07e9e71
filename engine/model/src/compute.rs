//! Compute of one region (issue 14): EC2 instances and launch templates
//! (in [`crate::ec2::Ec2`]), Auto Scaling groups and launch configurations
//! ([`AutoScaling`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Instance metadata service options, as EC2 and launch templates report
/// them. A field that is absent was not reported (unknown), never a default.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct MetadataOptions {
    /// `required` (IMDSv2 only) or `optional` (IMDSv1 allowed).
    #[serde(default)]
    pub http_tokens: Option<String>,
    /// `enabled` or `disabled` (the metadata service itself).
    #[serde(default)]
    pub http_endpoint: Option<String>,
    /// Hop limit of PUT responses.
    #[serde(default)]
    pub http_put_response_hop_limit: Option<i64>,
}

/// An EC2 instance (`DescribeInstances`; terminated instances are left out).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Instance {
    /// Instance ARN.
    pub arn: String,
    /// `i-...`.
    pub instance_id: String,
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`.
    #[serde(default)]
    pub state: Option<String>,
    /// e.g. `t3.micro`.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// AMI.
    #[serde(default)]
    pub image_id: Option<String>,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnet of the primary interface.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Public IPv4 address (auto-assigned or Elastic IP).
    #[serde(default)]
    pub public_ip: Option<String>,
    /// Primary private IPv4 address.
    #[serde(default)]
    pub private_ip: Option<String>,
    /// IPv6 addresses of all its interfaces.
    #[serde(default)]
    pub ipv6_addresses: Vec<String>,
    /// Its network interfaces (`eni-...`), primary first.
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    /// Security groups of all its interfaces.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// Instance profile ARN.
    #[serde(default)]
    pub iam_instance_profile_arn: Option<String>,
    /// IMDS options; `None` when not reported.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// Launch time.
    #[serde(default)]
    pub launch_time: Option<DateTime<Utc>>,
    /// The Auto Scaling group that launched it (`aws:autoscaling:groupName` tag).
    #[serde(default)]
    pub auto_scaling_group: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A launch template (`DescribeLaunchTemplates`) with its default and
/// latest versions (`DescribeLaunchTemplateVersions`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplate {
    /// Launch template ARN.
    pub arn: String,
    /// `lt-...`.
    pub launch_template_id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Default version number.
    #[serde(default)]
    pub default_version: Option<i64>,
    /// Latest version number.
    #[serde(default)]
    pub latest_version: Option<i64>,
    /// The versions read (default and latest, plus any a group names);
    /// `None` when they could not be read.
    #[serde(default)]
    pub versions: Option<Vec<LaunchTemplateVersion>>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One version of a launch template: the settings that matter for exposure.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplateVersion {
    /// Version number.
    pub version_number: i64,
    /// The template's default version.
    #[serde(default)]
    pub default_version: bool,
    /// Instance type (absent when the template leaves it to the launcher).
    #[serde(default)]
    pub instance_type: Option<String>,
    /// Instance profile ARN or name.
    #[serde(default)]
    pub iam_instance_profile: Option<String>,
    /// IMDS options; `None` when the template does not set them (the
    /// account or AMI default applies).
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// Network interfaces the template defines.
    #[serde(default)]
    pub network_interfaces: Vec<LaunchTemplateInterface>,
    /// Security group ids set at the top level.
    #[serde(default)]
    pub security_group_ids: Vec<String>,
}

/// A network interface of a launch template version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplateInterface {
    /// Device index (0 = primary).
    #[serde(default)]
    pub device_index: Option<i64>,
    /// `AssociatePublicIpAddress`; `None` when not set (the subnet decides).
    #[serde(default)]
    pub associate_public_ip_address: Option<bool>,
    /// Subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// Security groups.
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Auto Scaling data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AutoScaling {
    /// Auto Scaling groups (`DescribeAutoScalingGroups`).
    #[serde(default)]
    pub groups: Vec<AutoScalingGroup>,
    /// Launch configurations (`DescribeLaunchConfigurations`).
    #[serde(default)]
    pub launch_configurations: Vec<LaunchConfiguration>,
}

/// A reference from a group to a launch template.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchTemplateRef {
    /// `lt-...`.
    #[serde(default)]
    pub launch_template_id: Option<String>,
    /// Name.
    #[serde(default)]
    pub launch_template_name: Option<String>,
    /// `$Default`, `$Latest` or a number; `None` means `$Default`.
    #[serde(default)]
    pub version: Option<String>,
}

/// An Auto Scaling group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct AutoScalingGroup {
    /// Group ARN.
    pub arn: String,
    /// Group name.
    pub name: String,
    /// Availability zones.
    #[serde(default)]
    pub availability_zones: Vec<String>,
    /// Subnets (`VPCZoneIdentifier`, split).
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// `EC2`, `ELB`, `VPC_LATTICE` (ELB health checks when it includes `ELB`).
    #[serde(default)]
    pub health_check_type: Option<String>,
    /// Classic load balancer names.
    #[serde(default)]
    pub load_balancer_names: Vec<String>,
    /// Target group ARNs.
    #[serde(default)]
    pub target_group_arns: Vec<String>,
    /// Launch template (direct).
    #[serde(default)]
    pub launch_template: Option<LaunchTemplateRef>,
    /// Launch template of a mixed instances policy.
    #[serde(default)]
    pub mixed_instances_launch_template: Option<LaunchTemplateRef>,
    /// Instance types of a mixed instances policy's overrides.
    #[serde(default)]
    pub mixed_instances_types: Vec<String>,
    /// Launch configuration name.
    #[serde(default)]
    pub launch_configuration_name: Option<String>,
    /// Minimum size.
    #[serde(default)]
    pub min_size: Option<i64>,
    /// Maximum size.
    #[serde(default)]
    pub max_size: Option<i64>,
    /// Desired capacity.
    #[serde(default)]
    pub desired_capacity: Option<i64>,
    /// Instances in the group.
    #[serde(default)]
    pub instance_ids: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A launch configuration (legacy launch settings of a group).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct LaunchConfiguration {
    /// Launch configuration ARN.
    pub arn: String,
    /// Name.
    pub name: String,
    /// Instance type.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// `AssociatePublicIpAddress`; `None` when not set (the subnet decides).
    #[serde(default)]
    pub associate_public_ip_address: Option<bool>,
    /// IMDS options; `None` when not set.
    #[serde(default)]
    pub metadata_options: Option<MetadataOptions>,
    /// Instance profile ARN or name.
    #[serde(default)]
    pub iam_instance_profile: Option<String>,
    /// Security groups.
    #[serde(default)]
    pub security_groups: Vec<String>,
}
