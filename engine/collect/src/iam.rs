//! IAM collector (global): authorization details (users, groups, roles,
//! managed policies with decoded documents), the credential report (root
//! facts, console last use), password policy, account summary, virtual MFA
//! devices, and per user: login profile, MFA devices, access keys and their
//! last use.
//!
//! Per-user calls dominate a large account, so the account-wide sources
//! answer for them where they carry the same facts. GetAccountAuthorizationDetails
//! already carries every user's, group's and role's policies, groups, trust
//! policy and instance profiles. A credential report generated during this
//! collection (see [`CredentialReport::fresh`]) also tells, per user, that
//! there is no console password, no MFA device or no access key (so the call
//! that would list it is skipped), and each key's last use (matched to the key
//! by its creation time, so GetAccessKeyLastUsed is skipped). A report IAM
//! reused from up to four hours earlier can miss a key, password or device
//! created since: then every user is asked as before. Users the report has no
//! row for, and keys it does not match, are always asked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_sdk_iam::types::{ManagedPolicyDetail, PolicyDetail, ReportStateType};
use aws_sdk_iam::Client;
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt as _};
use palisade_model::credential_report::{parse_report, KeySlot, Report, ReportRow};
use palisade_model::iam::{
    AccessKey, Group, Iam, InlinePolicy, ManagedPolicy, MfaDevice, PasswordPolicy, Role,
    RootAccount, User,
};
use palisade_model::policy::PolicyDocument;

use crate::error;
use crate::ops;
use crate::pages::drain;
use crate::scope::{ts, Scope};

/// Collects the account's IAM data.
pub async fn collect(client: &Client, scope: &Scope) -> Iam {
    let (details, report, password_policy, summary, virtual_mfa) = tokio::join!(
        authorization_details(client, scope),
        credential_report(client, scope),
        password_policy(client, scope),
        summary(client, scope),
        virtual_mfa_devices(client, scope),
    );
    let (mut users, groups, roles, policies) = details;
    let empty = CredentialReport::default();
    let known = report.as_ref().unwrap_or(&empty);

    users = stream::iter(users)
        .map(|u| user_details(client, scope, u, known, &virtual_mfa))
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;

    let root = root_account(report.as_ref().map(|r| &r.rows), &summary, &virtual_mfa);
    if root.credential_report_row == Some(false) {
        tracing::warn!(account = %scope.account, "the credential report has no <root_account> row: root facts unknown");
    }
    Iam {
        root,
        password_policy,
        summary,
        users,
        groups,
        roles,
        policies,
    }
}

/// The root user's facts: the credential report's `<root_account>` row
/// first, the account summary where the row is missing (or, for the
/// password, where the summary says nothing). What neither source tells
/// stays unknown (`None`), never `false`.
fn root_account(
    report: Option<&Report>,
    summary: &BTreeMap<String, i64>,
    virtual_mfa: &[(String, Option<String>)],
) -> RootAccount {
    let row = report.and_then(|r| r.get("<root_account>"));
    let flag = |key: &str| summary.get(key).map(|v| *v > 0);
    let mfa_active = row
        .map(|r| r.mfa_active)
        .or_else(|| flag("AccountMFAEnabled"));
    let root_virtual = virtual_mfa
        .iter()
        .any(|(_, user)| user.as_deref().is_some_and(|a| a.ends_with(":root")));
    RootAccount {
        mfa_active,
        hardware_mfa: mfa_active.map(|m| m && !root_virtual),
        access_key_active: row
            .map(|r| r.key_active)
            .or_else(|| flag("AccountAccessKeysPresent")),
        password_present: flag("AccountPasswordPresent")
            .or_else(|| row.and_then(|r| r.password_enabled)),
        credential_report_row: report.map(|r| r.contains_key("<root_account>")),
        password_last_used: row.and_then(|r| r.password_last_used),
        access_key_last_used: row.and_then(|r| r.key_1_last_used.max(r.key_2_last_used)),
    }
}

/// A short summary for the progress display.
pub fn counts(i: &Iam) -> String {
    format!(
        "{} users, {} groups, {} roles, {} policies",
        i.users.len(),
        i.groups.len(),
        i.roles.len(),
        i.policies.len()
    )
}

/// A document that is missing from the answer or does not parse is kept as
/// unreadable (the evaluator reports errors for the checks over it), never
/// replaced by an empty one that every check would pass.
fn doc(text: Option<&str>, what: &str, scope: &Scope) -> PolicyDocument {
    let d = match text {
        Some(text) => PolicyDocument::read_text(text),
        None => PolicyDocument::unreadable(serde_json::Value::Null, "no document in the response"),
    };
    if let Some(e) = d.unreadable_reason() {
        tracing::warn!(account = %scope.account, what, error = %e, "unreadable policy document");
    }
    d
}

