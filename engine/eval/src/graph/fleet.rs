//! Load balancers, Auto Scaling groups, launch templates and VPC peering
//! routes (issue 14) as entities, children of their region: what the fleet
//! rules judge (WAF on internet-facing load balancers, Auto Scaling
//! settings, launch template settings, peering routes wider than the peer,
//! the default VPC in use). Launch settings come from
//! [`crate::facts::launch`], route widths from [`crate::facts::peering`].
//!
//! Whatever depends on data that was not read (a listener list, a WAF
//! association, a launch template version, a peering connection) is left
//! out of the entity and marked unknown, so checks reading it are not
//! evaluated.

use std::collections::BTreeSet;

use cedar_policy::{EntityTypeName, EntityUid};
use palisade_model::compute::{AutoScalingGroup, LaunchTemplate};
use palisade_model::elb::{ClassicLoadBalancer, LoadBalancer};
use palisade_model::routing::{Route, RouteTable};
use palisade_model::RegionData;

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::GraphBuilder;
use crate::facts::launch::{self, PublicIp};
use crate::facts::peering::{peer_side, route_width};

/// Entity type names of this module.
#[derive(Debug, Clone)]
pub(crate) struct FleetTypes {
    load_balancer: EntityTypeName,
    classic_load_balancer: EntityTypeName,
    auto_scaling_group: EntityTypeName,
    launch_template: EntityTypeName,
    peering_route: EntityTypeName,
}

impl FleetTypes {
    /// `AWS::EC2::LaunchTemplate`.
    pub(super) fn launch_template_type(&self) -> &EntityTypeName {
        &self.launch_template
    }

    /// `AWS::EC2::VpcPeeringRoute`.
    pub(super) fn peering_route_type(&self) -> &EntityTypeName {
        &self.peering_route
    }
}

impl Default for FleetTypes {
    fn default() -> Self {
        Self {
            load_balancer: ty("AWS::ElasticLoadBalancingV2::LoadBalancer"),
            classic_load_balancer: ty("AWS::ElasticLoadBalancing::LoadBalancer"),
            auto_scaling_group: ty("AWS::AutoScaling::AutoScalingGroup"),
            launch_template: ty("AWS::EC2::LaunchTemplate"),
            peering_route: ty("AWS::EC2::VpcPeeringRoute"),
        }
    }
}

/// The API that reports a v2 load balancer's WAF association.
const GET_WEB_ACL: &str = "GetWebACLForResource";

/// Whether a v2 load balancer has a WAF web ACL: its own association
/// (`GetWebACLForResource`), else the region's web ACLs that list it. `Err`
/// when the association was not read and a web ACL's associations were not
/// listed either.
fn web_acl_associated(lb: &LoadBalancer, d: &RegionData) -> Result<bool, String> {
    if lb.web_acl_arn.is_some() {
        return Ok(true);
    }
    let acls = &d.wafv2.web_acls;
    let listed = |a: &&palisade_model::waf::WebAcl| {
        a.associated_resources
            .as_ref()
            .is_some_and(|r| r.contains(&lb.arn))
    };
    if acls.iter().any(|a| listed(&a)) {
        return Ok(true);
    }
    if !lb.unread.iter().any(|u| u == GET_WEB_ACL) {
        return Ok(false);
    }
    if acls.iter().all(|a| a.associated_resources.is_some()) {
        return Ok(false);
    }
    Err(format!(
        "the load balancer's web ACL could not be read ({GET_WEB_ACL}) and not every web ACL's associations were listed"
    ))
}

/// Listener facts shared by both kinds of load balancer: count, any plain
/// HTTP listener, any listener without TLS.
fn listener_attrs<'p>(
    attrs: Attrs,
    unread: Option<String>,
    mut protocols: impl Iterator<Item = Option<&'p str>> + Clone,
) -> Attrs {
    const KEYS: [&str; 3] = [
        "listener_count",
        "has_http_listener",
        "has_unencrypted_listener",
    ];
    if let Some(why) = unread {
        return KEYS.iter().fold(attrs, |a, k| a.unknown(k, why.clone()));
    }
    let upper = |p: Option<&str>| p.unwrap_or("").to_ascii_uppercase();
    let count = protocols.clone().count();
    let http = protocols.clone().any(|p| upper(p) == "HTTP");
    let plain = protocols.any(|p| matches!(upper(p).as_str(), "HTTP" | "TCP" | "UDP" | "TCP_UDP"));
    attrs.n(KEYS[0], count).b(KEYS[1], http).b(KEYS[2], plain)
}

