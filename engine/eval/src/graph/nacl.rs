//! Network ACLs: one entity per ACL and one `NetworkAclEntry` per entry
//! (child of its ACL), with reachable ports from the rule order
//! (`facts::nacl`).

use cedar_policy::EntityUid;
use palisade_model::ec2::{NetworkAcl, NetworkAclEntry};

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::nacl::{reachable_ports, sort_in_rule_order, Entry};

/// The id of a NACL entry: `<acl-arn>/entry/<ingress|egress>/<rule-number>`.
fn nacl_entry_id(acl_arn: &str, e: &NetworkAclEntry) -> String {
    format!(
        "{acl_arn}/entry/{}/{}",
        if e.egress { "egress" } else { "ingress" },
        e.rule_number
    )
}

impl GraphBuilder {
    /// Adds one network ACL and its entries.
    pub(super) fn build_nacl(
        &self,
        g: &mut Ctx<'_>,
        region_uid: &EntityUid,
        region: &str,
        acl: &NetworkAcl,
    ) {
        let t = &self.types;
        let attrs = Attrs::default()
            .s("network_acl_id", &acl.network_acl_id)
            .s("vpc_id", acl.vpc_id.as_deref().unwrap_or(""))
            .b("is_default", acl.is_default)
            .n("associated_subnet_count", acl.associated_subnets.len());
        let uid = g
            .node(&t.nacl, &acl.arn, region)
            .name(&acl.network_acl_id)
            .parent(region_uid)
            .attrs(attrs)
            .tags(&acl.tags)
            .add();

        let mut entries: Vec<Entry<'_>> = Vec::new();
        for e in &acl.entries {
            match Entry::read(e) {
                Ok(entry) => entries.push(entry),
                Err(text) => {
                    let id = nacl_entry_id(&acl.arn, e);
                    g.node(&t.nacl_entry, &id, region)
                        .name(&id)
                        .broken(format!("invalid CIDR {text:?}"));
                }
            }
        }
        sort_in_rule_order(&mut entries);
        for (idx, e) in entries.iter().enumerate() {
            let reachable = reachable_ports(&entries, idx, &self.ports_of_interest);
            let attrs = Attrs::default()
                .s("network_acl_id", &acl.network_acl_id)
                .l("rule_number", e.entry.rule_number)
                .b("egress", e.entry.egress)
                .s("action", &e.entry.rule_action.to_ascii_lowercase())
                .s("protocol", &e.protocol)
                .l("from_port", e.from)
                .l("to_port", e.to)
                .b("all_ports", e.all_ports())
                .ip("cidr_ipv4", e.entry.cidr_block.as_deref())
                .ip("cidr_ipv6", e.entry.ipv6_cidr_block.as_deref())
                .l("prefix_length", e.prefix_length())
                .set_l("reachable_ports", &reachable);
            let direction = if e.entry.egress { "egress" } else { "ingress" };
            g.node(&t.nacl_entry, nacl_entry_id(&acl.arn, e.entry), region)
                .name(format!(
                    "{} {direction} rule {}",
                    acl.network_acl_id, e.entry.rule_number
                ))
                .parent(&uid)
                .attrs(attrs)
                .inherited_tags(&acl.tags)
                .add();
        }
    }
}
