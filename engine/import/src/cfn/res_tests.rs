//! Tests of the CloudFormation resource mapping: IAM (every attachment
//! form, documents as objects and text, unknowns, locations) and the
//! shared helpers; the network and other services are in
//! `res_tests_net.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use super::*;
use crate::cfn::template::Resource;
use crate::value::Pos;

/// A template from `{"Logical": {"Type": ..., "Properties": ...}}`. In the
/// properties `{"Ref": "X"}` and `{"Fn::GetAtt": ["X", "Y"]}` become
/// references and `{"$unknown": "why"}` an unknown value. Every node gets
/// its own line (in document order), so locations can be told apart.
pub(super) fn template(resources: serde_json::Value) -> Template {
    let mut line = 1;
    let mut out = Vec::new();
    // Sorted by logical id whatever serde_json's map order (its
    // `preserve_order` feature is on when the workspace builds together).
    let mut sorted: Vec<_> = resources.as_object().unwrap().iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (id, r) in sorted {
        line += 1;
        let pos = Pos { line, column: 3 };
        let mut props = Node::from_json(r.get("Properties").unwrap_or(&serde_json::Value::Null));
        props = convert(props);
        number(&mut props, &mut line);
        out.push(Resource {
            logical_id: id.clone(),
            resource_type: r["Type"].as_str().unwrap().to_owned(),
            pos,
            properties: props,
            condition_unknown: None,
        });
    }
    Template {
        resources: out,
        ..Template::default()
    }
}

fn convert(n: Node) -> Node {
    let value = match n.value {
        Value::Map(entries) if entries.len() == 1 => {
            let (k, v) = entries.into_iter().next().unwrap();
            match (k.name.as_str(), &v.value) {
                ("Ref", Value::String(t)) => Value::Ref {
                    target: t.clone(),
                    attr: None,
                },
                ("Fn::GetAtt", Value::List(parts)) => Value::Ref {
                    target: parts[0].as_str().unwrap().to_owned(),
                    attr: Some(parts[1].as_str().unwrap().to_owned()),
                },
                ("$unknown", Value::String(why)) => Value::Unknown(why.clone()),
                _ => Value::Map(vec![(k, convert(v))]),
            }
        }
        Value::Map(entries) => {
            Value::Map(entries.into_iter().map(|(k, v)| (k, convert(v))).collect())
        }
        Value::List(items) => Value::List(items.into_iter().map(convert).collect()),
        other => other,
    };
    Node { value, pos: n.pos }
}

fn number(n: &mut Node, line: &mut usize) {
    *line += 1;
    n.pos = Pos {
        line: *line,
        column: 5,
    };
    match &mut n.value {
        Value::Map(entries) => {
            for (k, v) in entries {
                k.pos = Pos {
                    line: *line + 1,
                    column: 5,
                };
                number(v, line);
            }
        }
        Value::List(items) => items.iter_mut().for_each(|x| number(x, line)),
        _ => {}
    }
}

pub(super) fn run(resources: serde_json::Value) -> (Template, Account) {
    let t = template(resources);
    let a = emit("t.yaml", &t, &Options::default()).unwrap();
    (t, a)
}

/// The node at `path` (`Logical`, then keys and indexes) of template `t`.
pub(super) fn at<'a>(t: &'a Template, logical: &str, path: &[&str]) -> &'a Node {
    let mut n = &t
        .resources
        .iter()
        .find(|r| r.logical_id == logical)
        .unwrap()
        .properties;
    for p in path {
        n = match p.parse::<usize>() {
            Ok(i) => &n.items()[i],
            Err(_) => n.get(p).unwrap(),
        };
    }
    n
}

pub(super) fn res_line(t: &Template, logical: &str) -> usize {
    t.resources
        .iter()
        .find(|r| r.logical_id == logical)
        .unwrap()
        .pos
        .line
}

pub(super) fn line(a: &Account, id: &str) -> usize {
    a.locations
        .get(id)
        .unwrap_or_else(|| panic!("no location for {id}: {:?}", a.locations.keys()))
        .line
}