/// `internet-facing` scheme.
fn internet_facing(scheme: Option<&str>) -> bool {
    scheme == Some("internet-facing")
}

impl GraphBuilder {
    /// Region entity attributes of this area (none: the fleet rules judge
    /// their own entities).
    pub(super) fn fleet_region_attrs(&self, _region: &str, _d: &RegionData, attrs: Attrs) -> Attrs {
        attrs
    }

    /// VPC entity attributes of this area: its network interfaces and
    /// instances, and whether anything runs in it (`in_use`: any network
    /// interface, requester-managed ones of load balancers, databases or
    /// Lambda functions included, or any instance). Unknown when there is
    /// no interface and the instances were not read.
    pub(super) fn fleet_vpc_attrs(&self, vpc_id: &str, d: &RegionData, attrs: Attrs) -> Attrs {
        let in_vpc = |v: &Option<String>| v.as_deref() == Some(vpc_id);
        let enis = d
            .ec2
            .network_interfaces
            .iter()
            .filter(|e| in_vpc(&e.vpc_id))
            .count();
        let attrs = attrs.n("network_interface_count", enis);
        match &d.ec2.instances {
            Some(list) => {
                let instances = list.iter().filter(|i| in_vpc(&i.vpc_id)).count();
                attrs
                    .n("instance_count", instances)
                    .b("in_use", enis + instances > 0)
            }
            None if enis > 0 => attrs.b("in_use", true).unknown(
                "instance_count",
                "the region's instances were not read (DescribeInstances)",
            ),
            None => {
                let why = "the region's instances were not read (DescribeInstances)";
                attrs.unknown("instance_count", why).unknown("in_use", why)
            }
        }
    }

    /// Adds the load balancers, groups, templates and routes of one region.
    pub(super) fn build_fleet(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        d: &RegionData,
    ) {
        for lb in &d.elb.load_balancers {
            self.load_balancer(g, region_uid, region, lb, d);
        }
        for lb in &d.elb.classic_load_balancers {
            self.classic_load_balancer(g, region_uid, region, lb);
        }
        for group in &d.autoscaling.groups {
            self.auto_scaling_group(g, region_uid, region, group, d);
        }
        for lt in d.ec2.launch_templates.iter().flatten() {
            self.launch_template(g, region_uid, region, lt, d);
        }
        for rt in d.ec2.route_tables.iter().flatten() {
            for route in &rt.routes {
                self.peering_route(g, region_uid, region, rt, route, d);
            }
        }
    }

    fn load_balancer(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        lb: &LoadBalancer,
        d: &RegionData,
    ) {
        let target_groups = d
            .elb
            .target_groups
            .iter()
            .filter(|t| t.load_balancer_arns.contains(&lb.arn))
            .count();
        let attrs = Attrs::default()
            .s("name", &lb.name)
            .s("lb_type", lb.lb_type.as_deref().unwrap_or(""))
            .s("scheme", lb.scheme.as_deref().unwrap_or(""))
            .b("internet_facing", internet_facing(lb.scheme.as_deref()))
            .s("vpc_id", lb.vpc_id.as_deref().unwrap_or(""))
            .n("subnet_count", lb.subnet_ids.len())
            .n("security_group_count", lb.security_groups.len())
            .n("target_group_count", target_groups);
        let unread = lb.unread.iter().any(|u| u == "DescribeListeners").then(|| {
            "the load balancer's listeners could not be read (DescribeListeners)".to_owned()
        });
        let mut attrs = listener_attrs(
            attrs,
            unread,
            lb.listeners.iter().map(|l| l.protocol.as_deref()),
        );
        attrs = match web_acl_associated(lb, d) {
            Ok(b) => attrs.b("web_acl_associated", b),
            Err(why) => attrs.unknown("web_acl_associated", why),
        };
        g.node(&self.types.fleet.load_balancer, &lb.arn, region)
            .name(&lb.name)
            .parent(region_uid)
            .attrs(attrs)
            .tags(&lb.tags)
            .add();
    }

