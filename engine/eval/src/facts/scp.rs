//! Service control policies as AWS applies them to one member account:
//! which actions the organisation's SCPs deny to every principal in it.
//!
//! An action is denied in an account when
//! - an SCP attached to the account, one of its OUs or the root has a Deny
//!   statement that covers it (`Action` wildcards, or everything outside a
//!   `NotAction`), on every resource (`Resource` `*` or absent, no
//!   `NotResource`) and without conditions: a conditional Deny denies only
//!   some requests (typically all but an exempt admin role), so it is named
//!   in the verdict but never counted; or
//! - no SCP attached at some level of that path allows it (SCPs are
//!   allow-lists: every level must allow an action, `FullAWSAccess` allows
//!   all). An Allow counts whatever its resources and conditions (it may
//!   allow).
//!
//! The management account is not subject to SCPs, nor is any account when
//! the organisation does not have the SCP policy type enabled. Missing data
//! (a listing that failed: `None`) is unknown, never "nothing denied": an
//! explicit Deny read from the data is still certain.

use palisade_model::organization::{Organization, ServiceControlPolicy};
use palisade_model::policy::{Effect, PolicyDocument, Statement};

use super::actions::covers_action;

/// The SCP policy type name on an organisation root.
pub const SCP_POLICY_TYPE: &str = "SERVICE_CONTROL_POLICY";

/// What the SCPs do to one action in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScpEffect {
    /// SCPs do not apply to the account (the management account, or SCPs
    /// not enabled); the text says why.
    NotSubject(String),
    /// Denied to every principal of the account; the text names the SCP and
    /// what it does (`service control policy p-1 (DenyLeave) denies ...`).
    Denied(String),
    /// Not denied; conditional Deny statements that cover the action (not
    /// counted: they deny only some requests), described.
    NotDenied(Vec<String>),
    /// Unknown: a listing or document needed to decide is missing.
    Unknown(String),
}

impl ScpEffect {
    /// True for [`ScpEffect::Denied`].
    pub fn is_denied(&self) -> bool {
        matches!(self, ScpEffect::Denied(_))
    }
}

/// A statement without conditions (absent or an empty block).
fn unconditional(st: &Statement) -> bool {
    st.condition
        .as_ref()
        .is_none_or(|c| c.as_object().is_some_and(serde_json::Map::is_empty))
}

/// A statement on every resource: `Resource` `*` (or no `Resource`, as an
/// SCP may be written) and no `NotResource`.
fn every_resource(st: &Statement) -> bool {
    st.not_resource.is_empty() && (st.resource.is_empty() || st.resource.iter().any(|r| r == "*"))
}

/// The policy's document, when it was read and parsed.
fn readable(p: &ServiceControlPolicy) -> Option<&PolicyDocument> {
    p.document
        .as_ref()
        .filter(|d| d.unreadable_reason().is_none())
}

/// `p-1 (Name)` for messages.
fn label(p: &ServiceControlPolicy) -> String {
    if p.name.is_empty() {
        p.id.clone()
    } else {
        format!("{} ({})", p.id, p.name)
    }
}

/// Where a target id sits, for messages.
fn describe_target(id: &str) -> String {
    if id.starts_with("r-") {
        format!("the root {id}")
    } else if id.starts_with("ou-") {
        format!("OU {id}")
    } else {
        format!("account {id}")
    }
}

/// Why SCPs do not apply to any member account of `org` (feature set not
/// `ALL`, or the SCP policy type not enabled on the root), `Ok(None)` when
/// they do, `Err` when the roots could not be read.
pub fn scps_disabled(org: &Organization) -> Result<Option<String>, String> {
    if let Some(fs) = org.feature_set.as_deref() {
        if fs != "ALL" {
            return Ok(Some(format!(
                "the organisation's feature set is {fs}, so service control policies do not apply"
            )));
        }
    }
    let roots = org
        .roots
        .as_ref()
        .ok_or_else(|| "the organisation's roots could not be read".to_owned())?;
    if roots.is_empty() {
        return Err("the organisation's roots could not be read".to_owned());
    }
    if roots
        .iter()
        .all(|r| !r.enabled_policy_types.iter().any(|t| t == SCP_POLICY_TYPE))
    {
        return Ok(Some(
            "the SERVICE_CONTROL_POLICY policy type is not enabled on the organisation's root"
                .to_owned(),
        ));
    }
    Ok(None)
}

