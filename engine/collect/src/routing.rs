//! EC2 routing and addressing of one region (issue 14), part of the EC2
//! collector: Elastic IPs, internet and egress-only internet gateways, NAT
//! gateways, route tables (every route, every association including the
//! main one), VPC peering connections (both sides' CIDR sets), VPC
//! endpoints and transit gateway attachments.
//!
//! Each list is `None` when its listing failed or was cut short (a gap is
//! recorded): a route table or gateway that was not read could be the one
//! that opens (or closes) a path, so the path is unknown, never "no route".

use aws_sdk_ec2::{types, Client};
use palisade_model::routing::{
    EgressOnlyInternetGateway, ElasticIp, GatewayAttachment, InternetGateway, NatGateway,
    PeeringVpcInfo, Route, RouteTable, RouteTableAssociation, TransitGatewayAttachment,
    VpcEndpoint, VpcPeeringConnection,
};

use super::tags;
use crate::ops;
use crate::pages::drain;
use crate::scope::Scope;

/// The routing and addressing of one region; each `None` when not read.
#[derive(Debug, Default)]
pub struct Routing {
    /// Elastic IPs.
    pub elastic_ips: Option<Vec<ElasticIp>>,
    /// Internet gateways.
    pub internet_gateways: Option<Vec<InternetGateway>>,
    /// Egress-only internet gateways.
    pub egress_only_internet_gateways: Option<Vec<EgressOnlyInternetGateway>>,
    /// NAT gateways.
    pub nat_gateways: Option<Vec<NatGateway>>,
    /// Route tables.
    pub route_tables: Option<Vec<RouteTable>>,
    /// VPC peering connections.
    pub vpc_peering_connections: Option<Vec<VpcPeeringConnection>>,
    /// VPC endpoints.
    pub vpc_endpoints: Option<Vec<VpcEndpoint>>,
    /// Transit gateway attachments.
    pub transit_gateway_attachments: Option<Vec<TransitGatewayAttachment>>,
}

/// Reads every listing of one region concurrently.
pub async fn collect(client: &Client, scope: &Scope) -> Routing {
    let igws = client.describe_internet_gateways().into_paginator().send();
    let eigws = client
        .describe_egress_only_internet_gateways()
        .into_paginator()
        .send();
    let nats = client.describe_nat_gateways().into_paginator().send();
    let tables = client.describe_route_tables().into_paginator().send();
    let pcxs = client
        .describe_vpc_peering_connections()
        .into_paginator()
        .send();
    let endpoints = client.describe_vpc_endpoints().into_paginator().send();
    let tgw = client
        .describe_transit_gateway_attachments()
        .into_paginator()
        .send();
    let (eips, igws, eigws, nats, tables, pcxs, endpoints, tgw) = tokio::join!(
        client.describe_addresses().send(),
        drain(scope, &ops::EC2_DESCRIBE_INTERNET_GATEWAYS, igws),
        drain(
            scope,
            &ops::EC2_DESCRIBE_EGRESS_ONLY_INTERNET_GATEWAYS,
            eigws
        ),
        drain(scope, &ops::EC2_DESCRIBE_NAT_GATEWAYS, nats),
        drain(scope, &ops::EC2_DESCRIBE_ROUTE_TABLES, tables),
        drain(scope, &ops::EC2_DESCRIBE_VPC_PEERING_CONNECTIONS, pcxs),
        drain(scope, &ops::EC2_DESCRIBE_VPC_ENDPOINTS, endpoints),
        drain(scope, &ops::EC2_DESCRIBE_TRANSIT_GATEWAY_ATTACHMENTS, tgw),
    );
    Routing {
        elastic_ips: scope
            .check(&ops::EC2_DESCRIBE_ADDRESSES, eips)
            .map(|o| o.addresses().iter().filter_map(address).collect()),
        internet_gateways: igws
            .flat_map(|p| p.internet_gateways().iter().filter_map(|g| igw(scope, g)))
            .complete(),
        egress_only_internet_gateways: eigws
            .flat_map(|p| p.egress_only_internet_gateways().iter().filter_map(eigw))
            .complete(),
        nat_gateways: nats
            .flat_map(|p| p.nat_gateways().iter().filter_map(nat))
            .complete(),
        route_tables: tables
            .flat_map(|p| p.route_tables().iter().filter_map(|t| table(scope, t)))
            .complete(),
        vpc_peering_connections: pcxs
            .flat_map(|p| {
                p.vpc_peering_connections()
                    .iter()
                    .filter_map(|c| peering(scope, c))
            })
            .complete(),
        vpc_endpoints: endpoints
            .flat_map(|p| p.vpc_endpoints().iter().filter_map(endpoint))
            .complete(),
        transit_gateway_attachments: tgw
            .flat_map(|p| {
                p.transit_gateway_attachments()
                    .iter()
                    .filter_map(tgw_attachment)
            })
            .complete(),
    }
}

