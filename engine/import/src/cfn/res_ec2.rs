//! EC2 networking: VPCs, subnets, security groups with inline rules and
//! standalone SecurityGroupIngress / SecurityGroupEgress, managed prefix
//! lists, network ACLs with their entries and subnet associations.
//!
//! The short ids other resources name (`sg-...`, `vpc-...`, `acl-...`,
//! `subnet-...`, `pl-...` when collected) are the logical ids here, so a
//! `Ref` / `GetAtt ... GroupId` of a template resource joins as the
//! collectors' ids do; a literal id is kept as written.
//!
//! What AWS creates with a resource is modelled as AWS lists it: a new
//! group's allow-all egress rule, a new ACL's deny-all entries, and a
//! VPC's default security group and network ACL when the template names
//! them (`GetAtt Vpc.DefaultSecurityGroup`, `Vpc.DefaultNetworkAcl`) to add
//! rules or entries (`<Vpc>.DefaultSecurityGroup`, `<Vpc>.DefaultNetworkAcl`).

use palisade_model::ec2::{
    ManagedPrefixList, NetworkAcl, NetworkAclEntry, PortRange, PrefixListEntry, SecurityGroup,
    SecurityGroupRule, Subnet, Vpc,
};

use super::{boolean, int, list, name_of, prop, ref_reason, tags, text, Cx};
use crate::cfn::template::Resource;
use crate::emit::Emit;
use crate::value::{Node, Value, UNKNOWN_PLACEHOLDER};

const VPC: &str = "AWS::EC2::VPC";
const SUBNET: &str = "AWS::EC2::Subnet";
const SG: &str = "AWS::EC2::SecurityGroup";
const NACL: &str = "AWS::EC2::NetworkAcl";
const PREFIX_LIST: &str = "AWS::EC2::PrefixList";

/// Types mapped in the first pass.
pub(super) const PRIMARY: &[&str] = &[VPC, SUBNET, SG, NACL, PREFIX_LIST];

/// What an unknown CIDR becomes in the typed field (the rule is marked
/// unknown, so it is never judged on this value).
const CIDR_PLACEHOLDER: &str = "0.0.0.0/0";

/// Maps VPCs, subnets, security groups (with inline rules), prefix lists
/// and network ACLs; false for other types.
pub(super) fn primary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        VPC => vpc(e, cx, r),
        SUBNET => subnet(e, cx, r),
        SG => security_group(e, cx, r),
        NACL => network_acl(e, cx, r),
        PREFIX_LIST => prefix_list(e, r),
        _ => return false,
    }
    true
}

/// Maps standalone rules, ACL entries and associations; false for other
/// types.
pub(super) fn secondary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        "AWS::EC2::SecurityGroupIngress" => standalone_rule(e, cx, r, false),
        "AWS::EC2::SecurityGroupEgress" => standalone_rule(e, cx, r, true),
        "AWS::EC2::NetworkAclEntry" => nacl_entry(e, cx, r),
        "AWS::EC2::SubnetNetworkAclAssociation" => nacl_association(e, cx, r),
        _ => return false,
    }
    true
}

fn vpc(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let cidr_block = prop(r, "CidrBlock")
        .and_then(|n| n.as_str())
        .map(str::to_owned);
    let v = Vpc {
        arn: e.id(&r.logical_id),
        vpc_id: r.logical_id.clone(),
        cidr_block,
        is_default: false,
        tags: tags(r),
    };
    e.regional().ec2.vpcs.push(v);
    // AWS gives every new VPC a default network ACL (allow all) and a
    // default security group with its default rules, whether or not the
    // template names them; CloudFormation cannot change the group's rules,
    // a custom resource can.
    default_acl_of(e, &r.logical_id, r.pos);
    let group = default_group_of(e, &r.logical_id, r.pos);
    match default_group_custom(cx, &r.logical_id) {
        DefaultGroupCustom::None => {}
        DefaultGroupCustom::Restrict => {
            let prefix = format!("{}/", e.id(&group));
            e.regional()
                .ec2
                .security_group_rules
                .retain(|x| !x.arn.starts_with(&prefix));
        }
        DefaultGroupCustom::Other(id) => {
            let gid = e.id(&group);
            e.unknown(
                &gid,
                "rules",
                &format!("custom resource {id} is given the VPC's default security group; what it does to its rules is known only at deployment"),
            );
        }
    }
}

