//! IAM identities: users (and their access keys), groups and roles, each a
//! child of the account. Their policies and statements are added by
//! `iam_policy`.

use cedar_policy::EntityUid;
use palisade_model::iam::{Group, ManagedPolicy, Role, User};
use palisade_model::GLOBAL_REGION;

use super::iam_policy::Owner;
use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::iam::{created_at_setup, group_members, is_service_linked, Attachments};

impl GraphBuilder {
    /// Adds the account's managed policies, users, groups and roles.
    pub(super) fn build_iam(
        &self,
        g: &mut Ctx<'_>,
        acct_uid: &EntityUid,
        attachments: &Attachments<'_>,
    ) {
        let a = g.account;
        let iam = &a.iam;
        for p in &iam.policies {
            if p.name.is_empty() {
                // Never an empty resource name: the ARN ends with the name.
                let named = ManagedPolicy {
                    name: ManagedPolicy::name_in_arn(&p.arn).to_owned(),
                    ..p.clone()
                };
                self.managed_policy(g, acct_uid, attachments, &named);
            } else {
                self.managed_policy(g, acct_uid, attachments, p);
            }
        }
        for u in &iam.users {
            self.user(g, acct_uid, u);
        }
        let members = group_members(&iam.users);
        for gr in &iam.groups {
            let count = members.get(gr.name.as_str()).copied().unwrap_or(0);
            self.group(g, acct_uid, gr, count);
        }
        for r in &iam.roles {
            self.role(g, acct_uid, r);
        }
    }

    fn user(&self, g: &mut Ctx<'_>, acct_uid: &EntityUid, u: &User) {
        let active: Vec<_> = u.access_keys.iter().filter(|k| k.is_active()).collect();
        let at_setup = active.iter().filter(|k| created_at_setup(k, u)).count();
        let attrs = Attrs::default()
            .s("name", &u.name)
            .s("path", &u.path)
            .b("has_console_password", u.password_enabled)
            .opt_l(
                "days_since_password_used",
                self.days_since(u.password_last_used),
            )
            .opt_l("age_days", self.days_since(u.create_date))
            .opt_l(
                "password_age_days",
                self.days_since(u.login_profile_create_date),
            )
            .n("mfa_device_count", u.mfa_devices.len())
            .n(
                "hardware_mfa_count",
                u.mfa_devices
                    .iter()
                    .filter(|d| d.kind.eq_ignore_ascii_case("hardware"))
                    .count(),
            )
            .n("active_access_key_count", active.len())
            .n("active_keys_created_at_setup", at_setup)
            .n("attached_policy_count", u.attached_policies.len())
            .n("inline_policy_count", u.inline_policies.len())
            .n("group_count", u.groups.len());
        // A never-used password is judged by when it was set: unknown
        // without the login profile's creation date.
        let attrs = if u.password_enabled
            && u.password_last_used.is_none()
            && u.login_profile_create_date.is_none()
        {
            attrs.unknown(
                "password_age_days",
                "when the never-used console password was set (the login profile's CreateDate is not in the snapshot)",
            )
        } else {
            attrs
        };
        let uid = g
            .node(&self.types.user, &u.arn, GLOBAL_REGION)
            .name(&u.name)
            .parent(acct_uid)
            .attrs(attrs)
            .tags(&u.tags)
            .add();
        for k in &u.access_keys {
            let attrs = Attrs::default()
                .s("access_key_id", &k.access_key_id)
                .s("user_name", &u.name)
                .b("active", k.is_active())
                .opt_l("age_days", self.days_since(k.create_date))
                .opt_l("days_since_last_used", self.days_since(k.last_used_date))
                .b("ever_used", k.last_used_date.is_some())
                .b("user_has_console_password", u.password_enabled)
                .b("created_at_setup", created_at_setup(k, u));
            let id = format!("{}/access-key/{}", u.arn, k.access_key_id);
            g.node(&self.types.access_key, id, GLOBAL_REGION)
                .name(format!("{} ({})", u.name, k.access_key_id))
                .parent(&uid)
                .attrs(attrs)
                .add();
        }
        let owner = Owner {
            uid: &uid,
            kind: "user",
            name: &u.name,
            arn: &u.arn,
            is_user: true,
        };
        self.inline_policies(g, &owner, &u.inline_policies);
    }

