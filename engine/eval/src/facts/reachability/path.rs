//! The direct path to an interface (public address, route table, NACL,
//! security group), hop by hop: the verdict, the first missing hop or the
//! missing data, and the hops of one path (through a sample internet
//! address of the end-to-end set).

use super::hops::{AclRules, Bound, Proto, RouteInfo, EPHEMERAL_FROM};
use super::{EniKey, Only, RegionReach, Verdict};
use crate::facts::addrset::{addr_text, AddrSet};
use crate::result::{PathHop, Reachability};
use palisade_model::ec2::NetworkAcl;
use palisade_model::routing::RouteTable;

/// A hop.
fn hop(kind: &str, id: impl Into<String>, label: impl Into<String>) -> PathHop {
    PathHop {
        kind: kind.into(),
        id: id.into(),
        label: label.into(),
    }
}

/// A sample address of a set (IPv4 first): (address, is IPv6).
fn sample(s: &AddrSet) -> Option<(u128, bool)> {
    s.v4.first()
        .map(|a| (a, false))
        .or_else(|| s.v6.first().map(|a| (a, true)))
}

/// A sample from the broad family of a set (the one that makes it reach).
fn broad_sample(s: &AddrSet) -> Option<(u128, bool)> {
    if s.v4.size() >= 1 << 16 {
        s.v4.first().map(|a| (a, false))
    } else {
        s.v6.first().map(|a| (a, true)).or_else(|| sample(s))
    }
}

/// Not reachable, or unknown when the bound is, with `why` as the reason
/// for not reachable.
fn stop(b: &Bound, why: impl FnOnce() -> String, path: Vec<PathHop>) -> Option<Verdict> {
    match b.verdict() {
        Reachability::Reachable => None,
        Reachability::NotReachable => Some(Verdict::new(Reachability::NotReachable, why(), path)),
        Reachability::Unknown => Some(Verdict::new(
            Reachability::Unknown,
            b.unknown
                .clone()
                .unwrap_or_else(|| "data a hop needs is missing".into()),
            path,
        )),
    }
}

/// Unknown with a reason.
fn unknown(why: impl Into<String>) -> Verdict {
    Verdict::new(Reachability::Unknown, why, vec![])
}

/// The interface's public address families (the internet sources that may
/// reach it), its subnet and effective route table; `Err` with the verdict
/// when one is missing.
fn start<'d>(
    r: &RegionReach<'d>,
    key: &EniKey<'d>,
) -> Result<(&'d str, &'d RouteTable, AddrSet), Verdict> {
    if let Some(why) = &r.routing_unknown {
        return Err(unknown(why.clone()));
    }
    let mut fams = AddrSet::empty();
    if key.public4 {
        fams.v4 = r.internet.v4.clone();
    }
    if key.public6 {
        fams.v6 = r.internet.v6.clone();
    }
    if fams.is_empty() {
        return Err(Verdict::new(
            Reachability::NotReachable,
            "no public address",
            vec![],
        ));
    }
    let Some(subnet) = key.subnet else {
        return Err(unknown("the interface's subnet is not known"));
    };
    if !r.subnets.contains_key(subnet) {
        return Err(unknown(format!(
            "subnet {subnet} of the interface is not in the snapshot"
        )));
    }
    let Some(rt) = r.route_table(subnet) else {
        return Err(unknown(format!(
            "subnet {subnet} has no explicitly associated route table and its VPC's main route table is not in the snapshot"
        )));
    };
    Ok((subnet, rt, fams))
}

/// The direct path of an interface with `key` on (proto, port).
pub(super) fn direct<'d>(
    r: &RegionReach<'d>,
    key: &EniKey<'d>,
    proto: Proto,
    port: i64,
    only: Only<'d>,
) -> Verdict {
    let (subnet, rt, fams) = match start(r, key) {
        Ok(x) => x,
        Err(v) => return v,
    };
    let routes = r.routes(rt);
    let routed = routes.to_igw.restrict(&fams);
    if let Some(v) = stop(
        &routed,
        || format!("no route to an internet gateway in {}", rt.route_table_id),
        vec![],
    ) {
        return v;
    }
    let Some(acl) = r.acl_of(subnet) else {
        return unknown(format!(
            "subnet {subnet} has no associated network ACL in the snapshot and its VPC's default ACL is not in it"
        ));
    };
    let aclp = r.acl_port(acl, proto, port);
    let inbound = match only {
        Only::AclEntry(n) => aclp
            .per_entry
            .iter()
            .filter(|(m, _)| *m == n)
            .fold(AddrSet::empty(), |a, (_, s)| a.union(s)),
        _ => aclp.inbound.clone(),
    };
    let after_in = routed.restrict(&inbound);
    let rules = r.acl_rules(acl);
    let p = proto.name();
    if let Some(v) = stop(
        &after_in,
        || {
            acl_denial(
                &rules,
                acl,
                &routed.hi.subtract(&inbound),
                (proto, port),
                only,
            )
        },
        vec![],
    ) {
        return v;
    }
    let returns = r.returns(acl, proto);
    let after_acl = after_in.restrict(&returns);
    if let Some(v) = stop(
        &after_acl,
        || {
            format!(
                "NACL {} does not allow the return traffic (outbound {p} {EPHEMERAL_FROM}-65535) to the internet",
                acl.network_acl_id
            )
        },
        vec![],
    ) {
        return v;
    }
    let sg = r.sg_sources(key, proto, port, only);
    let end = after_acl.intersect(&sg);
    if let Some(v) = stop(
        &end,
        || {
            let groups = key.groups.join(", ");
            if end.hi.is_empty() {
                format!("no rule of security groups {groups} admits {p} {port} from the internet")
            } else {
                format!(
                    "security groups {groups} admit {p} {port} only from a narrow range (an allow-list, not the internet)"
                )
            }
        },
        vec![],
    ) {
        return v;
    }
    let Some((addr, v6)) = broad_sample(&end.lo) else {
        return unknown("no sample address");
    };
    let mut path = route_and_acl_hops(r, rt, &routes, acl, &rules, (proto, port), (addr, v6));
    if let Some(rule) = sg_rule_for(r, key, proto, port, only, addr, v6) {
        path.push(rule);
    }
    Verdict::new(Reachability::Reachable, format!("on {p} {port}"), path)
}