/// What the template's custom resources do to a VPC's default group.
enum DefaultGroupCustom {
    /// None names it.
    None,
    /// The AWS CDK's `Custom::VpcRestrictDefaultSG` (the `Vpc` construct's
    /// `restrictDefaultSecurityGroup`) removes all of its rules.
    Restrict,
    /// Another custom resource (logical id) is given it.
    Other(String),
}

fn default_group_custom(cx: &Cx<'_>, vpc: &str) -> DefaultGroupCustom {
    let mut out = DefaultGroupCustom::None;
    for r in &cx.t.resources {
        let custom = r.resource_type.starts_with("Custom::")
            || r.resource_type == "AWS::CloudFormation::CustomResource";
        if !custom {
            continue;
        }
        let names_it = r.properties.entries().iter().any(|(_, v)| {
            matches!(&v.value, Value::Ref { target, attr: Some(a) } if target == vpc && a == "DefaultSecurityGroup")
        });
        if !names_it {
            continue;
        }
        if r.resource_type == "Custom::VpcRestrictDefaultSG" {
            return DefaultGroupCustom::Restrict;
        }
        out = DefaultGroupCustom::Other(r.logical_id.clone());
    }
    out
}

fn subnet(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let map_public = prop(r, "MapPublicIpOnLaunch")
        .and_then(|n| boolean(e, &id, "MapPublicIpOnLaunch", n))
        .unwrap_or(false);
    let s = Subnet {
        arn: id,
        subnet_id: r.logical_id.clone(),
        vpc_id: prop(r, "VpcId").and_then(|n| short_id(cx, n, VPC)),
        cidr_block: prop(r, "CidrBlock")
            .and_then(|n| n.as_str())
            .map(str::to_owned),
        availability_zone: prop(r, "AvailabilityZone")
            .and_then(|n| n.as_str())
            .map(str::to_owned),
        map_public_ip_on_launch: map_public,
        default_for_az: false,
        tags: tags(r),
    };
    e.regional().ec2.subnets.push(s);
}

/// The short id `n` designates: a template resource of type `ty` (its
/// logical id), or a literal id; `None` for anything else.
fn short_id(cx: &Cx<'_>, n: &Node, ty: &str) -> Option<String> {
    match cx.target(n, ty) {
        Some(t) => Some(t.logical_id.clone()),
        None => n.as_str().map(str::to_owned),
    }
}

fn security_group(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let sg = SecurityGroup {
        arn: id.clone(),
        group_id: r.logical_id.clone(),
        group_name: name_of(r, "GroupName"),
        description: prop(r, "GroupDescription")
            .and_then(|n| n.as_str())
            .unwrap_or_default()
            .to_owned(),
        vpc_id: prop(r, "VpcId").and_then(|n| short_id(cx, n, VPC)),
        tags: tags(r),
    };
    e.regional().ec2.security_groups.push(sg);
    for (egress, key) in [
        (false, "SecurityGroupIngress"),
        (true, "SecurityGroupEgress"),
    ] {
        let dir = if egress { "egress" } else { "ingress" };
        for (i, (p, n)) in list(e, &id, key, prop(r, key)).into_iter().enumerate() {
            let rule_id = format!("{id}/{dir}/{i}");
            let rule = RuleSpec {
                arn: &rule_id,
                short: format!("{}/{dir}/{i}", r.logical_id),
                group_id: r.logical_id.clone(),
                egress,
                prefix: format!("{p}."),
            };
            add_rule(e, cx, &rule, n);
        }
    }
    // AWS gives a new security group an allow-all IPv4 egress rule unless
    // its egress rules are listed at creation (CloudFormation lists the
    // inline `SecurityGroupEgress`; standalone SecurityGroupEgress
    // resources are added afterwards and leave the default rule in place).
    match prop(r, "SecurityGroupEgress").map(|n| &n.value) {
        Some(Value::List(items)) if !items.is_empty() => {}
        Some(Value::Unknown(_)) => {} // recorded on the group by `list`
        Some(Value::Map(_)) => {}
        _ => {
            let rule = SecurityGroupRule {
                arn: format!("{id}/egress/default"),
                rule_id: format!("{}/egress/default", r.logical_id),
                group_id: r.logical_id.clone(),
                is_egress: true,
                ip_protocol: "-1".to_owned(),
                from_port: Some(-1),
                to_port: Some(-1),
                cidr_ipv4: Some("0.0.0.0/0".to_owned()),
                ..SecurityGroupRule::default()
            };
            e.regional().ec2.security_group_rules.push(rule);
        }
    }
}

