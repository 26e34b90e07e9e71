//! YAML and JSON text to a positioned [`Node`] tree (JSON is read by the
//! same YAML 1.2 parser, so both get lines and columns). CloudFormation's
//! short-form tags (`!Ref x`, `!Sub ...`, `!GetAtt a.b`) become their long
//! form (`{"Ref": x}`, `{"Fn::Sub": ...}`, `{"Fn::GetAtt": ["a", "b"]}`),
//! positioned at the tag.
//!
//! Plain scalars resolve by the YAML 1.2 core schema (`null`, `~`, `true`,
//! `false`, integers and floats, the number kept as written); quoted and
//! block scalars are strings. Aliases are copied (at most
//! [`MAX_ALIAS_NODES`] nodes in all, against "billion laughs" documents;
//! `<<` merge keys are YAML 1.1 and stay plain keys); duplicate keys,
//! unknown tags, several documents and nesting deeper than [`MAX_DEPTH`]
//! are errors. Text starting with `{` or `[` is held to JSON's rules
//! first (serde_json's message and position), then read for positions.
//! [`detect`] tells a template, a plan and a snapshot apart from the
//! document's top-level keys.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, ScanError, TScalarStyle};

use crate::value::{Key, Node, Pos, Value};
use crate::{ImportError, Kind};

/// The most nodes all aliases of a document may copy in total.
pub const MAX_ALIAS_NODES: usize = 1_000_000;
/// The deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 256;

/// The CloudFormation short-form tags (`!Ref`, `!Sub`, ...), without `!`.
const CFN_TAGS: &[&str] = &[
    "Ref",
    "Condition",
    "GetAtt",
    "Sub",
    "Join",
    "Select",
    "Split",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "FindInMap",
    "Base64",
    "GetAZs",
    "ImportValue",
    "Cidr",
    "Transform",
    "Length",
    "ToJsonString",
];

/// The prefix `!!` stands for.
const YAML_TAG_PREFIX: &str = "tag:yaml.org,2002:";

/// Parses `text` (file `file`, for errors) into a positioned tree. An
/// empty document is `Null` at 1:1.
pub fn parse(file: &str, text: &str) -> Result<Node, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_like_json(text) {
        check_json(file, text)?;
    }
    let text = normalize_json(text);
    let mut parser = Parser::new_from_str(&text);
    let mut b = Builder::new(file, &text);
    loop {
        let (ev, mark) = parser.next_token().map_err(|e| scan_error(file, &e))?;
        if b.event(ev, mark)? {
            break;
        }
    }
    Ok(b.root
        .unwrap_or_else(|| Node::new(Value::Null, Pos { line: 1, column: 1 })))
}

/// True when `text` starts like a JSON document (`{` or `[`).
fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['))
}

/// JSON is held to JSON's rules (the YAML parser would accept more, such as
/// a missing value), with serde_json's line and column.
fn check_json(file: &str, text: &str) -> Result<(), ImportError> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| {
            ImportError::new(
                file,
                Pos {
                    line: e.line().max(1),
                    column: e.column().max(1),
                },
                format!("invalid JSON: {e}"),
            )
        })
}

fn scan_error(file: &str, e: &ScanError) -> ImportError {
    ImportError::new(
        file,
        pos_of(e.marker()),
        format!("invalid YAML/JSON: {}", e.info()),
    )
}

fn pos_of(m: &Marker) -> Pos {
    Pos {
        line: m.line().max(1),
        column: m.col() + 1,
    }
}

/// A map or list being built.
struct Frame {
    pos: Pos,
    anchor: usize,
    tag: Option<(Tag, Pos)>,
    /// Nodes inside, this one included.
    size: usize,
    body: Body,
}

enum Body {
    List(Vec<Node>),
    Map {
        entries: Vec<(Key, Node)>,
        /// The key whose value comes next.
        key: Option<Key>,
        /// The keys seen, once the map is large enough for a set to pay.
        seen: Option<HashSet<String>>,
    },
}

/// Builds the tree from the parser's events.
struct Builder<'t> {
    file: &'t str,
    text: &'t str,
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    alias_nodes: usize,
    documents: usize,
    /// Whether `text` is ASCII (then char indexes are byte offsets).
    ascii: bool,
    /// A char index and its byte offset in `text` (marks count chars).
    cursor: (usize, usize),
}

impl<'t> Builder<'t> {
    fn new(file: &'t str, text: &'t str) -> Self {
        Builder {
            file,
            text,
            stack: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            alias_nodes: 0,
            documents: 0,
            ascii: text.is_ascii(),
            cursor: (0, 0),
        }
    }

