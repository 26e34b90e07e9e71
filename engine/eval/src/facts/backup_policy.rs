//! Backup vault access-policy facts, judged as AWS evaluates the policy:
//! whether it denies deleting recovery points to everyone (exceptions only
//! for named principals), and whether it allows anyone to call (a condition
//! counts only when it narrows WHO may call, by operator and value).

use palisade_model::policy::{Effect, PolicyDocument, Principal, Statement};

use super::actions::{covers_action, whole_type_pattern};
use super::arn::arn_region_account;
use super::conditions::{
    conditions, open_value, Condition, SetQualifier, ALWAYS_PRESENT_PRINCIPAL_KEYS, CALLER_KEYS,
};
use super::wildcard::arn_match;

/// The actions a vault's deletion protection must deny: deleting a
/// recovery point, and deleting the access policy that denies it (after
/// which the points can be deleted).
pub const DELETE_ACTIONS: [&str; 2] = [
    "backup:DeleteRecoveryPoint",
    "backup:DeleteBackupVaultAccessPolicy",
];

/// ARNs that `action` targets in the vault `vault_arn`: the vault for its
/// own policy; for recovery points, both a Backup recovery point and an
/// EC2 snapshot (EBS and EC2 recovery points are snapshots).
fn targets(action: &str, vault_arn: &str) -> Vec<String> {
    if action.eq_ignore_ascii_case("backup:DeleteBackupVaultAccessPolicy") {
        return vec![vault_arn.to_owned()];
    }
    let (region, account) = arn_region_account(vault_arn);
    let (region, account) = (region.unwrap_or("*"), account.unwrap_or("*"));
    vec![
        format!("arn:aws:backup:{region}:{account}:recovery-point:probe"),
        format!("arn:aws:ec2:{region}::snapshot/snap-probe"),
    ]
}

/// True when the statement's resources cover every target of `action`
/// (no `NotResource`).
fn covers_targets(st: &Statement, action: &str, vault_arn: &str) -> bool {
    st.not_resource.is_empty()
        && targets(action, vault_arn)
            .iter()
            .all(|t| st.resource.iter().any(|r| arn_match(r, t)))
}

/// True when a Deny condition only exempts named principals: a negated
/// string or ARN operator on `aws:PrincipalArn` (set on every request)
/// whose values name principals. A value matching any principal or any
/// account's would exempt everyone, and one covering a whole type of an
/// account (`...:111111111111:*`, `...:role/*`) exempts every role or user
/// of the account, which is who deletion protection is for.
fn is_principal_exception(c: &Condition) -> bool {
    c.key_lower() == "aws:principalarn"
        && c.is_negated()
        && c.qualifier == SetQualifier::Single
        && !c.values.is_empty()
        && !c
            .values
            .iter()
            .any(|v| open_value(&c.key, v) || (c.takes_patterns() && whole_type_pattern(v)))
}

/// True when `st` denies `action` on the vault to everyone: Deny,
/// `Principal` `"*"` or `{"AWS": "*"}` (no `NotPrincipal`), covering the
/// action and its targets, with no condition other than
/// [`is_principal_exception`]s.
pub fn denies_to_everyone(st: &Statement, action: &str, vault_arn: &str) -> bool {
    st.effect == Effect::Deny
        && st.not_principal.is_none()
        && st.principal.as_ref().is_some_and(Principal::is_anyone)
        && covers_action(st, action)
        && covers_targets(st, action, vault_arn)
        && conditions(st).iter().all(is_principal_exception)
}

/// The [`DELETE_ACTIONS`] that no statement of `doc` denies to everyone
/// (see [`denies_to_everyone`]); empty when deletion is protected.
pub fn undenied_delete_actions(doc: &PolicyDocument, vault_arn: &str) -> Vec<&'static str> {
    DELETE_ACTIONS
        .into_iter()
        .filter(|a| {
            !doc.statements
                .iter()
                .any(|st| denies_to_everyone(st, a, vault_arn))
        })
        .collect()
}

/// True when a condition narrows who may call: a [`CALLER_KEYS`] key under a
/// positive match that AWS enforces ([`Condition::restricts`]).
fn restricts_who(c: &Condition) -> bool {
    let key = c.key_lower();
    CALLER_KEYS.contains(&key.as_str())
        && c.restricts(ALWAYS_PRESENT_PRINCIPAL_KEYS.contains(&key.as_str()))
}

