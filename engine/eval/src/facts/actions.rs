//! Action facts of IAM policy documents: which sensitive actions a statement
//! or a policy grants (whatever wildcard spelling it uses, minus what an
//! unconditional Deny of the same policy takes away), which of those grants
//! are constrained (resource scope, or a condition AWS enforces on the key
//! that selects the target), the services a policy may pass any role to,
//! the Allow action lists, service-wide wildcards, and whole-type resource
//! patterns.

use palisade_model::policy::{Effect, PolicyDocument, Statement};

use super::conditions::{conditions, restriction, tag_restriction, tag_scoped, Condition};
use super::wildcard::{arn_pattern_covers, wildcard_match};

/// The concrete actions checks reason about (privilege escalation, tampering,
/// data access), lower-case. `granted_actions` facts are the subset a
/// statement or policy grants, whatever wildcard spelling it uses
/// (`iam:Pas*`, `iam:*`, `*`, or everything outside a `NotAction`). A test
/// checks that every action a policy names is listed here.
pub const SENSITIVE_ACTIONS: &[&str] = &[
    "access-analyzer:deleteanalyzer",
    "aws-marketplace:subscribe",
    "backup:deletebackupplan",
    "backup:deletebackupvault",
    "backup:deletebackupvaultaccesspolicy",
    "backup:deletebackupvaultlockconfiguration",
    "backup:deleterecoverypoint",
    "backup:updaterecoverypointlifecycle",
    "cloudformation:createstack",
    "cloudtrail:deletetrail",
    "cloudtrail:puteventselectors",
    "cloudtrail:stoplogging",
    "cloudtrail:updatetrail",
    "codebuild:createproject",
    "codebuild:startbuild",
    "codebuild:startbuildbatch",
    "config:deleteconfigurationrecorder",
    "config:deletedeliverychannel",
    "config:stopconfigurationrecorder",
    "ec2-instance-connect:sendsshpublickey",
    "ec2:runinstances",
    "ecs:createservice",
    "ecs:registertaskdefinition",
    "ecs:runtask",
    "ecs:starttask",
    "glue:createdevendpoint",
    "guardduty:deletedetector",
    "guardduty:disassociatefromadministratoraccount",
    "guardduty:updatedetector",
    "iam:addusertogroup",
    "iam:attachgrouppolicy",
    "iam:attachrolepolicy",
    "iam:attachuserpolicy",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:createpolicyversion",
    "iam:passrole",
    "iam:putgrouppolicy",
    "iam:putrolepolicy",
    "iam:putuserpolicy",
    "iam:setdefaultpolicyversion",
    "iam:updateassumerolepolicy",
    "iam:updateloginprofile",
    "kms:decrypt",
    "kms:reencryptfrom",
    "lambda:createfunction",
    "lambda:updatefunctioncode",
    "lambda:updatefunctionconfiguration",
    "sagemaker:createnotebookinstance",
    "sagemaker:createprocessingjob",
    "sagemaker:createtrainingjob",
    "securityhub:disablesecurityhub",
    "securityhub:disassociatefromadministratoraccount",
    "ssm:sendcommand",
    "ssm:startsession",
    "sts:assumerole",
];

/// True when `st` applies to `action`, ignoring its effect: an `Action`
/// entry matches it, or it has a `NotAction` that does not exclude it.
pub fn covers_action(st: &Statement, action: &str) -> bool {
    if st.not_action.is_empty() {
        st.action.iter().any(|p| wildcard_match(p, action))
    } else {
        !st.not_action.iter().any(|p| wildcard_match(p, action))
    }
}

/// The [`SENSITIVE_ACTIONS`] a statement covers ([`covers_action`]),
/// ignoring its effect.
pub fn statement_granted_actions(st: &Statement) -> impl Iterator<Item = &'static str> + '_ {
    SENSITIVE_ACTIONS
        .iter()
        .copied()
        .filter(move |a| covers_action(st, a))
}

