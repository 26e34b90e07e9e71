//! End-to-end tests of the argument surface: one spelling per concept in
//! `--help` (with the old `--db` kept as a hidden alias), typed values checked
//! by clap (severity, pack, date), and errors printed with their cause.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

const DEMO: &str = "fixtures/demo/snapshot.json";

use palisade_test_kit::root;

fn palisade(args: &[&str]) -> Output {
    Command::cargo_bin("palisade")
        .expect("binary")
        .current_dir(root())
        .args(args)
        .output()
        .expect("run palisade")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

#[test]
fn output_in_a_missing_directory_prints_the_os_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("no/such/dir/out.sarif");
    let o = palisade(&["scan", DEMO, "--format", "sarif", "--output", s(&out)]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(
        err.trim_end(),
        format!(
            "error: writing {}: No such file or directory (os error 2)",
            out.display()
        ),
    );
}

#[test]
fn a_missing_input_names_the_file_and_the_os_error_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let missing = dir.path().join("missing.toml");
    for args in [
        vec!["scan", "does/not/exist.json"],
        vec!["scan", DEMO, "--config", s(&missing)],
        vec!["scan", DEMO, "--waivers", s(&missing)],
        vec!["scan", DEMO, "--baseline", s(&missing)],
        vec!["validate", "--config", s(&missing)],
    ] {
        let o = palisade(&args);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(
            err.contains("exist.json: ") || err.contains("missing.toml: "),
            "{args:?}: {err}"
        );
        assert_eq!(
            err.matches("No such file or directory").count(),
            1,
            "{args:?}: the cause is shown exactly once: {err}"
        );
    }
}

#[test]
fn help_shows_one_spelling_per_concept() {
    for command in ["scan", "validate", "history", "diff"] {
        let o = palisade(&[command, "--help"]);
        assert_eq!(code(&o), 0);
        let help = stdout(&o);
        assert_eq!(
            help.matches("--config <FILE>").count(),
            1,
            "{command}:\n{help}"
        );
    }
    for command in ["scan", "history", "diff"] {
        let help = stdout(&palisade(&[command, "--help"]));
        assert_eq!(
            help.matches("--history-db <FILE>").count(),
            1,
            "{command}:\n{help}"
        );
        assert!(
            !help.contains("--db"),
            "{command}: the old spelling is hidden:\n{help}"
        );
    }
    // Short help lists each typed option's accepted values inline.
    let help = stdout(&palisade(&["scan", "-h"]));
    for values in [
        "[possible values: critical, high, medium, low, info]",
        "[possible values: security, compliance, dr, cost]",
        "[possible values: table, json, sarif, junit, ocsf, asff, html]",
    ] {
        assert!(help.contains(values), "{values}:\n{help}");
    }
}

#[test]
fn rules_help_names_every_subcommand() {
    let top = stdout(&palisade(&["--help"]));
    let line = top
        .lines()
        .find(|l| l.trim_start().starts_with("rules "))
        .expect("rules in --help");
    for sub in ["list", "explain", "docs"] {
        assert!(line.contains(sub), "{line}");
    }
    let help = stdout(&palisade(&["rules", "--help"]));
    for sub in ["list", "explain", "docs"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(sub)),
            "{sub}:\n{help}"
        );
    }
}

#[test]
fn history_db_and_its_hidden_alias_name_the_same_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("h.sqlite");
    // Recorded through the old spelling, read through both.
    let o = palisade(&["scan", DEMO, "--record", "--db", s(&db), "--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(db.is_file());
    let o = palisade(&[
        "scan",
        DEMO,
        "--record",
        "--history-db",
        s(&db),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    for flag in ["--history-db", "--db"] {
        let o = palisade(&["history", flag, s(&db)]);
        assert_eq!(code(&o), 0, "{flag}: {}", stderr(&o));
        assert_eq!(
            stdout(&o).lines().count(),
            3,
            "{flag}: header and two scans"
        );
        let o = palisade(&["diff", "1", "2", flag, s(&db), "--json"]);
        assert_eq!(code(&o), 0, "{flag}: {}", stderr(&o));
        let d: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        assert_eq!(d["new"].as_array().map(Vec::len), Some(0), "{flag}");
        assert_eq!(d["fixed"].as_array().map(Vec::len), Some(0), "{flag}");
    }
    // A database that does not exist is named in the error.
    let none = dir.path().join("none.sqlite");
    for flag in ["--history-db", "--db"] {
        let o = palisade(&["history", flag, s(&none)]);
        assert_eq!(code(&o), 2);
        assert!(
            stderr(&o).contains("none.sqlite: no history yet"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn typed_values_are_checked_by_the_parser() {
    for (args, needle) in [
        (
            vec!["scan", DEMO, "--fail-on", "urgent"],
            "invalid value 'urgent' for '--fail-on <SEVERITY>'",
        ),
        (
            vec!["scan", DEMO, "--pack", "nope"],
            "invalid value 'nope' for '--pack <PACK>'",
        ),
        (
            vec!["scan", DEMO, "--today", "tomorrow"],
            "invalid value 'tomorrow' for '--today <DATE>': not a date (YYYY-MM-DD)",
        ),
        (
            vec!["scan", DEMO, "--format", "xml"],
            "invalid value 'xml' for '--format <FORMAT>'",
        ),
        (
            vec!["rules", "list", "--pack", "nope"],
            "invalid value 'nope' for '--pack <PACK>'",
        ),
    ] {
        let o = palisade(&args);
        assert_eq!(code(&o), 2, "{args:?}");
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    // Valid values take effect.
    let o = palisade(&["rules", "list", "--pack", "dr"]);
    assert_eq!(code(&o), 0);
    let rows: Vec<String> = stdout(&o).lines().skip(1).map(str::to_owned).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|l| l.split_whitespace().nth(2) == Some("dr")),
        "{rows:?}"
    );
    let o = palisade(&[
        "scan",
        DEMO,
        "--format",
        "json",
        "--pack",
        "cost",
        "--today",
        "2026-11-30",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let results = doc["results"].as_array().expect("results");
    assert!(!results.is_empty());
    assert!(
        results.iter().all(|r| r["pack"] == "cost"),
        "only cost results"
    );
}
