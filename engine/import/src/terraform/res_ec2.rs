//! Security groups of a plan and their rules in every Terraform style:
//! inline `ingress` / `egress` blocks of `aws_security_group` and
//! `aws_default_security_group` (one model rule per block and peer, ids
//! `<group id>/<direction>/<block>/<peer>`), `aws_security_group_rule`
//! (one rule per peer, `<rule id>/<peer>`), and the one-peer
//! `aws_vpc_security_group_ingress_rule` / `_egress_rule` (the rule's own
//! id). Terraform drops AWS's default egress rule unless an egress block is
//! given, so exactly what the plan says is modelled.

use palisade_model::ec2::{SecurityGroup, SecurityGroupRule};

use super::plan::Instance;
use super::refs::{Ctx, Step, Val};
use crate::emit::Emit;
use crate::value::{Node, Pos, Value};

/// The parts of a rule shared by its peers.
struct Base {
    group_id: String,
    is_egress: bool,
    ip_protocol: String,
    from_port: Option<i64>,
    to_port: Option<i64>,
    description: Option<String>,
}

/// One peer: which field, its value (or why unknown, and the property as
/// written), where it is written.
struct Peer {
    field: &'static str,
    property: String,
    value: Result<String, String>,
    pos: Pos,
}

/// Maps `aws_security_group` / `aws_default_security_group` and their
/// inline rules.
pub fn group(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let group_id = cx.key_of(inst);
    let group_name = if inst.rtype == "aws_default_security_group" {
        "default".to_owned()
    } else {
        cx.name_of(inst)
    };
    let vpc_id = inst
        .get("vpc_id")
        .and_then(|n| cx.text(inst, n, &[("vpc_id", None)]).known());
    e.regional().ec2.security_groups.push(SecurityGroup {
        arn: id.clone(),
        group_id: group_id.clone(),
        group_name,
        description: inst
            .get("description")
            .and_then(Node::as_str)
            .unwrap_or("")
            .to_owned(),
        vpc_id,
        tags: super::res_iam::tags(inst),
    });
    // Unset, a list is computed: the rules of separate resources, or what
    // a `dynamic` block (which the JSON configuration leaves out) makes.
    // With separate rules it is left to those; without, it is read (and
    // unknown when it is).
    let separate = has_separate_rules(cx, &group_id);
    for dir in ["ingress", "egress"] {
        if separate && !cx.configured(inst, dir) {
            continue;
        }
        match inst.get(dir).map(|n| &n.value) {
            // The direction's rules are unknown (none are modelled), and so
            // is the group's rule count; the other direction is judged.
            Some(Value::Unknown(reason)) => {
                e.unknown_exact(&id, dir, reason);
                e.unknown(&format!("{id}/{dir}"), dir, reason);
            }
            Some(Value::List(blocks)) => {
                for (i, b) in blocks.iter().enumerate() {
                    inline_block(cx, e, inst, &group_id, dir, i, b);
                }
            }
            _ => {}
        }
    }
}

/// Whether a separate rule resource of the plan adds rules to group `group_id`.
fn has_separate_rules(cx: &Ctx<'_>, group_id: &str) -> bool {
    const RULES: [&str; 3] = [
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
    ];
    cx.targets(&RULES, "security_group_id").contains(group_id)
}

