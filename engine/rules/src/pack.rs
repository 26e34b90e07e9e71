//! Loading a rule pack: the schema, every policy (one `forbid` per file,
//! scoped to one resource type, validated in strict mode), and every metadata
//! file; a policy without metadata or metadata without a policy is refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use cedar_policy::{
    Effect, EntityTypeName, Policy, PolicyId, ResourceConstraint, Schema, ValidationMode, Validator,
};
use miette::Diagnostic;

use crate::error::{line_of_offset, Location, RulesError};
use crate::metadata::RuleMeta;
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
}

impl RulePack {
    /// Loads `policies_dir` (schema + policies) and `rules_dir` (metadata).
    pub fn load(policies_dir: &Path, rules_dir: &Path) -> Result<Self, RulesError> {
        let schema_path = policies_dir.join("schema.cedarschema");
        let schema_text = read(&schema_path)?;
        let schema = parse_schema(&schema_path, &schema_text)?;

        let mut problems: Vec<(Location, String)> = Vec::new();
        let mut policies: BTreeMap<String, (PathBuf, String, Policy, EntityTypeName)> =
            BTreeMap::new();
        let validator = Validator::new(schema.clone());
        // Ids whose policy file exists but is invalid: their metadata is not
        // also reported as orphaned.
        let mut invalid_ids: Vec<String> = Vec::new();
        for path in files_with_ext(policies_dir, "cedar")? {
            let text = read(&path)?;
            if let Some(stem) = path.file_stem().and_then(|s| s.to_str()) {
                invalid_ids.push(stem.to_owned());
            }
            match load_policy(&path, &text, &validator) {
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

        let mut metas: BTreeMap<String, (PathBuf, RuleMeta)> = BTreeMap::new();
        let frameworks_dir = rules_dir.join("frameworks");
        let pricing_dir = rules_dir.join("pricing");
        let prices_path = pricing_dir.join("prices.toml");
        let prices = if prices_path.exists() {
            Some(crate::PriceTable::load(&prices_path)?)
        } else {
            None
        };
        for path in files_with_ext(rules_dir, "toml")?
            .into_iter()
            .filter(|p| !p.starts_with(&frameworks_dir) && !p.starts_with(&pricing_dir))
        {
            let text = read(&path)?;
            match RuleMeta::parse(&path, &text) {
                Ok(meta) => {
                    if let Some(model) = &meta.cost {
                        let missing = match &prices {
                            Some(t) => t.missing(model).join(", "),
                            None => format!("{} (no price table)", prices_path.display()),
                        };
                        if !missing.is_empty() {
                            problems.push((
                                loc(&path, crate::metadata::line_of_key(&text, "price")),
                                format!(
                                    "cost model names prices not in the price table: {missing}"
                                ),
                            ));
                        }
                    }
                    if let Some((other, _)) = metas.get(&meta.id) {
                        problems.push((
                            loc(&path, 0),
                            format!(
                                "rule id {:?} is also defined in {}",
                                meta.id,
                                other.display()
                            ),
                        ));
                    } else {
                        metas.insert(meta.id.clone(), (path, meta));
                    }
                }
                Err(RulesError::Invalid(mut items)) => problems.append(&mut items),
                Err(e) => return Err(e),
            }
        }

        for (id, (path, ..)) in &policies {
            if !metas.contains_key(id) {
                problems.push((
                    loc(path, 0),
                    format!("policy {id:?} has no metadata file rules/**/{id}.toml"),
                ));
            }
        }
        for (id, (path, _)) in &metas {
            if !policies.contains_key(id) && !invalid_ids.contains(id) {
                problems.push((
                    loc(path, 0),
                    format!("metadata {id:?} has no policy file policies/**/{id}.cedar"),
                ));
            }
        }
        if !problems.is_empty() {
            return Err(RulesError::Invalid(problems));
        }

        let defaults =
            Params::from_metadata(&schema, metas.values().map(|(p, m)| (p.as_path(), m)))?;
        let rules: Vec<Rule> = policies
            .into_iter()
            .filter_map(|(id, (policy_path, policy_text, policy, resource_type))| {
                metas.remove(&id).map(|(_, meta)| Rule {
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
        Ok(Self {
            schema,
            rules,
            defaults,
            frameworks,
            prices,
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

    /// A version string for the loaded rules: a hash over every rule's
    /// policy text and metadata id, so two scans can tell whether they ran
    /// the same checks.
    pub fn fingerprint(&self) -> String {
        // FNV-1a 64: stable across platforms and releases, no extra dependency.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for r in &self.rules {
            for b in
                r.id.bytes()
                    .chain([0])
                    .chain(r.policy_text.bytes())
                    .chain([0])
            {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }
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
