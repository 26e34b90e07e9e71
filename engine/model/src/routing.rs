//! EC2 routing and addressing of one region (issue 14, effective exposure):
//! Elastic IPs, internet and egress-only internet gateways, NAT gateways,
//! route tables with their routes and associations, VPC peering
//! connections, VPC endpoints and transit gateway attachments.
//!
//! Each list sits in [`crate::ec2::Ec2`] as an `Option`: `None` means it was
//! not read (a snapshot from before these were collected, or the call
//! failed), so whether a path exists is unknown, never "no route".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An Elastic IP address (`DescribeAddresses`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct ElasticIp {
    /// `eipalloc-...`.
    #[serde(default)]
    pub allocation_id: Option<String>,
    /// The public IPv4 address.
    pub public_ip: String,
    /// `eipassoc-...` when associated.
    #[serde(default)]
    pub association_id: Option<String>,
    /// The instance it is associated with.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// The network interface it is associated with.
    #[serde(default)]
    pub network_interface_id: Option<String>,
    /// The private address it maps to.
    #[serde(default)]
    pub private_ip: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An attachment of a gateway to a VPC.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct GatewayAttachment {
    /// The VPC.
    pub vpc_id: String,
    /// `available` / `attached` when usable (`attaching`, `detaching`,
    /// `detached` otherwise).
    #[serde(default)]
    pub state: Option<String>,
}

/// An internet gateway (`DescribeInternetGateways`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    /// Internet gateway ARN.
    pub arn: String,
    /// `igw-...`.
    pub internet_gateway_id: String,
    /// VPC attachments.
    #[serde(default)]
    pub attachments: Vec<GatewayAttachment>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// An egress-only internet gateway (IPv6 outbound only; admits no inbound
/// connection from the internet).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct EgressOnlyInternetGateway {
    /// `eigw-...`.
    pub egress_only_internet_gateway_id: String,
    /// VPC attachments.
    #[serde(default)]
    pub attachments: Vec<GatewayAttachment>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A NAT gateway (outbound only; admits no inbound connection).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    /// `nat-...`.
    pub nat_gateway_id: String,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// `available`, `pending`, `failed`, `deleting`, `deleted`.
    #[serde(default)]
    pub state: Option<String>,
    /// `public` or `private`.
    #[serde(default)]
    pub connectivity_type: Option<String>,
    /// Public IPv4 addresses.
    #[serde(default)]
    pub public_ips: Vec<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A route table (`DescribeRouteTables`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    /// Route table ARN.
    pub arn: String,
    /// `rtb-...`.
    pub route_table_id: String,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Associations (subnets, gateways, the VPC's main association).
    #[serde(default)]
    pub associations: Vec<RouteTableAssociation>,
    /// Routes.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// One association of a route table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct RouteTableAssociation {
    /// `rtbassoc-...`.
    #[serde(default)]
    pub association_id: Option<String>,
    /// The VPC's main route table (used by every subnet without an explicit
    /// association).
    #[serde(default)]
    pub main: bool,
    /// The subnet explicitly associated.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// The gateway associated (edge association: ingress routing).
    #[serde(default)]
    pub gateway_id: Option<String>,
    /// `associated` when in effect.
    #[serde(default)]
    pub state: Option<String>,
}

/// One route. Exactly one destination and (normally) one target is set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// IPv4 destination.
    #[serde(default)]
    pub destination_cidr_block: Option<String>,
    /// IPv6 destination.
    #[serde(default)]
    pub destination_ipv6_cidr_block: Option<String>,
    /// Managed prefix list destination.
    #[serde(default)]
    pub destination_prefix_list_id: Option<String>,
    /// `igw-...`, `vgw-...`, `local`, or a gateway VPC endpoint `vpce-...`.
    #[serde(default)]
    pub gateway_id: Option<String>,
    /// `nat-...`.
    #[serde(default)]
    pub nat_gateway_id: Option<String>,
    /// `eigw-...`.
    #[serde(default)]
    pub egress_only_internet_gateway_id: Option<String>,
    /// `pcx-...`.
    #[serde(default)]
    pub vpc_peering_connection_id: Option<String>,
    /// `tgw-...`.
    #[serde(default)]
    pub transit_gateway_id: Option<String>,
    /// `eni-...`.
    #[serde(default)]
    pub network_interface_id: Option<String>,
    /// `i-...`.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// Gateway Load Balancer endpoint `vpce-...`.
    #[serde(default)]
    pub vpc_endpoint_id: Option<String>,
    /// Local gateway `lgw-...` (Outposts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_gateway_id: Option<String>,
    /// Carrier gateway `cagw-...` (Wavelength Zones; admits traffic from
    /// the carrier network).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier_gateway_id: Option<String>,
    /// Cloud WAN core network ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_network_arn: Option<String>,
    /// `active` or `blackhole` (its target is gone).
    #[serde(default)]
    pub state: Option<String>,
    /// `CreateRouteTable`, `CreateRoute` or `EnableVgwRoutePropagation`.
    #[serde(default)]
    pub origin: Option<String>,
}

