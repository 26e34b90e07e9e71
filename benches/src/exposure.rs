//! A synthetic organisation for the reachability bench (issue 14): network
//! interfaces attached to instances, in public subnets (route to an internet
//! gateway) and private ones (route to a NAT gateway), with per-subnet NACLs
//! (some denying SSH) and security groups shared by a few dozen interfaces;
//! optionally without the routing data, which turns reachability off (every
//! verdict unknown).

use palisade_model::compute::{Instance, MetadataOptions};
use palisade_model::ec2::{
    Ec2, NetworkAcl, NetworkAclEntry, NetworkInterface, PortRange, SecurityGroup,
    SecurityGroupRule, Subnet, Vpc,
};
use palisade_model::routing::{
    GatewayAttachment, InternetGateway, Route, RouteTable, RouteTableAssociation,
};
use palisade_model::{Account, RegionData, Snapshot};

use super::scan_time;

/// Interfaces per subnet and per security group.
const PER_SUBNET: usize = 50;
const PER_GROUP: usize = 25;

/// A TCP (with ports) or all-traffic NACL entry for `0.0.0.0/0`.
pub(crate) fn nacl_entry(
    n: i64,
    action: &str,
    port: Option<(i64, i64)>,
    egress: bool,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: n,
        protocol: if port.is_some() {
            "6".into()
        } else {
            "-1".into()
        },
        rule_action: action.into(),
        egress,
        cidr_block: Some("0.0.0.0/0".into()),
        ipv6_cidr_block: None,
        port_range: port.map(|(from, to)| PortRange { from, to }),
    }
}

fn route(dest: &str, gateway: Option<&str>, nat: Option<&str>) -> Route {
    Route {
        destination_cidr_block: Some(dest.into()),
        gateway_id: gateway.map(Into::into),
        nat_gateway_id: nat.map(Into::into),
        state: Some("active".into()),
        ..Route::default()
    }
}

/// A subnet with its NACL (one in four denies SSH); public ones join the
/// public route table.
fn add_subnet(
    e: &mut Ec2,
    table: &mut RouteTable,
    (id, r, vpc): (&str, &str, &str),
    s: usize,
    public: bool,
) {
    let subnet = format!("subnet-{s:08x}");
    e.subnets.push(Subnet {
        arn: format!("arn:aws:ec2:{r}:{id}:subnet/{subnet}"),
        subnet_id: subnet.clone(),
        vpc_id: Some(vpc.into()),
        cidr_block: Some(format!("10.{}.{}.0/24", (s / 256) % 256, s % 256)),
        ..Subnet::default()
    });
    if public {
        table.associations.push(RouteTableAssociation {
            subnet_id: Some(subnet.clone()),
            ..RouteTableAssociation::default()
        });
    }
    e.network_acls.push(NetworkAcl {
        arn: format!("arn:aws:ec2:{r}:{id}:network-acl/acl-{s:08x}"),
        network_acl_id: format!("acl-{s:08x}"),
        vpc_id: Some(vpc.into()),
        associated_subnets: vec![subnet.clone()],
        entries: vec![
            nacl_entry(
                90,
                if s.is_multiple_of(4) { "deny" } else { "allow" },
                Some((22, 22)),
                false,
            ),
            nacl_entry(100, "allow", None, false),
            nacl_entry(100, "allow", Some((1024, 65_535)), true),
            nacl_entry(32767, "deny", None, false),
            nacl_entry(32767, "deny", None, true),
        ],
        ..NetworkAcl::default()
    });
}

/// A security group with three ingress rules (443 open; 22 open in one
/// group of five; 3306 private).
fn add_group(e: &mut Ec2, (id, r, vpc): (&str, &str, &str), g: usize) {
    let group = format!("sg-{g:08x}");
    e.security_groups.push(SecurityGroup {
        arn: format!("arn:aws:ec2:{r}:{id}:security-group/{group}"),
        group_id: group.clone(),
        group_name: format!("app-{g}"),
        vpc_id: Some(vpc.into()),
        ..SecurityGroup::default()
    });
    for (k, (from, to, cidr)) in [
        (443, 443, "0.0.0.0/0"),
        (
            22,
            22,
            if g.is_multiple_of(5) {
                "0.0.0.0/0"
            } else {
                "10.0.0.0/8"
            },
        ),
        (3306, 3306, "10.0.0.0/8"),
    ]
    .into_iter()
    .enumerate()
    {
        e.security_group_rules.push(SecurityGroupRule {
            arn: format!("arn:aws:ec2:{r}:{id}:security-group-rule/sgr-{g:08x}{k}"),
            rule_id: format!("sgr-{g:08x}{k}"),
            group_id: group.clone(),
            ip_protocol: "tcp".into(),
            from_port: Some(from),
            to_port: Some(to),
            cidr_ipv4: Some(cidr.into()),
            ..SecurityGroupRule::default()
        });
    }
}

