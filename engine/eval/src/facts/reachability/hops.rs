//! The address sets each hop admits: the internet destinations a route
//! table sends to an attached internet gateway (longest prefix first), the
//! sources a network ACL admits on a port and lets the return traffic go
//! back to (rule order, stateless), the sources a security group admits
//! (CIDR and prefix-list peers). Each is a [`Bound`]: exact when the data
//! is complete, an interval of possible sets when some is missing.

use std::collections::HashMap;

use palisade_model::ec2::{ManagedPrefixList, NetworkAcl, SecurityGroupRule};
use palisade_model::routing::{InternetGateway, Route, RouteTable};

use crate::facts::addrset::{is_broad, AddrSet};
use crate::facts::cidr::Cidr;
use crate::facts::nacl::{sort_in_rule_order, Entry};
use crate::facts::ports::normalise_protocol;
use crate::result::Reachability;

/// TCP or UDP: the protocols a port means something for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Proto {
    /// Both, TCP first.
    pub const BOTH: [Proto; 2] = [Proto::Tcp, Proto::Udp];

    /// Lower-case name, as [`normalise_protocol`] writes it.
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    /// True when a normalised protocol (`all`, `tcp`, `udp`, ...) matches.
    pub fn matches(self, normalised: &str) -> bool {
        normalised == "all" || normalised == self.name()
    }
}

/// The first ephemeral port: return traffic of a connection goes to a
/// client port in 1024-65535 (the widest range AWS documents for NACLs).
pub const EPHEMERAL_FROM: i64 = 1024;

/// A set some of whose data may be missing: `lo` is certainly in it, `hi`
/// possibly; `unknown` says what is missing when they differ.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bound {
    /// Addresses certainly in the set.
    pub lo: AddrSet,
    /// Addresses possibly in the set (a superset of `lo`).
    pub hi: AddrSet,
    /// What is missing, when `hi` is larger than `lo` because of it.
    pub unknown: Option<String>,
}

impl Bound {
    /// A set known exactly.
    pub fn exact(s: AddrSet) -> Self {
        Self {
            lo: s.clone(),
            hi: s,
            unknown: None,
        }
    }

    /// Nothing is known: possibly every address.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Self {
            lo: AddrSet::empty(),
            hi: AddrSet::full(),
            unknown: Some(reason.into()),
        }
    }

    /// Both bounds intersected; the first unknown reason kept.
    pub fn intersect(&self, o: &Self) -> Self {
        Self {
            lo: self.lo.intersect(&o.lo),
            hi: self.hi.intersect(&o.hi),
            unknown: self.unknown.clone().or_else(|| o.unknown.clone()),
        }
    }

    /// Intersected with an exact set.
    pub fn restrict(&self, s: &AddrSet) -> Self {
        Self {
            lo: self.lo.intersect(s),
            hi: self.hi.intersect(s),
            unknown: self.unknown.clone(),
        }
    }

    /// Both bounds united.
    pub fn union(&self, o: &Self) -> Self {
        Self {
            lo: self.lo.union(&o.lo),
            hi: self.hi.union(&o.hi),
            unknown: self.unknown.clone().or_else(|| o.unknown.clone()),
        }
    }

    /// Reachable when the certain part is broad ([`is_broad`]), not
    /// reachable when even the possible part is not, else unknown.
    pub fn verdict(&self) -> Reachability {
        if is_broad(&self.lo) {
            Reachability::Reachable
        } else if !is_broad(&self.hi) {
            Reachability::NotReachable
        } else {
            Reachability::Unknown
        }
    }
}

/// The route of a table that an address takes: its destination text and
/// its target text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteHit {
    /// Destination as written (CIDR or prefix-list id with the entry).
    pub destination: String,
    /// Target id (`igw-...`, `nat-...`, `local`, ...), `blackhole` appended
    /// for a blackhole route.
    pub target: String,
    /// The internet gateway id, when the route is one to an attached one.
    pub igw: Option<String>,
}