/// What the SCPs of `org` do to `action` (lower-case or not) for every
/// principal in account `account_id`.
pub fn scp_effect(org: &Organization, account_id: &str, action: &str) -> ScpEffect {
    if account_id == org.management_account_id {
        return ScpEffect::NotSubject(
            "the management account is not subject to service control policies".to_owned(),
        );
    }
    match scps_disabled(org) {
        Ok(Some(why)) => return ScpEffect::NotSubject(why),
        Ok(None) => {}
        Err(why) => return ScpEffect::Unknown(why),
    }
    let Some(path) = org.ancestry(account_id) else {
        return ScpEffect::Unknown(format!(
            "the place of account {account_id} in the organisation (its OU path) is not known"
        ));
    };
    let Some(policies) = org.policies.as_ref() else {
        return ScpEffect::Unknown("the service control policies could not be listed".to_owned());
    };
    let attached_at = |p: &ServiceControlPolicy, level: &str| {
        p.targets
            .as_ref()
            .is_some_and(|t| t.iter().any(|x| x == level))
    };
    // Explicit Deny statements first: one read from the data is certain,
    // whatever else is unknown.
    let mut conditional = Vec::new();
    for level in path.iter().rev() {
        for p in policies.iter().filter(|p| attached_at(p, level)) {
            let Some(doc) = readable(p) else { continue };
            for (i, st) in doc.statements.iter().enumerate() {
                if st.effect != Effect::Deny || !covers_action(st, action) {
                    continue;
                }
                let which = st
                    .sid
                    .as_deref()
                    .map_or_else(|| format!("statement {i}"), |s| format!("statement {s}"));
                if !every_resource(st) {
                    conditional.push(format!(
                        "{which} of service control policy {} denies {action} on some resources only",
                        label(p)
                    ));
                } else if !unconditional(st) {
                    conditional.push(format!(
                        "{which} of service control policy {} denies {action} only under a condition",
                        label(p)
                    ));
                } else {
                    return ScpEffect::Denied(format!(
                        "service control policy {} denies {action} in this account (attached to {})",
                        label(p),
                        describe_target(level)
                    ));
                }
            }
        }
    }
    // What could hide a Deny or an Allow: a policy whose document is
    // unreadable, or whose targets are unknown and whose document could
    // deny (or allow) the action.
    let covers = |p: &ServiceControlPolicy, effect: Effect| {
        readable(p).is_none_or(|d| {
            d.statements
                .iter()
                .any(|st| st.effect == effect && covers_action(st, action))
        })
    };
    let unknown_targets: Vec<&ServiceControlPolicy> = policies
        .iter()
        .filter(|p| p.targets.is_none() && covers(p, Effect::Deny))
        .collect();
    let may_allow_somewhere = policies
        .iter()
        .any(|p| p.targets.is_none() && covers(p, Effect::Allow));
    let unreadable_on_path: Vec<&ServiceControlPolicy> = policies
        .iter()
        .filter(|p| path.iter().any(|l| attached_at(p, l)) && readable(p).is_none())
        .collect();
    // The allow-list: every level must allow the action.
    for level in path.iter().rev() {
        let allowed = policies.iter().filter(|p| attached_at(p, level)).any(|p| {
            readable(p).is_some_and(|d| {
                d.statements
                    .iter()
                    .any(|st| st.effect == Effect::Allow && covers_action(st, action))
            })
        });
        if allowed {
            continue;
        }
        if !may_allow_somewhere && !unreadable_on_path.iter().any(|p| attached_at(p, level)) {
            return ScpEffect::Denied(format!(
                "no service control policy attached to {} allows {action}, so it is denied in this \
                 account (SCPs are allow-lists: every level from the root to the account must allow it)",
                describe_target(level)
            ));
        }
    }
    if let Some(p) = unreadable_on_path.first() {
        return ScpEffect::Unknown(format!(
            "the document of service control policy {} could not be read",
            label(p)
        ));
    }
    if let Some(p) = unknown_targets.first() {
        return ScpEffect::Unknown(format!(
            "the targets of service control policy {} could not be listed",
            label(p)
        ));
    }
    ScpEffect::NotDenied(conditional)
}

