//! IAM identity facts: which managed policies are attached (and to users
//! directly), the AWS managed policies in use, group membership counts,
//! access keys created at user setup, and service-linked roles.

use std::collections::{HashMap, HashSet};

use palisade_model::iam::{AccessKey, Iam, ManagedPolicy, User};

use super::actions::{policy_granted_actions, ADMIN_AWS_MANAGED_POLICIES, ESCALATION_ACTIONS};

/// Managed policy ARNs referenced by users, groups and roles.
#[derive(Debug, Default)]
pub struct Attachments<'a> {
    /// Attached to any user, group or role.
    pub attached: HashSet<&'a str>,
    /// Attached to a user directly.
    pub attached_to_user: HashSet<&'a str>,
}

impl<'a> Attachments<'a> {
    /// The attachments named by the account's users, groups and roles.
    pub fn of(iam: &'a Iam) -> Self {
        let mut out = Self::default();
        for u in &iam.users {
            out.attached
                .extend(u.attached_policies.iter().map(String::as_str));
            out.attached_to_user
                .extend(u.attached_policies.iter().map(String::as_str));
        }
        for gr in &iam.groups {
            out.attached
                .extend(gr.attached_policies.iter().map(String::as_str));
        }
        for r in &iam.roles {
            out.attached
                .extend(r.attached_policies.iter().map(String::as_str));
        }
        out
    }

    /// IAM's AttachmentCount is positive or a user, group or role names it.
    pub fn is_attached(&self, p: &ManagedPolicy) -> bool {
        p.attachment_count > 0 || self.attached.contains(p.arn.as_str())
    }

    /// IAM's AttachmentCount, at least 1 when something names the policy.
    pub fn attachment_count(&self, p: &ManagedPolicy) -> i64 {
        p.attachment_count
            .max(i64::from(self.attached.contains(p.arn.as_str())))
    }

    /// True when a user names the policy directly.
    pub fn is_attached_to_user(&self, p: &ManagedPolicy) -> bool {
        self.attached_to_user.contains(p.arn.as_str())
    }