/// One region of `interfaces` interfaces.
fn region(id: &str, r: &str, interfaces: usize, routing: bool) -> RegionData {
    let mut d = RegionData {
        region: r.into(),
        ..RegionData::default()
    };
    let e = &mut d.ec2;
    let vpc = "vpc-00000001";
    e.vpcs.push(Vpc {
        arn: format!("arn:aws:ec2:{r}:{id}:vpc/{vpc}"),
        vpc_id: vpc.into(),
        cidr_block: Some("10.0.0.0/8".into()),
        ..Vpc::default()
    });
    let mut tables = vec![
        RouteTable {
            arn: format!("arn:aws:ec2:{r}:{id}:route-table/rtb-public"),
            route_table_id: "rtb-public".into(),
            vpc_id: Some(vpc.into()),
            routes: vec![
                route("10.0.0.0/8", Some("local"), None),
                route("0.0.0.0/0", Some("igw-1"), None),
            ],
            ..RouteTable::default()
        },
        RouteTable {
            arn: format!("arn:aws:ec2:{r}:{id}:route-table/rtb-private"),
            route_table_id: "rtb-private".into(),
            vpc_id: Some(vpc.into()),
            associations: vec![RouteTableAssociation {
                main: true,
                ..RouteTableAssociation::default()
            }],
            routes: vec![
                route("10.0.0.0/8", Some("local"), None),
                route("0.0.0.0/0", None, Some("nat-1")),
            ],
            ..RouteTable::default()
        },
    ];
    for i in 0..interfaces {
        let s = i / PER_SUBNET;
        let g = i / PER_GROUP;
        let public = s.is_multiple_of(3);
        let subnet = format!("subnet-{s:08x}");
        let group = format!("sg-{g:08x}");
        if i % PER_SUBNET == 0 {
            add_subnet(e, &mut tables[0], (id, r, vpc), s, public);
        }
        if i % PER_GROUP == 0 {
            add_group(e, (id, r, vpc), g);
        }
        let eni = format!("eni-{i:012x}");
        let inst = format!("i-{i:012x}");
        let public_ip = (public && i % 2 == 0)
            .then(|| format!("52.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255));
        e.network_interfaces.push(NetworkInterface {
            arn: format!("arn:aws:ec2:{r}:{id}:network-interface/{eni}"),
            network_interface_id: eni.clone(),
            interface_type: Some("interface".into()),
            subnet_id: Some(subnet.clone()),
            vpc_id: Some(vpc.into()),
            attached_instance_id: Some(inst.clone()),
            groups: vec![group],
            requester_managed: Some(false),
            requester_id: None,
            public_ip: public_ip.clone(),
            private_ip: Some(format!("10.0.{}.{}", (i >> 8) & 255, i & 255)),
            ..NetworkInterface::default()
        });
        e.instances.get_or_insert_with(Vec::new).push(Instance {
            arn: format!("arn:aws:ec2:{r}:{id}:instance/{inst}"),
            instance_id: inst,
            state: Some("running".into()),
            instance_type: Some("t3.micro".into()),
            subnet_id: Some(subnet),
            public_ip,
            network_interface_ids: vec![eni],
            metadata_options: Some(MetadataOptions {
                http_tokens: Some(if i % 7 == 0 { "optional" } else { "required" }.into()),
                http_endpoint: Some("enabled".into()),
                http_put_response_hop_limit: Some(2),
            }),
            ..Instance::default()
        });
    }
    if routing {
        e.route_tables = Some(tables);
        e.internet_gateways = Some(vec![InternetGateway {
            arn: format!("arn:aws:ec2:{r}:{id}:internet-gateway/igw-1"),
            internet_gateway_id: "igw-1".into(),
            attachments: vec![GatewayAttachment {
                vpc_id: vpc.into(),
                state: Some("available".into()),
            }],
            ..InternetGateway::default()
        }]);
        e.elastic_ips = Some(Vec::new());
    }
    d
}

/// A synthetic snapshot with `interfaces` network interfaces (each with an
/// instance) over `accounts` accounts of two regions; `routing` false
/// leaves the route tables and gateways out (reachability unknown).
pub fn synthetic_exposure_snapshot(interfaces: usize, accounts: usize, routing: bool) -> Snapshot {
    let accounts = accounts.max(1);
    let per_region = (interfaces / accounts / 2).max(1);
    let mut s = Snapshot::new(scan_time(), "bench");
    s.accounts = (0..accounts)
        .map(|a| {
            let id = format!("{:012}", 200_000_000_000u64 + a as u64);
            let regions = ["us-east-1", "eu-west-1"];
            Account {
                account_id: id.clone(),
                name: Some(format!("exposure-{a}")),
                partition: "aws".into(),
                regions: regions.iter().map(|r| (*r).to_owned()).collect(),
                region_data: regions
                    .iter()
                    .map(|r| region(&id, r, per_region, routing))
                    .collect(),
                ..Account::default()
            }
        })
        .collect();
    s
}