/// Where a rule goes and what it is called.
struct RuleSpec<'a> {
    /// The rule's model id.
    arn: &'a str,
    /// Its short id (display).
    short: String,
    /// The owning group's id.
    group_id: String,
    /// Outbound.
    egress: bool,
    /// Property path prefix for unknowns (`SecurityGroupIngress[0].`, or
    /// empty for a standalone rule).
    prefix: String,
}

/// Adds one rule (an inline entry or a standalone resource's properties),
/// located at its peer (`CidrIp`, ...) when written.
fn add_rule(e: &mut Emit, cx: &Cx<'_>, s: &RuleSpec<'_>, n: &Node) {
    let id = s.arn;
    let p = |k: &str| format!("{}{k}", s.prefix);
    if let Value::Unknown(reason) = &n.value {
        // The whole rule is unknown: a placeholder, never judged.
        let whole = s.prefix.trim_end_matches('.');
        e.unknown(
            id,
            if whole.is_empty() {
                "Properties"
            } else {
                whole
            },
            reason,
        );
    }
    // Required: an absent or unknown protocol leaves the rule unknown (the
    // placeholder `-1` is never judged).
    let ip_protocol = match n.get("IpProtocol") {
        Some(x) => text(e, id, &p("IpProtocol"), x),
        None if matches!(n.value, Value::Unknown(_)) => None,
        None => {
            e.unknown(id, &p("IpProtocol"), "IpProtocol is not given");
            None
        }
    };
    let protocol = ip_protocol.map_or_else(|| "-1".to_owned(), |t| protocol(&t));
    let mut port = |k: &str| n.get(k).and_then(|x| int(e, id, &p(k), x));
    let (mut from, mut to) = (port("FromPort"), port("ToPort"));
    if protocol == "-1" {
        // AWS ignores the ports of an all-protocols rule and returns -1.
        (from, to) = (Some(-1), Some(-1));
    }
    let (v4, v6, pl, sg) = if s.egress {
        (
            "CidrIp",
            "CidrIpv6",
            "DestinationPrefixListId",
            "DestinationSecurityGroupId",
        )
    } else {
        (
            "CidrIp",
            "CidrIpv6",
            "SourcePrefixListId",
            "SourceSecurityGroupId",
        )
    };
    let peer_pos = [v4, v6, pl, sg, "SourceSecurityGroupName"]
        .iter()
        .find_map(|k| n.get(k))
        .map_or(n.pos, |x| x.pos);
    e.locate(id, peer_pos);
    let cidr = |e: &mut Emit, k: &str| n.get(k).and_then(|x| cidr_text(e, cx, id, &p(k), x));
    let cidr_ipv4 = cidr(e, v4);
    let cidr_ipv6 = cidr(e, v6);
    let prefix_list_id = n
        .get(pl)
        .and_then(|x| peer_id(e, cx, id, &p(pl), x, PREFIX_LIST));
    let referenced_group_id = n
        .get(sg)
        .or_else(|| n.get("SourceSecurityGroupName"))
        .and_then(|x| peer_id(e, cx, id, &p(sg), x, SG));
    let rule = SecurityGroupRule {
        arn: id.to_owned(),
        rule_id: s.short.clone(),
        group_id: s.group_id.clone(),
        is_egress: s.egress,
        ip_protocol: protocol,
        from_port: from,
        to_port: to,
        cidr_ipv4,
        cidr_ipv6,
        prefix_list_id,
        referenced_group_id,
        description: n
            .get("Description")
            .and_then(Node::as_str)
            .map(str::to_owned),
    };
    e.regional().ec2.security_group_rules.push(rule);
}

