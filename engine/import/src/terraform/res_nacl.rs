//! VPCs, subnets, managed prefix lists (with `entry` blocks and separate
//! `aws_ec2_managed_prefix_list_entry` resources) and network ACLs of a plan: inline `ingress` / `egress`
//! blocks of `aws_network_acl` and `aws_default_network_acl`, separate
//! `aws_network_acl_rule` entries (ids `<acl id>/entry/<direction>/<rule
//! number>`, as the graph names them) and subnet associations. Every ACL
//! ends with AWS's implicit deny-all entries (rule 32767), as AWS lists them.

use palisade_model::ec2::{
    ManagedPrefixList, NetworkAcl, NetworkAclEntry, PortRange, PrefixListEntry, Subnet, Vpc,
};

use super::plan::Instance;
use super::refs::{Ctx, Step, Val};
use super::res_iam::tags;
use crate::emit::Emit;
use crate::value::{Node, Value};

fn known(cx: &Ctx<'_>, inst: &Instance, attr: &str) -> Option<String> {
    inst.get(attr)
        .and_then(|n| cx.text(inst, n, &[(attr, None)]).known())
}

/// Maps `aws_vpc` / `aws_default_vpc`.
pub fn vpc(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let vpc_id = cx.key_of(inst);
    e.regional().ec2.vpcs.push(Vpc {
        arn: cx.id(inst),
        vpc_id: vpc_id.clone(),
        cidr_block: known(cx, inst, "cidr_block"),
        is_default: inst.rtype == "aws_default_vpc",
        tags: tags(inst),
    });
    // AWS gives a new VPC a default security group with its default rules;
    // unless the plan adopts it (`aws_default_security_group`, which then
    // holds exactly the rules it writes), they stay.
    let adopted = cx
        .targets(&["aws_default_security_group"], "vpc_id")
        .contains(&vpc_id);
    if inst.rtype == "aws_vpc" && !adopted {
        // A sub-resource of the VPC, so findings point at the VPC.
        let vpc = cx.id(inst);
        e.default_security_group(
            &format!("{vpc}/default_security_group"),
            &format!("{vpc_id}.default_security_group_id"),
            &vpc_id,
        );
    }
    // And a default network ACL allowing everything, unless the plan
    // adopts it (`aws_default_network_acl` given this VPC's
    // `default_network_acl_id`), which then holds exactly its entries.
    // References are relative to the module: compare `type.name`.
    let local = inst
        .config_address
        .rsplit_once("module.")
        .map_or(inst.config_address.as_str(), |(_, rest)| {
            rest.split_once('.').map_or(rest, |(_, r)| r)
        });
    let own = format!("{local}.default_network_acl_id");
    let acl_adopted = cx.instances.iter().any(|i| {
        i.rtype == "aws_default_network_acl"
            && i.module == inst.module
            && cx
                .references(i, &[("default_network_acl_id", None)])
                .contains(&own)
    });
    if inst.rtype == "aws_vpc" && !acl_adopted {
        let vpc = cx.id(inst);
        e.default_network_acl(
            &format!("{vpc}/default_network_acl"),
            &format!("{vpc_id}.default_network_acl_id"),
            &vpc_id,
        );
    }
}

/// Maps `aws_subnet` / `aws_default_subnet`.
pub fn subnet(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let map_public = match inst.get("map_public_ip_on_launch").map(|n| &n.value) {
        Some(Value::Unknown(r)) => {
            e.unknown(&id, "map_public_ip_on_launch", r);
            false
        }
        Some(_) => inst
            .get("map_public_ip_on_launch")
            .and_then(Node::as_bool)
            .unwrap_or(false),
        None => false,
    };
    e.regional().ec2.subnets.push(Subnet {
        arn: id,
        subnet_id: cx.key_of(inst),
        vpc_id: known(cx, inst, "vpc_id"),
        cidr_block: known(cx, inst, "cidr_block"),
        availability_zone: known(cx, inst, "availability_zone"),
        map_public_ip_on_launch: map_public,
        default_for_az: inst.rtype == "aws_default_subnet",
        tags: tags(inst),
    });
}

