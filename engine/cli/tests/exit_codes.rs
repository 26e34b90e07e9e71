//! The documented exit codes, as a table over the built binary and small
//! snapshots written here (no moto, no network): 0 clean, 1 findings at or
//! above --fail-on, 2 bad input, 3 incomplete (coverage gaps or evaluation
//! errors), with waivers, their expiry and --fail-on-new baselines moving a
//! scan between 0 and 1, and 2 winning over 3 winning over 1.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{code, palisade};

const ACCOUNT: &str = "123456789012";

/// A one-account snapshot with `iam` and `extra` (more account fields).
fn snapshot(iam: &str, extra: &str) -> String {
    format!(
        r#"{{"format":"palisade-snapshot","version":1,"scan_time":"2026-11-01T00:00:00Z",
"accounts":[{{"account_id":"{ACCOUNT}","regions":["us-east-1"],"iam":{iam}{extra}}}]}}"#
    )
}

fn group(name: &str) -> String {
    format!(r#"{{"arn":"arn:aws:iam::{ACCOUNT}:group/{name}","name":"{name}"}}"#)
}

/// Empty IAM groups: each one fails `iam-group-empty` (cost pack, info).
fn groups(names: &[&str]) -> String {
    let g: Vec<String> = names.iter().map(|n| group(n)).collect();
    snapshot(&format!(r#"{{"groups":[{}]}}"#, g.join(",")), "")
}

/// A security group rule whose CIDR does not parse: an evaluation error.
fn bad_cidr() -> String {
    let rd = format!(
        r#","region_data":[{{"region":"us-east-1","ec2":{{
"security_groups":[{{"arn":"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-1","group_id":"sg-1","group_name":"web","description":"web"}}],
"security_group_rules":[{{"arn":"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group-rule/sgr-1","rule_id":"sgr-1","group_id":"sg-1","is_egress":false,"ip_protocol":"tcp","from_port":22,"to_port":22,"cidr_ipv4":"10.0.0.0/33"}}]}}}}]"#
    );
    snapshot("{}", &rd)
}

/// A failed ListGroups call: a coverage gap in IAM.
fn gap() -> String {
    snapshot(
        "{}",
        r#","coverage":[{"service":"iam","region":"global","api":"ListGroups","status":"failed","error":"AccessDenied"}]"#,
    )
}

