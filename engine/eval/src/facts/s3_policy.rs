//! Bucket and key policy facts, judged as AWS evaluates the policy: whether
//! a bucket policy denies every request made without TLS, and whether a
//! resource policy (bucket or KMS key) allows anyone, and to read or to
//! write. A condition counts by its operator and values, never by the mere
//! presence of a key name.

use palisade_model::policy::{Effect, PolicyDocument, Principal, Statement};

use super::actions::covers_action;
use super::conditions::{conditions, Condition, SetQualifier, CALLER_KEYS};
use super::wildcard::{arn_match, wildcard_match};

/// The object actions a deny-without-TLS statement must cover: reading and
/// writing objects.
pub const TLS_ACTIONS: [&str; 2] = ["s3:GetObject", "s3:PutObject"];

/// Actions that read a bucket's data.
pub const READ_ACTIONS: [&str; 3] = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"];

/// Actions that write or delete a bucket's data or change who may.
pub const WRITE_ACTIONS: [&str; 7] = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutBucketAcl",
    "s3:PutBucketPolicy",
    "s3:DeleteBucket",
];

/// True when `st` applies to every one of `targets`: a `Resource` entry
/// matches each, or a `NotResource` that excludes none of them.
fn covers_resources(st: &Statement, targets: &[String]) -> bool {
    if st.not_resource.is_empty() {
        targets
            .iter()
            .all(|t| st.resource.iter().any(|r| arn_match(r, t)))
    } else {
        !targets
            .iter()
            .any(|t| st.not_resource.iter().any(|r| arn_match(r, t)))
    }
}

/// True when the condition holds for every request made without TLS
/// (`aws:SecureTransport` is `false` on each of them): a positive match on
/// the value `false` (`Bool`, `StringEquals`, `StringEqualsIgnoreCase`,
/// `StringLike`), or a negated match that excludes `true` but not `false`.
/// `IfExists` changes nothing (the key is on every request); set
/// qualifiers are not how the key is tested and do not count.
pub fn matches_insecure(c: &Condition) -> bool {
    if c.key_lower() != "aws:securetransport" || c.qualifier != SetQualifier::Single {
        return false;
    }
    let has = |v: &str| c.values.iter().any(|x| x.eq_ignore_ascii_case(v));
    match c.base.as_str() {
        "bool" | "stringequals" | "stringequalsignorecase" => has("false"),
        "stringlike" => c
            .values
            .iter()
            .any(|p| wildcard_match(&p.to_ascii_lowercase(), "false")),
        "stringnotequals" | "stringnotequalsignorecase" => has("true") && !has("false"),
        _ => false,
    }
}

/// True when `st` denies every request without TLS to `bucket_arn` and its
/// objects: Deny; `Principal` `"*"` or `{"AWS": "*"}` (a `NotPrincipal`
/// exempts someone); covering [`TLS_ACTIONS`] (through `Action` or a
/// `NotAction` that spares them); on the bucket and `bucket/*`; and every
/// condition is an `aws:SecureTransport` test that holds for requests
/// without TLS ([`matches_insecure`]) with at least one such test (any
/// other condition would narrow the deny to some of them).
pub fn denies_insecure_transport(st: &Statement, bucket_arn: &str) -> bool {
    let conds = conditions(st);
    st.effect == Effect::Deny
        && st.not_principal.is_none()
        && st.principal.as_ref().is_some_and(Principal::is_anyone)
        && TLS_ACTIONS.iter().all(|a| covers_action(st, a))
        && covers_resources(st, &[bucket_arn.to_owned(), format!("{bucket_arn}/probe")])
        && !conds.is_empty()
        && conds.iter().all(matches_insecure)
}

/// The index of the first statement of `doc` that denies requests without
/// TLS ([`denies_insecure_transport`]), if any.
pub fn insecure_transport_denial(doc: &PolicyDocument, bucket_arn: &str) -> Option<usize> {
    doc.statements
        .iter()
        .position(|st| denies_insecure_transport(st, bucket_arn))
}

/// Keys whose fixed values make a grant non-public besides the caller keys
/// ([`CALLER_KEYS`]): the network the request comes from, the access point
/// it goes through, the owner of the calling resource.
const NON_PUBLIC_KEYS: &[&str] = &[
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
    "kms:viaservice",
];

/// True when a condition limits an Allow to non-public callers: a positive
/// match (not `IfExists`, values fixed) on a [`CALLER_KEYS`] or
/// [`NON_PUBLIC_KEYS`] key, or an `IpAddress` test on `aws:SourceIp` whose
/// every range is at least a /8 (IPv4) or /32 (IPv6) network.
pub fn limits_to_known_callers(c: &Condition) -> bool {
    let key = c.key_lower();
    if key == "aws:sourceip" {
        return c.base == "ipaddress"
            && !c.if_exists
            && c.qualifier == SetQualifier::Single
            && !c.values.is_empty()
            && c.values.iter().all(|v| narrow_range(v));
    }
    (CALLER_KEYS.contains(&key.as_str()) || NON_PUBLIC_KEYS.contains(&key.as_str()))
        && c.restricts(false)
}

/// A CIDR no wider than a /8 (IPv4) or /32 (IPv6); an address alone is
/// one host.
fn narrow_range(cidr: &str) -> bool {
    let (addr, len) = match cidr.split_once('/') {
        Some((a, l)) => (a, l.parse::<u8>().ok()),
        None => return !cidr.is_empty(),
    };
    match (addr.contains(':'), len) {
        (false, Some(l)) => l >= 8,
        (true, Some(l)) => l >= 32,
        (_, None) => false,
    }
}

