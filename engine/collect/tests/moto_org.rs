//! `collect --org` end to end against a moto server of its own, seeded by
//! fixtures/moto/seed_org.py: an organisation (management account
//! 123456789012) with OUs, service control policies, a suspended account and
//! one different violation in each member account. The organisation is
//! read through the real AWS Organizations SDK, each member is collected by
//! assuming a role into it (moto serves each account from its own backend),
//! and the rules find each violation on its own account only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(unused_imports)] // the shared seeded server (`moto`) is not used here
mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::{evaluate, Faults, Proxy};
use palisade_collect::CollectOptions;
use palisade_eval::Status;
use palisade_model::organization::Organization;
use palisade_model::{CoverageStatus, Snapshot};
use palisade_test_kit::moto::{python, seed_with, start, Moto};
use serde_json::Value;

/// moto's default account: the management account.
const MANAGEMENT: &str = common::ACCOUNT;
const ROLE: &str = "OrganizationAccountAccessRole";

/// The organisation's moto server and what the seed script printed (ids).
fn org_moto() -> &'static (Moto, Value) {
    static ORG: OnceLock<(Moto, Value)> = OnceLock::new();
    ORG.get_or_init(|| {
        let py = python();
        let moto = start(&py).unwrap_or_else(|e| panic!("{e}"));
        let out = seed_with(&py, &moto.url, "moto/seed_org.py").unwrap_or_else(|e| panic!("{e}"));
        let ids: Value = serde_json::from_str(out.trim()).expect("seed_org.py prints JSON");
        (moto, ids)
    })
}

fn ids() -> &'static Value {
    &org_moto().1
}

/// The account id the seed gave the account named `name`.
fn account(name: &str) -> String {
    ids()["accounts"][name].as_str().expect(name).to_owned()
}

fn unit(name: &str) -> String {
    ids()["units"][name].as_str().expect(name).to_owned()
}

/// `collect --org --role-name ROLE --regions us-east-1` through `endpoint`.
fn collect_org(endpoint: &str, tweak: impl FnOnce(&mut CollectOptions)) -> Snapshot {
    let mut opts = common::options(endpoint);
    opts.regions = vec!["us-east-1".into()];
    opts.org = true;
    opts.role_name = Some(ROLE.into());
    tweak(&mut opts);
    palisade_collect::collect_blocking(&opts).expect("collect")
}