    fn classic_load_balancer(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        lb: &ClassicLoadBalancer,
    ) {
        let attrs = Attrs::default()
            .s("name", &lb.name)
            .s("scheme", lb.scheme.as_deref().unwrap_or(""))
            .b("internet_facing", internet_facing(lb.scheme.as_deref()))
            .s("vpc_id", lb.vpc_id.as_deref().unwrap_or(""))
            .n("instance_count", lb.instance_ids.len());
        let attrs = listener_attrs(
            attrs,
            None,
            lb.listeners.iter().map(|l| l.protocol.as_deref()),
        );
        g.node(&self.types.fleet.classic_load_balancer, &lb.arn, region)
            .name(&lb.name)
            .parent(region_uid)
            .attrs(attrs)
            .tags(&lb.tags)
            .add();
    }

    fn auto_scaling_group(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        group: &AutoScalingGroup,
        d: &RegionData,
    ) {
        let zones: BTreeSet<&str> = group
            .availability_zones
            .iter()
            .map(String::as_str)
            .collect();
        let health = group.health_check_type.as_deref().unwrap_or("EC2");
        let lbs = group.load_balancer_names.len() + group.target_group_arns.len();
        let mut attrs = Attrs::default()
            .s("name", &group.name)
            .n("az_count", zones.len())
            .n("subnet_count", group.subnet_ids.len())
            .s("health_check_type", health)
            .b(
                "elb_health_check",
                health.to_ascii_uppercase().contains("ELB"),
            )
            .n("load_balancer_count", lbs)
            .b("attached_to_load_balancer", lbs > 0)
            .opt_l("min_size", group.min_size)
            .opt_l("max_size", group.max_size)
            .opt_l("desired_capacity", group.desired_capacity)
            .n("instance_count", group.instance_ids.len());
        attrs = match launch::resolve(group, &d.ec2, &d.autoscaling) {
            Ok(l) => {
                let imds = launch::imdsv1_allowed(l.metadata);
                attrs = attrs
                    .s("launch_source", l.source)
                    .s("launch_settings", &l.label)
                    .b("launch_imdsv1_allowed", imds);
                if imds && l.metadata.is_none() {
                    attrs = attrs.note(
                        "launch_imdsv1_allowed",
                        format!("{} does not set metadata options", l.label),
                    );
                }
                match launch::group_public_ip(group, &l, &d.ec2) {
                    Ok(b) => attrs.b("launch_public_ip", b),
                    Err(why) => attrs.unknown("launch_public_ip", why),
                }
            }
            Err(why) => attrs
                .s("launch_source", "unknown")
                .s("launch_settings", "")
                .unknown("launch_public_ip", why.clone())
                .unknown("launch_imdsv1_allowed", why),
        };
        g.node(&self.types.fleet.auto_scaling_group, &group.arn, region)
            .name(&group.name)
            .parent(region_uid)
            .attrs(attrs)
            .tags(&group.tags)
            .add();
    }

    fn launch_template(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        lt: &LaunchTemplate,
        d: &RegionData,
    ) {
        let name = lt.name.as_deref().unwrap_or(&lt.launch_template_id);
        let mut attrs = Attrs::default()
            .s("launch_template_id", &lt.launch_template_id)
            .s("name", name)
            .opt_l("default_version", lt.default_version)
            .opt_l("latest_version", lt.latest_version);
        attrs = match launch::template_version(lt, None) {
            Ok(v) => {
                let imds = launch::imdsv1_allowed(v.metadata_options.as_ref());
                attrs = attrs.b("imdsv1_allowed", imds);
                let public = match launch::version_public_ip(v) {
                    PublicIp::Explicit(b) => Ok(b),
                    PublicIp::SubnetDecides(Some(id)) => {
                        launch::subnet(&d.ec2, &id).map(|s| s.map_public_ip_on_launch)
                    }
                    PublicIp::SubnetDecides(None) => {
                        attrs = attrs.note(
                            "public_ip",
                            "the template does not set AssociatePublicIpAddress: the subnet of each launch decides (groups are judged by autoscaling-launch-public-ip)",
                        );
                        Ok(false)
                    }
                };
                match public {
                    Ok(b) => attrs.b("public_ip", b),
                    Err(why) => attrs.unknown("public_ip", why),
                }
            }
            Err(why) => attrs
                .unknown("public_ip", why.clone())
                .unknown("imdsv1_allowed", why),
        };
        g.node(&self.types.fleet.launch_template, &lt.arn, region)
            .name(name)
            .parent(region_uid)
            .attrs(attrs)
            .tags(&lt.tags)
            .add();
    }

