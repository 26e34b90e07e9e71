//! IAM: identities, trust policies, managed and inline policies, every
//! attachment form, memberships, login profiles, access keys, the password
//! policy; policies known only after apply and policies that are not JSON.

use serde_json::json;

use super::{id, import, plan, unknowns_of};

const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[test]
fn roles_with_trust_inline_blocks_and_managed_policy_arns() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_role.app", "type": "aws_iam_role", "name": "app",
               "after": {"name": "app", "path": "/svc/", "assume_role_policy": TRUST,
                         "inline_policy": [{"name": "all", "policy": ADMIN}],
                         "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"], "tags": {"env": "prod"}},
               "after_unknown": {"arn": true, "id": true, "unique_id": true, "inline_policy": [{}], "managed_policy_arns": [false]},
               "expressions": {"name": {"constant_value": "app"}, "assume_role_policy": {}, "inline_policy": [{}], "managed_policy_arns": {}}}),
        json!({"address": "aws_iam_role.plain", "type": "aws_iam_role", "name": "plain",
               "after": {"name": "plain", "assume_role_policy": TRUST},
               "after_unknown": {"arn": true, "inline_policy": true, "managed_policy_arns": true},
               "expressions": {"name": {"constant_value": "plain"}, "assume_role_policy": {}}}),
    ]));
    let r = &a.iam.roles[0];
    assert_eq!(
        (r.arn.as_str(), r.name.as_str(), r.path.as_str()),
        (id("aws_iam_role.app").as_str(), "app", "/svc/")
    );
    assert_eq!(r.trust_policy.statements[0].action, ["sts:AssumeRole"]);
    assert_eq!(r.inline_policies[0].name, "all");
    assert_eq!(r.inline_policies[0].document.statements[0].action, ["*"]);
    assert_eq!(
        r.attached_policies,
        ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    );
    assert_eq!(r.tags.get("env").map(String::as_str), Some("prod"));
    assert!(a.locations.contains_key(&format!("{}#inline/all", r.arn)));
    assert!(a.locations.contains_key(&format!("{}#trust", r.arn)));
    // Computed inline policies and attachments left unset mean nothing.
    assert!(a.iam.roles[1].inline_policies.is_empty());
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn policies_known_only_after_apply_are_unknown_and_non_json_is_unreadable() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_policy.s3", "type": "aws_iam_policy", "name": "s3",
               "after": {"name": "s3", "path": "/"}, "after_unknown": {"policy": true, "arn": true},
               "expressions": {"policy": {"references": ["aws_s3_bucket.b.arn", "aws_s3_bucket.b"]}}}),
        json!({"address": "aws_iam_policy.bad", "type": "aws_iam_policy", "name": "bad",
               "after": {"name": "bad", "policy": "not a policy"}, "after_unknown": {}}),
        json!({"address": "aws_iam_role.r", "type": "aws_iam_role", "name": "r",
               "after": {"name": "r"}, "after_unknown": {"assume_role_policy": true},
               "expressions": {"assume_role_policy": {"references": ["data.aws_iam_policy_document.t.json", "data.aws_iam_policy_document.t"]}}}),
    ]));
    let s3 = id("aws_iam_policy.s3");
    assert_eq!(
        unknowns_of(&a, &s3),
        [(
            "policy".to_owned(),
            "aws_iam_policy.s3.policy is known only after apply".to_owned()
        )]
    );
    let bad = a
        .iam
        .policies
        .iter()
        .find(|p| p.name == "bad")
        .expect("bad");
    assert!(bad.document.unreadable_reason().is_some());
    assert_eq!(
        unknowns_of(&a, &format!("{}#trust", id("aws_iam_role.r"))),
        [(
            "assume_role_policy".to_owned(),
            "aws_iam_role.r.assume_role_policy is known only after apply".to_owned()
        )]
    );
}

