//! Duplicates that JSON parsing loses silently: a key given twice in one
//! object (the last one wins in a map, so `"tags": {"env": "prod", "env":
//! "dev"}` or a policy document with two `Statement` keys loses data), and
//! the same resource twice in one list (an element object whose `arn` repeats
//! an earlier element's: its results would be counted twice). Struct fields
//! given twice are already refused by the deserializer; this pass runs over
//! text that parsed, and reports the first duplicate with its byte offset and
//! JSON path.
//!
//! Keys are compared as written (an escaped spelling of the same key is not
//! recognised). The same ARN in two different lists (a multi-Region trail
//! listed in every Region) is not a duplicate.

use std::collections::{HashMap, HashSet};

/// A duplicate found in a JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// Byte offset of the second occurrence.
    pub offset: usize,
    /// Byte offset of the first occurrence.
    pub first: usize,
    /// JSON path of the second occurrence (`accounts[0].iam.roles[1]`).
    pub json_path: String,
    /// What is duplicated.
    pub message: String,
}

/// Keys of one object compared one by one up to this many, then hashed.
const LINEAR_KEYS: usize = 16;

enum Frame<'t> {
    Object {
        /// Where this object's keys start in the shared key stack.
        start: usize,
        /// The keys, once there are too many to compare one by one.
        set: Option<HashSet<&'t [u8]>>,
        /// The key whose value comes next (or came last).
        key: Option<&'t [u8]>,
        expect_key: bool,
    },
    Array {
        index: usize,
        /// `arn` values of element objects, with their offsets.
        arns: Option<HashMap<&'t [u8], usize>>,
    },
}