    fn err(&self, pos: Pos, msg: impl Into<String>) -> ImportError {
        ImportError::new(self.file, pos, msg)
    }

    /// Takes one event; true at the end of the stream.
    fn event(&mut self, ev: Event, mark: Marker) -> Result<bool, ImportError> {
        let pos = pos_of(&mark);
        let is_list = matches!(ev, Event::SequenceStart(..));
        match ev {
            Event::StreamEnd => return Ok(true),
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.err(
                        pos,
                        "a second YAML document: a template or plan is one document",
                    ));
                }
            }
            Event::Scalar(v, style, anchor, tag) => {
                if self.expects_key() {
                    return self.key(v, tag, pos).map(|()| false);
                }
                let tag = self.locate(tag, &mark);
                let node = scalar(&v, style, tag.as_ref().map(|t| &t.0), pos)
                    .map_err(|m| self.err(tag.as_ref().map_or(pos, |t| t.1), m))?;
                let node = self.tagged(node, tag)?;
                self.complete(node, 1, anchor)?;
            }
            Event::SequenceStart(anchor, tag) | Event::MappingStart(anchor, tag) => {
                if self.expects_key() {
                    return Err(self.err(pos, "a map key must be a plain string"));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.err(
                        pos,
                        format!("nesting deeper than {MAX_DEPTH} levels is not supported"),
                    ));
                }
                let tag = self.locate(tag, &mark);
                let body = if is_list {
                    Body::List(Vec::new())
                } else {
                    Body::Map {
                        entries: Vec::new(),
                        key: None,
                        seen: None,
                    }
                };
                let pos = tag.as_ref().map_or(pos, |t| t.1);
                self.stack.push(Frame {
                    pos,
                    anchor,
                    tag,
                    size: 1,
                    body,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(f) = self.stack.pop() {
                    let value = match f.body {
                        Body::List(items) => Value::List(items),
                        Body::Map { entries, .. } => Value::Map(entries),
                    };
                    let node = self.tagged(Node::new(value, f.pos), f.tag)?;
                    self.complete(node, f.size, f.anchor)?;
                }
            }
            Event::Alias(id) => self.alias(id, pos)?,
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
        Ok(false)
    }

    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                body: Body::Map { key: None, .. },
                ..
            })
        )
    }

    /// A scalar in key position.
    fn key(&mut self, v: String, tag: Option<Tag>, pos: Pos) -> Result<(), ImportError> {
        if let Some(t) = &tag {
            let standard_str = t.handle == YAML_TAG_PREFIX && t.suffix == "str";
            if !standard_str {
                return Err(self.err(
                    pos,
                    format!("a map key cannot carry the tag {}", tag_text(t)),
                ));
            }
        }
        self.set_key(Key { name: v, pos })
    }

    fn set_key(&mut self, key: Key) -> Result<(), ImportError> {
        let Some(Frame {
            pos,
            tag,
            body:
                Body::Map {
                    entries,
                    key: slot,
                    seen,
                },
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        // The parser marks a block map where it sees the first `:`; the map
        // starts at its first key (a flow map's `{` comes before it).
        if entries.is_empty() && tag.is_none() && key.pos < *pos {
            *pos = key.pos;
        }
        let duplicate = match seen {
            Some(set) => !set.insert(key.name.clone()),
            None => {
                let dup = entries.iter().any(|(k, _)| k.name == key.name);
                if entries.len() >= 16 {
                    let mut set: HashSet<String> =
                        entries.iter().map(|(k, _)| k.name.clone()).collect();
                    set.insert(key.name.clone());
                    *seen = Some(set);
                }
                dup
            }
        };
        if duplicate {
            let first = entries
                .iter()
                .find(|(k, _)| k.name == key.name)
                .map_or(key.pos, |(k, _)| k.pos);
            return Err(ImportError::new(
                self.file,
                key.pos,
                format!("duplicate key {:?} (first at {first})", key.name),
            ));
        }
        *slot = Some(key);
        Ok(())
    }

    /// An alias: a copy of its anchor's node.
    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), ImportError> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(self.err(pos, "an alias to a node that contains it (recursive alias)"));
        };
        let (node, size) = (node.clone(), *size);
        if self.expects_key() {
            return match node.value {
                Value::String(s) | Value::Number(s) => self.set_key(Key { name: s, pos }),
                _ => Err(self.err(pos, "a map key must be a plain string")),
            };
        }
        self.alias_nodes += size;
        if self.alias_nodes > MAX_ALIAS_NODES {
            return Err(self.err(
                pos,
                format!("aliases expand to more than {MAX_ALIAS_NODES} nodes"),
            ));
        }
        self.complete(Node { pos, ..node }, size, 0)
    }

    /// A finished node: remembered under its anchor, then added to its
    /// parent (or made the root).
    fn complete(&mut self, node: Node, size: usize, anchor: usize) -> Result<(), ImportError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(f) => {
                f.size += size;
                match &mut f.body {
                    Body::List(items) => items.push(node),
                    Body::Map { entries, key, .. } => {
                        if let Some(k) = key.take() {
                            entries.push((k, node));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// The tag of a node and where it is written (the parser marks the
    /// node's content, after the tag).
    fn locate(&mut self, tag: Option<Tag>, mark: &Marker) -> Option<(Tag, Pos)> {
        let tag = tag?;
        let pos = self.tag_pos(&tag_text(&tag), mark).unwrap_or(pos_of(mark));
        Some((tag, pos))
    }

    /// Searches the tag's text just before the content at `mark`.
    fn tag_pos(&mut self, tag: &str, mark: &Marker) -> Option<Pos> {
        let end = self.byte_of(mark.index());
        let mut start = end.saturating_sub(4096);
        while !self.text.is_char_boundary(start) {
            start += 1;
        }
        let at = start + self.text.get(start..end)?.rfind(tag)?;
        let between = self.text.get(at..end)?;
        let breaks = between.matches('\n').count();
        if breaks == 0 {
            let col = mark.col().checked_sub(between.chars().count())?;
            return Some(Pos {
                line: mark.line(),
                column: col + 1,
            });
        }
        let line_start = self.text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
        Some(Pos {
            line: mark.line().checked_sub(breaks)?,
            column: self.text.get(line_start..at)?.chars().count() + 1,
        })
    }

    /// The byte offset of char index `idx` (marks arrive in document
    /// order, so a forward cursor makes this linear overall).
    fn byte_of(&mut self, idx: usize) -> usize {
        if self.ascii && idx <= self.text.len() {
            return idx;
        }
        if idx < self.cursor.0 {
            self.cursor = (0, 0);
        }
        let (mut c, mut b) = self.cursor;
        for ch in self.text[b..].chars() {
            if c == idx {
                break;
            }
            c += 1;
            b += ch.len_utf8();
        }
        self.cursor = (c, b);
        b
    }

    /// Applies a tag: CloudFormation short forms become their long form.
    fn tagged(&self, node: Node, tag: Option<(Tag, Pos)>) -> Result<Node, ImportError> {
        let Some((tag, pos)) = tag else {
            return Ok(node);
        };
        if tag.handle == YAML_TAG_PREFIX || (tag.handle.is_empty() && tag.suffix == "!") {
            return standard_tag(node, &tag).map_err(|m| self.err(pos, m));
        }
        if tag.handle != "!" || !CFN_TAGS.contains(&tag.suffix.as_str()) {
            return Err(self.err(
                pos,
                format!(
                    "unknown tag {} (CloudFormation short forms are !Ref, !Sub, !GetAtt, !Join, \
                     !If, !Equals, !FindInMap, ...)",
                    tag_text(&tag)
                ),
            ));
        }
        let name = match tag.suffix.as_str() {
            "Ref" | "Condition" => tag.suffix.clone(),
            other => format!("Fn::{other}"),
        };
        let arg = match (&*name, node.value) {
            ("Fn::GetAtt", Value::String(s)) => match s.split_once('.') {
                Some((res, attr)) => Node::new(
                    Value::List(vec![
                        Node::new(Value::String(res.to_owned()), node.pos),
                        Node::new(Value::String(attr.to_owned()), node.pos),
                    ]),
                    node.pos,
                ),
                None => {
                    return Err(self.err(pos, format!("!GetAtt {s}: expected Resource.Attribute")))
                }
            },
            (_, value) => Node::new(value, node.pos),
        };
        Ok(Node::new(Value::Map(vec![(Key { name, pos }, arg)]), pos))
    }
}

/// The tag as written: `!Ref`, `!!str`, `!`.
fn tag_text(tag: &Tag) -> String {
    if tag.handle == YAML_TAG_PREFIX {
        format!("!!{}", tag.suffix)
    } else if tag.handle.is_empty() && tag.suffix == "!" {
        "!".to_owned()
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// A scalar node. Standard tags (`!!str`, `!`) decide the type themselves.
fn scalar(v: &str, style: TScalarStyle, tag: Option<&Tag>, pos: Pos) -> Result<Node, String> {
    let forced_string = tag.is_some_and(|t| {
        (t.handle == YAML_TAG_PREFIX && matches!(t.suffix.as_str(), "str" | "binary"))
            || (t.handle.is_empty() && t.suffix == "!")
    });
    let value = if style != TScalarStyle::Plain || forced_string {
        Value::String(v.to_owned())
    } else if let Some(t) = tag.filter(|t| t.handle == YAML_TAG_PREFIX) {
        match t.suffix.as_str() {
            "null" => Value::Null,
            "bool" => match plain(v) {
                b @ Value::Bool(_) => b,
                _ => return Err(format!("!!bool {v:?} is not true or false")),
            },
            "int" | "float" => match plain(v) {
                n @ Value::Number(_) => n,
                _ => return Err(format!("!!{} {v:?} is not a number", t.suffix)),
            },
            _ => plain(v),
        }
    } else {
        plain(v)
    };
    Ok(Node::new(value, pos))
}

/// A standard tag on an already built node: checks its kind.
fn standard_tag(node: Node, tag: &Tag) -> Result<Node, String> {
    let ok = match tag.suffix.as_str() {
        "map" => matches!(node.value, Value::Map(_)),
        "seq" => matches!(node.value, Value::List(_)),
        "str" | "binary" | "!" => matches!(node.value, Value::String(_)),
        "null" | "bool" | "int" | "float" => !matches!(node.value, Value::Map(_) | Value::List(_)),
        _ => return Err(format!("unknown tag {}", tag_text(tag))),
    };
    if ok {
        Ok(node)
    } else {
        Err(format!("the tag {} does not fit this value", tag_text(tag)))
    }
}

/// A plain scalar by the YAML 1.2 core schema.
fn plain(v: &str) -> Value {
    match v {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ if is_int(v) || is_float(v) => Value::Number(v.to_owned()),
        _ => Value::String(v.to_owned()),
    }
}

fn is_int(v: &str) -> bool {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(o) = v.strip_prefix("0o") {
        return digits(o, 8);
    }
    if let Some(x) = v.strip_prefix("0x") {
        return digits(x, 16);
    }
    digits(v.strip_prefix(['-', '+']).unwrap_or(v), 10)
}

fn is_float(v: &str) -> bool {
    if matches!(v, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    if matches!(v, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    let (mantissa, exp) = match v.find(['e', 'E']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            all_digits(int) && all_digits(frac) && (!int.is_empty() || !frac.is_empty())
        }
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && all_digits(e)
    });
    mantissa_ok && exp_ok
}

/// JSON that the YAML parser would refuse, made acceptable without moving
/// any line: tabs between tokens become spaces (same columns), UTF-16
/// surrogate pairs (`\ud83d\ude00`) become one `\U0001f600` escape (the rest
/// of that line shifts two columns left), a lone surrogate becomes
/// `\ufffd`. YAML text is left alone.
fn normalize_json(text: &str) -> Cow<'_, str> {
    if !looks_like_json(text) {
        return Cow::Borrowed(text);
    }
    let has_tab = text.as_bytes().contains(&b'\t');
    let has_surrogate = text.contains("\\ud") || text.contains("\\uD");
    if !has_tab && !has_surrogate {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\t' if !in_string => {
                out.push_str(&text[copied..i]);
                out.push(' ');
                copied = i + 1;
            }
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                if let Some(hi) = hex4(bytes, i + 1).filter(|u| (0xD800..0xE000).contains(u)) {
                    out.push_str(&text[copied..i]);
                    let lo = hex4(bytes, i + 7).filter(|_| bytes.get(i + 6) == Some(&b'\\'));
                    match lo.filter(|lo| hi < 0xDC00 && (0xDC00..0xE000).contains(lo)) {
                        Some(lo) => {
                            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                            out.push_str(&format!("\\U{c:08x}"));
                            i += 12;
                        }
                        None => {
                            out.push_str("\\ufffd");
                            i += 6;
                        }
                    }
                    copied = i;
                    continue;
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// The 4-digit `\u` escape at `bytes[i..]` (`u` at `i`).
fn hex4(bytes: &[u8], i: usize) -> Option<u32> {
    if bytes.get(i) != Some(&b'u') {
        return None;
    }
    let digits = std::str::from_utf8(bytes.get(i + 1..i + 5)?).ok()?;
    u32::from_str_radix(digits, 16).ok()
}

/// The kind of input `text` holds, from its top-level keys: a snapshot has
/// `"format": "palisade-snapshot"`; a Terraform plan `format_version` and
/// `planned_values`, `resource_changes` or `terraform_version`; a
/// CloudFormation template a `Resources` map or `AWSTemplateFormatVersion`.
/// Text that does not parse is told by the same keys written at the top
/// level, so the importer can then report the syntax error with its
/// position.
pub fn detect(text: &str) -> Option<Kind> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let top = if text.trim_start().starts_with('{') {
        serde_json::from_str::<detect::TopLevel>(text)
            .ok()
            .map(|t| t.0)
    } else if !text.contains("Resources") && !text.contains("AWSTemplateFormatVersion") {
        // YAML that is no template (a workflow, a manifest): not parsed.
        return None;
    } else {
        parse("", text).ok().map(|n| detect::top_of(&n))
    };
    match top {
        Some(keys) => detect::classify(&keys),
        None => detect::by_text(text),
    }
}

/// Detection helpers: the top-level keys of a document.
mod detect {
    use std::fmt;

    use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use crate::value::{Node, Value};
    use crate::Kind;

    /// What a top-level value is, as far as detection cares.
    pub(super) enum Top {
        Str(String),
        Map,
        Other,
    }

    /// The top-level keys of a JSON document, values skipped unread.
    pub(super) struct TopLevel(pub(super) Vec<(String, Top)>);

    impl<'de> Deserialize<'de> for TopLevel {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = TopLevel;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a JSON object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<TopLevel, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = m.next_key::<String>()? {
                        let v = m.next_value::<Top>()?;
                        keys.push((k, v));
                    }
                    Ok(TopLevel(keys))
                }
            }
            d.deserialize_map(V)
        }
    }

    impl<'de> Deserialize<'de> for Top {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Top;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any value")
                }
                fn visit_str<E>(self, s: &str) -> Result<Top, E> {
                    Ok(Top::Str(s.to_owned()))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Top, A::Error> {
                    while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Top::Map)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Top, A::Error> {
                    while s.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Top::Other)
                }
                fn visit_bool<E>(self, _: bool) -> Result<Top, E> {
                    Ok(Top::Other)
                }
                fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
                    Ok(Top::Other)
                }
                fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
                    Ok(Top::Other)
                }
                fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
                    Ok(Top::Other)
                }
                fn visit_unit<E>(self) -> Result<Top, E> {
                    Ok(Top::Other)
                }
            }
            d.deserialize_any(V)
        }
    }

    /// The top-level keys of a parsed YAML document.
    pub(super) fn top_of(n: &Node) -> Vec<(String, Top)> {
        n.entries()
            .iter()
            .map(|(k, v)| {
                let t = match &v.value {
                    Value::String(s) => Top::Str(s.clone()),
                    Value::Map(_) => Top::Map,
                    _ => Top::Other,
                };
                (k.name.clone(), t)
            })
            .collect()
    }

    /// The kind told by the top-level keys.
    pub(super) fn classify(keys: &[(String, Top)]) -> Option<Kind> {
        let get = |name: &str| keys.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let has = |name: &str| get(name).is_some();
        if matches!(get("format"), Some(Top::Str(s)) if s == palisade_model::SNAPSHOT_FORMAT) {
            Some(Kind::Snapshot)
        } else if has("format_version")
            && (has("planned_values") || has("resource_changes") || has("terraform_version"))
        {
            Some(Kind::TerraformPlan)
        } else if matches!(get("Resources"), Some(Top::Map)) || has("AWSTemplateFormatVersion") {
            Some(Kind::CloudFormation)
        } else {
            None
        }
    }

    /// The kind of text that does not parse, from the keys it writes.
    pub(super) fn by_text(text: &str) -> Option<Kind> {
        let json_key = |k: &str| text.contains(&format!("\"{k}\""));
        let yaml_key = |k: &str| {
            text.lines().any(|l| {
                l.strip_prefix(k)
                    .is_some_and(|r| r.trim_start().starts_with(':'))
            })
        };
        if text.contains("\"palisade-snapshot\"") {
            Some(Kind::Snapshot)
        } else if json_key("format_version")
            && (json_key("planned_values") || json_key("resource_changes"))
        {
            Some(Kind::TerraformPlan)
        } else if json_key("AWSTemplateFormatVersion")
            || json_key("Resources")
            || yaml_key("AWSTemplateFormatVersion")
            || yaml_key("Resources")
        {
            Some(Kind::CloudFormation)
        } else {
            None
        }
    }
}
