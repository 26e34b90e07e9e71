//! `manifest.json`: what the bundle is (tool, rule pack, snapshot, times,
//! frameworks, accounts and regions, every coverage gap, result counts) and
//! the SHA-256 and size of every other file, sorted by path; and
//! [`verify`], which recomputes the hashes and lists each file changed,
//! added or removed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use palisade_rules::Framework;
use serde::{Deserialize, Serialize};

use super::{sha256_hex, EvidenceError, MANIFEST, SNAPSHOT};
use crate::{GapRow, ReportError, ScanReport, Summary, TOOL_NAME, TOOL_VERSION};

/// The manifest's `format`.
pub const FORMAT: &str = "palisade-evidence";
/// The manifest's `version`.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    version: u32,
    tool: Tool,
    rules: Rules,
    snapshot: Snapshot<'a>,
    generated: String,
    frameworks: Vec<FrameworkInfo<'a>>,
    accounts: Vec<AccountInfo<'a>>,
    coverage_gaps: Vec<GapRow<'a>>,
    results: Summary,
    files: Vec<FileEntry>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Rules {
    count: usize,
    fingerprint: String,
}

#[derive(Serialize)]
struct Snapshot<'a> {
    path: &'static str,
    sha256: &'a str,
    scan_time: String,
    collected_by: &'a str,
}

#[derive(Serialize)]
struct FrameworkInfo<'a> {
    id: &'a str,
    name: &'a str,
    version: &'a str,
    controls: usize,
}

#[derive(Serialize)]
struct AccountInfo<'a> {
    account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    partition: &'a str,
    regions: Vec<&'a str>,
}

/// One file of the bundle as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative `/`-separated path.
    pub path: String,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// Renders the manifest of `files` (every file but the manifest).
pub(super) fn render(
    report: &ScanReport<'_>,
    frameworks: &[&Framework],
    generated: DateTime<Utc>,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, ReportError> {
    let snap = &report.snapshot.snapshot;
    let mut accounts: Vec<AccountInfo<'_>> = snap
        .accounts
        .iter()
        .map(|a| {
            let mut regions: Vec<&str> = a.regions.iter().map(String::as_str).collect();
            regions.extend(a.region_data.iter().map(|r| r.region.as_str()));
            regions.sort_unstable();
            regions.dedup();
            AccountInfo {
                account_id: &a.account_id,
                name: a.name.as_deref(),
                partition: &a.partition,
                regions,
            }
        })
        .collect();
    accounts.sort_by(|x, y| x.account_id.cmp(y.account_id));
    let mut coverage_gaps: Vec<GapRow<'_>> = report
        .gaps()
        .into_iter()
        .map(|(account_id, c)| GapRow::of(account_id, c))
        .collect();
    coverage_gaps.sort_by(|x, y| {
        (x.account_id, x.service, x.region, x.api, x.error).cmp(&(
            y.account_id,
            y.service,
            y.region,
            y.api,
            y.error,
        ))
    });
    let manifest = Manifest {
        format: FORMAT,
        version: VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: TOOL_VERSION,
        },
        rules: Rules {
            count: report.pack.rules.len(),
            fingerprint: report.pack.fingerprint(),
        },
        snapshot: Snapshot {
            path: SNAPSHOT,
            sha256: &report.snapshot.sha256,
            scan_time: super::timestamp(snap.scan_time),
            collected_by: &snap.tool_version,
        },
        generated: super::timestamp(generated),
        frameworks: frameworks
            .iter()
            .map(|f| FrameworkInfo {
                id: &f.id,
                name: &f.name,
                version: &f.version,
                controls: f.controls.len(),
            })
            .collect(),
        accounts,
        coverage_gaps,
        results: report.summary(),
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry {
                path: path.clone(),
                sha256: sha256_hex(bytes),
                size: bytes.len() as u64,
            })
            .collect(),
    };
    let body = super::pretty("manifest", &manifest)?;
    Ok(seal(&body))
}

/// The manifest's last field: the SHA-256 of the manifest as written
/// without it, so that any change to the manifest itself is found too
/// (a deliberate rewrite can recompute it: record the printed hash of the
/// whole file for that).
const SELF_FIELD: &str = "self_sha256";

/// Appends `"self_sha256": "<hex>"` to a pretty-printed object that ends
/// with `\n}\n`: the hash of `body` itself.
fn seal(body: &[u8]) -> Vec<u8> {
    let hash = sha256_hex(body);
    let mut out = body[..body.len().saturating_sub(3)].to_vec();
    out.extend_from_slice(format!(",\n  \"{SELF_FIELD}\": \"{hash}\"\n}}\n").as_bytes());
    out
}