#[test]
fn every_attachment_form_joins_on_the_model_arn() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_user.alice", "type": "aws_iam_user", "name": "alice", "after": {"name": "alice", "path": "/"}, "after_unknown": {"arn": true}}),
        json!({"address": "aws_iam_group.ops", "type": "aws_iam_group", "name": "ops", "after": {"name": "ops"}, "after_unknown": {"arn": true}}),
        json!({"address": "aws_iam_role.ci", "type": "aws_iam_role", "name": "ci", "after": {"name": "ci", "assume_role_policy": TRUST}, "after_unknown": {}}),
        json!({"address": "aws_iam_policy.admin", "type": "aws_iam_policy", "name": "admin",
               "after": {"name": "admin", "policy": ADMIN}, "after_unknown": {"arn": true, "id": true}}),
        json!({"address": "aws_iam_policy.old", "type": "aws_iam_policy", "name": "old", "actions": ["no-op"],
               "after": {"name": "old", "arn": "arn:aws:iam::111111111111:policy/old", "policy": ADMIN}}),
        json!({"address": "aws_iam_role_policy_attachment.ci", "type": "aws_iam_role_policy_attachment", "name": "ci",
               "after": {"role": "ci"}, "after_unknown": {"policy_arn": true},
               "expressions": {"role": {"references": ["aws_iam_role.ci.name", "aws_iam_role.ci"]},
                               "policy_arn": {"references": ["aws_iam_policy.admin.arn", "aws_iam_policy.admin"]}}}),
        json!({"address": "aws_iam_user_policy_attachment.alice", "type": "aws_iam_user_policy_attachment", "name": "alice",
               "after": {"user": "alice", "policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}}),
        json!({"address": "aws_iam_group_policy_attachment.ops", "type": "aws_iam_group_policy_attachment", "name": "ops",
               "after": {"group": "ops", "policy_arn": "arn:aws:iam::111111111111:policy/old"}}),
        json!({"address": "aws_iam_policy_attachment.many", "type": "aws_iam_policy_attachment", "name": "many",
               "after": {"name": "many", "users": ["alice"], "groups": ["ops"], "roles": null}, "after_unknown": {"policy_arn": true, "roles": true},
               "expressions": {"policy_arn": {"references": ["aws_iam_policy.admin.arn", "aws_iam_policy.admin"]},
                               "roles": {"references": ["aws_iam_role.ci.name", "aws_iam_role.ci"]}}}),
        json!({"address": "aws_iam_role_policy_attachment.ext", "type": "aws_iam_role_policy_attachment", "name": "ext",
               "after": {"role": "legacy-deployer", "policy_arn": "arn:aws:iam::aws:policy/PowerUserAccess"}}),
    ]));
    let admin = id("aws_iam_policy.admin");
    let old = id("aws_iam_policy.old");
    let role = |n: &str| a.iam.roles.iter().find(|r| r.name == n).expect("role");
    assert_eq!(role("ci").attached_policies, std::slice::from_ref(&admin));
    let alice = &a.iam.users[0];
    assert_eq!(
        alice.attached_policies,
        [
            "arn:aws:iam::aws:policy/AdministratorAccess".to_owned(),
            admin.clone()
        ]
    );
    // A known ARN of a policy of the plan joins on its model ARN.
    assert_eq!(
        a.iam.groups[0].attached_policies,
        [old.clone(), admin.clone()]
    );
    let p = |arn: &str| {
        a.iam
            .policies
            .iter()
            .find(|p| p.arn == arn)
            .expect("policy")
    };
    assert_eq!(p(&admin).attachment_count, 3);
    assert_eq!(p(&old).attachment_count, 1);
    assert_eq!(p(&admin).permissions_boundary_usage_count, Some(0));
    // A role the plan does not manage: a stand-in, everything else unknown.
    let ext = role("legacy-deployer");
    assert_eq!(
        ext.attached_policies,
        ["arn:aws:iam::aws:policy/PowerUserAccess"]
    );
    assert_eq!(unknowns_of(&a, &ext.arn).len(), 1);
    assert!(a.locations.contains_key(&ext.arn));
}

