//! Writes HTML reports of the demo organisation with a constructed history
//! section (the CLI wires the history database in; here the section is
//! built by hand) to `$CARGO_TARGET_TMPDIR/html-history/`, and one with
//! constructed reachability verdicts (a hostile network path) to
//! `$CARGO_TARGET_TMPDIR/html-exposure/`, and checks the data they carry.
//! `test_history.py` and `test_exposure.py` in this directory open them in
//! Chromium: run by ./scripts/test after `cargo test`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use chrono::TimeZone as _;
use palisade_eval::Evaluator;
use palisade_model::LoadedSnapshot;
use palisade_report::digest::{Digest, DigestFinding, FrameworkTrend, HistorySection, TrendPoint};
use palisade_report::html::{render, HtmlOptions};
use palisade_report::ScanReport;
use palisade_rules::Severity;
use palisade_triage::Triage;

fn point(id: i64, pass: usize, fail: usize, not_evaluated: usize) -> TrendPoint {
    TrendPoint {
        scan_id: id,
        scan_time: chrono::Utc
            .with_ymd_and_hms(2026, 11, 10 + id as u32, 2, 0, 0)
            .unwrap(),
        pass,
        fail,
        not_evaluated,
        not_applicable: 3,
        manual: 9,
    }
}

/// `n` findings of one rule.
fn findings(sev: Severity, rule: &str, n: usize, suppressed: usize) -> Vec<DigestFinding> {
    (0..n)
        .map(|i| DigestFinding {
            severity: sev,
            rule_id: rule.into(),
            resource_id: format!("arn:aws:ec2:us-east-1:111111111111:security-group/sg-{i:04}"),
            suppressed: i < suppressed,
        })
        .collect()
}

/// The nightly summary of scan 5 against scan 4: low findings in storage
/// order before high and critical ones, more rules than the cap.
pub fn section() -> HistorySection {
    let mut new = findings(Severity::Low, "ec2-low-rule", 40, 0);
    new.extend(findings(Severity::High, "iam-high-rule", 12, 2));
    new.extend(findings(Severity::Critical, "iam-root-rule", 1, 0));
    for i in 0..8 {
        new.extend(findings(
            Severity::Medium,
            &format!("medium-rule-{i}"),
            2,
            0,
        ));
    }
    HistorySection {
        scan_id: 5,
        scan_time: point(5, 0, 0, 0).scan_time,
        previous_scan_id: Some(4),
        new: Digest::of(new, 6, 5),
        fixed: Digest::of(findings(Severity::Medium, "backup-fixed-rule", 3, 0), 6, 5),
        trends: vec![
            FrameworkTrend {
                framework_id: "cis-aws-6.0".into(),
                points: vec![
                    point(1, 10, 20, 2),
                    point(2, 14, 16, 2),
                    point(3, 0, 0, 0),
                    point(4, 20, 12, 0),
                    point(5, 26, 6, 0),
                ],
            },
            FrameworkTrend {
                framework_id: "aws-fsbp".into(),
                points: vec![point(5, 4, 34, 0)],
            },
        ],
    }
}

#[test]
fn writes_the_demo_report_with_a_history_section_and_as_a_first_scan() {
    let pack = palisade_test_kit::pack();
    let mut snapshot =
        LoadedSnapshot::from_path(&palisade_test_kit::fixture("demo/snapshot.json")).unwrap();
    snapshot.path = "fixtures/demo/snapshot.json".into();
    let results = Evaluator::new(&pack, &pack.defaults)
        .unwrap()
        .evaluate(&snapshot.snapshot)
        .results;
    let triage = Triage::default();
    let report = ScanReport::new(&snapshot, &pack, &results, &triage);
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-history");
    std::fs::create_dir_all(&dir).unwrap();
    let h = section();
    let first = HistorySection {
        previous_scan_id: None,
        new: Digest::default(),
        fixed: Digest::default(),
        trends: vec![FrameworkTrend {
            framework_id: "cis-aws-6.0".into(),
            points: vec![point(1, 10, 20, 2)],
        }],
        ..h.clone()
    };
    for (name, section) in [("history.html", &h), ("first.html", &first)] {
        let html = render(
            &report,
            &HtmlOptions {
                frameworks: None,
                history: Some(section),
            },
        );
        assert!(html.contains("\"previous_scan_id\":"));
        std::fs::write(dir.join(name), html).unwrap();
    }
    // The section as rendered: most severe rule first, the cap stated.
    assert_eq!(h.new.groups[0].rule_id, "iam-root-rule");
    assert_eq!((h.new.more_groups, h.new.more_findings), (5, 48));
}

