//! Compliance frameworks (`rules/frameworks/<id>.toml`): every control in a
//! framework's scope, automated (at least one rule maps to it through rule
//! metadata) or manual (with a note saying why). Mappings live only in rule
//! metadata; this file lists the controls, so none is silently dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{line_of_offset, Location, RulesError};
use crate::pack::Rule;

/// How a control is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// One or more rules check it.
    Automated,
    /// Needs human evidence or data Palisade does not collect.
    Manual,
}

/// One control of a framework.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// Control id as the framework numbers it (e.g. `2.4`, `IAM.5`, `AC-6`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// Automated or manual.
    pub mode: Mode,
    /// Why a manual control is manual.
    pub note: String,
    /// Rule ids mapped to this control (from rule metadata), sorted.
    pub rules: Vec<String>,
    /// Line in the framework file.
    pub line: usize,
}

/// A framework and its controls.
#[derive(Debug, Clone, Serialize)]
pub struct Framework {
    /// Framework id, e.g. `cis-aws-6.0`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Reference URL.
    pub url: String,
    /// Which part of the framework Palisade's data speaks to.
    pub scope: String,
    /// Controls in file order.
    pub controls: Vec<Control>,
    /// The framework file.
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: String,
    name: String,
    version: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    controls: Vec<toml::Spanned<RawControl>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: String,
    title: String,
    mode: Mode,
    #[serde(default)]
    note: String,
}

/// Loads every framework in `dir` and checks it against the rules' mappings:
/// every mapped control exists, automated controls have rules, manual ones
/// have none and carry a note. Mappings to a framework without a file are
/// allowed (a custom pack may map to frameworks it does not define); the
/// repository's own pack is held to having all of them by a test.
pub fn load(dir: &Path, rules: &[Rule]) -> Result<Vec<Framework>, RulesError> {
    let mut problems: Vec<(Location, String)> = Vec::new();
    let mut out = Vec::new();
    let mapped = mappings(rules);
    let empty = BTreeMap::new();
    for path in framework_files(dir)? {
        let text = std::fs::read_to_string(&path).map_err(|source| RulesError::Io {
            path: path.clone(),
            source,
        })?;
        let raw: RawFramework = match toml::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                let line = e
                    .span()
                    .map(|s| line_of_offset(&text, s.start))
                    .unwrap_or(0);
                problems.push((
                    Location {
                        path: path.clone(),
                        line,
                    },
                    e.message().to_owned(),
                ));
                continue;
            }
        };
        let fw_map = mapped.get(raw.id.as_str()).unwrap_or(&empty);
        out.push(check(path, &text, raw, fw_map, &mut problems));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        problems.sort_by(|a, b| (&a.0.path, a.0.line).cmp(&(&b.0.path, b.0.line)));
        problems.dedup();
        Err(RulesError::Invalid(problems))
    }
}

/// The `*.toml` files in `dir`, sorted; none when `dir` does not exist.
fn framework_files(dir: &Path) -> Result<Vec<PathBuf>, RulesError> {
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("toml"))
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(RulesError::Io {
                path: dir.to_owned(),
                source,
            })
        }
    };
    paths.sort();
    Ok(paths)
}

/// Framework id -> control id -> ids of the rules mapped to it.
fn mappings(rules: &[Rule]) -> BTreeMap<&str, BTreeMap<&str, Vec<&str>>> {
    let mut mapped: BTreeMap<&str, BTreeMap<&str, Vec<&str>>> = BTreeMap::new();
    for r in rules {
        for (fw, ids) in &r.meta.frameworks {
            for id in ids {
                mapped
                    .entry(fw.as_str())
                    .or_default()
                    .entry(id.as_str())
                    .or_default()
                    .push(r.id.as_str());
            }
        }
    }
    mapped
}

/// Checks one parsed framework file against the rules mapped to it
/// (`fw_map`: control id -> rule ids), appending problems with their line.
fn check(
    path: PathBuf,
    text: &str,
    raw: RawFramework,
    fw_map: &BTreeMap<&str, Vec<&str>>,
    problems: &mut Vec<(Location, String)>,
) -> Framework {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if raw.id != stem {
        problems.push((
            Location {
                path: path.clone(),
                line: 1,
            },
            format!("id {:?} does not match the file name {stem:?}", raw.id),
        ));
    }
    let mut controls = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in raw.controls {
        let line = line_of_offset(text, c.span().start);
        let c = c.into_inner();
        let at = Location {
            path: path.clone(),
            line,
        };
        if !seen.insert(c.id.clone()) {
            problems.push((at.clone(), format!("control {:?} is listed twice", c.id)));
        }
        let mut rule_ids: Vec<String> = fw_map
            .get(c.id.as_str())
            .map(|v| v.iter().map(|s| (*s).to_owned()).collect())
            .unwrap_or_default();
        rule_ids.sort();
        match (c.mode, rule_ids.is_empty()) {
            (Mode::Automated, true) => problems.push((at.clone(), format!("control {:?} is marked automated but no rule maps to it (mark it manual with a note, or map a rule in rules/**/*.toml)", c.id))),
            (Mode::Manual, false) => problems.push((at.clone(), format!("control {:?} is marked manual but rules map to it: {}", c.id, rule_ids.join(", ")))),
            (Mode::Manual, true) if c.note.trim().is_empty() => problems.push((at.clone(), format!("manual control {:?} needs a note saying why it is not automated", c.id))),
            _ => {}
        }
        controls.push(Control {
            id: c.id,
            title: c.title,
            mode: c.mode,
            note: c.note,
            rules: rule_ids,
            line,
        });
    }
    for (control, rule_ids) in fw_map {
        if !seen.contains(*control) {
            problems.push((
                Location {
                    path: path.clone(),
                    line: 0,
                },
                format!(
                    "control {control:?} is mapped by {} but not listed",
                    rule_ids.join(", ")
                ),
            ));
        }
    }
    Framework {
        id: raw.id,
        name: raw.name,
        version: raw.version,
        url: raw.url,
        scope: raw.scope,
        controls,
        path,
    }
}
