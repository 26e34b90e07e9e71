//! IAM condition analysis and resource-policy facts: which condition keys
//! limit who may call (principal conditions), which scope the target by its
//! tags (ABAC), and what a resource policy (a backup vault's access policy)
//! denies or allows to anyone.

use palisade_model::policy::{Effect, PolicyDocument, Principal, Statement};

use super::wildcard::wildcard_match;

/// Condition keys that limit which principals a statement applies to.
pub const PRINCIPAL_CONDITION_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
];

/// True when lower-cased condition keys scope the target by its tags
/// (`aws:ResourceTag/...`, `ssm:resourceTag/...`).
pub fn tag_scoped(condition_keys: &[String]) -> bool {
    condition_keys.iter().any(|k| k.contains(":resourcetag/"))
}

/// True when a statement's condition limits WHO may call (one of
/// [`PRINCIPAL_CONDITION_KEYS`]); conditions such as aws:SecureTransport
/// do not.
pub fn restricts_principal(st: &Statement) -> bool {
    st.condition_keys()
        .iter()
        .any(|k| PRINCIPAL_CONDITION_KEYS.contains(&k.as_str()))
}

/// True when the document has a Deny statement whose Action matches `action`.
pub fn denies_action(doc: &PolicyDocument, action: &str) -> bool {
    doc.statements
        .iter()
        .any(|s| s.effect == Effect::Deny && s.action.iter().any(|a| wildcard_match(a, action)))
}

/// True when the document allows anyone ("*", AWS "*", or NotPrincipal:
/// everyone but the listed) without a condition that limits who may call.
pub fn allows_any_principal(doc: &PolicyDocument) -> bool {
    doc.statements.iter().any(|s| {
        let anyone =
            s.principal.as_ref().is_some_and(Principal::is_anyone) || s.not_principal.is_some();
        s.effect == Effect::Allow && anyone && !restricts_principal(s)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: &str) -> PolicyDocument {
        PolicyDocument::parse_text(doc).expect("policy document")
    }

    #[test]
    fn tag_conditions_scope_the_target() {
        assert!(tag_scoped(&["aws:resourcetag/team".into()]));
        assert!(tag_scoped(&["ssm:resourcetag/env".into()]));
        assert!(!tag_scoped(&["aws:requesttag/team".into()]));
        assert!(!tag_scoped(&[]));
    }

    #[test]
    fn deny_with_wildcard_action_covers_the_action() {
        let doc = parse(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"backup:Delete*","Resource":"*"}]}"#,
        );
        assert!(denies_action(&doc, "backup:DeleteRecoveryPoint"));
        let doc = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*"}]}"#,
        );
        assert!(!denies_action(&doc, "backup:DeleteRecoveryPoint"));
    }

    #[test]
    fn any_principal_unless_a_condition_limits_who() {
        let open = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"backup:*","Resource":"*",
                "Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        );
        assert!(allows_any_principal(&open));
        let org = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*",
                "Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#,
        );
        assert!(!allows_any_principal(&org));
        let not_principal = parse(
            r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"backup:*","Resource":"*"}]}"#,
        );
        assert!(allows_any_principal(&not_principal));
        let named = parse(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"backup:*","Resource":"*"}]}"#,
        );
        assert!(!allows_any_principal(&named));
    }
}
