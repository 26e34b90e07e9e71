//! A listing absent from the snapshot without a coverage record (a snapshot
//! collected before instances, launch templates and route tables were)
//! leaves the rules over those resources not evaluated in each region, with
//! a marker result per rule and region, never silently without results (an
//! auditor would read "no result" as "not applicable").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use palisade_eval::{Evaluator, Status};
use palisade_model::LoadedSnapshot;

/// The demo organisation as a pre-issue-14 snapshot: no instances, launch
/// templates or route tables, and no coverage record of their listings.
fn older_demo() -> palisade_model::Snapshot {
    let path = palisade_test_kit::fixture("demo/snapshot.json");
    let mut s = LoadedSnapshot::from_path(&path).unwrap().snapshot;
    for a in &mut s.accounts {
        for r in &mut a.region_data {
            r.ec2.instances = None;
            r.ec2.launch_templates = None;
            r.ec2.route_tables = None;
        }
        a.coverage.retain(|c| {
            !matches!(
                c.api.as_str(),
                "DescribeInstances" | "DescribeLaunchTemplates" | "DescribeRouteTables"
            )
        });
    }
    s
}

#[test]
fn rules_over_unlisted_resources_are_not_evaluated_per_region() {
    let pack = palisade_test_kit::pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).unwrap();
    let snapshot = older_demo();
    let results = evaluator.evaluate(&snapshot).results;
    let regions: usize = snapshot.accounts.iter().map(|a| a.regions.len()).sum();
    for rule in [
        "ec2-instance-imdsv1-allowed",
        "ec2-instance-reachable-from-internet",
        "ec2-launch-template-public-ip",
        "ec2-vpc-peering-route-too-wide",
    ] {
        let of_rule: Vec<_> = results.iter().filter(|r| r.rule_id == rule).collect();
        assert_eq!(of_rule.len(), regions, "{rule}: one marker per region");
        for r in of_rule {
            assert_eq!(r.status, Status::NotEvaluated, "{rule}");
            assert!(r.resource.id.contains("/unread/"), "{}", r.resource.id);
            assert!(
                r.message
                    .as_deref()
                    .is_some_and(|m| m.contains("has no ec2 Describe")),
                "{:?}",
                r.message
            );
        }
    }
    // Security group exposure findings stay findings. Without route tables
    // none can be judged reachable; those in front of interfaces are
    // unknown (a group nothing uses is still not reachable).
    let ssh: Vec<_> = results
        .iter()
        .filter(|r| r.rule_id == "ec2-sg-ssh-open-to-internet" && r.status == Status::Fail)
        .collect();
    assert!(!ssh.is_empty(), "the demo opens SSH");
    assert!(ssh.iter().any(|r| r
        .message
        .as_deref()
        .is_some_and(|m| m.starts_with("reachability unknown"))));
    assert!(ssh.iter().all(|r| r
        .exposure
        .as_ref()
        .is_some_and(|e| e.verdict != palisade_eval::result::Reachability::Reachable)));
}

#[test]
fn the_current_demo_has_no_unread_markers() {
    let pack = palisade_test_kit::pack();
    let evaluator = Evaluator::new(&pack, &pack.defaults).unwrap();
    let path = palisade_test_kit::fixture("demo/snapshot.json");
    let snapshot = LoadedSnapshot::from_path(&path).unwrap().snapshot;
    let results = evaluator.evaluate(&snapshot).results;
    assert!(results.iter().all(|r| !r.resource.id.contains("/unread/")));
}
