//! `palisade rules list` and `palisade rules explain ID`.

use anyhow::{bail, Context as _};
use palisade_rules::Pack;

use crate::args::{RulesArgs, RulesCommand};
use crate::exit::Code;
use crate::packs;

/// Runs the subcommand.
pub fn run(a: &RulesArgs) -> anyhow::Result<Code> {
    let pack = packs::load(&a.dirs)?;
    match &a.command {
        RulesCommand::List { pack: only } => {
            let only = only
                .as_deref()
                .map(|p| Pack::parse(p).with_context(|| format!("unknown pack {p:?}")))
                .transpose()?;
            println!(
                "{:<44} {:<9} {:<11} {:<7} TITLE",
                "ID", "SEVERITY", "PACK", "SERVICE"
            );
            for r in pack
                .rules
                .iter()
                .filter(|r| only.is_none_or(|p| r.meta.pack == p))
            {
                println!(
                    "{:<44} {:<9} {:<11} {:<7} {}",
                    r.id,
                    r.meta.severity.as_str(),
                    r.meta.pack.as_str(),
                    r.meta.service,
                    r.meta.title
                );
            }
        }
        RulesCommand::Explain { id } => {
            let Some(r) = pack.rule(id) else {
                bail!("no rule {id:?}; `palisade rules list` shows the ids");
            };
            let m = &r.meta;
            println!("{}\n{}\n", r.id, m.title);
            println!(
                "Severity: {}   Pack: {}   Service: {}   Applies to: {}",
                m.severity, m.pack, m.service, r.resource_type
            );
            println!("Status: {:?} since {}\n", m.status, m.since);
            println!(
                "Why it matters\n  {}\n",
                m.rationale.trim().replace('\n', "\n  ")
            );
            println!(
                "Remediation\n  {}\n",
                m.remediation.trim().replace('\n', "\n  ")
            );
            if !m.parameters.is_empty() {
                println!("Parameters (defaults; override under [parameters] in palisade.toml)");
                for (k, v) in &m.parameters {
                    println!("  {k} = {v}");
                }
                println!();
            }
            if !m.frameworks.is_empty() {
                println!("Frameworks");
                for (f, ids) in &m.frameworks {
                    println!("  {f}: {}", ids.join(", "));
                }
                println!();
            }
            if !m.references.is_empty() {
                println!("References");
                for u in &m.references {
                    println!("  {u}");
                }
                println!();
            }
            println!(
                "Policy ({})\n{}",
                r.policy_path.display(),
                r.policy_text.trim_end()
            );
        }
    }
    Ok(Code::Clean)
}
