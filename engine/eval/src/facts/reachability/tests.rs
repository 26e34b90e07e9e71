//! Unit tests of the reachability facts: one reachable region and each hop
//! removed in turn, unknowns, load balancers, and a seeded property test.

use palisade_model::ec2::{
    Ec2, ManagedPrefixList, NetworkAcl, NetworkAclEntry, NetworkInterface, PortRange,
    SecurityGroup, SecurityGroupRule, Subnet,
};
use palisade_model::elb::{Elb, Listener, LoadBalancer, Target, TargetGroup};
use palisade_model::routing::{
    GatewayAttachment, InternetGateway, Route, RouteTable, RouteTableAssociation,
};
use palisade_model::RegionData;

use super::RegionReach;
use crate::result::Reachability::{self, *};

fn route(dest: &str, target: &str) -> Route {
    let mut r = Route {
        state: Some("active".into()),
        ..Route::default()
    };
    if dest.contains(':') {
        r.destination_ipv6_cidr_block = Some(dest.into());
    } else if dest.starts_with("pl-") {
        r.destination_prefix_list_id = Some(dest.into());
    } else {
        r.destination_cidr_block = Some(dest.into());
    }
    match target.split('-').next() {
        Some("nat") => r.nat_gateway_id = Some(target.into()),
        Some("pcx") => r.vpc_peering_connection_id = Some(target.into()),
        Some("eigw") => r.egress_only_internet_gateway_id = Some(target.into()),
        _ => r.gateway_id = Some(target.into()),
    }
    r
}

fn acl_entry(
    n: i64,
    egress: bool,
    action: &str,
    cidr: &str,
    ports: Option<(i64, i64)>,
) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: n,
        protocol: if ports.is_some() {
            "6".into()
        } else {
            "-1".into()
        },
        rule_action: action.into(),
        egress,
        cidr_block: (!cidr.contains(':')).then(|| cidr.into()),
        ipv6_cidr_block: cidr.contains(':').then(|| cidr.into()),
        port_range: ports.map(|(from, to)| PortRange { from, to }),
    }
}

fn sg_rule(id: &str, group: &str, from: i64, to: i64, cidr: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        arn: format!("arn:sgr/{id}"),
        rule_id: id.into(),
        group_id: group.into(),
        ip_protocol: "tcp".into(),
        from_port: Some(from),
        to_port: Some(to),
        cidr_ipv4: (!cidr.contains(':')).then(|| cidr.into()),
        cidr_ipv6: cidr.contains(':').then(|| cidr.into()),
        ..SecurityGroupRule::default()
    }
}

/// One VPC, one public subnet with an instance ENI: reachable on 22.
pub(super) fn region() -> RegionData {
    let mut ec2 = Ec2 {
        subnets: vec![Subnet {
            arn: "arn:subnet/subnet-1".into(),
            subnet_id: "subnet-1".into(),
            vpc_id: Some("vpc-1".into()),
            cidr_block: Some("10.0.1.0/24".into()),
            ..Subnet::default()
        }],
        security_groups: vec![SecurityGroup {
            arn: "arn:sg/sg-1".into(),
            group_id: "sg-1".into(),
            group_name: "web".into(),
            ..SecurityGroup::default()
        }],
        security_group_rules: vec![sg_rule("sgr-22", "sg-1", 22, 22, "0.0.0.0/0")],
        network_acls: vec![NetworkAcl {
            arn: "arn:acl/acl-1".into(),
            network_acl_id: "acl-1".into(),
            vpc_id: Some("vpc-1".into()),
            is_default: true,
            entries: vec![
                acl_entry(100, false, "allow", "0.0.0.0/0", None),
                acl_entry(100, true, "allow", "0.0.0.0/0", None),
                acl_entry(32767, false, "deny", "0.0.0.0/0", None),
                acl_entry(32767, true, "deny", "0.0.0.0/0", None),
            ],
            ..NetworkAcl::default()
        }],
        network_interfaces: vec![NetworkInterface {
            arn: "arn:eni/eni-1".into(),
            network_interface_id: "eni-1".into(),
            subnet_id: Some("subnet-1".into()),
            vpc_id: Some("vpc-1".into()),
            groups: vec!["sg-1".into()],
            public_ip: Some("198.51.100.7".into()),
            private_ip: Some("10.0.1.10".into()),
            attached_instance_id: Some("i-1".into()),
            ..NetworkInterface::default()
        }],
        internet_gateways: Some(vec![InternetGateway {
            arn: "arn:igw/igw-1".into(),
            internet_gateway_id: "igw-1".into(),
            attachments: vec![GatewayAttachment {
                vpc_id: "vpc-1".into(),
                state: Some("available".into()),
            }],
            ..InternetGateway::default()
        }]),
        route_tables: Some(vec![RouteTable {
            arn: "arn:rtb/rtb-1".into(),
            route_table_id: "rtb-1".into(),
            vpc_id: Some("vpc-1".into()),
            associations: vec![RouteTableAssociation {
                main: true,
                ..RouteTableAssociation::default()
            }],
            routes: vec![route("10.0.0.0/16", "local"), route("0.0.0.0/0", "igw-1")],
            ..RouteTable::default()
        }]),
        elastic_ips: Some(vec![]),
        ..Ec2::default()
    };
    ec2.vpcs = vec![];
    RegionData {
        region: "us-east-1".into(),
        ec2,
        ..RegionData::default()
    }
}

