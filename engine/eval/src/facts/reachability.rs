//! Network reachability from the internet (issue 14): for a network
//! interface and a port, whether a path exists from `0.0.0.0/0` or `::/0`
//! (public address, route to an internet gateway in the subnet's effective
//! route table, NACL inbound and ephemeral return traffic in rule order,
//! security group), directly or through an internet-facing load balancer;
//! with the hops of that path, or why there is none, or what data is
//! missing to tell.
//!
//! Every hop is an address set ([`hops::Bound`]: exact, or bounded when
//! data is missing); the end-to-end set is their intersection with the
//! internet source set ([`addrset::internet`]). It counts as "the internet"
//! when it holds at least a /16 of IPv4 or a /47 of IPv6 addresses
//! ([`addrset::is_broad`]): a path open only to an allow-list
//! (`203.0.113.0/24`) is not reachable from the internet. Missing data
//! gives `Unknown`, never `NotReachable`.
//!
//! Shared data is computed once per region and cached: route tables, NACL
//! port sets, security group port sets, and the verdict per (subnet,
//! groups, public address families, protocol, port).

mod hops;
mod lb;
mod path;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use palisade_model::ec2::{
    ManagedPrefixList, NetworkAcl, NetworkAclEntry, NetworkInterface, SecurityGroupRule, Subnet,
};
use palisade_model::routing::{InternetGateway, RouteTable};
use palisade_model::RegionData;

use super::addrset::{internet, AddrSet};
use crate::result::{PathHop, Reachability};
use hops::{AclPort, AclRules, RouteInfo, SgPort};
pub use hops::{Bound, Proto};

/// One verdict with its reason and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Reachable, not reachable, unknown.
    pub verdict: Reachability,
    /// The ports reachable, the missing hop, or the missing data.
    pub reason: String,
    /// The hops from the internet, as far as the path gets.
    pub path: Vec<PathHop>,
    /// The path goes through a load balancer.
    pub via_load_balancer: bool,
}

impl Verdict {
    fn new(verdict: Reachability, reason: impl Into<String>, path: Vec<PathHop>) -> Self {
        Self {
            verdict,
            reason: reason.into(),
            path,
            via_load_balancer: false,
        }
    }

    /// The better of two verdicts for the same target: reachable over
    /// unknown over not reachable.
    pub fn or(self, other: Self) -> Self {
        use Reachability::*;
        match (self.verdict, other.verdict) {
            (Reachable, _) => self,
            (_, Reachable) => other,
            (Unknown, _) => self,
            (_, Unknown) => other,
            _ => self,
        }
    }
}

/// The reachability of one network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EniReach {
    /// Per port of interest (TCP or UDP); shared between interfaces with
    /// the same subnet, groups and address families, so the paths end at
    /// the hop before the interface.
    pub ports: Vec<(i64, Rc<Verdict>)>,
    /// On any TCP or UDP port its security groups admit.
    pub any: Verdict,
    /// It has a public IPv4 address or an IPv6 address.
    pub has_public_ip: bool,
}

/// What to judge instead of the whole security group or NACL hop.
#[derive(Debug, Clone, Copy)]
enum Only<'d> {
    /// Everything.
    All,
    /// Only this security group rule admits.
    SgRule(&'d SecurityGroupRule),
    /// Only this NACL ingress entry (rule number) admits.
    AclEntry(i64),
}

/// The properties of an interface that decide its direct path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EniKey<'d> {
    subnet: Option<&'d str>,
    groups: Vec<&'d str>,
    public4: bool,
    public6: bool,
}