/// Attribute `attr` of an entry as written (`ingress[0].rule_no`).
fn written(block: Option<(&str, usize)>, attr: &str) -> String {
    match block {
        Some((b, i)) => format!("{b}[{i}].{attr}"),
        None => attr.to_owned(),
    }
}

/// The id of entry `n` of ACL `acl` (the graph's scheme).
fn entry_id(acl: &str, egress: bool, n: i64) -> String {
    format!(
        "{acl}/entry/{}/{n}",
        if egress { "egress" } else { "ingress" }
    )
}

/// Reads one entry (an inline block, or an `aws_network_acl_rule`);
/// unknowns are recorded on the entry's id.
fn entry(
    cx: &Ctx<'_>,
    e: &mut Emit,
    inst: &Instance,
    acl: &str,
    node: &Node,
    block: Option<(&str, usize)>,
    egress: bool,
) -> Option<NetworkAclEntry> {
    let get = |attr: &str| -> Option<Val> {
        let n = node.get(attr).filter(|n| !n.is_null())?;
        let site: Vec<Step<'_>> = match block {
            Some((b, i)) => vec![(b, Some(i)), (attr, None)],
            None => vec![(attr, None)],
        };
        Some(cx.text(inst, n, &site))
    };
    let number_attr = if block.is_some() {
        "rule_no"
    } else {
        "rule_number"
    };
    let rule_number = match get(number_attr) {
        Some(Val::Known(v)) => v.trim().parse::<i64>().ok(),
        Some(Val::Unknown(r)) => {
            e.unknown(acl, &written(block, number_attr), &r);
            return None;
        }
        None => None,
    };
    let Some(rule_number) = rule_number else {
        cx.shape_error(
            node,
            format!(
                "{}: a network ACL entry needs a numeric {number_attr}",
                inst.address
            ),
        );
        return None;
    };
    let id = entry_id(acl, egress, rule_number);
    let pos = node
        .get("cidr_block")
        .filter(|n| !n.is_null() && n.as_str() != Some(""))
        .or_else(|| {
            node.get("ipv6_cidr_block")
                .filter(|n| !n.is_null() && n.as_str() != Some(""))
        })
        .map_or(node.pos, |n| n.pos);
    e.locate(&id, if block.is_some() { pos } else { inst.pos });
    let mut text = |attr: &str| match get(attr) {
        Some(Val::Known(v)) => Some(v).filter(|v| !v.is_empty()),
        Some(Val::Unknown(r)) => {
            e.unknown(&id, &written(block, attr), &r);
            None
        }
        None => None,
    };
    let action_attr = if block.is_some() {
        "action"
    } else {
        "rule_action"
    };
    let protocol = text("protocol").unwrap_or_else(|| "-1".into());
    let rule_action = text(action_attr).unwrap_or_default().to_ascii_lowercase();
    let cidr_block = text("cidr_block");
    let ipv6_cidr_block = text("ipv6_cidr_block");
    let from = text("from_port").and_then(|v| v.parse().ok());
    let to = text("to_port").and_then(|v| v.parse().ok());
    let port_range = match (from, to) {
        (Some(from), Some(to)) => Some(PortRange { from, to }),
        _ => None,
    };
    Some(NetworkAclEntry {
        rule_number,
        protocol,
        rule_action,
        egress,
        cidr_block,
        ipv6_cidr_block,
        port_range,
    })
}

/// AWS's implicit last entries: deny everything not matched before.
fn implicit_deny(egress: bool) -> NetworkAclEntry {
    NetworkAclEntry {
        rule_number: 32767,
        protocol: "-1".into(),
        rule_action: "deny".into(),
        egress,
        cidr_block: Some("0.0.0.0/0".into()),
        ipv6_cidr_block: None,
        port_range: None,
    }
}

