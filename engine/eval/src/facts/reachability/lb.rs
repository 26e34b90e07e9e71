//! Paths through internet-facing load balancers (v2 application/network,
//! classic): the load balancer's subnets route to an internet gateway, its
//! subnets' NACLs and security groups (none on a network load balancer
//! without groups: all admitted) admit the listener port, the listener
//! forwards to a target group (listener rule conditions are ignored: any
//! forward counts), and the target's security group and NACL admit the load
//! balancer (or, when the client address is preserved, the internet).

use std::collections::HashMap;

use palisade_model::ec2::NetworkInterface;
use palisade_model::RegionData;

use super::hops::{Bound, Proto};
use super::{EniKey, RegionReach, Verdict};
use crate::facts::addrset::AddrSet;
use crate::result::{PathHop, Reachability};

/// One way into an interface through a load balancer.
#[derive(Debug, Clone)]
pub(super) struct LbTarget {
    /// Target port on the interface.
    port: i64,
    /// Protocol of the target side.
    proto: Proto,
    /// Internet sources that reach the load balancer on the listener.
    front: Bound,
    /// Hops from the internet to the target group.
    hops: Vec<PathHop>,
    /// The load balancer's security groups (empty: none).
    lb_groups: Vec<String>,
    /// The addresses of the load balancer's subnets.
    lb_subnets: AddrSet,
    /// The client address is preserved (network load balancer with
    /// instance targets or without security groups): the target must admit
    /// the internet itself.
    preserve_client: bool,
}

/// The load balancer paths of a region, by interface id.
#[derive(Debug, Default)]
pub(super) struct LbIndex<'d> {
    targets: HashMap<&'d str, Vec<LbTarget>>,
    unknown: Option<String>,
}

fn hop(kind: &str, id: &str, label: String) -> PathHop {
    PathHop {
        kind: kind.into(),
        id: id.into(),
        label,
    }
}

/// Listener protocol -> target-side protocols.
fn protos(listener: Option<&str>) -> Vec<Proto> {
    match listener.unwrap_or("TCP").to_ascii_uppercase().as_str() {
        "UDP" => vec![Proto::Udp],
        "TCP_UDP" => vec![Proto::Tcp, Proto::Udp],
        "GENEVE" => vec![],
        _ => vec![Proto::Tcp],
    }
}

/// The interfaces targets resolve to.
struct Enis<'d> {
    by_instance: HashMap<&'d str, &'d NetworkInterface>,
    primary: HashMap<&'d str, &'d str>,
    by_ip: HashMap<&'d str, &'d NetworkInterface>,
}

impl<'d> Enis<'d> {
    /// An instance's primary interface.
    fn of_instance(&self, id: &str) -> Option<&'d str> {
        self.primary.get(id).copied().or_else(|| {
            self.by_instance
                .get(id)
                .map(|e| e.network_interface_id.as_str())
        })
    }
}

/// A load balancer's shape for the front check.
struct Front<'a> {
    arn: &'a str,
    name: &'a str,
    subnets: &'a [String],
    groups: &'a [String],
    dualstack: bool,
    network_without_groups: bool,
}

impl<'d> LbIndex<'d> {
    /// Indexes the internet-facing load balancers' targets of a region.
    pub(super) fn of(r: &RegionReach<'d>, d: &'d RegionData, gap: Option<String>) -> Self {
        let mut idx = Self {
            unknown: gap,
            ..Self::default()
        };
        if r.routing_unknown.is_some() {
            return idx;
        }
        let by_instance: HashMap<&str, &NetworkInterface> = d
            .ec2
            .network_interfaces
            .iter()
            .rev()
            .filter_map(|e| Some((e.attached_instance_id.as_deref()?, e)))
            .collect();
        let primary: HashMap<&str, &str> = d
            .ec2
            .instances
            .iter()
            .flatten()
            .filter_map(|i| {
                Some((
                    i.instance_id.as_str(),
                    i.network_interface_ids.first()?.as_str(),
                ))
            })
            .collect();
        let by_ip: HashMap<&str, &NetworkInterface> = d
            .ec2
            .network_interfaces
            .iter()
            .filter_map(|e| Some((e.private_ip.as_deref()?, e)))
            .collect();
        let enis = Enis {
            by_instance,
            primary,
            by_ip,
        };
        idx.add_v2(r, d, &enis);
        idx.add_classic(r, d, &enis);
        idx
    }

