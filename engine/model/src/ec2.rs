//! EC2 networking: VPCs, security groups and their rules, network ACLs and
//! entries, network interfaces (what each security group is attached to);
//! instances, launch templates, routing and addressing (issue 14: structs in
//! [`crate::compute`] and [`crate::routing`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::compute::{Instance, LaunchTemplate};
use crate::routing::{
    EgressOnlyInternetGateway, ElasticIp, InternetGateway, NatGateway, RouteTable,
    TransitGatewayAttachment, VpcEndpoint, VpcPeeringConnection,
};

/// EC2 networking data of one region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Ec2 {
    /// VPCs.
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    /// Subnets.
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    /// Security groups.
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    /// Security group rules (DescribeSecurityGroupRules shape: one peer each).
    #[serde(default)]
    pub security_group_rules: Vec<SecurityGroupRule>,
    /// Network ACLs with their entries.
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    /// Network interfaces.
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    /// The managed prefix lists that security group rules reference, with
    /// their entries. A referenced list missing here was not read (e.g. a
    /// snapshot from before prefix lists were collected): unknown, not empty.
    #[serde(default)]
    pub managed_prefix_lists: Vec<ManagedPrefixList>,
    /// VPC flow logs of the region (`DescribeFlowLogs`); `None` when not
    /// read (a snapshot from before flow logs were collected, or the call
    /// failed): unknown, not "no flow logs".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_logs: Option<Vec<FlowLog>>,
    /// EBS encryption by default (`GetEbsEncryptionByDefault`); `None` when
    /// not read: unknown, not off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs_encryption_by_default: Option<bool>,
    // -- issue 14: compute, routing and addressing. Each `None` when not
    // read (an older snapshot, or the call failed): unknown, never empty.
    /// EC2 instances (`DescribeInstances`, terminated ones left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instances: Option<Vec<Instance>>,
    /// Launch templates with their default and latest versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_templates: Option<Vec<LaunchTemplate>>,
    /// Elastic IPs (`DescribeAddresses`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elastic_ips: Option<Vec<ElasticIp>>,
    /// Internet gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_gateways: Option<Vec<InternetGateway>>,
    /// Egress-only internet gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateways: Option<Vec<EgressOnlyInternetGateway>>,
    /// NAT gateways.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nat_gateways: Option<Vec<NatGateway>>,
    /// Route tables with routes and associations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_tables: Option<Vec<RouteTable>>,
    /// VPC peering connections (both sides' CIDRs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_peering_connections: Option<Vec<VpcPeeringConnection>>,
    /// VPC endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_endpoints: Option<Vec<VpcEndpoint>>,
    /// Transit gateway attachments (route targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transit_gateway_attachments: Option<Vec<TransitGatewayAttachment>>,
}

/// One flow log (of a VPC, subnet or network interface).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct FlowLog {
    /// `fl-...`.
    pub flow_log_id: String,
    /// The resource it logs (`vpc-...`, `subnet-...`, `eni-...`).
    pub resource_id: String,
    /// `ACCEPT`, `REJECT` or `ALL`.
    #[serde(default)]
    pub traffic_type: Option<String>,
    /// `ACTIVE` when the flow log is running.
    #[serde(default)]
    pub status: Option<String>,
    /// `SUCCESS` or `FAILED` (delivery to the destination).
    #[serde(default)]
    pub deliver_status: Option<String>,
    /// `cloud-watch-logs`, `s3` or `kinesis-data-firehose`.
    #[serde(default)]
    pub destination_type: Option<String>,
}

/// A managed prefix list (customer- or AWS-managed) and its entries
/// (`GetManagedPrefixListEntries`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ManagedPrefixList {
    /// `pl-...`.
    pub prefix_list_id: String,
    /// Every entry; `None` when they could not all be read (see `error`).
    pub entries: Option<Vec<PrefixListEntry>>,
    /// Why the entries could not be read.
    #[serde(default)]
    pub error: Option<String>,
}

