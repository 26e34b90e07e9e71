//! IAM resources: users, groups, roles (trust policy), customer managed
//! policies, inline policies in every form (`Policies`, AWS::IAM::Policy,
//! RolePolicy / UserPolicy / GroupPolicy), managed policy attachments in
//! every form (`ManagedPolicyArns`, the policy's `Users` / `Groups` /
//! `Roles`), group membership (`Groups`, UserToGroupAddition) and access
//! keys.
//!
//! A `Ref` of a user, group or role is its name, of a managed policy its
//! ARN: here the policy's model id, which every attachment lists, so the
//! graph joins them. Identities named by a literal name are looked up by
//! name among the template's; one outside the template keeps no
//! attachment (a managed policy still counts it in `attachment_count`).

use palisade_model::iam::{AccessKey, Group, InlinePolicy, ManagedPolicy, Role, User};

use super::{document, list, name_of, prop, statement_index, statement_positions, text, Cx};
use crate::aws_managed;
use crate::cfn::template::Resource;
use crate::emit::Emit;
use crate::value::{Node, Value, UNKNOWN_PLACEHOLDER};

const USER: &str = "AWS::IAM::User";
const GROUP: &str = "AWS::IAM::Group";
const ROLE: &str = "AWS::IAM::Role";
const MANAGED: &str = "AWS::IAM::ManagedPolicy";

/// Types mapped in the first pass.
pub(super) const PRIMARY: &[&str] = &[USER, GROUP, ROLE, MANAGED];

/// The kinds of identity, with their resource type and name property.
#[derive(Clone, Copy)]
enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    fn resource_type(self) -> &'static str {
        match self {
            Kind::User => USER,
            Kind::Group => GROUP,
            Kind::Role => ROLE,
        }
    }

    fn name_key(self) -> &'static str {
        match self {
            Kind::User => "UserName",
            Kind::Group => "GroupName",
            Kind::Role => "RoleName",
        }
    }
}

/// Maps the identities and managed policies; false for other types.
pub(super) fn primary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        USER => user(e, cx, r),
        GROUP => group(e, cx, r),
        ROLE => role(e, cx, r),
        MANAGED => managed_policy(e, r),
        _ => return false,
    }
    true
}

/// Maps the attachments; false for types not mapped here. The managed
/// policy's own attachments are mapped here (the identities exist now).
pub(super) fn secondary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        MANAGED => managed_policy_attachments(e, cx, r),
        "AWS::IAM::Policy" => standalone_policy(e, cx, r),
        "AWS::IAM::RolePolicy" => owned_policy(e, cx, r, Kind::Role),
        "AWS::IAM::UserPolicy" => owned_policy(e, cx, r, Kind::User),
        "AWS::IAM::GroupPolicy" => owned_policy(e, cx, r, Kind::Group),
        "AWS::IAM::UserToGroupAddition" => group_addition(e, cx, r),
        "AWS::IAM::AccessKey" => access_key(e, cx, r),
        _ => return false,
    }
    true
}

fn user(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let mut groups = Vec::new();
    for (p, n) in list(e, &id, "Groups", prop(r, "Groups")) {
        match identity(e, cx, Kind::Group, &id, &p, n) {
            Identity::Template(g) => groups.push(name_of(g, "GroupName")),
            Identity::External(name) => groups.push(name),
            Identity::Unknown => {}
        }
    }
    let u = User {
        arn: id.clone(),
        name: name_of(r, "UserName"),
        path: name_or(r, "Path", "/"),
        password_enabled: prop(r, "LoginProfile").is_some(),
        groups,
        attached_policies: managed_arns(e, cx, &id, r),
        inline_policies: inline_policies(e, &id, r),
        tags: super::tags(r),
        ..User::default()
    };
    e.account.iam.users.push(u);
}

fn group(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let g = Group {
        arn: id.clone(),
        name: name_of(r, "GroupName"),
        attached_policies: managed_arns(e, cx, &id, r),
        inline_policies: inline_policies(e, &id, r),
    };
    e.account.iam.groups.push(g);
}

fn role(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let doc_node = prop(r, "AssumeRolePolicyDocument");
    for (i, pos) in statement_positions(doc_node).into_iter().enumerate() {
        e.locate(&format!("{id}#trust/{i}"), pos);
    }
    let mut unknowns = Vec::new();
    let trust_policy = document("AssumeRolePolicyDocument", doc_node, &mut |p, why| {
        unknowns.push((p.to_owned(), why.to_owned()));
    });
    for (p, why) in unknowns {
        // Trust statements are sub-resources of the role: an unknown in
        // one of them leaves the others (and the role) judged.
        let on = match statement_index(&p) {
            Some(i) => format!("{id}#trust/{i}"),
            None => format!("{id}#trust"),
        };
        e.unknown(&on, &p, &why);
    }
    let role = Role {
        arn: id.clone(),
        name: name_of(r, "RoleName"),
        path: name_or(r, "Path", "/"),
        trust_policy,
        attached_policies: managed_arns(e, cx, &id, r),
        inline_policies: inline_policies(e, &id, r),
        tags: super::tags(r),
        ..Role::default()
    };
    e.account.iam.roles.push(role);
}

