//! AWS Organizations, judged once per scan: one `AWS::Organizations::Organization`
//! entity with the organisation-wide SCP protections (does some SCP deny
//! leaving the organisation, and disabling CloudTrail, GuardDuty and AWS
//! Config, to every member account: [`crate::facts::scp`]), and one
//! `AWS::Organizations::OrgAccount` per account with its place in the OU tree.
//! Also the organisation facts of per-account entities: the SCP verdicts of
//! an account ([`ScpFacts`], for rules annotated `@scp`) and which accounts
//! a trust statement names outside the organisation ([`TrustOrg`]).

use std::collections::HashMap;
use std::fmt::Write as _;

use palisade_model::organization::Organization;
use palisade_model::{Account, GLOBAL_REGION};

use super::node::{Attrs, Ctx};
use super::types::ty;
use super::{AccountGraph, GraphBuilder};
use crate::facts::conditions::{org_restriction, Condition};
use crate::facts::scp::{scp_effect, scps_disabled, AccountScps, ScpEffect};

/// The SCP facts of one account's graph: which sensitive actions the
/// organisation's SCPs deny there, and, per policy statement, the actions
/// it grants (by attribute), so fails of rules annotated `@scp("attr")`
/// can say when every action they are about is denied anyway.
#[derive(Debug, Clone, Default)]
pub struct ScpFacts {
    /// The account's denied actions (empty without an organisation, for the
    /// management account, or when nothing is known to be denied).
    pub account: AccountScps,
    /// Resource id -> (attribute, its action values).
    pub grants: HashMap<String, Vec<(&'static str, Vec<String>)>>,
}

/// The protections an organisation's SCPs should give every member
/// account: a key (attribute prefix), and the actions that must all be
/// denied.
pub const PROTECTIONS: &[(&str, &[&str])] = &[
    ("leave", &["organizations:leaveorganization"]),
    (
        "cloudtrail",
        &[
            "cloudtrail:stoplogging",
            "cloudtrail:deletetrail",
            "cloudtrail:updatetrail",
        ],
    ),
    (
        "guardduty",
        &[
            "guardduty:deletedetector",
            "guardduty:updatedetector",
            "guardduty:disassociatefromadministratoraccount",
            "guardduty:disassociatefrommasteraccount",
        ],
    ),
    (
        "config",
        &[
            "config:stopconfigurationrecorder",
            "config:deleteconfigurationrecorder",
            "config:deletedeliverychannel",
        ],
    ),
];

/// One protection judged over every member account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protection {
    /// Member accounts where at least one of the actions is known not to
    /// be denied.
    pub unprotected: Vec<String>,
    /// Why the verdict is unknown (no account known unprotected, some
    /// unknown), if so.
    pub unknown: Option<String>,
    /// What the verdict was judged against, for messages.
    pub note: String,
}

/// Judges one protection (`actions` must all be denied) over the member
/// accounts of `org` (active ones, the management account excluded).
pub fn protection(org: &Organization, actions: &[&str]) -> Protection {
    let mut out = Protection::default();
    let Some(accounts) = org.accounts.as_ref() else {
        out.unknown = Some("the organisation's account list could not be read".to_owned());
        return out;
    };
    let members: Vec<&str> = accounts
        .iter()
        .filter(|a| a.id != org.management_account_id)
        .filter(|a| a.status.is_empty() || a.status == "ACTIVE")
        .map(|a| a.id.as_str())
        .collect();
    if let Ok(Some(why)) = scps_disabled(org) {
        out.unprotected = members.iter().map(|m| (*m).to_owned()).collect();
        out.note = format!("{why}: nothing is denied to member accounts");
        return out;
    }
    let mut unknowns: Vec<String> = Vec::new();
    let mut open_lines: Vec<String> = Vec::new();
    let mut gaps: Vec<String> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    for m in &members {
        let mut open: Vec<&str> = Vec::new();
        for a in actions {
            match scp_effect(org, m, a) {
                ScpEffect::Denied(why) => {
                    if !reasons.contains(&why) {
                        reasons.push(why);
                    }
                }
                ScpEffect::NotDenied(conditional) => {
                    open.push(a);
                    for c in conditional {
                        let c = format!("{c} (not counted)");
                        if !gaps.contains(&c) {
                            gaps.push(c);
                        }
                    }
                }
                ScpEffect::NotSubject(_) => open.push(a),
                ScpEffect::Unknown(why) => {
                    if !unknowns.contains(&why) {
                        unknowns.push(why);
                    }
                }
            }
        }
        if !open.is_empty() {
            out.unprotected.push((*m).to_owned());
            open_lines.push(format!("account {m}: {} not denied", open.join(", ")));
        }
    }
    if out.unprotected.is_empty() && !unknowns.is_empty() {
        out.unknown = Some(format!(
            "whether service control policies deny {} to every member account is not known: {}",
            actions.join(", "),
            unknowns.join("; ")
        ));
    }
    out.note = if out.unprotected.is_empty() {
        if members.is_empty() {
            "the organisation has no active member account besides the management account"
                .to_owned()
        } else {
            format!(
                "denied to all {} member accounts: {}",
                members.len(),
                reasons.join("; ")
            )
        }
    } else {
        let more = open_lines.len().saturating_sub(5);
        open_lines.truncate(5);
        if more > 0 {
            open_lines.push(format!("and {more} more accounts"));
        }
        open_lines.extend(gaps);
        format!(
            "{} of {} member accounts are not protected; {}",
            out.unprotected.len(),
            members.len(),
            open_lines.join("; ")
        )
    };
    out
}