pub(super) fn unknowns(a: &Account) -> Vec<(&str, &str, &str)> {
    a.unknowns
        .iter()
        .map(|u| (u.resource.as_str(), u.property.as_str(), u.reason.as_str()))
        .collect()
}

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn allow(action: &str) -> serde_json::Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
}

#[test]
fn identities_policies_and_every_attachment_form() {
    let (t, a) = run(json!({
        "Dev": {"Type": "AWS::IAM::User", "Properties": {
            "UserName": "dev", "LoginProfile": {"Password": "x"},
            "Groups": [{"Ref": "Admins"}, "external-group"],
            "ManagedPolicyArns": [{"Ref": "Deploy"}, ADMIN, "arn:aws:iam::aws:policy/ReadOnlyAccess"],
            "Policies": [{"PolicyName": "own", "PolicyDocument": allow("s3:*")}]
        }},
        "Ops": {"Type": "AWS::IAM::User"},
        "Admins": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "admins"}},
        "App": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "app",
            "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        }},
        "Deploy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "ManagedPolicyName": "deploy", "PolicyDocument": allow("*"),
            "Roles": [{"Ref": "App"}], "Groups": ["admins"], "Users": ["someone-else"]
        }},
        "Extra": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "extra", "PolicyDocument": allow("ec2:*"), "Users": [{"Ref": "Ops"}], "Roles": ["app"]
        }},
        "RoleInline": {"Type": "AWS::IAM::RolePolicy", "Properties": {
            "PolicyName": "ri", "RoleName": {"Ref": "App"}, "PolicyDocument": allow("kms:Decrypt")
        }},
        "Join": {"Type": "AWS::IAM::UserToGroupAddition", "Properties": {"GroupName": {"Ref": "Admins"}, "Users": [{"Ref": "Ops"}, "nobody"]}},
        "Key": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": {"Ref": "Dev"}, "Status": "Inactive"}},
        "Key2": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": {"Ref": "Ops"}}}
    }));
    let iam = &a.iam;
    let dev = &iam.users[0];
    assert_eq!((dev.arn.as_str(), dev.name.as_str()), ("t.yaml#Dev", "dev"));
    assert!(dev.password_enabled);
    assert_eq!(dev.groups, ["admins", "external-group"]);
    assert_eq!(
        dev.attached_policies,
        [
            "t.yaml#Deploy",
            ADMIN,
            "arn:aws:iam::aws:policy/ReadOnlyAccess"
        ]
    );
    assert_eq!(dev.inline_policies[0].name, "own");
    assert_eq!(dev.access_keys[0].status, "Inactive");
    assert_eq!(dev.access_keys[0].access_key_id, "Key");
    let ops = &iam.users[1];
    assert_eq!(ops.name, "Ops", "no UserName: the logical id");
    assert!(!ops.password_enabled);
    assert_eq!(ops.groups, ["admins"]);
    assert_eq!(ops.inline_policies[0].name, "extra");
    assert_eq!(ops.access_keys[0].status, "Active");
    let role = &iam.roles[0];
    assert_eq!(role.trust_policy.statements.len(), 1);
    assert_eq!(role.attached_policies, ["t.yaml#Deploy"]);
    let names: Vec<&str> = role
        .inline_policies
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["extra", "ri"]);
    assert_eq!(iam.groups[0].attached_policies, ["t.yaml#Deploy"]);
    // Policies: the template's, and the AWS managed one the rules judge
    // (ReadOnlyAccess is referenced by ARN only).
    let arns: Vec<&str> = iam.policies.iter().map(|p| p.arn.as_str()).collect();
    assert_eq!(arns, ["t.yaml#Deploy", ADMIN]);
    let deploy = &iam.policies[0];
    assert_eq!(deploy.name, "deploy");
    // Dev, App, admins, plus the external user.
    assert_eq!(deploy.attachment_count, 4);
    assert_eq!(deploy.permissions_boundary_usage_count, Some(0));
    assert_eq!(iam.policies[1].attachment_count, 1);
    assert_eq!(iam.policies[1].document.statements[0].action, ["*"]);
    // Locations: inline policies at their entry or resource, statements at
    // their Action, the AWS managed policy where it is attached.
    let own_at = at(&t, "Dev", &["Policies", "0"]).pos.line;
    assert_eq!(line(&a, "t.yaml#Dev#inline/own"), own_at);
    let action = at(
        &t,
        "Dev",
        &[
            "Policies",
            "0",
            "PolicyDocument",
            "Statement",
            "0",
            "Action",
        ],
    );
    assert_eq!(
        line(&a, "t.yaml#Dev#inline/own#statement/0"),
        action.pos.line
    );
    assert_eq!(line(&a, "t.yaml#App#inline/ri"), res_line(&t, "RoleInline"));
    let trust_action = at(
        &t,
        "App",
        &["AssumeRolePolicyDocument", "Statement", "0", "Action"],
    );
    assert_eq!(line(&a, "t.yaml#App#trust/0"), trust_action.pos.line);
    let admin_at = at(&t, "Dev", &["ManagedPolicyArns", "1"]).pos.line;
    assert_eq!(line(&a, &format!("t.yaml#{ADMIN}")), admin_at);
    assert_eq!(line(&a, "t.yaml#Dev/access-key/Key"), res_line(&t, "Key"));
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
    assert!(a.uncovered.is_empty());
}

