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

/// Maps resource ids to the 1-based line where they start in the file: the
/// line of each `"arn"` key (scoped to the account it appears under, since
/// AWS managed policy ARNs repeat across accounts), of each `"account_id"`,
/// and of each region entry (`ACCOUNT/REGION`).
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    global: HashMap<String, usize>,
    scoped: HashMap<(String, String), usize>,
}

/// The string value after `"key"` at `i` (whitespace and `:` skipped), with
/// the index just past it.
fn string_value_after(text: &str, mut j: usize) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let skip_ws = |j: &mut usize| {
        while *j < bytes.len() && matches!(bytes[*j], b' ' | b'\t' | b'\r' | b'\n') {
            *j += 1;
        }
    };
    skip_ws(&mut j);
    if bytes.get(j) != Some(&b':') {
        return None;
    }
    j += 1;
    skip_ws(&mut j);
    if bytes.get(j) != Some(&b'"') {
        return None;
    }
    let end = text[j + 1..].find('"')?;
    Some((&text[j + 1..j + 1 + end], j + 1 + end))
}

impl LineIndex {
    /// Indexes a snapshot's JSON text (first occurrence wins).
    pub fn build(text: &str) -> Self {
        let mut idx = Self::default();
        let bytes = text.as_bytes();
        let mut line = 1usize;
        let mut account = String::new();
        let mut i = 0usize;
        while i < bytes.len() {
            if bytes[i] == b'\n' {
                line += 1;
            } else if bytes[i] == b'"' {
                for key in [
                    "\"arn\"",
                    "\"resource_arn\"",
                    "\"account_id\"",
                    "\"region\"",
                ] {
                    if !bytes[i..].starts_with(key.as_bytes()) {
                        continue;
                    }
                    if let Some((value, _)) = string_value_after(text, i + key.len()) {
                        match key {
                            "\"arn\"" | "\"resource_arn\"" => {
                                idx.global.entry(value.to_owned()).or_insert(line);
                                idx.scoped
                                    .entry((account.clone(), value.to_owned()))
                                    .or_insert(line);
                            }
                            "\"account_id\"" => {
                                account = value.to_owned();
                                idx.global.entry(value.to_owned()).or_insert(line);
                            }
                            _ => {
                                // A region entry opens with its `region` key
                                // (coverage records mention regions too).
                                let opens_object = text[..i].trim_end().ends_with('{');
                                if opens_object {
                                    idx.global
                                        .entry(format!("{account}/{value}"))
                                        .or_insert(line);
                                }
                            }
                        }
                    }
                    i += key.len() - 1;
                    break;
                }
            }
            i += 1;
        }
        idx
    }

    fn exact(&self, account: &str, id: &str) -> Option<usize> {
        self.scoped
            .get(&(account.to_owned(), id.to_owned()))
            .or_else(|| self.global.get(id))
            .copied()
    }

    /// The line of resource `id` in `account`, or of the longest indexed id
    /// that prefixes it at a `/` or `#` (sub-resources such as
    /// `<acl-arn>/entry/...` point at their owner), or of the account.
    pub fn line_of(&self, account: &str, id: &str) -> Option<usize> {
        if let Some(l) = self.exact(account, id) {
            return Some(l);
        }
        let mut cut = id.len();
        while let Some(pos) = id[..cut].rfind(['/', '#']) {
            if let Some(l) = self.exact(account, &id[..pos]) {
                return Some(l);
            }
            cut = pos;
        }
        self.global.get(account).copied()
    }

    /// Number of indexed ids.
    pub fn len(&self) -> usize {
        self.global.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.global.is_empty()
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
        if account.account_id.len() != 12 || !account.account_id.bytes().all(|b| b.is_ascii_digit())
        {
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
                message: format!(
                    "accounts[{i}]: account {} appears twice",
                    account.account_id
                ),
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
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], for output written piece by piece (a report of a
/// million results is streamed, never held whole in memory): `write` fills
/// a buffered temporary file next to `path`, which replaces `path` only
/// when `write` succeeded; on any error it is removed and `path` is left
/// as it was.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
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
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        let f = w
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
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
            SnapshotError::Malformed {
                line, json_path, ..
            } => {
                assert_eq!(line, 6);
                assert_eq!(json_path, "accounts[0].iam.users[0].arn");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_version_is_rejected() {
        let text =
            r#"{"format":"palisade-snapshot","version":2,"scan_time":"2026-01-01T00:00:00Z"}"#;
        let err = parse(Path::new("s.json"), text).expect_err("must fail");
        assert!(err.to_string().contains("version 2"));
    }

    #[test]
    fn line_index_finds_resources_and_sub_resources() {
        let text = "{\"account_id\": \"1\",\n\"arn\": \"arn:aws:ec2:r:1:network-acl/acl-1\",\n\"x\":{\"arn\":\"arn:b\"},\n\"c\": {\"service\": \"s\", \"region\": \"q\"}, {\"region\": \"r\",\n\"account_id\": \"2\",\n\"arn\":\"arn:b\"}";
        let idx = LineIndex::build(text);
        assert_eq!(
            idx.line_of("1", "arn:aws:ec2:r:1:network-acl/acl-1"),
            Some(2)
        );
        assert_eq!(
            idx.line_of("1", "arn:aws:ec2:r:1:network-acl/acl-1/entry/ingress/100"),
            Some(2)
        );
        assert_eq!(idx.line_of("1", "arn:b"), Some(3));
        // The same ARN under another account resolves to that account's copy.
        assert_eq!(idx.line_of("2", "arn:b#account/2"), Some(6));
        assert_eq!(idx.line_of("1", "1/r"), Some(4));
        // A coverage record's region is not a region entry; falls back to the account.
        assert_eq!(idx.line_of("1", "1/q"), Some(1));
        assert_eq!(idx.line_of("2", "arn:c"), Some(5));
        assert_eq!(idx.line_of("3", "arn:c"), None);
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

    #[test]
    fn a_stream_that_fails_half_way_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("out.asff");
        write_atomic(&p, b"previous report").expect("write");
        let e = write_atomic_with(&p, |w| {
            w.write_all(b"[ half a report")?;
            Err(std::io::Error::other("result 7: not an AWS account"))
        })
        .expect_err("the writer's error");
        assert!(e.to_string().contains("result 7"), "{e}");
        assert_eq!(std::fs::read(&p).expect("read"), b"previous report");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        // Pieces written one by one arrive whole.
        write_atomic_with(&p, |w| (0..1000).try_for_each(|i| write!(w, "{i},"))).expect("streamed");
        let text = std::fs::read_to_string(&p).expect("read");
        assert!(text.starts_with("0,1,2,") && text.ends_with("998,999,"));
    }
}