    fn peering_route(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        rt: &RouteTable,
        route: &Route,
        d: &RegionData,
    ) {
        let Some(pcx_id) = &route.vpc_peering_connection_id else {
            return;
        };
        let dest = route
            .destination_cidr_block
            .as_deref()
            .or(route.destination_ipv6_cidr_block.as_deref())
            .or(route.destination_prefix_list_id.as_deref())
            .unwrap_or("");
        let id = format!("{}/route/{dest}", rt.arn);
        let ty = &self.types.fleet.peering_route;
        let name = format!("{} {dest} -> {pcx_id}", rt.route_table_id);
        let vpc_id = rt.vpc_id.as_deref().unwrap_or("");
        let mut attrs = Attrs::default()
            .s("route_table_id", &rt.route_table_id)
            .s("vpc_id", vpc_id)
            .s("peering_connection_id", pcx_id)
            .s("destination", dest)
            .b("active", route.state.as_deref() != Some("blackhole"));
        let pcx = d
            .ec2
            .vpc_peering_connections
            .iter()
            .flatten()
            .find(|p| p.vpc_peering_connection_id == *pcx_id);
        let peer = pcx.and_then(|p| peer_side(p, vpc_id));
        let v6 = route.destination_ipv6_cidr_block.is_some();
        let peer_cidrs: Vec<String> = peer
            .map(|p| {
                if v6 {
                    &p.ipv6_cidr_blocks
                } else {
                    &p.cidr_blocks
                }
            })
            .cloned()
            .unwrap_or_default();
        let unknown = if d.ec2.vpc_peering_connections.is_none() {
            Some(
                "the region's peering connections were not read (DescribeVpcPeeringConnections)"
                    .to_owned(),
            )
        } else if pcx.is_none() {
            Some(format!(
                "peering connection {pcx_id} is not in the snapshot"
            ))
        } else if peer.is_none() {
            Some(format!(
                "peering connection {pcx_id} does not connect {vpc_id}"
            ))
        } else if route.destination_prefix_list_id.is_some() {
            Some(format!("the destination is the managed prefix list {dest}"))
        } else if peer_cidrs.is_empty() {
            Some(format!(
                "peering connection {pcx_id} reports no CIDR of the peer VPC"
            ))
        } else {
            None
        };
        attrs = attrs
            .s(
                "peer_vpc_id",
                peer.and_then(|p| p.vpc_id.as_deref()).unwrap_or(""),
            )
            .set_s("peer_cidrs", peer_cidrs.iter().cloned());
        const FACTS: [&str; 3] = [
            "destination_covers_more_than_peer",
            "destination_outside_peer",
            "destination_equals_peer_cidr",
        ];
        attrs = match unknown.map_or_else(
            || route_width(dest, &peer_cidrs).map_err(Ok),
            |w| Err(Err(w)),
        ) {
            Ok(w) => attrs
                .b(FACTS[0], w.covers_more_than_peer)
                .b(FACTS[1], w.outside_peer)
                .b(FACTS[2], w.equals_peer_cidr),
            Err(Ok(bad)) => {
                g.node(ty, &id, region)
                    .name(name)
                    .broken(format!("invalid CIDR {bad:?}"));
                return;
            }
            Err(Err(why)) => FACTS.iter().fold(attrs, |a, k| a.unknown(k, why.clone())),
        };
        g.node(ty, &id, region)
            .name(name)
            .parent(region_uid)
            .attrs(attrs)
            .inherited_tags(&rt.tags)
            .add();
    }
}