/// The first duplicate key or duplicated resource in `text` (well-formed
/// JSON, or a prefix of it), if any.
pub fn find(text: &[u8]) -> Option<Duplicate> {
    let mut frames: Vec<Frame<'_>> = Vec::new();
    // (key, offset) of every open object's keys.
    let mut keys: Vec<(&[u8], usize)> = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'{' => frames.push(Frame::Object {
                start: keys.len(),
                set: None,
                key: None,
                expect_key: true,
            }),
            b'[' => frames.push(Frame::Array {
                index: 0,
                arns: None,
            }),
            b'}' | b']' => {
                if let Some(Frame::Object { start, .. }) = frames.pop() {
                    keys.truncate(start);
                }
            }
            b',' => match frames.last_mut() {
                Some(Frame::Object { expect_key, .. }) => *expect_key = true,
                Some(Frame::Array { index, .. }) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < text.len() && text[j] != b'"' {
                    j += if text[j] == b'\\' { 2 } else { 1 };
                }
                let s = &text[start..j.min(text.len())];
                if let Some(d) = string(&mut frames, &mut keys, s, i) {
                    return Some(d);
                }
                i = j;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Handles the string `s` starting at `offset`: a key of the innermost
/// object, or a value (an element's `arn` is checked against its list).
fn string<'t>(
    frames: &mut [Frame<'t>],
    keys: &mut Vec<(&'t [u8], usize)>,
    s: &'t [u8],
    offset: usize,
) -> Option<Duplicate> {
    let n = frames.len();
    let is_arn = match frames.last_mut() {
        Some(Frame::Object {
            start,
            set,
            key,
            expect_key,
        }) => {
            if *expect_key {
                *expect_key = false;
                *key = Some(s);
                let start = *start;
                let seen = match set {
                    Some(set) => !set.insert(s),
                    None => keys[start..].iter().any(|(k, _)| *k == s),
                };
                if seen {
                    let first = keys[start..]
                        .iter()
                        .find(|(k, _)| *k == s)
                        .map_or(offset, |(_, o)| *o);
                    return Some(Duplicate {
                        offset,
                        first,
                        json_path: path(frames),
                        message: format!("duplicate key {:?}", String::from_utf8_lossy(s)),
                    });
                }
                keys.push((s, offset));
                if set.is_none() && keys.len() - start > LINEAR_KEYS {
                    *set = Some(keys[start..].iter().map(|(k, _)| *k).collect());
                }
                return None;
            }
            key.is_some_and(|k| k == b"arn")
        }
        _ => false,
    };
    if !is_arn || n < 2 {
        return None;
    }
    let first = match &mut frames[n - 2] {
        Frame::Array { arns, .. } => {
            let arns = arns.get_or_insert_with(HashMap::new);
            match arns.get(s) {
                Some(&first) => first,
                None => {
                    arns.insert(s, offset);
                    return None;
                }
            }
        }
        Frame::Object { .. } => return None,
    };
    Some(Duplicate {
        offset,
        first,
        json_path: path(&frames[..n - 1]),
        message: format!(
            "resource {:?} appears twice in this list",
            String::from_utf8_lossy(s)
        ),
    })
}

/// The JSON path of the innermost frame's current member.
fn path(frames: &[Frame<'_>]) -> String {
    let mut out = String::new();
    for f in frames {
        match f {
            Frame::Object { key: Some(k), .. } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&String::from_utf8_lossy(k));
            }
            Frame::Object { key: None, .. } => {}
            Frame::Array { index, .. } => out.push_str(&format!("[{index}]")),
        }
    }
    if out.is_empty() {
        ".".to_owned()
    } else {
        out
    }
}

/// A [`crate::duplicates::Duplicate`] found in `text`, a piece of the file
/// `path` that starts at `start` (line, column) and whose JSON path is
/// `prefix`, as an error at the second occurrence.
pub(crate) fn error(
    path: &std::path::Path,
    text: &[u8],
    d: &Duplicate,
    start: (usize, usize),
    prefix: &str,
) -> crate::SnapshotError {
    let at = |offset: usize| {
        let (l, c) = crate::load::line_col(text, offset);
        (start.0 + l - 1, if l == 1 { start.1 + c - 1 } else { c })
    };
    let (line, column) = at(d.offset);
    let (first_line, first_column) = at(d.first);
    let json_path = match (prefix, d.json_path.as_str()) {
        ("", p) => p.to_owned(),
        (pre, ".") => pre.to_owned(),
        (pre, p) if p.starts_with('[') => format!("{pre}{p}"),
        (pre, p) => format!("{pre}.{p}"),
    };
    crate::SnapshotError::Malformed {
        path: path.to_owned(),
        line,
        column,
        json_path: short_path(json_path),
        message: format!(
            "{} (first at {first_line}:{first_column}); a duplicate would lose or repeat data",
            d.message
        ),
    }
}

/// A JSON path short enough for a message: a deeply nested value's path is
/// cut in the middle (`a[0][0]...[0].b`), never echoing the document.
pub(crate) fn short_path(p: String) -> String {
    const MAX: usize = 120;
    if p.chars().count() <= MAX {
        return p;
    }
    let head: String = p.chars().take(MAX / 2).collect();
    let tail: Vec<char> = p.chars().rev().take(MAX / 2).collect();
    let tail: String = tail.into_iter().rev().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dup(text: &str) -> Option<(usize, usize, String, String)> {
        find(text.as_bytes()).map(|d| (d.offset, d.first, d.json_path, d.message))
    }

    #[test]
    fn a_key_twice_in_one_object_is_found_with_its_path() {
        let text = r#"{"a": {"tags": {"env": "prod", "env": "dev"}}}"#;
        let (offset, first, path, message) = dup(text).unwrap();
        assert_eq!(&text[offset..offset + 5], "\"env\"");
        assert_eq!(&text[first..first + 5], "\"env\"");
        assert!(first < offset);
        assert_eq!(path, "a.tags.env");
        assert_eq!(message, "duplicate key \"env\"");
    }

    #[test]
    fn the_same_key_in_sibling_objects_is_not_a_duplicate() {
        assert_eq!(
            dup(r#"[{"k": 1}, {"k": 2}, {"x": {"k": 3}, "k": 4}]"#),
            None
        );
        assert_eq!(dup(r#"{"s": "a\"b", "t": "a\"b"}"#), None);
    }

    #[test]
    fn many_keys_are_hashed_and_still_found() {
        let mut text = String::from("{");
        for i in 0..100 {
            text.push_str(&format!("\"k{i}\": {i},"));
        }
        text.push_str("\"k7\": 0}");
        let (_, _, path, _) = dup(&text).unwrap();
        assert_eq!(path, "k7");
    }

    #[test]
    fn a_resource_twice_in_one_list_is_found_but_not_across_lists() {
        let text = r#"{"roles": [{"arn": "r1"}, {"arn": "r2"}, {"name": "x", "arn": "r1"}]}"#;
        let (offset, first, path, message) = dup(text).unwrap();
        assert_eq!(&text[offset..offset + 4], "\"r1\"");
        assert_eq!(&text[first..first + 4], "\"r1\"");
        assert_eq!(path, "roles[2]");
        assert!(message.contains("\"r1\" appears twice"), "{message}");
        let text = r#"{"a": [{"arn": "t"}], "b": [{"arn": "t"}], "c": [{"x": {"arn": "t"}}, {"x": {"arn": "t"}}]}"#;
        assert_eq!(dup(text), None);
    }

    /// A snapshot with a tag key twice in its second account, at line 9.
    const SNAPSHOT: &str = "{\"format\": \"palisade-snapshot\", \"version\": 1,\n\"scan_time\": \"2026-11-01T00:00:00Z\",\n\"accounts\": [\n{\"account_id\": \"111111111111\", \"regions\": []},\n{\"account_id\": \"222222222222\", \"regions\": [],\n \"iam\": {\"roles\": [\n  {\"arn\": \"arn:aws:iam::222222222222:role/a\", \"name\": \"a\",\n   \"tags\": {\"env\": \"prod\",\n     \"env\": \"dev\"}}]}}\n]}\n";

    #[test]
    fn whole_and_streamed_readers_report_a_duplicate_at_the_same_place() {
        let path = std::path::Path::new("s.json");
        let whole = crate::load::parse(path, SNAPSHOT).unwrap_err().to_string();
        assert!(
            whole.starts_with("s.json:9:6: at `accounts[1].iam.roles[0].tags.env`: duplicate key \"env\" (first at 8:13)"),
            "{whole}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.json");
        std::fs::write(&file, SNAPSHOT).unwrap();
        let mut r = crate::SnapshotReader::open(&file).unwrap();
        assert!(r.next_account().unwrap().is_some());
        let streamed = r.next_account().err().unwrap().to_string();
        let shown = file.display().to_string();
        assert_eq!(streamed.replace(&shown, "s.json"), whole);
    }
}
