//! Helpers shared by the end-to-end tests: the repository root and running
//! the built `palisade` binary from it.

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