/// An empty group (a finding) and a failed EC2 call (a gap elsewhere).
fn gap_and_finding() -> String {
    snapshot(
        &format!(r#"{{"groups":[{}]}}"#, group("auditors")),
        r#","coverage":[{"service":"ec2","region":"us-east-1","api":"DescribeSecurityGroups","status":"failed","error":"AccessDenied"},{"service":"iam","region":"global","api":"ListGroups","status":"ok"}]"#,
    )
}

fn waiver(rule: &str, resource: &str, expires: &str) -> String {
    format!(
        "[[waiver]]\nrule = \"{rule}\"\nresource = \"{resource}\"\nreason = \"accepted: audit group kept empty on purpose\"\nowner = \"secops@example.com\"\nexpires = {expires}\n"
    )
}

struct Case {
    name: &'static str,
    /// Files written into a temporary directory: (name, content).
    files: Vec<(&'static str, String)>,
    /// Arguments; `{dir}` is replaced by the temporary directory.
    args: Vec<&'static str>,
    want: i32,
    /// Standard error must contain this (for exit 2: the reason).
    stderr: &'static str,
    /// Standard output must contain this.
    stdout: &'static str,
}

/// Runs `case` in a fresh temporary directory.
fn run(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().expect("tmp");
    run_in(dir.path(), case)
}

/// Writes the case's files into `dir` and runs it there.
fn run_in(dir: &Path, case: &Case) -> Result<(), String> {
    for (name, content) in &case.files {
        std::fs::write(dir.join(name), content).expect("write");
    }
    let d = dir.to_str().expect("utf8");
    let args: Vec<String> = case.args.iter().map(|a| a.replace("{dir}", d)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = palisade(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    if code(&o) != case.want || !err.contains(case.stderr) || !out.contains(case.stdout) {
        return Err(format!(
            "{}: exit {} (want {}), stderr (want {:?}):\n{err}\nstdout (want {:?}):\n{out}",
            case.name,
            code(&o),
            case.want,
            case.stderr,
            case.stdout,
        ));
    }
    Ok(())
}

/// Writes a JSON baseline of `snapshot` (exit 1: it has findings).
fn with_baseline(dir: &Path, snapshot: &str) {
    std::fs::write(dir.join("base-snap.json"), snapshot).expect("write");
    let o = palisade(&[
        "scan",
        dir.join("base-snap.json").to_str().expect("utf8"),
        "--pack",
        "cost",
        "--format",
        "json",
        "--output",
        dir.join("baseline.json").to_str().expect("utf8"),
    ]);
    assert_eq!(code(&o), 1, "{}", String::from_utf8_lossy(&o.stderr));
}

fn cases() -> Vec<Case> {
    let one = groups(&["auditors"]);
    let auditors = format!("arn:aws:iam::{ACCOUNT}:group/auditors");
    vec![
        Case {
            name: "clean account",
            files: vec![("s.json", groups(&[]))],
            args: vec!["scan", "{dir}/s.json", "--pack", "cost"],
            want: 0,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "one finding",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--pack", "cost"],
            want: 1,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "finding below --fail-on",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--pack", "cost", "--fail-on", "low"],
            want: 0,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "waived finding",
            files: vec![
                ("s.json", one.clone()),
                ("w.toml", waiver("iam-group-empty", &auditors, "2026-12-31")),
            ],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--waivers",
                "{dir}/w.toml",
                "--today",
                "2026-12-31",
            ],
            want: 0,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "expired waiver",
            files: vec![
                ("s.json", one.clone()),
                ("w.toml", waiver("iam-group-empty", &auditors, "2026-12-31")),
            ],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--waivers",
                "{dir}/w.toml",
                "--today",
                "2027-01-01",
            ],
            want: 1,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "waiver for another resource",
            files: vec![
                ("s.json", groups(&["auditors", "builders"])),
                ("w.toml", waiver("iam-group-empty", &auditors, "2026-12-31")),
            ],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--waivers",
                "{dir}/w.toml",
                "--today",
                "2026-12-01",
            ],
            want: 1,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "coverage gap",
            files: vec![("s.json", gap())],
            args: vec!["scan", "{dir}/s.json", "--pack", "cost"],
            want: 3,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "coverage gap with a finding: incomplete wins",
            files: vec![("s.json", gap_and_finding())],
            args: vec!["scan", "{dir}/s.json", "--pack", "cost"],
            want: 3,
            stderr: "",
            stdout: "iam-group-empty",
        },
        Case {
            name: "evaluation error (invalid CIDR)",
            files: vec![("s.json", bad_cidr())],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "security",
                "--fail-on",
                "critical",
            ],
            want: 3,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "missing snapshot",
            files: vec![],
            args: vec!["scan", "{dir}/nope.json"],
            want: 2,
            stderr: "nope.json",
            stdout: "",
        },
        Case {
            name: "truncated snapshot",
            files: vec![("s.json", one[..40].to_owned())],
            args: vec!["scan", "{dir}/s.json"],
            want: 2,
            stderr: "s.json:",
            stdout: "",
        },
        Case {
            name: "unknown severity",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--fail-on", "severe"],
            want: 2,
            stderr: "severe",
            stdout: "",
        },
        Case {
            name: "unknown pack",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--pack", "securty"],
            want: 2,
            stderr: "securty",
            stdout: "",
        },
        Case {
            name: "bad date",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--today", "2026-13-45"],
            want: 2,
            stderr: "2026-13-45",
            stdout: "",
        },
        Case {
            name: "unknown framework",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--framework", "cis-aws-9.9"],
            want: 2,
            stderr: "cis-aws-9.9",
            stdout: "",
        },
        Case {
            name: "missing waiver file",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--waivers", "{dir}/none.toml"],
            want: 2,
            stderr: "none.toml",
            stdout: "",
        },
        Case {
            name: "unknown flag",
            files: vec![("s.json", one.clone())],
            args: vec!["scan", "{dir}/s.json", "--fail-on-nwe"],
            want: 2,
            stderr: "--fail-on-nwe",
            stdout: "",
        },
        Case {
            name: "bad input beats a coverage gap",
            files: vec![("s.json", gap())],
            args: vec!["scan", "{dir}/s.json", "--fail-on", "severe"],
            want: 2,
            stderr: "severe",
            stdout: "",
        },
    ]
}

#[test]
fn exit_code_matrix() {
    let failures: Vec<String> = cases().iter().filter_map(|c| run(c).err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases().len(),
        failures.join("\n---\n")
    );
}

#[test]
fn fail_on_new_exits_0_on_an_unchanged_baseline_and_1_on_a_new_finding() {
    let dir = tempfile::tempdir().expect("tmp");
    with_baseline(dir.path(), &groups(&["auditors"]));
    let cases = [
        Case {
            name: "unchanged, --fail-on-new",
            files: vec![("s.json", groups(&["auditors"]))],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--baseline",
                "{dir}/baseline.json",
                "--fail-on-new",
            ],
            want: 0,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "unchanged, without --fail-on-new: the old finding still fails",
            files: vec![("s.json", groups(&["auditors"]))],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--baseline",
                "{dir}/baseline.json",
            ],
            want: 1,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "one new finding, --fail-on-new",
            files: vec![("s.json", groups(&["auditors", "builders"]))],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--baseline",
                "{dir}/baseline.json",
                "--fail-on-new",
            ],
            want: 1,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "the old finding fixed, --fail-on-new",
            files: vec![("s.json", groups(&[]))],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--pack",
                "cost",
                "--baseline",
                "{dir}/baseline.json",
                "--fail-on-new",
            ],
            want: 0,
            stderr: "",
            stdout: "",
        },
        Case {
            name: "baseline that is not a report",
            files: vec![
                ("s.json", groups(&[])),
                ("bad.json", "{\"hello\": 1}".into()),
            ],
            args: vec![
                "scan",
                "{dir}/s.json",
                "--baseline",
                "{dir}/bad.json",
                "--fail-on-new",
            ],
            want: 2,
            stderr: "bad.json",
            stdout: "",
        },
    ];
    // Each case writes its files next to the baseline.
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_in(dir.path(), c).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