#[test]
fn documents_as_text_and_unreadable_text() {
    let (_, a) = run(json!({
        "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "PolicyDocument": "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iam:*\", \"Resource\": \"*\"}}"
        }},
        "Q": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": "Allow everything"}}
    }));
    let p = &a.iam.policies;
    assert_eq!(p[0].document.statements[0].action, ["iam:*"]);
    assert!(p[1]
        .document
        .unreadable_reason()
        .unwrap()
        .contains("not JSON"));
    assert_eq!(p[1].name, "Q");
}

#[test]
fn unknowns_in_documents_land_on_the_policy_or_trust_statement() {
    let (_, a) = run(json!({
        "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"$unknown": "parameter BucketArn has no default and no value was given"}}
        ]}}},
        "Q": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": {"$unknown": "condition IsProd is unknown"}, "Action": "*", "Resource": "*"}
        ]}}},
        "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": {"$unknown": "parameter TrustedAccount has no value"}}, "Action": "sts:AssumeRole"}
        ]}}}
    }));
    assert_eq!(
        unknowns(&a),
        [
            (
                "t.yaml#P",
                "PolicyDocument.Statement[1].Resource",
                "parameter BucketArn has no default and no value was given"
            ),
            (
                "t.yaml#Q",
                "PolicyDocument.Statement[0].Effect",
                "condition IsProd is unknown"
            ),
            (
                "t.yaml#R#trust/1",
                "AssumeRolePolicyDocument.Statement[1].Principal.AWS",
                "parameter TrustedAccount has no value"
            ),
        ]
    );
    // An Effect that is unknown does not make the document unreadable (an
    // error): it gets the placeholder, judged as not evaluated.
    let q = &a.iam.policies[1].document;
    assert!(q.unreadable.is_none());
    assert_eq!(q.statements.len(), 1);
    assert_eq!(
        a.iam.policies[0].document.statements[1].resource,
        [crate::value::UNKNOWN_PLACEHOLDER]
    );
}

#[test]
fn unknown_and_external_references() {
    let (_, a) = run(json!({
        "U": {"Type": "AWS::IAM::User", "Properties": {
            "ManagedPolicyArns": [{"$unknown": "parameter PolicyArn has no value"}],
            "Policies": [{"PolicyName": "doc", "PolicyDocument": {"$unknown": "parameter Doc has no value"}}]
        }},
        "Elsewhere": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "x", "PolicyDocument": allow("*"), "Roles": ["existing-role"]
        }},
        "Other": {"Type": "AWS::IAM::RolePolicy", "Properties": {
            "PolicyName": "y", "PolicyDocument": allow("*"), "RoleName": {"$unknown": "parameter RoleName has no value"}
        }},
        "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": ["r"]}}
    }));
    assert_eq!(
        unknowns(&a),
        [
            (
                "t.yaml#Other",
                "RoleName",
                "parameter RoleName has no value"
            ),
            (
                "t.yaml#U",
                "ManagedPolicyArns[0]",
                "parameter PolicyArn has no value"
            ),
            (
                "t.yaml#U#inline/doc",
                "Policies[0].PolicyDocument",
                "parameter Doc has no value"
            ),
        ]
    );
    let u = &a.iam.users[0];
    assert_eq!(u.attached_policies, [crate::value::UNKNOWN_PLACEHOLDER]);
    assert_eq!(
        u.inline_policies[0].document.statements.len(),
        1,
        "placeholder statement"
    );
    let uncovered: Vec<(&str, usize)> = a.uncovered.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        uncovered,
        [
            ("AWS::IAM::InstanceProfile", 1),
            ("AWS::IAM::Policy", 1),
            ("AWS::IAM::RolePolicy", 1)
        ]
    );
}

