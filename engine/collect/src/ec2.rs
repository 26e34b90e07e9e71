//! EC2 networking collector: VPCs, subnets, security groups, security group rules
//! (one peer each), network ACLs with entries and subnet associations, and
//! network interfaces (what each security group is attached to), and the
//! entries of every managed prefix list a security group rule references;
//! instances and launch templates ([`compute`]) and routing and addressing
//! ([`routing`]) for issue 14's effective exposure.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::{types, Client};
use futures_util::stream::{self, StreamExt as _};
use palisade_model::ec2::{
    Ec2, FlowLog, ManagedPrefixList, NetworkAcl, NetworkAclEntry, NetworkInterface, PortRange,
    PrefixListEntry, SecurityGroup, SecurityGroupRule, Subnet, Vpc,
};

use crate::ops;
use crate::pages::{drain, Listing};
use crate::scope::Scope;

#[path = "compute.rs"]
pub mod compute;
#[path = "routing.rs"]
pub mod routing;

fn tags(tags: &[types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

/// Collects one region. Every listing keeps what it read when a later page
/// fails: each resource is judged on its own data, and the gap (recorded by
/// [`drain`]) keeps the service's rules from passing in this region.
pub async fn collect(client: &Client, scope: &Scope) -> Ec2 {
    let vpcs = client.describe_vpcs().into_paginator().send();
    let subnets = client.describe_subnets().into_paginator().send();
    let groups = client.describe_security_groups().into_paginator().send();
    let rules = client
        .describe_security_group_rules()
        .into_paginator()
        .send();
    let acls = client.describe_network_acls().into_paginator().send();
    let enis = client.describe_network_interfaces().into_paginator().send();
    let flow_logs = client.describe_flow_logs().into_paginator().send();
    let (
        vpcs,
        subnets,
        groups,
        rules,
        acls,
        enis,
        flow_logs,
        ebs_default,
        (instances, templates),
        net,
    ) = tokio::join!(
        drain(scope, &ops::EC2_DESCRIBE_VPCS, vpcs),
        drain(scope, &ops::EC2_DESCRIBE_SUBNETS, subnets),
        drain(scope, &ops::EC2_DESCRIBE_SECURITY_GROUPS, groups),
        drain(scope, &ops::EC2_DESCRIBE_SECURITY_GROUP_RULES, rules),
        drain(scope, &ops::EC2_DESCRIBE_NETWORK_ACLS, acls),
        drain(scope, &ops::EC2_DESCRIBE_NETWORK_INTERFACES, enis),
        drain(scope, &ops::EC2_DESCRIBE_FLOW_LOGS, flow_logs),
        client.get_ebs_encryption_by_default().send(),
        compute::collect(client, scope),
        routing::collect(client, scope),
    );
    let security_group_rules = read(&rules, |p| p.security_group_rules(), |r| rule(scope, r));
    let managed_prefix_lists = prefix_lists(client, scope, &security_group_rules).await;
    Ec2 {
        vpcs: read(&vpcs, |p| p.vpcs(), |v| vpc(scope, v)),
        subnets: read(&subnets, |p| p.subnets(), |n| subnet(scope, n)),
        security_groups: read(&groups, |p| p.security_groups(), |g| group(scope, g)),
        security_group_rules,
        network_acls: read(&acls, |p| p.network_acls(), |a| acl(scope, a)),
        network_interfaces: read(&enis, |p| p.network_interfaces(), |n| eni(scope, n)),
        managed_prefix_lists,
        // A flow log listing cut short could miss the one of a VPC: unknown.
        flow_logs: flow_logs
            .flat_map(|p| p.flow_logs().iter().filter_map(flow_log))
            .complete(),
        ebs_encryption_by_default: scope
            .check(&ops::EC2_GET_EBS_ENCRYPTION_BY_DEFAULT, ebs_default)
            .and_then(|o| o.ebs_encryption_by_default()),
        instances,
        launch_templates: templates,
        elastic_ips: net.elastic_ips,
        internet_gateways: net.internet_gateways,
        egress_only_internet_gateways: net.egress_only_internet_gateways,
        nat_gateways: net.nat_gateways,
        route_tables: net.route_tables,
        vpc_peering_connections: net.vpc_peering_connections,
        vpc_endpoints: net.vpc_endpoints,
        transit_gateway_attachments: net.transit_gateway_attachments,
    }
}

fn flow_log(f: &types::FlowLog) -> Option<FlowLog> {
    Some(FlowLog {
        flow_log_id: f.flow_log_id()?.to_owned(),
        resource_id: f.resource_id()?.to_owned(),
        traffic_type: f.traffic_type().map(|t| t.as_str().to_owned()),
        status: f.flow_log_status().map(str::to_owned),
        deliver_status: f.deliver_logs_status().map(str::to_owned),
        destination_type: f.log_destination_type().map(|t| t.as_str().to_owned()),
    })
}

/// The entries of every managed prefix list that `rules` reference (sorted
/// by id). Customer-managed, shared and AWS-managed (`com.amazonaws.*`)
/// lists are all readable with GetManagedPrefixListEntries.
async fn prefix_lists(
    client: &Client,
    scope: &Scope,
    rules: &[SecurityGroupRule],
) -> Vec<ManagedPrefixList> {
    let ids: BTreeSet<String> = rules
        .iter()
        .filter_map(|r| r.prefix_list_id.clone())
        .collect();
    stream::iter(ids)
        .map(|id| prefix_list(client, scope, id))
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await
}

/// One prefix list's entries, every page. A failed page (recorded as a gap)
/// leaves the entries unknown: a list read in part could still hold
/// `0.0.0.0/0`, so the rules that use it are not evaluated.
async fn prefix_list(client: &Client, scope: &Scope, id: String) -> ManagedPrefixList {
    let pages = client
        .get_managed_prefix_list_entries()
        .prefix_list_id(&id)
        .into_paginator()
        .send();
    let listing = drain(scope, &ops::EC2_GET_MANAGED_PREFIX_LIST_ENTRIES, pages)
        .await
        .flat_map(|p| {
            p.entries().iter().filter_map(|e| {
                Some(PrefixListEntry {
                    cidr: e.cidr()?.to_owned(),
                    description: e.description().filter(|d| !d.is_empty()).map(str::to_owned),
                })
            })
        });
    let (entries, error) = match listing {
        Listing::Complete(entries) => (Some(entries), None),
        Listing::Partial(_, error) => (None, Some(error)),
    };
    ManagedPrefixList {
        prefix_list_id: id,
        entries,
        error,
    }
}

/// The resources of every page read, complete or not (see [`collect`]):
/// `list` gives a page's items, `convert` turns one into the model's.
fn read<'a, P, S: 'a, U>(
    listing: &'a Listing<P>,
    list: impl Fn(&'a P) -> &'a [S],
    convert: impl Fn(&'a S) -> Option<U>,
) -> Vec<U> {
    listing
        .flat_map(|p| list(p).iter().filter_map(&convert))
        .with_partial()
}

/// A short summary for the progress display.
pub fn counts(e: &Ec2) -> String {
    format!(
        "{} VPCs, {} subnets, {} security groups, {} rules, {} NACLs, {} ENIs, {} prefix lists, {}, {}",
        e.vpcs.len(),
        e.subnets.len(),
        e.security_groups.len(),
        e.security_group_rules.len(),
        e.network_acls.len(),
        e.network_interfaces.len(),
        e.managed_prefix_lists.len(),
        compute::counts(e.instances.as_deref(), e.launch_templates.as_deref()),
        routing::counts(e)
    )
}

fn vpc(scope: &Scope, v: &types::Vpc) -> Option<Vpc> {
    let id = v.vpc_id()?;
    Some(Vpc {
        arn: scope.arn("ec2", &format!("vpc/{id}")),
        vpc_id: id.to_owned(),
        cidr_block: v.cidr_block().map(str::to_owned),
        is_default: v.is_default().unwrap_or(false),
        tags: tags(v.tags()),
    })
}

fn subnet(scope: &Scope, n: &types::Subnet) -> Option<Subnet> {
    let id = n.subnet_id()?;
    Some(Subnet {
        arn: n
            .subnet_arn()
            .map(str::to_owned)
            .unwrap_or_else(|| scope.arn("ec2", &format!("subnet/{id}"))),
        subnet_id: id.to_owned(),
        vpc_id: n.vpc_id().map(str::to_owned),
        cidr_block: n.cidr_block().map(str::to_owned),
        availability_zone: n.availability_zone().map(str::to_owned),
        map_public_ip_on_launch: n.map_public_ip_on_launch().unwrap_or(false),
        default_for_az: n.default_for_az().unwrap_or(false),
        tags: tags(n.tags()),
    })
}

fn group(scope: &Scope, g: &types::SecurityGroup) -> Option<SecurityGroup> {
    let id = g.group_id()?;
    Some(SecurityGroup {
        arn: scope.arn("ec2", &format!("security-group/{id}")),
        group_id: id.to_owned(),
        group_name: g.group_name().unwrap_or_default().to_owned(),
        description: g.description().unwrap_or_default().to_owned(),
        vpc_id: g.vpc_id().map(str::to_owned),
        tags: tags(g.tags()),
    })
}

fn rule(scope: &Scope, r: &types::SecurityGroupRule) -> Option<SecurityGroupRule> {
    let id = r.security_group_rule_id()?;
    Some(SecurityGroupRule {
        arn: scope.arn("ec2", &format!("security-group-rule/{id}")),
        rule_id: id.to_owned(),
        group_id: r.group_id().unwrap_or_default().to_owned(),
        is_egress: r.is_egress().unwrap_or(false),
        ip_protocol: r.ip_protocol().unwrap_or("-1").to_owned(),
        from_port: r.from_port().map(i64::from),
        to_port: r.to_port().map(i64::from),
        cidr_ipv4: r.cidr_ipv4().map(str::to_owned),
        cidr_ipv6: r.cidr_ipv6().map(str::to_owned),
        prefix_list_id: r.prefix_list_id().map(str::to_owned),
        referenced_group_id: r
            .referenced_group_info()
            .and_then(|g| g.group_id())
            .map(str::to_owned),
        description: r.description().filter(|d| !d.is_empty()).map(str::to_owned),
    })
}

fn acl(scope: &Scope, a: &types::NetworkAcl) -> Option<NetworkAcl> {
    let id = a.network_acl_id()?;
    let entries = a
        .entries()
        .iter()
        .map(|e| NetworkAclEntry {
            rule_number: e.rule_number().map(i64::from).unwrap_or_default(),
            protocol: e.protocol().unwrap_or("-1").to_owned(),
            rule_action: e
                .rule_action()
                .map(|a| a.as_str().to_ascii_lowercase())
                .unwrap_or_default(),
            egress: e.egress().unwrap_or(false),
            cidr_block: e.cidr_block().map(str::to_owned),
            ipv6_cidr_block: e.ipv6_cidr_block().map(str::to_owned),
            port_range: e.port_range().and_then(|p| {
                Some(PortRange {
                    from: i64::from(p.from()?),
                    to: i64::from(p.to()?),
                })
            }),
        })
        .collect();
    Some(NetworkAcl {
        arn: scope.arn("ec2", &format!("network-acl/{id}")),
        network_acl_id: id.to_owned(),
        vpc_id: a.vpc_id().map(str::to_owned),
        is_default: a.is_default().unwrap_or(false),
        entries,
        associated_subnets: a
            .associations()
            .iter()
            .filter_map(|s| s.subnet_id().map(str::to_owned))
            .collect(),
        tags: tags(a.tags()),
    })
}

fn eni(scope: &Scope, n: &types::NetworkInterface) -> Option<NetworkInterface> {
    let id = n.network_interface_id()?;
    Some(NetworkInterface {
        arn: scope.arn("ec2", &format!("network-interface/{id}")),
        network_interface_id: id.to_owned(),
        interface_type: n.interface_type().map(|t| t.as_str().to_owned()),
        subnet_id: n.subnet_id().map(str::to_owned),
        vpc_id: n.vpc_id().map(str::to_owned),
        attached_instance_id: n
            .attachment()
            .and_then(|a| a.instance_id())
            .map(str::to_owned),
        groups: n
            .groups()
            .iter()
            .filter_map(|g| g.group_id().map(str::to_owned))
            .collect(),
        description: n.description().filter(|d| !d.is_empty()).map(str::to_owned),
        requester_managed: n.requester_managed(),
        requester_id: n.requester_id().map(str::to_owned),
        public_ip: n
            .association()
            .and_then(|a| a.public_ip())
            .map(str::to_owned),
        private_ip: n.private_ip_address().map(str::to_owned),
        ipv6_addresses: n
            .ipv6_addresses()
            .iter()
            .filter_map(|a| a.ipv6_address().map(str::to_owned))
            .collect(),
    })
}

/// The regions enabled for the account (`DescribeRegions`), sorted.
pub async fn enabled_regions(client: &Client, scope: &Scope) -> Option<Vec<String>> {
    let out = scope.check(
        &ops::EC2_DESCRIBE_REGIONS,
        client.describe_regions().send().await,
    )?;
    let mut regions: Vec<String> = out
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_owned))
        .collect();
    regions.sort();
    Some(regions)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config, event, scope};

    const EC2: &str = "https://ec2.eu-west-1.amazonaws.com/";

    fn page(entries: &[(&str, &str)], next: Option<&str>) -> String {
        let items: String = entries
            .iter()
            .map(|(cidr, d)| {
                format!("<item><cidr>{cidr}</cidr><description>{d}</description></item>")
            })
            .collect();
        let next = next.map_or(String::new(), |t| format!("<nextToken>{t}</nextToken>"));
        format!(
            r#"<GetManagedPrefixListEntriesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId><entrySet>{items}</entrySet>{next}</GetManagedPrefixListEntriesResponse>"#
        )
    }

    #[tokio::test]
    async fn prefix_list_entries_are_read_from_every_page() {
        let (conf, http) = config(vec![
            event(
                "POST",
                EC2,
                200,
                &page(&[("203.0.113.0/24", "office")], Some("t2")),
            ),
            event("POST", EC2, 200, &page(&[("0.0.0.0/0", "anywhere")], None)),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let list = prefix_list(&client, &scope, "pl-0123456789abcdef0".into()).await;
        assert_eq!(http.actual_requests().count(), 2);
        let cidrs: Vec<&str> = list
            .entries
            .as_deref()
            .unwrap()
            .iter()
            .map(|e| e.cidr.as_str())
            .collect();
        assert_eq!(cidrs, ["203.0.113.0/24", "0.0.0.0/0"]);
        assert_eq!(list.error, None);
        let body = &crate::replay::bodies(&http)[0];
        assert!(
            body.contains("Action=GetManagedPrefixListEntries"),
            "{body}"
        );
        assert!(body.contains("PrefixListId=pl-0123456789abcdef0"), "{body}");
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }

    #[tokio::test]
    async fn a_prefix_list_read_in_part_is_unknown_and_a_gap() {
        let (conf, _http) = config(vec![
            event(
                "POST",
                EC2,
                200,
                &page(&[("203.0.113.0/24", "office")], Some("t2")),
            ),
            event(
                "POST",
                EC2,
                403,
                r#"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors></Response>"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = scope();
        let list = prefix_list(&client, &scope, "pl-0123456789abcdef0".into()).await;
        assert_eq!(list.entries, None, "a partial list could hide 0.0.0.0/0");
        assert!(list.error.unwrap().contains("UnauthorizedOperation"));
        let records = coverage.records();
        assert_eq!(records.len(), 1);
        assert!(records[0].is_gap());
        assert_eq!(records[0].api, "GetManagedPrefixListEntries");
    }

    #[tokio::test]
    async fn only_referenced_prefix_lists_are_read_once_each() {
        let (conf, http) = config(vec![event(
            "POST",
            EC2,
            200,
            &page(&[("10.0.0.0/8", "corp")], None),
        )]);
        let client = Client::new(&conf);
        let (scope, _coverage) = scope();
        let rule = |id: &str, pl: Option<&str>| SecurityGroupRule {
            rule_id: id.into(),
            prefix_list_id: pl.map(str::to_owned),
            ..SecurityGroupRule::default()
        };
        let rules = [
            rule("sgr-1", Some("pl-1")),
            rule("sgr-2", None),
            rule("sgr-3", Some("pl-1")),
        ];
        let lists = prefix_lists(&client, &scope, &rules).await;
        assert_eq!(http.actual_requests().count(), 1);
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0].prefix_list_id, "pl-1");
    }

    #[test]
    fn interfaces_keep_who_requested_them() {
        let (scope, _) = crate::replay::scope();
        let elb = types::NetworkInterface::builder()
            .network_interface_id("eni-1")
            .interface_type(types::NetworkInterfaceType::Interface)
            .requester_managed(true)
            .requester_id("amazon-elb")
            .build();
        let n = eni(&scope, &elb).expect("eni");
        assert_eq!(n.interface_type.as_deref(), Some("interface"));
        assert_eq!(
            (n.requester_managed, n.requester_id.as_deref()),
            (Some(true), Some("amazon-elb"))
        );
        // Not reported (moto omits it): unknown, not false.
        let bare = types::NetworkInterface::builder()
            .network_interface_id("eni-2")
            .build();
        let n = eni(&scope, &bare).expect("eni");
        assert_eq!((n.requester_managed, n.requester_id), (None, None));
    }
}