/// The SCP verdict on each action of `actions` for one account, computed
/// once per account: the denied ones with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountScps {
    /// Action (lower-case) -> why the SCPs deny it in the account.
    pub denied: std::collections::BTreeMap<String, String>,
}

impl AccountScps {
    /// The verdicts of `org`'s SCPs on `actions` in `account_id`; empty when
    /// the account is not subject to SCPs or nothing is known to be denied.
    pub fn of<'a>(
        org: &Organization,
        account_id: &str,
        actions: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut out = Self::default();
        if account_id == org.management_account_id {
            return out;
        }
        for a in actions {
            if let ScpEffect::Denied(why) = scp_effect(org, account_id, a) {
                out.denied.insert(a.to_ascii_lowercase(), why);
            }
        }
        out
    }

    /// The reasons when every action of `concern` is denied (and there is at
    /// least one), joined; `None` otherwise.
    pub fn all_denied<'a>(&self, concern: impl IntoIterator<Item = &'a str>) -> Option<String> {
        let mut reasons: Vec<&str> = Vec::new();
        let mut any = false;
        for a in concern {
            any = true;
            let why = self.denied.get(&a.to_ascii_lowercase())?;
            if !reasons.contains(&why.as_str()) {
                reasons.push(why);
            }
        }
        any.then(|| reasons.join("; "))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use palisade_model::organization::{OrgAccount, OrgRoot, OrganizationalUnit};

    use super::*;

    const MEMBER: &str = "222222222222";
    const MGMT: &str = "111111111111";

    fn scp(id: &str, name: &str, doc: &str, targets: &[&str]) -> ServiceControlPolicy {
        ServiceControlPolicy {
            id: id.into(),
            name: name.into(),
            document: Some(PolicyDocument::parse_text(doc).expect("doc")),
            targets: Some(targets.iter().map(|t| (*t).to_owned()).collect()),
            ..ServiceControlPolicy::default()
        }
    }

    fn full_access(targets: &[&str]) -> ServiceControlPolicy {
        ServiceControlPolicy {
            aws_managed: true,
            ..scp(
                "p-FullAWSAccess",
                "FullAWSAccess",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
                targets,
            )
        }
    }

    /// Root r-1 > ou-a > ou-b > MEMBER; MGMT under the root; FullAWSAccess
    /// everywhere, plus `extra`.
    fn org(extra: Vec<ServiceControlPolicy>) -> Organization {
        let mut policies = vec![full_access(&["r-1", "ou-a", "ou-b", MEMBER, MGMT])];
        policies.extend(extra);
        Organization {
            id: "o-abc".into(),
            management_account_id: MGMT.into(),
            feature_set: Some("ALL".into()),
            roots: Some(vec![OrgRoot {
                id: "r-1".into(),
                enabled_policy_types: vec![SCP_POLICY_TYPE.into()],
                ..OrgRoot::default()
            }]),
            units: Some(vec![
                OrganizationalUnit {
                    id: "ou-a".into(),
                    parent_id: "r-1".into(),
                    ..OrganizationalUnit::default()
                },
                OrganizationalUnit {
                    id: "ou-b".into(),
                    parent_id: "ou-a".into(),
                    ..OrganizationalUnit::default()
                },
            ]),
            accounts: Some(vec![
                OrgAccount {
                    id: MEMBER.into(),
                    parent_id: Some("ou-b".into()),
                    ..OrgAccount::default()
                },
                OrgAccount {
                    id: MGMT.into(),
                    parent_id: Some("r-1".into()),
                    ..OrgAccount::default()
                },
            ]),
            policies: Some(policies),
            ..Organization::default()
        }
    }

    fn deny(actions: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"D","Effect":"Deny","Action":{actions},"Resource":"*"}}]}}"#
        )
    }

    #[test]
    fn a_wildcard_deny_on_an_ou_denies_in_the_member_only() {
        let o = org(vec![scp(
            "p-1",
            "NoTrailStop",
            &deny(r#"["cloudtrail:Stop*","cloudtrail:Delete*"]"#),
            &["ou-a"],
        )]);
        let e = scp_effect(&o, MEMBER, "cloudtrail:stoplogging");
        assert_eq!(
            e,
            ScpEffect::Denied(
                "service control policy p-1 (NoTrailStop) denies cloudtrail:stoplogging in this \
                 account (attached to OU ou-a)"
                    .into()
            )
        );
        assert!(!scp_effect(&o, MEMBER, "cloudtrail:updatetrail").is_denied());
        // The management account is exempt, even from a root-level Deny.
        let o = org(vec![scp("p-1", "", &deny(r#""*""#), &["r-1"])]);
        assert!(matches!(
            scp_effect(&o, MGMT, "iam:createaccesskey"),
            ScpEffect::NotSubject(_)
        ));
        assert!(AccountScps::of(&o, MGMT, ["iam:createaccesskey"])
            .denied
            .is_empty());
    }

    #[test]
    fn not_action_deny_covers_everything_outside_it() {
        let doc =
            r#"{"Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*"}]}"#;
        let o = org(vec![scp("p-2", "OnlyIam", doc, &["r-1"])]);
        assert!(scp_effect(&o, MEMBER, "organizations:LeaveOrganization").is_denied());
        assert!(!scp_effect(&o, MEMBER, "iam:attachrolepolicy").is_denied());
    }

    #[test]
    fn a_conditional_or_resource_scoped_deny_is_named_not_counted() {
        let doc = r#"{"Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*",
            "Condition":{"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/BreakGlass"}}},
            {"Effect":"Deny","Action":"cloudtrail:*","Resource":"arn:aws:cloudtrail:*:*:trail/org"}]}"#;
        let o = org(vec![scp("p-3", "Guard", doc, &["r-1"])]);
        let ScpEffect::NotDenied(notes) = scp_effect(&o, MEMBER, "organizations:leaveorganization")
        else {
            panic!("a conditional deny must not count");
        };
        assert_eq!(
            notes,
            ["statement 0 of service control policy p-3 (Guard) denies \
              organizations:leaveorganization only under a condition"]
        );
        let ScpEffect::NotDenied(notes) = scp_effect(&o, MEMBER, "cloudtrail:deletetrail") else {
            panic!("a resource-scoped deny must not count");
        };
        assert!(notes[0].contains("on some resources only"), "{notes:?}");
    }

    #[test]
    fn every_level_must_allow_an_action() {
        // ou-b swaps FullAWSAccess for an allow-list without organizations.
        let mut o = org(vec![scp(
            "p-4",
            "AllowSome",
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:*","ec2:*"],"Resource":"*"}]}"#,
            &["ou-b"],
        )]);
        o.policies.as_mut().unwrap()[0].targets = Some(vec![
            "r-1".into(),
            "ou-a".into(),
            MEMBER.into(),
            MGMT.into(),
        ]);
        let e = scp_effect(&o, MEMBER, "organizations:leaveorganization");
        let ScpEffect::Denied(why) = e else {
            panic!("implicitly denied: {e:?}");
        };
        assert!(
            why.starts_with("no service control policy attached to OU ou-b allows"),
            "{why}"
        );
        assert!(!scp_effect(&o, MEMBER, "iam:createaccesskey").is_denied());
        // An allow-list on the root alone, FullAWSAccess below: still the
        // intersection.
        let mut o = org(vec![scp(
            "p-5",
            "RootAllow",
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            &["r-1"],
        )]);
        o.policies.as_mut().unwrap()[0].targets = Some(vec![
            "ou-a".into(),
            "ou-b".into(),
            MEMBER.into(),
            MGMT.into(),
        ]);
        assert!(scp_effect(&o, MEMBER, "iam:createaccesskey").is_denied());
        assert!(!scp_effect(&o, MEMBER, "s3:getobject").is_denied());
    }

    #[test]
    fn missing_data_is_unknown_never_allowed() {
        let mut o = org(Vec::new());
        o.policies = None;
        assert!(matches!(
            scp_effect(&o, MEMBER, "iam:createaccesskey"),
            ScpEffect::Unknown(_)
        ));
        let mut o = org(Vec::new());
        o.units = None;
        assert!(matches!(
            scp_effect(&o, MEMBER, "iam:createaccesskey"),
            ScpEffect::Unknown(_)
        ));
        let mut o = org(vec![scp("p-6", "Deny", &deny(r#""iam:*""#), &["ou-a"])]);
        o.policies.as_mut().unwrap()[1].document = None;
        let e = scp_effect(&o, MEMBER, "iam:createaccesskey");
        assert_eq!(
            e,
            ScpEffect::Unknown(
                "the document of service control policy p-6 (Deny) could not be read".into()
            )
        );
        let mut o = org(vec![scp("p-6", "Deny", &deny(r#""iam:*""#), &["ou-a"])]);
        o.policies.as_mut().unwrap()[1].targets = None;
        assert!(matches!(
            scp_effect(&o, MEMBER, "iam:createaccesskey"),
            ScpEffect::Unknown(_)
        ));
        // Unknown targets matter only for a policy that could deny it.
        let mut other = org(vec![scp("p-8", "NoS3", &deny(r#""s3:*""#), &["ou-a"])]);
        other.policies.as_mut().unwrap()[1].targets = None;
        assert_eq!(
            scp_effect(&other, MEMBER, "iam:createaccesskey"),
            ScpEffect::NotDenied(Vec::new())
        );
        // A Deny read from the data stands whatever else is unknown.
        o.policies
            .as_mut()
            .unwrap()
            .push(scp("p-7", "Leave", &deny(r#""iam:*""#), &["r-1"]));
        assert!(scp_effect(&o, MEMBER, "iam:createaccesskey").is_denied());
        let mut o = org(Vec::new());
        o.roots = None;
        assert!(matches!(
            scp_effect(&o, MEMBER, "iam:createaccesskey"),
            ScpEffect::Unknown(_)
        ));
    }

    #[test]
    fn scps_not_enabled_deny_nothing() {
        let mut o = org(vec![scp("p-1", "", &deny(r#""*""#), &["r-1"])]);
        o.roots.as_mut().unwrap()[0].enabled_policy_types.clear();
        assert!(matches!(
            scp_effect(&o, MEMBER, "iam:createaccesskey"),
            ScpEffect::NotSubject(_)
        ));
        let mut o = org(vec![scp("p-1", "", &deny(r#""*""#), &["r-1"])]);
        o.feature_set = Some("CONSOLIDATED_BILLING".into());
        assert!(matches!(
            scp_effect(&o, MEMBER, "iam:createaccesskey"),
            ScpEffect::NotSubject(_)
        ));
    }

    #[test]
    fn all_denied_needs_every_action_of_concern() {
        let o = org(vec![scp(
            "p-1",
            "NoKeys",
            &deny(r#""iam:CreateAccessKey""#),
            &["r-1"],
        )]);
        let t = AccountScps::of(&o, MEMBER, ["iam:createaccesskey", "iam:attachrolepolicy"]);
        assert!(t.all_denied(["iam:createaccesskey"]).is_some());
        assert!(t
            .all_denied(["iam:createaccesskey", "iam:attachrolepolicy"])
            .is_none());
        assert!(t.all_denied([]).is_none());
    }
}
