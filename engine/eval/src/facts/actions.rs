//! Action facts of IAM policy documents: which sensitive actions a statement
//! or a policy grants (whatever wildcard spelling it uses), the Allow action
//! lists, service-wide wildcards, and whole-type resource patterns.

use palisade_model::policy::{Effect, PolicyDocument, Statement};

use super::wildcard::wildcard_match;

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

/// The [`SENSITIVE_ACTIONS`] a statement's Action (or, with NotAction,
/// everything it does not exclude) matches, ignoring its effect.
pub fn statement_granted_actions(st: &Statement) -> impl Iterator<Item = &'static str> + '_ {
    SENSITIVE_ACTIONS.iter().copied().filter(move |a| {
        if st.not_action.is_empty() {
            st.action.iter().any(|p| wildcard_match(p, a))
        } else {
            !st.not_action.iter().any(|p| wildcard_match(p, a))
        }
    })
}

/// What a whole policy grants: the union over its Allow statements, minus
/// what an unconditional Deny on every resource takes away.
pub fn policy_granted_actions(doc: &PolicyDocument) -> Vec<&'static str> {
    let denied: Vec<&str> = doc
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Deny
                && s.condition.is_none()
                && s.not_resource.is_empty()
                && s.resource.iter().any(|r| r == "*")
        })
        .flat_map(statement_granted_actions)
        .collect();
    let mut v: Vec<&'static str> = doc
        .statements
        .iter()
        .filter(|s| s.effect == Effect::Allow)
        .flat_map(statement_granted_actions)
        .filter(|a| !denied.contains(a))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
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
    resource
        .strip_suffix('*')
        .and_then(|t| t.strip_suffix('/').or_else(|| t.strip_suffix(':')))
        .is_some_and(|ty| {
            !ty.is_empty() && ty.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
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
                for part in text.split("granted_actions.contains").skip(1) {
                    let list = part.split(']').next().unwrap_or_default();
                    for action in list.split('"').skip(1).step_by(2) {
                        if !SENSITIVE_ACTIONS.contains(&action) {
                            unknown.push(format!("{}: {action}", path.display()));
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
}
