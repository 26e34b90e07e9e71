//! Loading a rule pack: the schema, every policy (one `forbid` per file,
//! scoped to one resource type, validated in strict mode), and every metadata
//! file; a policy without metadata or metadata without a policy is refused,
//! and so is a rule whose files are not in its service's directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cedar_policy::{
    Effect, EntityTypeName, Policy, PolicyId, ResourceConstraint, Schema, ValidationMode, Validator,
};
use miette::Diagnostic;
use sha2::{Digest, Sha256};

use crate::error::{line_of_offset, Location, RulesError};
use crate::metadata::{line_of_key, RuleMeta};
use crate::params::Params;

/// One check: its policy, the resource type it applies to, and its metadata.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Rule id (= policy id = file stems).
    pub id: String,
    /// The Cedar `forbid` policy.
    pub policy: Policy,
    /// The entity type in the policy's scope (`resource is T`).
    pub resource_type: EntityTypeName,
    /// Metadata.
    pub meta: RuleMeta,
    /// The policy file.
    pub policy_path: PathBuf,
    /// The policy's source text.
    pub policy_text: String,
    /// SHA-256 over the policy text and the metadata file's text: everything
    /// of this rule that can change a verdict (severity, parameter defaults,
    /// depends_on, framework mappings, cost model) is in one or the other.
    pub source_digest: [u8; 32],
}

/// A validated set of rules with their schema and default parameters.
#[derive(Debug, Clone)]
pub struct RulePack {
    /// The Cedar schema of the resource graph.
    pub schema: Schema,
    /// Rules sorted by id.
    pub rules: Vec<Rule>,
    /// Default parameters (from metadata).
    pub defaults: Params,
    /// Compliance frameworks (`rules/frameworks/*.toml`).
    pub frameworks: Vec<crate::Framework>,
    /// The cost pack's price table (`rules/pricing/prices.toml`), if present.
    pub prices: Option<crate::PriceTable>,
    /// SHA-256 over the schema, the framework files and the price table: the
    /// pack-wide inputs of a verdict (see [`RulePack::fingerprint`]).
    pub shared_digest: [u8; 32],
}

impl RulePack {
    /// Loads `policies_dir` (schema + policies) and `rules_dir` (metadata).
    pub fn load(policies_dir: &Path, rules_dir: &Path) -> Result<Self, RulesError> {
        let schema_path = policies_dir.join("schema.cedarschema");
        let schema_text = read(&schema_path)?;
        let schema = parse_schema(&schema_path, &schema_text)?;

        let mut problems: Vec<(Location, String)> = Vec::new();
        let validator = Validator::new(schema.clone());
        let (policies, invalid_ids) = load_policies(policies_dir, &validator, &mut problems)?;
        let frameworks_dir = rules_dir.join("frameworks");
        let pricing_dir = rules_dir.join("pricing");
        let prices_path = pricing_dir.join("prices.toml");
        let prices = if prices_path.exists() {
            Some(crate::PriceTable::load(&prices_path)?)
        } else {
            None
        };
        let mut metas = load_metadata(rules_dir, prices.as_ref(), &mut problems)?;

        problems.extend(directory_mismatches(
            policies_dir,
            rules_dir,
            &policies,
            &metas,
        ));
        problems.extend(iac_mismatches(&policies, &metas));
        for (id, (path, text, ..)) in &policies {
            if !metas.contains_key(id) {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with("@id("))
                    .map_or(0, |i| i + 1);
                problems.push((
                    loc(path, line),
                    format!("policy {id:?} has no metadata file rules/**/{id}.toml"),
                ));
            }
        }
        for (id, (path, _, _, text)) in &metas {
            if !policies.contains_key(id) && !invalid_ids.contains(id) {
                problems.push((
                    loc(path, crate::metadata::line_of_key(text, "id")),
                    format!("metadata {id:?} has no policy file policies/**/{id}.cedar"),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(RulesError::Invalid(problems));
        }

        let defaults =
            Params::from_metadata(&schema, metas.values().map(|(p, m, ..)| (p.as_path(), m)))?;
        let rules: Vec<Rule> = policies
            .into_iter()
            .filter_map(|(id, (policy_path, policy_text, policy, resource_type))| {
                metas.remove(&id).map(|(_, meta, _, meta_text)| Rule {
                    source_digest: digest([policy_text.as_str(), meta_text.as_str()]),
                    id,
                    policy,
                    resource_type,
                    meta,
                    policy_path,
                    policy_text,
                })
            })
            .collect();
        let frameworks = crate::frameworks::load(&frameworks_dir, &rules)?;
        let mut shared_texts = vec![schema_text];
        for path in files_with_ext(&frameworks_dir, "toml")? {
            shared_texts.push(read(&path)?);
        }
        if prices.is_some() {
            shared_texts.push(read(&prices_path)?);
        }
        Ok(Self {
            schema,
            rules,
            defaults,
            frameworks,
            prices,
            shared_digest: digest(shared_texts.iter().map(String::as_str)),
        })
    }

    /// Looks a framework up by id.
    pub fn framework(&self, id: &str) -> Option<&crate::Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// Looks a rule up by id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules
            .binary_search_by(|r| r.id.as_str().cmp(id))
            .ok()
            .map(|i| &self.rules[i])
    }

    /// Keeps only the rules whose pack is in `packs` (all when empty).
    pub fn retain_packs(&mut self, packs: &[crate::Pack]) {
        if !packs.is_empty() {
            self.rules.retain(|r| packs.contains(&r.meta.pack));
        }
    }

    /// A version string for the loaded rules, so history can tell whether
    /// two scans are comparable: the first 64 bits of a SHA-256 over the
    /// pack-wide inputs (schema, frameworks, prices) and, per rule kept, its
    /// id and the digest of its policy and metadata texts. Any edit that can
    /// change a verdict (policy, severity, parameter defaults, depends_on,
    /// framework mappings) changes it; so do edits to comments, which is the
    /// safe direction.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.shared_digest);
        for r in &self.rules {
            h.update(r.id.as_bytes());
            h.update([0]);
            h.update(r.source_digest);
        }
        hex::encode(&h.finalize()[..8])
    }
}