/// One side of a VPC peering connection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct PeeringVpcInfo {
    /// VPC id.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Owning account.
    #[serde(default)]
    pub owner_id: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Every IPv4 CIDR of the VPC (`CidrBlockSet`, else `CidrBlock`).
    #[serde(default)]
    pub cidr_blocks: Vec<String>,
    /// Every IPv6 CIDR of the VPC.
    #[serde(default)]
    pub ipv6_cidr_blocks: Vec<String>,
}

/// A VPC peering connection (`DescribeVpcPeeringConnections`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    /// Peering connection ARN.
    pub arn: String,
    /// `pcx-...`.
    pub vpc_peering_connection_id: String,
    /// The requesting side.
    #[serde(default)]
    pub requester: PeeringVpcInfo,
    /// The accepting side.
    #[serde(default)]
    pub accepter: PeeringVpcInfo,
    /// `active`, `pending-acceptance`, `deleted`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A VPC endpoint (`DescribeVpcEndpoints`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct VpcEndpoint {
    /// `vpce-...`.
    pub vpc_endpoint_id: String,
    /// `Interface`, `Gateway` or `GatewayLoadBalancer`.
    #[serde(default)]
    pub vpc_endpoint_type: Option<String>,
    /// VPC.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Service, e.g. `com.amazonaws.us-east-1.s3`.
    #[serde(default)]
    pub service_name: Option<String>,
    /// `available`, `pending`, ...
    #[serde(default)]
    pub state: Option<String>,
    /// Route tables (gateway endpoints).
    #[serde(default)]
    pub route_table_ids: Vec<String>,
    /// Subnets (interface endpoints).
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    /// Security groups (interface endpoints).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Network interfaces (interface endpoints).
    #[serde(default)]
    pub network_interface_ids: Vec<String>,
    /// Private DNS enabled.
    #[serde(default)]
    pub private_dns_enabled: Option<bool>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A transit gateway attachment (`DescribeTransitGatewayAttachments`), kept
/// as a route target.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(deny_unknown_fields)]
pub struct TransitGatewayAttachment {
    /// `tgw-attach-...`.
    pub transit_gateway_attachment_id: String,
    /// `tgw-...`.
    #[serde(default)]
    pub transit_gateway_id: Option<String>,
    /// `vpc`, `vpn`, `direct-connect-gateway`, `peering`, `connect`, ...
    #[serde(default)]
    pub resource_type: Option<String>,
    /// The attached resource (`vpc-...` for a VPC attachment).
    #[serde(default)]
    pub resource_id: Option<String>,
    /// Owner of the attached resource.
    #[serde(default)]
    pub resource_owner_id: Option<String>,
    /// `available`, `pending`, ...
    #[serde(default)]
    pub state: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}