#[test]
fn boundaries_and_arns_spelled_out() {
    let (_, a) = run(json!({
        "B": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"ManagedPolicyName": "boundary", "Path": "/team/", "PolicyDocument": allow("s3:*")}},
        "R": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Statement": []},
            "PermissionsBoundary": {"Ref": "B"},
            "ManagedPolicyArns": ["arn:aws:iam::123456789012:policy/team/boundary", "arn:aws:iam::123456789012:policy/other"]
        }}
    }));
    let r = &a.iam.roles[0];
    assert_eq!(
        r.attached_policies,
        ["t.yaml#B", "arn:aws:iam::123456789012:policy/other"]
    );
    let b = &a.iam.policies[0];
    assert_eq!(
        (b.attachment_count, b.permissions_boundary_usage_count),
        (1, Some(1))
    );
    assert_eq!(b.path, "/team/");
}

#[test]
fn helpers() {
    assert_eq!(
        statement_index("PolicyDocument.Statement[12].Resource"),
        Some(12)
    );
    assert_eq!(
        statement_index("PolicyDocument.Statement.Resource"),
        Some(0)
    );
    assert_eq!(statement_index("PolicyDocument.Version"), None);
    let mut e = Emit::new(
        "t.yaml",
        palisade_model::Origin::Cloudformation,
        &Options::default(),
        None,
    );
    let r = Node::new(
        Value::Ref {
            target: "Vpc".into(),
            attr: Some("CidrBlock".into()),
        },
        Pos::default(),
    );
    assert_eq!(text(&mut e, "t.yaml#Sg", "CidrIp", &r), None);
    assert_eq!(
        e.account.unknowns[0].reason,
        "CidrIp is Vpc.CidrBlock, known only after deployment"
    );
    assert_eq!(
        text_or_ref(&mut e, "t.yaml#Sg", "KmsKeyId", &r).as_deref(),
        Some("${Vpc.CidrBlock}")
    );
    assert_eq!(
        int(&mut e, "x", "p", &Node::from_json(&json!("22"))),
        Some(22)
    );
    assert_eq!(
        boolean(&mut e, "x", "p", &Node::from_json(&json!("True"))),
        Some(true)
    );
}

#[test]
fn standalone_policy_unknowns_name_the_resource_that_writes_them() {
    let (_, a) = run(json!({
        "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}},
        "Extra": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "extra", "Roles": [{"Ref": "R"}],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": {"$unknown": "parameter Bucket has no value"}}]}
        }}
    }));
    assert_eq!(
        unknowns(&a),
        [(
            "t.yaml#R#inline/extra",
            "Extra.PolicyDocument.Statement[0].Resource",
            "parameter Bucket has no value"
        )]
    );
    let mut e = Emit::new(
        "t.yaml",
        palisade_model::Origin::Cloudformation,
        &Options::default(),
        None,
    );
    assert_eq!(
        int(&mut e, "x", "p", &Node::from_json(&json!(22.0))),
        Some(22)
    );
    assert_eq!(int(&mut e, "x", "p", &Node::from_json(&json!(2.5))), None);
}

#[test]
fn one_attachment_written_twice_counts_once() {
    let (_, a) = run(json!({
        "R": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}, "ManagedPolicyArns": [{"Ref": "P"}]}},
        "P": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": allow("s3:GetObject"), "Roles": [{"Ref": "R"}]}}
    }));
    assert_eq!(a.iam.roles[0].attached_policies, ["t.yaml#P"]);
    assert_eq!(a.iam.policies[0].attachment_count, 1);
}
