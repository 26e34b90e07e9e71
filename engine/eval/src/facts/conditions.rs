//! IAM condition analysis and resource-policy facts. Each condition of a
//! statement is kept with its operator, key and values ([`Condition`]), and
//! [`Condition::restricts`] says whether AWS would actually narrow a request
//! with it: an `...IfExists` operator (or `ForAllValues:`) lets a request
//! without the key through, `Null` only tests presence, a negated operator
//! only excludes, and a wildcard-only value (`*`, `*:*`, `repo:*`, an ARN
//! with a wildcard account) matches anything. Also: which condition keys
//! identify the caller ([`CALLER_KEYS`]) and which scope the target by its
//! tags (ABAC). Resource-policy judgements built on these live with their
//! service (`backup_policy` for vault access policies).

use palisade_model::policy::Statement;
use serde_json::Value;

/// True when a condition AWS enforces ([`Condition::restricts`]; a tag may
/// be absent, so not `IfExists`) scopes the target by its tags
/// (`aws:ResourceTag/...`, `iam:ResourceTag/...`, `ssm:resourceTag/...`).
pub fn tag_scoped(conds: &[Condition]) -> bool {
    tag_restriction(conds).is_some()
}

/// The condition that scopes the target by its tags, if any (see
/// [`tag_scoped`]).
pub fn tag_restriction(conds: &[Condition]) -> Option<&Condition> {
    restriction(conds, |k| k.contains(":resourcetag/"), false)
}

/// How a condition operator treats a multi-valued key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// No prefix: the key is single-valued.
    Single,
    /// `ForAnyValue:`: true when at least one request value matches (false
    /// when the key is absent).
    ForAnyValue,
    /// `ForAllValues:`: true when every request value matches, so also when
    /// the key is absent or empty.
    ForAllValues,
}

/// One condition: an operator applied to one key with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written (`StringEqualsIfExists`, `ForAnyValue:StringLike`).
    pub operator: String,
    /// The operator lower-cased, without set qualifier and `IfExists`
    /// (`stringequals`, `arnlike`, `null`).
    pub base: String,
    /// `ForAnyValue:` / `ForAllValues:` prefix.
    pub qualifier: SetQualifier,
    /// The operator ends in `IfExists`: true when the key is absent.
    pub if_exists: bool,
    /// The key as written (`aws:PrincipalOrgID`).
    pub key: String,
    /// The values as written (booleans and numbers as their JSON text).
    pub values: Vec<String>,
}

/// Operators that allow a request only when the key's value matches one of
/// the listed values (`ArnEquals` takes wildcards like `ArnLike`).
const MATCHING_OPERATORS: &[&str] = &[
    "stringequals",
    "stringequalsignorecase",
    "stringlike",
    "arnequals",
    "arnlike",
];

/// Operators that allow every value except the listed ones.
const NEGATED_OPERATORS: &[&str] = &[
    "stringnotequals",
    "stringnotequalsignorecase",
    "stringnotlike",
    "arnnotequals",
    "arnnotlike",
];

/// Operators whose values are patterns (`*`, `?`).
const PATTERN_OPERATORS: &[&str] = &[
    "stringlike",
    "stringnotlike",
    "arnequals",
    "arnlike",
    "arnnotequals",
    "arnnotlike",
];

impl Condition {
    /// The lower-cased key.
    pub fn key_lower(&self) -> String {
        self.key.to_ascii_lowercase()
    }

    /// True when the operator allows only the listed values (a positive
    /// string or ARN match).
    pub fn is_matching(&self) -> bool {
        MATCHING_OPERATORS.contains(&self.base.as_str())
    }

    /// True when the operator allows every value but the listed ones.
    pub fn is_negated(&self) -> bool {
        NEGATED_OPERATORS.contains(&self.base.as_str())
    }

    /// True when the values are wildcard patterns.
    pub fn takes_patterns(&self) -> bool {
        PATTERN_OPERATORS.contains(&self.base.as_str())
    }