fn verdict_on(d: &RegionData, port: i64) -> (Reachability, String) {
    let r = RegionReach::new(d, None, &[port]);
    let reach = r.eni(&d.ec2.network_interfaces[0]);
    let v = &reach.ports[0].1;
    (v.verdict, v.reason.clone())
}

fn rt(d: &mut RegionData) -> &mut RouteTable {
    &mut d.ec2.route_tables.as_mut().expect("tables")[0]
}

#[test]
fn reachable_with_the_whole_path() {
    let d = region();
    let r = RegionReach::new(&d, None, &[22, 80]);
    let reach = r.eni(&d.ec2.network_interfaces[0]);
    assert_eq!(
        reach.ports[0].1.verdict, Reachable,
        "{:?}",
        reach.ports[0].1
    );
    assert_eq!(reach.ports[1].1.verdict, NotReachable);
    assert_eq!(reach.any.verdict, Reachable);
    let kinds: Vec<&str> = reach.any.path.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "internet",
            "internet_gateway",
            "route_table",
            "network_acl_entry",
            "network_acl_entry",
            "security_group_rule",
            "network_interface"
        ]
    );
    assert_eq!(
        reach.ports[0].1.path.len(),
        kinds.len() - 1,
        "shared paths stop before the interface"
    );
    assert_eq!(
        reach.ports[0].1.path.len(),
        kinds.len() - 1,
        "shared paths stop before the interface"
    );
    assert_eq!(reach.ports[0].1.path[0].id, "0.0.0.0/0");
    assert_eq!(reach.ports[0].1.path[1].id, "arn:igw/igw-1");
    assert!(reach.ports[0].1.path[2]
        .label
        .contains("route 0.0.0.0/0 -> igw-1"));
}

#[test]
fn each_missing_hop_is_named() {
    let mut d = region();
    d.ec2.network_interfaces[0].public_ip = None;
    assert_eq!(
        verdict_on(&d, 22),
        (NotReachable, "no public address".into())
    );

    let mut d = region();
    rt(&mut d).routes.pop();
    assert_eq!(
        verdict_on(&d, 22),
        (
            NotReachable,
            "no route to an internet gateway in rtb-1".into()
        )
    );

    let mut d = region();
    rt(&mut d).routes[1].state = Some("blackhole".into());
    assert_eq!(verdict_on(&d, 22).0, NotReachable);

    let mut d = region();
    rt(&mut d).routes[1] = route("0.0.0.0/0", "nat-1");
    assert_eq!(verdict_on(&d, 22).0, NotReachable);

    let mut d = region();
    rt(&mut d).routes[1] = route("0.0.0.0/0", "pcx-1");
    assert_eq!(verdict_on(&d, 22).0, NotReachable);

    let mut d = region();
    d.ec2.network_acls[0]
        .entries
        .push(acl_entry(90, false, "deny", "0.0.0.0/0", Some((22, 22))));
    assert_eq!(
        verdict_on(&d, 22),
        (NotReachable, "NACL acl-1 rule 90 denies tcp 22".into())
    );

    let mut d = region();
    d.ec2.network_acls[0].entries[1] = acl_entry(100, true, "allow", "0.0.0.0/0", Some((443, 443)));
    let (v, why) = verdict_on(&d, 22);
    assert_eq!(v, NotReachable);
    assert!(why.contains("return traffic"), "{why}");

    let mut d = region();
    d.ec2.security_group_rules[0] = sg_rule("sgr-22", "sg-1", 22, 22, "203.0.113.0/24");
    let (v, why) = verdict_on(&d, 22);
    assert_eq!(v, NotReachable, "an allow-list is not the internet");
    assert!(why.contains("narrow"), "{why}");

    let mut d = region();
    d.ec2.security_group_rules[0] = sg_rule("sgr-22", "sg-1", 22, 22, "10.0.0.0/8");
    assert_eq!(verdict_on(&d, 22).0, NotReachable);
}