fn inline(list: &[PolicyDetail], owner: &str, scope: &Scope) -> Vec<InlinePolicy> {
    list.iter()
        .map(|p| {
            let name = p.policy_name().unwrap_or_default().to_owned();
            InlinePolicy {
                document: doc(
                    p.policy_document(),
                    &format!("{owner} inline {name}"),
                    scope,
                ),
                name,
            }
        })
        .collect()
}

fn tag_map(tags: &[aws_sdk_iam::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn attached(list: &[aws_sdk_iam::types::AttachedPolicy]) -> Vec<String> {
    list.iter()
        .filter_map(|p| p.policy_arn().map(str::to_owned))
        .collect()
}

fn user(u: &aws_sdk_iam::types::UserDetail, scope: &Scope) -> Option<User> {
    let (arn, name) = (u.arn()?, u.user_name()?);
    Some(User {
        arn: arn.to_owned(),
        name: name.to_owned(),
        path: u.path().unwrap_or("/").to_owned(),
        create_date: ts(u.create_date()),
        groups: u.group_list().to_vec(),
        attached_policies: attached(u.attached_managed_policies()),
        inline_policies: inline(u.user_policy_list(), arn, scope),
        tags: tag_map(u.tags()),
        ..User::default()
    })
}

fn group(g: &aws_sdk_iam::types::GroupDetail, scope: &Scope) -> Option<Group> {
    let (arn, name) = (g.arn()?, g.group_name()?);
    Some(Group {
        arn: arn.to_owned(),
        name: name.to_owned(),
        attached_policies: attached(g.attached_managed_policies()),
        inline_policies: inline(g.group_policy_list(), arn, scope),
    })
}

fn role(r: &aws_sdk_iam::types::RoleDetail, scope: &Scope) -> Option<Role> {
    let (arn, name) = (r.arn()?, r.role_name()?);
    Some(Role {
        arn: arn.to_owned(),
        name: name.to_owned(),
        path: r.path().unwrap_or("/").to_owned(),
        create_date: ts(r.create_date()),
        last_used: ts(r.role_last_used().and_then(|l| l.last_used_date())),
        trust_policy: doc(r.assume_role_policy_document(), arn, scope),
        attached_policies: attached(r.attached_managed_policies()),
        inline_policies: inline(r.role_policy_list(), arn, scope),
        instance_profiles: r
            .instance_profile_list()
            .iter()
            .map(|p| p.arn().to_owned())
            .collect(),
        tags: tag_map(r.tags()),
    })
}

type Details = (Vec<User>, Vec<Group>, Vec<Role>, Vec<ManagedPolicy>);

async fn authorization_details(client: &Client, scope: &Scope) -> Details {
    let pages = client
        .get_account_authorization_details()
        .into_paginator()
        .send();
    // A listing cut short keeps what it read: each principal and policy is
    // judged on its own documents, and the gap keeps IAM rules from passing
    // (rules that judge absence depend on this operation).
    let pages = drain(scope, &ops::IAM_GET_ACCOUNT_AUTHORIZATION_DETAILS, pages)
        .await
        .with_partial();
    let users: Vec<User> = pages
        .iter()
        .flat_map(|p| p.user_detail_list())
        .filter_map(|u| user(u, scope))
        .collect();
    let groups: Vec<Group> = pages
        .iter()
        .flat_map(|p| p.group_detail_list())
        .filter_map(|g| group(g, scope))
        .collect();
    let roles: Vec<Role> = pages
        .iter()
        .flat_map(|p| p.role_detail_list())
        .filter_map(|r| role(r, scope))
        .collect();
    let all_policies: Vec<&ManagedPolicyDetail> = pages.iter().flat_map(|p| p.policies()).collect();
    // Permissions boundaries named by the users and roles read, per policy
    // ARN: where the answer lacks PermissionsBoundaryUsageCount, these count.
    let mut boundaries: HashMap<&str, i64> = HashMap::new();
    let user_boundaries = pages
        .iter()
        .flat_map(|p| p.user_detail_list())
        .filter_map(|u| u.permissions_boundary());
    let role_boundaries = pages
        .iter()
        .flat_map(|p| p.role_detail_list())
        .filter_map(|r| r.permissions_boundary());
    for arn in user_boundaries
        .chain(role_boundaries)
        .filter_map(|b| b.permissions_boundary_arn())
    {
        *boundaries.entry(arn).or_default() += 1;
    }
    // Customer managed policies, and the AWS managed ones something uses.
    let referenced: BTreeSet<&str> = users
        .iter()
        .flat_map(|u| &u.attached_policies)
        .chain(groups.iter().flat_map(|g| &g.attached_policies))
        .chain(roles.iter().flat_map(|r| &r.attached_policies))
        .map(String::as_str)
        .collect();
    let mut policies: Vec<ManagedPolicy> = all_policies
        .into_iter()
        .filter_map(|p| {
            let arn = p.arn()?;
            let attachments = i64::from(p.attachment_count().unwrap_or(0));
            let aws_managed = arn.contains(":iam::aws:policy/");
            if aws_managed && attachments == 0 && !referenced.contains(arn) {
                return None;
            }
            let default = p
                .policy_version_list()
                .iter()
                .find(|v| v.is_default_version())
                .or_else(|| p.policy_version_list().first());
            Some(ManagedPolicy {
                arn: arn.to_owned(),
                // Some endpoints omit PolicyName: the ARN's last segment is the name.
                name: p
                    .policy_name()
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| ManagedPolicy::name_in_arn(arn))
                    .to_owned(),
                path: p.path().unwrap_or("/").to_owned(),
                default_version_id: p.default_version_id().map(str::to_owned),
                attachment_count: attachments,
                permissions_boundary_usage_count: Some(
                    p.permissions_boundary_usage_count()
                        .map(i64::from)
                        .unwrap_or(0)
                        .max(boundaries.get(arn).copied().unwrap_or(0)),
                ),
                document: doc(default.and_then(|v| v.document()), arn, scope),
            })
        })
        .collect();
    policies.sort_by(|a, b| a.arn.cmp(&b.arn));
    policies.dedup_by(|a, b| a.arn == b.arn);
    (users, groups, roles, policies)
}

/// The credential report's rows and whether they hold for now.
#[derive(Debug, Default)]
struct CredentialReport {
    rows: Report,
    /// The report was generated by this collection's request (its first
    /// GenerateCredentialReport did not answer COMPLETE, or the report's
    /// GeneratedTime is not before the request): what it says a user lacks,
    /// the user lacks. IAM hands out a report up to four hours old instead of
    /// generating one, and that one can miss what was created since.
    fresh: bool,
}

impl CredentialReport {
    /// The row for `user` when the report is fresh.
    fn fresh_row(&self, user: &str) -> Option<&ReportRow> {
        self.fresh.then(|| self.rows.get(user)).flatten()
    }
}

async fn credential_report(client: &Client, scope: &Scope) -> Option<CredentialReport> {
    let generate = &ops::IAM_GENERATE_CREDENTIAL_REPORT;
    let get = &ops::IAM_GET_CREDENTIAL_REPORT;
    let asked = Utc::now();
    let mut generated_now = false;
    // Generation takes seconds on AWS; poll with a bounded wait.
    let mut delay = Duration::from_millis(200);
    for attempt in 0..30 {
        let out = scope.check(generate, client.generate_credential_report().send().await)?;
        if out.state() == Some(&ReportStateType::Complete) {
            break;
        }
        if attempt == 0 {
            generated_now = true;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(3));
    }
    match client.get_credential_report().send().await {
        Ok(out) => {
            scope.ok(get);
            let bytes = out
                .content()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default();
            let fresh = generated_now || ts(out.generated_time()).is_some_and(|t| t >= asked);
            Some(CredentialReport {
                rows: parse_report(&String::from_utf8_lossy(&bytes)),
                fresh,
            })
        }
        Err(e) => {
            scope.fail(get, error::describe(&e));
            None
        }
    }
}

async fn password_policy(client: &Client, scope: &Scope) -> Option<PasswordPolicy> {
    let res = client.get_account_password_policy().send().await;
    // No policy set (NoSuchEntity): a fact, not a gap.
    let out = scope
        .check_optional(&ops::IAM_GET_ACCOUNT_PASSWORD_POLICY, res, "NoSuchEntity")
        .flatten()?;
    out.password_policy().map(|p| PasswordPolicy {
        minimum_password_length: p.minimum_password_length().map(i64::from).unwrap_or(0),
        require_symbols: p.require_symbols(),
        require_numbers: p.require_numbers(),
        require_uppercase: p.require_uppercase_characters(),
        require_lowercase: p.require_lowercase_characters(),
        allow_users_to_change: p.allow_users_to_change_password(),
        max_password_age: p.max_password_age().map(i64::from),
        password_reuse_prevention: p.password_reuse_prevention().map(i64::from),
        hard_expiry: p.hard_expiry().unwrap_or(false),
    })
}

async fn summary(client: &Client, scope: &Scope) -> BTreeMap<String, i64> {
    let op = &ops::IAM_GET_ACCOUNT_SUMMARY;
    scope
        .check(op, client.get_account_summary().send().await)
        .map(|out| {
            out.summary_map()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.as_str().to_owned(), i64::from(*v)))
                        .collect()
                })
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

