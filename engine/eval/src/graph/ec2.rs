//! EC2 networking: VPCs, subnets, security groups and one
//! `SecurityGroupRule` per rule (child of its group), children of the
//! region; a rule whose peer is a managed prefix list is judged by the
//! list's entries. Network ACLs are in `nacl`.

use std::collections::HashMap;

use cedar_policy::EntityUid;
use palisade_model::ec2::{Ec2, ManagedPrefixList, SecurityGroup, SecurityGroupRule};
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::cidr::{internet_exposure, prefix_length, Cidr, InternetExposure};
use crate::facts::ports::{covers_unlisted_ports, normalise_protocol, ports_in, sg_all_ports};

/// Per-group counts over a region's network interfaces and rules, and the
/// region's managed prefix lists by id.
#[derive(Default)]
struct GroupCounts<'d> {
    /// Managed prefix lists read, by id.
    prefix_lists: HashMap<&'d str, &'d ManagedPrefixList>,
    /// Network interfaces per subnet id.
    enis_per_subnet: HashMap<&'d str, usize>,
    /// Network interfaces per security group id.
    attachments: HashMap<&'d str, usize>,
    /// Rules of other groups naming the group as a peer.
    referenced: HashMap<&'d str, usize>,
    /// Ingress rules per group.
    ingress: HashMap<&'d str, usize>,
    /// Egress rules per group.
    egress: HashMap<&'d str, usize>,
}

impl<'d> GroupCounts<'d> {
    fn of(ec2: &'d Ec2) -> Self {
        let mut c = Self::default();
        for pl in &ec2.managed_prefix_lists {
            c.prefix_lists.insert(pl.prefix_list_id.as_str(), pl);
        }
        // One pass over the network interfaces: per subnet, and per security
        // group (what each group is attached to).
        for eni in &ec2.network_interfaces {
            if let Some(sn) = &eni.subnet_id {
                *c.enis_per_subnet.entry(sn.as_str()).or_default() += 1;
            }
            for sg in &eni.groups {
                *c.attachments.entry(sg.as_str()).or_default() += 1;
            }
        }
        for r in &ec2.security_group_rules {
            if let Some(peer) = &r.referenced_group_id {
                if *peer != r.group_id {
                    *c.referenced.entry(peer.as_str()).or_default() += 1;
                }
            }
            let counter = if r.is_egress {
                &mut c.egress
            } else {
                &mut c.ingress
            };
            *counter.entry(r.group_id.as_str()).or_default() += 1;
        }
        c
    }
}

/// A count from one of the maps, 0 when absent.
fn count(map: &HashMap<&str, usize>, key: &str) -> usize {
    map.get(key).copied().unwrap_or(0)
}

/// The security group rule attributes derived from what its peer exposes.
const EXPOSURE_ATTRS: [&str; 4] = [
    "internet_ipv4",
    "internet_ipv6",
    "public_range_ipv4",
    "public_range_ipv6",
];

/// Why a rule's internet exposure cannot be told.
enum Unknown {
    /// Data that was read is invalid (an error result).
    Invalid(String),
    /// Data it depends on was not read (not evaluated).
    Unread(String),
}

/// What a rule's peer opens to the internet: its CIDR, or every entry of
/// its managed prefix list; `Err` when that cannot be told.
fn peer_exposure(
    r: &SecurityGroupRule,
    lists: &HashMap<&str, &ManagedPrefixList>,
) -> Result<InternetExposure, Unknown> {
    let Some(id) = &r.prefix_list_id else {
        let cidrs = [&r.cidr_ipv4, &r.cidr_ipv6];
        return internet_exposure(cidrs.into_iter().flatten().map(String::as_str))
            .map_err(|c| Unknown::Invalid(format!("invalid CIDR {c:?}")));
    };
    let list = lists.get(id.as_str());
    let Some(entries) = list.and_then(|l| l.entries.as_ref()) else {
        let why = list
            .and_then(|l| l.error.as_deref())
            .unwrap_or("its entries are not in the snapshot");
        return Err(Unknown::Unread(format!(
            "managed prefix list {id} could not be read ({why}), so whether the rule admits the internet is unknown"
        )));
    };
    internet_exposure(entries.iter().map(|e| e.cidr.as_str())).map_err(|c| {
        Unknown::Invalid(format!(
            "managed prefix list {id} has an invalid CIDR {c:?}"
        ))
    })
}

/// The peer of a rule: (kind, value).
fn peer(r: &SecurityGroupRule) -> (&'static str, &str) {
    if let Some(c) = &r.cidr_ipv4 {
        ("ipv4", c.as_str())
    } else if let Some(c) = &r.cidr_ipv6 {
        ("ipv6", c.as_str())
    } else if let Some(p) = &r.prefix_list_id {
        ("prefix_list", p.as_str())
    } else if let Some(p) = &r.referenced_group_id {
        ("security_group", p.as_str())
    } else {
        ("none", "")
    }
}

