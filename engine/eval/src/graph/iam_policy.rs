//! IAM policy documents as entities: managed and inline policies, one
//! `PolicyStatement` per statement (child of the policy's owner), and one
//! `TrustStatement` per statement of a role's trust policy. A document that
//! could not be read gives broken resources (an `error` for every check over
//! the policy and its statements), never an empty document that passes.

use std::rc::Rc;

use cedar_policy::EntityUid;
use palisade_model::iam::{InlinePolicy, ManagedPolicy, Role};
use palisade_model::policy::{PolicyDocument, Principal, Statement};
use palisade_model::GLOBAL_REGION;

use super::node::{Attrs, Ctx};
use super::GraphBuilder;
use crate::facts::actions::{
    allow_actions, any_resource, lowercase_actions, passrole_services, policy_granted_actions,
    service_wildcards, statement_grants,
};
use crate::facts::arn::external_accounts;
use crate::facts::conditions::{conditions, restricted_keys, tag_scoped, trust_key_always_present};
use crate::facts::iam::{is_service_linked, Attachments};

/// The user, group or role that embeds inline policies.
pub(super) struct Owner<'x> {
    /// The owner's entity.
    pub(super) uid: &'x EntityUid,
    /// `user`, `group` or `role`.
    pub(super) kind: &'x str,
    /// The owner's name.
    pub(super) name: &'x str,
    /// The owner's ARN.
    pub(super) arn: &'x str,
    /// The owner is a user (its policies apply to a user directly).
    pub(super) is_user: bool,
}

/// Where a policy's statements go and what they inherit from the policy.
struct Statements<'x> {
    /// Parent entity of the statements (the policy's owner or account).
    parent: &'x EntityUid,
    /// Resource id of the policy; statement ids extend it.
    policy_id: &'x str,
    /// Policy name.
    policy_name: &'x str,
    /// `aws_managed`, `customer_managed` or `inline`.
    kind: &'x str,
    /// The policy is attached.
    attached: bool,
    /// The policy is attached to (or embedded in) a user directly.
    on_user: bool,
}

/// The reason recorded for checks over an unreadable document.
fn unreadable(reason: &str) -> String {
    format!("policy document could not be read: {reason}")
}

impl GraphBuilder {
    /// A managed policy and its statements. AWS managed policies are only
    /// materialised when attached (their unattached hundreds say nothing).
    pub(super) fn managed_policy(
        &self,
        g: &mut Ctx<'_>,
        acct_uid: &EntityUid,
        attachments: &Attachments<'_>,
        p: &ManagedPolicy,
    ) {
        let aws = p.is_aws_managed();
        let attached_now = attachments.is_attached(p);
        if aws && !attached_now {
            return;
        }
        // AWS managed policies share one ARN across accounts: scope their
        // resource id to this account so finding ids stay unique.
        let rid = if aws {
            g.account.aws_managed_policy_id(&p.arn)
        } else {
            p.arn.clone()
        };
        let st = Statements {
            parent: acct_uid,
            policy_id: &rid,
            policy_name: &p.name,
            kind: if aws {
                "aws_managed"
            } else {
                "customer_managed"
            },
            attached: attached_now,
            on_user: attachments.is_attached_to_user(p),
        };
        if let Some(reason) = p.document.unreadable_reason() {
            g.node(&self.types.managed_policy, &rid, GLOBAL_REGION)
                .name(&p.name)
                .broken(unreadable(reason));
            self.unreadable_statements(g, &st, reason);
            return;
        }
        let attrs =
            super::iam::boundary_usage(Attrs::default(), p, attachments.attachment_count(p))
                .s("name", &p.name)
                .b("aws_managed", aws)
                .l("attachment_count", attachments.attachment_count(p))
                .b("attached", attached_now)
                .n("statement_count", p.document.statements.len())
                .set_s("allow_actions", allow_actions(&p.document))
                .set_s("granted_actions", policy_granted_actions(&p.document))
                .set_s("passrole_services", passrole_services(&p.document));
        let uid = g
            .node(&self.types.managed_policy, &rid, GLOBAL_REGION)
            .name(&p.name)
            .parent(acct_uid)
            .attrs(attrs)
            .add();
        let st = Statements { parent: &uid, ..st };
        self.statements(g, &st, &p.document);
    }

    /// Inline policies of one owner: an `InlinePolicy` entity per policy
    /// (child of the owner) and its statements (also children of the owner).
    pub(super) fn inline_policies(
        &self,
        g: &mut Ctx<'_>,
        owner: &Owner<'_>,
        policies: &[InlinePolicy],
    ) {
        for p in policies {
            let id = format!("{}#inline/{}", owner.arn, p.name);
            let name = format!("{} / {}", owner.name, p.name);
            let st = Statements {
                parent: owner.uid,
                policy_id: &id,
                policy_name: &p.name,
                kind: "inline",
                attached: true,
                on_user: owner.is_user,
            };
            if let Some(reason) = p.document.unreadable_reason() {
                g.node(&self.types.inline_policy, &id, GLOBAL_REGION)
                    .name(name)
                    .broken(unreadable(reason));
                self.unreadable_statements(g, &st, reason);
                continue;
            }
            let attrs = Attrs::default()
                .s("name", &p.name)
                .s("owner_kind", owner.kind)
                .s("owner_name", owner.name)
                .n("statement_count", p.document.statements.len())
                .set_s("allow_actions", allow_actions(&p.document))
                .set_s("granted_actions", policy_granted_actions(&p.document))
                .set_s("passrole_services", passrole_services(&p.document));
            g.node(&self.types.inline_policy, &id, GLOBAL_REGION)
                .name(name)
                .parent(owner.uid)
                .attrs(attrs)
                .add();
            self.statements(g, &st, &p.document);
        }
    }

