//! Writes a generated CloudFormation template (see
//! `palisade_benches::synthetic_template`) for whole-command benchmarks.
//!
//! Usage: gen-template RESOURCES FILE

use anyhow::Context as _;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [n, file] = args.as_slice() else {
        anyhow::bail!("usage: gen-template RESOURCES FILE");
    };
    let n: usize = n.parse().context("RESOURCES must be a number")?;
    let text = palisade_benches::synthetic_template(n);
    palisade_model::load::write_atomic(std::path::Path::new(file), text.as_bytes())
        .with_context(|| format!("writing {file}"))?;
    eprintln!("wrote {file}: {n} resources, {} bytes", text.len());
    Ok(())
}