fn address(a: &types::Address) -> Option<ElasticIp> {
    let some = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
    Some(ElasticIp {
        allocation_id: some(a.allocation_id()),
        public_ip: a.public_ip()?.to_owned(),
        association_id: some(a.association_id()),
        // moto (and EC2 for an address on an unattached interface) reports
        // an empty InstanceId: not an instance.
        instance_id: some(a.instance_id()),
        network_interface_id: some(a.network_interface_id()),
        private_ip: some(a.private_ip_address()),
        tags: tags(a.tags()),
    })
}

fn attachments<'a>(
    list: impl Iterator<Item = (Option<&'a str>, Option<&'a types::AttachmentStatus>)>,
) -> Vec<GatewayAttachment> {
    list.filter_map(|(vpc, state)| {
        Some(GatewayAttachment {
            vpc_id: vpc?.to_owned(),
            state: state.map(|s| s.as_str().to_owned()),
        })
    })
    .collect()
}

fn igw(scope: &Scope, g: &types::InternetGateway) -> Option<InternetGateway> {
    let id = g.internet_gateway_id()?;
    Some(InternetGateway {
        arn: scope.arn("ec2", &format!("internet-gateway/{id}")),
        internet_gateway_id: id.to_owned(),
        attachments: attachments(g.attachments().iter().map(|a| (a.vpc_id(), a.state()))),
        tags: tags(g.tags()),
    })
}

fn eigw(g: &types::EgressOnlyInternetGateway) -> Option<EgressOnlyInternetGateway> {
    Some(EgressOnlyInternetGateway {
        egress_only_internet_gateway_id: g.egress_only_internet_gateway_id()?.to_owned(),
        attachments: attachments(g.attachments().iter().map(|a| (a.vpc_id(), a.state()))),
        tags: tags(g.tags()),
    })
}

fn nat(n: &types::NatGateway) -> Option<NatGateway> {
    Some(NatGateway {
        nat_gateway_id: n.nat_gateway_id()?.to_owned(),
        vpc_id: n.vpc_id().map(str::to_owned),
        subnet_id: n.subnet_id().map(str::to_owned),
        state: n.state().map(|s| s.as_str().to_owned()),
        connectivity_type: n.connectivity_type().map(|s| s.as_str().to_owned()),
        public_ips: n
            .nat_gateway_addresses()
            .iter()
            .filter_map(|a| a.public_ip().map(str::to_owned))
            .collect(),
        tags: tags(n.tags()),
    })
}

fn table(scope: &Scope, t: &types::RouteTable) -> Option<RouteTable> {
    let id = t.route_table_id()?;
    Some(RouteTable {
        arn: scope.arn("ec2", &format!("route-table/{id}")),
        route_table_id: id.to_owned(),
        vpc_id: t.vpc_id().map(str::to_owned),
        associations: t
            .associations()
            .iter()
            .map(|a| RouteTableAssociation {
                association_id: a.route_table_association_id().map(str::to_owned),
                main: a.main().unwrap_or(false),
                subnet_id: a.subnet_id().map(str::to_owned),
                gateway_id: a.gateway_id().map(str::to_owned),
                state: a
                    .association_state()
                    .and_then(|s| s.state())
                    .map(|s| s.as_str().to_owned()),
            })
            .collect(),
        routes: t.routes().iter().map(route).collect(),
        tags: tags(t.tags()),
    })
}

fn route(r: &types::Route) -> Route {
    let s = |v: Option<&str>| v.map(str::to_owned);
    Route {
        destination_cidr_block: s(r.destination_cidr_block()),
        destination_ipv6_cidr_block: s(r.destination_ipv6_cidr_block()),
        destination_prefix_list_id: s(r.destination_prefix_list_id()),
        gateway_id: s(r.gateway_id()),
        nat_gateway_id: s(r.nat_gateway_id()),
        egress_only_internet_gateway_id: s(r.egress_only_internet_gateway_id()),
        vpc_peering_connection_id: s(r.vpc_peering_connection_id()),
        transit_gateway_id: s(r.transit_gateway_id()),
        network_interface_id: s(r.network_interface_id()),
        instance_id: s(r.instance_id()),
        // DescribeRouteTables reports a Gateway Load Balancer endpoint
        // target in GatewayId (`vpce-...`); there is no separate field.
        vpc_endpoint_id: None,
        local_gateway_id: s(r.local_gateway_id()),
        carrier_gateway_id: s(r.carrier_gateway_id()),
        core_network_arn: s(r.core_network_arn()),
        state: r.state().map(|v| v.as_str().to_owned()),
        origin: r.origin().map(|v| v.as_str().to_owned()),
    }
}