#[test]
fn an_unknown_attached_policy_is_recorded_on_the_identity() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_user.u", "type": "aws_iam_user", "name": "u", "after": {"name": "u"}}),
        json!({"address": "aws_iam_user_policy_attachment.a", "type": "aws_iam_user_policy_attachment", "name": "a",
               "after": {"user": "u"}, "after_unknown": {"policy_arn": true},
               "expressions": {"policy_arn": {"references": ["module.shared.policy_arn", "module.shared"]}}}),
    ]));
    assert_eq!(
        unknowns_of(&a, &id("aws_iam_user.u")),
        [(
            "aws_iam_user_policy_attachment.a.policy_arn".to_owned(),
            "aws_iam_user_policy_attachment.a.policy_arn is known only after apply".to_owned()
        )]
    );
}

#[test]
fn inline_policy_resources_memberships_login_profiles_and_keys() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_user.bob", "type": "aws_iam_user", "name": "bob", "after": {"name": "bob"}}),
        json!({"address": "aws_iam_user.eve", "type": "aws_iam_user", "name": "eve", "after": {"name": "eve"}}),
        json!({"address": "aws_iam_group.dev", "type": "aws_iam_group", "name": "dev", "after": {"name": "dev"}}),
        json!({"address": "aws_iam_group.qa", "type": "aws_iam_group", "name": "qa", "after": {"name": "qa"}}),
        json!({"address": "aws_iam_role.r", "type": "aws_iam_role", "name": "r", "after": {"name": "r", "assume_role_policy": TRUST}}),
        json!({"address": "aws_iam_user_policy.bob", "type": "aws_iam_user_policy", "name": "bob", "after": {"name": "bob-inline", "user": "bob", "policy": ADMIN}}),
        json!({"address": "aws_iam_group_policy.dev", "type": "aws_iam_group_policy", "name": "dev", "after": {"name": "dev-inline", "group": "dev", "policy": ADMIN}}),
        json!({"address": "aws_iam_role_policy.r", "type": "aws_iam_role_policy", "name": "r",
               "after": {"policy": ADMIN}, "after_unknown": {"name": true, "role": true},
               "expressions": {"role": {"references": ["aws_iam_role.r.id", "aws_iam_role.r"]}}}),
        json!({"address": "aws_iam_user_group_membership.bob", "type": "aws_iam_user_group_membership", "name": "bob",
               "after": {"user": "bob", "groups": ["dev", "qa"]}}),
        json!({"address": "aws_iam_group_membership.qa", "type": "aws_iam_group_membership", "name": "qa",
               "after": {"name": "qa-members", "group": "qa", "users": ["eve"]}}),
        json!({"address": "aws_iam_user_login_profile.bob", "type": "aws_iam_user_login_profile", "name": "bob",
               "after": {"user": "bob", "password_reset_required": true}, "after_unknown": {"password": true}}),
        json!({"address": "aws_iam_access_key.bob", "type": "aws_iam_access_key", "name": "bob",
               "after": {"user": "bob", "status": "Active"}, "after_unknown": {"id": true, "secret": true}}),
        json!({"address": "aws_iam_access_key.eve", "type": "aws_iam_access_key", "name": "eve",
               "after": {"user": "eve", "status": "Inactive"}, "after_unknown": {"id": true}}),
    ]));
    let user = |n: &str| a.iam.users.iter().find(|u| u.name == n).expect("user");
    let bob = user("bob");
    assert_eq!(bob.inline_policies[0].name, "bob-inline");
    assert_eq!(bob.groups, ["dev", "qa"]);
    assert!(bob.password_enabled);
    assert_eq!(bob.access_keys[0].access_key_id, "aws_iam_access_key.bob");
    assert!(bob.access_keys[0].is_active());
    let eve = user("eve");
    assert_eq!(eve.groups, ["qa"]);
    assert!(!eve.password_enabled);
    assert!(!eve.access_keys[0].is_active());
    assert_eq!(a.iam.groups[0].inline_policies[0].name, "dev-inline");
    // The role policy's name is generated at apply: named by its address.
    let r = &a.iam.roles[0];
    assert_eq!(r.inline_policies[0].name, "aws_iam_role_policy.r");
    assert!(a
        .locations
        .contains_key(&format!("{}#inline/aws_iam_role_policy.r", r.arn)));
    assert!(a
        .locations
        .contains_key(&format!("{}/access-key/aws_iam_access_key.bob", bob.arn)));
    assert_eq!(a.iam.users.len(), 2);
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn the_password_policy_is_the_accounts() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_account_password_policy.strict", "type": "aws_iam_account_password_policy", "name": "strict",
        "after": {"minimum_password_length": 14, "require_lowercase_characters": true, "require_numbers": true, "require_symbols": false,
                  "require_uppercase_characters": true, "allow_users_to_change_password": true, "max_password_age": 90,
                  "password_reuse_prevention": 24, "hard_expiry": false},
        "after_unknown": {"expire_passwords": true, "id": true}}),
    ]));
    let p = a.iam.password_policy.as_ref().expect("policy");
    assert_eq!(p.minimum_password_length, 14);
    assert!(p.require_lowercase && p.require_numbers && !p.require_symbols && p.require_uppercase);
    assert_eq!(
        (p.max_password_age, p.password_reuse_prevention),
        (Some(90), Some(24))
    );
    assert!(a.locations.contains_key(&a.account_id));
    assert!(a.unknowns.is_empty(), "{:?}", a.unknowns);
}

