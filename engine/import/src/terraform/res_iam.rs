//! IAM resources of a plan: users, groups, roles (trust policy, inline
//! policy blocks, `managed_policy_arns`), customer managed policies, inline
//! policy resources, every attachment form, group memberships, login
//! profiles, access keys and the account password policy.

use std::collections::BTreeMap;

use palisade_model::iam::{
    AccessKey, Group, InlinePolicy, ManagedPolicy, PasswordPolicy, Role, User,
};
use palisade_model::policy::PolicyDocument;

use super::plan::Instance;
use super::refs::{Ctx, Val};
use crate::emit::Emit;
use crate::value::{Node, Pos, Value};

/// The kinds of IAM identity a policy attaches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    fn rtype(self) -> &'static str {
        match self {
            Kind::User => "aws_iam_user",
            Kind::Group => "aws_iam_group",
            Kind::Role => "aws_iam_role",
        }
    }
}

/// Known string tags of `inst` (`tags_all` when known, else `tags`).
pub fn tags(inst: &Instance) -> BTreeMap<String, String> {
    let pick = match inst.get("tags_all") {
        Some(t) if matches!(t.value, Value::Map(_)) => t,
        _ => match inst.get("tags") {
            Some(t) => t,
            None => return BTreeMap::new(),
        },
    };
    pick.entries()
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.name.clone(), s.to_owned())))
        .collect()
}

fn path(inst: &Instance) -> String {
    inst.get("path")
        .and_then(Node::as_str)
        .unwrap_or("/")
        .to_owned()
}

/// True when `attr` is written in `inst`'s configuration (or the plan has
/// no configuration to tell): a computed attribute left unset is unknown in
/// a plan without meaning anything.
pub fn configured(cx: &Ctx<'_>, inst: &Instance, attr: &str) -> bool {
    cx.configured(inst, attr)
}

/// The policy document at `node` (a JSON string in a plan), unknowns
/// recorded on `owner` as `property`. Text that is not a policy document is
/// kept as an unreadable document, never read as empty.
pub fn document(
    e: &mut Emit,
    node: Option<&Node>,
    owner: &str,
    property: &str,
    what: &str,
) -> PolicyDocument {
    match node.map(|n| &n.value) {
        None | Some(Value::Null) => PolicyDocument::unreadable(
            serde_json::Value::Null,
            format!("{what} has no policy document"),
        ),
        Some(Value::String(s)) => PolicyDocument::read_text(s),
        Some(Value::Unknown(reason)) => {
            e.unknown(owner, property, reason);
            // One stand-in statement, so every statement check reports the
            // policy as not evaluated: an empty document would give no
            // result at all, which reads as nothing to check.
            let p = crate::value::UNKNOWN_PLACEHOLDER;
            PolicyDocument::read_value(&serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": p}, "Action": p, "Resource": p}]
            }))
        }
        Some(_) => {
            let n = node.map(|n| n.to_json(&mut |p, r| e.unknown(owner, p, r)));
            PolicyDocument::read_value(&n.unwrap_or_default())
        }
    }
}

/// Maps `aws_iam_user`.
pub fn user(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    e.account.iam.users.push(User {
        arn: cx.id(inst),
        name: cx.name_of(inst),
        path: path(inst),
        tags: tags(inst),
        ..User::default()
    });
}

/// Maps `aws_iam_group`.
pub fn group(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    e.account.iam.groups.push(Group {
        arn: cx.id(inst),
        name: cx.name_of(inst),
        ..Group::default()
    });
}

