//! Rule metadata (`rules/**/<id>.toml`): title, severity, pack, service, docs,
//! references, framework control ids, parameters with defaults, lifecycle.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use palisade_model::Service;

use crate::error::{parse_toml, RulesError};

/// Finding severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// GitHub code scanning `security-severity` score (0.0-10.0).
    pub fn security_severity(self) -> &'static str {
        match self {
            Severity::Info => "0.0",
            Severity::Low => "2.0",
            Severity::Medium => "5.5",
            Severity::High => "8.0",
            Severity::Critical => "9.5",
        }
    }

    /// Parses a lower-case severity name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pack a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pack {
    /// Security posture.
    Security,
    /// Compliance-driven controls (also mapped from every other pack).
    Compliance,
    /// Disaster recovery.
    Dr,
    /// Cost and hygiene.
    Cost,
}

impl Pack {
    /// All packs.
    pub const ALL: [Pack; 4] = [Pack::Security, Pack::Compliance, Pack::Dr, Pack::Cost];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Pack::Security => "security",
            Pack::Compliance => "compliance",
            Pack::Dr => "dr",
            Pack::Cost => "cost",
        }
    }

    /// Parses a lower-case pack name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Pack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lifecycle status of a rule (metadata key `status`). Not to be confused
/// with a result's outcome, `palisade_eval::Status` (pass, fail, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lifecycle {
    /// Stable: enabled by default.
    Stable,
    /// Preview: enabled, may change.
    Preview,
    /// Deprecated: still evaluated, will be removed.
    Deprecated,
}

/// Metadata of one rule, as written in `rules/**/<id>.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    /// Rule id; must equal the file stem and the policy file stem.
    pub id: String,
    /// One-line title, phrased as the problem found.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Pack.
    pub pack: Pack,
    /// AWS service whose data the rule reads, one of [`Service`] (`iam`,
    /// `ec2`, `wafv2`, `backup`, `config`, `artifact`; checked at load); a
    /// coverage gap of that service makes the rule's passes not evaluated.
    pub service: String,
    /// Why it matters.
    pub rationale: String,
    /// How to fix it.
    pub remediation: String,
    /// How the rule decides, in the terms AWS evaluates: which operators,
    /// values, scopes and edge cases count as compliant, violating or not
    /// evaluated (rendered as "How it decides" in the rule's docs).
    #[serde(default)]
    pub semantics: Option<String>,
    /// Reference URLs.
    #[serde(default)]
    pub references: Vec<String>,
    /// Framework id -> control ids, e.g. `cis-aws-6.0 = ["2.4"]`.
    #[serde(default)]
    pub frameworks: BTreeMap<String, Vec<String>>,
    /// Parameters the policy reads from the context, with their defaults.
    #[serde(default)]
    pub parameters: BTreeMap<String, toml::Value>,
    /// Lifecycle status.
    pub status: Lifecycle,
    /// Version that introduced the rule.
    pub since: String,
    /// Services whose COMPLETE data the verdict depends on, besides what the
    /// rule's own resource says: a rule that fails because something is
    /// absent (no backup plan in the region, a group attached to nothing)
    /// would fail falsely when that service could not be read. A coverage gap
    /// in any of these services turns both passes and fails in the gap's
    /// scope into `not_evaluated`. A gap in `service` alone only downgrades
    /// passes, since a fail on data that was read is still a fail. Entries
    /// name a service (`backup`) or one operation the collectors call
    /// (`iam:GetAccountPasswordPolicy`); both are checked at load.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// The inputs the rule can judge: `live` (collected accounts) and `iac`
    /// (CloudFormation templates, Terraform plans). Default: both. A rule
    /// that needs runtime or account-wide data (credential report, last
    /// use, attachments across the account, recovery points, recorder
    /// status) says `applies_to = ["live"]`; on IaC input it is absent, not
    /// passed. Checked at load: a rule over a resource type no importer
    /// produces must be live-only.
    #[serde(default = "Input::both")]
    pub applies_to: Vec<Input>,
    /// Infrastructure-as-code remediation snippets.
    #[serde(default)]
    pub iac: Option<Iac>,
    /// Estimated monthly cost of a finding, priced from `rules/pricing/`.
    #[serde(default)]
    pub cost: Option<CostModel>,
}

