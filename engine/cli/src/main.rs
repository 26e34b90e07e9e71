//! The `palisade` binary: parse arguments, run a subcommand, map the outcome
//! to a documented exit code (see README.md).

mod args;
mod collect_cmd;
mod exit;
mod history_cmd;
mod init;
mod packs;
mod rules_cmd;
mod scan;
mod validate;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = args::Cli::parse();
    let outcome = match cli.command {
        args::Command::Scan(a) => scan::run(&a),
        args::Command::Rules(a) => rules_cmd::run(&a),
        args::Command::Validate(a) => validate::run(&a),
        args::Command::Init(a) => init::run(&a),
        args::Command::History(a) => history_cmd::run_history(&a),
        args::Command::Diff(a) => history_cmd::run_diff(&a),
        args::Command::Collect(a) => collect_cmd::run(&a),
    };
    match outcome {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {e}");
            exit::Code::Input.into()
        }
    }
}