/// Maps `aws_iam_role`: trust policy, inline policy blocks and
/// `managed_policy_arns` when configured.
pub fn role(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let arn = cx.id(inst);
    let name = cx.name_of(inst);
    let trust_id = format!("{arn}#trust");
    if let Some(n) = inst.get("assume_role_policy") {
        e.locate(&trust_id, n.pos);
    }
    let trust_policy = document(
        e,
        inst.get("assume_role_policy"),
        &trust_id,
        "assume_role_policy",
        &format!("{} assume_role_policy", inst.address),
    );
    // Unset, `inline_policy` is computed (the policies of
    // aws_iam_role_policy resources, which replace their twins by name);
    // known blocks are read whether written, dynamic or computed.
    let mut inline_policies = Vec::new();
    {
        match inst.get("inline_policy").map(|n| &n.value) {
            Some(Value::Unknown(reason)) if configured(cx, inst, "inline_policy") => {
                e.unknown(&arn, "inline_policy", reason)
            }
            Some(Value::List(blocks)) => {
                for (i, b) in blocks.iter().enumerate() {
                    let pname = b
                        .get("name")
                        .and_then(Node::as_str)
                        .map_or_else(|| format!("inline_policy[{i}]"), str::to_owned);
                    if pname.is_empty() {
                        continue; // `inline_policy {}`: removes every inline policy
                    }
                    let id = format!("{arn}#inline/{pname}");
                    e.locate(&id, b.pos);
                    let what = format!("{}.inline_policy[{i}]", inst.address);
                    let document = document(e, b.get("policy"), &id, "policy", &what);
                    inline_policies.push(InlinePolicy {
                        name: pname,
                        document,
                    });
                }
            }
            _ => {}
        }
    }
    // Unset and computed, `managed_policy_arns` was dropped with the plan's
    // other unset values; known ARNs join attachments (deduplicated).
    let mut attached_policies = Vec::new();
    {
        if let Some(n) = inst.get("managed_policy_arns") {
            match cx.texts(inst, n, &[("managed_policy_arns", None)]) {
                Ok(arns) => {
                    for a in arns {
                        attached_policies.push(attach_arn(cx, e, a, n.pos));
                    }
                }
                Err(reason) => e.unknown(&arn, "managed_policy_arns", &reason),
            }
        }
    }
    e.account.iam.roles.push(Role {
        arn,
        name,
        path: path(inst),
        trust_policy,
        attached_policies,
        inline_policies,
        tags: tags(inst),
        ..Role::default()
    });
}

/// An attached policy ARN as the model knows it; AWS managed policies the
/// rules judge get their entry, located where the plan attaches them
/// (`pos`; the first attachment wins).
fn attach_arn(cx: &Ctx<'_>, e: &mut Emit, arn: String, pos: Pos) -> String {
    let arn = cx.alias(arn);
    if is_aws_managed(&arn) {
        crate::aws_managed::ensure(e, &arn);
        crate::aws_managed::locate(e, &arn, pos);
    }
    arn
}

fn is_aws_managed(arn: &str) -> bool {
    arn.contains(":iam::aws:policy/")
}

/// Maps `aws_iam_policy` (a customer managed policy).
pub fn policy(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let arn = cx.id(inst);
    let what = format!("{} policy", inst.address);
    let document = document(e, inst.get("policy"), &arn, "policy", &what);
    if let Some(n) = inst.get("policy") {
        e.locate(&format!("{arn}#statement"), n.pos);
    }
    e.account.iam.policies.push(ManagedPolicy {
        arn,
        name: cx.name_of(inst),
        path: path(inst),
        document,
        ..ManagedPolicy::default()
    });
}

/// Maps `aws_iam_account_password_policy` (located at the account).
pub fn password_policy(_cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let int = |k: &str| inst.get(k).and_then(Node::as_i64);
    let flag = |k: &str| inst.get(k).and_then(Node::as_bool).unwrap_or(false);
    let account = e.account.account_id.clone();
    e.locate(&account, inst.pos);
    for (k, v) in inst.values.entries() {
        if let Some(reason) = v.unknown_reason() {
            if !matches!(k.name.as_str(), "id" | "expire_passwords") {
                e.unknown(&account, &k.name, reason);
            }
        }
    }
    e.account.iam.password_policy = Some(PasswordPolicy {
        minimum_password_length: int("minimum_password_length").unwrap_or(6),
        require_symbols: flag("require_symbols"),
        require_numbers: flag("require_numbers"),
        require_uppercase: flag("require_uppercase_characters"),
        require_lowercase: flag("require_lowercase_characters"),
        allow_users_to_change: flag("allow_users_to_change_password"),
        max_password_age: int("max_password_age").filter(|d| *d > 0),
        password_reuse_prevention: int("password_reuse_prevention").filter(|n| *n > 0),
        hard_expiry: flag("hard_expiry"),
    });
}

