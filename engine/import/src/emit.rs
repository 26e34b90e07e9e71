//! The account an importer fills: one per file. Resource ids are the file's
//! path, `#`, and the resource's logical id (template) or address (plan), so
//! findings are unique per file and stable across commits; locations,
//! unknowns and uncovered resource types are recorded beside the model.

use palisade_model::ec2::{NetworkAcl, NetworkAclEntry, SecurityGroup, SecurityGroupRule};
use palisade_model::source::{SourceLocation, UnknownValue};
use palisade_model::{Account, Origin, RegionData};

use crate::value::Pos;
use crate::{Options, DEFAULT_REGION, UNKNOWN_ACCOUNT};

/// One file's account under construction.
#[derive(Debug)]
pub struct Emit {
    /// What has been built.
    pub account: Account,
    uri: String,
}

impl Emit {
    /// An empty account for file `uri` read as `origin`. The region is the
    /// option's, else `region` (a plan's provider region), else the default.
    pub fn new(uri: &str, origin: Origin, opts: &Options, region: Option<&str>) -> Self {
        let region = opts
            .region
            .as_deref()
            .or(region)
            .unwrap_or(DEFAULT_REGION)
            .to_owned();
        let account = Account {
            partition: partition(&region).to_owned(),
            account_id: opts
                .account_id
                .clone()
                .unwrap_or_else(|| UNKNOWN_ACCOUNT.to_owned()),
            name: Some(uri.to_owned()),
            regions: vec![region.clone()],
            region_data: vec![RegionData {
                region,
                ..RegionData::default()
            }],
            origin,
            ..Account::default()
        };
        Emit {
            account,
            uri: uri.to_owned(),
        }
    }

    /// The file's path as reports name it.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The resource id of logical id / address `name`: `<uri>#<name>`.
    pub fn id(&self, name: &str) -> String {
        format!("{}#{name}", self.uri)
    }

    /// The region everything regional goes to.
    pub fn region(&self) -> &str {
        &self.account.regions[0]
    }

    /// The region's data (EC2, WAFv2, Backup, Config).
    pub fn regional(&mut self) -> &mut RegionData {
        &mut self.account.region_data[0]
    }

    /// Records that resource `id` (or one of its properties, given its own
    /// sub-resource id) is written at `pos`. The first location recorded
    /// for an id wins.
    pub fn locate(&mut self, id: &str, pos: Pos) {
        let loc = SourceLocation {
            uri: self.uri.clone(),
            line: pos.line.max(1),
            column: (pos.column > 0).then_some(pos.column),
        };
        self.account.locations.entry(id.to_owned()).or_insert(loc);
    }

    /// Records that `property` of resource `id` cannot be known, and why.
    /// Every check over `id` and its sub-resources is then not evaluated.
    pub fn unknown(&mut self, id: &str, property: &str, reason: &str) {
        self.push_unknown(id, property, reason, false);
    }

    /// Records that `property` of resource `id` itself cannot be known; its
    /// sub-resources are still judged (e.g. a group's unknown egress list:
    /// its ingress rules are known, how many rules it has is not).
    pub fn unknown_exact(&mut self, id: &str, property: &str, reason: &str) {
        self.push_unknown(id, property, reason, true);
    }

    /// Records that `property` of resource `id` cannot be known, where it
    /// decides only graph attributes `attrs` of `id` and its sub-resources
    /// (e.g. a policy's attachments decide `attached`, not what it grants):
    /// only checks that read one of them are not evaluated.
    pub fn unknown_attrs(&mut self, id: &str, property: &str, reason: &str, attrs: &[&str]) {
        self.push(UnknownValue {
            resource: id.to_owned(),
            property: property.to_owned(),
            reason: reason.to_owned(),
            exact: false,
            attrs: attrs.iter().map(|a| (*a).to_owned()).collect(),
        });
    }

    fn push_unknown(&mut self, id: &str, property: &str, reason: &str, exact: bool) {
        self.push(UnknownValue {
            resource: id.to_owned(),
            property: property.to_owned(),
            reason: reason.to_owned(),
            exact,
            attrs: Vec::new(),
        });
    }

    fn push(&mut self, u: UnknownValue) {
        if !self.account.unknowns.contains(&u) {
            self.account.unknowns.push(u);
        }
    }

    /// Adds the default security group AWS gives a new VPC (`vpc_id`):
    /// named `default`, inbound from itself and outbound to 0.0.0.0/0, all
    /// protocols. Rule ids continue `arn` with `/<direction>/default`.
    pub fn default_security_group(&mut self, arn: &str, group_id: &str, vpc_id: &str) {
        let ec2 = &mut self.regional().ec2;
        ec2.security_groups.push(SecurityGroup {
            arn: arn.to_owned(),
            group_id: group_id.to_owned(),
            group_name: "default".to_owned(),
            description: "default VPC security group".to_owned(),
            vpc_id: Some(vpc_id.to_owned()),
            ..SecurityGroup::default()
        });
        for (egress, dir) in [(false, "ingress"), (true, "egress")] {
            ec2.security_group_rules.push(SecurityGroupRule {
                arn: format!("{arn}/{dir}/default"),
                rule_id: format!("{group_id}/{dir}/default"),
                group_id: group_id.to_owned(),
                is_egress: egress,
                ip_protocol: "-1".to_owned(),
                from_port: Some(-1),
                to_port: Some(-1),
                cidr_ipv4: egress.then(|| "0.0.0.0/0".to_owned()),
                referenced_group_id: (!egress).then(|| group_id.to_owned()),
                ..SecurityGroupRule::default()
            });
        }
    }

    /// Adds the default network ACL AWS gives a new VPC (`vpc_id`): allow
    /// all (rule 100) and deny all (32767), both directions.
    pub fn default_network_acl(&mut self, arn: &str, acl_id: &str, vpc_id: &str) {
        let entry = |rule_number, action: &str, egress| NetworkAclEntry {
            rule_number,
            protocol: "-1".to_owned(),
            rule_action: action.to_owned(),
            egress,
            cidr_block: Some("0.0.0.0/0".to_owned()),
            ..NetworkAclEntry::default()
        };
        self.regional().ec2.network_acls.push(NetworkAcl {
            arn: arn.to_owned(),
            network_acl_id: acl_id.to_owned(),
            vpc_id: Some(vpc_id.to_owned()),
            is_default: true,
            entries: vec![
                entry(100, "allow", false),
                entry(100, "allow", true),
                entry(32767, "deny", false),
                entry(32767, "deny", true),
            ],
            ..NetworkAcl::default()
        });
    }

    /// Counts a resource of a type no rule covers.
    pub fn uncovered(&mut self, resource_type: &str) {
        *self
            .account
            .uncovered
            .entry(resource_type.to_owned())
            .or_default() += 1;
    }

    /// The finished account (unknowns sorted for stable output).
    pub fn finish(mut self) -> Account {
        self.account.unknowns.sort();
        self.account
    }
}

/// The partition of `region`.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_follows_the_region() {
        let at = |region: &str| {
            let opts = Options {
                region: Some(region.to_owned()),
                ..Options::default()
            };
            Emit::new("t.yaml", Origin::Cloudformation, &opts, None)
                .account
                .partition
        };
        assert_eq!(at("eu-west-1"), "aws");
        assert_eq!(at("cn-north-1"), "aws-cn");
        assert_eq!(at("us-gov-west-1"), "aws-us-gov");
    }
}
