//! Whether a role (an instance profile's) grants administrator access or
//! privilege escalation (issue 14): an attached AWS managed administrator
//! policy ([`ADMIN_AWS_MANAGED_POLICIES`]), or an attached or inline policy
//! statement that grants `*` on `*` without a condition (admin), or grants
//! one of the [`ESCALATION_ACTIONS`] unconstrained
//! ([`statement_grants`]). A policy whose document could not be read, or an
//! attached policy not in the snapshot, leaves the answer unknown unless
//! another policy already decides it.

use palisade_model::iam::{Iam, Role};
use palisade_model::policy::{Effect, PolicyDocument};

use super::actions::{statement_grants, ADMIN_AWS_MANAGED_POLICIES, ESCALATION_ACTIONS};

/// What a role grants; `None` fields are unknown, with `unknown` saying why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RolePrivilege {
    /// Administrator access (`*` on `*`, or an AWS managed admin policy).
    pub admin: Option<bool>,
    /// Privilege escalation (admin counts).
    pub escalation: Option<bool>,
    /// Why a field is unknown.
    pub unknown: Option<String>,
    /// The policy that decides a `true`, for messages.
    pub because: Option<String>,
}

/// True when an Allow statement grants every action on every resource with
/// no condition.
fn grants_everything(doc: &PolicyDocument) -> bool {
    doc.statements.iter().any(|s| {
        s.effect == Effect::Allow
            && s.not_action.is_empty()
            && s.action.iter().any(|a| a == "*" || a == "*:*")
            && s.resource.iter().any(|r| r == "*")
            && s.condition.is_none()
    })
}

/// True when some statement grants an escalation action unconstrained.
fn escalates(doc: &PolicyDocument, escalation_policies: &[String]) -> bool {
    (0..doc.statements.len()).any(|i| {
        statement_grants(doc, i, escalation_policies)
            .unconstrained
            .iter()
            .any(|a| ESCALATION_ACTIONS.contains(a))
    })
}

/// What `role` grants, judged from the account's IAM data.
pub fn role_privilege(iam: &Iam, role: &Role, escalation_policies: &[String]) -> RolePrivilege {
    let mut admin = false;
    let mut esc = false;
    let mut unknown: Option<String> = None;
    let mut because: Option<String> = None;
    let mut docs: Vec<(&str, &PolicyDocument)> = Vec::new();
    for arn in &role.attached_policies {
        let managed_admin = ADMIN_AWS_MANAGED_POLICIES
            .iter()
            .any(|n| arn.ends_with(&format!(":iam::aws:policy/{n}")));
        if managed_admin {
            admin |= arn.ends_with("/AdministratorAccess");
            esc = true;
            because.get_or_insert(format!("{arn} is attached"));
            continue;
        }
        match iam.policies.iter().find(|p| p.arn == *arn) {
            Some(p) => docs.push((&p.name, &p.document)),
            None => {
                unknown.get_or_insert(format!("attached policy {arn} is not in the snapshot"));
            }
        }
    }
    docs.extend(
        role.inline_policies
            .iter()
            .map(|p| (p.name.as_str(), &p.document)),
    );
    for (name, doc) in docs {
        if let Some(why) = doc.unreadable_reason() {
            unknown.get_or_insert(format!(
                "policy {name} of role {} could not be read ({why})",
                role.name
            ));
        } else if grants_everything(doc) {
            admin = true;
            esc = true;
            because.get_or_insert(format!("{name} grants * on *"));
        } else if escalates(doc, escalation_policies) {
            esc = true;
            because.get_or_insert(format!("{name} grants a privilege escalation action"));
        }
    }
    RolePrivilege {
        admin: (admin || unknown.is_none()).then_some(admin),
        escalation: (esc || unknown.is_none()).then_some(esc),
        unknown,
        because,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::iam::{InlinePolicy, ManagedPolicy};

    fn doc(json: &str) -> PolicyDocument {
        serde_json::from_str(json).expect("policy")
    }

    fn role(attached: &[&str], inline: Option<&str>) -> Role {
        Role {
            name: "app".into(),
            attached_policies: attached.iter().map(|s| (*s).to_owned()).collect(),
            inline_policies: inline
                .map(|d| InlinePolicy {
                    name: "inline".into(),
                    document: doc(d),
                })
                .into_iter()
                .collect(),
            ..Role::default()
        }
    }

    #[test]
    fn admin_escalation_and_unknown() {
        let iam = Iam::default();
        let star = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let pass =
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*"}]}"#;
        let read = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        let p = role_privilege(&iam, &role(&[], Some(star)), &[]);
        assert_eq!((p.admin, p.escalation), (Some(true), Some(true)));
        let p = role_privilege(&iam, &role(&[], Some(pass)), &[]);
        assert_eq!((p.admin, p.escalation), (Some(false), Some(true)));
        let p = role_privilege(&iam, &role(&[], Some(read)), &[]);
        assert_eq!((p.admin, p.escalation), (Some(false), Some(false)));
        let p = role_privilege(
            &iam,
            &role(&["arn:aws:iam::aws:policy/AdministratorAccess"], None),
            &[],
        );
        assert_eq!((p.admin, p.escalation), (Some(true), Some(true)));
        let p = role_privilege(
            &iam,
            &role(&["arn:aws:iam::1:policy/missing"], Some(read)),
            &[],
        );
        assert_eq!((p.admin, p.escalation), (None, None));
        assert!(p.unknown.is_some_and(|u| u.contains("missing")));
        let iam = Iam {
            policies: vec![ManagedPolicy {
                arn: "arn:aws:iam::1:policy/ops".into(),
                name: "ops".into(),
                document: doc(star),
                ..ManagedPolicy::default()
            }],
            ..Iam::default()
        };
        let p = role_privilege(&iam, &role(&["arn:aws:iam::1:policy/ops"], None), &[]);
        assert_eq!(p.admin, Some(true));
    }
}
