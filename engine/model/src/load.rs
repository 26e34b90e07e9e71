//! Reading and writing snapshot files: precise errors for malformed input
//! (file, line, column, JSON path), the line where each resource starts (for
//! SARIF physical locations), a content hash, and atomic writes.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

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
    /// The account and region entries of `global` (few: what a streaming
    /// reader keeps from every account, see [`LineIndex::share`]).
    places: Vec<(String, usize)>,
}

/// Where an incremental [`LineIndex::scan`] is: the current 1-based line
/// and the account whose `account_id` came last.
#[derive(Debug, Clone)]
pub struct IndexState {
    /// The line the next piece starts on.
    pub line: usize,
    /// The account resources are scoped to.
    pub account: String,
}

impl Default for IndexState {
    fn default() -> Self {
        Self {
            line: 1,
            account: String::new(),
        }
    }
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
        idx.scan(text, &mut IndexState::default());
        idx
    }

    /// Indexes one piece of a snapshot's text that starts at `state.line`
    /// under the account `state.account` (the account whose `account_id`
    /// came last before it), carrying both on to the next piece: scanning a
    /// file piece by piece (first occurrence wins within this index) finds
    /// what [`LineIndex::build`] finds in the whole text.
    pub fn scan(&mut self, text: &str, state: &mut IndexState) {
        let bytes = text.as_bytes();
        let mut i = 0usize;
        while i < bytes.len() {
            if bytes[i] == b'\n' {
                state.line += 1;
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
                        let line = state.line;
                        match key {
                            "\"arn\"" | "\"resource_arn\"" => {
                                self.global.entry(value.to_owned()).or_insert(line);
                                self.scoped
                                    .entry((state.account.clone(), value.to_owned()))
                                    .or_insert(line);
                            }
                            "\"account_id\"" => {
                                state.account = value.to_owned();
                                if !self.global.contains_key(value) {
                                    self.global.insert(value.to_owned(), line);
                                    self.places.push((value.to_owned(), line));
                                }
                            }
                            _ => {
                                // A region entry opens with its `region` key
                                // (coverage records mention regions too).
                                let opens_object = text[..i].trim_end().ends_with('{');
                                let key = format!("{}/{value}", state.account);
                                if opens_object && !self.global.contains_key(&key) {
                                    self.global.insert(key.clone(), line);
                                    self.places.push((key, line));
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
    }

    /// Adds to `self` what of `piece` (the index of one account's text,
    /// `own` its account id) the other accounts' lookups can reach: its
    /// account and region entries, and resources scoped to another account
    /// (text after a nested `account_id`).
    pub fn share(&mut self, piece: &LineIndex, own: &str) {
        for (key, line) in &piece.places {
            if !self.global.contains_key(key) {
                self.global.insert(key.clone(), *line);
                self.places.push((key.clone(), *line));
            }
        }
        for ((account, id), line) in &piece.scoped {
            if account != own {
                self.scoped
                    .entry((account.clone(), id.clone()))
                    .or_insert(*line);
            }
        }
    }

    /// Records `line` as where resource `id` of `account` is (a resolved
    /// place kept after the index it came from is dropped).
    pub fn insert(&mut self, account: &str, id: &str, line: usize) {
        self.scoped
            .entry((account.to_owned(), id.to_owned()))
            .or_insert(line);
    }

    /// The line of resource `id` in `account`, or of the longest indexed id
    /// that prefixes it at a `/` or `#` (sub-resources such as
    /// `<acl-arn>/entry/...` point at their owner), or of the account.
    pub fn line_of(&self, account: &str, id: &str) -> Option<usize> {
        Self::line_in(&[self], account, id)
    }

    /// [`LineIndex::line_of`] over pieces of one file indexed separately,
    /// earliest piece first (first occurrence wins across them too).
    pub fn line_in(layers: &[&LineIndex], account: &str, id: &str) -> Option<usize> {
        // Layers are pieces of one file: the first occurrence is the
        // smallest line.
        let exact = |id: &str| {
            let key = (account.to_owned(), id.to_owned());
            layers
                .iter()
                .filter_map(|l| l.scoped.get(&key))
                .min()
                .or_else(|| layers.iter().filter_map(|l| l.global.get(id)).min())
                .copied()
        };
        if let Some(l) = exact(id) {
            return Some(l);
        }
        let mut cut = id.len();
        while let Some(pos) = id[..cut].rfind(['/', '#']) {
            if let Some(l) = exact(&id[..pos]) {
                return Some(l);
            }
            cut = pos;
        }
        layers
            .iter()
            .filter_map(|l| l.global.get(account))
            .min()
            .copied()
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
        if bytes.starts_with(b"\xef\xbb\xbf") {
            return Err(SnapshotError::Malformed {
                path: path.to_owned(),
                line: 1,
                column: 1,
                json_path: ".".into(),
                message: "the file starts with a UTF-8 byte order mark, which JSON does not allow (save it without one)".into(),
            });
        }
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

pub(crate) fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

/// Parses snapshot text with JSON-path-aware errors and format checks.
pub fn parse(path: &Path, text: &str) -> Result<Snapshot, SnapshotError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let snapshot: Snapshot = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let json_path = crate::duplicates::short_path(e.path().to_string());
        let inner = e.into_inner();
        SnapshotError::Malformed {
            path: path.to_owned(),
            line: inner.line(),
            column: inner.column(),
            json_path,
            message: strip_position(&inner.to_string()),
        }
    })?;
    // Text after the snapshot (a second document, stray brackets) is an
    // error, as the streaming reader has it.
    de.end().map_err(|inner| SnapshotError::Malformed {
        path: path.to_owned(),
        line: inner.line(),
        column: inner.column(),
        json_path: ".".into(),
        message: strip_position(&inner.to_string()),
    })?;
    check_format(path, &snapshot)?;
    let mut seen = std::collections::HashSet::new();
    for (i, account) in snapshot.accounts.iter().enumerate() {
        check_account(path, i, account, &mut |id| seen.insert(id.to_owned()))?;
    }
    if let Some(d) = crate::duplicates::find(text.as_bytes()) {
        return Err(crate::duplicates::error(
            path,
            text.as_bytes(),
            &d,
            (1, 1),
            "",
        ));
    }
    Ok(snapshot)
}

/// The largest broken file [`SnapshotReader::open`] re-reads whole to
/// report its first error with the full JSON path.
const WHOLE_FILE_FALLBACK_BYTES: u64 = 256 << 20;

/// A snapshot file read one account at a time: the header first (a pass
/// over the file that skips the accounts, so a header written after them
/// is found too), then each account parsed on its own. Memory holds one
/// account and its text, never the whole file. Errors carry the file, line,
/// column and JSON path as [`parse`] gives them; the SHA-256 and the
/// [`LineIndex`] are computed while reading.
pub struct SnapshotReader {
    path: PathBuf,
    header: Snapshot,
    input: std::io::BufReader<std::fs::File>,
    hasher: Sha256,
    /// Line and column of the next byte.
    line: usize,
    column: usize,
    /// The index of the text before the accounts.
    head: std::sync::Arc<LineIndex>,
    /// What every account's lookups reach of the accounts read so far.
    shared: std::sync::Arc<LineIndex>,
    state: IndexState,
    seen: std::collections::HashSet<String>,
    next: usize,
    in_accounts: bool,
}

/// One account as [`SnapshotReader::next_account`] yields it.
pub struct StreamedAccount {
    /// The account.
    pub account: crate::Account,
    /// Its position among the file's accounts.
    pub index: usize,
    /// Where its resources start (with [`SnapshotReader::head_index`] and
    /// [`StreamedAccount::shared`]: see [`LineIndex::line_in`]).
    pub lines: LineIndex,
    /// The account and region lines of the accounts read so far, and
    /// resources they scope to other accounts.
    pub shared: std::sync::Arc<LineIndex>,
}

/// What remains when every account is read.
pub struct ReadEnd {
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The index of the text outside the accounts (header and trailer).
    pub lines: LineIndex,
}

/// The top-level fields with the accounts skipped.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderDoc {
    format: String,
    version: u32,
    #[serde(default)]
    tool_version: String,
    scan_time: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    organization: Option<crate::organization::Organization>,
    #[serde(default)]
    shard: Option<crate::organization::ShardInfo>,
    #[serde(default, rename = "accounts")]
    _accounts: Vec<serde::de::IgnoredAny>,
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> SnapshotError + '_ {
    move |source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    }
}

impl SnapshotReader {
    /// Opens `path` and reads its header (the format and version checked as
    /// [`parse`] checks them).
    pub fn open(path: &Path) -> Result<Self, SnapshotError> {
        let file = std::fs::File::open(path).map_err(io_error(path))?;
        let header = {
            let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::with_capacity(
                1 << 16,
                file,
            ));
            let h = serde_path_to_error::deserialize::<_, HeaderDoc>(&mut de)
                .map_err(|e| {
                    (
                        crate::duplicates::short_path(e.path().to_string()),
                        e.into_inner(),
                    )
                })
                .and_then(|h| de.end().map(|()| h).map_err(|e| (".".to_owned(), e)));
            match h {
                Ok(h) => h,
                // The whole-file reader says exactly what and where (this
                // path is taken for broken files only).
                Err((json_path, inner)) => {
                    let header_error = || SnapshotError::Malformed {
                        path: path.to_owned(),
                        line: inner.line(),
                        column: inner.column(),
                        json_path: json_path.clone(),
                        message: strip_position(&inner.to_string()),
                    };
                    // A file too large to read whole (a 1 GB line that never
                    // ends) keeps the first pass's error: its line and
                    // column are exact, its JSON path may be shorter.
                    let size = std::fs::metadata(path).map_or(0, |m| m.len());
                    if size > WHOLE_FILE_FALLBACK_BYTES {
                        return Err(header_error());
                    }
                    return Err(match LoadedSnapshot::from_path(path) {
                        Err(err) => err,
                        Ok(_) => SnapshotError::Malformed {
                            path: path.to_owned(),
                            line: inner.line(),
                            column: inner.column(),
                            json_path,
                            message: strip_position(&inner.to_string()),
                        },
                    });
                }
            }
        };
        let mut snapshot = Snapshot {
            format: header.format,
            version: header.version,
            tool_version: header.tool_version,
            scan_time: header.scan_time,
            organization: header.organization,
            shard: header.shard,
            accounts: Vec::new(),
        };
        check_format(path, &snapshot)?;
        snapshot.accounts.clear();
        let file = std::fs::File::open(path).map_err(io_error(path))?;
        let mut r = Self {
            path: path.to_owned(),
            header: snapshot,
            input: std::io::BufReader::with_capacity(1 << 16, file),
            hasher: Sha256::new(),
            line: 1,
            column: 1,
            head: Default::default(),
            shared: Default::default(),
            state: IndexState::default(),
            seen: Default::default(),
            next: 0,
            in_accounts: false,
        };
        r.seek_accounts()?;
        Ok(r)
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The snapshot's top-level fields (its `accounts` empty).
    pub fn header(&self) -> &Snapshot {
        &self.header
    }

    /// The index of the text before the accounts (the first layer of every
    /// account's lookups).
    pub fn head_index(&self) -> std::sync::Arc<LineIndex> {
        self.head.clone()
    }

    fn malformed(&self, line: usize, column: usize, message: &str) -> SnapshotError {
        SnapshotError::Malformed {
            path: self.path.clone(),
            line,
            column,
            json_path: ".".into(),
            message: message.into(),
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, SnapshotError> {
        use std::io::BufRead as _;
        let buf = self.input.fill_buf().map_err(io_error(&self.path))?;
        Ok(buf.first().copied())
    }

    /// Consumes one byte (hashed, counted).
    fn bump(&mut self) -> Result<Option<u8>, SnapshotError> {
        use std::io::BufRead as _;
        let Some(b) = self.peek()? else {
            return Ok(None);
        };
        self.hasher.update([b]);
        self.input.consume(1);
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Ok(Some(b))
    }

    fn skip_ws(&mut self, keep: &mut Vec<u8>) -> Result<(), SnapshotError> {
        while let Some(b) = self.peek()? {
            if !matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                break;
            }
            self.bump()?;
            keep.push(b);
        }
        Ok(())
    }

    /// Copies one JSON value (already known to be well formed) to `out`.
    fn copy_value(&mut self, out: &mut Vec<u8>) -> Result<(), SnapshotError> {
        use std::io::BufRead as _;
        let mut depth = 0usize;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let (line, column) = (self.line, self.column);
            let buf = self.input.fill_buf().map_err(io_error(&self.path))?;
            if buf.is_empty() {
                return Err(self.malformed(line, column, "EOF while parsing a value"));
            }
            // Whole chunks at a time: the per-byte work is the structure.
            let mut n = 0;
            let mut done = false;
            for &b in buf {
                n += 1;
                if in_string {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_string = false;
                        if depth == 0 {
                            done = true;
                        }
                    }
                } else {
                    match b {
                        b'"' => in_string = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            if depth == 0 {
                                // The end of the enclosing container: not ours.
                                n -= 1;
                                done = true;
                            } else {
                                depth -= 1;
                                done = depth == 0;
                            }
                        }
                        b',' | b' ' | b'\t' | b'\r' | b'\n' if depth == 0 => {
                            n -= 1;
                            done = true;
                        }
                        _ => {}
                    }
                }
                if done {
                    break;
                }
            }
            let chunk = &buf[..n];
            self.hasher.update(chunk);
            for &b in chunk {
                if b == b'\n' {
                    self.line += 1;
                    self.column = 1;
                } else {
                    self.column += 1;
                }
            }
            out.extend_from_slice(chunk);
            self.input.consume(n);
            if done {
                return Ok(());
            }
        }
    }

    /// Reads up to the first account (the header was checked by the first
    /// pass, so the text is well formed), indexing the text before it.
    fn seek_accounts(&mut self) -> Result<(), SnapshotError> {
        let mut head = Vec::new();
        self.skip_ws(&mut head)?;
        if self.bump()? != Some(b'{') {
            return Err(self.malformed(self.line, self.column, "expected a JSON object"));
        }
        head.push(b'{');
        loop {
            self.skip_ws(&mut head)?;
            match self.peek()? {
                Some(b'}') | None => break,
                Some(b',') => {
                    self.bump()?;
                    head.push(b',');
                    continue;
                }
                _ => {}
            }
            let start = head.len();
            self.copy_value(&mut head)?;
            let key = head[start..].to_vec();
            self.skip_ws(&mut head)?;
            if self.bump()? != Some(b':') {
                return Err(self.malformed(self.line, self.column, "expected `:`"));
            }
            head.push(b':');
            self.skip_ws(&mut head)?;
            if key == b"\"accounts\"" && self.peek()? == Some(b'[') {
                self.bump()?;
                head.push(b'[');
                self.in_accounts = true;
                break;
            }
            self.copy_value(&mut head)?;
        }
        if let Some(d) = crate::duplicates::find(&head) {
            return Err(crate::duplicates::error(&self.path, &head, &d, (1, 1), ""));
        }
        let text = String::from_utf8_lossy(&head);
        let mut idx = LineIndex::default();
        idx.scan(&text, &mut self.state);
        self.head = std::sync::Arc::new(idx);
        Ok(())
    }

    /// The next account, or `None` after the last.
    pub fn next_account(&mut self) -> Result<Option<StreamedAccount>, SnapshotError> {
        if !self.in_accounts {
            return Ok(None);
        }
        let mut gap = Vec::new();
        self.skip_ws(&mut gap)?;
        if self.next > 0 {
            match self.bump()? {
                Some(b',') => self.skip_ws(&mut gap)?,
                Some(b']') => {
                    self.state.line = self.line;
                    self.in_accounts = false;
                    return Ok(None);
                }
                _ => return Err(self.malformed(self.line, self.column, "expected `,` or `]`")),
            }
        } else if self.peek()? == Some(b']') {
            self.bump()?;
            self.state.line = self.line;
            self.in_accounts = false;
            return Ok(None);
        }
        let (line, column) = (self.line, self.column);
        let mut text = Vec::new();
        self.copy_value(&mut text)?;
        let i = self.next;
        self.next += 1;
        let de = &mut serde_json::Deserializer::from_slice(&text);
        let account: crate::Account = serde_path_to_error::deserialize(de).map_err(|e| {
            let json_path = crate::duplicates::short_path(match e.path().to_string().as_str() {
                "." => format!("accounts[{i}]"),
                p => format!("accounts[{i}].{p}"),
            });
            let inner = e.into_inner();
            let (l, c) = (inner.line(), inner.column());
            SnapshotError::Malformed {
                path: self.path.clone(),
                line: line + l - 1,
                column: if l == 1 { column + c - 1 } else { c },
                json_path,
                message: strip_position(&inner.to_string()),
            }
        })?;
        check_account(&self.path, i, &account, &mut |id| {
            self.seen.insert(id.to_owned())
        })?;
        if let Some(d) = crate::duplicates::find(&text) {
            let prefix = format!("accounts[{i}]");
            return Err(crate::duplicates::error(
                &self.path,
                &text,
                &d,
                (line, column),
                &prefix,
            ));
        }
        let text = std::str::from_utf8(&text).map_err(|e| {
            let (l, c) = line_col(&text, e.valid_up_to());
            self.malformed(
                line + l - 1,
                if l == 1 { column + c - 1 } else { c },
                "file is not valid UTF-8",
            )
        })?;
        self.state.line = line;
        let mut lines = LineIndex::default();
        lines.scan(text, &mut self.state);
        std::sync::Arc::make_mut(&mut self.shared).share(&lines, &account.account_id);
        Ok(Some(StreamedAccount {
            account,
            index: i,
            lines,
            shared: self.shared.clone(),
        }))
    }

    /// Reads what follows the accounts (header fields written after them):
    /// the file's hash and the index of that text.
    pub fn finish(mut self) -> Result<ReadEnd, SnapshotError> {
        while self.next_account()?.is_some() {}
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut self.input, &mut rest).map_err(io_error(&self.path))?;
        self.hasher.update(&rest);
        let mut lines = LineIndex::default();
        lines.scan(&String::from_utf8_lossy(&rest), &mut self.state);
        Ok(ReadEnd {
            sha256: hex::encode(self.hasher.finalize()),
            lines,
        })
    }
}