    /// The v2 load balancers' paths.
    fn add_v2(&mut self, r: &RegionReach<'d>, d: &'d RegionData, enis: &Enis<'d>) {
        let idx = self;
        let groups: HashMap<&str, _> = d
            .elb
            .target_groups
            .iter()
            .map(|t| (t.arn.as_str(), t))
            .collect();
        for lb in &d.elb.load_balancers {
            if lb.scheme.as_deref() != Some("internet-facing") {
                continue;
            }
            if !lb.unread.is_empty() {
                idx.unknown.get_or_insert(format!(
                    "load balancer {} could not be read completely ({})",
                    lb.name,
                    lb.unread.join(", ")
                ));
            }
            let network = lb.lb_type.as_deref() == Some("network");
            let front = Front {
                arn: &lb.arn,
                name: &lb.name,
                subnets: &lb.subnet_ids,
                groups: &lb.security_groups,
                dualstack: lb
                    .ip_address_type
                    .as_deref()
                    .is_some_and(|t| t.starts_with("dualstack")),
                network_without_groups: network && lb.security_groups.is_empty(),
            };
            for l in &lb.listeners {
                let Some(lport) = l.port else { continue };
                for tg_arn in &l.target_group_arns {
                    let Some(tg) = groups.get(tg_arn.as_str()) else {
                        idx.unknown
                            .get_or_insert(format!("target group {tg_arn} is not in the snapshot"));
                        continue;
                    };
                    if !tg.unread.is_empty() {
                        idx.unknown
                            .get_or_insert(format!("the targets of {} could not be read", tg.name));
                    }
                    let instance_targets = tg.target_type.as_deref() != Some("ip");
                    for proto in protos(l.protocol.as_deref()) {
                        let (front_set, mut hops) = front_path(r, &front, proto, lport);
                        hops.push(hop(
                            "listener",
                            &l.arn,
                            format!("{} listener {lport}", lb.name),
                        ));
                        hops.push(hop("target_group", &tg.arn, tg.name.clone()));
                        for t in &tg.targets {
                            let eni = if instance_targets {
                                enis.of_instance(&t.id)
                            } else {
                                enis.by_ip
                                    .get(t.id.as_str())
                                    .map(|e| e.network_interface_id.as_str())
                            };
                            let (Some(eni), Some(port)) = (eni, t.port.or(tg.port)) else {
                                continue;
                            };
                            idx.targets.entry(eni).or_default().push(LbTarget {
                                port,
                                proto,
                                front: front_set.clone(),
                                hops: hops.clone(),
                                lb_groups: lb.security_groups.clone(),
                                lb_subnets: subnet_cidrs(r, &lb.subnet_ids),
                                preserve_client: network
                                    && (instance_targets || front.network_without_groups),
                            });
                        }
                    }
                }
            }
        }
    }

    /// The classic load balancers' paths.
    fn add_classic(&mut self, r: &RegionReach<'d>, d: &'d RegionData, enis: &Enis<'d>) {
        let idx = self;
        for clb in &d.elb.classic_load_balancers {
            if clb.scheme.as_deref() != Some("internet-facing") {
                continue;
            }
            let front = Front {
                arn: &clb.arn,
                name: &clb.name,
                subnets: &clb.subnet_ids,
                groups: &clb.security_groups,
                dualstack: false,
                network_without_groups: false,
            };
            for l in &clb.listeners {
                let (front_set, mut hops) = front_path(r, &front, Proto::Tcp, l.load_balancer_port);
                hops.push(hop(
                    "listener",
                    &format!("{}/listener/{}", clb.arn, l.load_balancer_port),
                    format!(
                        "{} listener {} -> {}",
                        clb.name, l.load_balancer_port, l.instance_port
                    ),
                ));
                for i in &clb.instance_ids {
                    let Some(eni) = enis.of_instance(i) else {
                        continue;
                    };
                    idx.targets.entry(eni).or_default().push(LbTarget {
                        port: l.instance_port,
                        proto: Proto::Tcp,
                        front: front_set.clone(),
                        hops: hops.clone(),
                        lb_groups: clb.security_groups.clone(),
                        lb_subnets: subnet_cidrs(r, &clb.subnet_ids),
                        preserve_client: false,
                    });
                }
            }
        }
    }

