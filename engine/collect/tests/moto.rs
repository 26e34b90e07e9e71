//! End-to-end collection against a real moto server seeded by
//! fixtures/moto/seed.py, through the real AWS SDK: snapshot contents,
//! coverage records, the scan's findings, fault tolerance and access gaps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::time::Instant;

use common::{
    collect, collect_with, coverage, evaluate, moto, normalized, region, Faults, Proxy, ACCOUNT,
};
use palisade_eval::Status;
use palisade_model::CoverageStatus;

#[test]
fn moto_account_is_collected_completely_and_scanned() {
    let moto = moto();
    let start = Instant::now();
    let snap = collect(&moto.url);
    eprintln!("collect against moto took {:.2?}", start.elapsed());

    // The snapshot round-trips through the file format.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    palisade_model::load::write_snapshot(&path, &snap).unwrap();
    let loaded = palisade_model::LoadedSnapshot::from_path(&path).expect("valid snapshot");
    assert_eq!(loaded.snapshot, snap);

    let account = &snap.accounts[0];
    assert_eq!(account.account_id, ACCOUNT);
    assert_eq!(account.regions, ["us-east-1", "eu-west-1"]);

    // IAM: users, relations, decoded documents.
    let iam = &account.iam;
    let user = |n: &str| iam.users.iter().find(|u| u.name == n).expect(n);
    let alice = user("alice");
    assert!(alice.password_enabled && alice.mfa_devices.is_empty());
    assert_eq!(alice.groups, ["Admins"]);
    let bob = user("bob");
    assert!(!bob.password_enabled);
    assert_eq!(bob.access_keys.iter().filter(|k| k.is_active()).count(), 2);
    assert_eq!(bob.inline_policies[0].name, "s3-read");
    assert_eq!(
        bob.inline_policies[0].document.statements[0].action,
        ["s3:GetObject", "s3:ListBucket"]
    );
    let all_star = format!("arn:aws:iam::{ACCOUNT}:policy/AllStar");
    assert_eq!(bob.attached_policies, std::slice::from_ref(&all_star));
    let carol = user("carol");
    assert_eq!(carol.mfa_devices.len(), 1);
    assert_eq!(carol.mfa_devices[0].kind, "virtual");
    let admins = iam.groups.iter().find(|g| g.name == "Admins").unwrap();
    assert_eq!(
        admins.attached_policies,
        ["arn:aws:iam::aws:policy/AdministratorAccess"]
    );
    let policy = |arn: &str| iam.policies.iter().find(|p| p.arn == arn).expect(arn);
    assert_eq!(policy(&all_star).document.statements[0].action, ["*:*"]);
    assert_eq!(policy(&all_star).attachment_count, 2);
    let admin = policy("arn:aws:iam::aws:policy/AdministratorAccess");
    assert_eq!(admin.document.statements[0].action, ["*"]);
    policy("arn:aws:iam::aws:policy/ReadOnlyAccess");
    // Unattached AWS managed policies (moto loads ~1,000) are left out.
    assert!(iam.policies.len() < 20, "{} policies", iam.policies.len());
    let app = iam.roles.iter().find(|r| r.name == "app-role").unwrap();
    let trust = app.trust_policy.statements[0].principal.as_ref().unwrap();
    assert_eq!(trust.of_kind("Service"), ["ec2.amazonaws.com"]);
    assert_eq!(
        app.inline_policies[0].document.statements[0].action,
        ["logs:PutLogEvents"]
    );
    assert_eq!(iam.password_policy, None);
    assert_eq!(
        coverage(&snap, "iam", "global", "GetAccountPasswordPolicy"),
        Some(CoverageStatus::Ok),
        "no password policy is a fact, not a gap"
    );
    assert_eq!(iam.summary.get("Users"), Some(&3));
    // moto's credential report has no <root_account> row and its summary
    // no AccountPasswordPresent: root use and root password stay unknown,
    // what the summary says is kept.
    let root = &iam.root;
    assert_eq!(root.credential_report_row, Some(false));
    assert_eq!(root.last_used(), None);
    assert_eq!(
        (
            root.mfa_active,
            root.access_key_active,
            root.password_present
        ),
        (Some(false), Some(false), None)
    );
    // The login profile's creation date is kept (for never-used passwords).
    assert!(alice.login_profile_create_date.is_some());
    assert_eq!(bob.login_profile_create_date, None);
    // moto omits PermissionsBoundaryUsageCount: counted from principals (none here).
    assert_eq!(policy(&all_star).permissions_boundary_usage_count, Some(0));

    // EC2, both regions.
    for r in common::REGIONS {
        let ec2 = &region(&snap, r).ec2;
        let bastion = ec2
            .security_groups
            .iter()
            .find(|g| g.group_name == "bastion")
            .expect("bastion SG");
        let rules: Vec<_> = ec2
            .security_group_rules
            .iter()
            .filter(|x| x.group_id == bastion.group_id && !x.is_egress)
            .collect();
        assert!(rules
            .iter()
            .any(|x| x.from_port == Some(22) && x.cidr_ipv4.as_deref() == Some("0.0.0.0/0")));
        assert!(rules
            .iter()
            .any(|x| x.from_port == Some(3389) && x.cidr_ipv6.as_deref() == Some("::/0")));
        // The 8443 rule's prefix list is read, 0.0.0.0/0 included.
        let via_list = rules
            .iter()
            .find(|x| x.from_port == Some(8443))
            .expect("prefix-list rule");
        let pl = via_list
            .prefix_list_id
            .as_deref()
            .expect("prefix list peer");
        let list = ec2
            .managed_prefix_lists
            .iter()
            .find(|l| l.prefix_list_id == pl)
            .expect("referenced prefix list collected");
        let cidrs: Vec<&str> = list
            .entries
            .as_deref()
            .expect("entries read")
            .iter()
            .map(|e| e.cidr.as_str())
            .collect();
        assert_eq!(cidrs, ["198.51.100.0/24", "0.0.0.0/0"]);
        assert!(ec2
            .network_interfaces
            .iter()
            .any(|n| n.groups.contains(&bastion.group_id)));
        let edge = ec2
            .network_acls
            .iter()
            .find(|a| a.tags.get("Name").map(String::as_str) == Some("edge"))
            .expect("edge NACL");
        let numbers: BTreeSet<i64> = edge.entries.iter().map(|e| e.rule_number).collect();
        assert!(numbers.is_superset(&[90, 100, 110].into()));
        assert_eq!(edge.associated_subnets.len(), 1);
        assert!(ec2.vpcs.len() >= 2, "default VPC + seeded VPC");
        let public = ec2
            .subnets
            .iter()
            .find(|s| s.subnet_id == edge.associated_subnets[0])
            .expect("the edge NACL's subnet is collected");
        assert!(public.map_public_ip_on_launch);
        assert_eq!(public.cidr_block.as_deref(), Some("10.20.1.0/24"));
        assert_eq!(public.vpc_id, edge.vpc_id);
        assert!(public
            .arn
            .ends_with(&format!(":subnet/{}", public.subnet_id)));
        for api in [
            "DescribeVpcs",
            "DescribeSubnets",
            "DescribeSecurityGroups",
            "DescribeSecurityGroupRules",
            "DescribeNetworkAcls",
            "DescribeNetworkInterfaces",
            "GetManagedPrefixListEntries",
        ] {
            assert_eq!(
                coverage(&snap, "ec2", r, api),
                Some(CoverageStatus::Ok),
                "{api} {r}"
            );
        }
    }

    // WAFv2, Backup, Config.
    let us = region(&snap, "us-east-1");
    let acl = &us.wafv2.web_acls[0];
    assert_eq!((acl.name.as_str(), acl.rules.len()), ("no-rules", 0));
    assert!(acl.logging_destinations.is_empty());
    let eu = region(&snap, "eu-west-1");
    let rule = &eu.wafv2.web_acls[0].rules[0];
    assert_eq!(rule.statement_type, "ManagedRuleGroupStatement");
    assert_eq!(
        rule.managed_rule_group.as_deref(),
        Some("AWS/AWSManagedRulesCommonRuleSet")
    );
    let vault = &us.backup.vaults[0];
    assert_eq!((vault.name.as_str(), vault.locked), ("prod-vault", false));
    let plan = &us.backup.plans[0];
    assert_eq!(plan.name, "daily-7d");
    assert_eq!(plan.rules[0].delete_after_days, Some(7));
    assert!(plan.rules[0].copy_actions.is_empty());
    assert!(us.config.recorders[0].recording && us.config.recorders[0].all_supported);
    assert!(eu.config.recorders.is_empty());
    assert_eq!(
        coverage(
            &snap,
            "config",
            "eu-west-1",
            "DescribeConfigurationRecorders"
        ),
        Some(CoverageStatus::Ok)
    );

    // moto's known gaps are recorded as failed calls, not silently skipped.
    assert_eq!(
        coverage(&snap, "artifact", "global", "ListReports"),
        Some(CoverageStatus::Failed)
    );
    assert_eq!(
        coverage(&snap, "wafv2", "us-east-1", "ListResourcesForWebACL"),
        Some(CoverageStatus::Failed)
    );
    // moto has no IAM Access Analyzer: an expected gap in every region
    // (tests/moto_detection.rs asserts its check is not evaluated).
    for r in common::REGIONS {
        assert_eq!(
            coverage(&snap, "access-analyzer", r, "ListAnalyzers"),
            Some(CoverageStatus::Failed)
        );
    }
    assert_eq!(
        acl.associated_resources, None,
        "unknown, not 'associated with nothing'"
    );

    // Every coverage record names an operation of the shipped list.
    let known: BTreeSet<(&str, &str)> = palisade_collect::ops::ALL
        .iter()
        .map(|o| (o.service.as_str(), o.api))
        .collect();
    for c in &account.coverage {
        assert!(
            known.contains(&(c.service.as_str(), c.api.as_str())),
            "{c:?}"
        );
    }

    // The scan finds the seeded violations.
    let results = evaluate(&snap);
    let fails = |rule: &str, needle: &str| {
        results.iter().any(|r| {
            r.rule_id == rule && r.status == Status::Fail && r.resource.id.contains(needle)
        })
    };
    assert!(fails("iam-user-console-without-mfa", "user/alice"));
    assert!(!fails("iam-user-console-without-mfa", "user/carol"));
    assert!(fails("iam-user-multiple-active-access-keys", "user/bob"));
    assert!(fails("iam-policy-full-admin", "policy/AllStar"));
    // Root facts moto cannot give are not evaluated, never passed.
    let status = |rule: &str| {
        results
            .iter()
            .filter(|r| r.rule_id == rule && r.resource.id == ACCOUNT)
            .map(|r| r.status)
            .collect::<Vec<_>>()
    };
    assert_eq!(status("iam-root-recently-used"), [Status::NotEvaluated]);
    assert_eq!(status("iam-root-mfa-disabled"), [Status::NotEvaluated]);
    assert_eq!(status("iam-root-access-key-active"), [Status::Pass]);
    assert!(fails(
        "ec2-sg-admin-ports-open-ipv4",
        "security-group-rule/"
    ));
    assert!(fails(
        "ec2-sg-admin-ports-open-ipv6",
        "security-group-rule/"
    ));
    assert!(fails("ec2-default-sg-has-rules", "security-group/"));
    // The 8443 rules are open to the internet only through their prefix
    // list: EC2.18's rule fails them in both regions.
    for r in common::REGIONS {
        let rule = region(&snap, r)
            .ec2
            .security_group_rules
            .iter()
            .find(|x| x.prefix_list_id.is_some() && x.from_port == Some(8443))
            .expect("prefix-list rule");
        assert!(results.iter().any(|x| {
            x.rule_id == "ec2-sg-unauthorized-ports-open-to-internet"
                && x.status == Status::Fail
                && x.resource.id == rule.arn
        }));
    }
    assert!(fails("ec2-nacl-admin-ports-open", "network-acl/"));
    assert!(fails("ec2-subnet-auto-assign-public-ip", ":subnet/"));
    assert!(fails("config-recorder-not-enabled", "eu-west-1"));
    assert!(!fails("config-recorder-not-enabled", "us-east-1"));
    // The WAF ACL without rules or logging is found; whether it protects
    // anything is unknown (moto lacks ListResourcesForWebACL), so that check
    // is not evaluated rather than passed or failed.
    assert!(fails("wafv2-webacl-no-rules", "webacl/no-rules/"));
    assert!(fails("wafv2-webacl-logging-disabled", "webacl/no-rules/"));
    let unassociated: Vec<_> = results
        .iter()
        .filter(|r| r.rule_id == "wafv2-webacl-unassociated" && r.resource.region == "us-east-1")
        .collect();
    assert!(!unassociated.is_empty());
    assert!(
        unassociated
            .iter()
            .all(|r| r.status == Status::NotEvaluated),
        "{unassociated:#?}"
    );
}