/// SHA-256 over texts, each length-prefixed so boundaries cannot shift.
fn digest<'a>(texts: impl IntoIterator<Item = &'a str>) -> [u8; 32] {
    let mut h = Sha256::new();
    for t in texts {
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    h.finalize().into()
}

/// A parsed policy file: path, text, policy and the resource type it scopes.
type PolicyEntry = (PathBuf, String, Policy, EntityTypeName);

/// A parsed metadata file: path, metadata, the line of its `service` key and
/// the file's text (for the fingerprint).
type MetaEntry = (PathBuf, RuleMeta, usize, String);

/// Every policy under `policies_dir` by id, and the ids whose policy file
/// exists but is invalid (their metadata is then not also reported as
/// orphaned). Problems are appended to `problems`.
fn load_policies(
    policies_dir: &Path,
    validator: &Validator,
    problems: &mut Vec<(Location, String)>,
) -> Result<(BTreeMap<String, PolicyEntry>, Vec<String>), RulesError> {
    let mut policies: BTreeMap<String, PolicyEntry> = BTreeMap::new();
    let mut invalid_ids: Vec<String> = Vec::new();
    for path in files_with_ext(policies_dir, "cedar")? {
        let text = read(&path)?;
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
            invalid_ids.push(stem.to_owned());
        }
        match load_policy(&path, &text, validator) {
            Ok((id, policy, ty)) => {
                if let Some((other, ..)) = policies.get(&id) {
                    problems.push((
                        loc(&path, 0),
                        format!("rule id {id:?} is also defined in {}", other.display()),
                    ));
                } else {
                    invalid_ids.retain(|i| *i != id);
                    policies.insert(id, (path, text, policy, ty));
                }
            }
            Err(RulesError::Invalid(mut items)) => problems.append(&mut items),
            Err(e) => return Err(e),
        }
    }
    Ok((policies, invalid_ids))
}