fn check_format(path: &Path, snapshot: &Snapshot) -> Result<(), SnapshotError> {
    if snapshot.format != SNAPSHOT_FORMAT {
        return Err(SnapshotError::Invalid {
            path: path.to_owned(),
            message: format!(
                "`format` is {}, expected {SNAPSHOT_FORMAT:?}",
                crate::excerpt::quoted(&snapshot.format)
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
    Ok(())
}

/// Checks account `i`'s id: 12 digits, and new (`insert` false: seen before).
fn check_account(
    path: &Path,
    i: usize,
    account: &crate::Account,
    insert: &mut dyn FnMut(&str) -> bool,
) -> Result<(), SnapshotError> {
    if account.account_id.len() != 12 || !account.account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SnapshotError::Invalid {
            path: path.to_owned(),
            message: format!(
                "accounts[{i}].account_id {} is not a 12-digit AWS account id",
                crate::excerpt::quoted(&account.account_id)
            ),
        });
    }
    if !insert(&account.account_id) {
        return Err(SnapshotError::Invalid {
            path: path.to_owned(),
            message: format!(
                "accounts[{i}]: account {} appears twice",
                account.account_id
            ),
        });
    }
    Ok(())
}

/// serde_json appends " at line L column C"; we report the position separately.
/// Values quoted by serde ("invalid type: string \"...\"") are cut short:
/// an error never echoes a whole document or value.
fn strip_position(message: &str) -> String {
    crate::excerpt::shorten_quotes(match message.rfind(" at line ") {
        Some(pos) => &message[..pos],
        None => message,
    })
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed and synced, then renamed over the target. A failure
/// leaves any previous file untouched. The file is readable by others as
/// the umask allows (reports, docs); see [`write_private`] for files that
/// hold an account's inventory.
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
    write_file(path, 0o666, write)
}

/// Like [`write_atomic`], but only the owner may read or write the file
/// (mode 0600, whatever the umask): snapshots, evidence bundles and the
/// history database hold a whole account's inventory.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_private_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic_with`] with the permissions of [`write_private`].
pub fn write_private_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_file(path, 0o600, write)
}

/// The one atomic writer. An output path that is a symbolic link is
/// refused (error kind `InvalidInput`), not followed or replaced: a link
/// planted in a shared workspace must not redirect a report, and replacing
/// it silently would surprise whoever made it.
fn write_file(
    path: &Path,
    mode: u32,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if let Ok(meta) = std::fs::symlink_metadata(path) {
        if meta.file_type().is_symlink() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the output path is a symbolic link; refusing to write through or replace it",
            ));
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.{}-{seq}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let file = {
        let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
        if pending.0 {
            return Err(abandoned());
        }
        let file = options.open(&tmp)?;
        pending.1.push(tmp.clone());
        file
    };
    let result = (|| {
        let mut w = std::io::BufWriter::new(file);
        write(&mut w)?;
        let f = w
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        f.sync_all()?;
        let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
        pending.1.retain(|t| *t != tmp);
        if pending.0 {
            return Err(abandoned());
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        PENDING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .1
            .retain(|t| *t != tmp);
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Whether writes were abandoned ([`abandon_writes`]), and the temporary
/// files of the writes in progress.
static PENDING: Mutex<(bool, Vec<PathBuf>)> = Mutex::new((false, Vec::new()));

/// Stops every atomic write of this process for good, for a signal handler
/// that exits next: the temporary files of writes in progress are removed,
/// and no write renames its file over its target (or starts) afterwards,
/// so every output is either its previous version or the whole new one.
pub fn abandon_writes() {
    let mut pending = PENDING.lock().unwrap_or_else(PoisonError::into_inner);
    pending.0 = true;
    for tmp in pending.1.drain(..) {
        let _ = std::fs::remove_file(tmp);
    }
}

fn abandoned() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Interrupted,
        "interrupted: the write was abandoned, the previous file is left as it was",
    )
}

/// Serialises a snapshot as pretty JSON (one key per line, so every
/// resource's `"arn"` has a line of its own) and writes it atomically.
pub fn write_snapshot(path: &Path, snapshot: &Snapshot) -> Result<(), SnapshotError> {
    let mut text = serde_json::to_string_pretty(snapshot).map_err(|e| SnapshotError::Invalid {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_private(path, text.as_bytes()).map_err(|source| SnapshotError::Io {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_symlink_output_is_refused_and_its_target_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.txt");
        std::fs::write(&target, "keep").unwrap();
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = write_atomic(&link, b"new").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_and_replace_wider_ones() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("snapshot.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    /// Reads `text` (written to a file) with the streaming reader: the
    /// header, the accounts with their line indexes, and the end.
    fn stream(
        text: &str,
    ) -> Result<
        (
            Snapshot,
            Vec<StreamedAccount>,
            ReadEnd,
            std::sync::Arc<LineIndex>,
        ),
        SnapshotError,
    > {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("s.json");
        std::fs::write(&p, text).expect("write");
        let mut r = SnapshotReader::open(&p)?;
        let mut accounts = Vec::new();
        while let Some(a) = r.next_account()? {
            accounts.push(a);
        }
        let header = r.header().clone();
        let head = r.head_index();
        let end = r.finish()?;
        Ok((header, accounts, end, head))
    }

    /// The same error (file name aside) from both readers.
    fn same_error(text: &str) -> String {
        let whole = parse(Path::new("s.json"), text).expect_err("whole reader refuses it");
        let streamed = stream(text).err().expect("streaming reader refuses it");
        let strip = |e: &SnapshotError| {
            e.to_string()
                .replace(&*std::env::temp_dir().to_string_lossy(), "")
        };
        match (&whole, &streamed) {
            (
                SnapshotError::Malformed {
                    line,
                    column,
                    json_path,
                    message,
                    ..
                },
                SnapshotError::Malformed {
                    line: l2,
                    column: c2,
                    json_path: p2,
                    message: m2,
                    ..
                },
            ) => {
                assert_eq!(
                    (line, column, json_path, message),
                    (l2, c2, p2, m2),
                    "{text}"
                );
            }
            (
                SnapshotError::Invalid { message, .. },
                SnapshotError::Invalid { message: m2, .. },
            ) => {
                assert_eq!(message, m2);
            }
            _ => panic!("different errors: {} / {}", strip(&whole), strip(&streamed)),
        }
        whole.to_string()
    }

    const TWO: &str = "{\n  \"format\": \"palisade-snapshot\",\n  \"version\": 1,\n  \"scan_time\": \"2026-01-01T00:00:00Z\",\n  \"accounts\": [\n    {\"account_id\": \"111111111111\",\n     \"iam\": {\"users\": [{\"arn\": \"arn:aws:iam::111111111111:user/a\", \"name\": \"a\"}]}},\n    {\n      \"account_id\": \"222222222222\", \"regions\": [\"eu-west-1\"],\n      \"iam\": {\"users\": [{\"arn\": \"arn:aws:iam::222222222222:user/b\", \"name\": \"b\"}]},\n      \"region_data\": [{\"region\": \"eu-west-1\"}]\n    }\n  ]\n}\n";

    /// Found by fuzzing (fuzz/ snapshot_reader): the whole-file reader
    /// ignored text after the snapshot, which the streaming reader refuses.
    #[test]
    fn text_after_the_snapshot_is_an_error_in_both_readers() {
        for tail in ["]\n}\n", "{}", "x"] {
            let text = format!("{TWO}{tail}");
            let e = same_error(&text);
            assert!(
                e.contains("s.json:15:1") && e.contains("trailing characters"),
                "{e}"
            );
        }
    }

    #[test]
    fn streaming_reader_yields_what_the_whole_reader_parses() {
        let whole =
            LoadedSnapshot::from_bytes(Path::new("s.json"), TWO.as_bytes()).expect("parses");
        let (header, accounts, end, head) = stream(TWO).expect("streams");
        assert_eq!(header.scan_time, whole.snapshot.scan_time);
        assert_eq!(end.sha256, whole.sha256);
        let got: Vec<_> = accounts.iter().map(|a| a.account.clone()).collect();
        assert_eq!(got, whole.snapshot.accounts);
        // Every resource, region and account line is where the whole index puts it.
        for (a, id) in [
            ("111111111111", "arn:aws:iam::111111111111:user/a"),
            ("222222222222", "arn:aws:iam::222222222222:user/b"),
            ("222222222222", "arn:aws:iam::222222222222:user/b/sub"),
            ("222222222222", "222222222222/eu-west-1"),
            ("222222222222", "222222222222"),
            ("111111111111", "111111111111"),
        ] {
            let acct = accounts.iter().find(|x| x.account.account_id == a).unwrap();
            let want = whole.lines.line_of(a, id);
            assert!(want.is_some(), "{id}");
            assert_eq!(
                LineIndex::line_in(&[&head, &acct.lines], a, id),
                want,
                "{id}"
            );
        }
        assert_eq!(
            whole
                .lines
                .line_of("222222222222", "arn:aws:iam::222222222222:user/b"),
            Some(10)
        );
        assert!(end.lines.is_empty());
    }

    #[test]
    fn a_header_written_after_the_accounts_is_read_first() {
        let text = "{\"accounts\": [{\"account_id\": \"111111111111\"},\n{\"account_id\": \"222222222222\"}],\n \"scan_time\": \"2026-02-03T00:00:00Z\", \"version\": 1,\n \"format\": \"palisade-snapshot\"}";
        let (header, accounts, end, _) = stream(text).expect("streams");
        assert_eq!(header.scan_time.to_rfc3339(), "2026-02-03T00:00:00+00:00");
        assert_eq!(accounts.len(), 2);
        assert_eq!(accounts[1].account.account_id, "222222222222");
        assert_eq!(
            accounts[1].lines.line_of("222222222222", "222222222222"),
            Some(2)
        );
        assert_eq!(end.sha256, hex::encode(Sha256::digest(text.as_bytes())));
        // An empty or absent account list is no account.
        let none = "{\"format\": \"palisade-snapshot\", \"version\": 1, \"scan_time\": \"2026-01-01T00:00:00Z\", \"accounts\": []}";
        assert!(stream(none).expect("streams").1.is_empty());
        let absent = "{\"format\": \"palisade-snapshot\", \"version\": 1, \"scan_time\": \"2026-01-01T00:00:00Z\"}";
        assert!(stream(absent).expect("streams").1.is_empty());
    }

    #[test]
    fn streaming_errors_name_the_same_line_column_and_path() {
        // A type error deep in the second account.
        let bad_type = TWO.replace("\"name\": \"b\"", "\"name\": 7");
        let msg = same_error(&bad_type);
        assert!(msg.contains("accounts[1].iam.users[0].name"), "{msg}");
        // A type error on the first line of an account (column shifted).
        same_error(&TWO.replace("{\"account_id\": \"111111111111\",", "{\"account_id\": 1,"));
        // Broken JSON inside an account, and after the accounts.
        same_error(&TWO.replace("\"name\": \"a\"}", "\"name\": \"a\""));
        same_error(&TWO.replace("  ]\n}", "  ]\n"));
        same_error(&TWO.replace("\"version\": 1", "\"version\": \"one\""));
        same_error(&TWO.replace("\"version\": 1", "\"version\": 2"));
        same_error(&TWO.replace("\"version\": 1", "\"versoin\": 1"));
        // Account checks.
        let msg = same_error(&TWO.replace("222222222222", "111111111111"));
        assert!(msg.contains("appears twice"), "{msg}");
        let msg = same_error(&TWO.replace("222222222222", "2222"));
        assert!(msg.contains("12-digit"), "{msg}");
    }

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