/// Checks the `self_sha256` field of manifest `bytes`: `Some(false)` when
/// the manifest was changed after it was written, `None` when the field is
/// not where [`seal`] puts it.
pub(super) fn self_check(bytes: &[u8]) -> Option<bool> {
    // `,\n  "self_sha256": "` + 64 hex digits + `"\n}\n`
    let prefix = format!(",\n  \"{SELF_FIELD}\": \"");
    let split = bytes.len().checked_sub(prefix.len() + 64 + 4)?;
    let (body, tail) = bytes.split_at(split);
    let tail = std::str::from_utf8(tail).ok()?;
    let hash = tail.strip_prefix(&prefix)?.strip_suffix("\"\n}\n")?;
    let mut original = body.to_vec();
    original.extend_from_slice(b"\n}\n");
    Some(sha256_hex(&original) == hash)
}

/// The part of a manifest that [`verify`] reads.
#[derive(Deserialize)]
struct ManifestFiles {
    format: String,
    version: u32,
    files: Vec<FileEntry>,
}

/// A file whose bytes are not the ones the manifest lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// The path.
    pub path: String,
    /// SHA-256 in the manifest.
    pub expected: String,
    /// SHA-256 of the file now.
    pub actual: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    /// Hex SHA-256 of `manifest.json` itself (record it to detect a
    /// manifest rewritten together with the files).
    pub manifest_sha256: String,
    /// Files checked.
    pub checked: usize,
    /// Files whose hash or size differs.
    pub changed: Vec<Changed>,
    /// Files present but not in the manifest.
    pub added: Vec<String>,
    /// Files in the manifest but absent.
    pub removed: Vec<String>,
    /// The manifest differs from what was written (its `self_sha256` does
    /// not match its content).
    pub manifest_changed: bool,
}

impl Verification {
    /// True when every file is as the manifest lists it.
    pub fn is_intact(&self) -> bool {
        !self.manifest_changed
            && self.changed.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
    }
}

/// Checks `files` (relative path -> bytes, as read from a bundle directory
/// or zip named `source`) against their `manifest.json`. A missing or
/// malformed manifest is an error naming the position.
pub fn verify(
    source: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Verification, EvidenceError> {
    let path = format!("{source}/{MANIFEST}");
    let malformed = |line, column, json_path: String, message: String| EvidenceError::Manifest {
        path: path.clone(),
        line,
        column,
        json_path,
        message,
    };
    let bytes = files
        .get(MANIFEST)
        .ok_or_else(|| malformed(0, 0, ".".into(), "the bundle has no manifest.json".into()))?;
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let m: ManifestFiles = serde_path_to_error::deserialize(de).map_err(|e| {
        let json_path = e.path().to_string();
        let inner = e.into_inner();
        let text = inner.to_string();
        let text = text
            .rfind(" at line ")
            .map_or(text.as_str(), |p| &text[..p])
            .to_owned();
        malformed(inner.line(), inner.column(), json_path, text)
    })?;
    if m.format != FORMAT || m.version != VERSION {
        return Err(malformed(
            1,
            1,
            "format".into(),
            format!(
                "format {:?} version {} is not {FORMAT:?} version {VERSION}",
                m.format, m.version
            ),
        ));
    }
    let manifest_changed = match self_check(bytes) {
        Some(ok) => !ok,
        None => {
            return Err(malformed(
                1,
                1,
                SELF_FIELD.into(),
                format!("the manifest does not end with its {SELF_FIELD} field"),
            ))
        }
    };
    let mut listed = BTreeSet::new();
    let mut v = Verification {
        manifest_sha256: sha256_hex(bytes),
        manifest_changed,
        ..Verification::default()
    };
    for (i, f) in m.files.iter().enumerate() {
        if super::check_path(&f.path).is_err() {
            // Where the entry is: the line of its path in the manifest.
            let quoted = serde_json::to_string(&f.path).unwrap_or_default();
            let at = find_bytes(bytes, quoted.as_bytes()).unwrap_or(0);
            let before = &bytes[..at];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            return Err(malformed(
                line,
                column,
                format!("files[{i}].path"),
                format!(
                    "{:?} is not a plain relative path inside the bundle",
                    f.path
                ),
            ));
        }
        if f.path == MANIFEST || !listed.insert(f.path.as_str()) {
            return Err(malformed(
                1,
                1,
                format!("files[{i}].path"),
                format!("{:?} is listed twice or is the manifest itself", f.path),
            ));
        }
        v.checked += 1;
        match files.get(&f.path) {
            None => v.removed.push(f.path.clone()),
            Some(b) => {
                let actual = sha256_hex(b);
                if actual != f.sha256 || b.len() as u64 != f.size {
                    v.changed.push(Changed {
                        path: f.path.clone(),
                        expected: f.sha256.clone(),
                        actual,
                    });
                }
            }
        }
    }
    v.added = files
        .keys()
        .filter(|p| p.as_str() != MANIFEST && !listed.contains(p.as_str()))
        .cloned()
        .collect();
    Ok(v)
}

/// The offset of the first `needle` in `hay`.
fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}
