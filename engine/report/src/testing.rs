//! Test support for the renderers' unit tests: a [`ScanReport`] over a
//! snapshot of the repository's fixtures, evaluated with the repository's
//! rule pack. Only compiled for tests.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::OnceLock;

use palisade_eval::{CheckResult, Evaluator};
use palisade_model::LoadedSnapshot;
use palisade_rules::RulePack;
use palisade_triage::Triage;

use crate::ScanReport;

/// The repository pack, loaded once per test binary.
pub fn pack() -> &'static RulePack {
    static PACK: OnceLock<RulePack> = OnceLock::new();
    PACK.get_or_init(palisade_test_kit::pack)
}

/// A snapshot, its results and an empty triage: what a scan without
/// waivers or baseline hands the renderers.
pub struct Scan {
    /// The snapshot.
    pub snapshot: LoadedSnapshot,
    /// Its results.
    pub results: Vec<CheckResult>,
    /// No waivers, no baseline.
    pub triage: Triage,
}

impl Scan {
    /// Evaluates `fixtures/<rel>` with the repository pack.
    pub fn of(rel: &str) -> Scan {
        let path = palisade_test_kit::fixture(rel);
        let mut snapshot = LoadedSnapshot::from_path(&path).expect("fixture loads");
        // Reports name the snapshot as the user typed it.
        snapshot.path = std::path::PathBuf::from("fixtures").join(rel);
        let evaluator = Evaluator::new(pack(), &pack().defaults).expect("evaluator");
        let results = evaluator.evaluate(&snapshot.snapshot).results;
        Scan {
            snapshot,
            results,
            triage: Triage::default(),
        }
    }

    /// The hostile snapshot (fixtures/hostile/snapshot.json).
    pub fn hostile() -> Scan {
        Scan::of("hostile/snapshot.json")
    }

    /// The demo snapshot with reachability verdicts on two fails of rules
    /// annotated `@exposure` (as the evaluator attaches them): the first
    /// reachable, through a path whose hop labels and ids are hostile
    /// (markup, bidi override, escape sequence), the second not reachable.
    /// Returns the scan and the indexes of the two results.
    pub fn exposed() -> (Scan, [usize; 2]) {
        use palisade_eval::result::{adjusted_severity, Exposure, PathHop, Reachability};
        let mut scan = Scan::of("demo/snapshot.json");
        let annotated: Vec<usize> = scan
            .results
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.status == palisade_eval::Status::Fail
                    && pack()
                        .rule(&r.rule_id)
                        .is_some_and(|x| x.policy.annotation("exposure").is_some())
            })
            .map(|(i, _)| i)
            .collect();
        assert!(annotated.len() >= 2, "the demo fails exposure checks");
        let hop = |kind: &str, id: &str, label: &str| PathHop {
            kind: kind.into(),
            id: id.into(),
            label: label.into(),
        };
        let reachable = Exposure {
            verdict: Reachability::Reachable,
            reason: "on tcp 22 via igw-1 <b>and</b> [x](https://evil.example)".into(),
            path: vec![
                hop("internet", "0.0.0.0/0", "the internet"),
                hop("internet_gateway", "igw-1", "route 0.0.0.0/0 -> igw-1"),
                hop(
                    "network_interface",
                    "eni-</script><img src=x onerror=alert(1)>",
                    "<img src=x onerror=alert(1)> \u{202E}gnp.exe \u{1b}[31mred | [link](https://evil.example)",
                ),
                hop("instance", "arn:aws:ec2:us-east-1:111111111111:instance/i-1", "i-1"),
            ],
        };
        let not_reachable = Exposure {
            verdict: Reachability::NotReachable,
            reason: "no route to an internet gateway in rtb-x".into(),
            path: vec![hop("internet", "0.0.0.0/0", "the internet")],
        };
        for (i, e) in [annotated[0], annotated[1]]
            .into_iter()
            .zip([reachable, not_reachable])
        {
            let r = &mut scan.results[i];
            let rule = pack().rule(&r.rule_id).map(|x| x.meta.severity);
            let rule = rule.unwrap_or(palisade_rules::Severity::Info);
            let effective = adjusted_severity(rule, e.verdict);
            r.severity = (effective != rule).then_some(effective);
            r.message = Some(e.summary());
            r.exposure = Some(e);
        }
        (scan, [annotated[0], annotated[1]])
    }

    /// The report the renderers take.
    pub fn report(&self) -> ScanReport<'_> {
        ScanReport::new(&self.snapshot, pack(), &self.results, &self.triage)
    }
}

/// The Markdown characters that open links, images, HTML and table cells
/// (`[`, `]`, `<`, `>`, `|`) where `text` does not backslash-escape them.
pub fn unescaped_markdown(text: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut escaped = false;
    for c in text.chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '[' | ']' | '<' | '>' | '|') {
            out.push(c);
        }
    }
    out
}

/// The hostile characters no terminal or Markdown output may carry raw:
/// C0 and C1 controls (line breaks aside) and bidirectional overrides.
pub fn raw_controls(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| (c.is_control() && c != '\n') || crate::escape::is_bidi_control(c))
        .collect()
}
