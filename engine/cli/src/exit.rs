//! Exit codes. 2 wins over 3, 3 over 1: a scan that saw less than it should
//! is reported as incomplete even when it also found problems.

use std::process::ExitCode;

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// No findings at or above the threshold; scan complete.
    Clean = 0,
    /// Findings at or above `--fail-on`.
    Findings = 1,
    /// Usage, config or input error.
    Input = 2,
    /// Scan incomplete: coverage gaps or evaluation errors.
    Incomplete = 3,
    /// Interrupted by SIGINT or SIGTERM (128 + SIGINT's number, as shells
    /// report Ctrl-C); no output was left partly written.
    Interrupted = 130,
}

impl From<Code> for ExitCode {
    fn from(c: Code) -> Self {
        ExitCode::from(c as u8)
    }
}
