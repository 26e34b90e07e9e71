//! End to end against moto seeded by fixtures/moto/seed_exposure.py:
//! instances, launch templates, routing and addressing, load balancers
//! (v2 and classic) and Auto Scaling are collected through the real SDK
//! with every listing complete (no coverage gap: moto 5.2.1 implements
//! every call). A denied WAFv2 leaves each application load balancer's web
//! ACL unknown (`unread` and a gap), never "no web ACL".

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{collect, coverage, moto, region, Faults, Proxy, ACCOUNT};
use palisade_model::compute::Instance;
use palisade_model::routing::RouteTable;
use palisade_model::{CoverageStatus, RegionData};

/// The APIs of issue 14, by service.
const APIS: &[(&str, &[&str])] = &[
    (
        "ec2",
        &[
            "DescribeInstances",
            "DescribeLaunchTemplates",
            "DescribeLaunchTemplateVersions",
            "DescribeAddresses",
            "DescribeInternetGateways",
            "DescribeEgressOnlyInternetGateways",
            "DescribeNatGateways",
            "DescribeRouteTables",
            "DescribeVpcPeeringConnections",
            "DescribeVpcEndpoints",
            "DescribeTransitGatewayAttachments",
        ],
    ),
    (
        "elasticloadbalancing",
        &[
            "DescribeLoadBalancers",
            "DescribeListeners",
            "DescribeRules",
            "DescribeTargetGroups",
            "DescribeTargetHealth",
            "DescribeTags",
            "DescribeLoadBalancers (classic)",
            "DescribeTags (classic)",
        ],
    ),
    ("wafv2", &["GetWebACLForResource"]),
    (
        "autoscaling",
        &["DescribeAutoScalingGroups", "DescribeLaunchConfigurations"],
    ),
];

/// Calls made per resource (none in eu-west-1, which has no resources).
const PER_RESOURCE: &[&str] = &[
    "DescribeLaunchTemplateVersions",
    "DescribeListeners",
    "DescribeRules",
    "DescribeTargetHealth",
    "DescribeTags",
    "DescribeTags (classic)",
    "GetWebACLForResource",
];

fn named<'a>(r: &'a RegionData, name: &str) -> &'a Instance {
    common::instance_named(r, name)
}

fn table_of<'a>(r: &'a RegionData, name: &str) -> &'a RouteTable {
    r.ec2
        .route_tables
        .as_deref()
        .expect("route tables read")
        .iter()
        .find(|t| t.tags.get("Name").map(String::as_str) == Some(name))
        .unwrap_or_else(|| panic!("route table {name}"))
}

fn vpc_id(r: &RegionData, name: &str) -> String {
    r.ec2
        .vpcs
        .iter()
        .find(|v| v.tags.get("Name").map(String::as_str) == Some(name))
        .map(|v| v.vpc_id.clone())
        .unwrap_or_else(|| panic!("vpc {name}"))
}

#[test]
fn compute_routing_and_load_balancers_are_collected_end_to_end() {
    let snap = collect(&moto().url);
    for r in common::REGIONS {
        for (service, apis) in APIS {
            for api in *apis {
                // Per-resource calls: only where there are resources.
                if r != "us-east-1" && PER_RESOURCE.contains(api) {
                    assert_eq!(coverage(&snap, service, r, api), None, "{api} {r}");
                    continue;
                }
                assert_eq!(
                    coverage(&snap, service, r, api),
                    Some(CoverageStatus::Ok),
                    "{service} {api} {r}"
                );
            }
        }
    }
    let us = region(&snap, "us-east-1");
    instances(us);
    routing(us);
    load_balancers(us);
    auto_scaling(us);
    // eu-west-1 has none of these: read, and empty (not unknown).
    let eu = region(&snap, "eu-west-1");
    assert_eq!(eu.ec2.instances.as_deref().map(<[_]>::len), Some(0));
    assert!(eu.ec2.route_tables.as_ref().is_some_and(|t| !t.is_empty()));
    assert!(eu.elb.load_balancers.is_empty() && eu.autoscaling.groups.is_empty());
}