    /// The statements of an unreadable policy are unknown: one broken
    /// `PolicyStatement` (`<policy id>#statement/*`) stands for them all.
    fn unreadable_statements(&self, g: &mut Ctx<'_>, st: &Statements<'_>, reason: &str) {
        let id = format!("{}#statement/*", st.policy_id);
        g.node(&self.types.policy_statement, id, GLOBAL_REGION)
            .name(format!("{} statements", st.policy_name))
            .broken(unreadable(reason));
    }

    fn statements(&self, g: &mut Ctx<'_>, st: &Statements<'_>, doc: &PolicyDocument) {
        // Only a document that conditions on iam:PolicyARN needs the
        // account's escalating policies.
        let names_policy_arn = doc
            .statements
            .iter()
            .any(|s| s.condition_keys().iter().any(|k| k == "iam:policyarn"));
        let escalation = if names_policy_arn {
            g.escalation_policies()
        } else {
            Rc::from([])
        };
        for (i, s) in doc.statements.iter().enumerate() {
            let actions = lowercase_actions(&s.action);
            let wildcards = service_wildcards(&actions);
            let condition_keys = s.condition_keys();
            let conds = conditions(s);
            let any_resource = any_resource(s, tag_scoped(&conds));
            let grants = statement_grants(doc, i, &escalation);
            let id = format!("{}#statement/{i}", st.policy_id);
            g.note_scp_grants(&id, "granted_actions", &grants.granted);
            g.note_scp_grants(&id, "unconstrained_actions", &grants.unconstrained);
            let attrs = Attrs::default()
                .s("policy_name", st.policy_name)
                .s("policy_kind", st.kind)
                .b("policy_attached", st.attached)
                .b("attached_to_user", st.on_user)
                .n("index", i)
                .s("effect", s.effect.as_str())
                .set_s("not_actions", lowercase_actions(&s.not_action))
                .set_s("actions", actions)
                .set_s("resources", s.resource.iter().cloned())
                .set_s("not_resources", s.not_resource.iter().cloned())
                .b("any_resource", any_resource)
                .b("has_condition", s.condition.is_some())
                .set_s("condition_keys", condition_keys)
                .set_s("service_wildcards", wildcards)
                .set_s("granted_actions", grants.granted)
                .set_s("unconstrained_actions", grants.unconstrained)
                .set_s("constraints", grants.constraints);
            let name = format!(
                "{} statement {}",
                st.policy_name,
                s.sid.clone().unwrap_or_else(|| i.to_string())
            );
            g.node(&self.types.policy_statement, id, GLOBAL_REGION)
                .name(name)
                .parent(st.parent)
                .attrs(attrs)
                .add();
        }
    }

    /// A role's trust statements; for an unreadable trust policy, one broken
    /// `TrustStatement` (`<role arn>#trust/*`) standing for all of them.
    pub(super) fn trust_policy(&self, g: &mut Ctx<'_>, role_uid: &EntityUid, r: &Role) {
        if let Some(reason) = r.trust_policy.unreadable_reason() {
            g.node(
                &self.types.trust_statement,
                format!("{}#trust/*", r.arn),
                GLOBAL_REGION,
            )
            .name(format!("{} trust policy", r.name))
            .broken(unreadable(reason));
            return;
        }
        for (i, st) in r.trust_policy.statements.iter().enumerate() {
            self.trust_statement(g, role_uid, r, i, st);
        }
    }

    fn trust_statement(
        &self,
        g: &mut Ctx<'_>,
        role_uid: &EntityUid,
        r: &Role,
        i: usize,
        st: &Statement,
    ) {
        let p = st.principal.as_ref();
        let aws: Vec<&str> = p.map(|p| p.of_kind("AWS")).unwrap_or_default();
        let conds = conditions(st);
        let principal_any = p.is_some_and(Principal::is_anyone);
        // With the organisation: its member accounts are not external, and
        // the accounts outside it are named (issue 15).
        let org = super::TrustOrg::of(
            self.organization.as_deref(),
            external_accounts(&aws, &g.account.account_id),
            principal_any,
            &conds,
        );
        let attrs = Attrs::default()
            .s("role_name", &r.name)
            .b("role_is_service_linked", is_service_linked(&r.path))
            .n("index", i)
            .s("effect", st.effect.as_str())
            .b("principal_any", principal_any)
            .set_s("aws_principals", aws.iter().copied())
            .set_s(
                "service_principals",
                p.map(|p| p.of_kind("Service")).unwrap_or_default(),
            )
            .set_s(
                "federated_principals",
                p.map(|p| p.of_kind("Federated")).unwrap_or_default(),
            )
            .set_s("external_accounts", org.external)
            .set_s("outside_org_accounts", org.outside)
            .opt_s("org_membership_unknown", org.unknown.as_deref())
            .opt_s("outside_org_note", org.note.as_deref())
            .set_s("condition_keys", st.condition_keys())
            .set_s(
                "restricted_keys",
                restricted_keys(&conds, trust_key_always_present),
            )
            .b("has_condition", st.condition.is_some())
            .set_s("actions", lowercase_actions(&st.action));
        g.node(
            &self.types.trust_statement,
            format!("{}#trust/{i}", r.arn),
            GLOBAL_REGION,
        )
        .name(format!("{} trust statement {i}", r.name))
        .parent(role_uid)
        .attrs(attrs)
        .add();
    }
}