fn managed_policy(e: &mut Emit, r: &Resource) {
    let id = e.id(&r.logical_id);
    let document = policy_document(e, &id, "PolicyDocument", prop(r, "PolicyDocument"));
    e.account.iam.policies.push(ManagedPolicy {
        arn: id,
        name: name_of(r, "ManagedPolicyName"),
        path: name_or(r, "Path", "/"),
        default_version_id: Some("v1".to_owned()),
        attachment_count: 0,
        permissions_boundary_usage_count: None,
        document,
    });
}

/// The policy's `Users` / `Groups` / `Roles`: an attachment on each
/// template identity; each one outside the template is counted.
fn managed_policy_attachments(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let mut external = 0;
    for kind in [Kind::User, Kind::Group, Kind::Role] {
        let key = match kind {
            Kind::User => "Users",
            Kind::Group => "Groups",
            Kind::Role => "Roles",
        };
        for (p, n) in list(e, &id, key, prop(r, key)) {
            // An owner unknown before deployment leaves whether (and how
            // often) the policy is attached unknown, not what it grants.
            if let Some(why) = n.unknown_reason() {
                e.unknown_attrs(&id, &p, why, crate::cfn::resources::ATTACHMENT_ATTRS);
                external += 1;
                continue;
            }
            match identity(e, cx, kind, &id, &p, n) {
                Identity::Template(owner) => {
                    let owner = e.id(&owner.logical_id);
                    // Attaching twice (here and in the identity's
                    // ManagedPolicyArns) is one attachment, as in IAM.
                    if let Some(list) = attached_mut(e, kind, &owner) {
                        if !list.contains(&id) {
                            list.push(id.clone());
                        }
                    }
                }
                Identity::External(_) | Identity::Unknown => external += 1,
            }
        }
    }
    if let Some(p) = e.account.iam.policies.iter_mut().find(|p| p.arn == id) {
        p.attachment_count += external;
    }
}

/// AWS::IAM::Policy: an inline policy on each template identity it names.
/// One that names none of the template's identities is counted as
/// uncovered (its owners are outside the template, so there is nothing
/// to judge its statements as part of).
fn standalone_policy(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let own = e.id(&r.logical_id);
    let mut owners = Vec::new();
    for (kind, key) in [
        (Kind::User, "Users"),
        (Kind::Group, "Groups"),
        (Kind::Role, "Roles"),
    ] {
        for (p, n) in list(e, &own, key, prop(r, key)) {
            if let Identity::Template(o) = identity(e, cx, kind, &own, &p, n) {
                owners.push((kind, e.id(&o.logical_id)));
            }
        }
    }
    if owners.is_empty() {
        e.uncovered(&r.resource_type);
        return;
    }
    for (kind, owner) in owners {
        add_inline(e, kind, &owner, r);
    }
}

/// RolePolicy / UserPolicy / GroupPolicy: an inline policy on the one
/// identity named by `RoleName` / `UserName` / `GroupName`.
fn owned_policy(e: &mut Emit, cx: &Cx<'_>, r: &Resource, kind: Kind) {
    let own = e.id(&r.logical_id);
    let key = kind.name_key();
    let owner = prop(r, key).map(|n| identity(e, cx, kind, &own, key, n));
    match owner {
        Some(Identity::Template(o)) => {
            let owner = e.id(&o.logical_id);
            add_inline(e, kind, &owner, r);
        }
        _ => e.uncovered(&r.resource_type),
    }
}

/// Adds the inline policy of resource `r` (`PolicyName`, `PolicyDocument`)
/// to `owner`.
fn add_inline(e: &mut Emit, kind: Kind, owner: &str, r: &Resource) {
    let name = name_of(r, "PolicyName");
    // Unknowns are recorded on the owner's inline policy, named by the
    // resource that writes them.
    let doc_prop = format!("{}.PolicyDocument", r.logical_id);
    let p = inline_policy(e, owner, &name, &doc_prop, prop(r, "PolicyDocument"), r.pos);
    let policies = match kind {
        Kind::User => e
            .account
            .iam
            .users
            .iter_mut()
            .find(|u| u.arn == owner)
            .map(|u| &mut u.inline_policies),
        Kind::Group => e
            .account
            .iam
            .groups
            .iter_mut()
            .find(|g| g.arn == owner)
            .map(|g| &mut g.inline_policies),
        Kind::Role => e
            .account
            .iam
            .roles
            .iter_mut()
            .find(|x| x.arn == owner)
            .map(|x| &mut x.inline_policies),
    };
    if let Some(list) = policies {
        list.push(p);
    }
}