/// Every rule metadata file under `rules_dir` (frameworks and pricing
/// aside) by id, with cost models checked against `prices`. Problems are
/// appended to `problems`.
fn load_metadata(
    rules_dir: &Path,
    prices: Option<&crate::PriceTable>,
    problems: &mut Vec<(Location, String)>,
) -> Result<BTreeMap<String, MetaEntry>, RulesError> {
    let frameworks_dir = rules_dir.join("frameworks");
    let pricing_dir = rules_dir.join("pricing");
    let mut metas: BTreeMap<String, MetaEntry> = BTreeMap::new();
    for path in files_with_ext(rules_dir, "toml")?
        .into_iter()
        .filter(|p| !p.starts_with(&frameworks_dir) && !p.starts_with(&pricing_dir))
    {
        let text = read(&path)?;
        let meta = match RuleMeta::parse(&path, &text) {
            Ok(meta) => meta,
            Err(RulesError::Invalid(mut items)) => {
                problems.append(&mut items);
                continue;
            }
            Err(e) => return Err(e),
        };
        if let Some(model) = &meta.cost {
            let missing = match prices {
                Some(t) => t.missing(model).join(", "),
                None => format!(
                    "{} (no price table)",
                    pricing_dir.join("prices.toml").display()
                ),
            };
            if !missing.is_empty() {
                problems.push((
                    loc(&path, line_of_key(&text, "price")),
                    format!("cost model names prices not in the price table: {missing}"),
                ));
            }
        }
        if let Some((other, ..)) = metas.get(&meta.id) {
            problems.push((
                loc(&path, 0),
                format!(
                    "rule id {:?} is also defined in {}",
                    meta.id,
                    other.display()
                ),
            ));
        } else {
            let line = line_of_key(&text, "service");
            metas.insert(meta.id.clone(), (path, meta, line, text));
        }
    }
    Ok(metas)
}

/// Rules whose metadata (`rules/<dir>/<id>.toml`) or policy
/// (`policies/<dir>/<id>.cedar`) sits in a directory other than the rule's
/// `service`; reported at the metadata's `service` line.
fn directory_mismatches(
    policies_dir: &Path,
    rules_dir: &Path,
    policies: &BTreeMap<String, PolicyEntry>,
    metas: &BTreeMap<String, MetaEntry>,
) -> Vec<(Location, String)> {
    let mut out = Vec::new();
    for (id, (meta_path, meta, line, _)) in metas {
        let files = std::iter::once((rules_dir, meta_path)).chain(
            policies
                .get(id)
                .map(|(policy_path, ..)| (policies_dir, policy_path)),
        );
        for (root, file) in files {
            let dir = directory_of(root, file);
            if dir != meta.service {
                out.push((
                    loc(meta_path, *line),
                    format!(
                        "rule {id:?} has service {:?} but {} is in directory {dir:?}; \
                         a rule's files live in rules/{}/ and policies/{}/",
                        meta.service,
                        file.display(),
                        meta.service,
                        meta.service
                    ),
                ));
            }
        }
    }
    out
}

/// The directory of `file` below `root`, `/`-separated (`""` at the top).
/// Rules that claim to judge IaC input while scoping a resource type no
/// importer produces (their verdict would rest on data a template never has).
fn iac_mismatches(
    policies: &BTreeMap<String, PolicyEntry>,
    metas: &BTreeMap<String, MetaEntry>,
) -> Vec<(Location, String)> {
    let mut out = Vec::new();
    for (id, (path, meta, _, text)) in metas {
        let Some((.., ty)) = policies.get(id) else {
            continue;
        };
        let ty = ty.to_string();
        if meta.applies_to.contains(&crate::metadata::Input::Iac)
            && !crate::metadata::IAC_RESOURCE_TYPES.contains(&ty.as_str())
        {
            out.push((
                loc(path, crate::metadata::line_of_key(text, "applies_to").max(1)),
                format!("rule {id:?} scopes {ty}, which templates and plans do not describe: it must say `applies_to = [\"live\"]`"),
            ));
        }
    }
    out
}

