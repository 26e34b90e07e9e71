//! Reading and writing snapshot files: precise errors for malformed input
//! (file, line, column, JSON path), the line where each resource starts (for
//! SARIF physical locations), a content hash, and atomic writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::{Snapshot, SnapshotError, SNAPSHOT_FORMAT, SNAPSHOT_VERSION};

/// A snapshot together with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedSnapshot {
    /// The parsed snapshot.
    pub snapshot: Snapshot,
    /// The file it was read from.
    pub path: PathBuf,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// Where each resource starts in the file.
    pub lines: LineIndex,
}

/// Maps resource ARNs to the 1-based line of their `"arn"` key in the file.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    by_arn: HashMap<String, usize>,
}

impl LineIndex {
    /// Indexes every `"arn": "<value>"` pair of a JSON text (first occurrence wins).
    pub fn build(text: &str) -> Self {
        let mut by_arn = HashMap::new();
        let bytes = text.as_bytes();
        let mut line = 1usize;
        let mut i = 0usize;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line += 1,
                b'"' if bytes[i..].starts_with(b"\"arn\"") => {
                    let mut j = i + 5;
                    while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                        j += 1;
                    }
                    if bytes.get(j) == Some(&b':') {
                        j += 1;
                        while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                            j += 1;
                        }
                        if bytes.get(j) == Some(&b'"') {
                            if let Some(end) = text[j + 1..].find('"') {
                                let arn = &text[j + 1..j + 1 + end];
                                by_arn.entry(arn.to_owned()).or_insert(line);
                            }
                        }
                    }
                    i += 5;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        Self { by_arn }
    }

    /// The line of `arn`, or of the longest indexed ARN that prefixes it
    /// (sub-resources such as `<acl-arn>/entry/...` point at their owner).
    pub fn line_of(&self, arn: &str) -> Option<usize> {
        if let Some(l) = self.by_arn.get(arn) {
            return Some(*l);
        }
        let mut cut = arn.len();
        while let Some(pos) = arn[..cut].rfind(['/', '#']) {
            if let Some(l) = self.by_arn.get(&arn[..pos]) {
                return Some(*l);
            }
            cut = pos;
        }
        None
    }

    /// Number of indexed ARNs.
    pub fn len(&self) -> usize {
        self.by_arn.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_arn.is_empty()
    }
}

impl LoadedSnapshot {
    /// Reads and validates a snapshot file.
    pub fn from_path(path: &Path) -> Result<Self, SnapshotError> {
        let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_bytes(path, &bytes)
    }

    /// Parses snapshot bytes; `path` is used in error messages.
    pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self, SnapshotError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let (line, column) = line_col(bytes, e.valid_up_to());
            SnapshotError::Malformed {
                path: path.to_owned(),
                line,
                column,
                json_path: ".".into(),
                message: "file is not valid UTF-8".into(),
            }
        })?;
        let snapshot = parse(path, text)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        Ok(Self {
            snapshot,
            path: path.to_owned(),
            sha256,
            lines: LineIndex::build(text),
        })
    }
}

fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// Parses snapshot text with JSON-path-aware errors and format checks.
pub fn parse(path: &Path, text: &str) -> Result<Snapshot, SnapshotError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let snapshot: Snapshot = serde_path_to_error::deserialize(de).map_err(|e| {
        let json_path = e.path().to_string();
        let inner = e.into_inner();
        SnapshotError::Malformed {
            path: path.to_owned(),
            line: inner.line(),
            column: inner.column(),
            json_path,
            message: strip_position(&inner.to_string()),
        }
    })?;
    if snapshot.format != SNAPSHOT_FORMAT {
        return Err(SnapshotError::Invalid {
            path: path.to_owned(),
            message: format!(
                "`format` is {:?}, expected {SNAPSHOT_FORMAT:?}",
                snapshot.format
            ),
        });
    }
    if snapshot.version != SNAPSHOT_VERSION {
        return Err(SnapshotError::Invalid {
            path: path.to_owned(),
            message: format!(
                "snapshot version {} is not supported (this build reads version {SNAPSHOT_VERSION})",
                snapshot.version
            ),
        });
    }
    let mut seen = std::collections::HashSet::new();
    for (i, account) in snapshot.accounts.iter().enumerate() {
        if account.account_id.len() != 12 || !account.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SnapshotError::Invalid {
                path: path.to_owned(),
                message: format!(
                    "accounts[{i}].account_id {:?} is not a 12-digit AWS account id",
                    account.account_id
                ),
            });
        }
        if !seen.insert(account.account_id.as_str()) {
            return Err(SnapshotError::Invalid {
                path: path.to_owned(),
                message: format!("accounts[{i}]: account {} appears twice", account.account_id),
            });
        }
    }
    Ok(snapshot)
}

/// serde_json appends " at line L column C"; we report the position separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(pos) => message[..pos].to_owned(),
        None => message.to_owned(),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over the target. A failure
/// leaves any previous file untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Serialises a snapshot as pretty JSON (one key per line, so every
/// resource's `"arn"` has a line of its own) and writes it atomically.
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), SnapshotError> {
    let mut text = serde_json::to_string_pretty(snapshot).map_err(|e| SnapshotError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_snapshot_reports_path_and_line() {
        let text = "{\n  \"format\": \"palisade-snapshot\",\n  \"version\": 1,\n  \"scan_time\": \"2026-01-01T00:00:00Z\",\n  \"accounts\": [\n    {\"account_id\": \"111111111111\", \"iam\": {\"users\": [{\"arn\": 5}]}}\n  ]\n}\n";
        let err = parse(Path::new("snap.json"), text).expect_err("must fail");
        match err {
            SnapshotError::Malformed { line, json_path, .. } => {
                assert_eq!(line, 6);
                assert_eq!(json_path, "accounts[0].iam.users[0].arn");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_version_is_rejected() {
        let text = r#"{"format":"palisade-snapshot","version":2,"scan_time":"2026-01-01T00:00:00Z"}"#;
        let err = parse(Path::new("s.json"), text).expect_err("must fail");
        assert!(err.to_string().contains("version 2"));
    }

    #[test]
    fn line_index_finds_resources_and_sub_resources() {
        let text = "{\n\"arn\": \"arn:aws:ec2:r:1:network-acl/acl-1\",\n\"x\":{\"arn\":\"arn:b\"}}";
        let idx = LineIndex::build(text);
        assert_eq!(idx.line_of("arn:aws:ec2:r:1:network-acl/acl-1"), Some(2));
        assert_eq!(idx.line_of("arn:aws:ec2:r:1:network-acl/acl-1/entry/ingress/100"), Some(2));
        assert_eq!(idx.line_of("arn:b"), Some(3));
        assert_eq!(idx.line_of("arn:c"), None);
    }

    #[test]
    fn atomic_write_replaces_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.json");
        write_atomic(&p, b"one").expect("write");
        write_atomic(&p, b"two").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }
}