fn instances(us: &RegionData) {
    let exposed = named(us, "exposed");
    assert_eq!(
        exposed.arn,
        format!(
            "arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{}",
            exposed.instance_id
        )
    );
    assert_eq!(exposed.state.as_deref(), Some("running"));
    assert_eq!(exposed.instance_type.as_deref(), Some("t3.micro"));
    assert!(exposed
        .iam_instance_profile_arn
        .as_deref()
        .unwrap()
        .ends_with(":instance-profile/exposure-admin-profile"));
    // The Elastic IP is the instance's public address and its ENI's.
    let eips = us.ec2.elastic_ips.as_deref().expect("EIPs read");
    let eip = eips
        .iter()
        .find(|e| e.instance_id.as_deref() == Some(exposed.instance_id.as_str()))
        .expect("EIP of exposed");
    assert_eq!(exposed.public_ip.as_deref(), Some(eip.public_ip.as_str()));
    assert_eq!(exposed.network_interface_ids.len(), 1);
    let eni = us
        .ec2
        .network_interfaces
        .iter()
        .find(|n| n.network_interface_id == exposed.network_interface_ids[0])
        .expect("exposed's ENI");
    assert_eq!(eni.public_ip, exposed.public_ip);
    assert_eq!(
        eni.attached_instance_id.as_deref(),
        Some(exposed.instance_id.as_str())
    );
    let open = us
        .ec2
        .security_groups
        .iter()
        .find(|g| g.group_name == "exposure-open")
        .unwrap();
    assert_eq!(exposed.security_group_ids, [open.group_id.as_str()]);
    let tokens = |name: &str| {
        named(us, name)
            .metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens.clone())
    };
    assert_eq!(tokens("imdsv1").as_deref(), Some("optional"));
    assert_eq!(tokens("exposed").as_deref(), Some("required"));
    let private = named(us, "no-public-ip");
    assert_eq!(
        (
            private.public_ip.as_deref(),
            private.iam_instance_profile_arn.as_deref()
        ),
        (None, None)
    );
    assert!(private
        .private_ip
        .as_deref()
        .unwrap()
        .starts_with("10.30.1."));
    for name in [
        "imdsv1",
        "no-route",
        "nacl-deny",
        "nacl-no-return",
        "peered",
    ] {
        assert!(named(us, name).public_ip.is_some(), "{name}");
    }
    assert_eq!(named(us, "behind-lb").public_ip, None);
    let v6 = named(us, "ipv6-only");
    assert_eq!(
        (v6.public_ip.as_deref(), v6.ipv6_addresses.len()),
        (None, 1)
    );
    let eni6 = us
        .ec2
        .network_interfaces
        .iter()
        .find(|n| n.network_interface_id == v6.network_interface_ids[0])
        .unwrap();
    assert_eq!(eni6.ipv6_addresses, v6.ipv6_addresses);
    assert_eq!(named(us, "peered").vpc_id, Some(vpc_id(us, "peer-b")));
    assert!(us
        .ec2
        .instances
        .as_deref()
        .unwrap()
        .iter()
        .all(|i| i.auto_scaling_group.is_none()));
}