/// The first Allow statement of `doc` open to anyone (`"*"`, `{"AWS":
/// "*"}` or `NotPrincipal`) that no condition narrows to certain callers,
/// described for the finding (`statement N (Sid)`, and its conditions,
/// which restrict something other than who).
pub fn any_principal_allow(doc: &PolicyDocument) -> Option<String> {
    doc.statements.iter().enumerate().find_map(|(i, st)| {
        let anyone =
            st.principal.as_ref().is_some_and(Principal::is_anyone) || st.not_principal.is_some();
        let conds = conditions(st);
        if st.effect != Effect::Allow || !anyone || conds.iter().any(restricts_who) {
            return None;
        }
        let mut text = format!("statement {i}");
        if let Some(sid) = &st.sid {
            text.push_str(&format!(" ({sid})"));
        }
        text.push_str(" allows any principal");
        if !conds.is_empty() {
            let list: Vec<String> = conds.iter().map(Condition::describe).collect();
            text.push_str(&format!(
                "; its conditions do not limit who may call: {}",
                list.join("; ")
            ));
        }
        Some(text)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAULT: &str = "arn:aws:backup:eu-west-1:111111111111:backup-vault:prod";

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse_text(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
        ))
        .expect("policy")
    }

    fn undenied(statements: &str) -> Vec<&'static str> {
        undenied_delete_actions(&doc(statements), VAULT)
    }

    #[test]
    fn deny_to_everyone_of_both_actions_protects() {
        assert!(undenied(
            r#"{"Effect":"Deny","Principal":"*","Action":["backup:DeleteRecoveryPoint","backup:DeleteBackupVaultAccessPolicy"],"Resource":"*"}"#
        )
        .is_empty());
        assert!(undenied(
            r#"{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"backup:Delete*","Resource":"*"}"#
        )
        .is_empty());
        // NotAction that does not exclude them.
        assert!(undenied(
            r#"{"Effect":"Deny","Principal":"*","NotAction":"backup:List*","Resource":"*"}"#
        )
        .is_empty());
        // Exceptions through aws:PrincipalArn only.
        assert!(undenied(
            r#"{"Effect":"Deny","Principal":"*","Action":"backup:Delete*","Resource":"*",
                "Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/BackupAdmin"}}}"#
        )
        .is_empty());
        // Two statements, one per action.
        assert!(undenied(
            r#"{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"},
               {"Effect":"Deny","Principal":"*","Action":"backup:DeleteBackupVaultAccessPolicy","Resource":"*"}"#
        )
        .is_empty());
    }

    #[test]
    fn partial_denies_do_not_protect() {
        let both = DELETE_ACTIONS.to_vec();
        // Misses the policy deletion.
        assert_eq!(
            undenied(
                r#"{"Effect":"Deny","Principal":"*","Action":"backup:DeleteRecoveryPoint","Resource":"*"}"#
            ),
            ["backup:DeleteBackupVaultAccessPolicy"]
        );
        // One principal only.
        assert_eq!(
            undenied(
                r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:role/x"},"Action":"backup:*","Resource":"*"}"#
            ),
            both
        );
        assert_eq!(
            undenied(
                r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"backup:*","Resource":"*"}"#
            ),
            both
        );
        // Conditions that are not principal exceptions.
        for cond in [
            r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#,
            r#"{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/x"}}"#,
            r#"{"StringNotLike":{"aws:PrincipalArn":"*"}}"#,
            r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/*"}}"#,
            r#"{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}"#,
        ] {
            let st = format!(
                r#"{{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*","Condition":{cond}}}"#
            );
            assert_eq!(undenied(&st), both, "{cond}");
        }
        // NotAction excluding one of them.
        assert_eq!(
            undenied(
                r#"{"Effect":"Deny","Principal":"*","NotAction":"backup:DeleteBackupVaultAccessPolicy","Resource":"*"}"#
            ),
            ["backup:DeleteBackupVaultAccessPolicy"]
        );
        // Resources that miss EBS snapshots, or NotResource.
        assert_eq!(
            undenied(
                r#"{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"arn:aws:backup:*:*:recovery-point:*"}"#
            ),
            both
        );
        assert_eq!(
            undenied(
                r#"{"Effect":"Deny","Principal":"*","Action":"backup:*","NotResource":"arn:aws:ec2:*::snapshot/*"}"#
            ),
            both
        );
        // An Allow is no protection.
        assert_eq!(
            undenied(
                r#"{"Effect":"Allow","Principal":"*","Action":"backup:Delete*","Resource":"*"}"#
            ),
            both
        );
    }

    fn any(statements: &str) -> Option<String> {
        any_principal_allow(&doc(statements))
    }

    #[test]
    fn where_conditions_do_not_limit_who() {
        for cond in [
            r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#,
            r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"StringLike":{"aws:PrincipalOrgID":"*"}}"#,
            r#"{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}"#,
            r#"{"StringNotEquals":{"aws:PrincipalAccount":"222222222222"}}"#,
        ] {
            let st = format!(
                r#"{{"Sid":"open","Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*","Condition":{cond}}}"#
            );
            let found = any(&st).unwrap_or_else(|| panic!("{cond}"));
            assert!(
                found.starts_with("statement 0 (open) allows any principal; its conditions"),
                "{found}"
            );
        }
        assert_eq!(
            any(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"backup:*","Resource":"*"}"#)
                .as_deref(),
            Some("statement 0 allows any principal")
        );
        assert!(any(r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::1:root"},"Action":"backup:*","Resource":"*"}"#).is_some());
    }

    #[test]
    fn who_conditions_and_named_principals_are_not_open() {
        for cond in [
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            r#"{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}"#,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}}"#,
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        ] {
            let st = format!(
                r#"{{"Effect":"Allow","Principal":"*","Action":"backup:*","Resource":"*","Condition":{cond}}}"#
            );
            assert_eq!(any(&st), None, "{cond}");
        }
        assert_eq!(
            any(
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"backup:*","Resource":"*"}"#
            ),
            None
        );
        assert_eq!(
            any(r#"{"Effect":"Deny","Principal":"*","Action":"backup:*","Resource":"*"}"#),
            None
        );
    }
}