/// What a trust statement's accounts are with respect to the organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustOrg<'a> {
    /// The statement's other accounts, members of the organisation removed
    /// when the organisation's account list was read (otherwise all).
    pub external: Vec<&'a str>,
    /// Accounts (or a foreign organisation id) outside the organisation the
    /// statement trusts; empty when unknown.
    pub outside: Vec<String>,
    /// Why membership is unknown (no organisation collected, or its
    /// account list unread), when the statement names other accounts.
    pub unknown: Option<String>,
    /// A message for fails.
    pub note: Option<String>,
}

/// True when an organisation condition names `org_id` only
/// (`aws:PrincipalOrgID` equal to it, `aws:PrincipalOrgPaths` under it).
fn names_org_only(c: &Condition, org_id: &str) -> bool {
    let lower = c.key_lower();
    c.values.iter().all(|v| {
        let org = if lower == "aws:principalorgpaths" {
            v.split('/').next().unwrap_or_default()
        } else {
            v.as_str()
        };
        org.eq_ignore_ascii_case(org_id)
    })
}

impl<'a> TrustOrg<'a> {
    /// Judges one trust statement: `external` are its accounts other than
    /// the role's own, `principal_any` its `*` principal, `conds` its
    /// conditions.
    pub fn of(
        org: Option<&Organization>,
        external: Vec<&'a str>,
        principal_any: bool,
        conds: &[Condition],
    ) -> Self {
        let restriction = org_restriction(conds);
        let Some(org) = org else {
            let unknown = (!external.is_empty()).then(|| {
                "the organisation was not collected (palisade collect --org), so whether the \
                 trusted accounts belong to it is not known"
                    .to_owned()
            });
            return TrustOrg {
                external,
                unknown,
                ..TrustOrg::default()
            };
        };
        let Some(members) = org.account_ids() else {
            let unknown = (!external.is_empty()).then(|| {
                "the organisation's account list could not be read, so whether the trusted \
                 accounts belong to it is not known"
                    .to_owned()
            });
            return TrustOrg {
                external,
                unknown,
                ..TrustOrg::default()
            };
        };
        let external: Vec<&'a str> = external
            .into_iter()
            .filter(|a| !members.contains(a))
            .collect();
        let mut outside: Vec<String> = external.iter().map(|a| (*a).to_owned()).collect();
        let mut foreign = None;
        match restriction {
            // The caller must belong to this organisation: nobody outside.
            Some(c) if names_org_only(c, &org.id) => outside.clear(),
            Some(c) => {
                foreign = Some(c.values.join(", "));
                if principal_any {
                    outside.extend(c.values.iter().cloned());
                }
            }
            None => {}
        }
        outside.sort();
        outside.dedup();
        let note = (!outside.is_empty()).then(|| {
            let mut n = format!(
                "trusts {} outside organisation {}",
                outside.join(", "),
                org.id
            );
            if let Some(f) = foreign {
                let _ = write!(n, " (its organisation condition names {f}, not {})", org.id);
            }
            n
        });
        TrustOrg {
            external,
            outside,
            unknown: None,
            note,
        }
    }
}

