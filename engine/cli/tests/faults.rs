//! `palisade collect` and `scan --live` under faults, as a user runs them:
//! the built binary against the seeded moto server behind the fault proxy.
//! SIGINT / SIGTERM mid-run leave the previous files untouched and no
//! temporary file, exit 130 with one line on stderr; `-v` shows every retry
//! and give-up, and without it the run stays quiet; the timeout flags turn
//! a slow service into a gap instead of a hang.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is for the other test binaries
mod common;

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use palisade_test_kit::moto::{self as harness, Faults, Proxy};

/// `palisade` with credentials from the environment only (nothing outside
/// the test is read).
fn palisade(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_palisade"));
    cmd.current_dir(common::root())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("RUST_LOG");
    cmd
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A proxy that holds back every answer but STS's for a minute: a
/// collection through it is in flight until stopped.
fn stalled() -> Proxy {
    Proxy::start(
        &harness::moto().url,
        Faults {
            slow_rate: 1.0,
            delay: Duration::from_secs(60),
            spare: Some("/sts/aws4_request".into()),
            ..Faults::default()
        },
    )
}

/// Waits until the proxy has seen `n` requests (the run is collecting).
fn wait_for_requests(proxy: &Proxy, n: usize, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while proxy.counts().requests < n {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("palisade exited ({status}) before collecting");
        }
        assert!(Instant::now() < deadline, "no requests reached the proxy");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` (INT, TERM) to `child` and collects its output; kills it
/// and fails when it does not exit within 30 s.
fn interrupt(mut child: Child, signal: &str) -> Output {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(ok.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("palisade did not exit within 30 s of SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn assert_interrupted(o: &Output, signal: &str) {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {err}");
    assert!(
        lines[0].contains(&format!("interrupted by SIG{signal}")),
        "{err}"
    );
}

#[test]
fn a_signal_during_collect_keeps_the_previous_snapshot_and_exits_130() {
    for signal in ["INT", "TERM"] {
        let proxy = stalled();
        let dir = tempfile::tempdir().unwrap();
        let snap = dir.path().join("snap.json");
        std::fs::write(&snap, "{\"previous\": true}\n").unwrap();
        let child = palisade(dir.path())
            .args(["collect", "--endpoint-url", &proxy.url, "--regions"])
            .args(["us-east-1,eu-west-1", "-q", "-o"])
            .arg(&snap)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn palisade");
        let mut child = child;
        wait_for_requests(&proxy, 5, &mut child);
        let o = interrupt(child, signal);
        assert_interrupted(&o, signal);
        assert_eq!(
            std::fs::read_to_string(&snap).unwrap(),
            "{\"previous\": true}\n"
        );
        assert_eq!(files(dir.path()), ["snap.json"], "no temporary file left");
    }
}

#[test]
fn a_signal_during_scan_live_leaves_the_previous_report_and_snapshot() {
    let proxy = stalled();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let report = dir.path().join("report.json");
    std::fs::write(&snap, "previous snapshot\n").unwrap();
    std::fs::write(&report, "previous report\n").unwrap();
    let mut child = palisade(dir.path())
        .args(["scan", "--live", "--endpoint-url", &proxy.url])
        .args(["--regions", "us-east-1", "-q", "--format", "json"])
        .arg(&snap)
        .arg("-o")
        .arg(&report)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn palisade");
    wait_for_requests(&proxy, 5, &mut child);
    let o = interrupt(child, "TERM");
    assert_interrupted(&o, "TERM");
    assert_eq!(
        std::fs::read_to_string(&snap).unwrap(),
        "previous snapshot\n"
    );
    assert_eq!(
        std::fs::read_to_string(&report).unwrap(),
        "previous report\n"
    );
    assert_eq!(files(dir.path()), ["report.json", "snap.json"]);
}

/// `collect` through a proxy where eu-west-1 is unreachable, with `extra`
/// arguments; its stderr and exit code.
fn collect_unreachable(extra: &[&str]) -> (String, Option<i32>) {
    let proxy = Proxy::start(
        &harness::moto().url,
        Faults {
            unreachable_region: Some("eu-west-1".into()),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let o = palisade(dir.path())
        .args(["collect", "--endpoint-url", &proxy.url])
        .args(["--regions", "us-east-1,eu-west-1", "--max-attempts", "2"])
        .arg("-o")
        .arg(&snap)
        .args(extra)
        .output()
        .expect("run palisade");
    (text(&o.stderr), o.status.code())
}

#[test]
fn dash_v_shows_every_retry_and_give_up_and_without_it_collect_is_quiet() {
    let (err, code) = collect_unreachable(&["-v"]);
    assert_eq!(code, Some(3), "{err}");
    let retry = err
        .lines()
        .find(|l| l.contains("retrying") && l.contains("eu-west-1"))
        .unwrap_or_else(|| panic!("a retry line: {err}"));
    assert!(retry.contains("attempt=2"), "{retry}");
    assert!(retry.contains("connection error"), "{retry}");
    assert!(retry.contains("operation="), "{retry}");
    let gave_up = err
        .lines()
        .find(|l| l.contains("gave up") && l.contains("eu-west-1"))
        .unwrap_or_else(|| panic!("a give-up line: {err}"));
    assert!(gave_up.contains("attempts=2"), "{gave_up}");
    assert!(gave_up.contains("coverage gap"), "{gave_up}");
    eprintln!("{retry}\n{gave_up}");
    // Every eu-west-1 call that was retried and failed again is a gap.
    assert!(err.contains("coverage gaps"), "{err}");

    let (quiet, code) = collect_unreachable(&["-q"]);
    assert_eq!(code, Some(3), "{quiet}");
    assert!(
        !quiet.contains("retrying") && !quiet.contains("gave up"),
        "{quiet}"
    );
    assert!(quiet.contains("coverage gaps"), "{quiet}");
    assert!(
        quiet.contains("eu-west-1"),
        "the gaps are still listed: {quiet}"
    );
}

#[test]
fn read_timeout_turns_a_stalled_service_into_a_gap_not_a_hang() {
    let proxy = Proxy::start(
        &harness::moto().url,
        Faults {
            scope: Some("/backup/aws4_request".into()),
            slow_rate: 1.0,
            delay: Duration::from_secs(60),
            ..Faults::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let o = palisade(dir.path())
        .args(["collect", "--endpoint-url", &proxy.url, "--regions"])
        .args(["us-east-1", "-q", "--max-attempts", "2"])
        .args(["--read-timeout", "1", "--connect-timeout", "2"])
        .arg("-o")
        .arg(&snap)
        .output()
        .expect("run palisade");
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    let gap = err
        .lines()
        .find(|l| l.contains("backup") && l.contains("ListBackupVaults"))
        .unwrap_or_else(|| panic!("backup is a gap: {err}"));
    assert!(
        gap.contains("timeout") || gap.contains("timed out"),
        "{gap}"
    );
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&snap).unwrap()).unwrap();
    let ec2_ok = s["accounts"][0]["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["service"] == "ec2" && c["status"] == "ok");
    assert!(ec2_ok, "the other services were collected");
}

#[test]
fn timeout_flags_refuse_values_that_are_not_positive_seconds() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--read-timeout", "0"),
        ("--connect-timeout", "-1"),
        ("--attempt-timeout", "soon"),
    ] {
        let o = palisade(dir.path())
            .args(["collect", &format!("{flag}={value}"), "-o"])
            .arg(dir.path().join("s.json"))
            .output()
            .unwrap();
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {err}");
        assert!(err.contains(flag), "{err}");
    }
    assert_eq!(files(dir.path()), Vec::<String>::new());
}