/// Maps `aws_network_acl` / `aws_default_network_acl` with inline entries.
pub fn acl(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let is_default = inst.rtype == "aws_default_network_acl";
    let network_acl_id = if is_default {
        known(cx, inst, "default_network_acl_id").unwrap_or_else(|| cx.key_of(inst))
    } else {
        cx.key_of(inst)
    };
    let mut entries = Vec::new();
    // Unset, the lists are computed: the entries of aws_network_acl_rule
    // resources (which replace their inline twins), or what a `dynamic`
    // block (left out of the JSON configuration) makes.
    let separate = has_separate_entries(cx, &network_acl_id);
    for dir in ["ingress", "egress"] {
        if separate && !cx.configured(inst, dir) {
            continue;
        }
        match inst.get(dir).map(|n| &n.value) {
            // Entries are judged per direction: an unknown egress list
            // leaves the ingress entries judged.
            Some(Value::Unknown(reason)) => {
                e.unknown_exact(&id, dir, reason);
                e.unknown(&format!("{id}/entry/{dir}"), dir, reason);
            }
            Some(Value::List(blocks)) => {
                for (i, b) in blocks.iter().enumerate() {
                    entries.extend(entry(cx, e, inst, &id, b, Some((dir, i)), dir == "egress"));
                }
            }
            _ => {}
        }
    }
    entries.push(implicit_deny(false));
    entries.push(implicit_deny(true));
    let mut associated_subnets = Vec::new();
    if let Some(n) = inst.get("subnet_ids") {
        if cx.configured(inst, "subnet_ids") {
            match cx.texts(inst, n, &[("subnet_ids", None)]) {
                Ok(s) => associated_subnets = s,
                Err(r) => e.unknown(&id, "subnet_ids", &r),
            }
        }
    }
    e.regional().ec2.network_acls.push(NetworkAcl {
        arn: id,
        network_acl_id,
        vpc_id: known(cx, inst, "vpc_id"),
        is_default,
        entries,
        associated_subnets,
        tags: tags(inst),
    });
}

/// Whether an `aws_network_acl_rule` of the plan adds entries to ACL `acl_id`.
fn has_separate_entries(cx: &Ctx<'_>, acl_id: &str) -> bool {
    cx.targets(&["aws_network_acl_rule"], "network_acl_id")
        .contains(acl_id)
}

/// The ACL named by `network_acl_id` of `inst`: one of the plan, else a
/// stand-in for an ACL the plan does not manage. Returns its model id.
fn owning_acl(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) -> Option<String> {
    let n = inst.get("network_acl_id")?;
    let acl_id = match cx.text(inst, n, &[("network_acl_id", None)]) {
        Val::Known(a) => a,
        Val::Unknown(r) => {
            // Any ACL of the plan may be the one it changes; a rule's own
            // entries go to a stand-in ACL, itself unknown.
            let acls = e
                .regional()
                .ec2
                .network_acls
                .iter()
                .map(|a| a.arn.clone())
                .collect();
            let property = format!("{}.network_acl_id", inst.address);
            super::refs::unknown_on_all(e, acls, &property, &r);
            if inst.rtype == "aws_network_acl_association" {
                return None;
            }
            let arn = format!("{}#acl", cx.id(inst));
            e.regional().ec2.network_acls.push(NetworkAcl {
                arn: arn.clone(),
                network_acl_id: arn.clone(),
                entries: vec![implicit_deny(false), implicit_deny(true)],
                ..NetworkAcl::default()
            });
            e.locate(&arn, inst.pos);
            e.unknown(&arn, "(resource)", &r);
            return Some(arn);
        }
    };
    let ec2 = &mut e.regional().ec2;
    if let Some(a) = ec2.network_acls.iter().find(|a| a.network_acl_id == acl_id) {
        return Some(a.arn.clone());
    }
    let arn = format!("{}#aws_network_acl/{acl_id}", cx.uri);
    ec2.network_acls.push(NetworkAcl {
        arn: arn.clone(),
        network_acl_id: acl_id.clone(),
        entries: vec![implicit_deny(false), implicit_deny(true)],
        ..NetworkAcl::default()
    });
    e.locate(&arn, inst.pos);
    e.unknown(
        &arn,
        "(resource)",
        &format!("network ACL {acl_id} is not managed in this plan (referenced by {}): only the entries the plan adds are known", inst.address),
    );
    Some(arn)
}