/// True when `deny` is an unconditional Deny whose resources cover every
/// resource `allow` names: a Deny on `*`, or one whose patterns contain each
/// of `allow`'s Resource patterns. A Deny with a condition or a NotResource
/// takes nothing away (it may not apply).
pub fn deny_covers(deny: &Statement, allow: &Statement) -> bool {
    let unconditional = deny
        .condition
        .as_ref()
        .is_none_or(|c| c.as_object().is_some_and(serde_json::Map::is_empty));
    deny.effect == Effect::Deny
        && unconditional
        && deny.not_resource.is_empty()
        && (deny.resource.iter().any(|r| r == "*")
            || (allow.not_resource.is_empty()
                && !allow.resource.is_empty()
                && allow
                    .resource
                    .iter()
                    .all(|a| deny.resource.iter().any(|d| arn_pattern_covers(d, a)))))
}

/// The sensitive actions statement `i` of `doc` grants once the
/// unconditional Deny statements of the same document are subtracted
/// ([`deny_covers`]), and the actions taken away with the index of the Deny
/// that takes each. A Deny statement itself keeps what it matches (its
/// effect says what it does).
pub fn effective_actions(
    doc: &PolicyDocument,
    i: usize,
) -> (Vec<&'static str>, Vec<(&'static str, usize)>) {
    let Some(st) = doc.statements.get(i) else {
        return (Vec::new(), Vec::new());
    };
    let matched: Vec<&'static str> = statement_granted_actions(st).collect();
    if st.effect == Effect::Deny {
        return (matched, Vec::new());
    }
    let denies: Vec<(usize, Vec<&'static str>)> = doc
        .statements
        .iter()
        .enumerate()
        .filter(|(_, d)| deny_covers(d, st))
        .map(|(j, d)| (j, statement_granted_actions(d).collect()))
        .collect();
    let mut granted = Vec::new();
    let mut denied = Vec::new();
    for a in matched {
        match denies.iter().find(|(_, acts)| acts.contains(&a)) {
            Some((j, _)) => denied.push((a, *j)),
            None => granted.push(a),
        }
    }
    (granted, denied)
}

/// What a whole policy grants: the union over its Allow statements of
/// [`effective_actions`].
pub fn policy_granted_actions(doc: &PolicyDocument) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = (0..doc.statements.len())
        .filter(|i| doc.statements[*i].effect == Effect::Allow)
        .flat_map(|i| effective_actions(doc, i).0)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The sensitive grants of one statement, judged one action at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementGrants {
    /// [`effective_actions`]: what the statement grants after the same
    /// policy's unconditional Deny statements.
    pub granted: Vec<&'static str>,
    /// The granted actions whose grant reaches every target: neither the
    /// Resource nor a condition ([`grant_constraint`]) narrows it. Empty
    /// for a Deny statement.
    pub unconstrained: Vec<&'static str>,
    /// `"<action>: <why>"` for every matched action that is denied by the
    /// same policy or constrained, for messages.
    pub constraints: Vec<String>,
}

/// The grants of statement `i` of `doc`; `escalation_policies` are the ARNs
/// of managed policies whose attachment would escalate (see
/// [`grant_constraint`]).
pub fn statement_grants(
    doc: &PolicyDocument,
    i: usize,
    escalation_policies: &[String],
) -> StatementGrants {
    let (granted, denied) = effective_actions(doc, i);
    let mut out = StatementGrants {
        granted,
        ..StatementGrants::default()
    };
    let Some(st) = doc.statements.get(i) else {
        return out;
    };
    for (a, j) in denied {
        out.constraints.push(format!(
            "{a}: denied by unconditional Deny statement {j} of the same policy"
        ));
    }
    if st.effect == Effect::Deny {
        return out;
    }
    let conds = conditions(st);
    for a in &out.granted {
        match grant_constraint(st, &conds, a, escalation_policies) {
            Some(why) => out.constraints.push(format!("{a}: {why}")),
            None => out.unconstrained.push(a),
        }
    }
    out
}

/// AWS managed policies whose attachment grants administrator, IAM
/// administrator or near-administrator rights (names under
/// `arn:<partition>:iam::aws:policy/`), escalating whether or not the
/// snapshot holds their documents.
pub const ADMIN_AWS_MANAGED_POLICIES: &[&str] = &[
    "AdministratorAccess",
    "IAMFullAccess",
    "PowerUserAccess",
    "job-function/SystemAdministrator",
];

/// Actions that let their holder raise its own privileges: a customer
/// managed policy granting one of them (on any resource) is as dangerous to
/// attach as AdministratorAccess.
pub const ESCALATION_ACTIONS: &[&str] = &[
    "iam:addusertogroup",
    "iam:attachgrouppolicy",
    "iam:attachrolepolicy",
    "iam:attachuserpolicy",
    "iam:createaccesskey",
    "iam:createloginprofile",
    "iam:createpolicyversion",
    "iam:putgrouppolicy",
    "iam:putrolepolicy",
    "iam:putuserpolicy",
    "iam:setdefaultpolicyversion",
    "iam:updateassumerolepolicy",
    "iam:updateloginprofile",
];

/// Why one granted action of an Allow statement does not reach every
/// target, or `None` when it does:
/// - the Resource names specific resources (not `*`, not a whole type such
///   as `role/*`, no NotResource);
/// - a condition AWS enforces ([`Condition::restricts`]) on a resource tag
///   of the target (`aws:ResourceTag/...`, `iam:ResourceTag/...`);
/// - for `iam:Attach*Policy`: `iam:PolicyARN` limited to ARNs none of which
///   matches a whole type (`policy/*`) or an `escalation_policies` ARN;
///   for `iam:AttachUserPolicy`, `iam:AttachRolePolicy`, `iam:PutUserPolicy`
///   and `iam:PutRolePolicy`: `iam:PermissionsBoundary`;
/// - for `iam:PassRole`: `iam:PassedToService`.
///
/// `iam:PolicyARN` and `iam:PassedToService` are on every request of their
/// actions, so an `IfExists` form still counts; `iam:PermissionsBoundary`
/// and tags are absent on targets without them, so it does not.
pub fn grant_constraint(
    st: &Statement,
    conds: &[Condition],
    action: &str,
    escalation_policies: &[String],
) -> Option<String> {
    let whole = !st.not_resource.is_empty() || st.resource.iter().any(|r| whole_type_pattern(r));
    if !whole {
        return Some(format!("Resource limited to {}", st.resource.join(", ")));
    }
    let tagged = tag_restriction(conds);
    let boundary = || restriction(conds, |k| k == "iam:permissionsboundary", false);
    let found = match action {
        _ if tagged.is_some() => tagged,
        "iam:attachuserpolicy" | "iam:attachgrouppolicy" | "iam:attachrolepolicy" => {
            restriction(conds, |k| k == "iam:policyarn", true)
                .filter(|c| {
                    c.values
                        .iter()
                        .all(|v| !escalating_policy_value(c, v, escalation_policies))
                })
                .or_else(|| (action != "iam:attachgrouppolicy").then(boundary).flatten())
        }
        "iam:putuserpolicy" | "iam:putrolepolicy" => boundary(),
        // Limiting which service a role goes to constrains only when no
        // compute service is admitted: a role passed to Lambda or EC2 runs
        // code for whoever can create a function or instance (perhaps with
        // another policy), so it is still any role to compute.
        "iam:passrole" => restriction(conds, |k| k == "iam:passedtoservice", true).filter(|_| {
            !PASSROLE_COMPUTE_SERVICES
                .iter()
                .any(|svc| passes_to(conds, svc))
        }),
        _ => None,
    };
    found.map(|c| format!("condition {}", c.describe()))
}

/// True when an `iam:PolicyARN` value may name an escalating policy: a
/// whole-type pattern, or a value matching one of `escalation_policies`.
fn escalating_policy_value(c: &Condition, v: &str, escalation_policies: &[String]) -> bool {
    if c.takes_patterns() {
        whole_type_pattern(v) || escalation_policies.iter().any(|p| wildcard_match(v, p))
    } else {
        escalation_policies
            .iter()
            .any(|p| p.eq_ignore_ascii_case(v))
    }
}

/// Service principals that run code as a role passed to them when creating
/// compute: EC2 instances, Lambda functions, CloudFormation stacks, Glue
/// development endpoints, SageMaker notebooks and jobs, CodeBuild projects,
/// ECS tasks.
pub const PASSROLE_COMPUTE_SERVICES: &[&str] = &[
    "cloudformation.amazonaws.com",
    "codebuild.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "glue.amazonaws.com",
    "lambda.amazonaws.com",
    "sagemaker.amazonaws.com",
];

/// The [`PASSROLE_COMPUTE_SERVICES`] to which the policy lets its holder
/// pass any role: an Allow statement grants `iam:PassRole` (after the same
/// policy's unconditional Deny statements) on every role (`*`, `role/*`,
/// NotResource), with no enforced resource-tag condition, and its
/// `iam:PassedToService` conditions (if any) admit the service. A PassRole
/// limited to named roles passes no role the holder could not already use.
pub fn passrole_services(doc: &PolicyDocument) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (i, st) in doc.statements.iter().enumerate() {
        if st.effect != Effect::Allow || !effective_actions(doc, i).0.contains(&"iam:passrole") {
            continue;
        }
        let conds = conditions(st);
        let whole =
            !st.not_resource.is_empty() || st.resource.iter().any(|r| whole_type_pattern(r));
        if !whole || tag_scoped(&conds) {
            continue;
        }
        out.extend(
            PASSROLE_COMPUTE_SERVICES
                .iter()
                .copied()
                .filter(|svc| passes_to(&conds, svc)),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// True when every `iam:PassedToService` condition admits `service`: a
/// matching one must list it, a negated one must not.
fn passes_to(conds: &[Condition], service: &str) -> bool {
    let listed = |c: &Condition| {
        c.values.iter().any(|v| {
            if c.takes_patterns() {
                wildcard_match(v, service)
            } else {
                v.eq_ignore_ascii_case(service)
            }
        })
    };
    conds
        .iter()
        .filter(|c| c.key_lower() == "iam:passedtoservice")
        .all(|c| {
            if c.restricts(true) {
                listed(c)
            } else if c.is_negated() {
                !listed(c)
            } else {
                true
            }
        })
}

/// Lower-cased Action entries of the Allow statements of a document,
/// sorted and deduplicated.
pub fn allow_actions(doc: &PolicyDocument) -> Vec<String> {
    let mut v: Vec<String> = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(|s| s.action.iter().map(|a| a.to_ascii_lowercase()))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Lower-cased Action entries of one statement, in document order.
pub fn lowercase_actions(actions: &[String]) -> Vec<String> {
    actions.iter().map(|a| a.to_ascii_lowercase()).collect()
}

/// Services granted with a service-wide wildcard (`iam` for `iam:*`), from
/// lower-cased actions, sorted and deduplicated.
pub fn service_wildcards(lowercase_actions: &[String]) -> Vec<String> {
    let mut wildcards: Vec<String> = lowercase_actions
        .iter()
        .filter_map(|a| a.strip_suffix(":*").map(str::to_owned))
        .collect();
    wildcards.sort();
    wildcards.dedup();
    wildcards
}

/// True when a statement covers every resource of some type (a NotResource,
/// or a [`whole_type_pattern`] Resource), unless it is `tag_scoped` (ABAC
/// on the target's tags scopes the resources as surely as an ARN).
pub fn any_resource(st: &Statement, tag_scoped: bool) -> bool {
    (!st.not_resource.is_empty() || st.resource.iter().any(|r| whole_type_pattern(r)))
        && !tag_scoped
}

/// A Resource pattern that covers every resource of its type: `*`, a
/// wildcard service, or an ARN whose resource part is only a type and a
/// wildcard (`role/*`, `function:*`, `instance/*`), whatever the account and
/// region. For escalation, `arn:aws:iam::111111111111:role/*` is as broad
/// as `*`: it includes the account's admin roles.
pub fn whole_type_pattern(r: &str) -> bool {
    if r == "*" {
        return true;
    }
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    let [_, _, service, _, _, resource] = parts[..] else {
        return false;
    };
    if service == "*" || resource == "*" {
        return true;
    }
    // The resource type is what precedes the first separator or wildcard;
    // a pattern that admits a made-up name of that type (`role/*`, `role*`,
    // `function:*`) admits every resource of it.
    let ty_end = resource
        .find(['/', ':', '*', '?'])
        .unwrap_or(resource.len());
    let ty = &resource[..ty_end];
    !ty.is_empty()
        && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && [format!("{ty}/zz-probe-name"), format!("{ty}:zz-probe-name")]
            .iter()
            .any(|probe| wildcard_match(resource, probe))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: &str) -> PolicyDocument {
        PolicyDocument::parse_text(doc).expect("policy document")
    }

    fn granted(doc: &str) -> Vec<&'static str> {
        policy_granted_actions(&parse(doc))
    }

    #[test]
    fn granted_actions_follow_every_wildcard_spelling() {
        let g = granted(
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:Pas*","EC2:Run*"],"Resource":"*"}]}"#,
        );
        assert!(
            g.contains(&"iam:passrole") && g.contains(&"ec2:runinstances"),
            "{g:?}"
        );
        assert!(!g.contains(&"iam:createaccesskey"), "{g:?}");
        // NotAction grants everything it does not exclude.
        let g = granted(r#"{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#);
        assert!(
            !g.contains(&"iam:passrole") && g.contains(&"ec2:runinstances"),
            "{g:?}"
        );
        // An unconditional Deny on every resource takes actions away; a
        // conditional or resource-scoped one does not.
        let g = granted(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
                {"Effect":"Deny","Action":"iam:PassRole","Resource":"*"},
                {"Effect":"Deny","Action":"ec2:RunInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}},
                {"Effect":"Deny","Action":"ssm:SendCommand","Resource":"arn:aws:ec2:*:*:instance/i-1"}]}"#,
        );
        assert!(!g.contains(&"iam:passrole"), "{g:?}");
        assert!(
            g.contains(&"ec2:runinstances") && g.contains(&"ssm:sendcommand"),
            "{g:?}"
        );
    }

    #[test]
    fn every_action_a_policy_names_is_in_the_catalogue() {
        // A policy naming an action outside SENSITIVE_ACTIONS could never fire.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
        let mut stack = vec![dir];
        let mut unknown = Vec::new();
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("policies dir").flatten() {
                let path = e.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("read");
                let catalogues: [(&str, &[&str]); 3] = [
                    ("granted_actions.contains", SENSITIVE_ACTIONS),
                    ("unconstrained_actions.contains", SENSITIVE_ACTIONS),
                    ("passrole_services.contains", PASSROLE_COMPUTE_SERVICES),
                ];
                for (marker, catalogue) in catalogues {
                    for part in text.split(marker).skip(1) {
                        let args = part.split(')').next().unwrap_or_default();
                        for name in args.split('"').skip(1).step_by(2) {
                            if !catalogue.contains(&name) {
                                unknown.push(format!("{}: {name}", path.display()));
                            }
                        }
                    }
                }
            }
        }
        assert!(unknown.is_empty(), "{unknown:#?}");
    }

    #[test]
    fn whole_type_patterns() {
        for any in [
            "*",
            "arn:aws:lambda:*:*:function:*",
            "arn:aws:iam::111111111111:role/*",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:s3:::*",
            "arn:aws:*:*:*:*",
            "arn:aws:iam::111111111111:role*",
            "arn:aws:iam::111111111111:role/?*",
        ] {
            assert!(whole_type_pattern(any), "{any}");
        }
        for narrow in [
            "arn:aws:iam::111111111111:role/deploy",
            "arn:aws:iam::111111111111:role/service-role/*",
            "arn:aws:lambda:eu-west-1:111111111111:function:app-*",
            "arn:aws:ec2:*:*:instance/i-0abc",
        ] {
            assert!(!whole_type_pattern(narrow), "{narrow}");
        }
    }

    #[test]
    fn allow_actions_are_the_lowercased_union_of_allow_statements() {
        let doc = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":["S3:GetObject","iam:*"],"Resource":"*"},
                {"Effect":"Allow","Action":"s3:getobject","Resource":"*"},
                {"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}"#,
        );
        assert_eq!(allow_actions(&doc), vec!["iam:*", "s3:getobject"]);
    }

    #[test]
    fn service_wildcards_and_any_resource() {
        let actions = lowercase_actions(&["IAM:*".into(), "s3:Get*".into(), "iam:*".into()]);
        assert_eq!(service_wildcards(&actions), vec!["iam"]);
        let doc = parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111111111111:role/*"},
                {"Effect":"Allow","Action":"iam:PassRole","NotResource":"arn:aws:iam::111111111111:role/x"},
                {"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111111111111:role/x"}]}"#,
        );
        assert!(any_resource(&doc.statements[0], false));
        assert!(!any_resource(&doc.statements[0], true));
        assert!(any_resource(&doc.statements[1], false));
        assert!(!any_resource(&doc.statements[2], false));
    }

    fn grants(doc: &str, i: usize) -> StatementGrants {
        let admin = vec![
            "arn:aws:iam::aws:policy/AdministratorAccess".to_owned(),
            "arn:aws:iam::111111111111:policy/escalates".to_owned(),
        ];
        statement_grants(&parse(doc), i, &admin)
    }

    #[test]
    fn a_same_policy_unconditional_deny_is_subtracted_per_statement() {
        let doc = r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
            {"Effect":"Deny","Action":["iam:Attach*","iam:Put*","iam:PassRole"],"Resource":"*"}]}"#;
        let g = grants(doc, 0);
        for gone in ["iam:attachrolepolicy", "iam:putuserpolicy", "iam:passrole"] {
            assert!(
                !g.granted.contains(&gone) && !g.unconstrained.contains(&gone),
                "{gone}"
            );
            assert!(
                g.constraints.contains(&format!(
                    "{gone}: denied by unconditional Deny statement 1 of the same policy"
                )),
                "{:?}",
                g.constraints
            );
        }
        assert!(g.unconstrained.contains(&"iam:createaccesskey"));
        // Deny NotAction: everything but the listed actions is denied.
        let g = grants(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Effect":"Deny","NotAction":"iam:CreateAccessKey","Resource":"*"}]}"#,
            0,
        );
        assert_eq!(g.granted, vec!["iam:createaccesskey"]);
        // A conditional Deny, or one on fewer resources, takes nothing away.
        for deny in [
            r#"{"Effect":"Deny","Action":"iam:PassRole","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}"#,
            r#"{"Effect":"Deny","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/admin"}"#,
            r#"{"Effect":"Deny","Action":"iam:PassRole","NotResource":"arn:aws:iam::1:role/x"}"#,
        ] {
            let doc = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}},{deny}]}}"#
            );
            assert_eq!(
                grants(&doc, 0).unconstrained,
                vec!["iam:passrole"],
                "{deny}"
            );
        }
        // A Deny whose pattern covers the Allow's resources does.
        let g = grants(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app/*"},
                {"Effect":"Deny","Action":"iam:*","Resource":"arn:aws:iam::1:role/*"}]}"#,
            0,
        );
        assert!(g.granted.is_empty());
        // The policy-level union follows the same subtraction.
        assert!(!policy_granted_actions(&parse(doc)).contains(&"iam:passrole"));
    }

    #[test]
    fn attach_grants_constrained_by_policy_arn_boundary_or_tags() {
        let attach = |cond: &str| {
            grants(
                &format!(
                    r#"{{"Statement":[{{"Effect":"Allow","Action":"iam:AttachRolePolicy","Resource":"*","Condition":{cond}}}]}}"#
                ),
                0,
            )
        };
        let g =
            attach(r#"{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}"#);
        assert!(g.unconstrained.is_empty());
        assert_eq!(
            g.constraints,
            vec!["iam:attachrolepolicy: condition ArnEquals iam:PolicyARN [arn:aws:iam::aws:policy/ReadOnlyAccess]"]
        );
        // Present on every attach request: IfExists still restricts.
        assert!(attach(
            r#"{"ArnEqualsIfExists":{"iam:PolicyARN":"arn:aws:iam::aws:policy/ReadOnlyAccess"}}"#
        )
        .unconstrained
        .is_empty());
        for open in [
            r#"{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}"#,
            r#"{"ArnLike":{"iam:PolicyARN":["arn:aws:iam::aws:policy/ReadOnlyAccess","arn:aws:iam::aws:policy/*"]}}"#,
            r#"{"ArnLike":{"iam:PolicyARN":"arn:aws:iam::111111111111:policy/esc*"}}"#,
            r#"{"ArnNotEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}"#,
            r#"{"StringEqualsIfExists":{"iam:PermissionsBoundary":"arn:aws:iam::1:policy/boundary"}}"#,
            r#"{"Bool":{"aws:MultiFactorAuthPresent":"true"}}"#,
        ] {
            assert_eq!(
                attach(open).unconstrained,
                vec!["iam:attachrolepolicy"],
                "{open}"
            );
        }
        for narrow in [
            r#"{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::1:policy/boundary"}}"#,
            r#"{"StringEquals":{"aws:ResourceTag/team":"app"}}"#,
        ] {
            assert!(attach(narrow).unconstrained.is_empty(), "{narrow}");
        }
    }

    #[test]
    fn passrole_scoped_by_resource_or_service() {
        let g = grants(
            r#"{"Statement":[{"Effect":"Allow","Action":["iam:PassRole","lambda:CreateFunction"],"Resource":"arn:aws:iam::1:role/app/lambda-exec"}]}"#,
            0,
        );
        assert!(g.unconstrained.is_empty());
        assert!(
            g.constraints[0].starts_with("iam:passrole: Resource limited to"),
            "{g:?}"
        );
        let svc = |doc: &str| passrole_services(&parse(doc));
        assert!(svc(r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/app/lambda-exec"}]}"#).is_empty());
        assert_eq!(
            svc(
                r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::1:role/*"}]}"#
            ),
            PASSROLE_COMPUTE_SERVICES
        );
        assert_eq!(
            svc(
                r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
                "Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}}]}"#
            ),
            vec!["lambda.amazonaws.com"]
        );
        assert!(!svc(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*",
                "Condition":{"StringNotEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}}]}"#
        )
        .contains(&"ec2.amazonaws.com"));
        assert!(svc(
            r#"{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},
                {"Effect":"Deny","Action":"iam:PassRole","Resource":"*"}]}"#
        )
        .is_empty());
    }

    #[test]
    fn kms_reencrypt_from_in_every_spelling() {
        for action in ["kms:ReEncrypt*", "kms:*", "kms:ReEncryptFrom"] {
            let doc = format!(
                r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
            );
            assert!(granted(&doc).contains(&"kms:reencryptfrom"), "{action}");
        }
        let g = granted(
            r#"{"Statement":[{"Effect":"Allow","NotAction":"kms:ReEncrypt*","Resource":"*"}]}"#,
        );
        assert!(!g.contains(&"kms:reencryptfrom") && g.contains(&"kms:decrypt"));
    }
}