impl GraphBuilder {
    /// Adds the EC2 network resources of one region.
    pub(super) fn build_ec2(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        let ec2 = &d.ec2;
        let flow_logs = super::detection::FlowLogIndex::of(ec2);
        for v in &ec2.vpcs {
            let attrs = Attrs::default()
                .s("vpc_id", &v.vpc_id)
                .b("is_default", v.is_default);
            let attrs = flow_logs.vpc_attrs(&v.vpc_id, attrs);
            let attrs = self.fleet_vpc_attrs(&v.vpc_id, d, attrs);
            g.node(&self.types.vpc, &v.arn, region)
                .name(&v.vpc_id)
                .parent(region_uid)
                .attrs(attrs)
                .tags(&v.tags)
                .add();
        }
        let counts = GroupCounts::of(ec2);
        for sn in &ec2.subnets {
            let attrs = Attrs::default()
                .s("subnet_id", &sn.subnet_id)
                .s("vpc_id", sn.vpc_id.as_deref().unwrap_or_default())
                .b("is_default", sn.default_for_az)
                .b("map_public_ip_on_launch", sn.map_public_ip_on_launch)
                .n(
                    "network_interface_count",
                    count(&counts.enis_per_subnet, &sn.subnet_id),
                );
            g.node(&self.types.subnet, &sn.arn, region)
                .name(&sn.subnet_id)
                .parent(region_uid)
                .attrs(attrs)
                .tags(&sn.tags)
                .add();
        }
        let mut groups: HashMap<&str, (EntityUid, &SecurityGroup)> = HashMap::new();
        for sg in &ec2.security_groups {
            let uid = self.security_group(g, region_uid, region, sg, &counts);
            groups.insert(sg.group_id.as_str(), (uid, sg));
        }
        for r in &ec2.security_group_rules {
            self.security_group_rule(g, region, r, &groups, &counts);
        }
        for acl in &ec2.network_acls {
            self.build_nacl(g, region_uid, region, acl);
        }
    }

    fn security_group(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        sg: &SecurityGroup,
        counts: &GroupCounts<'_>,
    ) -> EntityUid {
        let gid = sg.group_id.as_str();
        let attrs = Attrs::default()
            .s("group_id", gid)
            .s("group_name", &sg.group_name)
            .s("vpc_id", sg.vpc_id.as_deref().unwrap_or(""))
            .b("is_default", sg.group_name == "default")
            .n("ingress_rule_count", count(&counts.ingress, gid))
            .n("egress_rule_count", count(&counts.egress, gid))
            .n("attachment_count", count(&counts.attachments, gid))
            .n("referenced_by_count", count(&counts.referenced, gid));
        g.node(&self.types.security_group, &sg.arn, region)
            .name(format!("{} ({})", sg.group_name, gid))
            .parent(region_uid)
            .attrs(attrs)
            .tags(&sg.tags)
            .add()
    }

    fn security_group_rule(
        &self,
        g: &mut Ctx<'_>,
        region: &str,
        r: &SecurityGroupRule,
        groups: &HashMap<&str, (EntityUid, &SecurityGroup)>,
        counts: &GroupCounts<'_>,
    ) {
        let ty = &self.types.sg_rule;
        let Some((group_uid, sg)) = groups.get(r.group_id.as_str()) else {
            g.node(ty, &r.arn, region).name(&r.rule_id).broken(format!(
                "rule belongs to security group {} which is not in the snapshot",
                r.group_id
            ));
            return;
        };
        let protocol = normalise_protocol(&r.ip_protocol);
        let from = r.from_port.unwrap_or(-1);
        let to = r.to_port.unwrap_or(-1);
        let (peer_kind, peer) = peer(r);
        for c in [&r.cidr_ipv4, &r.cidr_ipv6].into_iter().flatten() {
            if Cidr::parse(c).is_none() {
                g.node(ty, &r.arn, region)
                    .name(&r.rule_id)
                    .broken(format!("invalid CIDR {c:?}"));
            }
        }
        if g.is_broken(&r.arn) {
            return;
        }
        // An unread prefix list leaves the rule's exposure unknown: its four
        // exposure facts get placeholders and are marked unknown, so every
        // check that reads them is not evaluated; checks that do not (ports,
        // descriptions, the group) still judge the rule.
        let (internet, unread) = match peer_exposure(r, &counts.prefix_lists) {
            Ok(e) => (e, None),
            Err(Unknown::Invalid(reason)) => {
                g.node(ty, &r.arn, region).name(&r.rule_id).broken(reason);
                return;
            }
            Err(Unknown::Unread(reason)) => (InternetExposure::default(), Some(reason)),
        };
        let gid = r.group_id.as_str();
        let mut attrs = Attrs::default()
            .s("rule_id", &r.rule_id)
            .s("group_id", gid)
            .s("group_name", &sg.group_name)
            .b("group_is_default", sg.group_name == "default")
            .n("group_attachment_count", count(&counts.attachments, gid))
            .b("is_egress", r.is_egress)
            .l("from_port", from)
            .l("to_port", to)
            .b("all_ports", sg_all_ports(&protocol, from, to))
            .set_l(
                "covered_ports",
                &ports_in(&self.ports_of_interest, &protocol, from, to),
            )
            .b(
                "covers_unlisted_ports",
                covers_unlisted_ports(&self.ports_of_interest, &protocol, from, to),
            )
            .s("protocol", &protocol)
            .s("peer_kind", peer_kind)
            .b("internet_ipv4", internet.ipv4)
            .b("internet_ipv6", internet.ipv6)
            .b("public_range_ipv4", internet.public_ipv4)
            .b("public_range_ipv6", internet.public_ipv6)
            .ip("cidr_ipv4", r.cidr_ipv4.as_deref())
            .ip("cidr_ipv6", r.cidr_ipv6.as_deref())
            .l(
                "prefix_length",
                prefix_length(r.cidr_ipv4.as_deref().or(r.cidr_ipv6.as_deref())),
            )
            .s("peer", peer);
        if let Some(reason) = unread {
            for k in EXPOSURE_ATTRS {
                attrs = attrs.unknown(k, reason.clone());
            }
        }
        let direction = if r.is_egress { "egress" } else { "ingress" };
        g.node(ty, &r.arn, region)
            .name(format!(
                "{} {direction} {} {peer}",
                sg.group_name, r.rule_id
            ))
            .parent(group_uid)
            .attrs(attrs)
            .inherited_tags(&sg.tags)
            .add();
    }
}