/// A region's network, indexed once, with caches for shared hop data.
pub struct RegionReach<'d> {
    ports_of_interest: Vec<i64>,
    internet: AddrSet,
    routing_unknown: Option<String>,
    subnets: HashMap<&'d str, &'d Subnet>,
    subnet_rt: HashMap<&'d str, &'d RouteTable>,
    main_rt: HashMap<&'d str, &'d RouteTable>,
    subnet_acl: HashMap<&'d str, &'d NetworkAcl>,
    default_acl: HashMap<&'d str, &'d NetworkAcl>,
    groups: HashSet<&'d str>,
    ingress: HashMap<&'d str, Vec<&'d SecurityGroupRule>>,
    lists: HashMap<&'d str, &'d ManagedPrefixList>,
    igws: Option<HashMap<&'d str, &'d InternetGateway>>,
    eip_enis: HashSet<&'d str>,
    enis_by_group: HashMap<&'d str, Vec<&'d NetworkInterface>>,
    enis_by_subnet: HashMap<&'d str, Vec<&'d NetworkInterface>>,
    lb: lb::LbIndex<'d>,
    route_cache: Cache<&'d str, RouteInfo>,
    acl_cache: Cache<&'d str, AclRules<'d>>,
    acl_port_cache: Cache<(&'d str, Proto, i64), AclPort>,
    return_cache: Cache<(&'d str, Proto), AddrSet>,
    sg_cache: Cache<(&'d str, Proto, i64), SgPort<'d>>,
    direct_cache: Cache<(EniKey<'d>, Proto, i64), Verdict>,
    key_cache: RefCell<HashMap<EniKey<'d>, KeyReach>>,
}

/// A per-region cache of shared hop data.
type Cache<K, V> = RefCell<HashMap<K, Rc<V>>>;

/// The direct-path verdicts shared by every interface with one key.
#[derive(Clone)]
struct KeyReach {
    ports: Rc<Vec<(i64, Rc<Verdict>)>>,
    any: Rc<Verdict>,
}

impl<'d> RegionReach<'d> {
    /// Indexes one region. `elb_gap` says why the load balancers were not
    /// (completely) read, if they were not.
    pub fn new(d: &'d RegionData, elb_gap: Option<String>, ports_of_interest: &[i64]) -> Self {
        let ec2 = &d.ec2;
        let mut r = Self {
            ports_of_interest: ports_of_interest.to_vec(),
            internet: internet(),
            routing_unknown: ec2.route_tables.is_none().then(|| {
                "the route tables were not collected, so whether a route to an internet gateway exists is unknown".to_owned()
            }),
            subnets: ec2.subnets.iter().map(|s| (s.subnet_id.as_str(), s)).collect(),
            subnet_rt: HashMap::new(),
            main_rt: HashMap::new(),
            subnet_acl: HashMap::new(),
            default_acl: HashMap::new(),
            groups: ec2.security_groups.iter().map(|g| g.group_id.as_str()).collect(),
            ingress: HashMap::new(),
            lists: ec2
                .managed_prefix_lists
                .iter()
                .map(|l| (l.prefix_list_id.as_str(), l))
                .collect(),
            igws: ec2.internet_gateways.as_ref().map(|v| {
                v.iter()
                    .map(|g| (g.internet_gateway_id.as_str(), g))
                    .collect()
            }),
            eip_enis: HashSet::new(),
            enis_by_group: HashMap::new(),
            enis_by_subnet: HashMap::new(),
            lb: lb::LbIndex::default(),
            route_cache: RefCell::default(),
            acl_cache: RefCell::default(),
            acl_port_cache: RefCell::default(),
            return_cache: RefCell::default(),
            sg_cache: RefCell::default(),
            direct_cache: RefCell::default(),
            key_cache: RefCell::default(),
        };
        for rt in ec2.route_tables.iter().flatten() {
            for a in &rt.associations {
                if a.main {
                    if let Some(v) = &rt.vpc_id {
                        r.main_rt.insert(v.as_str(), rt);
                    }
                } else if let Some(s) = &a.subnet_id {
                    r.subnet_rt.insert(s.as_str(), rt);
                }
            }
        }
        for acl in &ec2.network_acls {
            for s in &acl.associated_subnets {
                r.subnet_acl.insert(s.as_str(), acl);
            }
            if let (true, Some(v)) = (acl.is_default, &acl.vpc_id) {
                r.default_acl.insert(v.as_str(), acl);
            }
        }
        for rule in ec2.security_group_rules.iter().filter(|x| !x.is_egress) {
            r.ingress
                .entry(rule.group_id.as_str())
                .or_default()
                .push(rule);
        }
        for e in ec2.elastic_ips.iter().flatten() {
            if let Some(id) = &e.network_interface_id {
                r.eip_enis.insert(id.as_str());
            }
        }
        for eni in &ec2.network_interfaces {
            for g in &eni.groups {
                r.enis_by_group.entry(g.as_str()).or_default().push(eni);
            }
            if let Some(s) = &eni.subnet_id {
                r.enis_by_subnet.entry(s.as_str()).or_default().push(eni);
            }
        }
        r.lb = lb::LbIndex::of(&r, d, elb_gap);
        r
    }

    fn key(&self, eni: &'d NetworkInterface) -> EniKey<'d> {
        let mut groups: Vec<&str> = eni.groups.iter().map(String::as_str).collect();
        groups.sort_unstable();
        groups.dedup();
        EniKey {
            subnet: eni.subnet_id.as_deref(),
            groups,
            public4: eni.public_ip.is_some()
                || self.eip_enis.contains(eni.network_interface_id.as_str()),
            public6: !eni.ipv6_addresses.is_empty(),
        }
    }

    fn route_table(&self, subnet: &str) -> Option<&'d RouteTable> {
        if let Some(rt) = self.subnet_rt.get(subnet) {
            return Some(rt);
        }
        let vpc = self.subnets.get(subnet)?.vpc_id.as_deref()?;
        self.main_rt.get(vpc).copied()
    }

    fn routes(&self, rt: &'d RouteTable) -> Rc<RouteInfo> {
        let id = rt.route_table_id.as_str();
        if let Some(r) = self.route_cache.borrow().get(id) {
            return Rc::clone(r);
        }
        let info = Rc::new(hops::route_info(rt, self.igws.as_ref(), &self.lists));
        self.route_cache.borrow_mut().insert(id, Rc::clone(&info));
        info
    }

    fn acl_of(&self, subnet: &str) -> Option<&'d NetworkAcl> {
        if let Some(a) = self.subnet_acl.get(subnet) {
            return Some(a);
        }
        let vpc = self.subnets.get(subnet)?.vpc_id.as_deref()?;
        self.default_acl.get(vpc).copied()
    }

    fn acl_rules(&self, acl: &'d NetworkAcl) -> Rc<AclRules<'d>> {
        let id = acl.network_acl_id.as_str();
        if let Some(r) = self.acl_cache.borrow().get(id) {
            return Rc::clone(r);
        }
        let rules = Rc::new(AclRules::of(acl));
        self.acl_cache.borrow_mut().insert(id, Rc::clone(&rules));
        rules
    }

    fn acl_port(&self, acl: &'d NetworkAcl, proto: Proto, port: i64) -> Rc<AclPort> {
        let id = acl.network_acl_id.as_str();
        if let Some(p) = self.acl_port_cache.borrow().get(&(id, proto, port)) {
            return Rc::clone(p);
        }
        let rules = self.acl_rules(acl);
        let returns = self.returns(acl, proto);
        let p = Rc::new(rules.port(proto, port, &returns));
        self.acl_port_cache
            .borrow_mut()
            .insert((id, proto, port), Rc::clone(&p));
        p
    }

    fn returns(&self, acl: &'d NetworkAcl, proto: Proto) -> Rc<AddrSet> {
        let id = acl.network_acl_id.as_str();
        if let Some(p) = self.return_cache.borrow().get(&(id, proto)) {
            return Rc::clone(p);
        }
        let s = Rc::new(self.acl_rules(acl).return_allowed(proto));
        self.return_cache
            .borrow_mut()
            .insert((id, proto), Rc::clone(&s));
        s
    }

    fn sg_port(&self, group: &'d str, proto: Proto, port: i64) -> Rc<SgPort<'d>> {
        if let Some(p) = self.sg_cache.borrow().get(&(group, proto, port)) {
            return Rc::clone(p);
        }
        let rules = self
            .ingress
            .get(group)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let p = Rc::new(hops::sg_port(rules, proto, port, &self.lists));
        self.sg_cache
            .borrow_mut()
            .insert((group, proto, port), Rc::clone(&p));
        p
    }

    /// The sources the interface's groups admit on a port (or only `only`).
    fn sg_sources(&self, key: &EniKey<'d>, proto: Proto, port: i64, only: Only<'d>) -> Bound {
        if let Only::SgRule(r) = only {
            return if hops::sg_rule_covers(r, proto, port) {
                hops::sg_rule_sources(r, &self.lists)
            } else {
                Bound::default()
            };
        }
        let mut total = Bound::default();
        for g in &key.groups {
            if !self.groups.contains(g) {
                total = total.union(&Bound::unknown(format!(
                    "security group {g} of the interface is not in the snapshot"
                )));
                continue;
            }
            total = total.union(&self.sg_port(g, proto, port).total);
        }
        total
    }

    /// The verdict of the direct path (no load balancer), cached per key
    /// when judging every rule.
    fn direct(&self, key: &EniKey<'d>, proto: Proto, port: i64, only: Only<'d>) -> Rc<Verdict> {
        let cacheable = matches!(only, Only::All);
        if cacheable {
            if let Some(v) = self.direct_cache.borrow().get(&(key.clone(), proto, port)) {
                return Rc::clone(v);
            }
        }
        let v = Rc::new(path::direct(self, key, proto, port, only));
        if cacheable {
            self.direct_cache
                .borrow_mut()
                .insert((key.clone(), proto, port), Rc::clone(&v));
        }
        v
    }

    /// The direct verdict on one port: the better of TCP and UDP.
    fn direct_port(&self, key: &EniKey<'d>, port: i64) -> Rc<Verdict> {
        let tcp = self.direct(key, Proto::Tcp, port, Only::All);
        if tcp.verdict == Reachability::Reachable {
            return tcp;
        }
        let udp = self.direct(key, Proto::Udp, port, Only::All);
        match (tcp.verdict, udp.verdict) {
            (_, Reachability::Reachable) | (Reachability::NotReachable, Reachability::Unknown) => {
                udp
            }
            _ => tcp,
        }
    }

    /// The direct verdicts of one key, computed once.
    fn key_reach(&self, key: &EniKey<'d>) -> KeyReach {
        if let Some(k) = self.key_cache.borrow().get(key) {
            return k.clone();
        }
        let ports = self
            .ports_of_interest
            .iter()
            .map(|p| (*p, self.direct_port(key, *p)))
            .collect();
        let k = KeyReach {
            ports: Rc::new(ports),
            any: Rc::new(self.any_direct(key)),
        };
        self.key_cache.borrow_mut().insert(key.clone(), k.clone());
        k
    }

    /// Whether a subnet's effective route table sends some internet
    /// destination to an attached internet gateway; `Err` says what is
    /// missing.
    pub fn routes_to_igw(&self, subnet: &str) -> Result<bool, String> {
        if let Some(why) = &self.routing_unknown {
            return Err(why.clone());
        }
        let Some(rt) = self.route_table(subnet) else {
            return Err(format!(
                "the route table of subnet {subnet} is not in the snapshot"
            ));
        };
        let to_igw = &self.routes(rt).to_igw;
        let known = !to_igw.lo.intersect(&self.internet).is_empty();
        let possible = !to_igw.hi.intersect(&self.internet).is_empty();
        match (known, possible) {
            (true, _) => Ok(true),
            (false, false) => Ok(false),
            _ => Err(to_igw.unknown.clone().unwrap_or_default()),
        }
    }

    /// The reachability of one interface: per port of interest and on any
    /// port. The ENI hop ends the any-port path.
    pub fn eni(&self, eni: &'d NetworkInterface) -> EniReach {
        let key = self.key(eni);
        let shared = self.key_reach(&key);
        let involved = self.lb.involves(eni.network_interface_id.as_str());
        let ports = if involved {
            shared
                .ports
                .iter()
                .map(|(p, v)| {
                    let merged = match self.lb.verdict(self, eni, &key, *p) {
                        Some(lb) if v.verdict != Reachability::Reachable => {
                            Rc::new((**v).clone().or(lb))
                        }
                        _ => Rc::clone(v),
                    };
                    (*p, merged)
                })
                .collect()
        } else {
            shared.ports.to_vec()
        };
        let mut any = (*shared.any).clone();
        if involved && any.verdict != Reachability::Reachable {
            if let Some(lb) = self.lb.any_verdict(self, eni, &key) {
                any = any.or(lb);
            }
        }
        if any.verdict == Reachability::Reachable {
            any.path.push(eni_hop(eni));
        }
        EniReach {
            ports,
            any,
            has_public_ip: key.public4 || key.public6,
        }
    }

    /// Candidate ports: one per segment that the SG rules and the NACL
    /// entries delimit (every set is constant on a segment), TCP and UDP.
    fn candidates(&self, key: &EniKey<'d>, only: Only<'d>) -> Vec<(Proto, i64)> {
        let rules: Vec<&SecurityGroupRule> = match only {
            Only::SgRule(r) => vec![r],
            _ => key
                .groups
                .iter()
                .filter_map(|g| self.ingress.get(g))
                .flatten()
                .copied()
                .collect(),
        };
        let acl = key
            .subnet
            .and_then(|s| self.acl_of(s))
            .map(|a| self.acl_rules(a));
        let mut out = Vec::new();
        for proto in Proto::BOTH {
            let mut cuts = vec![1i64];
            let mut push = |from: i64, to: i64| {
                if from >= 0 && to >= 0 {
                    cuts.push(from.max(1));
                    cuts.push(to.saturating_add(1));
                }
            };
            for r in rules.iter().filter(|r| {
                let p = crate::facts::ports::normalise_protocol(&r.ip_protocol);
                proto.matches(&p)
            }) {
                push(r.from_port.unwrap_or(-1), r.to_port.unwrap_or(-1));
            }
            for e in acl
                .iter()
                .flat_map(|a| a.entries.iter())
                .filter(|e| !e.entry.egress)
            {
                push(e.from, e.to);
            }
            cuts.retain(|p| (1..=crate::facts::ports::MAX_PORT).contains(p));
            cuts.sort_unstable();
            cuts.dedup();
            for p in cuts {
                if rules.iter().any(|r| hops::sg_rule_covers(r, proto, p)) {
                    out.push((proto, p));
                }
            }
        }
        out
    }

    /// Reachable directly on some TCP/UDP port.
    fn any_direct(&self, key: &EniKey<'d>) -> Verdict {
        let mut best: Option<Verdict> = None;
        for (proto, p) in self.candidates(key, Only::All) {
            let v = self.direct(key, proto, p, Only::All);
            if v.verdict == Reachability::Reachable {
                return with_port((*v).clone(), proto, p);
            }
            if best
                .as_ref()
                .is_none_or(|b| b.verdict == Reachability::NotReachable)
            {
                best = Some((*v).clone());
            }
        }
        best.unwrap_or_else(|| path::no_admitting_rule(self, key))
    }

    /// Whether traffic this ingress rule admits reaches some interface of
    /// its group on a port of its range; `None` for a rule that admits no
    /// internet source (egress, security-group peers, private ranges).
    pub fn sg_rule(&self, r: &'d SecurityGroupRule) -> Option<Verdict> {
        if r.is_egress {
            return None;
        }
        let sources = hops::sg_rule_sources(r, &self.lists);
        if sources.hi.intersect(&self.internet).is_empty() {
            return None;
        }
        let enis = self.enis_by_group.get(r.group_id.as_str());
        let Some(enis) = enis.filter(|v| !v.is_empty()) else {
            return Some(Verdict::new(
                Reachability::NotReachable,
                format!("no network interface uses security group {}", r.group_id),
                vec![],
            ));
        };
        let mut seen = HashSet::new();
        let mut best: Option<Verdict> = None;
        for eni in enis {
            let mut key = self.key(eni);
            key.groups.clear();
            if !seen.insert(key.clone()) {
                continue;
            }
            key.groups.push(r.group_id.as_str());
            for (proto, p) in self.candidates(&key, Only::SgRule(r)) {
                let mut v = (*self.direct(&key, proto, p, Only::SgRule(r))).clone();
                if v.verdict == Reachability::Reachable {
                    v.path.push(eni_hop(eni));
                    return Some(with_port(v, proto, p));
                }
                best = Some(best.map_or(v.clone(), |b| b.or(v)));
            }
        }
        Some(best.unwrap_or_else(|| {
            Verdict::new(
                Reachability::NotReachable,
                "the rule admits no TCP or UDP port",
                vec![],
            )
        }))
    }

    /// Whether traffic this NACL ingress allow entry admits reaches some
    /// interface of the ACL's subnets; `None` for entries that are not
    /// ingress allows of internet sources.
    pub fn nacl_entry(&self, acl: &'d NetworkAcl, e: &'d NetworkAclEntry) -> Option<Verdict> {
        if e.egress || !e.rule_action.eq_ignore_ascii_case("allow") {
            return None;
        }
        let range = AddrSet::of_texts(
            e.cidr_block
                .iter()
                .chain(&e.ipv6_cidr_block)
                .map(String::as_str),
        );
        if range.intersect(&self.internet).is_empty() {
            return None;
        }
        // Sorted: the verdict reported for a not-reachable entry is the
        // first interface's, so it must not depend on hash order.
        let mut subnets: Vec<&str> = self
            .subnets
            .keys()
            .copied()
            .filter(|s| self.acl_of(s).is_some_and(|a| std::ptr::eq(a, acl)))
            .collect();
        subnets.sort_unstable();
        let mut seen = HashSet::new();
        let mut best: Option<Verdict> = None;
        let only = Only::AclEntry(e.rule_number);
        let proto_ok = |p: Proto| p.matches(&crate::facts::ports::normalise_protocol(&e.protocol));
        for eni in subnets
            .iter()
            .filter_map(|s| self.enis_by_subnet.get(s))
            .flatten()
        {
            let key = self.key(eni);
            if !seen.insert(key.clone()) {
                continue;
            }
            for (proto, p) in self.candidates(&key, Only::All) {
                let in_range = e.port_range.is_none_or(|r| r.from <= p && p <= r.to);
                if !proto_ok(proto) || !in_range {
                    continue;
                }
                let mut v = (*self.direct(&key, proto, p, only)).clone();
                if v.verdict == Reachability::Reachable {
                    v.path.push(eni_hop(eni));
                    return Some(with_port(v, proto, p));
                }
                best = Some(best.map_or(v.clone(), |b| b.or(v)));
            }
        }
        Some(best.unwrap_or_else(|| {
            Verdict::new(
                Reachability::NotReachable,
                format!(
                    "no network interface in the subnets of {} has a security group rule admitting this traffic",
                    acl.network_acl_id
                ),
                vec![],
            )
        }))
    }
}

/// The hop of an interface.
fn eni_hop(eni: &NetworkInterface) -> PathHop {
    PathHop {
        kind: "network_interface".into(),
        id: eni.arn.clone(),
        label: eni.network_interface_id.clone(),
    }
}

/// A reachable verdict's reason names the port.
fn with_port(mut v: Verdict, proto: Proto, port: i64) -> Verdict {
    if v.verdict == Reachability::Reachable && v.reason.is_empty() {
        v.reason = format!("on {} {port}", proto.name());
    }
    v
}