#[test]
fn an_owner_known_only_after_apply_is_an_unknown_stand_in_that_still_holds_the_grant() {
    let a = import(&plan(&[
        json!({"address": "aws_iam_role_policy_attachment.admin", "type": "aws_iam_role_policy_attachment", "name": "admin",
               "after": {"policy_arn": "arn:aws:iam::aws:policy/AdministratorAccess"}, "after_unknown": {"role": true},
               "expressions": {"role": {"references": ["module.app.role_name", "module.app"]}}}),
        json!({"address": "aws_iam_group_membership.g", "type": "aws_iam_group_membership", "name": "g",
               "after": {"name": "g", "users": ["carol"]}, "after_unknown": {"group": true},
               "expressions": {"group": {"references": ["data.external.g.result", "data.external.g"]}}}),
    ]));
    let stand_in = a
        .iam
        .roles
        .iter()
        .find(|r| r.name == "aws_iam_role_policy_attachment.admin.role")
        .expect("stand-in role");
    assert_eq!(
        stand_in.attached_policies,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    assert_eq!(
        unknowns_of(&a, &stand_in.arn),
        [(
            "(resource)".to_owned(),
            "aws_iam_role_policy_attachment.admin.role is known only after apply".to_owned()
        )]
    );
    let carol = a
        .iam
        .users
        .iter()
        .find(|u| u.name == "carol")
        .expect("carol");
    assert_eq!(carol.groups, ["aws_iam_group_membership.g.group"]);
    assert!(a
        .iam
        .groups
        .iter()
        .any(|g| g.name == "aws_iam_group_membership.g.group"));
}

#[test]
fn sensitive_values_are_still_known() {
    let text = r#"{"format_version":"1.2","terraform_version":"1.11.4",
"resource_changes":[{"address":"aws_iam_policy.p","mode":"managed","type":"aws_iam_policy","name":"p",
 "change":{"actions":["create"],"before":null,
  "after":{"name":"p","policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"},
  "after_unknown":{"arn":true,"id":true},"before_sensitive":false,"after_sensitive":{"policy":true}}}]}"#;
    let a = import(text);
    assert_eq!(a.iam.policies[0].document.statements[0].action, ["*"]);
    assert!(a.unknowns.is_empty());
}