/// The model ARN of identity `name` of `kind`, created as a stand-in when
/// the plan does not manage it (everything about it but what this plan
/// adds is unknown).
fn identity(cx: &Ctx<'_>, e: &mut Emit, kind: Kind, name: &str, by: &Instance) -> String {
    let iam = &e.account.iam;
    let found = match kind {
        Kind::User => iam
            .users
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.arn.clone()),
        Kind::Group => iam
            .groups
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.arn.clone()),
        Kind::Role => iam
            .roles
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.arn.clone()),
    };
    if let Some(arn) = found {
        return arn;
    }
    let why = format!(
        "{} {name} is not managed in this plan (referenced by {}): only what the plan adds to it is known",
        kind.rtype(),
        by.address
    );
    stand_in(cx, e, kind, name, &why, by)
}

/// A stand-in identity `name` of `kind`: everything about it but what the
/// plan adds is unknown, for reason `why`. Returns its model ARN.
fn stand_in(
    cx: &Ctx<'_>,
    e: &mut Emit,
    kind: Kind,
    name: &str,
    why: &str,
    by: &Instance,
) -> String {
    let arn = format!("{}#{}/{name}", cx.uri, kind.rtype());
    e.locate(&arn, by.pos);
    e.unknown(&arn, "(resource)", why);
    let iam = &mut e.account.iam;
    let exists = match kind {
        Kind::User => iam.users.iter().any(|u| u.arn == arn),
        Kind::Group => iam.groups.iter().any(|g| g.arn == arn),
        Kind::Role => iam.roles.iter().any(|r| r.arn == arn),
    };
    if exists {
        return arn;
    }
    match kind {
        Kind::User => iam.users.push(User {
            arn: arn.clone(),
            name: name.to_owned(),
            path: "/".into(),
            ..User::default()
        }),
        Kind::Group => iam.groups.push(Group {
            arn: arn.clone(),
            name: name.to_owned(),
            ..Group::default()
        }),
        Kind::Role => iam.roles.push(Role {
            arn: arn.clone(),
            name: name.to_owned(),
            path: "/".into(),
            ..Role::default()
        }),
    }
    arn
}

/// The owner kind and attribute of an inline policy or attachment type.
fn owner_kind(rtype: &str) -> Option<(Kind, &'static str)> {
    if rtype.starts_with("aws_iam_user_") {
        Some((Kind::User, "user"))
    } else if rtype.starts_with("aws_iam_group_") {
        Some((Kind::Group, "group"))
    } else if rtype.starts_with("aws_iam_role_") {
        Some((Kind::Role, "role"))
    } else {
        None
    }
}

/// The owner named by `attr` of `inst`. An owner that cannot be known is a
/// stand-in named by the attribute, itself unknown: what the plan grants it
/// is still seen (an attached policy counts as attached).
fn owner(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance, kind: Kind, attr: &str) -> Option<String> {
    let n = inst.get(attr)?;
    match cx.text(inst, n, &[(attr, None)]) {
        Val::Known(name) => Some(identity(cx, e, kind, &name, inst)),
        Val::Unknown(reason) => {
            let name = format!("{}.{attr}", inst.address);
            Some(stand_in(cx, e, kind, &name, &reason, inst))
        }
    }
}