fn directory_of(root: &Path, file: &Path) -> String {
    file.strip_prefix(root)
        .ok()
        .and_then(Path::parent)
        .map(|d| {
            d.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default()
}

fn loc(path: &Path, line: usize) -> Location {
    Location {
        path: path.to_owned(),
        line,
    }
}

fn read(path: &Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path).map_err(|source| RulesError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Every file under `dir` (recursively) with extension `ext`, sorted.
fn files_with_ext(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, RulesError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| RulesError::Io {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| RulesError::Io {
                path: d.clone(),
                source,
            })?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()) == Some(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Parses the Cedar schema, reporting the line of any error.
pub fn parse_schema(path: &Path, text: &str) -> Result<Schema, RulesError> {
    Schema::from_cedarschema_str(text)
        .map(|(schema, _warnings)| schema)
        .map_err(|e| RulesError::at(path, diag_line(&e, text), diag_message(&e)))
}

fn load_policy(
    path: &Path,
    text: &str,
    validator: &Validator,
) -> Result<(String, Policy, EntityTypeName), RulesError> {
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_owned();
    let policy = Policy::parse(Some(PolicyId::new(&id)), text)
        .map_err(|e| RulesError::at(path, diag_line(&e, text), diag_message(&e)))?;
    if let Some(annotated) = policy.annotation("id") {
        if annotated != id {
            return Err(RulesError::at(
                path,
                1,
                format!("@id({annotated:?}) does not match the file name {id:?}"),
            ));
        }
    }
    check_exposure_annotation(path, text, &policy)?;
    if policy.effect() != Effect::Forbid {
        return Err(RulesError::at(path, 1, "a check must be a `forbid` policy (its condition says when the resource violates the check)"));
    }
    let resource_type = match policy.resource_constraint() {
        ResourceConstraint::Is(t) | ResourceConstraint::IsIn(t, _) => t,
        _ => {
            return Err(RulesError::at(
                path,
                1,
                "a check must scope one resource type: `resource is AWS::...`",
            ));
        }
    };
    let mut set = cedar_policy::PolicySet::new();
    set.add(policy.clone())
        .map_err(|e| RulesError::at(path, 0, e.to_string()))?;
    let result = validator.validate(&set, ValidationMode::Strict);
    if !result.validation_passed() {
        let items = result
            .validation_errors()
            .map(|e| (loc(path, diag_line(e, text)), diag_message(e)))
            .collect();
        return Err(RulesError::Invalid(items));
    }
    Ok((id, policy, resource_type))
}

/// Entity types the account graph records a reachability verdict for (by
/// resource id): the only types a rule annotated `@exposure` may scope.
pub const EXPOSURE_RESOURCE_TYPES: [&str; 4] = [
    "AWS::EC2::SecurityGroupRule",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::NetworkInterface",
    "AWS::EC2::Instance",
];

/// `@exposure` takes no value and scopes a type the graph records
/// reachability for; anything else would silently do nothing.
fn check_exposure_annotation(path: &Path, text: &str, policy: &Policy) -> Result<(), RulesError> {
    let Some(value) = policy.annotation("exposure") else {
        return Ok(());
    };
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("@exposure"))
        .map_or(1, |i| i + 1);
    if !value.is_empty() {
        return Err(RulesError::at(
            path,
            line,
            format!("@exposure takes no value (found {value:?}): write `@exposure`"),
        ));
    }
    let scoped = match policy.resource_constraint() {
        ResourceConstraint::Is(t) | ResourceConstraint::IsIn(t, _) => t.to_string(),
        _ => String::new(),
    };
    if !EXPOSURE_RESOURCE_TYPES.contains(&scoped.as_str()) {
        return Err(RulesError::at(
            path,
            line,
            format!(
                "@exposure on a rule over {scoped:?}: the graph records reachability only for {}",
                EXPOSURE_RESOURCE_TYPES.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The line of the first labelled span of a Cedar diagnostic (0 if none).
fn diag_line(d: &dyn Diagnostic, text: &str) -> usize {
    d.labels()
        .and_then(|mut labels| labels.next())
        .map(|l| line_of_offset(text, l.offset()))
        .or_else(|| {
            d.related()
                .and_then(|mut r| r.next())
                .map(|r| diag_line(r, text))
        })
        .unwrap_or(0)
}

/// The message of a Cedar diagnostic with its help text.
fn diag_message(d: &dyn Diagnostic) -> String {
    let mut msg = d.to_string();
    if let Some(related) = d.related() {
        for r in related {
            msg.push_str(&format!("; {r}"));
        }
    }
    if let Some(help) = d.help() {
        msg.push_str(&format!(" (help: {help})"));
    }
    msg
}

/// Resolves an entity type name such as `AWS::IAM::User`.
pub fn entity_type(name: &str) -> Option<EntityTypeName> {
    EntityTypeName::from_str(name).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// A copy of the repository's rule pack that a test may rearrange.
    fn repository_pack_copy() -> tempfile::TempDir {
        fn copy(from: &Path, to: &Path) {
            std::fs::create_dir_all(to).unwrap();
            for entry in std::fs::read_dir(from).unwrap() {
                let p = entry.unwrap().path();
                let target = to.join(p.file_name().unwrap());
                if p.is_dir() {
                    copy(&p, &target);
                } else {
                    std::fs::copy(&p, &target).unwrap();
                }
            }
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = tempfile::tempdir().unwrap();
        for d in ["policies", "rules"] {
            copy(&root.join(d), &dir.path().join(d));
        }
        dir
    }

    fn load_err(dir: &Path) -> String {
        RulePack::load(&dir.join("policies"), &dir.join("rules"))
            .expect_err("the pack must be refused")
            .to_string()
    }

    const ID: &str = "backup-vault-deletion-not-denied";

    #[test]
    fn the_repository_pack_loads() {
        let dir = repository_pack_copy();
        RulePack::load(&dir.path().join("policies"), &dir.path().join("rules")).unwrap();
    }

    #[test]
    fn a_rule_claiming_iac_over_a_type_no_importer_produces_is_refused() {
        let dir = repository_pack_copy();
        let meta = dir.path().join("rules/iam/iam-root-mfa-disabled.toml");
        edit(
            &meta,
            "applies_to = [\"live\"]",
            "applies_to = [\"live\", \"iac\"]",
        );
        let err = load_err(dir.path());
        assert!(
            err.contains("iam-root-mfa-disabled.toml:")
                && err.contains("AWS::Account")
                && err.contains("applies_to = [\"live\"]"),
            "{err}"
        );
        edit(&meta, "applies_to = [\"live\", \"iac\"]", "applies_to = []");
        assert!(load_err(dir.path()).contains("`applies_to` is empty"));
    }

    #[test]
    fn metadata_outside_its_service_directory_is_refused_at_the_service_line() {
        let dir = repository_pack_copy();
        let rules = dir.path().join("rules");
        let moved = rules.join(format!("ec2/{ID}.toml"));
        std::fs::rename(rules.join(format!("backup/{ID}.toml")), &moved).unwrap();
        let err = load_err(dir.path());
        // `service = "backup"` is line 5 of the file.
        assert_eq!(
            err,
            format!(
                "{}:5: rule \"{ID}\" has service \"backup\" but {} is in directory \"ec2\"; \
                 a rule's files live in rules/backup/ and policies/backup/",
                moved.display(),
                moved.display()
            )
        );
    }

    #[test]
    fn policy_outside_its_service_directory_is_refused_at_the_service_line() {
        let dir = repository_pack_copy();
        let policies = dir.path().join("policies");
        let moved = policies.join(format!("wafv2/{ID}.cedar"));
        std::fs::rename(policies.join(format!("backup/{ID}.cedar")), &moved).unwrap();
        let err = load_err(dir.path());
        let meta = dir.path().join(format!("rules/backup/{ID}.toml"));
        assert_eq!(
            err,
            format!(
                "{}:5: rule \"{ID}\" has service \"backup\" but {} is in directory \"wafv2\"; \
                 a rule's files live in rules/backup/ and policies/backup/",
                meta.display(),
                moved.display()
            )
        );
    }

    #[test]
    fn unknown_service_and_operation_are_refused_with_file_and_line() {
        let dir = repository_pack_copy();
        let meta = dir.path().join(format!("rules/backup/{ID}.toml"));
        let text = std::fs::read_to_string(&meta).unwrap();
        std::fs::write(
            &meta,
            text.replace("service = \"backup\"", "service = \"backups\""),
        )
        .unwrap();
        let err = load_err(dir.path());
        assert!(
            err.starts_with(&format!(
                "{}:5: `service`: unknown service \"backups\"",
                meta.display()
            )),
            "{err}"
        );
        std::fs::write(
            &meta,
            text.replace(
                "backup:GetBackupVaultAccessPolicy",
                "backup:GetBackupVaultPolicy",
            ),
        )
        .unwrap();
        let err = load_err(dir.path());
        assert!(
            err.starts_with(&format!(
                "{}:6: `depends_on` entry \"backup:GetBackupVaultPolicy\": the collectors do not call",
                meta.display()
            )),
            "{err}"
        );
    }

    #[test]
    fn exposure_annotation_takes_no_value_and_an_exposure_type() {
        let dir = repository_pack_copy();
        let sg = dir
            .path()
            .join("policies/ec2/ec2-sg-ssh-open-to-internet.cedar");
        let pack = RulePack::load(&dir.path().join("policies"), &dir.path().join("rules")).unwrap();
        let annotated = |id: &str| {
            pack.rule(id)
                .is_some_and(|r| r.policy.annotation("exposure").is_some())
        };
        // The ingress exposure checks are annotated; egress and hygiene ones are not.
        assert!(annotated("ec2-sg-ssh-open-to-internet"));
        assert!(annotated("ec2-nacl-admin-ports-open"));
        assert!(!annotated("ec2-sg-egress-all-to-internet"));
        assert!(!annotated("ec2-nacl-egress-all-to-internet"));
        assert!(!annotated("ec2-sg-unused"));
        edit(&sg, "@exposure\n", "@exposure(\"high\")\n");
        let err = load_err(dir.path());
        assert!(
            err.starts_with(&format!("{}:4: @exposure takes no value", sg.display())),
            "{err}"
        );
        edit(&sg, "@exposure(\"high\")\n", "@exposure\n");
        let unused = dir
            .path()
            .join("policies/ec2/ec2-vpc-flow-logs-disabled.cedar");
        let text = std::fs::read_to_string(&unused).unwrap();
        std::fs::write(&unused, format!("@exposure\n{text}")).unwrap();
        let err = load_err(dir.path());
        assert!(
            err.contains("ec2-vpc-flow-logs-disabled.cedar:1: @exposure on a rule over")
                && err.contains("AWS::EC2::SecurityGroupRule"),
            "{err}"
        );
    }

    fn fingerprint(dir: &Path) -> String {
        RulePack::load(&dir.join("policies"), &dir.join("rules"))
            .unwrap()
            .fingerprint()
    }

    /// Rewrites one file, replacing `from` (which must occur) with `to`.
    fn edit(path: &Path, from: &str, to: &str) {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains(from), "{} lacks {from:?}", path.display());
        std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    }

    #[test]
    fn fingerprint_changes_with_everything_that_changes_a_verdict() {
        let dir = repository_pack_copy();
        let d = dir.path();
        let base = fingerprint(d);
        assert_eq!(base.len(), 16);
        assert_eq!(fingerprint(d), base, "same pack, same fingerprint");

        let meta = d.join("rules/iam/iam-access-key-not-rotated.toml");
        let unused = d.join("rules/iam/iam-access-key-unused.toml");
        let changes: [(&Path, &str, &str, &str); 5] = [
            (
                &meta,
                "severity = \"medium\"",
                "severity = \"low\"",
                "severity",
            ),
            (
                &meta,
                "max_access_key_age_days = ",
                "max_access_key_age_days = 1",
                "parameter default",
            ),
            (
                &meta,
                "\"cis-aws-6.0\" = [\"2.13\"]",
                "\"cis-aws-6.0\" = [\"2.13\", \"2.14\"]",
                "framework mapping",
            ),
            (
                &unused,
                "[\"iam:GetAccessKeyLastUsed\"]",
                "[\"iam:GetAccessKeyLastUsed\", \"iam\"]",
                "depends_on",
            ),
            (
                &d.join("policies/schema.cedarschema"),
                "\n",
                "\n// comment\n",
                "schema",
            ),
        ];
        let mut seen = std::collections::HashSet::from([base]);
        for (path, from, to, what) in changes {
            let before = std::fs::read_to_string(path).unwrap();
            edit(path, from, to);
            match RulePack::load(&d.join("policies"), &d.join("rules")) {
                Ok(pack) => assert!(
                    seen.insert(pack.fingerprint()),
                    "changing the {what} kept the fingerprint"
                ),
                // An edit the loader refuses cannot produce a scan at all.
                Err(e) => panic!("changing the {what} made the pack invalid: {e}"),
            }
            std::fs::write(path, before).unwrap();
        }
    }
}