/// A kind of input a rule can judge (metadata key `applies_to`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Input {
    /// Accounts collected from AWS APIs.
    Live,
    /// CloudFormation templates and Terraform plans.
    Iac,
}

impl Input {
    /// Both inputs (the default).
    pub fn both() -> Vec<Input> {
        vec![Input::Live, Input::Iac]
    }

    /// The metadata spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Input::Live => "live",
            Input::Iac => "iac",
        }
    }
}

impl RuleMeta {
    /// True when the rule judges accounts read from `origin`.
    pub fn applies_to_origin(&self, origin: palisade_model::Origin) -> bool {
        let want = if origin.is_iac() {
            Input::Iac
        } else {
            Input::Live
        };
        self.applies_to.contains(&want)
    }
}

/// Resource types the IaC importers produce: a rule over any other type
/// (the account, a region, a protected resource with recovery points)
/// needs live data.
pub const IAC_RESOURCE_TYPES: &[&str] = &[
    "AWS::IAM::User",
    "AWS::IAM::Group",
    "AWS::IAM::Role",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::InlinePolicy",
    "AWS::IAM::PolicyStatement",
    "AWS::IAM::TrustStatement",
    "AWS::IAM::AccessKey",
    "AWS::EC2::Vpc",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupRule",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLRule",
    "AWS::Backup::BackupVault",
    "AWS::Backup::BackupPlan",
    "AWS::Backup::BackupRule",
    "AWS::Backup::BackupSelection",
    "AWS::Config::ConfigurationRecorder",
];

/// Remediation as CloudFormation and Terraform snippets, or why none applies
/// (for example root-user settings, which no IaC tool can manage).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Iac {
    /// CloudFormation (YAML) snippet.
    #[serde(default)]
    pub cloudformation: Option<String>,
    /// Terraform (HCL, AWS provider) snippet.
    #[serde(default)]
    pub terraform: Option<String>,
    /// Why a snippet is missing or what to watch for.
    #[serde(default)]
    pub note: Option<String>,
}

/// How to price one finding: the sum of `terms`, each a unit price from the
/// price table times a quantity. The quantity is a constant, a `Long`
/// attribute of the finding's resource, or unknown (the estimate is then a
/// rate, e.g. "USD 0.04 per GB-month", and carries no monthly total).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostModel {
    /// Terms summed into the estimate.
    pub terms: Vec<CostTerm>,
    /// What the estimate means (e.g. "saved per month by deleting the ACL").
    pub basis: String,
}

/// One term of a [`CostModel`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostTerm {
    /// Key of a price in the price table.
    pub price: String,
    /// Key of a price subtracted from `price` (e.g. cold storage, to price
    /// the saving of moving data out of warm storage).
    #[serde(default)]
    pub minus: Option<String>,
    /// Constant quantity.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// `Long` attribute of the resource that gives the quantity.
    #[serde(default)]
    pub attribute: Option<String>,
}

impl RuleMeta {
    /// Parses and checks one metadata file.
    pub fn parse(path: &Path, text: &str) -> Result<Self, RulesError> {
        let meta: RuleMeta = parse_toml(path, text)?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if meta.id != stem {
            return Err(RulesError::at(
                path,
                line_of_key(text, "id"),
                format!("id {:?} does not match the file name {stem:?}", meta.id),
            ));
        }
        for (what, value) in [
            ("title", &meta.title),
            ("rationale", &meta.rationale),
            ("remediation", &meta.remediation),
        ] {
            if value.trim().is_empty() {
                return Err(RulesError::at(
                    path,
                    line_of_key(text, what),
                    format!("`{what}` is empty"),
                ));
            }
        }
        if let Err(e) = meta.service.parse::<Service>() {
            return Err(RulesError::at(
                path,
                line_of_key(text, "service"),
                format!("`service`: {e}"),
            ));
        }
        if meta.applies_to.is_empty() {
            return Err(RulesError::at(
                path,
                line_of_key(text, "applies_to"),
                "`applies_to` is empty: name `live`, `iac` or both",
            ));
        }
        for dep in &meta.depends_on {
            if let Err(why) = check_dependency(dep) {
                return Err(RulesError::at(
                    path,
                    line_of_key(text, "depends_on"),
                    format!("`depends_on` entry {dep:?}: {why}"),
                ));
            }
        }
        Ok(meta)
    }
}