impl GraphBuilder {
    /// The organisation's entities (one `Organization`, one `Account` per
    /// account), as a graph attributed to the management account; `None`
    /// without an organisation.
    pub fn build_organization(&self) -> Option<AccountGraph> {
        let org = self.organization.as_deref()?;
        let holder = Account {
            account_id: org.management_account_id.clone(),
            ..Account::default()
        };
        let mut g = Ctx::new(&holder);
        let org_ty = ty("AWS::Organizations::Organization");
        let acct_ty = ty("AWS::Organizations::OrgAccount");
        let mut attrs = Attrs::default()
            .s("org_id", &org.id)
            .s("management_account_id", &org.management_account_id)
            .opt_s("feature_set", org.feature_set.as_deref());
        match scps_disabled(org) {
            Ok(disabled) => {
                attrs = attrs.b("scps_enabled", disabled.is_none()).s(
                    "scps_note",
                    disabled.as_deref().unwrap_or(
                        "all features are enabled and the SERVICE_CONTROL_POLICY type is enabled on the root",
                    ),
                );
            }
            Err(why) => {
                attrs = attrs.s("scps_note", "").unknown("scps_enabled", why);
            }
        }
        for (key, actions) in PROTECTIONS {
            let p = protection(org, actions);
            attrs = attrs
                .set_s(&format!("{key}_unprotected"), p.unprotected)
                .s(&format!("{key}_note"), &p.note)
                .opt_s(&format!("{key}_unknown"), p.unknown.as_deref());
        }
        let org_uid = g
            .node(&org_ty, &org.id, GLOBAL_REGION)
            .name(format!("organisation {}", org.id))
            .attrs(attrs)
            .add();
        let roots: Option<Vec<&str>> = org
            .roots
            .as_ref()
            .map(|r| r.iter().map(|r| r.id.as_str()).collect());
        for a in org.accounts.iter().flatten() {
            let mut attrs = Attrs::default()
                .s("name", &a.name)
                .s("status", &a.status)
                .b("is_management", a.id == org.management_account_id);
            match (&a.parent_id, &roots) {
                (Some(p), Some(roots)) => {
                    attrs = attrs.b("parent_is_root", roots.contains(&p.as_str()));
                }
                (None, _) => {
                    attrs = attrs.s(
                        "parent_unknown",
                        "the account's parent (root or OU) could not be read",
                    );
                }
                (Some(_), None) => {
                    attrs = attrs.s(
                        "parent_unknown",
                        "the organisation's roots could not be read",
                    );
                }
            }
            let name = if a.name.is_empty() {
                a.id.clone()
            } else {
                format!("{} ({})", a.name, a.id)
            };
            g.node(
                &acct_ty,
                format!("{}/account/{}", org.id, a.id),
                GLOBAL_REGION,
            )
            .name(name)
            .parent(&org_uid)
            .attrs(attrs)
            .add();
        }
        Some(g.graph)
    }

    /// The SCP facts of `account` (see [`ScpFacts`]); empty without an
    /// organisation.
    pub(super) fn scp_facts(&self, account: &Account) -> ScpFacts {
        let Some(org) = self.organization.as_deref() else {
            return ScpFacts::default();
        };
        ScpFacts {
            account: AccountScps::of(
                org,
                &account.account_id,
                crate::facts::actions::SENSITIVE_ACTIONS.iter().copied(),
            ),
            grants: HashMap::new(),
        }
    }
}

impl Ctx<'_> {
    /// Records the actions attribute `attr` of resource `id` holds, when the
    /// account's SCPs deny anything (the `@scp` post-pass reads them).
    pub(super) fn note_scp_grants(&mut self, id: &str, attr: &'static str, actions: &[&str]) {
        if self.graph.scp.account.denied.is_empty() || actions.is_empty() {
            return;
        }
        self.graph
            .scp
            .grants
            .entry(id.to_owned())
            .or_default()
            .push((attr, actions.iter().map(|a| (*a).to_owned()).collect()));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::facts::conditions::conditions;
    use palisade_model::organization::OrgAccount;
    use palisade_model::policy::PolicyDocument;

    fn org() -> Organization {
        Organization {
            id: "o-own".into(),
            management_account_id: "111111111111".into(),
            accounts: Some(vec![
                OrgAccount {
                    id: "111111111111".into(),
                    ..OrgAccount::default()
                },
                OrgAccount {
                    id: "222222222222".into(),
                    ..OrgAccount::default()
                },
            ]),
            ..Organization::default()
        }
    }

    fn conds(cond: &str) -> Vec<Condition> {
        let doc = PolicyDocument::parse_text(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{cond}}}]}}"#
        ))
        .unwrap();
        conditions(&doc.statements[0])
    }

    #[test]
    fn members_are_internal_and_own_org_condition_is_the_org() {
        let o = org();
        let t = TrustOrg::of(Some(&o), vec!["222222222222", "999999999999"], false, &[]);
        assert_eq!(t.external, ["999999999999"]);
        assert_eq!(t.outside, ["999999999999"]);
        let own = conds(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-own"}}"#);
        let t = TrustOrg::of(Some(&o), vec!["999999999999"], false, &own);
        assert!(t.outside.is_empty());
        let other = conds(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-other"}}"#);
        let t = TrustOrg::of(Some(&o), vec![], true, &other);
        assert_eq!(t.outside, ["o-other"]);
        assert!(t.note.unwrap().contains("names o-other, not o-own"));
        let paths = conds(r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-own/r-1/*"}}"#);
        assert!(TrustOrg::of(Some(&o), vec!["999999999999"], false, &paths)
            .outside
            .is_empty());
    }

    #[test]
    fn membership_is_unknown_without_the_account_list() {
        let t = TrustOrg::of(None, vec!["222222222222"], false, &[]);
        assert_eq!(t.external, ["222222222222"]);
        assert!(t.outside.is_empty() && t.unknown.is_some());
        assert!(TrustOrg::of(None, vec![], false, &[]).unknown.is_none());
        let mut o = org();
        o.accounts = None;
        let t = TrustOrg::of(Some(&o), vec!["222222222222"], false, &[]);
        assert_eq!(t.external, ["222222222222"]);
        assert!(t
            .unknown
            .unwrap()
            .contains("account list could not be read"));
    }
}