/// A hop of a constructed network path.
fn hop(kind: &str, id: &str, label: &str) -> palisade_eval::result::PathHop {
    palisade_eval::result::PathHop {
        kind: kind.into(),
        id: id.into(),
        label: label.into(),
    }
}

/// The hostile hop label test_exposure.py looks for as literal text.
const HOSTILE_LABEL: &str =
    "<img src=x onerror=\"window.__pwned='hop'\"></script><script>window.__pwned='hop2'</script>";

#[test]
fn writes_the_demo_report_with_reachability_verdicts() {
    use palisade_eval::result::{adjusted_severity, Exposure, Reachability};
    let pack = palisade_test_kit::pack();
    let mut snapshot =
        LoadedSnapshot::from_path(&palisade_test_kit::fixture("demo/snapshot.json")).unwrap();
    snapshot.path = "fixtures/demo/snapshot.json".into();
    let mut results = Evaluator::new(&pack, &pack.defaults)
        .unwrap()
        .evaluate(&snapshot.snapshot)
        .results;
    // The first two fails of the ingress exposure checks get a verdict, as
    // the evaluator attaches them when the graph has one.
    let exposed: Vec<usize> = (0..results.len())
        .filter(|&i| {
            results[i].status == palisade_eval::Status::Fail
                && pack
                    .rule(&results[i].rule_id)
                    .is_some_and(|r| r.policy.annotation("exposure").is_some())
        })
        .take(2)
        .collect();
    assert_eq!(exposed.len(), 2);
    let verdicts = [
        Exposure {
            verdict: Reachability::Reachable,
            reason: "on tcp 22 through igw-0abc".into(),
            path: vec![
                hop("internet", "0.0.0.0/0", "the internet"),
                hop(
                    "internet_gateway",
                    "igw-0abc",
                    "route 0.0.0.0/0 -> igw-0abc",
                ),
                hop("network_interface", "eni-hostile", HOSTILE_LABEL),
                hop("instance", "i-0123", "web-1"),
            ],
        },
        Exposure {
            verdict: Reachability::NotReachable,
            reason: "no route to an internet gateway in rtb-x".into(),
            path: vec![hop("internet", "0.0.0.0/0", "the internet")],
        },
    ];
    for (i, e) in exposed.iter().zip(verdicts) {
        let r = &mut results[*i];
        let rule = pack.rule(&r.rule_id).unwrap().meta.severity;
        let effective = adjusted_severity(rule, e.verdict);
        r.severity = (effective != rule).then_some(effective);
        r.message = Some(e.summary());
        r.exposure = Some(e);
    }
    let triage = Triage::default();
    let report = ScanReport::new(&snapshot, &pack, &results, &triage);
    let html = render(&report, &HtmlOptions::default());
    // The label is data inside the JSON element, never markup.
    assert!(!html.contains("<img"));
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("html-exposure");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("exposure.html"), html).unwrap();
    // What test_exposure.py checks against.
    let first = &results[exposed[0]];
    let verdicts = |v: Reachability| {
        results
            .iter()
            .filter(|r| r.exposure.as_ref().is_some_and(|e| e.verdict == v))
            .count()
    };
    let meta = serde_json::json!({
        "reachable": verdicts(Reachability::Reachable),
        "not_reachable": verdicts(Reachability::NotReachable),
        "with_verdict": results.iter().filter(|r| r.exposure.is_some()).count(),
        "rule_id": first.rule_id,
        "resource_id": first.resource.id,
        "severity": report.severity(first).as_str(),
        "rule_severity": pack.rule(&first.rule_id).unwrap().meta.severity.as_str(),
        "label": HOSTILE_LABEL,
    });
    std::fs::write(dir.join("exposure.json"), meta.to_string()).unwrap();
}