fn group_addition(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let own = e.id(&r.logical_id);
    let group =
        match prop(r, "GroupName").map(|n| identity(e, cx, Kind::Group, &own, "GroupName", n)) {
            Some(Identity::Template(g)) => name_of(g, "GroupName"),
            Some(Identity::External(name)) => name,
            _ => return,
        };
    for (p, n) in list(e, &own, "Users", prop(r, "Users")) {
        if let Identity::Template(u) = identity(e, cx, Kind::User, &own, &p, n) {
            let uid = e.id(&u.logical_id);
            if let Some(user) = e.account.iam.users.iter_mut().find(|x| x.arn == uid) {
                if !user.groups.contains(&group) {
                    user.groups.push(group.clone());
                }
            }
        }
    }
}

/// AWS::IAM::AccessKey: a key on its user (id: the key's logical id),
/// active unless `Status` says `Inactive`; no dates (unknown before
/// deployment, and no rule reads them on IaC input).
fn access_key(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let own = e.id(&r.logical_id);
    let user = match prop(r, "UserName").map(|n| identity(e, cx, Kind::User, &own, "UserName", n)) {
        Some(Identity::Template(u)) => e.id(&u.logical_id),
        _ => {
            e.uncovered(&r.resource_type);
            return;
        }
    };
    let key_id = format!("{user}/access-key/{}", r.logical_id);
    e.locate(&key_id, r.pos);
    let status = match prop(r, "Status") {
        Some(n) => text(e, &key_id, "Status", n),
        None => Some("Active".to_owned()),
    };
    let status = match status.as_deref() {
        Some(s) if s.eq_ignore_ascii_case("inactive") => "Inactive",
        _ => "Active",
    };
    if let Some(u) = e.account.iam.users.iter_mut().find(|u| u.arn == user) {
        u.access_keys.push(AccessKey {
            access_key_id: r.logical_id.clone(),
            status: status.to_owned(),
            ..AccessKey::default()
        });
    }
}

/// Attachment counts and permissions-boundary use, as written in the
/// template: each policy counts the identities that list it (plus those
/// outside the template, counted when mapped) and the users and roles
/// whose `PermissionsBoundary` names it.
pub(super) fn finish(e: &mut Emit, cx: &Cx<'_>) {
    let mut boundaries: Vec<String> = Vec::new();
    for r in cx.of_type(USER).chain(cx.of_type(ROLE)) {
        match prop(r, "PermissionsBoundary").map(|n| &n.value) {
            Some(Value::Ref { target, .. }) => boundaries.push(e.id(target)),
            Some(Value::String(s)) => boundaries.push(s.clone()),
            _ => {}
        }
    }
    let iam = &mut e.account.iam;
    let listed: Vec<String> = iam
        .users
        .iter()
        .flat_map(|u| &u.attached_policies)
        .chain(iam.groups.iter().flat_map(|g| &g.attached_policies))
        .chain(iam.roles.iter().flat_map(|r| &r.attached_policies))
        .cloned()
        .collect();
    for p in &mut iam.policies {
        let n = listed.iter().filter(|a| **a == p.arn).count();
        p.attachment_count += i64::try_from(n).unwrap_or(i64::MAX);
        let b = boundaries.iter().filter(|a| **a == p.arn).count();
        p.permissions_boundary_usage_count = Some(i64::try_from(b).unwrap_or(i64::MAX));
    }
}

/// Who a `Ref` or a name designates.
enum Identity<'t> {
    /// A user, group or role of the template.
    Template(&'t Resource),
    /// A name outside the template.
    External(String),
    /// Unknown (recorded).
    Unknown,
}

/// The identity of kind `kind` that `n` names: a `Ref` to a template
/// identity, or a literal name looked up among the template's.
fn identity<'t>(
    e: &mut Emit,
    cx: &Cx<'t>,
    kind: Kind,
    id: &str,
    p: &str,
    n: &Node,
) -> Identity<'t> {
    if let Some(t) = cx.target(n, kind.resource_type()) {
        return Identity::Template(t);
    }
    let Some(name) = text(e, id, p, n) else {
        return Identity::Unknown;
    };
    match cx.named(kind.resource_type(), &name) {
        Some(t) => Identity::Template(t),
        None => Identity::External(name),
    }
}

