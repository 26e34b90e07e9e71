//! AWS Organizations collector (`collect --org`): the organisation's roots,
//! organisational units, accounts (each with the root or OU directly
//! containing it) and service control policies (document and targets), read
//! once per collection from the caller's account, which must be the
//! management account or a delegated administrator.
//!
//! Calls: `DescribeOrganization`, `ListRoots`, `ListOrganizationalUnitsForParent`
//! from each root down, `ListAccounts`, `ListAccountsForParent` for each root
//! and OU (one paginated call per container gives every account's parent:
//! fewer calls than `ListParents` per account), `ListPolicies`
//! (`SERVICE_CONTROL_POLICY`), then `DescribePolicy` and
//! `ListTargetsForPolicy` per policy. Every listing is paginated. The
//! Organizations API is rate-limited per organisation, so the calls run one
//! at a time.
//!
//! A listing that fails (or is cut short) leaves its list `None`, never
//! empty, and a failed coverage record (service `organizations`, region
//! `global`) in [`Organization::coverage`].

use std::collections::BTreeMap;

use aws_sdk_organizations::types::PolicyType;
use aws_sdk_organizations::Client;
use palisade_model::organization::{
    OrgAccount, OrgRoot, Organization, OrganizationalUnit, ServiceControlPolicy,
};
use palisade_model::policy::PolicyDocument;
use palisade_model::GLOBAL_REGION;

use crate::coverage::Coverage;
use crate::error::{self, CollectError};
use crate::ops;
use crate::pages::{drain, Listing};
use crate::scope::Scope;

/// An OU tree is at most five levels below the root; a deeper walk means bad
/// data and stops.
const MAX_DEPTH: usize = 8;

/// Reads the organisation `client` (the caller's session) belongs to.
/// `caller` is the caller's account id and `partition` its partition.
///
/// Errors only when the caller's account is not in an organisation
/// (`AWSOrganizationsNotInUseException`): `--org` then has nothing to
/// collect. Every other failure is a gap in the returned organisation.
pub async fn collect(
    client: &Client,
    caller: &str,
    partition: &str,
) -> Result<Organization, CollectError> {
    let coverage = Coverage::default();
    let scope = Scope::new(caller, partition, GLOBAL_REGION, coverage.clone());
    let mut org = Organization {
        read_from: caller.to_owned(),
        ..Organization::default()
    };

    let res = client.describe_organization().send().await;
    if let Err(e) = &res {
        if error::code(e) == Some("AWSOrganizationsNotInUseException") {
            return Err(CollectError::Usage(format!(
                "--org: account {caller} is not a member of an AWS organisation ({})",
                error::describe(e)
            )));
        }
    }
    if let Some(o) = scope
        .check(&ops::ORGANIZATIONS_DESCRIBE_ORGANIZATION, res)
        .and_then(|o| o.organization().cloned())
    {
        org.id = o.id().unwrap_or_default().to_owned();
        org.arn = o.arn().unwrap_or_default().to_owned();
        org.management_account_id = o.master_account_id().unwrap_or_default().to_owned();
        org.feature_set = o.feature_set().map(|f| f.as_str().to_owned());
    }

    org.roots = roots(client, &scope).await;
    org.units = match &org.roots {
        Some(roots) => units(client, &scope, roots).await,
        None => None,
    };
    org.accounts = accounts(client, &scope, org.roots.as_deref(), org.units.as_deref()).await;
    org.policies = policies(client, &scope).await;
    org.coverage = coverage.records();
    Ok(org)
}

