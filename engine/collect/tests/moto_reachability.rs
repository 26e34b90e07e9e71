//! End to end: the exposure scenarios of fixtures/moto/seed_exposure.py
//! (one hop removed in turn) collected from moto through the real SDK and
//! judged by the repository pack: which instances are reachable from the
//! internet, the path behind each verdict, the verdict (and adjusted
//! severity) on the security group rules that open them, and the fleet rules
//! on the same account (WAF on internet-facing load balancers, Auto Scaling,
//! peering routes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(unused_imports)] // the shared helpers re-export what other test files use
mod common;

use std::collections::HashMap;

use common::{collect, evaluate, moto, region};
use palisade_eval::result::Reachability;
use palisade_eval::{CheckResult, Status};
use palisade_model::Snapshot;

/// The results of one collection of the seeded account, evaluated once.
struct Scan {
    snap: Snapshot,
    results: Vec<CheckResult>,
}

impl Scan {
    fn new() -> Self {
        let snap = collect(&moto().url);
        let results = evaluate(&snap);
        Scan { snap, results }
    }

    /// The ARN of the us-east-1 instance tagged Name=`name`.
    fn instance(&self, name: &str) -> String {
        common::instance_named(region(&self.snap, "us-east-1"), name)
            .arn
            .clone()
    }

    /// The result of `rule` on the resource `id`.
    fn result(&self, rule: &str, id: &str) -> &CheckResult {
        self.results
            .iter()
            .find(|r| r.rule_id == rule && r.resource.id == id)
            .unwrap_or_else(|| panic!("no {rule} result on {id}"))
    }

    /// The status of `rule` on the instance tagged `name`.
    fn on_instance(&self, rule: &str, name: &str) -> Status {
        self.result(rule, &self.instance(name)).status
    }

    /// The results of `rule` by resource name.
    fn by_name(&self, rule: &str) -> HashMap<&str, &CheckResult> {
        self.results
            .iter()
            .filter(|r| r.rule_id == rule)
            .map(|r| (r.resource.name.as_str(), r))
            .collect()
    }
}

const REACHABLE: &str = "ec2-instance-reachable-from-internet";

#[test]
fn each_hop_removed_in_turn_gives_the_expected_verdict() {
    let scan = Scan::new();
    // Reachable: a public address (Elastic IP or auto-assigned), a route to
    // the internet gateway, the default NACL, the SG open to the internet;
    // over IPv6 only; through an internet-facing ALB to a private instance.
    for name in ["exposed", "imdsv1", "ipv6-only", "behind-lb"] {
        assert_eq!(scan.on_instance(REACHABLE, name), Status::Fail, "{name}");
    }
    // One hop missing each: no IGW route in the subnet's own table, a NACL
    // deny before the allow, no return traffic, no public address, a peered
    // VPC without an internet gateway of its own.
    for name in [
        "no-route",
        "nacl-deny",
        "nacl-no-return",
        "no-public-ip",
        "peered",
    ] {
        assert_eq!(scan.on_instance(REACHABLE, name), Status::Pass, "{name}");
    }
    // SSH (an administration port) is reachable only where the instance
    // itself is: behind-lb's port 22 is open in its SG but the ALB listens on
    // 80 only and the instance has no public address.
    let admin = "ec2-instance-admin-ports-reachable";
    assert_eq!(scan.on_instance(admin, "exposed"), Status::Fail);
    assert_eq!(scan.on_instance(admin, "behind-lb"), Status::Pass);
    assert_eq!(scan.on_instance(admin, "nacl-deny"), Status::Pass);
    // The admin role on a reachable instance; the IMDSv1 instance; the one
    // without a profile.
    let privileged = "ec2-instance-reachable-privileged-role";
    assert_eq!(scan.on_instance(privileged, "exposed"), Status::Fail);
    assert_eq!(scan.on_instance(privileged, "imdsv1"), Status::Pass);
    let imds = "ec2-instance-imdsv1-allowed";
    assert_eq!(scan.on_instance(imds, "imdsv1"), Status::Fail);
    assert_eq!(scan.on_instance(imds, "exposed"), Status::Pass);
    let profile = "ec2-instance-no-instance-profile";
    assert_eq!(scan.on_instance(profile, "no-public-ip"), Status::Fail);
    assert_eq!(scan.on_instance(profile, "exposed"), Status::Pass);
}