    /// True when a load balancer forwards to the interface, or the load
    /// balancers are not completely known.
    pub(super) fn involves(&self, eni: &str) -> bool {
        self.unknown.is_some() || self.targets.contains_key(eni)
    }

    /// The best load balancer verdict of an interface on a target port;
    /// `None` when no load balancer forwards there and the load balancers
    /// were read.
    pub(super) fn verdict(
        &self,
        r: &RegionReach<'d>,
        eni: &NetworkInterface,
        key: &EniKey<'d>,
        port: i64,
    ) -> Option<Verdict> {
        self.best(r, eni, key, Some(port))
    }

    /// The best load balancer verdict of an interface on any target port.
    pub(super) fn any_verdict(
        &self,
        r: &RegionReach<'d>,
        eni: &NetworkInterface,
        key: &EniKey<'d>,
    ) -> Option<Verdict> {
        self.best(r, eni, key, None)
    }

    fn best(
        &self,
        r: &RegionReach<'d>,
        eni: &NetworkInterface,
        key: &EniKey<'d>,
        port: Option<i64>,
    ) -> Option<Verdict> {
        let mut best: Option<Verdict> = self
            .unknown
            .as_ref()
            .map(|u| Verdict::new(Reachability::Unknown, u.clone(), vec![]));
        for t in self
            .targets
            .get(eni.network_interface_id.as_str())
            .into_iter()
            .flatten()
        {
            if port.is_some_and(|p| p != t.port) {
                continue;
            }
            let v = target_verdict(r, key, t);
            best = Some(match best {
                Some(b) => b.or(v),
                None => v,
            });
        }
        best
    }
}

/// The addresses of some subnets.
fn subnet_cidrs(r: &RegionReach<'_>, subnets: &[String]) -> AddrSet {
    AddrSet::of_texts(
        subnets
            .iter()
            .filter_map(|s| r.subnets.get(s.as_str())?.cidr_block.as_deref()),
    )
}

/// The internet sources that reach a load balancer on a listener port, and
/// the hops up to the load balancer.
fn front_path(
    r: &RegionReach<'_>,
    lb: &Front<'_>,
    proto: Proto,
    port: i64,
) -> (Bound, Vec<PathHop>) {
    let mut fams = AddrSet::empty();
    fams.v4 = r.internet.v4.clone();
    if lb.dualstack {
        fams.v6 = r.internet.v6.clone();
    }
    let mut total = Bound::default();
    let mut hops = vec![hop("internet", "0.0.0.0/0", "the internet".into())];
    for s in lb.subnets {
        let Some(rt) = r.route_table(s) else {
            total = total.union(&Bound::unknown(format!(
                "the route table of subnet {s} is not in the snapshot"
            )));
            continue;
        };
        let Some(acl) = r.acl_of(s) else {
            total = total.union(&Bound::unknown(format!(
                "the network ACL of subnet {s} is not in the snapshot"
            )));
            continue;
        };
        let routed = r.routes(rt).to_igw.restrict(&fams);
        let admitted = routed.restrict(&r.acl_port(acl, proto, port).total);
        if hops.len() == 1 && !admitted.lo.is_empty() {
            hops.push(hop(
                "route_table",
                &rt.arn,
                format!("{} (load balancer subnet {s})", rt.route_table_id),
            ));
        }
        total = total.union(&admitted);
    }
    let sg = if lb.network_without_groups {
        Bound::exact(AddrSet::full())
    } else {
        lb.groups.iter().fold(Bound::default(), |acc, g| {
            if r.groups.contains(g.as_str()) {
                r.ingress
                    .get(g.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|x| super::hops::sg_rule_covers(x, proto, port))
                    .fold(acc, |a, x| {
                        a.union(&super::hops::sg_rule_sources(x, &r.lists))
                    })
            } else {
                acc.union(&Bound::unknown(format!(
                    "security group {g} of load balancer {} is not in the snapshot",
                    lb.name
                )))
            }
        })
    };
    hops.push(hop("load_balancer", lb.arn, lb.name.to_owned()));
    (total.intersect(&sg), hops)
}