fn routing(us: &RegionData) {
    let exposure = vpc_id(us, "exposure");
    let tables = us.ec2.route_tables.as_deref().unwrap();
    let igw = us
        .ec2
        .internet_gateways
        .as_deref()
        .expect("IGWs read")
        .iter()
        .find(|g| g.tags.get("Name").map(String::as_str) == Some("exposure-igw"))
        .unwrap();
    assert!(igw
        .arn
        .ends_with(&format!(":internet-gateway/{}", igw.internet_gateway_id)));
    assert_eq!(igw.attachments[0].vpc_id, exposure);
    let to_igw = |t: &RouteTable, dest: &str| {
        t.routes.iter().any(|r| {
            (r.destination_cidr_block.as_deref() == Some(dest)
                || r.destination_ipv6_cidr_block.as_deref() == Some(dest))
                && r.gateway_id.as_deref() == Some(igw.internet_gateway_id.as_str())
        })
    };
    // The VPC's main table routes to the IGW; the no-route subnet's
    // explicit table ("private") does not (NAT and egress-only instead).
    let main = tables
        .iter()
        .find(|t| t.vpc_id.as_deref() == Some(&*exposure) && t.associations.iter().any(|a| a.main))
        .expect("main table");
    assert!(to_igw(main, "0.0.0.0/0"));
    let public = table_of(us, "public");
    assert!(to_igw(public, "0.0.0.0/0") && to_igw(public, "::/0"));
    assert!(public
        .arn
        .ends_with(&format!(":route-table/{}", public.route_table_id)));
    let private = table_of(us, "private");
    let no_route = named(us, "no-route").subnet_id.clone().unwrap();
    assert!(private.associations.iter().any(|a| !a.main
        && a.subnet_id.as_deref() == Some(&*no_route)
        && a.state.as_deref() == Some("associated")));
    assert!(!to_igw(private, "0.0.0.0/0"));
    let nat = us.ec2.nat_gateways.as_deref().expect("NATs read");
    assert_eq!(nat.len(), 1);
    let eigw = us.ec2.egress_only_internet_gateways.as_deref().unwrap();
    assert_eq!(eigw.len(), 1);
    assert!(private
        .routes
        .iter()
        .any(|r| r.nat_gateway_id.as_deref() == Some(&*nat[0].nat_gateway_id)));
    assert!(private
        .routes
        .iter()
        .any(|r| r.egress_only_internet_gateway_id.as_deref()
            == Some(&*eigw[0].egress_only_internet_gateway_id)));
    // The NAT gateway's address is not an instance's (moto: empty InstanceId).
    let nat_eip = us
        .ec2
        .elastic_ips
        .as_deref()
        .unwrap()
        .iter()
        .find(|e| nat[0].public_ips.contains(&e.public_ip))
        .expect("NAT EIP");
    assert_eq!(nat_eip.instance_id, None);
    // The default NACL admits IPv6 as AWS's does (rule 101, seeded).
    let default_acl = us
        .ec2
        .network_acls
        .iter()
        .find(|a| a.is_default && a.vpc_id.as_deref() == Some(&*exposure))
        .unwrap();
    assert!(default_acl.entries.iter().any(|e| e.rule_number == 101
        && e.ipv6_cidr_block.as_deref() == Some("::/0")
        && e.rule_action == "allow"));
    let v6 = table_of(us, "ipv6");
    assert!(to_igw(v6, "::/0") && !to_igw(v6, "0.0.0.0/0"));
    // Peering: both sides' CIDRs, the too-wide and the exact routes.
    let pcx = us
        .ec2
        .vpc_peering_connections
        .as_deref()
        .expect("peerings read");
    assert_eq!(pcx.len(), 1);
    let pcx = &pcx[0];
    assert_eq!(pcx.status.as_deref(), Some("active"));
    assert_eq!(pcx.requester.cidr_blocks, ["10.40.0.0/16"]);
    assert_eq!(pcx.accepter.cidr_blocks, ["10.41.0.0/16"]);
    assert_eq!(pcx.accepter.vpc_id, Some(vpc_id(us, "peer-b")));
    assert_eq!(
        (
            pcx.accepter.region.as_deref(),
            pcx.accepter.owner_id.as_deref()
        ),
        (Some("us-east-1"), Some(ACCOUNT))
    );
    assert!(pcx.arn.ends_with(&format!(
        ":vpc-peering-connection/{}",
        pcx.vpc_peering_connection_id
    )));
    let via = |t: &RouteTable, dest: &str| {
        t.routes.iter().any(|r| {
            r.destination_cidr_block.as_deref() == Some(dest)
                && r.vpc_peering_connection_id.as_deref() == Some(&*pcx.vpc_peering_connection_id)
        })
    };
    assert!(via(table_of(us, "peer-b-wide"), "0.0.0.0/0"));
    let exact = table_of(us, "peer-b-exact");
    assert!(via(exact, "10.40.0.0/16") && exact.associations.is_empty());
    let endpoints = us.ec2.vpc_endpoints.as_deref().expect("endpoints read");
    assert_eq!(
        endpoints[0].route_table_ids,
        [private.route_table_id.as_str()]
    );
    assert!(private
        .routes
        .iter()
        .any(|r| r.destination_prefix_list_id.is_some()
            && r.gateway_id.as_deref() == Some(&*endpoints[0].vpc_endpoint_id)));
    let tgw = us
        .ec2
        .transit_gateway_attachments
        .as_deref()
        .expect("TGW attachments read");
    assert_eq!(tgw.len(), 1);
    assert_eq!(
        (tgw[0].resource_type.as_deref(), tgw[0].resource_id.clone()),
        (Some("vpc"), Some(vpc_id(us, "peer-a")))
    );
}