/// One entry of a managed prefix list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct PrefixListEntry {
    /// The IPv4 or IPv6 CIDR.
    pub cidr: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A VPC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// VPC ARN.
    pub arn: String,
    /// `vpc-...`.
    pub vpc_id: String,
    /// Primary IPv4 CIDR.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// The region's default VPC.
    #[serde(default)]
    pub is_default: bool,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A subnet.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    /// Subnet ARN.
    pub arn: String,
    /// `subnet-...`.
    pub subnet_id: String,
    /// Owning VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// IPv4 CIDR.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// Availability zone name.
    #[serde(default)]
    pub availability_zone: Option<String>,
    /// Instances launched here get a public IPv4 address by default.
    #[serde(default)]
    pub map_public_ip_on_launch: bool,
    /// The default subnet of its availability zone.
    #[serde(default)]
    pub default_for_az: bool,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    /// Security group ARN.
    pub arn: String,
    /// `sg-...`.
    pub group_id: String,
    /// Group name (`default` for a VPC's default group).
    pub group_name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One security group rule with exactly one peer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRule {
    /// Rule ARN (`...:security-group-rule/sgr-...`).
    pub arn: String,
    /// `sgr-...`.
    pub rule_id: String,
    /// Owning security group id.
    pub group_id: String,
    /// Egress (outbound) rule.
    #[serde(default)]
    pub is_egress: bool,
    /// IpProtocol as AWS returns it: `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or a number.
    pub ip_protocol: String,
    /// FromPort (-1 or absent for all).
    #[serde(default)]
    pub from_port: Option<i64>,
    /// ToPort (-1 or absent for all).
    #[serde(default)]
    pub to_port: Option<i64>,
    /// IPv4 peer range.
    #[serde(default)]
    pub cidr_ipv4: Option<String>,
    /// IPv6 peer range.
    #[serde(default)]
    pub cidr_ipv6: Option<String>,
    /// Prefix-list peer.
    #[serde(default)]
    pub prefix_list_id: Option<String>,
    /// Security-group peer.
    #[serde(default)]
    pub referenced_group_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// A network ACL.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkAcl {
    /// Network ACL ARN.
    pub arn: String,
    /// `acl-...`.
    pub network_acl_id: String,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// The VPC's default NACL.
    #[serde(default)]
    pub is_default: bool,
    /// Entries (rule number 32767 is the implicit deny-all).
    #[serde(default)]
    pub entries: Vec<NetworkAclEntry>,
    /// Associated subnet ids.
    #[serde(default)]
    pub associated_subnets: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A network ACL entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkAclEntry {
    /// Rule number; lower numbers are evaluated first.
    pub rule_number: i64,
    /// Protocol: `-1` for all, or a protocol number (`6` tcp, `17` udp).
    pub protocol: String,
    /// `allow` or `deny`.
    pub rule_action: String,
    /// Egress (outbound) entry.
    #[serde(default)]
    pub egress: bool,
    /// IPv4 range.
    #[serde(default)]
    pub cidr_block: Option<String>,
    /// IPv6 range.
    #[serde(default)]
    pub ipv6_cidr_block: Option<String>,
    /// Port range (tcp/udp only).
    #[serde(default)]
    pub port_range: Option<PortRange>,
}

/// An inclusive port range.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct PortRange {
    /// First port.
    pub from: i64,
    /// Last port.
    pub to: i64,
}

/// A network interface.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkInterface {
    /// Interface ARN.
    pub arn: String,
    /// `eni-...`.
    pub network_interface_id: String,
    /// Interface type (`interface`, `lambda`, `nat_gateway`, ...).
    #[serde(default)]
    pub interface_type: Option<String>,
    /// Subnet id.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Attached instance id, if any.
    #[serde(default)]
    pub attached_instance_id: Option<String>,
    /// Security group ids.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// `RequesterManaged`: created by an AWS service on the account's
    /// behalf; absent in snapshots that did not collect it (unknown).
    pub requester_managed: Option<bool>,
    /// `RequesterId` of a requester-managed interface (`amazon-elb`,
    /// `amazon-rds`, an account or principal id).
    pub requester_id: Option<String>,
    /// Public IPv4 address associated with the interface (auto-assigned or
    /// Elastic IP). In a snapshot that has `route_tables`, absent means no
    /// public address; in an older one, unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<String>,
    /// Primary private IPv4 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<String>,
    /// IPv6 addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_addresses: Vec<String>,
}