/// The attached-policy list of the identity `arn` of kind `kind`.
fn attached_mut<'a>(e: &'a mut Emit, kind: Kind, arn: &str) -> Option<&'a mut Vec<String>> {
    let iam = &mut e.account.iam;
    match kind {
        Kind::User => iam
            .users
            .iter_mut()
            .find(|u| u.arn == arn)
            .map(|u| &mut u.attached_policies),
        Kind::Group => iam
            .groups
            .iter_mut()
            .find(|g| g.arn == arn)
            .map(|g| &mut g.attached_policies),
        Kind::Role => iam
            .roles
            .iter_mut()
            .find(|r| r.arn == arn)
            .map(|r| &mut r.attached_policies),
    }
}

/// `ManagedPolicyArns` of identity `id`: a template policy's model id, an
/// AWS managed policy's ARN (its document added when the rules judge it,
/// see [`aws_managed`]), or another ARN as written. An unknown entry is
/// recorded on the identity and kept as a placeholder (something is
/// attached).
fn managed_arns(e: &mut Emit, cx: &Cx<'_>, id: &str, r: &Resource) -> Vec<String> {
    let mut out = Vec::new();
    for (p, n) in list(e, id, "ManagedPolicyArns", prop(r, "ManagedPolicyArns")) {
        if let Some(t) = cx.target(n, MANAGED) {
            out.push(e.id(&t.logical_id));
            continue;
        }
        let Some(arn) = text(e, id, &p, n) else {
            out.push(UNKNOWN_PLACEHOLDER.to_owned());
            continue;
        };
        if let Some(t) = template_policy_by_arn(cx, &arn) {
            out.push(e.id(&t.logical_id));
        } else {
            if arn.contains(":iam::aws:policy/") {
                aws_managed::ensure(e, &arn);
                aws_managed::locate(e, &arn, n.pos);
            }
            out.push(arn);
        }
    }
    out
}

/// A template managed policy whose ARN (`...:policy<path><name>`) `arn`
/// spells out, when its name is written.
fn template_policy_by_arn<'t>(cx: &Cx<'t>, arn: &str) -> Option<&'t Resource> {
    if arn.contains(":iam::aws:policy/") {
        return None;
    }
    cx.of_type(MANAGED).find(|r| {
        let named = matches!(
            prop(r, "ManagedPolicyName").map(|n| &n.value),
            Some(Value::String(_))
        );
        named
            && arn.ends_with(&format!(
                ":policy{}{}",
                name_or(r, "Path", "/"),
                name_of(r, "ManagedPolicyName")
            ))
    })
}

/// The identity's `Policies`: each an inline policy located at its entry.
fn inline_policies(e: &mut Emit, owner: &str, r: &Resource) -> Vec<InlinePolicy> {
    let mut out = Vec::new();
    for (p, n) in list(e, owner, "Policies", prop(r, "Policies")) {
        let name = match n.get("PolicyName").map(|x| &x.value) {
            Some(Value::String(s)) => s.clone(),
            _ => p.clone(),
        };
        let doc_prop = format!("{p}.PolicyDocument");
        out.push(inline_policy(
            e,
            owner,
            &name,
            &doc_prop,
            n.get("PolicyDocument"),
            n.pos,
        ));
    }
    out
}

/// One inline policy `<owner>#inline/<name>` located at `pos`, its
/// statements at their actions, unknowns inside recorded on the policy.
fn inline_policy(
    e: &mut Emit,
    owner: &str,
    name: &str,
    doc_prop: &str,
    doc: Option<&Node>,
    pos: crate::value::Pos,
) -> InlinePolicy {
    let id = format!("{owner}#inline/{name}");
    e.locate(&id, pos);
    InlinePolicy {
        name: name.to_owned(),
        document: policy_document(e, &id, doc_prop, doc),
    }
}

/// A permissions document of policy `id`: statements located at their
/// actions, unknowns inside recorded on the policy (every statement's
/// facts and the policy's own depend on them).
fn policy_document(
    e: &mut Emit,
    id: &str,
    doc_prop: &str,
    doc: Option<&Node>,
) -> palisade_model::policy::PolicyDocument {
    for (i, pos) in statement_positions(doc).into_iter().enumerate() {
        e.locate(&format!("{id}#statement/{i}"), pos);
    }
    let mut unknowns = Vec::new();
    let d = document(doc_prop, doc, &mut |p, why| {
        unknowns.push((p.to_owned(), why.to_owned()));
    });
    for (p, why) in unknowns {
        e.unknown(id, &p, &why);
    }
    d
}

/// A literal string property, else `default`.
fn name_or(r: &Resource, key: &str, default: &str) -> String {
    match prop(r, key).map(|n| &n.value) {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => default.to_owned(),
    }
}