#[test]
fn longest_prefix_decides() {
    // A more specific route to a NAT gateway takes half of the internet;
    // the rest still reaches the IGW.
    let mut d = region();
    rt(&mut d).routes.push(route("0.0.0.0/1", "nat-1"));
    assert_eq!(verdict_on(&d, 22).0, Reachable);
    // A detached gateway carries nothing.
    let mut d = region();
    d.ec2.internet_gateways.as_mut().expect("igws")[0]
        .attachments
        .clear();
    assert_eq!(verdict_on(&d, 22).0, NotReachable);
}

#[test]
fn ipv6_only_interfaces_reach_through_an_ipv6_route() {
    let mut d = region();
    d.ec2.network_interfaces[0].public_ip = None;
    d.ec2.network_interfaces[0].ipv6_addresses = vec!["2600:1f18::10".into()];
    assert_eq!(
        verdict_on(&d, 22).0,
        NotReachable,
        "no ::/0 route, no v6 SG rule"
    );
    rt(&mut d).routes.push(route("::/0", "igw-1"));
    d.ec2.network_acls[0]
        .entries
        .push(acl_entry(101, false, "allow", "::/0", None));
    d.ec2.network_acls[0]
        .entries
        .push(acl_entry(101, true, "allow", "::/0", None));
    d.ec2
        .security_group_rules
        .push(sg_rule("sgr-v6", "sg-1", 22, 22, "::/0"));
    assert_eq!(verdict_on(&d, 22).0, Reachable);
    // An egress-only gateway admits nothing inbound.
    rt(&mut d).routes.pop();
    rt(&mut d).routes.push(route("::/0", "eigw-1"));
    assert_eq!(verdict_on(&d, 22).0, NotReachable);
}

#[test]
fn missing_data_is_unknown_never_not_reachable() {
    let mut d = region();
    d.ec2.route_tables = None;
    assert_eq!(verdict_on(&d, 22).0, Unknown);
    let mut d = region();
    d.ec2.internet_gateways = None;
    assert_eq!(verdict_on(&d, 22).0, Unknown);
    let mut d = region();
    d.ec2.network_acls.clear();
    assert_eq!(verdict_on(&d, 22).0, Unknown);
    let mut d = region();
    d.ec2.subnets.clear();
    assert_eq!(verdict_on(&d, 22).0, Unknown);
    let mut d = region();
    let mut r = sg_rule("sgr-pl", "sg-1", 22, 22, "");
    r.cidr_ipv4 = None;
    r.prefix_list_id = Some("pl-1".into());
    d.ec2.security_group_rules = vec![r];
    let (v, why) = verdict_on(&d, 22);
    assert_eq!(v, Unknown);
    assert!(why.contains("pl-1"), "{why}");
    d.ec2.managed_prefix_lists = vec![ManagedPrefixList {
        prefix_list_id: "pl-1".into(),
        entries: Some(vec![palisade_model::ec2::PrefixListEntry {
            cidr: "0.0.0.0/0".into(),
            description: None,
        }]),
        error: None,
    }];
    assert_eq!(verdict_on(&d, 22).0, Reachable);
    // A load balancer read gap leaves a not-reachable interface unknown.
    let mut d = region();
    d.ec2.network_interfaces[0].public_ip = None;
    let r = RegionReach::new(&d, Some("DescribeLoadBalancers failed".into()), &[22]);
    assert_eq!(
        r.eni(&d.ec2.network_interfaces[0]).ports[0].1.verdict,
        Unknown
    );
}