/// Virtual MFA devices: (serial number, ARN of the user it is assigned to).
async fn virtual_mfa_devices(client: &Client, scope: &Scope) -> Vec<(String, Option<String>)> {
    let pages = client.list_virtual_mfa_devices().into_paginator().send();
    // A listing cut short keeps what it read; the gap keeps IAM rules from
    // passing (the MFA rules depend on IAM as a whole).
    drain(scope, &ops::IAM_LIST_VIRTUAL_MFA_DEVICES, pages)
        .await
        .flat_map(|p| {
            p.virtual_mfa_devices().iter().map(|d| {
                (
                    d.serial_number().to_owned(),
                    d.user().map(|u| u.arn().to_owned()),
                )
            })
        })
        .with_partial()
}

async fn user_details(
    client: &Client,
    scope: &Scope,
    mut user: User,
    report: &CredentialReport,
    virtual_mfa: &[(String, Option<String>)],
) -> User {
    let name = user.name.clone();
    let row = report.fresh_row(&name);
    // What a fresh report says the user lacks needs no call.
    let no_password = row.is_some_and(|r| r.password_enabled == Some(false));
    let no_mfa = row.is_some_and(|r| r.mfa == Some(false));
    let slots = row.and_then(|r| r.keys.as_deref());
    let (login, mfa, keys) = tokio::join!(
        async {
            if no_password {
                None
            } else {
                login_profile(client, scope, &name).await
            }
        },
        async {
            if no_mfa {
                Vec::new()
            } else {
                mfa_devices(client, scope, &name, virtual_mfa).await
            }
        },
        async {
            if slots.is_some_and(<[KeySlot]>::is_empty) {
                Vec::new()
            } else {
                access_keys(client, scope, &name, slots.unwrap_or_default()).await
            }
        },
    );
    user.password_enabled = login.is_some();
    user.login_profile_create_date = login.flatten();
    user.mfa_devices = mfa;
    user.access_keys = keys;
    user.password_last_used = report.rows.get(&name).and_then(|r| r.password_last_used);
    user
}

