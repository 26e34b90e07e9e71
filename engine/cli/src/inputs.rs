//! The inputs of `palisade scan`: snapshot files, CloudFormation templates,
//! Terraform plans and directories of them, each told apart by content.
//! Directories are walked (sorted, hidden folders and `.terraform` /
//! `node_modules` skipped) with include / exclude globs; a file found by
//! walking that is none of the three is skipped and counted, a file named on
//! the command line that is none of them is an error (exit 2).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use globset::{Glob, GlobSet, GlobSetBuilder};
use palisade_import::{Kind, Options};
use palisade_model::{Account, LoadedSnapshot};
use sha2::{Digest as _, Sha256};

use crate::args::IacArgs;

/// File names a directory walk considers when no `--include` is given.
const DEFAULT_INCLUDE: &[&str] = &["*.yaml", "*.yml", "*.json", "*.template"];
/// Folders a directory walk never enters.
const SKIPPED_DIRS: &[&str] = &[".terraform", "node_modules", "target"];

/// Everything the command line named, read and imported.
pub struct Inputs {
    /// The snapshot files, in input order (several are scanned as one
    /// organisation: shards of one collection, or snapshots of different
    /// accounts).
    pub snapshots: Vec<PathBuf>,
    /// One account per template or plan, in input order.
    pub accounts: Vec<Account>,
    /// The templates and plans read: (uri, hex SHA-256).
    pub files: Vec<(String, String)>,
    /// Files found by walking a directory that are not inputs.
    pub skipped: usize,
    /// `--terraform-dir`.
    terraform_dir: Option<PathBuf>,
}

/// Reads and classifies `paths`; imports every template and plan.
pub fn read(paths: &[PathBuf], iac: &IacArgs) -> anyhow::Result<Inputs> {
    let opts = options(iac)?;
    let include = globs("--include", &iac.include, DEFAULT_INCLUDE)?;
    let exclude = globs("--exclude", &iac.exclude, &[])?;
    let mut out = Inputs {
        snapshots: Vec::new(),
        accounts: Vec::new(),
        files: Vec::new(),
        skipped: 0,
        terraform_dir: iac.terraform_dir.clone(),
    };
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            walk(path, path, &include, &exclude, &mut files)
                .with_context(|| format!("reading directory {}", path.display()))?;
            for f in files {
                if !take(&f, false, &opts, &mut out)? {
                    out.skipped += 1;
                }
            }
        } else {
            take(path, true, &opts, &mut out)?;
        }
    }
    Ok(out)
}

/// Classifies one file and imports it; `false` when it is not an input
/// (only allowed for files found by walking).
fn take(path: &Path, named: bool, opts: &Options, out: &mut Inputs) -> anyhow::Result<bool> {
    if looks_like_snapshot(path).with_context(|| format!("reading {}", path.display()))? {
        // Read (and checked) one account at a time by the scan, never here.
        out.snapshots.push(path.to_owned());
        return Ok(true);
    }
    // A template or plan is read whole (and parsed into a tree several
    // times its size): a file too large to be one is not read at all.
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_IAC_BYTES {
        if named {
            bail!(
                "{}: {size} bytes, larger than any template or plan Palisade reads ({} MiB; CloudFormation's own limit is 1 MB)",
                path.display(),
                MAX_IAC_BYTES >> 20
            );
        }
        return Ok(false);
    }
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) if !named => return Ok(false),
        Err(e) => {
            let (line, column) = line_col(e.as_bytes(), e.utf8_error().valid_up_to());
            bail!("{}:{line}:{column}: not UTF-8 text", path.display())
        }
    };
    let Some(kind) = palisade_import::detect(&text) else {
        if named {
            bail!("{}", unrecognised(path, &text));
        }
        return Ok(false);
    };
    if kind == Kind::Snapshot {
        out.snapshots.push(path.to_owned());
        return Ok(true);
    }
    let uri = uri_of(path);
    let mut account = palisade_import::import(&uri, &text, kind, opts)?;
    if kind == Kind::TerraformPlan {
        let root = match &out.terraform_dir {
            Some(d) => d.clone(),
            None => match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
        };
        to_sources(&mut account, &uri, &text, &root)?;
    }
    out.files
        .push((uri, hex::encode(Sha256::digest(text.as_bytes()))));
    out.accounts.push(account);
    Ok(true)
}

/// 1-based line and column of byte `offset` of `bytes`.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// Why a file named on the command line is no input, at a position: empty,
/// JSON that does not parse (serde_json's line and column), a `format`
/// that is not a snapshot's, or none of the three kinds (at 1:1).
fn unrecognised(path: &Path, text: &str) -> String {
    let p = path.display();
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if body.trim().is_empty() {
        return format!("{p}:1:1: the file is empty (not a snapshot, template or plan)");
    }
    if matches!(body.trim_start().as_bytes().first(), Some(b'{' | b'[')) {
        if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(body) {
            let msg = e.to_string();
            let msg = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
            return format!(
                "{p}:{}:{}: invalid JSON: {msg}",
                e.line().max(1),
                e.column().max(1)
            );
        }
        if let Some(at) = body.find("\"format\"") {
            if !body.contains("\"palisade-snapshot\"") {
                let (line, column) = line_col(body.as_bytes(), at);
                return format!(
                    "{p}:{line}:{column}: `format` is not \"palisade-snapshot\": neither a Palisade snapshot, a CloudFormation template nor a Terraform plan"
                );
            }
        }
    }
    format!(
        "{p}:1:1: neither a Palisade snapshot, a CloudFormation template (no `Resources` section) nor a Terraform plan (`terraform show -json` output)"
    )
}