#[test]
fn sg_rules_and_nacl_entries_are_judged_end_to_end() {
    let mut d = region();
    d.ec2
        .security_group_rules
        .push(sg_rule("sgr-80", "sg-1", 80, 80, "0.0.0.0/0"));
    d.ec2.network_acls[0]
        .entries
        .push(acl_entry(90, false, "deny", "0.0.0.0/0", Some((80, 80))));
    let r = RegionReach::new(&d, None, &[22]);
    let v22 = r
        .sg_rule(&d.ec2.security_group_rules[0])
        .expect("internet rule");
    let v80 = r
        .sg_rule(&d.ec2.security_group_rules[1])
        .expect("internet rule");
    assert_eq!(v22.verdict, Reachable);
    assert_eq!(v80.verdict, NotReachable);
    assert!(
        v80.reason.contains("rule 90 denies tcp 80"),
        "{}",
        v80.reason
    );
    let acl = &d.ec2.network_acls[0];
    let allow = acl
        .entries
        .iter()
        .find(|e| e.rule_number == 100 && !e.egress)
        .expect("entry");
    assert_eq!(r.nacl_entry(acl, allow).expect("allow").verdict, Reachable);
    let deny = acl
        .entries
        .iter()
        .find(|e| e.rule_number == 90)
        .expect("entry");
    assert!(r.nacl_entry(acl, deny).is_none());
    // A group no interface uses.
    let mut d = region();
    d.ec2.network_interfaces.clear();
    let r = RegionReach::new(&d, None, &[22]);
    let v = r
        .sg_rule(&d.ec2.security_group_rules[0])
        .expect("internet rule");
    assert_eq!(
        (v.verdict, v.reason.as_str()),
        (
            NotReachable,
            "no network interface uses security group sg-1"
        )
    );
}

fn behind_lb() -> RegionData {
    let mut d = region();
    d.ec2.network_interfaces[0].public_ip = None;
    d.ec2.security_groups.push(SecurityGroup {
        arn: "arn:sg/sg-lb".into(),
        group_id: "sg-lb".into(),
        group_name: "lb".into(),
        ..SecurityGroup::default()
    });
    d.ec2.security_group_rules = vec![sg_rule("sgr-443", "sg-lb", 443, 443, "0.0.0.0/0"), {
        let mut r = sg_rule("sgr-from-lb", "sg-1", 8080, 8080, "");
        r.cidr_ipv4 = None;
        r.referenced_group_id = Some("sg-lb".into());
        r
    }];
    d.elb = Elb {
        load_balancers: vec![LoadBalancer {
            arn: "arn:lb/app".into(),
            name: "app".into(),
            lb_type: Some("application".into()),
            scheme: Some("internet-facing".into()),
            subnet_ids: vec!["subnet-1".into()],
            security_groups: vec!["sg-lb".into()],
            listeners: vec![Listener {
                arn: "arn:listener/1".into(),
                port: Some(443),
                protocol: Some("HTTPS".into()),
                target_group_arns: vec!["arn:tg/web".into()],
                ..Listener::default()
            }],
            ..LoadBalancer::default()
        }],
        target_groups: vec![TargetGroup {
            arn: "arn:tg/web".into(),
            name: "web".into(),
            target_type: Some("instance".into()),
            port: Some(8080),
            targets: vec![Target {
                id: "i-1".into(),
                ..Target::default()
            }],
            ..TargetGroup::default()
        }],
        classic_load_balancers: vec![],
    };
    d
}

#[test]
fn reachable_through_a_load_balancer() {
    let d = behind_lb();
    let r = RegionReach::new(&d, None, &[8080, 22]);
    let reach = r.eni(&d.ec2.network_interfaces[0]);
    let v = &reach.ports[0].1;
    assert_eq!(v.verdict, Reachable, "{v:?}");
    assert!(v.via_load_balancer);
    let kinds: Vec<&str> = v.path.iter().map(|h| h.kind.as_str()).collect();
    assert!(
        kinds.contains(&"load_balancer") && kinds.contains(&"target_group"),
        "{kinds:?}"
    );
    assert_eq!(reach.ports[1].1.verdict, NotReachable);
    assert_eq!(reach.any.verdict, Reachable);
    // An internal load balancer is not a way in.
    let mut d = behind_lb();
    d.elb.load_balancers[0].scheme = Some("internal".into());
    let r = RegionReach::new(&d, None, &[8080]);
    assert_eq!(
        r.eni(&d.ec2.network_interfaces[0]).ports[0].1.verdict,
        NotReachable
    );
    // The target's group does not admit the load balancer.
    let mut d = behind_lb();
    d.ec2.security_group_rules.pop();
    let r = RegionReach::new(&d, None, &[8080]);
    assert_eq!(
        r.eni(&d.ec2.network_interfaces[0]).ports[0].1.verdict,
        NotReachable
    );
}

