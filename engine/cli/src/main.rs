//! The `palisade` binary: parse arguments, run a subcommand, map the outcome
//! to a documented exit code (see README.md).

mod args;
mod collect_cmd;
mod config;
mod evidence_cmd;
mod exit;
mod export_cmd;
mod history_cmd;
mod init;
mod inputs;
mod merge_cmd;
mod packs;
mod redact_log;
mod rules_cmd;
mod scan;
mod validate;

use clap::Parser;

fn main() -> std::process::ExitCode {
    on_interrupt();
    let cli = args::Cli::parse();
    let outcome = match cli.command {
        args::Command::Scan(a) => scan::run(&a),
        args::Command::Rules(a) => rules_cmd::run(&a),
        args::Command::Validate(a) => validate::run(&a),
        args::Command::Init(a) => init::run(&a),
        args::Command::History(a) => history_cmd::run_history(&a),
        args::Command::Diff(a) => history_cmd::run_diff(&a),
        args::Command::Collect(a) => collect_cmd::run(&a),
        args::Command::Merge(a) => merge_cmd::run(&a),
        args::Command::Export(a) => export_cmd::run(&a),
        args::Command::Evidence(a) => evidence_cmd::run(*a),
    };
    match outcome {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {}", chain(&e));
            exit::Code::Input.into()
        }
    }
}

/// On the first SIGINT or SIGTERM: abandon every atomic write (temporary
/// files removed, no rename afterwards, so each output file is its previous
/// version or the complete new one), say so in one line on stderr and exit
/// 130. A collection in flight is dropped: nothing of it is written.
fn on_interrupt() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        // Without handlers the default action (terminate) still applies;
        // atomic writes then leave at most a stray temporary file.
        return;
    };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            palisade_model::load::abandon_writes();
            let name = if signal == SIGINT {
                "SIGINT"
            } else {
                "SIGTERM"
            };
            eprintln!(
                "palisade: interrupted by {name}: stopped; no output was left partly written (each file is as it was before, or complete)"
            );
            std::process::exit(exit::Code::Interrupted as i32);
        }
    });
}

/// The error and every cause, joined by `: ` as `{e:#}` does, so the OS
/// error behind "writing out.sarif" shows. Two refinements: a cause whose
/// text is already shown is skipped (library errors such as
/// `"{path}: {source}"` print their source themselves and also return it as
/// their cause), and a multi-line cause (a list of rule pack problems)
/// starts on its own line.
fn chain(e: &anyhow::Error) -> String {
    let mut out = e.to_string();
    for cause in e.chain().skip(1) {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        out.push_str(if text.contains('\n') { ":\n" } else { ": " });
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    /// Like the library errors: the source in the message and as the cause.
    #[derive(Debug)]
    struct Repeats {
        path: &'static str,
        source: std::io::Error,
    }

    impl std::fmt::Display for Repeats {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{}: {}", self.path, self.source)
        }
    }

    impl std::error::Error for Repeats {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.source)
        }
    }

    #[test]
    fn chain_shows_every_cause_once() {
        let os = || std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let e = Err::<(), _>(os()).context("writing out.sarif").unwrap_err();
        assert_eq!(chain(&e), "writing out.sarif: No such file or directory");
        let e = anyhow::Error::new(Repeats {
            path: "snap.json",
            source: os(),
        });
        assert_eq!(chain(&e), "snap.json: No such file or directory");
        let e = anyhow::anyhow!("a.cedar:1: x\nb.toml:2: y").context("invalid rule pack");
        assert_eq!(chain(&e), "invalid rule pack:\na.cedar:1: x\nb.toml:2: y");
    }
}