/// The user's console password, if it has one (no login profile: a fact),
/// with the login profile's creation date.
async fn login_profile(
    client: &Client,
    scope: &Scope,
    user: &str,
) -> Option<Option<DateTime<Utc>>> {
    let res = client.get_login_profile().user_name(user).send().await;
    scope
        .check_optional(&ops::IAM_GET_LOGIN_PROFILE, res, "NoSuchEntity")
        .flatten()
        .map(|out| ts(out.login_profile().map(|p| p.create_date())))
}

async fn mfa_devices(
    client: &Client,
    scope: &Scope,
    user: &str,
    virtual_mfa: &[(String, Option<String>)],
) -> Vec<MfaDevice> {
    let pages = client
        .list_mfa_devices()
        .user_name(user)
        .into_paginator()
        .send();
    // Devices read are devices the user has; the gap keeps the MFA rules
    // (which depend on ListMFADevices) from judging this user.
    drain(scope, &ops::IAM_LIST_MFA_DEVICES, pages)
        .await
        .flat_map(|p| {
            p.mfa_devices().iter().map(|d| {
                let serial = d.serial_number();
                let is_virtual = virtual_mfa.iter().any(|(s, _)| s == serial)
                    || (serial.starts_with("arn:") && serial.contains(":mfa/"));
                MfaDevice {
                    serial_number: serial.to_owned(),
                    kind: if is_virtual { "virtual" } else { "hardware" }.to_owned(),
                    enable_date: ts(Some(d.enable_date())),
                }
            })
        })
        .with_partial()
}

/// The report slot that is this key: the one created in the same second
/// (the report's precision). Two keys created in the same second match both
/// slots; those tell this key's use only when they say the same.
fn slot_for<'a>(key: &AccessKey, slots: &'a [KeySlot]) -> Option<&'a KeySlot> {
    let created = key.create_date?.timestamp();
    let mut matching = slots.iter().filter(|s| s.created.timestamp() == created);
    let slot = matching.next()?;
    matching
        .all(|s| s.last_used == slot.last_used && s.service == slot.service)
        .then_some(slot)
}