    /// True when AWS would narrow a request with this condition: a positive
    /// string or ARN match that also fails when the key is absent (no
    /// `IfExists`, no `ForAllValues:`), unless `key_always_present` (AWS sets
    /// the key on every request the statement is about, e.g. `iam:PolicyARN`
    /// on `iam:AttachRolePolicy`), and with values none of which matches
    /// anything ([`open_value`]). `Null`, negated, numeric, date, boolean
    /// and IP operators never count.
    pub fn restricts(&self, key_always_present: bool) -> bool {
        let absent_passes = self.if_exists || self.qualifier == SetQualifier::ForAllValues;
        self.is_matching()
            && (key_always_present || !absent_passes)
            && !self.values.is_empty()
            && !(self.takes_patterns() && self.values.iter().any(|v| open_value(&self.key, v)))
    }

    /// `Operator key [values]` for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {} [{}]",
            self.operator,
            self.key,
            self.values.join(", ")
        )
    }
}

/// The conditions of a statement, in document order (operators, then keys,
/// as written). A malformed block (not an object of objects) gives no
/// conditions; the statement then restricts nothing.
pub fn conditions(st: &Statement) -> Vec<Condition> {
    let Some(Value::Object(ops)) = &st.condition else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (operator, body) in ops {
        let Value::Object(kv) = body else { continue };
        let lower = operator.to_ascii_lowercase();
        let (qualifier, rest) = if let Some(r) = lower.strip_prefix("foranyvalue:") {
            (SetQualifier::ForAnyValue, r)
        } else if let Some(r) = lower.strip_prefix("forallvalues:") {
            (SetQualifier::ForAllValues, r)
        } else {
            (SetQualifier::Single, lower.as_str())
        };
        let (base, if_exists) = match rest.strip_suffix("ifexists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        for (key, value) in kv {
            let values = match value {
                Value::Array(items) => items.iter().map(value_text).collect(),
                v => vec![value_text(v)],
            };
            out.push(Condition {
                operator: operator.clone(),
                base: base.to_owned(),
                qualifier,
                if_exists,
                key: key.clone(),
                values,
            });
        }
    }
    out
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first condition that restricts a key `key_matches` accepts (see
/// [`Condition::restricts`]).
pub fn restriction(
    conds: &[Condition],
    key_matches: impl Fn(&str) -> bool,
    key_always_present: bool,
) -> Option<&Condition> {
    conds
        .iter()
        .find(|c| key_matches(&c.key_lower()) && c.restricts(key_always_present))
}

/// Lower-cased keys that some condition restricts, sorted and deduplicated;
/// `always_present` says which keys AWS sets on every request in question.
pub fn restricted_keys(conds: &[Condition], always_present: impl Fn(&str) -> bool) -> Vec<String> {
    let mut keys: Vec<String> = conds
        .iter()
        .filter(|c| c.restricts(always_present(&c.key_lower())))
        .map(Condition::key_lower)
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// True when a pattern value of `key` matches every value the key can take,
/// so the condition restricts nothing: nothing literal left but separators
/// (`*`, `*:*`, `*/*`); a GitHub OIDC subject whose repository owner is not
/// fixed (a wildcard before the first `/`: `repo:*`, `*:ref:refs/heads/main`);
/// a Cognito audience with a wildcard; an `aws:userid` whose unique id is a
/// wildcard; an account id or organisation id with a
/// wildcard; an organisation path whose organisation is not fixed; an ARN
/// whose account is a wildcard (anyone can create `role/admin` in an account
/// of their own).
pub fn open_value(key: &str, value: &str) -> bool {
    let has_wildcard = |s: &str| s.contains(['*', '?']);
    let literal = |s: &str| {
        s.chars()
            .any(|c| !matches!(c, '*' | '?' | ':' | '/' | '-' | '.' | '_'))
    };
    if !literal(value) {
        return true;
    }
    let key = key.to_ascii_lowercase();
    if key.ends_with(":sub") && key.starts_with("token.actions.githubusercontent.com") {
        // repo:OWNER/REPO:... (or a custom template's claims before the first
        // `/`): a wildcard before the first `/` leaves the owner open, so any
        // repository on GitHub can match (`repo:*`, `*:ref:refs/heads/main`,
        // `repo*`, `repo:octo-org*/app`).
        let owner_part = value.split('/').next().unwrap_or_default();
        return owner_part.is_empty() || has_wildcard(owner_part);
    }
    if key == "cognito-identity.amazonaws.com:aud" {
        // An identity pool id is `region:uuid`; any wildcard admits pools of
        // other accounts.
        return has_wildcard(value);
    }
    match key.as_str() {
        "aws:principalaccount"
        | "aws:sourceaccount"
        | "aws:resourceaccount"
        | "aws:principalorgid"
        | "aws:sourceorgid"
        | "aws:resourceorgid" => has_wildcard(value),
        "aws:principalorgpaths" | "aws:sourceorgpaths" | "aws:resourceorgpaths" => {
            has_wildcard(value.split('/').next().unwrap_or_default())
        }
        // `AROA...:session` or `AIDA...`: the unique id before `:` names the
        // principal; a wildcard there admits any principal's session.
        "aws:userid" => has_wildcard(value.split(':').next().unwrap_or_default()),
        "aws:principalarn" | "aws:sourcearn" => {
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            match parts[..] {
                [_, _, _, _, account, resource] => {
                    has_wildcard(account) || (account.is_empty() && !literal(resource))
                }
                _ => has_wildcard(value),
            }
        }
        _ => false,
    }
}

/// Principal-identifying condition keys AWS sets on every request by an
/// AWS principal (an `IfExists` on them still restricts). Organisation and
/// source keys are absent for callers outside an organisation or calls not
/// made by a service.
pub const ALWAYS_PRESENT_PRINCIPAL_KEYS: &[&str] = &[
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
];

/// Condition keys that narrow WHO may call (the calling principal, its
/// account or organisation, or the resource a service acts for), in trust
/// and resource policies alike. `aws:SourceIp`, `aws:SourceVpc` and
/// `aws:SourceVpce` are not among them: they restrict where a call comes
/// from, not who makes it.
pub const CALLER_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:userid",
];

/// True when a trust-statement key is set on every assume-role request it
/// judges: the principal keys of [`ALWAYS_PRESENT_PRINCIPAL_KEYS`], and an
/// OIDC provider's `sub` / `aud` claims (every web identity token has them).
pub fn trust_key_always_present(key: &str) -> bool {
    ALWAYS_PRESENT_PRINCIPAL_KEYS.contains(&key)
        || key
            .split_once(':')
            .is_some_and(|(host, claim)| host.contains('.') && matches!(claim, "sub" | "aud"))
}

/// Organisation conditions on the calling principal that restrict
/// (`aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` with a fixed organisation,
/// not `IfExists`): the first one, if any.
pub fn org_restriction(conds: &[Condition]) -> Option<&Condition> {
    restriction(
        conds,
        |k| k == "aws:principalorgid" || k == "aws:principalorgpaths",
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::policy::PolicyDocument;

    fn parse(doc: &str) -> PolicyDocument {
        PolicyDocument::parse_text(doc).expect("policy document")
    }

    #[test]
    fn tag_conditions_scope_the_target() {
        assert!(tag_scoped(&conds(
            r#"{"StringEquals":{"aws:ResourceTag/team":"app"}}"#
        )));
        assert!(tag_scoped(&conds(
            r#"{"StringLike":{"ssm:resourceTag/env":"dev*"}}"#
        )));
        assert!(!tag_scoped(&conds(
            r#"{"StringEquals":{"aws:RequestTag/team":"app"}}"#
        )));
        // A target without the tag passes an IfExists test; "*" matches any value.
        assert!(!tag_scoped(&conds(
            r#"{"StringEqualsIfExists":{"aws:ResourceTag/team":"app"}}"#
        )));
        assert!(!tag_scoped(&conds(
            r#"{"StringLike":{"aws:ResourceTag/team":"*"}}"#
        )));
        assert!(!tag_scoped(&[]));
    }

    fn conds(json: &str) -> Vec<Condition> {
        let doc = parse(&format!(
            r#"{{"Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":"*","Condition":{json}}}]}}"#
        ));
        conditions(&doc.statements[0])
    }

    #[test]
    fn operators_keys_and_values_are_kept() {
        let c = conds(
            r#"{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":["a*","b"]},"Bool":{"aws:SecureTransport":true}}"#,
        );
        assert_eq!(c.len(), 2);
        let any = c.iter().find(|c| c.key == "aws:TagKeys").expect("tag keys");
        assert_eq!(
            (any.base.as_str(), any.qualifier, any.if_exists),
            ("stringlike", SetQualifier::ForAnyValue, true)
        );
        assert_eq!(any.values, vec!["a*", "b"]);
        let b = c.iter().find(|c| c.base == "bool").expect("bool");
        assert_eq!(b.values, vec!["true"]);
        assert_eq!(b.describe(), "Bool aws:SecureTransport [true]");
        // A malformed block restricts nothing.
        assert!(conds(r#"{"StringEquals":"x"}"#).is_empty());
    }

    #[test]
    fn only_conditions_aws_would_enforce_restrict() {
        let restricts = |json: &str, present: bool| conds(json)[0].restricts(present);
        assert!(restricts(
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            false
        ));
        // IfExists: a request without the key passes...
        assert!(!restricts(
            r#"{"StringEqualsIfExists":{"aws:SourceAccount":"111111111111"}}"#,
            false
        ));
        // ...unless AWS always sets it.
        assert!(restricts(
            r#"{"ArnEqualsIfExists":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/x"}}"#,
            true
        ));
        assert!(!restricts(
            r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgPaths":"o-a/r-b/*"}}"#,
            false
        ));
        assert!(restricts(
            r#"{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":"o-a/r-b/*"}}"#,
            false
        ));
        // Null tests presence only; negations only exclude.
        assert!(!restricts(r#"{"Null":{"sts:ExternalId":"false"}}"#, false));
        assert!(!restricts(
            r#"{"StringNotEquals":{"aws:PrincipalAccount":"222222222222"}}"#,
            true
        ));
        assert!(!restricts(
            r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
            true
        ));
        // Wildcard-only values under a pattern operator match anything.
        for open in [
            r#"{"StringLike":{"aws:PrincipalOrgID":"*"}}"#,
            r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:org/app:*","*:*"]}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*/app:ref:refs/heads/main"}}"#,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}"#,
            r#"{"StringLike":{"aws:PrincipalOrgPaths":"o-*/*"}}"#,
            r#"{"StringLike":{"aws:SourceAccount":"*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"*:ref:refs/heads/main"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo*"}}"#,
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org*/app:*"}}"#,
            r#"{"StringLike":{"cognito-identity.amazonaws.com:aud":"us-east-1:*"}}"#,
            r#"{"StringLike":{"aws:userid":"*:admin"}}"#,
        ] {
            assert!(!restricts(open, true), "{open}");
        }
        // A literal "*" under StringEquals matches only "*": it restricts.
        assert!(restricts(
            r#"{"StringEquals":{"aws:PrincipalOrgID":"*"}}"#,
            false
        ));
        for narrow in [
            r#"{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/*"}}"#,
            r#"{"StringEquals":{"token.actions.githubusercontent.com:sub":"repo:my-org/app:ref:refs/heads/main"}}"#,
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::my-bucket"}}"#,
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}}"#,
            r#"{"StringLike":{"aws:userid":"AROAEXAMPLEID:*"}}"#,
            r#"{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:12345678-1234-1234-1234-123456789012"}}"#,
        ] {
            assert!(restricts(narrow, true), "{narrow}");
        }
    }

    #[test]
    fn restricted_keys_and_org_restrictions() {
        let c = conds(
            r#"{"StringEqualsIfExists":{"aws:SourceAccount":"1"},"StringLike":{"aws:PrincipalOrgID":"o-real1"},
                "Null":{"sts:ExternalId":"false"}}"#,
        );
        assert_eq!(
            restricted_keys(&c, trust_key_always_present),
            vec!["aws:principalorgid"]
        );
        assert!(org_restriction(&c).is_some());
        let c = conds(r#"{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-real1"}}"#);
        assert!(org_restriction(&c).is_none());
        assert!(trust_key_always_present(
            "token.actions.githubusercontent.com:sub"
        ));
        assert!(trust_key_always_present("aws:principalarn"));
        assert!(!trust_key_always_present("aws:sourceaccount"));
        assert!(!trust_key_always_present("sts:externalid"));
    }
}