/// The largest template or plan read (snapshots are streamed and have no
/// limit).
const MAX_IAC_BYTES: u64 = 256 << 20;

/// How much of a file's start [`looks_like_snapshot`] reads.
const SNIFF_BYTES: usize = 4096;

/// True when the file opens as a Palisade snapshot does (a JSON object
/// whose `format` key, within the first few KiB, says
/// `palisade-snapshot`): such a file (hundreds of MB for a large
/// organisation) is not read whole to classify it. Anything else is
/// classified by content as before.
fn looks_like_snapshot(path: &Path) -> std::io::Result<bool> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    std::fs::File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let Some(body) = text.strip_prefix('{') else {
        return Ok(false);
    };
    let body = body.trim_start();
    let Some(rest) = body.strip_prefix("\"format\"") else {
        return Ok(false);
    };
    let rest = rest.trim_start();
    let Some(rest) = rest.strip_prefix(':') else {
        return Ok(false);
    };
    Ok(rest.trim_start().starts_with("\"palisade-snapshot\""))
}

/// Moves a plan's findings to the `resource` blocks of the Terraform files
/// in `root` (the root module) and its local child modules; a plan without
/// `.tf` files beside it keeps its own locations.
fn to_sources(
    account: &mut palisade_model::Account,
    plan_uri: &str,
    plan_text: &str,
    root: &Path,
) -> anyhow::Result<()> {
    use palisade_import::terraform::source::{module_dirs, relocate, TfFile};
    let tf_files = |dir: &Path| -> anyhow::Result<Vec<TfFile>> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Ok(Vec::new());
        };
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
            .collect();
        paths.sort();
        paths
            .into_iter()
            .map(|p| {
                let text = std::fs::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?;
                Ok(TfFile {
                    uri: uri_of(&p),
                    text,
                })
            })
            .collect()
    };
    let root_files = tf_files(root)?;
    if root_files.is_empty() {
        return Ok(());
    }
    // The plan was parsed by the importer already; this reads only its
    // module calls (an unreadable plan never gets here).
    let plan: serde_json::Value = serde_json::from_str(plan_text).unwrap_or_default();
    let mut files = std::collections::BTreeMap::new();
    for (module, dir) in module_dirs(&plan) {
        let fs = if module.is_empty() {
            root_files.clone()
        } else {
            tf_files(&root.join(dir))?
        };
        files.insert(module, fs);
    }
    relocate(account, plan_uri, &files);
    Ok(())
}

/// Files under `dir` matching `include` and not `exclude` (patterns match
/// the path relative to the walked root, and the file name), sorted.
fn walk(
    root: &Path,
    dir: &Path,
    include: &GlobSet,
    exclude: &GlobSet,
    out: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for e in entries {
        let path = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        let rel = path.strip_prefix(root).unwrap_or(&path);
        if exclude.is_match(rel) || exclude.is_match(name.as_ref()) {
            continue;
        }
        let ty = e.file_type()?;
        if ty.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(root, &path, include, exclude, out)?;
            }
        } else if ty.is_file() && (include.is_match(rel) || include.is_match(name.as_ref())) {
            out.push(path);
        }
    }
    Ok(())
}

fn globs(flag: &str, patterns: &[String], default: &[&str]) -> anyhow::Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    let list: Vec<&str> = if patterns.is_empty() {
        default.to_vec()
    } else {
        patterns.iter().map(String::as_str).collect()
    };
    for p in list {
        b.add(Glob::new(p).with_context(|| format!("{flag} {p:?}: not a valid glob"))?);
    }
    Ok(b.build()?)
}

/// Files downloaded from S3 for this run, with their `s3://` URI.
static DOWNLOADS: std::sync::Mutex<Vec<(std::path::PathBuf, String)>> =
    std::sync::Mutex::new(Vec::new());

/// The `s3://` URI a downloaded file came from.
pub fn download_name(path: &Path) -> Option<String> {
    DOWNLOADS
        .lock()
        .ok()
        .and_then(|d| d.iter().find(|(p, _)| p == path).map(|(_, u)| u.clone()))
}

/// Names a downloaded file by the URI it came from, in messages and
/// reports ([`uri_of`]).
pub fn name_download(path: &Path, uri: &str) {
    if let Ok(mut d) = DOWNLOADS.lock() {
        d.push((path.to_owned(), uri.to_owned()));
    }
}