/// A CIDR peer: literal, the `CidrBlock` of a template VPC or subnet it
/// reads with `GetAtt`, or (unknown, recorded on the rule) a placeholder.
fn cidr_text(e: &mut Emit, cx: &Cx<'_>, id: &str, p: &str, n: &Node) -> Option<String> {
    if let Value::Ref {
        target,
        attr: Some(a),
    } = &n.value
    {
        let literal = cx
            .resource(target)
            .filter(|t| a == "CidrBlock" && (t.resource_type == VPC || t.resource_type == SUBNET))
            .and_then(|t| prop(t, "CidrBlock"))
            .and_then(Node::as_str);
        if let Some(c) = literal {
            return Some(c.to_owned());
        }
    }
    let placeholder = matches!(n.value, Value::Unknown(_) | Value::Ref { .. });
    // An unknown or referenced CIDR is recorded by `text`; a value of no
    // CIDR shape (null, a list) gives no peer.
    text(e, id, p, n).or_else(|| placeholder.then(|| CIDR_PLACEHOLDER.to_owned()))
}

/// A security group or prefix list peer: a template resource (its logical
/// id), a literal id, or (unknown, recorded) the unknown placeholder; none
/// for a value of no id shape.
fn peer_id(e: &mut Emit, cx: &Cx<'_>, id: &str, p: &str, n: &Node, ty: &str) -> Option<String> {
    if let Some(t) = cx.target(n, ty) {
        return Some(t.logical_id.clone());
    }
    if let (SG, Some(vpc)) = (ty, vpc_attr(cx, n, "DefaultSecurityGroup")) {
        return Some(format!("{vpc}.DefaultSecurityGroup"));
    }
    if let Value::String(name) = &n.value {
        // A group named by name (SourceSecurityGroupName, GroupName).
        if let Some(t) = cx.named(SG, name).filter(|_| ty == SG) {
            return Some(t.logical_id.clone());
        }
    }
    let placeholder = matches!(n.value, Value::Unknown(_) | Value::Ref { .. });
    text(e, id, p, n).or_else(|| placeholder.then(|| UNKNOWN_PLACEHOLDER.to_owned()))
}

/// IpProtocol as AWS returns it: `-1`, lower-case names, and the numbers
/// of tcp, udp, icmp and icmpv6 as their names; other numbers as written.
fn protocol(p: &str) -> String {
    match p.trim().to_ascii_lowercase().as_str() {
        "-1" | "all" => "-1".to_owned(),
        "6" | "tcp" => "tcp".to_owned(),
        "17" | "udp" => "udp".to_owned(),
        "1" | "icmp" => "icmp".to_owned(),
        "58" | "icmpv6" => "icmpv6".to_owned(),
        other => other.to_owned(),
    }
}

