//! Helpers shared by the end-to-end tests: the repository root and running
//! the built `palisade` binary from it.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

pub use palisade_test_kit::root;

/// Runs `palisade` with `args` from the repository root.
pub fn palisade(args: &[&str]) -> Output {
    command().args(args).output().expect("run palisade")
}

/// The `palisade` command, run from the repository root, for callers that
/// set more than arguments (environment variables).
pub fn command() -> Command {
    let mut cmd = Command::cargo_bin("palisade").expect("binary");
    cmd.current_dir(root());
    cmd
}

/// The exit code (a test fails if the process was killed by a signal).
pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

/// The data of an HTML report: the JSON inside its
/// `<script type="application/json" id="data">` element.
#[allow(dead_code)] // used by the test binaries that read HTML reports
pub fn html_data(page: &str) -> serde_json::Value {
    let data = page
        .split("<script type=\"application/json\" id=\"data\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("the data element");
    serde_json::from_str(data).expect("the data element is JSON")
}

/// Runs `palisade` with credentials from the environment only: no shared
/// config files, no instance metadata, so nothing outside the test is read
/// (`dir` holds the config file names that do not exist).
#[allow(dead_code)] // used by the test binaries that reach moto
pub fn palisade_env(dir: &Path, args: &[&str]) -> Output {
    command()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", dir.join("no-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("no-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .args(args)
        .output()
        .expect("run palisade")
}

/// (rule, account, resource, status) of every result of a JSON report,
/// sorted: what a user compares between two scans (scan times and
/// durations left out).
#[allow(dead_code)] // used by the test binaries that compare scans
pub fn verdicts(report: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let mut v: Vec<_> = report["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_owned();
            (
                s(&r["rule_id"]),
                s(&r["resource"]["account_id"]),
                s(&r["resource"]["id"]),
                s(&r["status"]),
            )
        })
        .collect();
    v.sort();
    v
}
