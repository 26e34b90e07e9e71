//! Effective exposure (issue 14): EC2 instances and network interfaces as
//! entities with their reachability from the internet, and the verdict on
//! security group rules and network ACL entries, from the pure
//! [`crate::facts::reachability`] computation (once per region). The path
//! behind each verdict goes to [`super::AccountGraph::exposures`].
//!
//! Security group rules and NACL entries are built by `ec2`/`nacl` before
//! this module runs; their `reachability` attribute is added here by
//! rebuilding those entities (they carry no entity tags).

use std::collections::HashMap;

use cedar_policy::{Entity, EntityTypeName, EntityUid, RestrictedExpression};
use palisade_model::compute::Instance;
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::{FactKind, FactNote, GraphBuilder};
use crate::facts::reachability::{EniReach, RegionReach, Verdict};
use crate::facts::role_privilege::role_privilege;
use crate::result::{Exposure, PathHop, Reachability};

/// Entity type names of this module.
#[derive(Debug, Clone)]
pub(crate) struct ExposureTypes {
    pub(super) instance: EntityTypeName,
    pub(super) network_interface: EntityTypeName,
}

impl Default for ExposureTypes {
    fn default() -> Self {
        Self {
            instance: ty("AWS::EC2::Instance"),
            network_interface: ty("AWS::EC2::NetworkInterface"),
        }
    }
}

/// The exposure record of a verdict.
fn exposure(v: &Verdict) -> Exposure {
    Exposure {
        verdict: v.verdict,
        reason: v.reason.clone(),
        path: v.path.clone(),
    }
}

/// Why the load balancers of a region are not completely known: a failed
/// Elastic Load Balancing call in the coverage records.
fn elb_gap(g: &Ctx<'_>, region: &str) -> Option<String> {
    g.account
        .coverage
        .iter()
        .find(|c| c.service == "elasticloadbalancing" && c.region == region && c.is_gap())
        .map(|c| {
            format!(
                "Elastic Load Balancing {} failed, so paths through load balancers are unknown",
                c.api
            )
        })
}

/// Adds the verdict attributes to an attribute list.
fn reach_attrs(mut attrs: Attrs, r: &EniReach) -> Attrs {
    let any = &r.any;
    attrs = match any.verdict {
        Reachability::Unknown => attrs.unknown("internet_reachable", any.reason.clone()),
        v => attrs.b("internet_reachable", v == Reachability::Reachable),
    };
    let via = r
        .ports
        .iter()
        .map(|(_, v)| &**v)
        .chain([any])
        .any(|v| v.via_load_balancer);
    attrs = match any.verdict {
        Reachability::Unknown => attrs.unknown("via_load_balancer", any.reason.clone()),
        _ => attrs.b("via_load_balancer", via),
    };
    port_attrs(attrs, r.ports.iter().map(|(p, v)| (*p, &**v)))
}

/// `internet_reachable_ports`, unknown when any port is.
fn port_attrs<'v>(attrs: Attrs, ports: impl Iterator<Item = (i64, &'v Verdict)>) -> Attrs {
    let mut reachable = Vec::new();
    let mut unknown = None;
    for (p, v) in ports {
        match v.verdict {
            Reachability::Reachable => reachable.push(p),
            Reachability::Unknown => unknown = unknown.or(Some(format!("port {p}: {}", v.reason))),
            Reachability::NotReachable => {}
        }
    }
    reachable.sort_unstable();
    reachable.dedup();
    match unknown {
        Some(why) => attrs.unknown("internet_reachable_ports", why),
        None => attrs.set_l("internet_reachable_ports", &reachable),
    }
}

impl GraphBuilder {
    /// Region entity attributes of this area.
    pub(super) fn exposure_region_attrs(
        &self,
        _region: &str,
        _d: &RegionData,
        attrs: Attrs,
    ) -> Attrs {
        attrs
    }