/// A tiny deterministic generator (xorshift), so the property test needs
/// no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[usize::try_from(self.next() % v.len() as u64).unwrap_or(0)]
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
}

/// A random small region around the reachable one.
fn random_region(rng: &mut Rng) -> RegionData {
    let mut d = region();
    let cidrs = [
        "0.0.0.0/0",
        "0.0.0.0/1",
        "52.0.0.0/8",
        "10.0.0.0/8",
        "203.0.113.0/24",
    ];
    let targets = ["igw-1", "nat-1", "pcx-1", "local"];
    let table = rt(&mut d);
    if rng.chance(30) {
        table.routes.clear();
    }
    for _ in 0..(rng.next() % 3) {
        table
            .routes
            .push(route(rng.pick(&cidrs), rng.pick(&targets)));
    }
    let acl = &mut d.ec2.network_acls[0];
    if rng.chance(30) {
        acl.entries.retain(|e| e.rule_number == 32767);
    }
    for _ in 0..(rng.next() % 4) {
        let ports = [None, Some((22, 22)), Some((1024, 65_535)), Some((0, 1000))];
        acl.entries.push(acl_entry(
            i64::try_from(rng.next() % 200).unwrap_or(0) + 1,
            rng.chance(50),
            if rng.chance(60) { "allow" } else { "deny" },
            rng.pick(&cidrs),
            rng.pick(&ports),
        ));
    }
    if rng.chance(30) {
        d.ec2.security_group_rules.clear();
    }
    for i in 0..(rng.next() % 3) {
        let from = rng.pick(&[22, 0, 80]);
        d.ec2.security_group_rules.push(sg_rule(
            &format!("sgr-{i}"),
            "sg-1",
            from,
            from + 100,
            rng.pick(&cidrs),
        ));
    }
    if rng.chance(20) {
        d.ec2.network_interfaces[0].public_ip = None;
    }
    d
}

#[test]
fn property_removing_a_hop_breaks_a_path_and_adding_allows_keeps_it() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut reachable = 0;
    for _ in 0..400 {
        let d = random_region(&mut rng);
        let (v, _) = verdict_on(&d, 22);
        // Removing data never turns a verdict into "not reachable".
        let mut gone = d.clone();
        gone.ec2.internet_gateways = None;
        let (g, _) = verdict_on(&gone, 22);
        assert!(g != NotReachable || v == NotReachable, "{d:?}");
        if v != Reachable {
            continue;
        }
        reachable += 1;
        // Removing any hop breaks the path.
        let mut no_ip = d.clone();
        no_ip.ec2.network_interfaces[0].public_ip = None;
        assert_eq!(verdict_on(&no_ip, 22).0, NotReachable);
        let mut no_route = d.clone();
        rt(&mut no_route)
            .routes
            .retain(|r| r.gateway_id.as_deref() != Some("igw-1"));
        assert_eq!(verdict_on(&no_route, 22).0, NotReachable);
        let mut no_acl_allow = d.clone();
        no_acl_allow.ec2.network_acls[0]
            .entries
            .retain(|e| e.egress || e.rule_action != "allow");
        assert_eq!(verdict_on(&no_acl_allow, 22).0, NotReachable);
        let mut no_return = d.clone();
        no_return.ec2.network_acls[0]
            .entries
            .retain(|e| !e.egress || e.rule_action != "allow");
        assert_eq!(verdict_on(&no_return, 22).0, NotReachable);
        let mut no_sg = d.clone();
        no_sg.ec2.security_group_rules.clear();
        assert_eq!(verdict_on(&no_sg, 22).0, NotReachable);
        // Adding allows never breaks it.
        let mut more = d.clone();
        more.ec2.security_group_rules.push(sg_rule(
            "sgr-x",
            "sg-1",
            22,
            22,
            rng.pick(&["10.0.0.0/8", "0.0.0.0/0"]),
        ));
        more.ec2.network_acls[0].entries.push(acl_entry(
            1,
            rng.chance(50),
            "allow",
            rng.pick(&["0.0.0.0/0", "52.0.0.0/8"]),
            None,
        ));
        rt(&mut more)
            .routes
            .push(route(rng.pick(&["52.0.0.0/8", "0.0.0.0/0"]), "igw-1"));
        assert_eq!(verdict_on(&more, 22).0, Reachable, "{more:?}");
    }
    assert!(
        reachable > 20,
        "the generator reaches often enough: {reachable}"
    );
}