fn collected(s: &Snapshot) -> Vec<&str> {
    s.accounts.iter().map(|a| a.account_id.as_str()).collect()
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

#[test]
fn the_organisation_is_recorded_and_each_member_collected_with_its_own_data() {
    let snap = collect_org(&org_moto().0.url, |_| {});
    let org: &Organization = snap.organization.as_ref().expect("organisation recorded");
    let root = ids()["root"].as_str().unwrap();

    assert_eq!(org.id, ids()["organization"].as_str().unwrap());
    assert_eq!(org.management_account_id, MANAGEMENT);
    assert_eq!(org.read_from, MANAGEMENT);
    assert_eq!(org.feature_set.as_deref(), Some("ALL"));
    assert!(
        org.coverage.iter().all(|c| c.status == CoverageStatus::Ok),
        "{:?}",
        org.coverage
    );
    let apis: BTreeSet<&str> = org.coverage.iter().map(|c| c.api.as_str()).collect();
    assert_eq!(apis.len(), 8, "every Organizations call recorded: {apis:?}");
    assert!(org
        .coverage
        .iter()
        .all(|c| c.service == "organizations" && c.region == "global"));

    // Structure: one root with SCPs enabled; three OUs, one nested.
    let roots = org.roots.as_ref().expect("roots read");
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].id, root);
    assert_eq!(roots[0].enabled_policy_types, ["SERVICE_CONTROL_POLICY"]);
    let units = org.units.as_ref().expect("units read");
    let parent = |name: &str| {
        units
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.parent_id.clone())
            .expect(name)
    };
    assert_eq!(units.len(), 3);
    assert_eq!(parent("Workloads"), root);
    assert_eq!(parent("Sandbox"), root);
    assert_eq!(parent("Experiments"), unit("Sandbox"));

    // Accounts: every one, with its parent and status.
    let accounts = org.accounts.as_ref().expect("accounts read");
    assert_eq!(accounts.len(), 6);
    let acc = |id: &str| accounts.iter().find(|a| a.id == id).expect(id);
    assert_eq!(acc(MANAGEMENT).parent_id.as_deref(), Some(root));
    assert_eq!(
        acc(&account("workload-a")).parent_id,
        Some(unit("Workloads"))
    );
    assert_eq!(acc(&account("shared-d")).parent_id.as_deref(), Some(root));
    assert_eq!(acc(&account("closed-e")).status, "SUSPENDED");
    assert_eq!(acc(&account("sandbox-c")).name, "sandbox-c");
    assert_eq!(
        org.ancestry(&account("sandbox-c")).unwrap(),
        [
            account("sandbox-c"),
            unit("Experiments"),
            unit("Sandbox"),
            root.to_owned()
        ]
    );

    // Service control policies: documents and targets.
    let policies = org.policies.as_ref().expect("policies read");
    let scp = |name: &str| policies.iter().find(|p| p.name == name).expect(name);
    let full = scp("FullAWSAccess");
    assert!(full.aws_managed);
    assert!(full.targets.as_ref().unwrap().contains(&root.to_owned()));
    let leave = scp("deny-leave");
    assert!(!leave.aws_managed);
    assert_eq!(leave.targets.as_deref(), Some(&[root.to_owned()][..]));
    let doc = leave.document.as_ref().expect("document read");
    assert_eq!(doc.statements.len(), 1);
    assert_eq!(doc.statements[0].effect.as_str(), "Deny");
    assert_eq!(
        doc.statements[0].action,
        ["organizations:LeaveOrganization"]
    );
    let stop = scp("deny-stop-logging");
    assert_eq!(stop.targets.as_deref(), Some(&[unit("Workloads")][..]));
    assert_eq!(
        stop.document.as_ref().unwrap().statements[0].action,
        ["cloudtrail:StopLogging"]
    );

    // Every active account is collected, the suspended one is not; each
    // account carries its organisation name.
    let mut expected = vec![
        MANAGEMENT.to_owned(),
        account("workload-a"),
        account("workload-b"),
        account("sandbox-c"),
        account("shared-d"),
    ];
    expected.sort();
    assert_eq!(collected(&snap), expected);
    for a in &snap.accounts {
        assert_eq!(a.name.as_deref(), Some(acc(&a.account_id).name.as_str()));
        assert!(
            a.coverage.iter().all(|c| c.service != "organizations"),
            "no organizations records in an account"
        );
        assert!(!a.coverage.is_empty());
    }

    // Each member's data is its own: read through its own session.
    let of = |name: &str| {
        let id = account(name);
        snap.accounts.iter().find(|a| a.account_id == id).unwrap()
    };
    let users =
        |name: &str| -> Vec<String> { of(name).iam.users.iter().map(|u| u.name.clone()).collect() };
    assert_eq!(users("workload-a"), ["alpha-console"]);
    assert_eq!(users("shared-d"), ["delta-keys"]);
    assert!(users("workload-b").is_empty() && users("sandbox-c").is_empty());
    let sgs = |name: &str| -> Vec<String> {
        of(name)
            .region_data
            .iter()
            .flat_map(|r| r.ec2.security_groups.iter().map(|g| g.group_name.clone()))
            .collect()
    };
    assert!(sgs("workload-b").contains(&"beta-ssh".to_owned()));
    assert!(!sgs("workload-a").contains(&"beta-ssh".to_owned()));

    // The scan finds each violation on its own account and on no other.
    let results = evaluate(&snap);
    let failing = |rule: &str| -> Vec<String> {
        let set: BTreeSet<String> = results
            .iter()
            .filter(|r| r.rule_id == rule && r.status == Status::Fail)
            .map(|r| r.resource.account_id.clone())
            .collect();
        set.into_iter().collect()
    };
    assert_eq!(
        failing("iam-user-console-without-mfa"),
        [account("workload-a")]
    );
    assert_eq!(
        failing("ec2-sg-ssh-open-to-internet"),
        [account("workload-b")]
    );
    assert_eq!(
        failing("iam-customer-policy-full-admin"),
        [account("sandbox-c")]
    );
    assert_eq!(
        failing("iam-user-multiple-active-access-keys"),
        [account("shared-d")]
    );
    let named = |rule: &str, needle: &str| -> Vec<String> {
        results
            .iter()
            .filter(|r| {
                r.rule_id == rule && r.status == Status::Fail && r.resource.id.contains(needle)
            })
            .map(|r| r.resource.account_id.clone())
            .collect()
    };
    assert_eq!(
        named("iam-user-console-without-mfa", "user/alpha-console"),
        [account("workload-a")]
    );
    assert_eq!(
        named("iam-customer-policy-full-admin", "policy/gamma-admin"),
        [account("sandbox-c")]
    );
}