    fn group(&self, g: &mut Ctx<'_>, acct_uid: &EntityUid, gr: &Group, member_count: usize) {
        let attrs = Attrs::default()
            .s("name", &gr.name)
            .n("member_count", member_count)
            .n("attached_policy_count", gr.attached_policies.len())
            .n("inline_policy_count", gr.inline_policies.len());
        let uid = g
            .node(&self.types.group, &gr.arn, GLOBAL_REGION)
            .name(&gr.name)
            .parent(acct_uid)
            .attrs(attrs)
            .add();
        let owner = Owner {
            uid: &uid,
            kind: "group",
            name: &gr.name,
            arn: &gr.arn,
            is_user: false,
        };
        self.inline_policies(g, &owner, &gr.inline_policies);
    }

    fn role(&self, g: &mut Ctx<'_>, acct_uid: &EntityUid, r: &Role) {
        let attrs = Attrs::default()
            .s("name", &r.name)
            .s("path", &r.path)
            .b("is_service_linked", is_service_linked(&r.path))
            .n("attached_policy_count", r.attached_policies.len())
            .n("inline_policy_count", r.inline_policies.len())
            .opt_l("days_since_last_used", self.days_since(r.last_used));
        let uid = g
            .node(&self.types.role, &r.arn, GLOBAL_REGION)
            .name(&r.name)
            .parent(acct_uid)
            .attrs(attrs)
            .tags(&r.tags)
            .add();
        self.trust_policy(g, &uid, r);
        let owner = Owner {
            uid: &uid,
            kind: "role",
            name: &r.name,
            arn: &r.arn,
            is_user: false,
        };
        self.inline_policies(g, &owner, &r.inline_policies);
    }
}

/// The permissions-boundary use of a managed policy: IAM's
/// PermissionsBoundaryUsageCount, or unknown (marked so only where it could
/// decide something: a customer managed policy attached to nothing).
pub(super) fn boundary_usage(attrs: Attrs, p: &ManagedPolicy, attachment_count: i64) -> Attrs {
    match p.permissions_boundary_usage_count {
        Some(n) => attrs.l("permissions_boundary_usage_count", n),
        None if !p.is_aws_managed() && attachment_count == 0 => attrs.unknown(
            "permissions_boundary_usage_count",
            "whether the policy is used as a permissions boundary (PermissionsBoundaryUsageCount is not in the snapshot)",
        ),
        None => attrs,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use palisade_model::policy::PolicyDocument;
    use palisade_model::Account;

    use super::*;
    use crate::graph::GraphBuilder;

    #[test]
    fn a_managed_policy_without_a_name_is_named_from_its_arn() {
        let mut a = Account {
            account_id: "111111111111".into(),
            ..Account::default()
        };
        a.iam.policies.push(ManagedPolicy {
            arn: "arn:aws:iam::111111111111:policy/team/deploy".into(),
            name: String::new(),
            attachment_count: 1,
            permissions_boundary_usage_count: Some(0),
            document: PolicyDocument::read_text(
                r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
            ),
            ..ManagedPolicy::default()
        });
        let graph = GraphBuilder::new(chrono::Utc::now(), Vec::new()).build(&a);
        let names: Vec<&str> = graph
            .resources
            .iter()
            .filter(|(_, _, r)| r.id.starts_with("arn:aws:iam::111111111111:policy/"))
            .map(|(_, _, r)| r.name.as_str())
            .collect();
        assert!(!names.is_empty());
        assert!(names.iter().all(|n| n.starts_with("deploy")), "{names:?}");
    }
}