fn port(
    cx: &Ctx<'_>,
    e: &mut Emit,
    inst: &Instance,
    block: &Node,
    site: &[Step<'_>],
    owner: &str,
) -> Option<i64> {
    let (attr, _) = site.last().copied().unwrap_or(("", None));
    let n = block.get(attr).filter(|n| !n.is_null())?;
    match cx.text(inst, n, site) {
        Val::Known(v) => match v.trim().parse() {
            Ok(p) => Some(p),
            Err(_) => {
                cx.shape_error(n, format!("{}: {attr} must be a port number", inst.address));
                None
            }
        },
        Val::Unknown(r) => {
            e.unknown(owner, &written(site), &r);
            None
        }
    }
}

fn text_or_unknown(
    cx: &Ctx<'_>,
    e: &mut Emit,
    inst: &Instance,
    block: &Node,
    site: &[Step<'_>],
    owner: &str,
) -> Option<String> {
    let (attr, _) = site.last().copied().unwrap_or(("", None));
    let n = block.get(attr).filter(|n| !n.is_null())?;
    match cx.text(inst, n, site) {
        Val::Known(v) => Some(v),
        Val::Unknown(r) => {
            e.unknown(owner, &written(site), &r);
            None
        }
    }
}

/// A configuration site as written (`ingress[1].cidr_blocks`).
fn written(site: &[Step<'_>]) -> String {
    site.iter()
        .map(|(name, idx)| match idx {
            Some(i) => format!("{name}[{i}]"),
            None => (*name).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// The peers of a list attribute (`cidr_blocks`, `security_groups`, ...).
fn list_peers(
    cx: &Ctx<'_>,
    inst: &Instance,
    block: &Node,
    site: &[Step<'_>],
    field: &'static str,
    out: &mut Vec<Peer>,
) {
    let (attr, _) = site.last().copied().unwrap_or(("", None));
    let Some(n) = block.get(attr).filter(|n| !n.is_null()) else {
        return;
    };
    match cx.texts(inst, n, site) {
        Ok(values) => {
            for (k, v) in values.into_iter().enumerate() {
                let pos = n.items().get(k).map_or(n.pos, |i| i.pos);
                out.push(Peer {
                    field,
                    property: String::new(),
                    value: Ok(v),
                    pos,
                });
            }
        }
        Err(reason) => out.push(Peer {
            field,
            property: written(site),
            value: Err(reason),
            pos: n.pos,
        }),
    }
}

/// Where one rule of the older styles is written: an inline `ingress` /
/// `egress` block (`prefix` = the block's attribute and index) or an
/// `aws_security_group_rule` (no prefix).
struct RuleSite<'s> {
    block: &'s Node,
    prefix: Option<(&'static str, usize)>,
    /// The id unknowns of the rule are recorded on.
    owner: &'s str,
    group_id: &'s str,
    is_egress: bool,
    /// The attribute naming referenced groups (`security_groups` inline,
    /// `source_security_group_id` on a rule resource).
    group_attr: &'static str,
    /// Where `self = true` sits when it has no position of its own.
    self_pos: Pos,
}

/// The protocol, ports, description and peers (CIDRs, prefix lists,
/// referenced groups, `self`) of one rule in the older styles.
fn rule_shape(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance, s: &RuleSite<'_>) -> (Base, Vec<Peer>) {
    let at = |attr: &'static str| -> Vec<Step<'static>> {
        s.prefix
            .map(|(d, i)| (d, Some(i)))
            .into_iter()
            .chain([(attr, None)])
            .collect()
    };
    let b = s.block;
    let base = Base {
        group_id: s.group_id.to_owned(),
        is_egress: s.is_egress,
        ip_protocol: text_or_unknown(cx, e, inst, b, &at("protocol"), s.owner)
            .unwrap_or_else(|| "-1".into()),
        from_port: port(cx, e, inst, b, &at("from_port"), s.owner),
        to_port: port(cx, e, inst, b, &at("to_port"), s.owner),
        description: b
            .get("description")
            .and_then(Node::as_str)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    };
    let mut peers = Vec::new();
    for (attr, field) in [
        ("cidr_blocks", "cidr_ipv4"),
        ("ipv6_cidr_blocks", "cidr_ipv6"),
        ("prefix_list_ids", "prefix_list_id"),
        (s.group_attr, "referenced_group_id"),
    ] {
        list_peers(cx, inst, b, &at(attr), field, &mut peers);
    }
    match b.get("self").map(|n| &n.value) {
        Some(Value::Bool(true)) => peers.push(Peer {
            field: "referenced_group_id",
            property: String::new(),
            value: Ok(s.group_id.to_owned()),
            pos: b.get("self").map_or(s.self_pos, |n| n.pos),
        }),
        Some(Value::Unknown(r)) => e.unknown(s.owner, "self", r),
        _ => {}
    }
    (base, peers)
}

/// One inline `ingress` / `egress` block: one rule per peer.
fn inline_block(
    cx: &Ctx<'_>,
    e: &mut Emit,
    inst: &Instance,
    group_id: &str,
    dir: &'static str,
    i: usize,
    b: &Node,
) {
    let block_id = format!("{}/{dir}/{i}", cx.id(inst));
    e.locate(&block_id, b.pos);
    let site = RuleSite {
        block: b,
        prefix: Some((dir, i)),
        owner: &block_id,
        group_id,
        is_egress: dir == "egress",
        group_attr: "security_groups",
        self_pos: b.pos,
    };
    let (base, peers) = rule_shape(cx, e, inst, &site);
    emit_rules(cx, e, &block_id, &base, peers);
}

/// One model rule per peer, ids `<prefix>/<k>`.
fn emit_rules(cx: &Ctx<'_>, e: &mut Emit, prefix: &str, base: &Base, peers: Vec<Peer>) {
    for (k, p) in peers.into_iter().enumerate() {
        let id = format!("{prefix}/{k}");
        let value = match p.value {
            Ok(v) => Some(v),
            Err(reason) => {
                e.unknown(&id, &p.property, &reason);
                None
            }
        };
        e.locate(&id, p.pos);
        push_rule(cx, e, id, base, p.field, value);
    }
}

fn push_rule(
    cx: &Ctx<'_>,
    e: &mut Emit,
    id: String,
    base: &Base,
    field: &str,
    value: Option<String>,
) {
    let rule_id = id
        .strip_prefix(&format!("{}#", cx.uri))
        .unwrap_or(&id)
        .to_owned();
    // Every protocol: AWS reports the ports as -1 whatever the plan wrote
    // (Terraform requires 0).
    let all = matches!(
        base.ip_protocol.trim().to_ascii_lowercase().as_str(),
        "-1" | "all"
    );
    let (from_port, to_port) = if all {
        (Some(-1), Some(-1))
    } else {
        (base.from_port, base.to_port)
    };
    let mut r = SecurityGroupRule {
        arn: id,
        rule_id,
        group_id: base.group_id.clone(),
        is_egress: base.is_egress,
        ip_protocol: base.ip_protocol.clone(),
        from_port,
        to_port,
        description: base.description.clone(),
        ..SecurityGroupRule::default()
    };
    match field {
        "cidr_ipv4" => r.cidr_ipv4 = value,
        "cidr_ipv6" => r.cidr_ipv6 = value,
        "prefix_list_id" => r.prefix_list_id = value,
        _ => r.referenced_group_id = value,
    }
    e.regional().ec2.security_group_rules.push(r);
}

/// The group a separate rule belongs to, by `security_group_id`: a group
/// of the plan, else a stand-in for a group the plan does not manage.
fn owning_group(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) -> String {
    let rid = cx.id(inst);
    let (gid, arn, why) = match inst
        .get("security_group_id")
        .map(|n| cx.text(inst, n, &[("security_group_id", None)]))
    {
        Some(Val::Known(g)) => {
            let why = format!(
                "security group {g} is not managed in this plan (referenced by {}): only the rules the plan adds to it are known",
                inst.address
            );
            (g.clone(), format!("{}#aws_security_group/{g}", cx.uri), why)
        }
        other => {
            let why = match other {
                Some(Val::Unknown(reason)) => reason,
                _ => format!("{} has no security_group_id", inst.address),
            };
            e.unknown(&rid, "security_group_id", &why);
            let gid = format!("{rid}#group");
            (gid.clone(), gid, why)
        }
    };
    let ec2 = &mut e.regional().ec2;
    if !ec2.security_groups.iter().any(|g| g.group_id == gid) {
        ec2.security_groups.push(SecurityGroup {
            arn: arn.clone(),
            group_id: gid.clone(),
            group_name: gid.clone(),
            ..SecurityGroup::default()
        });
        e.locate(&arn, inst.pos);
        e.unknown(&arn, "(resource)", &why);
    }
    gid
}

/// Maps `aws_security_group_rule` (`type` ingress / egress; one rule per peer).
pub fn legacy_rule(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let group_id = owning_group(cx, e, inst);
    let v = &inst.values;
    let is_egress = match v.get("type").map(|n| cx.text(inst, n, &[("type", None)])) {
        Some(Val::Known(t)) => t == "egress",
        Some(Val::Unknown(r)) => {
            e.unknown(&id, "type", &r);
            false
        }
        None => false,
    };
    let site = RuleSite {
        block: v,
        prefix: None,
        owner: &id,
        group_id: &group_id,
        is_egress,
        group_attr: "source_security_group_id",
        self_pos: inst.pos,
    };
    let (base, peers) = rule_shape(cx, e, inst, &site);
    emit_rules(cx, e, &id, &base, peers);
}

/// Maps `aws_vpc_security_group_ingress_rule` / `_egress_rule` (one peer).
pub fn vpc_rule(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let group_id = owning_group(cx, e, inst);
    let v = &inst.values;
    let at = |attr| [(attr, None)];
    let base = Base {
        group_id,
        is_egress: inst.rtype.ends_with("_egress_rule"),
        ip_protocol: text_or_unknown(cx, e, inst, v, &at("ip_protocol"), &id)
            .unwrap_or_else(|| "-1".into()),
        from_port: port(cx, e, inst, v, &at("from_port"), &id),
        to_port: port(cx, e, inst, v, &at("to_port"), &id),
        description: v
            .get("description")
            .and_then(Node::as_str)
            .filter(|d| !d.is_empty())
            .map(str::to_owned),
    };
    let fields = [
        ("cidr_ipv4", "cidr_ipv4"),
        ("cidr_ipv6", "cidr_ipv6"),
        ("prefix_list_id", "prefix_list_id"),
        ("referenced_security_group_id", "referenced_group_id"),
    ];
    let mut peer = None;
    for (attr, field) in fields {
        if let Some(n) = v.get(attr).filter(|n| !n.is_null()) {
            let value = match cx.text(inst, n, &at(attr)) {
                Val::Known(s) => Some(s),
                Val::Unknown(r) => {
                    e.unknown(&id, attr, &r);
                    None
                }
            };
            peer = Some((field, value));
            break;
        }
    }
    let (field, value) = peer.unwrap_or(("", None));
    push_rule(cx, e, id, &base, field, value);
}