/// Whether a target admits the load balancer itself (its groups or its
/// subnets' addresses) in its security groups and NACL; the rule that does.
fn admits_lb<'d>(
    r: &RegionReach<'d>,
    key: &EniKey<'d>,
    t: &LbTarget,
    acl_set: &AddrSet,
    sg: &Bound,
) -> (
    Reachability,
    Option<&'d palisade_model::ec2::SecurityGroupRule>,
) {
    let by_group = key
        .groups
        .iter()
        .filter_map(|g| r.ingress.get(g))
        .flatten()
        .copied()
        .find(|x| {
            super::hops::sg_rule_covers(x, t.proto, t.port)
                && x.referenced_group_id
                    .as_ref()
                    .is_some_and(|g| t.lb_groups.contains(g))
        });
    let acl_ok = !acl_set.intersect(&t.lb_subnets).is_empty();
    let by_cidr = !sg.lo.intersect(&t.lb_subnets).is_empty();
    let verdict = if acl_ok && (by_group.is_some() || by_cidr) {
        Reachability::Reachable
    } else if acl_ok && sg.unknown.is_some() {
        Reachability::Unknown
    } else {
        Reachability::NotReachable
    };
    (verdict, by_group)
}

/// Whether a target interface admits what a load balancer forwards.
fn target_verdict<'d>(r: &RegionReach<'d>, key: &EniKey<'d>, t: &LbTarget) -> Verdict {
    let name = t
        .hops
        .iter()
        .find(|h| h.kind == "load_balancer")
        .map_or("", |h| h.label.as_str());
    match t.front.verdict() {
        Reachability::Reachable => {}
        Reachability::Unknown => {
            return Verdict::new(
                Reachability::Unknown,
                t.front.unknown.clone().unwrap_or_default(),
                vec![],
            )
        }
        Reachability::NotReachable => {
            return Verdict::new(
                Reachability::NotReachable,
                format!("load balancer {name} is not reachable from the internet on its listener"),
                vec![],
            )
        }
    }
    let Some(subnet) = key.subnet else {
        return Verdict::new(
            Reachability::Unknown,
            "the target's subnet is not known",
            vec![],
        );
    };
    let Some(acl) = r.acl_of(subnet) else {
        return Verdict::new(
            Reachability::Unknown,
            format!("the network ACL of subnet {subnet} is not in the snapshot"),
            vec![],
        );
    };
    let acl_set = r.acl_port(acl, t.proto, t.port).total.clone();
    let sg = r.sg_sources(key, t.proto, t.port, super::Only::All);
    let (ok, sg_hop) = if t.preserve_client {
        let end = t.front.restrict(&acl_set).intersect(&sg);
        (end.verdict(), None)
    } else {
        admits_lb(r, key, t, &acl_set, &sg)
    };
    match ok {
        Reachability::Reachable => {
            let mut path = t.hops.clone();
            if let Some(x) = sg_hop {
                path.push(hop(
                    "security_group_rule",
                    &x.arn,
                    format!("{} rule {} admits the load balancer", x.group_id, x.rule_id),
                ));
            }
            let mut v = Verdict::new(
                Reachability::Reachable,
                format!(
                    "through load balancer {name} on {} {}",
                    t.proto.name(),
                    t.port
                ),
                path,
            );
            v.via_load_balancer = true;
            v
        }
        Reachability::Unknown => Verdict::new(
            Reachability::Unknown,
            sg.unknown.unwrap_or_default(),
            vec![],
        ),
        Reachability::NotReachable => Verdict::new(
            Reachability::NotReachable,
            format!(
                "the target's security groups or NACL do not admit load balancer {name} on {} {}",
                t.proto.name(),
                t.port
            ),
            vec![],
        ),
    }
}