/// A standalone SecurityGroupIngress / SecurityGroupEgress. Its group is
/// the template group `GroupId` (or `GroupName`) designates; a group
/// outside the template gets a stand-in (its other rules are unknown, so
/// the checks over the group are not evaluated; the rule is judged).
fn standalone_rule(e: &mut Emit, cx: &Cx<'_>, r: &Resource, egress: bool) {
    let id = e.id(&r.logical_id);
    let group_node = prop(r, "GroupId").or_else(|| prop(r, "GroupName"));
    if let Some(gid) = group_node.and_then(|n| default_group(e, cx, n)) {
        let spec = RuleSpec {
            arn: &id,
            short: r.logical_id.clone(),
            group_id: gid,
            egress,
            prefix: String::new(),
        };
        add_rule(e, cx, &spec, &r.properties);
        return;
    }
    let template_group = group_node.and_then(|n| {
        cx.target(n, SG).or_else(|| {
            let name = n.as_str()?;
            cx.named(SG, name)
        })
    });
    let group_id = match (template_group, group_node) {
        (Some(g), _) => g.logical_id.clone(),
        (None, Some(n)) => external_group(e, &id, r, n, egress),
        (None, None) => external_group(e, &id, r, &Node::new(Value::Null, r.pos), egress),
    };
    let spec = RuleSpec {
        arn: &id,
        short: r.logical_id.clone(),
        group_id,
        egress,
        prefix: String::new(),
    };
    add_rule(e, cx, &spec, &r.properties);
}

/// A stand-in for a group outside the template (`GroupId` literal or
/// unknown): judged on nothing, its checks not evaluated. An outbound rule
/// on it reads whether it is a default group, which is unknown unless it
/// is named.
fn external_group(e: &mut Emit, rule: &str, r: &Resource, n: &Node, egress: bool) -> String {
    let by_name = prop(r, "GroupName").and_then(Node::as_str);
    let key = match (by_name, n.as_str()) {
        (Some(name), _) => name.to_owned(),
        (None, Some(gid)) => gid.to_owned(),
        (None, None) => format!("{}.GroupId", r.logical_id),
    };
    let given = match &n.value {
        Value::Unknown(reason) => Some(reason.clone()),
        Value::Ref { .. } => ref_reason("GroupId", n),
        _ => None,
    };
    let why = given.clone().unwrap_or_else(|| {
        format!(
            "security group {key} is not defined in this template, so its other rules are unknown"
        )
    });
    if by_name.is_none() && egress {
        let rule_why = given.unwrap_or_else(|| {
            format!("security group {key} is not defined in this template, so whether it is a VPC's default group is unknown")
        });
        e.unknown(rule, "GroupId", &rule_why);
    }
    let arn = e.id(&key);
    if !e
        .regional()
        .ec2
        .security_groups
        .iter()
        .any(|g| g.arn == arn)
    {
        e.unknown(&arn, "GroupId", &why);
        e.locate(&arn, n.pos);
        let sg = SecurityGroup {
            arn,
            group_id: key.clone(),
            group_name: by_name.unwrap_or(&key).to_owned(),
            ..SecurityGroup::default()
        };
        e.regional().ec2.security_groups.push(sg);
    }
    key
}

/// AWS::EC2::PrefixList: a managed prefix list with its entries.
fn prefix_list(e: &mut Emit, r: &Resource) {
    let id = e.id(&r.logical_id);
    let mut entries = Some(Vec::new());
    for (p, n) in list(e, &id, "Entries", prop(r, "Entries")) {
        let cidr = n
            .get("Cidr")
            .and_then(|c| text(e, &id, &format!("{p}.Cidr"), c));
        match (cidr, entries.as_mut()) {
            (Some(cidr), Some(list)) => list.push(PrefixListEntry {
                cidr,
                description: n
                    .get("Description")
                    .and_then(Node::as_str)
                    .map(str::to_owned),
            }),
            _ => entries = None,
        }
    }
    if matches!(
        prop(r, "Entries").map(|n| &n.value),
        Some(Value::Unknown(_))
    ) {
        entries = None;
    }
    let error = entries.is_none().then(|| {
        format!(
            "the entries of prefix list {} are unknown before deployment",
            r.logical_id
        )
    });
    e.regional()
        .ec2
        .managed_prefix_lists
        .push(ManagedPrefixList {
            prefix_list_id: r.logical_id.clone(),
            entries,
            error,
        });
}