/// Why a NACL admits no internet source: the entry that decides a sample
/// blocked source.
fn acl_denial(
    rules: &AclRules<'_>,
    acl: &NetworkAcl,
    blocked: &AddrSet,
    (proto, port): (Proto, i64),
    only: Only<'_>,
) -> String {
    let p = proto.name();
    match sample(blocked).and_then(|(a, v6)| rules.deciding(false, proto, port, a, v6)) {
        Some(e) if !matches!(only, Only::AclEntry(_)) => format!(
            "NACL {} rule {} denies {p} {port}",
            acl.network_acl_id, e.entry.rule_number
        ),
        Some(_) => format!(
            "an earlier rule of NACL {} decides the internet traffic on {p} {port}",
            acl.network_acl_id
        ),
        None => format!(
            "NACL {} allows no internet traffic on {p} {port} (default rule * denies it)",
            acl.network_acl_id
        ),
    }
}

/// The hops from the internet to the NACL's return-traffic entry for a
/// sample source `addr` of the end-to-end set.
fn route_and_acl_hops(
    r: &RegionReach<'_>,
    rt: &RouteTable,
    routes: &RouteInfo,
    acl: &NetworkAcl,
    rules: &AclRules<'_>,
    (proto, port): (Proto, i64),
    (addr, v6): (u128, bool),
) -> Vec<PathHop> {
    let p = proto.name();
    let mut path = vec![hop(
        "internet",
        if v6 { "::/0" } else { "0.0.0.0/0" },
        format!("the internet (e.g. {})", addr_text(addr, v6)),
    )];
    if let Some(hit) = routes.hit(addr, v6) {
        if let Some(igw) = &hit.igw {
            let arn = r
                .igws
                .as_ref()
                .and_then(|m| m.get(igw.as_str()))
                .map_or_else(|| igw.clone(), |g| g.arn.clone());
            path.push(hop("internet_gateway", arn, igw.clone()));
        }
        path.push(hop(
            "route_table",
            rt.arn.clone(),
            format!(
                "{}: route {} -> {}",
                rt.route_table_id, hit.destination, hit.target
            ),
        ));
    }
    if let Some(e) = rules.deciding(false, proto, port, addr, v6) {
        path.push(hop(
            "network_acl_entry",
            format!("{}/entry/ingress/{}", acl.arn, e.entry.rule_number),
            format!(
                "{} inbound rule {} allows {p} {port}",
                acl.network_acl_id, e.entry.rule_number
            ),
        ));
    }
    let out = rules
        .entries
        .iter()
        .filter(|e| e.entry.egress && proto.matches(&e.protocol))
        .find(|e| {
            e.entry.rule_action.eq_ignore_ascii_case("allow")
                && e.cidr.is_some_and(|c| {
                    let (lo, hi) = c.range();
                    c.is_v6() == v6 && lo <= addr && addr <= hi
                })
                && (e.from < 0 || e.to >= EPHEMERAL_FROM)
        });
    if let Some(e) = out {
        path.push(hop(
            "network_acl_entry",
            format!("{}/entry/egress/{}", acl.arn, e.entry.rule_number),
            format!(
                "{} outbound rule {} allows the return traffic",
                acl.network_acl_id, e.entry.rule_number
            ),
        ));
    }
    path
}

/// The hop of the security group rule that admits `addr`.
fn sg_rule_for<'d>(
    r: &RegionReach<'d>,
    key: &EniKey<'d>,
    proto: Proto,
    port: i64,
    only: Only<'d>,
    addr: u128,
    v6: bool,
) -> Option<PathHop> {
    let admits = |b: &Bound| b.lo.family(v6).contains(addr);
    let rule = match only {
        Only::SgRule(rule) => Some(rule),
        _ => key.groups.iter().find_map(|g| {
            r.sg_port(g, proto, port)
                .per_rule
                .iter()
                .find(|(_, b)| admits(b))
                .map(|(rule, _)| *rule)
        }),
    }?;
    let peer = rule
        .cidr_ipv4
        .as_deref()
        .or(rule.cidr_ipv6.as_deref())
        .or(rule.prefix_list_id.as_deref())
        .unwrap_or("?");
    Some(hop(
        "security_group_rule",
        rule.arn.clone(),
        format!(
            "{} rule {} allows {} {port} from {peer}",
            rule.group_id,
            rule.rule_id,
            proto.name()
        ),
    ))
}

/// Why an interface is not reachable on any port when no security group
/// rule admits a TCP or UDP port: the first port-independent missing hop,
/// else the security groups.
pub(super) fn no_admitting_rule<'d>(r: &RegionReach<'d>, key: &EniKey<'d>) -> Verdict {
    let v = direct(r, key, Proto::Tcp, 0, Only::All);
    let port_independent = v.reason == "no public address" || v.reason.starts_with("no route");
    match v.verdict {
        Reachability::Unknown => return v,
        Reachability::NotReachable if port_independent => return v,
        _ => {}
    }
    let groups = if key.groups.is_empty() {
        "(none)".to_owned()
    } else {
        key.groups.join(", ")
    };
    Verdict::new(
        Reachability::NotReachable,
        format!("no rule of security groups {groups} admits TCP or UDP traffic from the internet"),
        vec![],
    )
}