    /// Names of the attached AWS managed policies, sorted and deduplicated,
    /// including those referenced by ARN but not listed in `policies`.
    pub fn aws_managed_names(&self, policies: &'a [ManagedPolicy]) -> Vec<&'a str> {
        let mut names: Vec<&str> = policies
            .iter()
            .filter(|p| p.is_aws_managed() && self.is_attached(p))
            .map(|p| p.name.as_str())
            .collect();
        for arn in &self.attached {
            if arn.contains(":iam::aws:policy/") {
                if let Some(name) = arn.rsplit('/').next() {
                    names.push(name);
                }
            }
        }
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// ARNs of the managed policies whose attachment escalates privileges: the
/// [`ADMIN_AWS_MANAGED_POLICIES`] in `partition`, and every managed policy
/// in the snapshot, customer or AWS managed, that grants one of the
/// [`ESCALATION_ACTIONS`] (or whose document could not be read: unknown is
/// not safe).
pub fn escalation_policies(iam: &Iam, partition: &str) -> Vec<String> {
    let mut arns: Vec<String> = ADMIN_AWS_MANAGED_POLICIES
        .iter()
        .map(|n| format!("arn:{partition}:iam::aws:policy/{n}"))
        .collect();
    arns.extend(
        iam.policies
            .iter()
            .filter(|p| {
                p.document.unreadable.is_some()
                    || policy_granted_actions(&p.document)
                        .iter()
                        .any(|a| ESCALATION_ACTIONS.contains(a))
            })
            .map(|p| p.arn.clone()),
    );
    arns
}

/// Number of users whose group list names each group.
pub fn group_members(users: &[User]) -> HashMap<&str, usize> {
    let mut members: HashMap<&str, usize> = HashMap::new();
    for u in users {
        for gname in &u.groups {
            *members.entry(gname.as_str()).or_default() += 1;
        }
    }
    members
}

/// True when the key was created within a day of its user (initial setup).
pub fn created_at_setup(k: &AccessKey, u: &User) -> bool {
    match (k.create_date, u.create_date) {
        (Some(k), Some(c)) => (k - c).num_seconds().abs() <= 86_400,
        _ => false,
    }
}

/// True for a service-linked role's path.
pub fn is_service_linked(path: &str) -> bool {
    path.starts_with("/aws-service-role/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use palisade_model::iam::{Group, Role};

    fn policy(arn: &str, name: &str, count: i64) -> ManagedPolicy {
        ManagedPolicy {
            arn: arn.into(),
            name: name.into(),
            attachment_count: count,
            ..Default::default()
        }
    }

    #[test]
    fn attachments_and_aws_managed_names() {
        let admin = "arn:aws:iam::aws:policy/AdministratorAccess";
        let audit = "arn:aws:iam::aws:policy/SecurityAudit";
        let mine = "arn:aws:iam::111111111111:policy/mine";
        let iam = Iam {
            users: vec![User {
                attached_policies: vec![mine.into()],
                ..Default::default()
            }],
            groups: vec![Group {
                attached_policies: vec![audit.into()],
                ..Default::default()
            }],
            roles: vec![Role {
                attached_policies: vec![mine.into()],
                ..Default::default()
            }],
            policies: vec![
                policy(admin, "AdministratorAccess", 2),
                policy(
                    "arn:aws:iam::aws:policy/ReadOnlyAccess",
                    "ReadOnlyAccess",
                    0,
                ),
                policy(mine, "mine", 0),
            ],
            ..Default::default()
        };
        let a = Attachments::of(&iam);
        assert!(a.is_attached(&iam.policies[0]) && a.is_attached(&iam.policies[2]));
        assert!(!a.is_attached(&iam.policies[1]));
        assert_eq!(a.attachment_count(&iam.policies[2]), 1);
        assert!(a.is_attached_to_user(&iam.policies[2]));
        assert!(!a.is_attached_to_user(&iam.policies[0]));
        // SecurityAudit is referenced by ARN only; it still counts.
        assert_eq!(
            a.aws_managed_names(&iam.policies),
            vec!["AdministratorAccess", "SecurityAudit"]
        );
    }

    #[test]
    fn escalation_policies_are_admin_or_escalating() {
        let doc = |text: &str| palisade_model::policy::PolicyDocument::read_text(text);
        let mut escalates = policy("arn:aws:iam::111111111111:policy/esc", "esc", 0);
        escalates.document =
            doc(r#"{"Statement":[{"Effect":"Allow","Action":"iam:Put*","Resource":"*"}]}"#);
        let mut reads = policy("arn:aws:iam::111111111111:policy/read", "read", 0);
        reads.document =
            doc(r#"{"Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#);
        let mut unknown = policy("arn:aws:iam::111111111111:policy/unknown", "unknown", 0);
        unknown.document = doc("not json");
        // An AWS managed policy in the snapshot is judged by its document too.
        let mut aws_escalates = policy("arn:aws:iam::aws:policy/SomeIamAdmin", "SomeIamAdmin", 0);
        aws_escalates.document =
            doc(r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#);
        let iam = Iam {
            policies: vec![escalates, reads, unknown, aws_escalates],
            ..Default::default()
        };
        assert_eq!(
            escalation_policies(&iam, "aws"),
            vec![
                "arn:aws:iam::aws:policy/AdministratorAccess",
                "arn:aws:iam::aws:policy/IAMFullAccess",
                "arn:aws:iam::aws:policy/PowerUserAccess",
                "arn:aws:iam::aws:policy/job-function/SystemAdministrator",
                "arn:aws:iam::111111111111:policy/esc",
                "arn:aws:iam::111111111111:policy/unknown",
                "arn:aws:iam::aws:policy/SomeIamAdmin",
            ]
        );
    }

    #[test]
    fn members_setup_keys_and_service_roles() {
        let t = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let user = |groups: &[&str]| User {
            groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            create_date: Some(t),
            ..Default::default()
        };
        let users = [user(&["a", "b"]), user(&["a"])];
        let m = group_members(&users);
        assert_eq!(
            (m.get("a"), m.get("b"), m.get("c")),
            (Some(&2), Some(&1), None)
        );
        let key = |at| AccessKey {
            create_date: at,
            ..Default::default()
        };
        assert!(created_at_setup(
            &key(Some(t + Duration::hours(23))),
            &users[0]
        ));
        assert!(!created_at_setup(
            &key(Some(t + Duration::days(2))),
            &users[0]
        ));
        assert!(!created_at_setup(&key(None), &users[0]));
        assert!(is_service_linked("/aws-service-role/x.amazonaws.com/"));
        assert!(!is_service_linked("/"));
    }
}