fn network_acl(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    // AWS adds the deny-all entries (rule `*`, number 32767) to every new
    // network ACL, inbound and outbound. (An ACL of a VPC with an IPv6
    // block also gets `::/0` ones; they deny, so leaving them out changes
    // no reachable port.)
    let deny_all = |egress| NetworkAclEntry {
        rule_number: 32767,
        protocol: "-1".to_owned(),
        rule_action: "deny".to_owned(),
        egress,
        cidr_block: Some("0.0.0.0/0".to_owned()),
        ..NetworkAclEntry::default()
    };
    let acl = NetworkAcl {
        arn: e.id(&r.logical_id),
        network_acl_id: r.logical_id.clone(),
        vpc_id: prop(r, "VpcId").and_then(|n| short_id(cx, n, VPC)),
        is_default: false,
        entries: vec![deny_all(false), deny_all(true)],
        associated_subnets: Vec::new(),
        tags: tags(r),
    };
    e.regional().ec2.network_acls.push(acl);
}

/// AWS::EC2::NetworkAclEntry on a template ACL (one outside the template
/// is counted as uncovered: its other entries decide what this one
/// admits). Unknowns are recorded on the ACL, since every entry's
/// reachable ports depend on the others.
fn nacl_entry(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let Some(acl) = prop(r, "NetworkAclId").and_then(|n| acl_of(e, cx, n)) else {
        e.uncovered(&r.resource_type);
        return;
    };
    let acl_id = e.id(&acl);
    let lid = &r.logical_id;
    let get =
        |e: &mut Emit, k: &str| prop(r, k).and_then(|n| text(e, &acl_id, &format!("{lid}.{k}"), n));
    let rule_number = get(e, "RuleNumber").and_then(|s| s.trim().parse::<i64>().ok());
    let egress = match prop(r, "Egress") {
        Some(n) => boolean(e, &acl_id, &format!("{lid}.Egress"), n),
        None => Some(false),
    };
    let (Some(rule_number), Some(egress)) = (rule_number, egress) else {
        return; // recorded as unknown on the ACL
    };
    if prop(r, "Protocol").is_none() {
        e.unknown(&acl_id, &format!("{lid}.Protocol"), "Protocol is not given");
    }
    let protocol = get(e, "Protocol").map_or_else(|| "-1".to_owned(), |p| nacl_protocol(&p));
    let action = get(e, "RuleAction")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let cidr = |e: &mut Emit, k: &str| {
        prop(r, k).and_then(|n| cidr_text(e, cx, &acl_id, &format!("{lid}.{k}"), n))
    };
    let cidr_block = cidr(e, "CidrBlock");
    let ipv6_cidr_block = cidr(e, "Ipv6CidrBlock");
    let range = prop(r, "PortRange");
    let port = |e: &mut Emit, k: &str| {
        range
            .and_then(|n| n.get(k))
            .and_then(|n| int(e, &acl_id, &format!("{lid}.PortRange.{k}"), n))
    };
    // AWS keeps a port range for tcp and udp entries only.
    let port_range = match (protocol.as_str(), port(e, "From"), port(e, "To")) {
        ("6" | "17", Some(from), Some(to)) => Some(PortRange { from, to }),
        _ => None,
    };
    let entry = NetworkAclEntry {
        rule_number,
        protocol,
        rule_action: action,
        egress,
        cidr_block,
        ipv6_cidr_block,
        port_range,
    };
    let dir = if egress { "egress" } else { "ingress" };
    let entry_id = format!("{acl_id}/entry/{dir}/{rule_number}");
    let at = prop(r, "CidrBlock")
        .or_else(|| prop(r, "Ipv6CidrBlock"))
        .map_or(r.pos, |n| n.pos);
    e.locate(&entry_id, at);
    if let Some(a) = e
        .regional()
        .ec2
        .network_acls
        .iter_mut()
        .find(|a| a.arn == acl_id)
    {
        a.entries.push(entry);
    }
}

