//! Recorded EC2 answers (query protocol, XML) for what moto does not
//! report: a peering side's `cidrBlockSet` and `ipv6CidrBlockSet`, a
//! transit gateway attachment's fields; and denied listings, which leave
//! every list unknown (`None`) and a gap, never empty.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::replay::{config, event, scope};

const EC2: &str = "https://ec2.eu-west-1.amazonaws.com/";
const NS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";
const DENIED: &str = r#"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>"#;

#[tokio::test]
async fn peering_sides_keep_every_cidr() {
    let page = format!(
        r#"<DescribeVpcPeeringConnectionsResponse xmlns="{NS}"><requestId>1</requestId><vpcPeeringConnectionSet><item><accepterVpcInfo><cidrBlock>10.1.0.0/16</cidrBlock><cidrBlockSet><item><cidrBlock>10.1.0.0/16</cidrBlock></item><item><cidrBlock>10.2.0.0/16</cidrBlock></item></cidrBlockSet><ipv6CidrBlockSet><item><ipv6CidrBlock>2600:1f18:1:100::/56</ipv6CidrBlock></item></ipv6CidrBlockSet><ownerId>222222222222</ownerId><vpcId>vpc-b</vpcId><region>eu-central-1</region></accepterVpcInfo><requesterVpcInfo><cidrBlock>10.0.0.0/16</cidrBlock><ownerId>111111111111</ownerId><vpcId>vpc-a</vpcId><region>eu-west-1</region></requesterVpcInfo><status><code>active</code><message>Active</message></status><tagSet/><vpcPeeringConnectionId>pcx-1</vpcPeeringConnectionId></item></vpcPeeringConnectionSet></DescribeVpcPeeringConnectionsResponse>"#
    );
    let (conf, _http) = config(vec![event("POST", EC2, 200, &page)]);
    let client = Client::new(&conf);
    let (scope, _) = scope();
    let out = client
        .describe_vpc_peering_connections()
        .send()
        .await
        .unwrap();
    let p = peering(&scope, &out.vpc_peering_connections()[0]).unwrap();
    assert_eq!(
        p.arn,
        "arn:aws:ec2:eu-west-1:111111111111:vpc-peering-connection/pcx-1"
    );
    assert_eq!(p.accepter.cidr_blocks, ["10.1.0.0/16", "10.2.0.0/16"]);
    assert_eq!(p.accepter.ipv6_cidr_blocks, ["2600:1f18:1:100::/56"]);
    assert_eq!(
        (p.accepter.owner_id.as_deref(), p.accepter.region.as_deref()),
        (Some("222222222222"), Some("eu-central-1"))
    );
    // Without a cidrBlockSet, the primary CIDR.
    assert_eq!(p.requester.cidr_blocks, ["10.0.0.0/16"]);
    assert_eq!(p.status.as_deref(), Some("active"));
}

#[tokio::test]
async fn transit_gateway_attachments_are_parsed() {
    let page = format!(
        r#"<DescribeTransitGatewayAttachmentsResponse xmlns="{NS}"><requestId>1</requestId><transitGatewayAttachments><item><transitGatewayAttachmentId>tgw-attach-1</transitGatewayAttachmentId><transitGatewayId>tgw-1</transitGatewayId><transitGatewayOwnerId>111111111111</transitGatewayOwnerId><resourceOwnerId>333333333333</resourceOwnerId><resourceType>vpc</resourceType><resourceId>vpc-a</resourceId><state>available</state><tagSet><item><key>Name</key><value>core</value></item></tagSet></item></transitGatewayAttachments></DescribeTransitGatewayAttachmentsResponse>"#
    );
    let (conf, _http) = config(vec![event("POST", EC2, 200, &page)]);
    let client = Client::new(&conf);
    let out = client
        .describe_transit_gateway_attachments()
        .send()
        .await
        .unwrap();
    let a = tgw_attachment(&out.transit_gateway_attachments()[0]).unwrap();
    assert_eq!(
        (
            a.transit_gateway_id.as_deref(),
            a.resource_type.as_deref(),
            a.resource_id.as_deref(),
            a.resource_owner_id.as_deref(),
            a.state.as_deref()
        ),
        (
            Some("tgw-1"),
            Some("vpc"),
            Some("vpc-a"),
            Some("333333333333"),
            Some("available")
        )
    );
    assert_eq!(a.tags.get("Name").map(String::as_str), Some("core"));
}

#[tokio::test]
async fn routes_keep_every_target() {
    let page = format!(
        r#"<DescribeRouteTablesResponse xmlns="{NS}"><requestId>1</requestId><routeTableSet><item><routeTableId>rtb-1</routeTableId><vpcId>vpc-1</vpcId><routeSet><item><destinationCidrBlock>0.0.0.0/0</destinationCidrBlock><transitGatewayId>tgw-1</transitGatewayId><state>active</state><origin>CreateRoute</origin></item><item><destinationCidrBlock>10.9.0.0/16</destinationCidrBlock><state>blackhole</state><origin>CreateRoute</origin><vpcPeeringConnectionId>pcx-gone</vpcPeeringConnectionId></item><item><destinationCidrBlock>100.64.0.0/10</destinationCidrBlock><carrierGatewayId>cagw-1</carrierGatewayId><state>active</state></item></routeSet><associationSet><item><routeTableAssociationId>rtbassoc-1</routeTableAssociationId><routeTableId>rtb-1</routeTableId><main>true</main><associationState><state>associated</state></associationState></item><item><routeTableAssociationId>rtbassoc-2</routeTableAssociationId><routeTableId>rtb-1</routeTableId><gatewayId>igw-1</gatewayId><main>false</main><associationState><state>associated</state></associationState></item></associationSet><tagSet/></item></routeTableSet></DescribeRouteTablesResponse>"#
    );
    let (conf, _http) = config(vec![event("POST", EC2, 200, &page)]);
    let client = Client::new(&conf);
    let (scope, _) = scope();
    let out = client.describe_route_tables().send().await.unwrap();
    let t = table(&scope, &out.route_tables()[0]).unwrap();
    assert_eq!(t.routes[0].transit_gateway_id.as_deref(), Some("tgw-1"));
    assert_eq!(
        (
            t.routes[1].state.as_deref(),
            t.routes[1].vpc_peering_connection_id.as_deref()
        ),
        (Some("blackhole"), Some("pcx-gone"))
    );
    assert_eq!(t.routes[2].carrier_gateway_id.as_deref(), Some("cagw-1"));
    assert!(t.associations[0].main);
    assert_eq!(
        t.associations[1].gateway_id.as_deref(),
        Some("igw-1"),
        "edge association"
    );
}

#[tokio::test]
async fn denied_listings_are_unknown_never_empty() {
    let events = (0..8).map(|_| event("POST", EC2, 403, DENIED)).collect();
    let (conf, _http) = config(events);
    let client = Client::new(&conf);
    let (scope, coverage) = scope();
    let r = collect(&client, &scope).await;
    assert_eq!(
        (
            r.elastic_ips.is_none(),
            r.internet_gateways.is_none(),
            r.egress_only_internet_gateways.is_none(),
            r.nat_gateways.is_none(),
            r.route_tables.is_none(),
            r.vpc_peering_connections.is_none(),
            r.vpc_endpoints.is_none(),
            r.transit_gateway_attachments.is_none(),
        ),
        (true, true, true, true, true, true, true, true)
    );
    assert_eq!(coverage.records().iter().filter(|r| r.is_gap()).count(), 8);
}