/// The user's access keys, each with its last use: from the report slot that
/// matches it where the slot tells both date and service, else asked.
async fn access_keys(
    client: &Client,
    scope: &Scope,
    user: &str,
    slots: &[KeySlot],
) -> Vec<AccessKey> {
    let pages = client
        .list_access_keys()
        .user_name(user)
        .into_paginator()
        .send();
    // Keys read are keys the user has, each judged on its own data; the gap
    // keeps IAM rules from passing.
    let mut keys = drain(scope, &ops::IAM_LIST_ACCESS_KEYS, pages)
        .await
        .flat_map(|p| {
            p.access_key_metadata().iter().filter_map(|k| {
                Some(AccessKey {
                    access_key_id: k.access_key_id()?.to_owned(),
                    status: k
                        .status()
                        .map(|s| s.as_str().to_owned())
                        .unwrap_or_default(),
                    create_date: ts(k.create_date()),
                    ..AccessKey::default()
                })
            })
        })
        .with_partial();
    let last_used = &ops::IAM_GET_ACCESS_KEY_LAST_USED;
    let asks = keys.iter_mut().map(|key| async move {
        match slot_for(key, slots).map(|s| (s.last_used, s.service.clone())) {
            // Never used: no service either (GetAccessKeyLastUsed says `N/A`).
            Some((Some(None), _)) => return,
            Some((Some(Some(date)), Some(service))) => {
                key.last_used_date = Some(date);
                key.last_used_service = service;
                return;
            }
            _ => {}
        }
        let out = client
            .get_access_key_last_used()
            .access_key_id(&key.access_key_id)
            .send()
            .await;
        if let Some(used) = scope
            .check(last_used, out)
            .and_then(|o| o.access_key_last_used().cloned())
        {
            key.last_used_date = ts(used.last_used_date());
            key.last_used_service =
                Some(used.service_name().to_owned()).filter(|s| !s.is_empty() && s != "N/A");
        }
    });
    futures_util::future::join_all(asks).await;
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_model::credential_report::report_time;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n";

    #[test]
    fn credential_report_rows_and_commas_in_names() {
        let csv = format!("{HEADER}\
<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,true,2025-01-01T00:00:00+00:00,2026-11-20T08:00:00+00:00\n\
a,b,arn:aws:iam::111111111111:user/a,b,2020-01-01T00:00:00+00:00,true,no_information,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A\n");
        let r = parse_report(&csv);
        let root = &r["<root_account>"];
        assert!(root.mfa_active && root.key_active);
        assert_eq!(
            root.password_enabled, None,
            "not_supported is not a boolean"
        );
        assert_eq!(
            root.password_last_used.map(|t| t.to_rfc3339()),
            Some("2026-11-01T10:00:00+00:00".into())
        );
        assert_eq!(root.key_1_last_used, None, "N/A is not a date");
        assert_eq!(
            root.key_2_last_used.map(|t| t.to_rfc3339()),
            Some("2026-11-20T08:00:00+00:00".into())
        );
        let ab = &r["a,b"];
        assert!(!ab.mfa_active && !ab.key_active && ab.password_last_used.is_none());
        assert_eq!(ab.password_enabled, Some(true));
    }

    const FULL_HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n";

    fn at(t: &str) -> DateTime<Utc> {
        report_time(t).unwrap()
    }

    #[test]
    fn credential_report_key_slots_mfa_and_password() {
        let csv = format!("{FULL_HEADER}\
keyless,arn:aws:iam::1:user/keyless,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n\
two,arn:aws:iam::1:user/two,2024-01-01T00:00:00+00:00,true,no_information,N/A,N/A,true,true,2024-02-01T00:00:00+00:00,2026-11-01T00:00:00+00:00,us-east-1,s3,false,2024-03-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,false,N/A\n\
moto,arn:aws:iam::1:user/moto,2024-01-01T00:00:00+00:00,true,no_information,N/A,N/A,maybe,true,2024-02-01T00:00:00+00:00,2026-11-01T00:00:00+00:00,not_supported,not_supported,false,N/A,N/A,not_supported,not_supported,false,N/A,false,N/A\n\
odd,arn:aws:iam::1:user/odd,2024-01-01T00:00:00+00:00,true,N/A,N/A,N/A,false,true,yesterday,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        let r = parse_report(&csv);
        let keyless = &r["keyless"];
        assert_eq!(keyless.keys, Some(vec![]), "N/A in both slots: no key");
        assert_eq!(
            (keyless.mfa, keyless.password_enabled),
            (Some(false), Some(false))
        );
        let two = &r["two"];
        assert_eq!(
            two.keys,
            Some(vec![
                KeySlot {
                    created: at("2024-02-01T00:00:00+00:00"),
                    last_used: Some(Some(at("2026-11-01T00:00:00+00:00"))),
                    service: Some(Some("s3".into())),
                },
                KeySlot {
                    created: at("2024-03-01T00:00:00+00:00"),
                    last_used: Some(None),
                    service: Some(None),
                },
            ])
        );
        assert_eq!(two.mfa, Some(true));
        // moto says `not_supported` for the service: unknown, not "none";
        // an mfa_active that is neither true nor false is unknown too.
        let moto = &r["moto"];
        assert_eq!(moto.keys.as_ref().unwrap()[0].service, None);
        assert_eq!(moto.mfa, None);
        // A slot whose creation time is not a date: the keys are unknown.
        assert_eq!(r["odd"].keys, None);
    }

    #[test]
    fn a_key_takes_its_use_from_the_slot_created_in_the_same_second() {
        let slot = |created: &str, used: Option<Option<&str>>| KeySlot {
            created: at(created),
            last_used: used.map(|u| u.map(at)),
            service: Some(used.flatten().map(|_| "s3".to_owned())),
        };
        let key = |created: &str| AccessKey {
            access_key_id: "AKIA".into(),
            status: "Active".into(),
            // ListAccessKeys may carry fractions of a second; the report does not.
            create_date: Some(at(created) + chrono::Duration::milliseconds(250)),
            ..AccessKey::default()
        };
        let used = "2026-11-01T00:00:00+00:00";
        let slots = [
            slot("2024-02-01T00:00:00+00:00", Some(Some(used))),
            slot("2024-03-01T00:00:00+00:00", Some(None)),
        ];
        assert_eq!(
            slot_for(&key("2024-02-01T00:00:00+00:00"), &slots),
            Some(&slots[0])
        );
        assert_eq!(
            slot_for(&key("2024-03-01T00:00:00+00:00"), &slots),
            Some(&slots[1])
        );
        assert_eq!(
            slot_for(&key("2025-01-01T00:00:00+00:00"), &slots),
            None,
            "a key the report does not list"
        );
        // Two keys created in the same second: the slots tell only if they agree.
        let same = [
            slot("2024-02-01T00:00:00+00:00", Some(Some(used))),
            slot("2024-02-01T00:00:00+00:00", Some(None)),
        ];
        assert_eq!(slot_for(&key("2024-02-01T00:00:00+00:00"), &same), None);
        let agree = [
            slot("2024-02-01T00:00:00+00:00", Some(None)),
            slot("2024-02-01T00:00:00+00:00", Some(None)),
        ];
        assert_eq!(
            slot_for(&key("2024-02-01T00:00:00+00:00"), &agree),
            Some(&agree[0])
        );
    }

    /// A fresh report row that says "no password, no MFA, one key never
    /// used": only ListAccessKeys is asked (the replay client has nothing
    /// else to answer).
    #[tokio::test]
    async fn a_fresh_report_row_spares_the_calls_it_answers() {
        let csv = format!("{FULL_HEADER}dev,arn:aws:iam::111111111111:user/dev,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-02-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A\n");
        let report = CredentialReport {
            rows: parse_report(&csv),
            fresh: true,
        };
        let (conf, http) = crate::replay::config(vec![crate::replay::event(
            "POST",
            "https://iam.amazonaws.com/",
            200,
            r#"<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccessKeysResult><AccessKeyMetadata><member><UserName>dev</UserName><AccessKeyId>AKIAEXAMPLE000000001</AccessKeyId><Status>Active</Status><CreateDate>2024-02-01T00:00:00Z</CreateDate></member></AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></ListAccessKeysResponse>"#,
        )]);
        let client = Client::new(&conf);
        let (scope, coverage) = crate::replay::scope();
        let user = User {
            name: "dev".into(),
            ..User::default()
        };
        let dev = user_details(&client, &scope, user.clone(), &report, &[]).await;
        let bodies = crate::replay::bodies(&http);
        assert_eq!(bodies.len(), 1, "{bodies:?}");
        assert!(bodies[0].contains("Action=ListAccessKeys"), "{bodies:?}");
        assert!(!dev.password_enabled && dev.login_profile_create_date.is_none());
        assert!(dev.mfa_devices.is_empty());
        assert_eq!(dev.access_keys.len(), 1);
        assert_eq!(dev.access_keys[0].access_key_id, "AKIAEXAMPLE000000001");
        assert_eq!(
            (
                dev.access_keys[0].last_used_date,
                &dev.access_keys[0].last_used_service
            ),
            (None, &None)
        );
        assert_eq!(scope.failures(), 0);
        assert!(coverage.records().iter().all(|r| !r.is_gap()));

        // The same row in a report IAM reused: nothing it says is taken for
        // absence, so the login profile is asked (here: a failure, a gap).
        let stale = CredentialReport {
            fresh: false,
            ..report
        };
        let (conf, _http) = crate::replay::config(vec![]);
        let client = Client::new(&conf);
        let (scope, coverage) = crate::replay::scope();
        let dev = user_details(&client, &scope, user, &stale, &[]).await;
        assert!(dev.access_keys.is_empty());
        let gaps = coverage.gap_apis();
        for api in ["GetLoginProfile", "ListAccessKeys", "ListMFADevices"] {
            assert!(gaps.iter().any(|g| g == api), "{api} not asked: {gaps:?}");
        }
    }

    /// A later GetAccountAuthorizationDetails page that fails: the first
    /// page's principals are kept and the operation is a gap (IAM rules that
    /// judge absence are not evaluated), never a complete-looking listing.
    #[tokio::test]
    async fn a_failed_authorization_details_page_is_a_gap() {
        let page1 = r#"<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult><IsTruncated>true</IsTruncated><Marker>page2</Marker><UserDetailList><member><Path>/</Path><UserName>first</UserName><UserId>AIDAEXAMPLE000000001</UserId><Arn>arn:aws:iam::111111111111:user/first</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate><UserPolicyList/><GroupList/><AttachedManagedPolicies/></member></UserDetailList><GroupDetailList/><RoleDetailList/><Policies/></GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>"#;
        let denied = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform iam:GetAccountAuthorizationDetails</Message></Error><RequestId>2</RequestId></ErrorResponse>"#;
        let (conf, http) = crate::replay::config(vec![
            crate::replay::event("POST", "https://iam.amazonaws.com/", 200, page1),
            crate::replay::event("POST", "https://iam.amazonaws.com/", 403, denied),
        ]);
        let client = Client::new(&conf);
        let (scope, coverage) = crate::replay::scope();
        let (users, _, _, _) = authorization_details(&client, &scope).await;
        assert!(crate::replay::bodies(&http)[1].contains("Marker=page2"));
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].name, "first");
        assert_eq!(coverage.gap_apis(), ["GetAccountAuthorizationDetails"]);
    }

    fn summary(pairs: &[(&str, i64)]) -> BTreeMap<String, i64> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn root_last_use_is_the_latest_of_password_and_both_keys() {
        let csv = format!("{HEADER}<root_account>,arn:aws:iam::1:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,not_supported,not_supported,false,true,N/A,2026-11-02T00:00:00+00:00,us-east-1,s3,false,N/A,N/A\n");
        let report = parse_report(&csv);
        let root = root_account(
            Some(&report),
            &summary(&[("AccountPasswordPresent", 1)]),
            &[],
        );
        assert_eq!(root.credential_report_row, Some(true));
        assert_eq!(root.password_present, Some(true));
        assert_eq!(root.access_key_active, Some(true));
        assert_eq!(
            root.last_used().flatten().map(|t| t.to_rfc3339()),
            Some("2026-11-02T00:00:00+00:00".into())
        );
    }

    #[test]
    fn without_the_root_row_root_facts_come_from_the_summary_or_stay_unknown() {
        let report = parse_report(HEADER);
        // Centralised root access: no password, no keys, no MFA.
        let s = summary(&[
            ("AccountMFAEnabled", 0),
            ("AccountAccessKeysPresent", 0),
            ("AccountPasswordPresent", 0),
        ]);
        let root = root_account(Some(&report), &s, &[]);
        assert_eq!(root.credential_report_row, Some(false));
        assert_eq!(root.last_used(), None, "last use is unknown");
        assert_eq!(root.has_credentials(), Some(false));
        assert_eq!(root.mfa_active, Some(false));
        // Neither the report nor the summary: every fact unknown, none false.
        let root = root_account(None, &BTreeMap::new(), &[]);
        assert_eq!(root, RootAccount::default());
        assert_eq!(root.has_credentials(), None);
    }

    /// GetAccountAuthorizationDetails in AWS's wire format (Query protocol,
    /// XML): one policy without PolicyName (some endpoints omit it) and
    /// without PermissionsBoundaryUsageCount, used as a role's boundary.
    const AUTH_DETAILS: &str = r#"<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>false</IsTruncated>
    <UserDetailList/>
    <GroupDetailList/>
    <RoleDetailList>
      <member>
        <Path>/</Path>
        <RoleName>deployer</RoleName>
        <RoleId>AROAEXAMPLE0000000001</RoleId>
        <Arn>arn:aws:iam::111111111111:role/deployer</Arn>
        <CreateDate>2024-01-01T00:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22codebuild.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D</AssumeRolePolicyDocument>
        <InstanceProfileList/>
        <RolePolicyList/>
        <AttachedManagedPolicies/>
        <PermissionsBoundary>
          <PermissionsBoundaryType>Policy</PermissionsBoundaryType>
          <PermissionsBoundaryArn>arn:aws:iam::111111111111:policy/boundaries/deploy-boundary</PermissionsBoundaryArn>
        </PermissionsBoundary>
        <Tags/>
      </member>
    </RoleDetailList>
    <Policies>
      <member>
        <PolicyId>ANPAEXAMPLE0000000001</PolicyId>
        <Arn>arn:aws:iam::111111111111:policy/boundaries/deploy-boundary</Arn>
        <Path>/boundaries/</Path>
        <DefaultVersionId>v1</DefaultVersionId>
        <AttachmentCount>0</AttachmentCount>
        <IsAttachable>true</IsAttachable>
        <CreateDate>2024-01-01T00:00:00Z</CreateDate>
        <UpdateDate>2024-01-01T00:00:00Z</UpdateDate>
        <PolicyVersionList>
          <member>
            <Document>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D</Document>
            <VersionId>v1</VersionId>
            <IsDefaultVersion>true</IsDefaultVersion>
            <CreateDate>2024-01-01T00:00:00Z</CreateDate>
          </member>
        </PolicyVersionList>
      </member>
      <member>
        <PolicyName>reports-read</PolicyName>
        <PolicyId>ANPAEXAMPLE0000000002</PolicyId>
        <Arn>arn:aws:iam::111111111111:policy/reports-read</Arn>
        <Path>/</Path>
        <DefaultVersionId>v1</DefaultVersionId>
        <AttachmentCount>0</AttachmentCount>
        <PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount>
        <IsAttachable>true</IsAttachable>
        <PolicyVersionList>
          <member>
            <Document>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D</Document>
            <VersionId>v1</VersionId>
            <IsDefaultVersion>true</IsDefaultVersion>
          </member>
        </PolicyVersionList>
      </member>
    </Policies>
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>"#;

    #[tokio::test]
    async fn policy_name_falls_back_to_the_arn_and_boundary_use_is_counted() {
        let (conf, _http) = crate::replay::config(vec![crate::replay::event(
            "POST",
            "https://iam.amazonaws.com/",
            200,
            AUTH_DETAILS,
        )]);
        let client = Client::new(&conf);
        let (scope, coverage) = crate::replay::scope();
        let (_, _, roles, policies) = authorization_details(&client, &scope).await;
        assert_eq!(roles.len(), 1);
        let names: Vec<(&str, Option<i64>)> = policies
            .iter()
            .map(|p| (p.name.as_str(), p.permissions_boundary_usage_count))
            .collect();
        assert_eq!(
            names,
            [("deploy-boundary", Some(1)), ("reports-read", Some(0))],
            "PolicyName missing: the ARN's last segment; boundary use counted from the role"
        );
        assert_eq!(scope.failures(), 0);
        assert!(coverage.records().iter().all(|r| !r.is_gap()));
    }

    #[tokio::test]
    async fn a_credential_report_without_the_root_row_leaves_root_use_unknown() {
        let (conf, _http) = crate::replay::config(vec![
            crate::replay::event(
                "POST",
                "https://iam.amazonaws.com/",
                200,
                r#"<GenerateCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GenerateCredentialReportResult><State>COMPLETE</State></GenerateCredentialReportResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GenerateCredentialReportResponse>"#,
            ),
            crate::replay::event(
                "POST",
                "https://iam.amazonaws.com/",
                200,
                r#"<GetCredentialReportResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetCredentialReportResult><Content>dXNlcixhcm4sdXNlcl9jcmVhdGlvbl90aW1lLHBhc3N3b3JkX2VuYWJsZWQscGFzc3dvcmRfbGFzdF91c2VkLHBhc3N3b3JkX2xhc3RfY2hhbmdlZCxwYXNzd29yZF9uZXh0X3JvdGF0aW9uLG1mYV9hY3RpdmUsYWNjZXNzX2tleV8xX2FjdGl2ZSxhY2Nlc3Nfa2V5XzFfbGFzdF9yb3RhdGVkLGFjY2Vzc19rZXlfMV9sYXN0X3VzZWRfZGF0ZSxhY2Nlc3Nfa2V5XzFfbGFzdF91c2VkX3JlZ2lvbixhY2Nlc3Nfa2V5XzFfbGFzdF91c2VkX3NlcnZpY2UsYWNjZXNzX2tleV8yX2FjdGl2ZSxhY2Nlc3Nfa2V5XzJfbGFzdF9yb3RhdGVkLGFjY2Vzc19rZXlfMl9sYXN0X3VzZWRfZGF0ZSxhY2Nlc3Nfa2V5XzJfbGFzdF91c2VkX3JlZ2lvbixhY2Nlc3Nfa2V5XzJfbGFzdF91c2VkX3NlcnZpY2UsY2VydF8xX2FjdGl2ZSxjZXJ0XzFfbGFzdF9yb3RhdGVkLGNlcnRfMl9hY3RpdmUsY2VydF8yX2xhc3Rfcm90YXRlZAphbGljZSxhcm46YXdzOmlhbTo6MTExMTExMTExMTExOnVzZXIvYWxpY2UsMjAyNC0wMS0wMVQwMDowMDowMCswMDowMCx0cnVlLDIwMjYtMTEtMDFUMDk6MDA6MDArMDA6MDAsMjAyNC0wMS0wMVQwMDowMDowMCswMDowMCxOL0EsZmFsc2UsZmFsc2UsTi9BLE4vQSxOL0EsTi9BLGZhbHNlLE4vQSxOL0EsTi9BLE4vQSxmYWxzZSxOL0EsZmFsc2UsTi9BCg==</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>2026-11-01T10:00:00Z</GeneratedTime></GetCredentialReportResult><ResponseMetadata><RequestId>2</RequestId></ResponseMetadata></GetCredentialReportResponse>"#,
            ),
        ]);
        let client = Client::new(&conf);
        let (scope, _) = crate::replay::scope();
        let report = credential_report(&client, &scope)
            .await
            .expect("report read");
        assert!(report.rows.contains_key("alice"));
        assert!(
            !report.fresh,
            "COMPLETE at once and generated before the request: a report IAM kept"
        );
        // The summary says no root key; nothing says whether root has a password.
        let s = summary(&[("AccountMFAEnabled", 0), ("AccountAccessKeysPresent", 0)]);
        let root = root_account(Some(&report.rows), &s, &[]);
        assert_eq!(root.credential_report_row, Some(false));
        assert_eq!(root.last_used(), None, "root use unknown, not 'never'");
        assert_eq!(root.access_key_active, Some(false));
        assert_eq!(root.password_present, None);
        assert_eq!(root.has_credentials(), None);
    }
}
