//! `palisade init`: writes a commented `palisade.toml` (and an example waiver
//! file) without overwriting existing files.

use std::path::Path;

use anyhow::{bail, Context as _};
use palisade_model::load::write_atomic;

use crate::args::InitArgs;
use crate::exit::Code;

/// The config template. Every key is documented; values are the defaults.
pub const CONFIG_TEMPLATE: &str = r#"# Palisade configuration. Command-line flags win over this file.

# Packs to evaluate: security, compliance, dr, cost. Empty means all.
packs = []

# Exit 1 when an open finding at or above this severity exists:
# info, low, medium, high, critical.
fail_on = "high"

# Waivers (relative to this file). Each needs a rule, a resource selector,
# a reason, an owner and an expiry date; see waivers.toml.
# waivers = "waivers.toml"

# Rule parameters. `palisade rules explain ID` shows which rule reads which.
[parameters]
# min_password_length = 14
# password_reuse_prevention = 24
# max_access_key_age_days = 90
# max_unused_credential_days = 45
# max_unused_credential_days_fsbp_iam8 = 90
# admin_ports = [22, 3389]
# high_risk_ports = [20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300]
# data_store_ports = [1433, 1434, 1521, 2181, 2483, 2484, 3306, 5432, 5984, 6379, 7000, 7001, 7199, 7474, 8086, 9042, 9092, 9160, 11211, 27017, 27018, 27019]
# authorized_ports = [80, 443]
# max_security_group_rules = 50
# min_backup_retention_days = 35
# cold_storage_after_days = 90
# max_backup_interval_hours = 24
# max_recovery_point_age_days = 2
# recovery_point_grace_hours = 48
# trusted_accounts = ["123456789012"]
"#;

/// The waiver file template.
pub const WAIVERS_TEMPLATE: &str = r#"# Palisade waivers. A waived finding is reported as suppressed with its
# justification; after `expires` it counts again and the waiver is reported
# as expired. A waiver that matches nothing is reported as stale.
#
# [[waiver]]
# rule = "ec2-sg-admin-ports-open-ipv4"        # rule id, or "*"
# resource = "arn:aws:ec2:*:123456789012:security-group-rule/sgr-0abc*"  # glob over the resource id
# account = "123456789012"                      # optional
# region = "eu-west-1"                          # optional
# tags = { env = "sandbox" }                    # optional: resource (or owner) tags that must match
# reason = "Bastion; source restricted by the corporate proxy (TICKET-123)"
# owner = "secops@example.com"
# expires = 2026-12-31
"#;

/// Runs the subcommand.
pub fn run(a: &InitArgs) -> anyhow::Result<Code> {
    let dir = a.dir.as_deref().unwrap_or(Path::new("."));
    let config = dir.join("palisade.toml");
    let waivers = dir.join("waivers.toml");
    for path in [&config, &waivers] {
        // Checked for both files before either is written.
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!(
                "writing {}: the output path is a symbolic link; refusing to write through or replace it",
                path.display()
            );
        }
        if path.exists() && !a.force {
            bail!(
                "{} already exists (use --force to overwrite)",
                path.display()
            );
        }
    }
    write_atomic(&config, CONFIG_TEMPLATE.as_bytes())
        .with_context(|| format!("writing {}", config.display()))?;
    write_atomic(&waivers, WAIVERS_TEMPLATE.as_bytes())
        .with_context(|| format!("writing {}", waivers.display()))?;
    println!("wrote {} and {}", config.display(), waivers.display());
    Ok(Code::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_is_a_valid_config() {
        let c = crate::config::Config::parse(Path::new("palisade.toml"), CONFIG_TEMPLATE)
            .expect("template parses");
        assert_eq!(c.fail_on, Some(palisade_rules::Severity::High));
        let w = palisade_triage::WaiverFile::parse(
            Path::new("waivers.toml"),
            WAIVERS_TEMPLATE,
            &|_| true,
        )
        .expect("waivers parse");
        assert!(w.waivers.is_empty());
    }

    #[test]
    fn template_documents_every_parameter() {
        let pack = palisade_test_kit::pack();
        for (name, _) in pack.defaults.iter() {
            assert!(
                CONFIG_TEMPLATE.contains(&format!("# {name} = ")),
                "palisade init's template does not mention parameter {name}"
            );
        }
    }
}