fn with_identity(
    e: &mut Emit,
    kind: Kind,
    arn: &str,
    f: impl FnOnce(&mut Vec<String>, &mut Vec<InlinePolicy>),
) {
    let iam = &mut e.account.iam;
    match kind {
        Kind::User => {
            if let Some(u) = iam.users.iter_mut().find(|u| u.arn == arn) {
                f(&mut u.attached_policies, &mut u.inline_policies);
            }
        }
        Kind::Group => {
            if let Some(g) = iam.groups.iter_mut().find(|g| g.arn == arn) {
                f(&mut g.attached_policies, &mut g.inline_policies);
            }
        }
        Kind::Role => {
            if let Some(r) = iam.roles.iter_mut().find(|r| r.arn == arn) {
                f(&mut r.attached_policies, &mut r.inline_policies);
            }
        }
    }
}

/// Maps `aws_iam_user_policy`, `aws_iam_group_policy`, `aws_iam_role_policy`.
pub fn inline_policy(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some((kind, attr)) = owner_kind(&inst.rtype) else {
        return;
    };
    let Some(owner) = owner(cx, e, inst, kind, attr) else {
        return;
    };
    let name = cx.name_of(inst);
    let id = format!("{owner}#inline/{name}");
    e.locate(&id, inst.pos);
    let what = format!("{} policy", inst.address);
    let document = document(e, inst.get("policy"), &id, "policy", &what);
    with_identity(e, kind, &owner, |_, inline| {
        inline.retain(|p| p.name != name);
        inline.push(InlinePolicy { name, document });
    });
}

/// Maps every policy attachment form: `aws_iam_{user,group,role}_policy_attachment`
/// and `aws_iam_policy_attachment` (`users`, `groups`, `roles` lists).
pub fn attachment(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let mut owners: Vec<(Kind, String)> = Vec::new();
    if let Some((kind, attr)) = owner_kind(&inst.rtype) {
        if let Some(o) = owner(cx, e, inst, kind, attr) {
            owners.push((kind, o));
        }
    } else {
        for (kind, attr) in [
            (Kind::User, "users"),
            (Kind::Group, "groups"),
            (Kind::Role, "roles"),
        ] {
            let Some(n) = inst.get(attr) else { continue };
            match cx.texts(inst, n, &[(attr, None)]) {
                Ok(names) => {
                    for name in names {
                        owners.push((kind, identity(cx, e, kind, &name, inst)));
                    }
                }
                Err(reason) => {
                    let name = format!("{}.{attr}", inst.address);
                    owners.push((kind, stand_in(cx, e, kind, &name, &reason, inst)));
                }
            }
        }
    }
    let arn_node = inst.get("policy_arn");
    let arn = match arn_node.map(|n| cx.text(inst, n, &[("policy_arn", None)])) {
        Some(Val::Known(a)) => attach_arn(cx, e, a, arn_node.map_or(inst.pos, |n| n.pos)),
        Some(Val::Unknown(reason)) => {
            for (_, o) in &owners {
                e.unknown(o, &format!("{}.policy_arn", inst.address), &reason);
            }
            return;
        }
        None => return,
    };
    for (kind, o) in owners {
        with_identity(e, kind, &o, |attached, _| {
            if !attached.contains(&arn) {
                attached.push(arn.clone());
            }
        });
    }
}

/// The identity names attribute `attr` of `inst` gives (one, or a list);
/// names that cannot be known become a stand-in named by the attribute.
fn names(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance, attr: &str, kind: Kind) -> Vec<String> {
    let Some(n) = inst.get(attr) else {
        return Vec::new();
    };
    let site = [(attr, None)];
    let got = match &n.value {
        Value::List(_) => cx.texts(inst, n, &site),
        _ => match cx.text(inst, n, &site) {
            Val::Known(v) => Ok(vec![v]),
            Val::Unknown(r) => Err(r),
        },
    };
    got.unwrap_or_else(|reason| {
        let name = format!("{}.{attr}", inst.address);
        stand_in(cx, e, kind, &name, &reason, inst);
        vec![name]
    })
}