#[test]
fn thirty_percent_faults_give_the_same_snapshot() {
    let moto = moto();
    let clean = collect_with(&moto.url, |o| o.max_attempts = 12);
    let proxy = Proxy::start(
        &moto.url,
        Faults {
            rate: 0.3,
            seed: 0x5EED,
            ..Faults::default()
        },
    );
    let faulty = collect_with(&proxy.url, |o| o.max_attempts = 12);
    let stats = proxy.stats.lock().unwrap();
    assert!(stats.faults > 20, "faults injected: {stats:?}");
    drop(stats);
    assert_eq!(normalized(faulty), normalized(clean));
}

#[test]
fn access_denied_on_one_service_is_a_gap_and_the_rest_is_complete() {
    let moto = moto();
    let proxy = Proxy::start(
        &moto.url,
        Faults {
            deny_service: Some("backup".into()),
            ..Faults::default()
        },
    );
    let snap = collect(&proxy.url);
    for r in common::REGIONS {
        let rec = snap.accounts[0]
            .coverage
            .iter()
            .find(|c| c.service == "backup" && c.region == r && c.api == "ListBackupVaults")
            .unwrap();
        assert_eq!(rec.status, CoverageStatus::Failed);
        assert!(
            rec.error
                .as_deref()
                .unwrap()
                .starts_with("AccessDeniedException"),
            "{rec:?}"
        );
        assert!(region(&snap, r).backup.vaults.is_empty());
        assert_eq!(
            coverage(&snap, "ec2", r, "DescribeSecurityGroups"),
            Some(CoverageStatus::Ok)
        );
    }
    assert_eq!(snap.accounts[0].iam.users.len(), 3);
    assert!(!region(&snap, "us-east-1").config.recorders.is_empty());
    let results = evaluate(&snap);
    let backup: Vec<_> = results
        .iter()
        .filter(|r| r.rule_id.starts_with("backup-"))
        .collect();
    assert!(!backup.is_empty());
    // Nothing backup-related is judged on data that could not be read, not
    // even "region has workloads but no backup plan".
    let evaluated: Vec<_> = backup
        .iter()
        .filter(|r| r.status != Status::NotEvaluated)
        .collect();
    assert!(evaluated.is_empty(), "{evaluated:#?}");
    assert!(results
        .iter()
        .any(|r| r.rule_id.starts_with("iam-") && r.status == Status::Fail));
}