/// One route with its destination read.
#[derive(Debug, Clone)]
struct ReadRoute {
    cidr: Cidr,
    destination: String,
    target: String,
    kind: RouteKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum RouteKind {
    /// To an internet gateway attached to the table's VPC.
    Igw(String),
    /// Carries no inbound internet traffic (local, NAT, EIGW, peering,
    /// transit gateway, virtual private gateway, endpoint, interface,
    /// blackhole, detached gateway).
    Other,
    /// To a gateway whose state is not in the snapshot.
    Unknown(String),
}

/// What one route table sends to an internet gateway.
#[derive(Debug, Clone)]
pub struct RouteInfo {
    /// The internet destinations routed to an attached internet gateway.
    pub to_igw: Bound,
    routes: Vec<ReadRoute>,
}

impl RouteInfo {
    /// The route (longest prefix) that `addr` takes, if any.
    pub fn hit(&self, addr: u128, v6: bool) -> Option<RouteHit> {
        self.routes
            .iter()
            .filter(|r| r.cidr.is_v6() == v6)
            .filter(|r| {
                let (lo, hi) = r.cidr.range();
                lo <= addr && addr <= hi
            })
            .max_by_key(|r| r.cidr.prefix_len())
            .map(|r| RouteHit {
                destination: r.destination.clone(),
                target: r.target.clone(),
                igw: match &r.kind {
                    RouteKind::Igw(id) => Some(id.clone()),
                    _ => None,
                },
            })
    }
}

/// The target of a route, as text.
fn target_text(r: &Route) -> String {
    [
        &r.gateway_id,
        &r.nat_gateway_id,
        &r.egress_only_internet_gateway_id,
        &r.vpc_peering_connection_id,
        &r.transit_gateway_id,
        &r.network_interface_id,
        &r.instance_id,
        &r.vpc_endpoint_id,
    ]
    .into_iter()
    .flatten()
    .next()
    .cloned()
    .unwrap_or_else(|| "no target".into())
}

/// Classifies a route's target.
fn route_kind(
    r: &Route,
    vpc: Option<&str>,
    igws: Option<&HashMap<&str, &InternetGateway>>,
) -> RouteKind {
    if r.state.as_deref() == Some("blackhole") {
        return RouteKind::Other;
    }
    let Some(gw) = r.gateway_id.as_deref().filter(|g| g.starts_with("igw-")) else {
        return RouteKind::Other;
    };
    let Some(igws) = igws else {
        return RouteKind::Unknown(format!(
            "the internet gateways were not read, so whether {gw} is attached is unknown"
        ));
    };
    let Some(igw) = igws.get(gw) else {
        return RouteKind::Unknown(format!("internet gateway {gw} is not in the snapshot"));
    };
    let attached = igw.attachments.iter().any(|a| {
        vpc.is_none_or(|v| a.vpc_id == v)
            && matches!(a.state.as_deref(), None | Some("available" | "attached"))
    });
    if attached {
        RouteKind::Igw(gw.to_owned())
    } else {
        RouteKind::Other
    }
}

/// Reads a route table: its routes (prefix-list destinations expanded to
/// their entries) and the internet destinations routed to an attached
/// internet gateway by longest prefix. A prefix list whose entries are not
/// in the snapshot makes the result unknown where it could matter.
pub fn route_info(
    rt: &RouteTable,
    igws: Option<&HashMap<&str, &InternetGateway>>,
    lists: &HashMap<&str, &ManagedPrefixList>,
) -> RouteInfo {
    let vpc = rt.vpc_id.as_deref();
    let mut routes = Vec::new();
    let mut unknown: Option<String> = None;
    let mut unknown_igw_any = AddrSet::empty();
    let mut unknown_other_families = (false, false);
    for r in &rt.routes {
        let kind = route_kind(r, vpc, igws);
        let mut target = target_text(r);
        if r.state.as_deref() == Some("blackhole") {
            target.push_str(" (blackhole)");
        }
        let dests: Vec<(Cidr, String)> = if let Some(pl) = &r.destination_prefix_list_id {
            match lists.get(pl.as_str()).and_then(|l| l.entries.as_ref()) {
                Some(entries) => entries
                    .iter()
                    .filter_map(|e| Some((Cidr::parse(&e.cidr)?, format!("{pl} ({})", e.cidr))))
                    .collect(),
                None => {
                    let why = format!(
                        "route table {} routes prefix list {pl}, whose entries are not in the snapshot",
                        rt.route_table_id
                    );
                    unknown.get_or_insert(why);
                    if matches!(kind, RouteKind::Igw(_) | RouteKind::Unknown(_)) {
                        unknown_igw_any = AddrSet::full();
                    } else {
                        unknown_other_families = (true, true);
                    }
                    continue;
                }
            }
        } else {
            r.destination_cidr_block
                .iter()
                .chain(&r.destination_ipv6_cidr_block)
                .filter_map(|d| Some((Cidr::parse(d)?, d.clone())))
                .collect()
        };
        for (cidr, destination) in dests {
            routes.push(ReadRoute {
                cidr,
                destination,
                target: target.clone(),
                kind: kind.clone(),
            });
        }
    }
    // Longest prefix first: each route decides the addresses no longer one
    // has decided.
    let mut order: Vec<&ReadRoute> = routes.iter().collect();
    order.sort_by_key(|r| std::cmp::Reverse(r.cidr.prefix_len()));
    let mut decided = AddrSet::empty();
    let mut lo = AddrSet::empty();
    let mut hi = AddrSet::empty();
    for r in order {
        let dest = AddrSet::of_cidr(&r.cidr);
        let fresh = dest.subtract(&decided);
        match &r.kind {
            RouteKind::Igw(_) => {
                lo = lo.union(&fresh);
                hi = hi.union(&fresh);
            }
            RouteKind::Unknown(why) => {
                hi = hi.union(&fresh);
                unknown.get_or_insert_with(|| why.clone());
            }
            RouteKind::Other => {}
        }
        decided = decided.union(&dest);
    }
    hi = hi.union(&unknown_igw_any);
    if unknown_other_families.0 {
        lo = AddrSet::empty();
    }
    RouteInfo {
        to_igw: Bound { lo, hi, unknown },
        routes,
    }
}

/// A network ACL's entries read and in rule order.
#[derive(Debug, Clone)]
pub struct AclRules<'d> {
    /// Readable entries, ingress then egress, by rule number.
    pub entries: Vec<Entry<'d>>,
}