#[test]
fn a_reachable_finding_shows_its_path_and_an_unreachable_one_the_missing_hop() {
    let scan = Scan::new();
    let exposed = scan.result(REACHABLE, &scan.instance("exposed"));
    let e = exposed.exposure.as_ref().expect("verdict attached");
    assert_eq!(e.verdict, Reachability::Reachable);
    let kinds: Vec<&str> = e.path.iter().map(|h| h.kind.as_str()).collect();
    for kind in [
        "internet",
        "internet_gateway",
        "route_table",
        "security_group_rule",
        "network_interface",
        "instance",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert_eq!(kinds.first(), Some(&"internet"));
    assert!(
        exposed
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("reachable from the internet")),
        "{:?}",
        exposed.message
    );
    // Through the load balancer: the path names it.
    let lb = scan.result(REACHABLE, &scan.instance("behind-lb"));
    let lb_kinds: Vec<&str> = lb
        .exposure
        .as_ref()
        .expect("verdict")
        .path
        .iter()
        .map(|h| h.kind.as_str())
        .collect();
    assert!(lb_kinds.contains(&"load_balancer"), "{lb_kinds:?}");
    assert!(lb_kinds.contains(&"target_group"), "{lb_kinds:?}");
}

#[test]
fn security_group_findings_carry_the_verdict_of_what_they_open() {
    let scan = Scan::new();
    let ssh = "ec2-sg-ssh-open-to-internet";
    let fails: Vec<&CheckResult> = scan
        .results
        .iter()
        .filter(|r| r.rule_id == ssh && r.status == Status::Fail)
        .collect();
    // exposure-open's port 22 rule (IPv4) is attached to `exposed`:
    // reachable, one level up. app-behind-lb's port 22 rule opens only
    // behind-lb, which has no public address: not reachable, one level down.
    let verdict_of = |group: &str| {
        fails
            .iter()
            .find(|r| r.resource.name.starts_with(group) && r.resource.name.contains("0.0.0.0/0"))
            .unwrap_or_else(|| panic!("{ssh} fails on {group}: {fails:?}"))
    };
    let open = verdict_of("exposure-open ");
    assert_eq!(
        open.exposure.as_ref().map(|e| e.verdict),
        Some(Reachability::Reachable)
    );
    assert_eq!(
        open.severity.map(|s| s.as_str()),
        Some("critical"),
        "high raised"
    );
    let behind = verdict_of("app-behind-lb ");
    assert_eq!(
        behind.exposure.as_ref().map(|e| e.verdict),
        Some(Reachability::NotReachable)
    );
    assert_eq!(
        behind.severity.map(|s| s.as_str()),
        Some("medium"),
        "high lowered"
    );
    assert!(
        behind
            .message
            .as_deref()
            .is_some_and(|m| m.starts_with("not reachable")),
        "{:?}",
        behind.message
    );
}

#[test]
fn fleet_rules_judge_the_same_account() {
    let scan = Scan::new();
    let waf = scan.by_name("elbv2-internet-facing-without-waf");
    assert_eq!(waf["web-alb"].status, Status::Fail);
    assert_eq!(waf["waf-alb"].status, Status::Pass);
    if let Some(internal) = waf.get("internal-alb") {
        assert_eq!(internal.status, Status::Pass, "internal: not applicable");
    }
    let single_az = scan.by_name("autoscaling-group-single-az");
    assert_eq!(single_az["asg-single-az"].status, Status::Fail);
    assert_eq!(single_az["asg-compliant"].status, Status::Pass);
    let public_ip = scan.by_name("autoscaling-launch-public-ip");
    assert_eq!(public_ip["asg-single-az"].status, Status::Fail);
    assert_eq!(public_ip["asg-legacy"].status, Status::Fail);
    assert_eq!(public_ip["asg-compliant"].status, Status::Pass);
    let imds = scan.by_name("autoscaling-launch-imdsv1");
    assert_eq!(imds["asg-single-az"].status, Status::Fail);
    assert_eq!(imds["asg-compliant"].status, Status::Pass);
    // Peering: peer-b-wide's 0.0.0.0/0 to the peering is too wide; the
    // exact-CIDR routes are least access.
    let peering: Vec<&CheckResult> = scan
        .results
        .iter()
        .filter(|r| r.rule_id == "ec2-vpc-peering-route-too-wide")
        .collect();
    let fails: Vec<&str> = peering
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| r.resource.id.as_str())
        .collect();
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(fails[0].ends_with("/route/0.0.0.0/0"), "{fails:?}");
    assert!(
        peering.iter().filter(|r| r.status == Status::Pass).count() >= 2,
        "{peering:?}"
    );
}