/// What a resource policy allows anyone to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicGrant {
    /// Some statement allows anyone to read (one of `read_actions`).
    pub read: bool,
    /// Some statement allows anyone to write (one of `write_actions`).
    pub write: bool,
    /// The first such statement, described (`statement N (Sid)`).
    pub statement: Option<String>,
}

/// The grants of `doc` open to anyone: an Allow to `"*"`, `{"AWS": "*"}`
/// or `NotPrincipal`, none of whose conditions limits it to known callers
/// ([`limits_to_known_callers`]), covering one of `read_actions` or
/// `write_actions`.
pub fn public_grants(
    doc: &PolicyDocument,
    read_actions: &[&str],
    write_actions: &[&str],
) -> PublicGrant {
    let mut out = PublicGrant::default();
    for (i, st) in doc.statements.iter().enumerate() {
        let anyone =
            st.principal.as_ref().is_some_and(Principal::is_anyone) || st.not_principal.is_some();
        if st.effect != Effect::Allow
            || !anyone
            || conditions(st).iter().any(limits_to_known_callers)
        {
            continue;
        }
        let read = read_actions.iter().any(|a| covers_action(st, a));
        let write = write_actions.iter().any(|a| covers_action(st, a));
        if !(read || write) {
            continue;
        }
        out.read |= read;
        out.write |= write;
        if out.statement.is_none() {
            let mut text = format!("statement {i}");
            if let Some(sid) = &st.sid {
                text.push_str(&format!(" ({sid})"));
            }
            text.push_str(" allows any principal");
            out.statement = Some(text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUCKET: &str = "arn:aws:s3:::logs";

    fn doc(statements: &str) -> PolicyDocument {
        PolicyDocument::parse_text(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#
        ))
        .expect("policy")
    }

    fn denies(statements: &str) -> bool {
        insecure_transport_denial(&doc(statements), BUCKET).is_some()
    }

    #[test]
    fn deny_without_tls_in_its_usual_forms() {
        for (principal, action, resource, cond) in [
            (
                r#""*""#,
                r#""s3:*""#,
                r#"["arn:aws:s3:::logs","arn:aws:s3:::logs/*"]"#,
                r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
            ),
            (
                r#"{"AWS":"*"}"#,
                r#""s3:*""#,
                r#""arn:aws:s3:::logs*""#,
                r#"{"Bool":{"aws:SecureTransport":false}}"#,
            ),
            (
                r#""*""#,
                r#"["s3:GetObject","s3:PutObject"]"#,
                r#""*""#,
                r#"{"StringEquals":{"aws:SecureTransport":"false"}}"#,
            ),
            (
                r#""*""#,
                r#""s3:*""#,
                r#""*""#,
                r#"{"BoolIfExists":{"aws:SecureTransport":"false"}}"#,
            ),
            (
                r#""*""#,
                r#""s3:*""#,
                r#""*""#,
                r#"{"StringNotEquals":{"aws:SecureTransport":"true"}}"#,
            ),
        ] {
            let st = format!(
                r#"{{"Effect":"Deny","Principal":{principal},"Action":{action},"Resource":{resource},"Condition":{cond}}}"#
            );
            assert!(denies(&st), "{st}");
        }
        // NotAction sparing only listing.
        assert!(denies(
            r#"{"Effect":"Deny","Principal":"*","NotAction":"s3:ListAllMyBuckets","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#
        ));
    }

    #[test]
    fn what_does_not_deny_every_request_without_tls() {
        for st in [
            // An Allow that mentions the key.
            r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            // The wrong value.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
            // One principal only, or everyone but some.
            r#"{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Objects only, or the bucket only.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::logs/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::logs","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Another bucket.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::other","arn:aws:s3:::other/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // Reads only; NotAction sparing writes.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","NotAction":"s3:Put*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
            // A further condition narrows it.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
            // Not a test of the value, or a negation that also spares false.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Null":{"aws:SecureTransport":"true"}}}"#,
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:SecureTransport":["true","false"]}}}"#,
            // No condition: denies everything, not a TLS requirement.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"*"}"#,
            // NotResource excluding the objects.
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":"arn:aws:s3:::logs/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#,
        ] {
            assert!(!denies(st), "{st}");
        }
    }

    fn public(statements: &str) -> PublicGrant {
        public_grants(&doc(statements), &READ_ACTIONS, &WRITE_ACTIONS)
    }

    #[test]
    fn public_read_and_write_through_the_policy() {
        let g = public(
            r#"{"Sid":"web","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::logs/*"}"#,
        );
        assert!(g.read && !g.write);
        assert_eq!(
            g.statement.as_deref(),
            Some("statement 0 (web) allows any principal")
        );
        let g =
            public(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}"#);
        assert!(g.read && g.write);
        // Conditions that do not say who: still public.
        for cond in [
            r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
            r#"{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}"#,
            r#"{"StringLike":{"aws:PrincipalOrgID":"*"}}"#,
        ] {
            let st = format!(
                r#"{{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"*","Condition":{cond}}}"#
            );
            assert!(public(&st).write, "{cond}");
        }
    }

    #[test]
    fn grants_limited_to_known_callers_are_not_public() {
        for cond in [
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#,
            r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            r#"{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#,
            r#"{"ArnLike":{"aws:SourceArn":"arn:aws:cloudtrail:*:111111111111:trail/*"}}"#,
            r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","10.0.0.0/8"]}}"#,
        ] {
            let st = format!(
                r#"{{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{cond}}}"#
            );
            assert_eq!(public(&st), PublicGrant::default(), "{cond}");
        }
        // A named principal, a service principal, a Deny.
        assert_eq!(
            public(
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:*","Resource":"*"}"#
            ),
            PublicGrant::default()
        );
        assert_eq!(
            public(
                r#"{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}"#
            ),
            PublicGrant::default()
        );
        assert_eq!(
            public(r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}"#),
            PublicGrant::default()
        );
    }
}