/// What one NACL admits inbound on a port, entry by entry.
#[derive(Debug, Clone, Default)]
pub struct AclPort {
    /// (rule number, sources this allow entry admits that no earlier entry
    /// decided), for allow entries that admit something.
    pub per_entry: Vec<(i64, AddrSet)>,
    /// Every source admitted inbound and whose return traffic to some
    /// ephemeral port is allowed outbound.
    pub total: AddrSet,
    /// Sources admitted inbound (before the return-traffic check).
    pub inbound: AddrSet,
}

impl<'d> AclRules<'d> {
    /// Reads an ACL (entries with an unparsable CIDR are skipped: they
    /// match nothing).
    pub fn of(acl: &'d NetworkAcl) -> Self {
        let mut entries: Vec<Entry<'d>> = acl
            .entries
            .iter()
            .filter_map(|e| Entry::read(e).ok())
            .collect();
        sort_in_rule_order(&mut entries);
        Self { entries }
    }

    fn matching(&self, egress: bool, proto: Proto, port: i64) -> impl Iterator<Item = &Entry<'d>> {
        self.entries.iter().filter(move |e| {
            e.entry.egress == egress && proto.matches(&e.protocol) && e.covers(port)
        })
    }

    /// The sources (or destinations) the entries of one direction admit on
    /// a port, in rule order, with the share of each allow entry.
    pub fn admitted(&self, egress: bool, proto: Proto, port: i64) -> Vec<(i64, AddrSet)> {
        let mut undecided = AddrSet::full();
        let mut out = Vec::new();
        for e in self.matching(egress, proto, port) {
            let Some(c) = e.cidr else { continue };
            let set = AddrSet::of_cidr(&c);
            if e.entry.rule_action.eq_ignore_ascii_case("allow") {
                let share = undecided.intersect(&set);
                if !share.is_empty() {
                    out.push((e.entry.rule_number, share));
                }
            }
            undecided = undecided.subtract(&set);
        }
        out
    }

    /// The destinations some ephemeral port's return traffic may go to:
    /// the union over the port segments the egress entries delimit.
    pub fn return_allowed(&self, proto: Proto) -> AddrSet {
        let mut cuts = vec![EPHEMERAL_FROM];
        for e in self
            .entries
            .iter()
            .filter(|e| e.entry.egress && e.from >= 0)
        {
            for p in [e.from, e.to.saturating_add(1)] {
                if p > EPHEMERAL_FROM && p <= crate::facts::ports::MAX_PORT {
                    cuts.push(p);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        cuts.iter().fold(AddrSet::empty(), |acc, p| {
            self.admitted(true, proto, *p)
                .iter()
                .fold(acc, |a, (_, s)| a.union(s))
        })
    }

    /// The entry that decides traffic from `addr` on a port (`None`: the
    /// implicit deny-all).
    pub fn deciding(
        &self,
        egress: bool,
        proto: Proto,
        port: i64,
        addr: u128,
        v6: bool,
    ) -> Option<&Entry<'d>> {
        self.matching(egress, proto, port).find(|e| {
            e.cidr.is_some_and(|c| {
                let (lo, hi) = c.range();
                c.is_v6() == v6 && lo <= addr && addr <= hi
            })
        })
    }

    /// The port facts of one port (see [`AclPort`]).
    pub fn port(&self, proto: Proto, port: i64, returns: &AddrSet) -> AclPort {
        let per_entry = self.admitted(false, proto, port);
        let inbound = per_entry
            .iter()
            .fold(AddrSet::empty(), |a, (_, s)| a.union(s));
        AclPort {
            total: inbound.intersect(returns),
            inbound,
            per_entry,
        }
    }
}

/// What the ingress rules of one security group admit on a port.
#[derive(Debug, Clone, Default)]
pub struct SgPort<'d> {
    /// Each covering rule with a CIDR or prefix-list peer and its sources.
    pub per_rule: Vec<(&'d SecurityGroupRule, Bound)>,
    /// Their union.
    pub total: Bound,
}

/// True when an ingress rule covers (proto, port).
pub fn sg_rule_covers(r: &SecurityGroupRule, proto: Proto, port: i64) -> bool {
    let p = normalise_protocol(&r.ip_protocol);
    if !proto.matches(&p) {
        return false;
    }
    let (from, to) = (r.from_port.unwrap_or(-1), r.to_port.unwrap_or(-1));
    p == "all" || from < 0 || to < 0 || (from <= port && port <= to)
}

/// The sources one rule admits: its CIDR, or its prefix list's entries
/// (unknown when they are not in the snapshot); nothing for a
/// security-group peer (not an internet source).
pub fn sg_rule_sources(r: &SecurityGroupRule, lists: &HashMap<&str, &ManagedPrefixList>) -> Bound {
    if let Some(id) = &r.prefix_list_id {
        return match lists.get(id.as_str()).and_then(|l| l.entries.as_ref()) {
            Some(entries) => Bound::exact(AddrSet::of_texts(entries.iter().map(|e| e.cidr.as_str()))),
            None => Bound {
                lo: AddrSet::empty(),
                hi: AddrSet::full(),
                unknown: Some(format!(
                    "security group rule {} admits prefix list {id}, whose entries are not in the snapshot",
                    r.rule_id
                )),
            },
        };
    }
    Bound::exact(AddrSet::of_texts(
        r.cidr_ipv4.iter().chain(&r.cidr_ipv6).map(String::as_str),
    ))
}

/// The port facts of one group's ingress rules.
pub fn sg_port<'d>(
    rules: &[&'d SecurityGroupRule],
    proto: Proto,
    port: i64,
    lists: &HashMap<&str, &ManagedPrefixList>,
) -> SgPort<'d> {
    let mut out = SgPort::default();
    for r in rules.iter().filter(|r| sg_rule_covers(r, proto, port)) {
        let b = sg_rule_sources(r, lists);
        if b.hi.is_empty() {
            continue;
        }
        out.total = out.total.union(&b);
        out.per_rule.push((r, b));
    }
    out
}