/// Splits a `depends_on` entry into its service and, for `service:Api`,
/// the operation.
pub fn dependency(entry: &str) -> (&str, Option<&str>) {
    match entry.split_once(':') {
        Some((service, api)) => (service, Some(api)),
        None => (entry, None),
    }
}

/// Checks that a `depends_on` entry names a [`Service`] or one operation of
/// the collectors' catalogue ([`palisade_model::OPERATIONS`]).
fn check_dependency(entry: &str) -> Result<(), String> {
    let (service, api) = dependency(entry);
    let service = service.parse::<Service>().map_err(|e| e.to_string())?;
    match api {
        None => Ok(()),
        Some(api) if service.operation(api).is_some() => Ok(()),
        Some(api) => Err(format!(
            "the collectors do not call {service}:{api} (they call: {})",
            service
                .operations()
                .map(|o| o.api)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// 1-based line of the first `key =` in a TOML text (0 if absent).
pub fn line_of_key(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!(Severity::parse("medium"), Some(Severity::Medium));
        assert_eq!(Severity::parse("urgent"), None);
    }

    #[test]
    fn depends_on_names_services_or_operations() {
        let base = "id = \"x\"\ntitle = \"t\"\nseverity = \"low\"\npack = \"dr\"\nservice = \"backup\"\nrationale = \"r\"\nremediation = \"m\"\nstatus = \"stable\"\nsince = \"0.1.0\"\n";
        for ok in ["[\"backup\"]", "[\"ec2:DescribeNetworkInterfaces\"]"] {
            let text = format!("{base}depends_on = {ok}\n");
            RuleMeta::parse(Path::new("rules/x.toml"), &text).expect("valid depends_on");
        }
        for bad in ["[\"lambda\"]", "[\"ec2:describe\"]", "[\"ec2:\"]"] {
            let text = format!("{base}depends_on = {bad}\n");
            let err = RuleMeta::parse(Path::new("rules/x.toml"), &text).expect_err(bad);
            assert!(err.to_string().starts_with("rules/x.toml:10:"), "{err}");
        }
    }

    #[test]
    fn service_must_be_a_known_service() {
        let text = "id = \"x\"\ntitle = \"t\"\nseverity = \"low\"\npack = \"dr\"\nservice = \"bakcup\"\nrationale = \"r\"\nremediation = \"m\"\nstatus = \"stable\"\nsince = \"0.1.0\"\n";
        let err = RuleMeta::parse(Path::new("rules/x.toml"), text).expect_err("typo");
        assert_eq!(
            err.to_string(),
            format!(
                "rules/x.toml:5: `service`: unknown service \"bakcup\" (known: {})",
                palisade_model::Service::names()
            )
        );
    }

    #[test]
    fn depends_on_operations_must_be_called_by_the_collectors() {
        let base = "id = \"x\"\ntitle = \"t\"\nseverity = \"low\"\npack = \"dr\"\nservice = \"ec2\"\nrationale = \"r\"\nremediation = \"m\"\nstatus = \"stable\"\nsince = \"0.1.0\"\n";
        let text = format!("{base}depends_on = [\"ec2:DescribeVolumes\"]\n");
        let err = RuleMeta::parse(Path::new("rules/x.toml"), &text).expect_err("not called");
        let called: Vec<_> = palisade_model::Service::Ec2
            .operations()
            .map(|o| o.api)
            .collect();
        assert_eq!(
            err.to_string(),
            format!(
                "rules/x.toml:10: `depends_on` entry \"ec2:DescribeVolumes\": the collectors do not call ec2:DescribeVolumes (they call: {})",
                called.join(", ")
            )
        );
        assert!(called.contains(&"DescribeSecurityGroups"));
        // An operation of another service is not one of this one's.
        let text = format!("{base}depends_on = [\"iam:DescribeVpcs\"]\n");
        let err = RuleMeta::parse(Path::new("rules/x.toml"), &text).expect_err("wrong service");
        assert!(err.to_string().starts_with("rules/x.toml:10: "), "{err}");
    }

    #[test]
    fn bad_metadata_names_line() {
        let text = "id = \"x\"\ntitle = \"t\"\nseverity = \"urgent\"\n";
        let err = RuleMeta::parse(Path::new("rules/x.toml"), text).expect_err("must fail");
        let msg = err.to_string();
        assert!(msg.starts_with("rules/x.toml:3:"), "{msg}");
    }
}