/// `ListRoots`.
async fn roots(client: &Client, scope: &Scope) -> Option<Vec<OrgRoot>> {
    let pages = client.list_roots().into_paginator().send();
    drain(scope, &ops::ORGANIZATIONS_LIST_ROOTS, pages)
        .await
        .flat_map(|p| {
            p.roots().iter().map(|r| OrgRoot {
                id: r.id().unwrap_or_default().to_owned(),
                arn: r.arn().unwrap_or_default().to_owned(),
                name: r.name().unwrap_or_default().to_owned(),
                enabled_policy_types: r
                    .policy_types()
                    .iter()
                    .filter(|t| t.status().map(|s| s.as_str()) == Some("ENABLED"))
                    .filter_map(|t| t.r#type().map(|t| t.as_str().to_owned()))
                    .collect(),
            })
        })
        .complete()
}

/// Every OU below the roots, level by level (`ListOrganizationalUnitsForParent`
/// per root and OU). `None` when any of the listings failed: a missing OU
/// would hide its accounts' place in the tree.
async fn units(
    client: &Client,
    scope: &Scope,
    roots: &[OrgRoot],
) -> Option<Vec<OrganizationalUnit>> {
    let mut out = Vec::new();
    let mut complete = true;
    let mut level: Vec<String> = roots.iter().map(|r| r.id.clone()).collect();
    for _ in 0..MAX_DEPTH {
        if level.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for parent in level {
            let pages = client
                .list_organizational_units_for_parent()
                .parent_id(&parent)
                .into_paginator()
                .send();
            let listing = drain(
                scope,
                &ops::ORGANIZATIONS_LIST_ORGANIZATIONAL_UNITS_FOR_PARENT,
                pages,
            )
            .await
            .flat_map(|p| {
                p.organizational_units()
                    .iter()
                    .map(|u| OrganizationalUnit {
                        id: u.id().unwrap_or_default().to_owned(),
                        arn: u.arn().unwrap_or_default().to_owned(),
                        name: u.name().unwrap_or_default().to_owned(),
                        parent_id: parent.clone(),
                    })
                    .collect::<Vec<_>>()
            });
            let found = match listing {
                Listing::Complete(v) => v,
                Listing::Partial(v, _) => {
                    complete = false;
                    v
                }
            };
            next.extend(found.iter().map(|u| u.id.clone()));
            out.extend(found);
        }
        level = next;
    }
    complete.then_some(out)
}

/// `ListAccounts`, then each account's parent from `ListAccountsForParent`
/// per root and OU. An account whose container's listing failed (or is not
/// known) keeps `parent_id: None`.
async fn accounts(
    client: &Client,
    scope: &Scope,
    roots: Option<&[OrgRoot]>,
    units: Option<&[OrganizationalUnit]>,
) -> Option<Vec<OrgAccount>> {
    let pages = client.list_accounts().into_paginator().send();
    let mut accounts: Vec<OrgAccount> = drain(scope, &ops::ORGANIZATIONS_LIST_ACCOUNTS, pages)
        .await
        .flat_map(|p| p.accounts().iter().map(account).collect::<Vec<_>>())
        .complete()?;
    let containers: Vec<String> = roots
        .unwrap_or_default()
        .iter()
        .map(|r| r.id.clone())
        .chain(units.unwrap_or_default().iter().map(|u| u.id.clone()))
        .collect();
    let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
    for parent in containers {
        let pages = client
            .list_accounts_for_parent()
            .parent_id(&parent)
            .into_paginator()
            .send();
        // A partial page still places the accounts it names.
        let ids = drain(scope, &ops::ORGANIZATIONS_LIST_ACCOUNTS_FOR_PARENT, pages)
            .await
            .flat_map(|p| {
                p.accounts()
                    .iter()
                    .filter_map(|a| a.id().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .with_partial();
        for id in ids {
            parent_of.insert(id, parent.clone());
        }
    }
    for a in &mut accounts {
        a.parent_id = parent_of.get(&a.id).cloned();
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    Some(accounts)
}

/// One account of a listing. The account's `State` (newer API) is
/// preferred over the deprecated `Status`.
#[allow(deprecated)]
fn account(a: &aws_sdk_organizations::types::Account) -> OrgAccount {
    let status = a
        .state()
        .map(|s| s.as_str().to_owned())
        .or_else(|| a.status().map(|s| s.as_str().to_owned()))
        .unwrap_or_default();
    OrgAccount {
        id: a.id().unwrap_or_default().to_owned(),
        arn: a.arn().unwrap_or_default().to_owned(),
        name: a.name().unwrap_or_default().to_owned(),
        status,
        joined_method: a.joined_method().map(|m| m.as_str().to_owned()),
        parent_id: None,
    }
}

/// `ListPolicies(SERVICE_CONTROL_POLICY)`, then each policy's document
/// (`DescribePolicy`) and targets (`ListTargetsForPolicy`).
async fn policies(client: &Client, scope: &Scope) -> Option<Vec<ServiceControlPolicy>> {
    let pages = client
        .list_policies()
        .filter(PolicyType::ServiceControlPolicy)
        .into_paginator()
        .send();
    let mut out: Vec<ServiceControlPolicy> = drain(scope, &ops::ORGANIZATIONS_LIST_POLICIES, pages)
        .await
        .flat_map(|p| {
            p.policies()
                .iter()
                .map(|s| ServiceControlPolicy {
                    id: s.id().unwrap_or_default().to_owned(),
                    arn: s.arn().unwrap_or_default().to_owned(),
                    name: s.name().unwrap_or_default().to_owned(),
                    aws_managed: s.aws_managed(),
                    document: None,
                    targets: None,
                })
                .collect::<Vec<_>>()
        })
        .complete()?;
    for p in &mut out {
        let res = client.describe_policy().policy_id(&p.id).send().await;
        p.document = scope
            .check(&ops::ORGANIZATIONS_DESCRIBE_POLICY, res)
            .and_then(|o| o.policy().and_then(|p| p.content()).map(str::to_owned))
            .map(|text| PolicyDocument::read_text(&text));
        let pages = client
            .list_targets_for_policy()
            .policy_id(&p.id)
            .into_paginator()
            .send();
        p.targets = drain(scope, &ops::ORGANIZATIONS_LIST_TARGETS_FOR_POLICY, pages)
            .await
            .flat_map(|pg| {
                pg.targets()
                    .iter()
                    .filter_map(|t| t.target_id().map(str::to_owned))
                    .collect::<Vec<_>>()
            })
            .complete()
            .map(|mut t| {
                t.sort();
                t
            });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Some(out)
}

/// Summary for stderr: `o-x: 6 accounts, 3 OUs, 3 SCPs`.
pub fn counts(o: &Organization) -> String {
    let n = |v: Option<usize>| v.map_or_else(|| "unknown".to_owned(), |n| n.to_string());
    format!(
        "{}: {} accounts, {} OUs, {} SCPs",
        if o.id.is_empty() { "unknown" } else { &o.id },
        n(o.accounts.as_ref().map(Vec::len)),
        n(o.units.as_ref().map(Vec::len)),
        n(o.policies.as_ref().map(Vec::len)),
    )
}