/// A NACL protocol as AWS returns it: `-1` or a protocol number.
fn nacl_protocol(p: &str) -> String {
    match p.trim().to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".to_owned(),
        "tcp" => "6".to_owned(),
        "udp" => "17".to_owned(),
        "icmp" => "1".to_owned(),
        "icmpv6" => "58".to_owned(),
        other => other.to_owned(),
    }
}

/// AWS::EC2::SubnetNetworkAclAssociation: the subnet joins the template
/// ACL's associations (an ACL outside the template: uncovered).
fn nacl_association(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let Some(acl) = prop(r, "NetworkAclId").and_then(|n| acl_of(e, cx, n)) else {
        e.uncovered(&r.resource_type);
        return;
    };
    let acl_id = e.id(&acl);
    let own = e.id(&r.logical_id);
    let subnet = match prop(r, "SubnetId") {
        Some(n) => match cx.target(n, SUBNET) {
            Some(s) => s.logical_id.clone(),
            None => text(e, &own, "SubnetId", n).unwrap_or_else(|| UNKNOWN_PLACEHOLDER.to_owned()),
        },
        None => return,
    };
    if let Some(a) = e
        .regional()
        .ec2
        .network_acls
        .iter_mut()
        .find(|a| a.arn == acl_id)
    {
        a.associated_subnets.push(subnet);
    }
}

/// The template VPC whose attribute `attr` `n` reads (`GetAtt Vpc.attr`).
fn vpc_attr<'t>(cx: &Cx<'t>, n: &Node, attr: &str) -> Option<&'t str> {
    match &n.value {
        Value::Ref {
            target,
            attr: Some(a),
        } if a == attr => cx
            .resource(target)
            .filter(|r| r.resource_type == VPC)
            .map(|r| r.logical_id.as_str()),
        _ => None,
    }
}

/// The short id of the network ACL `n` names: a template ACL, or the
/// default ACL of a template VPC (`GetAtt Vpc.DefaultNetworkAcl`), added
/// with what AWS gives it when first named: allow-all entries (rule 100)
/// and the deny-all ones, both directions.
fn acl_of(e: &mut Emit, cx: &Cx<'_>, n: &Node) -> Option<String> {
    if let Some(acl) = cx.target(n, NACL) {
        return Some(acl.logical_id.clone());
    }
    let vpc = vpc_attr(cx, n, "DefaultNetworkAcl")?;
    Some(default_acl_of(e, vpc, n.pos))
}

/// The short id of VPC `vpc`'s default network ACL, added (located at
/// `pos`) the first time with what AWS gives it: allow-all entries (rule
/// 100) and the deny-all ones, both directions.
fn default_acl_of(e: &mut Emit, vpc: &str, pos: crate::value::Pos) -> String {
    let short = format!("{vpc}.DefaultNetworkAcl");
    let arn = e.id(&short);
    if !e.regional().ec2.network_acls.iter().any(|a| a.arn == arn) {
        e.locate(&arn, pos);
        e.default_network_acl(&arn, &short, vpc);
    }
    short
}

/// The short id of a template VPC's default security group when `n`
/// names it (`GetAtt Vpc.DefaultSecurityGroup`), added with what AWS gives
/// it: named `default`, inbound from itself and outbound to 0.0.0.0/0,
/// all protocols.
fn default_group(e: &mut Emit, cx: &Cx<'_>, n: &Node) -> Option<String> {
    let vpc = vpc_attr(cx, n, "DefaultSecurityGroup")?;
    Some(default_group_of(e, vpc, n.pos))
}

/// The short id of VPC `vpc`'s default security group, added (located at
/// `pos`) with AWS's default rules the first time.
fn default_group_of(e: &mut Emit, vpc: &str, pos: crate::value::Pos) -> String {
    let short = format!("{vpc}.DefaultSecurityGroup");
    let arn = e.id(&short);
    if e.regional()
        .ec2
        .security_groups
        .iter()
        .any(|g| g.arn == arn)
    {
        return short;
    }
    e.locate(&arn, pos);
    e.default_security_group(&arn, &short, vpc);
    short
}