/// The path as reports name it: relative to the working directory when it is
/// under it, `/`-separated, without `./` (what GitHub code scanning needs to
/// annotate a pull request line). A file downloaded from S3 is named by its `s3://` URI.
pub fn uri_of(path: &Path) -> String {
    if let Some(uri) = download_name(path) {
        return uri;
    }
    let cwd = std::env::current_dir().ok();
    let rel = match (&cwd, path.is_absolute()) {
        (Some(cwd), true) => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_owned()
}

/// The import options from `--parameter`, `--parameters`, `--account-id`
/// and `--iac-region`.
fn options(a: &IacArgs) -> anyhow::Result<Options> {
    let mut parameters = BTreeMap::new();
    if let Some(file) = &a.parameters_file {
        parameters = parameters_file(file)?;
    }
    for p in &a.parameters {
        let Some((k, v)) = p.split_once('=') else {
            bail!("--parameter {p:?}: expected KEY=VALUE");
        };
        parameters.insert(k.trim().to_owned(), v.to_owned());
    }
    if let Some(id) = &a.account_id {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            bail!("--account-id {id:?}: expected a 12-digit AWS account id");
        }
    }
    Ok(Options {
        parameters,
        account_id: a.account_id.clone(),
        region: a.iac_region.clone(),
    })
}

/// Reads a parameters file in CloudFormation's own formats: the CLI's list
/// (`[{"ParameterKey": "K", "ParameterValue": "V"}]`) or a CodePipeline
/// template configuration (`{"Parameters": {"K": "V"}}`).
fn parameters_file(path: &Path) -> anyhow::Result<BTreeMap<String, String>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Item {
        #[serde(rename = "ParameterKey")]
        key: String,
        #[serde(rename = "ParameterValue", default)]
        value: Option<String>,
        #[serde(rename = "UsePreviousValue", default)]
        _previous: Option<bool>,
        #[serde(rename = "ResolvedValue", default)]
        _resolved: Option<String>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum File {
        List(Vec<Item>),
        Config {
            #[serde(rename = "Parameters")]
            parameters: BTreeMap<String, String>,
        },
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    // Read as the shape its first character announces, so an error keeps
    // serde_json's line and column (an untagged enum loses them).
    let file = if text.trim_start().starts_with('[') {
        serde_json::from_str(&text).map(File::List)
    } else {
        serde_json::from_str(&text)
    };
    let file: File = file.map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a CloudFormation parameters file ([{{\"ParameterKey\": ..., \"ParameterValue\": ...}}] or {{\"Parameters\": {{...}}}}): {e}",
            path.display(),
            e.line().max(1),
            e.column().max(1)
        )
    })?;
    Ok(match file {
        File::List(items) => items
            .into_iter()
            .filter_map(|i| i.value.map(|v| (i.key, v)))
            .collect(),
        File::Config { parameters } => parameters,
    })
}

/// The snapshot to evaluate: the given one with the imported accounts
/// added, or (templates and plans only) an in-memory one taken now.
pub fn combine(snapshot: Option<LoadedSnapshot>, inputs: &mut Inputs) -> LoadedSnapshot {
    let mut loaded = snapshot.unwrap_or_else(|| {
        let mut h = Sha256::new();
        for (uri, sha) in &inputs.files {
            h.update(uri.as_bytes());
            h.update([0]);
            h.update(sha.as_bytes());
        }
        LoadedSnapshot {
            snapshot: palisade_model::Snapshot::new(
                chrono::Utc::now(),
                palisade_report::TOOL_VERSION,
            ),
            path: PathBuf::new(),
            sha256: hex::encode(h.finalize()),
            lines: palisade_model::LineIndex::default(),
        }
    });
    loaded.snapshot.accounts.append(&mut inputs.accounts);
    loaded
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn parameters_files_in_both_cloudformation_formats() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("list.json");
        std::fs::write(
            &list,
            r#"[{"ParameterKey": "Cidr", "ParameterValue": "10.0.0.0/8"}, {"ParameterKey": "Env", "UsePreviousValue": true}]"#,
        )
        .unwrap();
        let got = parameters_file(&list).unwrap();
        assert_eq!(got.get("Cidr").map(String::as_str), Some("10.0.0.0/8"));
        assert!(!got.contains_key("Env"));
        let cfg = dir.path().join("cfg.json");
        std::fs::write(&cfg, r#"{"Parameters": {"Cidr": "0.0.0.0/0"}}"#).unwrap();
        assert_eq!(parameters_file(&cfg).unwrap()["Cidr"], "0.0.0.0/0");
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\n  \"Cidr\": 1\n}").unwrap();
        let e = parameters_file(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.json:"), "{e}");
    }

    #[test]
    fn uris_are_relative_and_slash_separated() {
        assert_eq!(uri_of(Path::new("./infra/web.yaml")), "infra/web.yaml");
        let abs = std::env::current_dir()
            .unwrap()
            .join("infra")
            .join("a.json");
        assert_eq!(uri_of(&abs), "infra/a.json");
    }
}