fn side(v: Option<&types::VpcPeeringConnectionVpcInfo>) -> PeeringVpcInfo {
    let Some(v) = v else {
        return PeeringVpcInfo::default();
    };
    let mut cidr_blocks: Vec<String> = v
        .cidr_block_set()
        .iter()
        .filter_map(|c| c.cidr_block().map(str::to_owned))
        .collect();
    if let Some(primary) = v.cidr_block() {
        if !cidr_blocks.iter().any(|c| c == primary) {
            cidr_blocks.insert(0, primary.to_owned());
        }
    }
    PeeringVpcInfo {
        vpc_id: v.vpc_id().map(str::to_owned),
        owner_id: v.owner_id().map(str::to_owned),
        region: v.region().map(str::to_owned),
        cidr_blocks,
        ipv6_cidr_blocks: v
            .ipv6_cidr_block_set()
            .iter()
            .filter_map(|c| c.ipv6_cidr_block().map(str::to_owned))
            .collect(),
    }
}

fn peering(scope: &Scope, c: &types::VpcPeeringConnection) -> Option<VpcPeeringConnection> {
    let id = c.vpc_peering_connection_id()?;
    Some(VpcPeeringConnection {
        arn: scope.arn("ec2", &format!("vpc-peering-connection/{id}")),
        vpc_peering_connection_id: id.to_owned(),
        requester: side(c.requester_vpc_info()),
        accepter: side(c.accepter_vpc_info()),
        status: c
            .status()
            .and_then(|s| s.code())
            .map(|s| s.as_str().to_owned()),
        tags: tags(c.tags()),
    })
}

fn endpoint(e: &types::VpcEndpoint) -> Option<VpcEndpoint> {
    Some(VpcEndpoint {
        vpc_endpoint_id: e.vpc_endpoint_id()?.to_owned(),
        vpc_endpoint_type: e.vpc_endpoint_type().map(|t| t.as_str().to_owned()),
        vpc_id: e.vpc_id().map(str::to_owned),
        service_name: e.service_name().map(str::to_owned),
        state: e.state().map(|s| s.as_str().to_owned()),
        route_table_ids: e.route_table_ids().to_vec(),
        subnet_ids: e.subnet_ids().to_vec(),
        groups: e
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_owned))
            .collect(),
        network_interface_ids: e.network_interface_ids().to_vec(),
        private_dns_enabled: e.private_dns_enabled(),
        tags: tags(e.tags()),
    })
}

fn tgw_attachment(a: &types::TransitGatewayAttachment) -> Option<TransitGatewayAttachment> {
    Some(TransitGatewayAttachment {
        transit_gateway_attachment_id: a.transit_gateway_attachment_id()?.to_owned(),
        transit_gateway_id: a.transit_gateway_id().map(str::to_owned),
        resource_type: a.resource_type().map(|t| t.as_str().to_owned()),
        resource_id: a.resource_id().map(str::to_owned),
        resource_owner_id: a.resource_owner_id().map(str::to_owned),
        state: a.state().map(|s| s.as_str().to_owned()),
        tags: tags(a.tags()),
    })
}

/// A short summary for the progress display (`?` = not read).
pub fn counts(r: &palisade_model::ec2::Ec2) -> String {
    let n = |v: Option<usize>| v.map_or_else(|| "?".to_owned(), |n| n.to_string());
    format!(
        "{} route tables, {} IGWs, {} NAT gateways, {} EIPs, {} peerings",
        n(r.route_tables.as_ref().map(Vec::len)),
        n(r.internet_gateways.as_ref().map(Vec::len)),
        n(r.nat_gateways.as_ref().map(Vec::len)),
        n(r.elastic_ips.as_ref().map(Vec::len)),
        n(r.vpc_peering_connections.as_ref().map(Vec::len)),
    )
}

#[cfg(test)]
#[path = "routing_tests.rs"]
mod tests;
