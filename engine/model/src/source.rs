//! Where an account's data came from: a live collection, or an
//! infrastructure-as-code file (CloudFormation template, Terraform plan)
//! read by an importer. For IaC input the account also carries the values
//! the importer could not resolve (unknowns), where each resource and
//! property sits in its file (locations), and how many resources of types
//! no rule covers it counted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The kind of input an account was read from.
#[derive(
    Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Collected from AWS APIs (the default).
    #[default]
    Live,
    /// Imported from a CloudFormation template.
    Cloudformation,
    /// Imported from a Terraform plan (`terraform show -json`).
    Terraform,
}

impl Origin {
    /// True for collected data.
    pub fn is_live(&self) -> bool {
        *self == Origin::Live
    }

    /// True for data read from a template or plan.
    pub fn is_iac(&self) -> bool {
        !self.is_live()
    }

    /// The name used in reports and rule metadata (`live`, `cloudformation`,
    /// `terraform`).
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Live => "live",
            Origin::Cloudformation => "cloudformation",
            Origin::Terraform => "terraform",
        }
    }
}

/// A value an importer could not resolve (a parameter with neither default
/// nor given value, `Fn::GetAtt` of a runtime attribute, a value known only
/// after apply). Every check over the resources it touches is not
/// evaluated, with the reason; never a pass, never a guessed fail.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct UnknownValue {
    /// The id of the resource whose value it is. It also covers the
    /// resource's sub-resources: ids that continue it with `#` or `/`
    /// (statements of a policy, entries of a network ACL).
    pub resource: String,
    /// The property, as written in the input (e.g. `SecurityGroupIngress[0].CidrIp`,
    /// `ingress[0].cidr_blocks`).
    pub property: String,
    /// Why it is unknown, naming the value (e.g. `parameter AllowedCidr has no default and no value was given`).
    pub reason: String,
    /// When true, the value belongs to `resource` itself only, not to its
    /// sub-resources (a security group's unknown egress list says nothing
    /// about its known ingress rules, but does about how many rules it has).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    /// When not empty, only checks that read one of these attributes of the
    /// resource's graph entities are affected (a policy's unknown
    /// attachments make "is it attached" unknown, not what it grants).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<String>,
}

/// A position in an input file (1-based line and column).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct SourceLocation {
    /// The file, as a repository-relative path with `/` separators when the
    /// file is under the working directory.
    pub uri: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, when the format has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// Resource ids to the place in the input that defines them. A lookup for a
/// sub-resource without an entry of its own falls back to the longest id
/// that prefixes it (see [`locate`]).
pub type Locations = BTreeMap<String, SourceLocation>;

/// The location of `id`: its own entry, or that of the longest id that
/// prefixes it followed by `#` or `/` (a statement falls back to its
/// policy, a rule to its group).
pub fn locate<'a>(locations: &'a Locations, id: &str) -> Option<&'a SourceLocation> {
    if let Some(l) = locations.get(id) {
        return Some(l);
    }
    let mut end = id.len();
    while let Some(cut) = id[..end].rfind(['#', '/']) {
        if let Some(l) = locations.get(&id[..cut]) {
            return Some(l);
        }
        end = cut;
    }
    None
}

/// True when `id` is `resource` or one of its sub-resources (`resource`
/// followed by `#` or `/`).
pub fn covers(resource: &str, id: &str) -> bool {
    id.strip_prefix(resource)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['#', '/']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(line: usize) -> SourceLocation {
        SourceLocation {
            uri: "t.yaml".into(),
            line,
            column: Some(3),
        }
    }

    #[test]
    fn sub_resources_fall_back_to_their_owner() {
        let mut l = Locations::new();
        l.insert("t.yaml#Policy".into(), loc(4));
        l.insert("t.yaml#Policy#statement/1".into(), loc(9));
        assert_eq!(
            locate(&l, "t.yaml#Policy#statement/1").map(|l| l.line),
            Some(9)
        );
        assert_eq!(
            locate(&l, "t.yaml#Policy#statement/0").map(|l| l.line),
            Some(4)
        );
        assert_eq!(locate(&l, "t.yaml#PolicyB"), None);
        assert!(covers("t.yaml#Sg", "t.yaml#Sg/ingress/0"));
        assert!(covers("t.yaml#Sg", "t.yaml#Sg"));
        assert!(!covers("t.yaml#Sg", "t.yaml#Sg2"));
    }
}