/// Maps `aws_network_acl_rule` (one entry of an ACL).
pub fn rule(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(acl) = owning_acl(cx, e, inst) else {
        return;
    };
    let egress = inst.get("egress").and_then(Node::as_bool).unwrap_or(false);
    if let Some(en) = entry(cx, e, inst, &acl, &inst.values, None, egress) {
        if let Some(a) = e
            .regional()
            .ec2
            .network_acls
            .iter_mut()
            .find(|a| a.arn == acl)
        {
            a.entries
                .retain(|x| !(x.egress == en.egress && x.rule_number == en.rule_number));
            a.entries.push(en);
        }
    }
}

/// Maps `aws_network_acl_association` (a subnet of an ACL).
pub fn association(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(acl) = owning_acl(cx, e, inst) else {
        return;
    };
    let subnet = match inst
        .get("subnet_id")
        .map(|n| cx.text(inst, n, &[("subnet_id", None)]))
    {
        Some(Val::Known(s)) => s,
        Some(Val::Unknown(r)) => return e.unknown(&acl, "associated subnets", &r),
        None => return,
    };
    if let Some(a) = e
        .regional()
        .ec2
        .network_acls
        .iter_mut()
        .find(|a| a.arn == acl)
    {
        if !a.associated_subnets.contains(&subnet) {
            a.associated_subnets.push(subnet);
        }
    }
}

/// Maps `aws_ec2_managed_prefix_list` with its `entry` blocks; entries
/// that cannot be known leave the list unread (its rules' exposure is then
/// unknown, as for a list that could not be read live).
pub fn prefix_list(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let mut error = None;
    let mut entries = Vec::new();
    let configured = cx.configured(inst, "entry");
    match inst.get("entry").map(|n| &n.value) {
        // Left unset, the computed list is what separate entries add.
        Some(Value::Unknown(_)) if !configured => {}
        Some(Value::Unknown(r)) => error = Some(r.clone()),
        Some(Value::List(items)) => {
            for (i, item) in items.iter().enumerate() {
                let site = [("entry", Some(i)), ("cidr", None)];
                match item.get("cidr").map(|n| cx.text(inst, n, &site)) {
                    Some(Val::Known(cidr)) => entries.push(PrefixListEntry {
                        cidr,
                        description: item
                            .get("description")
                            .and_then(Node::as_str)
                            .map(str::to_owned),
                    }),
                    Some(Val::Unknown(r)) => error = Some(r),
                    None => {}
                }
            }
        }
        _ => {}
    }
    e.regional()
        .ec2
        .managed_prefix_lists
        .push(ManagedPrefixList {
            prefix_list_id: cx.key_of(inst),
            entries: error.is_none().then_some(entries),
            error,
        });
}

/// Maps `aws_ec2_managed_prefix_list_entry` onto its list.
pub fn prefix_list_entry(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let list = inst
        .get("prefix_list_id")
        .map(|n| cx.text(inst, n, &[("prefix_list_id", None)]));
    let Some(Val::Known(list)) = list else {
        return e.uncovered(&inst.rtype); // a list that cannot be told
    };
    let cidr = inst
        .get("cidr")
        .map(|n| cx.text(inst, n, &[("cidr", None)]));
    let lists = &mut e.regional().ec2.managed_prefix_lists;
    let Some(l) = lists.iter_mut().find(|l| l.prefix_list_id == list) else {
        return e.uncovered(&inst.rtype); // a list this plan does not manage
    };
    match cidr {
        Some(Val::Known(cidr)) => {
            if let Some(entries) = l.entries.as_mut() {
                entries.push(PrefixListEntry {
                    cidr,
                    description: inst
                        .get("description")
                        .and_then(Node::as_str)
                        .map(str::to_owned),
                });
            }
        }
        Some(Val::Unknown(r)) => {
            l.entries = None;
            l.error = Some(r);
        }
        None => {}
    }
}