    /// Adds the instances and network interfaces of one region, and the
    /// reachability of its security group rules and NACL entries.
    pub(super) fn build_exposure(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        let reach = RegionReach::new(d, elb_gap(g, region), &self.ports_of_interest);
        let mut by_eni: HashMap<&str, EniReach> = HashMap::new();
        for eni in &d.ec2.network_interfaces {
            let r = reach.eni(eni);
            let attrs = Attrs::default()
                .s("network_interface_id", &eni.network_interface_id)
                .s(
                    "interface_type",
                    eni.interface_type.as_deref().unwrap_or(""),
                )
                .s("subnet_id", eni.subnet_id.as_deref().unwrap_or(""))
                .s("vpc_id", eni.vpc_id.as_deref().unwrap_or(""))
                .b("has_public_ip", r.has_public_ip);
            let attrs = reach_attrs(attrs, &r);
            g.node(&self.types.exposure.network_interface, &eni.arn, region)
                .name(&eni.network_interface_id)
                .parent(region_uid)
                .attrs(attrs)
                .add();
            g.graph.exposures.insert(eni.arn.clone(), exposure(&r.any));
            by_eni.insert(eni.network_interface_id.as_str(), r);
        }
        for i in d.ec2.instances.iter().flatten() {
            self.instance(g, region_uid, region, d, &reach, &by_eni, i);
        }
        self.patch_rules(g, d, &reach);
    }

    #[allow(clippy::too_many_arguments)]
    fn instance(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
        reach: &RegionReach<'_>,
        by_eni: &HashMap<&str, EniReach>,
        i: &Instance,
    ) {
        let mut enis: Vec<&str> = i.network_interface_ids.iter().map(String::as_str).collect();
        if enis.is_empty() {
            enis = d
                .ec2
                .network_interfaces
                .iter()
                .filter(|e| e.attached_instance_id.as_deref() == Some(i.instance_id.as_str()))
                .map(|e| e.network_interface_id.as_str())
                .collect();
        }
        let reaches: Vec<&EniReach> = enis.iter().filter_map(|e| by_eni.get(e)).collect();
        let running = i.state.as_deref() == Some("running");
        let mut any = reaches
            .iter()
            .map(|r| r.any.clone())
            .reduce(Verdict::or)
            .unwrap_or(Verdict {
                verdict: Reachability::NotReachable,
                reason: "no network interface of the instance is in the snapshot".into(),
                path: vec![],
                via_load_balancer: false,
            });
        if !running && any.verdict != Reachability::NotReachable {
            any = Verdict {
                verdict: Reachability::NotReachable,
                reason: format!(
                    "the instance is {}",
                    i.state.as_deref().unwrap_or("not running")
                ),
                path: vec![],
                via_load_balancer: false,
            };
        }
        let has_public_ip = i.public_ip.is_some()
            || !i.ipv6_addresses.is_empty()
            || reaches.iter().any(|r| r.has_public_ip);
        let mut attrs = Attrs::default()
            .s("instance_id", &i.instance_id)
            .s("state", i.state.as_deref().unwrap_or(""))
            .s("instance_type", i.instance_type.as_deref().unwrap_or(""))
            .b("has_public_ip", has_public_ip)
            .b("has_instance_profile", i.iam_instance_profile_arn.is_some());
        attrs = match any.verdict {
            Reachability::Unknown => attrs.unknown("internet_reachable", any.reason.clone()),
            v => attrs.b("internet_reachable", v == Reachability::Reachable),
        };
        let ports: Vec<(i64, &Verdict)> = reaches
            .iter()
            .flat_map(|r| r.ports.iter().map(|(p, v)| (*p, &**v)))
            .collect();
        attrs = if running {
            port_attrs(attrs, ports.into_iter())
        } else {
            attrs.set_l("internet_reachable_ports", &[])
        };
        attrs = match subnet_routes_to_igw(reach, i) {
            Ok(b) => attrs.b("subnet_routes_to_igw", b),
            Err(why) => attrs.unknown("subnet_routes_to_igw", why),
        };
        attrs = match imdsv1(i) {
            Ok(b) => attrs.b("imdsv1_allowed", b),
            Err(why) => attrs.unknown("imdsv1_allowed", why),
        };
        let (attrs, role_hop) = self.role_attrs(g, i, attrs);
        if any.verdict == Reachability::Reachable {
            any.path.push(PathHop {
                kind: "instance".into(),
                id: i.arn.clone(),
                label: i.instance_id.clone(),
            });
            any.path.extend(role_hop);
        }
        g.node(&self.types.exposure.instance, &i.arn, region)
            .name(i.tags.get("Name").map_or_else(
                || i.instance_id.clone(),
                |n| format!("{n} ({})", i.instance_id),
            ))
            .parent(region_uid)
            .attrs(attrs)
            .tags(&i.tags)
            .add();
        g.graph.exposures.insert(i.arn.clone(), exposure(&any));
    }