/// Maps `aws_iam_user_group_membership` (`user`, `groups`) and
/// `aws_iam_group_membership` (`group`, `users`).
pub fn membership(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let (users, groups) = if inst.rtype == "aws_iam_user_group_membership" {
        ("user", "groups")
    } else {
        ("users", "group")
    };
    let users = names(cx, e, inst, users, Kind::User);
    let groups = names(cx, e, inst, groups, Kind::Group);
    for group in &groups {
        identity(cx, e, Kind::Group, group, inst);
    }
    for user in users {
        let arn = identity(cx, e, Kind::User, &user, inst);
        if let Some(u) = e.account.iam.users.iter_mut().find(|u| u.arn == arn) {
            for g in &groups {
                if !u.groups.contains(g) {
                    u.groups.push(g.clone());
                }
            }
        }
    }
}

/// Maps `aws_iam_user_login_profile`: the user has a console password.
pub fn login_profile(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    if let Some(arn) = owner(cx, e, inst, Kind::User, "user") {
        if let Some(u) = e.account.iam.users.iter_mut().find(|u| u.arn == arn) {
            u.password_enabled = true;
        }
    }
}

/// Maps `aws_iam_access_key` (status `Active` unless set otherwise).
pub fn access_key(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let Some(arn) = owner(cx, e, inst, Kind::User, "user") else {
        return;
    };
    let key_id = inst
        .get("id")
        .and_then(Node::as_str)
        .map_or_else(|| inst.address.clone(), str::to_owned);
    let kid = format!("{arn}/access-key/{key_id}");
    e.locate(&kid, inst.pos);
    let status = match inst
        .get("status")
        .map(|n| cx.text(inst, n, &[("status", None)]))
    {
        Some(Val::Known(s)) => s,
        Some(Val::Unknown(r)) => {
            e.unknown(&kid, "status", &r);
            "Active".to_owned()
        }
        None => "Active".to_owned(),
    };
    if let Some(u) = e.account.iam.users.iter_mut().find(|u| u.arn == arn) {
        u.access_keys.push(AccessKey {
            access_key_id: key_id,
            status,
            ..AccessKey::default()
        });
    }
}

/// Counts attachments and permissions-boundary uses on the plan's
/// managed policies (what IAM reports as AttachmentCount and
/// PermissionsBoundaryUsageCount once applied).
pub fn finish(cx: &Ctx<'_>, e: &mut Emit) {
    let mut boundaries: BTreeMap<String, i64> = BTreeMap::new();
    for inst in &cx.instances {
        if !matches!(inst.rtype.as_str(), "aws_iam_user" | "aws_iam_role") {
            continue;
        }
        let Some(n) = inst.get("permissions_boundary") else {
            continue;
        };
        match cx.text(inst, n, &[("permissions_boundary", None)]) {
            Val::Known(arn) => *boundaries.entry(attach_arn(cx, e, arn, n.pos)).or_default() += 1,
            Val::Unknown(reason) => e.unknown(&cx.id(inst), "permissions_boundary", &reason),
        }
    }
    let iam = &mut e.account.iam;
    let attached: Vec<&String> = iam
        .users
        .iter()
        .flat_map(|u| &u.attached_policies)
        .chain(iam.groups.iter().flat_map(|g| &g.attached_policies))
        .chain(iam.roles.iter().flat_map(|r| &r.attached_policies))
        .collect();
    let counts: Vec<i64> = iam
        .policies
        .iter()
        .map(|p| attached.iter().filter(|a| ***a == p.arn).count() as i64)
        .collect();
    for (p, c) in iam.policies.iter_mut().zip(counts) {
        p.attachment_count = c;
        p.permissions_boundary_usage_count = Some(boundaries.get(&p.arn).copied().unwrap_or(0));
    }
}