#[test]
fn ou_and_exclude_accounts_select_the_members() {
    // Sandbox holds sandbox-c two levels down (in Experiments) and the
    // suspended closed-e; Workloads holds workload-a, which is excluded.
    let snap = collect_org(&org_moto().0.url, |o| {
        o.org_units = vec![unit("Sandbox"), unit("Workloads")];
        o.exclude_accounts = vec![account("workload-a")];
    });
    assert_eq!(
        collected(&snap),
        sorted(&[account("workload-b"), account("sandbox-c")])
    );
    // The whole organisation is still recorded.
    assert_eq!(
        snap.organization.unwrap().accounts.map(|a| a.len()),
        Some(6)
    );
}

#[test]
fn a_member_whose_role_cannot_be_assumed_is_a_gap_for_that_account_only() {
    let b = account("workload-b");
    let proxy = Proxy::start(
        &org_moto().0.url,
        Faults {
            // The AssumeRole request for workload-b's role (form-encoded ARN).
            deny_body: Some(format!("{b}%3Arole%2F{ROLE}")),
            ..Faults::default()
        },
    );
    let snap = collect_org(&proxy.url, |o| o.org_units = vec![unit("Workloads")]);
    assert!(proxy.stats.lock().unwrap().denied > 0);
    assert_eq!(
        collected(&snap),
        sorted(&[account("workload-a"), b.clone()])
    );
    let gap = snap.accounts.iter().find(|a| a.account_id == b).unwrap();
    assert!(!gap.coverage.is_empty());
    for c in &gap.coverage {
        assert_eq!(c.status, CoverageStatus::Failed, "{c:?}");
        assert!(
            c.error.as_deref().unwrap().contains("cannot assume"),
            "{c:?}"
        );
        assert_ne!(c.service, "organizations");
    }
    let a = snap
        .accounts
        .iter()
        .find(|x| x.account_id == account("workload-a"))
        .unwrap();
    assert!(a.iam.users.iter().any(|u| u.name == "alpha-console"));
    // workload-b's checks are not evaluated, never passed or failed.
    let results = evaluate(&snap);
    let of_b: Vec<_> = results
        .iter()
        .filter(|r| r.resource.account_id == b)
        .collect();
    assert!(!of_b.is_empty());
    for r in of_b {
        assert_eq!(
            r.status,
            Status::NotEvaluated,
            "{} {}",
            r.rule_id,
            r.resource.id
        );
    }
}

#[test]
fn a_denied_organizations_api_is_unknown_and_a_gap_not_an_empty_organisation() {
    let proxy = Proxy::start(
        &org_moto().0.url,
        Faults {
            deny_service: Some("organizations".into()),
            ..Faults::default()
        },
    );
    let snap = collect_org(&proxy.url, |_| {});
    let org = snap.organization.as_ref().expect("organisation recorded");
    assert_eq!(org.read_from, MANAGEMENT);
    assert_eq!(org.roots, None);
    assert_eq!(org.units, None);
    assert_eq!(org.accounts, None, "unknown, never an empty list");
    assert_eq!(org.policies, None);
    let failed: BTreeSet<&str> = org
        .coverage
        .iter()
        .filter(|c| c.status == CoverageStatus::Failed)
        .map(|c| c.api.as_str())
        .collect();
    for api in [
        "DescribeOrganization",
        "ListRoots",
        "ListAccounts",
        "ListPolicies",
    ] {
        assert!(failed.contains(api), "{api}: {:?}", org.coverage);
    }
    // Only the caller's account is known, and it is collected.
    assert_eq!(collected(&snap), [MANAGEMENT]);
}

#[test]
fn org_targets_follow_the_organisation_read_from_moto() {
    let snap = collect_org(&org_moto().0.url, |o| {
        o.exclude_accounts = vec![
            MANAGEMENT.into(),
            account("workload-a"),
            account("workload-b"),
            account("sandbox-c"),
            account("shared-d"),
        ];
    });
    assert!(snap.accounts.is_empty());
    let org = snap.organization.expect("organisation recorded");
    let opts = |ous: Vec<String>| CollectOptions {
        org: true,
        role_name: Some(ROLE.into()),
        org_units: ous,
        ..CollectOptions::default()
    };
    assert_eq!(
        palisade_collect::org_targets(&opts(vec![unit("Experiments")]), &org, MANAGEMENT),
        [account("sandbox-c")]
    );
    let root = ids()["root"].as_str().unwrap().to_owned();
    assert_eq!(
        palisade_collect::org_targets(&opts(vec![root]), &org, MANAGEMENT).len(),
        5,
        "every active account is below the root"
    );
}