    /// `has_instance_profile`'s role: admin and escalation attributes, and
    /// the role hop.
    fn role_attrs(&self, g: &mut Ctx<'_>, i: &Instance, attrs: Attrs) -> (Attrs, Option<PathHop>) {
        let Some(profile) = &i.iam_instance_profile_arn else {
            return (
                attrs
                    .b("role_admin", false)
                    .b("role_privilege_escalation", false),
                None,
            );
        };
        let iam = &g.account.iam;
        let Some(role) = iam
            .roles
            .iter()
            .find(|r| r.instance_profiles.contains(profile))
        else {
            let why = format!("no role of the snapshot carries instance profile {profile}");
            return (
                attrs
                    .unknown("role_admin", why.clone())
                    .unknown("role_privilege_escalation", why),
                None,
            );
        };
        let escalation = g.escalation_policies();
        let p = role_privilege(&g.account.iam, role, &escalation);
        let why = p.unknown.clone().unwrap_or_default();
        let attrs = match p.admin {
            Some(b) => attrs.b("role_admin", b),
            None => attrs.unknown("role_admin", why.clone()),
        };
        let attrs = match p.escalation {
            Some(b) => attrs.b("role_privilege_escalation", b),
            None => attrs.unknown("role_privilege_escalation", why),
        };
        let label = match &p.because {
            Some(b) => format!("role {} ({b})", role.name),
            None => format!("role {}", role.name),
        };
        (
            attrs,
            Some(PathHop {
                kind: "role".into(),
                id: role.arn.clone(),
                label,
            }),
        )
    }

    /// Adds `reachability` to the region's internet-facing SG rules and
    /// NACL entries (rebuilding their entities) and records their paths.
    fn patch_rules<'d>(&self, g: &mut Ctx<'_>, d: &'d RegionData, reach: &RegionReach<'d>) {
        let mut verdicts: HashMap<String, Verdict> = HashMap::new();
        for r in &d.ec2.security_group_rules {
            if let Some(v) = reach.sg_rule(r) {
                verdicts.insert(r.arn.clone(), v);
            }
        }
        for acl in &d.ec2.network_acls {
            for e in &acl.entries {
                if let Some(v) = reach.nacl_entry(acl, e) {
                    let id = format!(
                        "{}/entry/{}/{}",
                        acl.arn,
                        if e.egress { "egress" } else { "ingress" },
                        e.rule_number
                    );
                    verdicts.insert(id, v);
                }
            }
        }
        if verdicts.is_empty() {
            return;
        }
        for idx in 0..g.graph.resources.len() {
            let (_, ty, r) = &g.graph.resources[idx];
            if *ty != self.types.sg_rule && *ty != self.types.nacl_entry {
                continue;
            }
            let Some(v) = verdicts.remove(&r.id) else {
                continue;
            };
            let (rtype, rid) = (r.resource_type.clone(), r.id.clone());
            g.graph.exposures.insert(rid.clone(), exposure(&v));
            if v.verdict == Reachability::Unknown {
                g.graph.facts.push(FactNote {
                    resource_type: rtype,
                    resource_id: rid,
                    attr: "reachability".into(),
                    kind: FactKind::Unknown,
                    text: v.reason.clone(),
                });
                continue;
            }
            let Some(entity) = g.graph.entities.get(idx).cloned() else {
                continue;
            };
            let (uid, mut attrs, parents) = entity.into_inner();
            attrs.insert(
                "reachability".into(),
                RestrictedExpression::new_string(v.verdict.as_str().to_owned()),
            );
            if let Ok(e) = Entity::new(uid, attrs, parents) {
                g.graph.entities[idx] = e;
            }
        }
    }
}

/// Whether the instance's subnet routes some internet destination to an
/// attached internet gateway.
fn subnet_routes_to_igw(reach: &RegionReach<'_>, i: &Instance) -> Result<bool, String> {
    let Some(subnet) = &i.subnet_id else {
        return Ok(false);
    };
    reach.routes_to_igw(subnet)
}

/// IMDSv1 answers: tokens optional and the endpoint not disabled.
fn imdsv1(i: &Instance) -> Result<bool, String> {
    let Some(m) = &i.metadata_options else {
        return Err("the instance's metadata options were not reported".into());
    };
    if m.http_endpoint.as_deref() == Some("disabled") {
        return Ok(false);
    }
    match m.http_tokens.as_deref() {
        Some("optional") => Ok(true),
        Some(_) => Ok(false),
        None => Err("the instance's metadata token setting was not reported".into()),
    }
}