fn load_balancers(us: &RegionData) {
    let lb = |name: &str| {
        us.elb
            .load_balancers
            .iter()
            .find(|l| l.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let tg = |name: &str| {
        us.elb
            .target_groups
            .iter()
            .find(|g| g.name == name)
            .unwrap()
    };
    let (web_tg, api_tg) = (tg("web-tg"), tg("api-tg"));
    let web = lb("web-alb");
    assert_eq!(
        (web.lb_type.as_deref(), web.scheme.as_deref()),
        (Some("application"), Some("internet-facing"))
    );
    assert_eq!(web.subnet_ids.len(), 2);
    assert_eq!(web.security_groups.len(), 1);
    assert_eq!(web.tags.get("Name").map(String::as_str), Some("web-alb"));
    assert!(web.unread.is_empty(), "{:?}", web.unread);
    assert_eq!(web.web_acl_arn, None, "no web ACL: a fact");
    assert_eq!(web.listeners.len(), 1);
    let l = &web.listeners[0];
    assert_eq!((l.port, l.protocol.as_deref()), (Some(80), Some("HTTP")));
    assert_eq!(l.default_action_types, ["forward"]);
    // The default action's group, then the rule's weighted forward's other.
    assert_eq!(
        l.target_group_arns,
        [web_tg.arn.clone(), api_tg.arn.clone()]
    );
    let waf = lb("waf-alb");
    assert!(waf
        .web_acl_arn
        .as_deref()
        .unwrap()
        .contains("/webacl/no-rules/"));
    assert_eq!(waf.listeners[0].default_action_types, ["fixed-response"]);
    assert!(waf.listeners[0].target_group_arns.is_empty());
    assert_eq!(lb("internal-alb").scheme.as_deref(), Some("internal"));
    // Targets: behind-lb in web-tg (moto lists web-alb twice: kept once).
    let behind = named(us, "behind-lb");
    assert_eq!(web_tg.targets.len(), 1);
    assert_eq!(web_tg.targets[0].id, behind.instance_id);
    assert_eq!(web_tg.targets[0].port, Some(80));
    assert_eq!(web_tg.load_balancer_arns, [web.arn.as_str()]);
    assert!(api_tg.targets.is_empty() && api_tg.unread.is_empty());
    assert_eq!(web_tg.target_type.as_deref(), Some("instance"));
    // Classic.
    let classic = &us.elb.classic_load_balancers;
    assert_eq!(classic.len(), 1);
    let c = &classic[0];
    assert_eq!(
        c.arn,
        format!("arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/classic-web")
    );
    assert_eq!(c.scheme.as_deref(), Some("internet-facing"));
    assert_eq!(c.instance_ids, [named(us, "exposed").instance_id.clone()]);
    assert_eq!(
        (
            c.listeners[0].load_balancer_port,
            c.listeners[0].instance_port
        ),
        (80, 80)
    );
    assert_eq!(c.tags.get("team").map(String::as_str), Some("web"));
    assert_eq!(c.vpc_id, Some(vpc_id(us, "exposure")));
}

fn auto_scaling(us: &RegionData) {
    let group = |name: &str| {
        us.autoscaling
            .groups
            .iter()
            .find(|g| g.name == name)
            .unwrap()
    };
    let single = group("asg-single-az");
    assert_eq!(single.availability_zones, ["us-east-1a"]);
    assert_eq!(single.subnet_ids.len(), 1);
    assert_eq!(single.health_check_type.as_deref(), Some("EC2"));
    let lt = single.launch_template.as_ref().unwrap();
    assert_eq!(
        (lt.launch_template_name.as_deref(), lt.version.as_deref()),
        (Some("exposure-lt-public"), Some("$Default"))
    );
    assert_eq!(single.tags.get("team").map(String::as_str), Some("web"));
    let ok = group("asg-compliant");
    assert_eq!(ok.subnet_ids.len(), 2);
    assert_eq!(ok.health_check_type.as_deref(), Some("ELB"));
    assert_eq!(ok.target_group_arns.len(), 1);
    assert_eq!(
        ok.launch_template.as_ref().unwrap().version.as_deref(),
        Some("$Latest")
    );
    let legacy = group("asg-legacy");
    assert_eq!(
        legacy.launch_configuration_name.as_deref(),
        Some("exposure-lc-public")
    );
    let lc = &us.autoscaling.launch_configurations[0];
    assert_eq!(
        (lc.name.as_str(), lc.associate_public_ip_address),
        ("exposure-lc-public", Some(true))
    );
    assert_eq!(
        lc.metadata_options
            .as_ref()
            .and_then(|m| m.http_tokens.as_deref()),
        Some("required")
    );
    // Launch templates: $Default and $Latest, each once.
    let templates = us.ec2.launch_templates.as_deref().expect("templates read");
    let public = templates
        .iter()
        .find(|t| t.name.as_deref() == Some("exposure-lt-public"))
        .unwrap();
    assert_eq!(
        (public.default_version, public.latest_version),
        (Some(1), Some(2))
    );
    let versions = public.versions.as_deref().expect("versions read");
    assert_eq!(
        versions
            .iter()
            .map(|v| v.version_number)
            .collect::<Vec<_>>(),
        [1, 2]
    );
    let v1 = &versions[0];
    assert!(v1.default_version);
    assert_eq!(
        v1.network_interfaces[0].associate_public_ip_address,
        Some(true)
    );
    assert_eq!(
        v1.metadata_options.as_ref().unwrap().http_tokens.as_deref(),
        Some("optional")
    );
    assert_eq!(versions[1].instance_type.as_deref(), Some("t3.small"));
    assert_eq!(
        versions[1]
            .metadata_options
            .as_ref()
            .unwrap()
            .http_tokens
            .as_deref(),
        Some("required")
    );
    let private = templates
        .iter()
        .find(|t| t.name.as_deref() == Some("exposure-lt-private"))
        .unwrap();
    let pv = private.versions.as_deref().unwrap();
    assert_eq!(pv.len(), 1, "$Default = $Latest: read once");
    assert_eq!(
        pv[0].iam_instance_profile.as_deref(),
        Some("exposure-app-profile")
    );
    assert!(pv[0].network_interfaces.is_empty() && pv[0].security_group_ids.len() == 1);
}

#[test]
fn a_denied_waf_leaves_the_web_acl_unknown_never_absent() {
    let proxy = Proxy::start(
        &moto().url,
        Faults {
            deny_service: Some("wafv2".into()),
            ..Faults::default()
        },
    );
    let snap = collect(&proxy.url);
    let us = region(&snap, "us-east-1");
    for lb in &us.elb.load_balancers {
        assert_eq!(lb.web_acl_arn, None);
        assert_eq!(lb.unread, ["GetWebACLForResource"], "{}", lb.name);
        // Everything else of the load balancer was read.
        assert_eq!(lb.listeners.len(), 1, "{}", lb.name);
    }
    assert_eq!(
        coverage(&snap, "wafv2", "us-east-1", "GetWebACLForResource"),
        Some(CoverageStatus::Failed)
    );
    assert_eq!(
        coverage(
            &snap,
            "elasticloadbalancing",
            "us-east-1",
            "DescribeListeners"
        ),
        Some(CoverageStatus::Ok)
    );
}
