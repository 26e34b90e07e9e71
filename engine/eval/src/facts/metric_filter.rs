//! CloudWatch Logs JSON filter patterns (`{ ($.eventName = DeleteTrail) ||
//! ... }`): a parser, an evaluator over one event, and [`covers`], which
//! decides whether a filter matches at least every event a benchmark
//! pattern matches, semantically (spacing, quoting, order and grouping of
//! the terms do not matter; a filter that misses one event the benchmark
//! matches does not cover it).
//!
//! Supported: `=` and `!=` with quoted or bare values and `*` wildcards,
//! numeric `<`, `<=`, `>`, `>=` (and `=`/`!=` with a number), `IS NULL`,
//! `IS TRUE`, `IS FALSE`, `EXISTS`, `NOT EXISTS`, parentheses, `&&` and `||`
//! (`&&` binds tighter). Assumption: `!=` also matches an event without the
//! field. A pattern that is not a JSON pattern (term or space-delimited
//! patterns, regular expressions) does not parse, and does not cover
//! anything; the reason says why. Input is untrusted: lengths, nesting and
//! the comparison's work are bounded, and nothing panics.
//!
//! [`covers`] compares on a finite set of representative events: for every
//! field either pattern names, the values its literals denote (each
//! wildcard as empty and as one character), a value no literal names, null,
//! true, false and "absent". Every term of the benchmark's disjunctive
//! normal form is enumerated over those values; the filter must match each
//! event the term matches.

use std::collections::BTreeMap;

/// Longest pattern accepted (CloudWatch's own limit is 1,024 characters).
const MAX_LEN: usize = 4096;
/// Deepest nesting of parentheses accepted.
const MAX_DEPTH: usize = 64;
/// Most terms of a disjunctive normal form.
const MAX_TERMS: usize = 4096;
/// Most events enumerated for one term.
const MAX_EVENTS: usize = 200_000;

/// A parsed JSON filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// Any of the parts matches.
    Or(Vec<Pattern>),
    /// Every part matches.
    And(Vec<Pattern>),
    /// One comparison.
    Atom(Atom),
}

/// One comparison on a field (`$.userIdentity.type = "Root"`).
#[derive(Debug, Clone, PartialEq)]
pub struct Atom {
    /// The field path without `$.` (`userIdentity.type`).
    pub field: String,
    /// The test.
    pub test: Test,
}

/// What an [`Atom`] tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `= "glob"`: a string matching the wildcard pattern.
    Eq(String),
    /// `!= "glob"`: anything but a string matching it (absent included).
    Ne(String),
    /// A numeric comparison (`=` and `!=` with a number too).
    Num(NumOp, f64),
    /// `IS NULL`.
    IsNull,
    /// `IS TRUE` / `IS FALSE`.
    IsBool(bool),
    /// `EXISTS` (true) / `NOT EXISTS` (false).
    Exists(bool),
}

/// A numeric comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A field's value in one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The field is not in the event.
    Absent,
    /// JSON null.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
}

/// One event: field path -> value (missing fields are absent).
pub type Event = BTreeMap<String, Value>;

/// Whether a filter covers a benchmark pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Coverage {
    /// The filter matches every event the benchmark matches.
    Covers,
    /// The filter misses this event, which the benchmark matches.
    Misses(String),
    /// The filter could not be judged (it does not parse, or is too
    /// complex to compare): it covers nothing.
    Unparsable(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open,
    Close,
    LBrace,
    RBrace,
    And,
    Or,
    Op(&'static str),
    Field(String),
    Quoted(String),
    Bare(String),
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | '{' | '}' => {
                out.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    '{' => Tok::LBrace,
                    _ => Tok::RBrace,
                });
                i += 1;
            }
            '&' | '|' if next == Some(c) => {
                out.push(if c == '&' { Tok::And } else { Tok::Or });
                i += 2;
            }
            '!' | '<' | '>' | '=' => {
                let (op, len) = match (c, next) {
                    ('!', Some('=')) => ("!=", 2),
                    ('<', Some('=')) => ("<=", 2),
                    ('>', Some('=')) => (">=", 2),
                    ('<', _) => ("<", 1),
                    ('>', _) => (">", 1),
                    ('=', _) => ("=", 1),
                    _ => return Err(format!("unexpected {c:?} at character {i}")),
                };
                out.push(Tok::Op(op));
                i += len;
            }
            '"' => {
                let mut v = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated quoted string".to_owned()),
                        Some('"') => break,
                        Some('\\') => {
                            v.extend(chars.get(i + 1));
                            i += 2;
                        }
                        Some(ch) => {
                            v.push(*ch);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Tok::Quoted(v));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !"(){}&|!<>=\"".contains(chars[i])
                {
                    i += 1;
                }
                if i == start {
                    return Err(format!("unexpected {c:?} at character {i}"));
                }
                let word: String = chars[start..i].iter().collect();
                out.push(if word.starts_with('$') {
                    Tok::Field(word)
                } else {
                    Tok::Bare(word)
                });
            }
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn bump(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expr(&mut self, depth: usize) -> Result<Pattern, String> {
        if depth > MAX_DEPTH {
            return Err("nested too deeply".to_owned());
        }
        let mut parts = vec![self.and(depth)?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            parts.push(self.and(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Pattern::Or(parts)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Pattern, String> {
        let mut parts = vec![self.unary(depth)?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            parts.push(self.unary(depth)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Pattern::And(parts)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Pattern, String> {
        match self.bump() {
            Some(Tok::Open) => {
                let e = self.expr(depth + 1)?;
                match self.bump() {
                    Some(Tok::Close) => Ok(e),
                    other => Err(format!("expected ')', found {}", show(other.as_ref()))),
                }
            }
            Some(Tok::Field(f)) => self.atom(&f).map(Pattern::Atom),
            other => Err(format!(
                "expected a field ($.name) or '(', found {}",
                show(other.as_ref())
            )),
        }
    }

    fn atom(&mut self, raw: &str) -> Result<Atom, String> {
        let field = raw
            .strip_prefix("$.")
            .filter(|f| !f.is_empty())
            .ok_or_else(|| format!("field {raw:?} does not start with \"$.\""))?
            .to_owned();
        let test = match self.bump() {
            Some(Tok::Op(op)) => {
                let value = self.bump();
                value_test(op, value.as_ref())?
            }
            Some(Tok::Bare(w)) => keyword_test(&w, self.peek().cloned())?,
            other => {
                return Err(format!(
                    "expected an operator after {raw}, found {}",
                    show(other.as_ref())
                ))
            }
        };
        if matches!(test, Test::IsNull | Test::IsBool(_) | Test::Exists(false)) {
            // Two-word keywords consumed their second word in keyword_test.
            self.pos += 1;
        }
        Ok(Atom { field, test })
    }
}

fn keyword_test(w: &str, next: Option<Tok>) -> Result<Test, String> {
    let second = match &next {
        Some(Tok::Bare(s)) => s.to_ascii_uppercase(),
        _ => String::new(),
    };
    match (w.to_ascii_uppercase().as_str(), second.as_str()) {
        ("IS", "NULL") => Ok(Test::IsNull),
        ("IS", "TRUE") => Ok(Test::IsBool(true)),
        ("IS", "FALSE") => Ok(Test::IsBool(false)),
        ("NOT", "EXISTS") => Ok(Test::Exists(false)),
        ("EXISTS", _) => Ok(Test::Exists(true)),
        _ => Err(format!("unknown keyword {w:?}")),
    }
}

fn value_test(op: &'static str, value: Option<&Tok>) -> Result<Test, String> {
    let (text, quoted) = match value {
        Some(Tok::Quoted(v)) => (v.clone(), true),
        Some(Tok::Bare(v)) => (v.clone(), false),
        other => {
            return Err(format!(
                "expected a value after {op}, found {}",
                show(other)
            ))
        }
    };
    if text.starts_with('%') && text.ends_with('%') && text.len() > 1 {
        return Err("regular expression values are not compared".to_owned());
    }
    let num = if quoted {
        None
    } else {
        text.parse::<f64>().ok()
    };
    let num_op = match op {
        "=" => NumOp::Eq,
        "!=" => NumOp::Ne,
        "<" => NumOp::Lt,
        "<=" => NumOp::Le,
        ">" => NumOp::Gt,
        _ => NumOp::Ge,
    };
    match (num, num_op) {
        (Some(n), _) => Ok(Test::Num(num_op, n)),
        (None, NumOp::Eq) => Ok(Test::Eq(text)),
        (None, NumOp::Ne) => Ok(Test::Ne(text)),
        (None, _) => Err(format!("{op} needs a number, found {text:?}")),
    }
}

fn show(t: Option<&Tok>) -> String {
    match t {
        None => "the end of the pattern".to_owned(),
        Some(Tok::Field(s) | Tok::Bare(s)) => format!("{s:?}"),
        Some(Tok::Quoted(s)) => format!("\"{s}\""),
        Some(t) => format!("{t:?}"),
    }
}

/// Parses a JSON filter pattern (`{ ... }`).
pub fn parse(text: &str) -> Result<Pattern, String> {
    if text.len() > MAX_LEN {
        return Err(format!("longer than {MAX_LEN} characters"));
    }
    let toks = lex(text)?;
    if toks.first() != Some(&Tok::LBrace) {
        return Err("not a JSON filter pattern (it must be enclosed in { })".to_owned());
    }
    let mut p = Parser { toks, pos: 1 };
    let e = p.expr(0)?;
    match (p.bump(), p.peek()) {
        (Some(Tok::RBrace), None) => Ok(e),
        (Some(Tok::RBrace), Some(t)) => Err(format!("unexpected {} after '}}'", show(Some(t)))),
        (other, _) => Err(format!("expected '}}', found {}", show(other.as_ref()))),
    }
}

/// True when `glob` (`*` = any run of characters) matches all of `s`.
pub fn glob(glob: &str, s: &str) -> bool {
    let p: Vec<char> = glob.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Atom {
    /// Whether the atom holds for `v`.
    pub fn holds(&self, v: &Value) -> bool {
        match (&self.test, v) {
            (Test::Eq(g), Value::Str(s)) => glob(g, s),
            (Test::Eq(_), _) => false,
            (Test::Ne(g), Value::Str(s)) => !glob(g, s),
            (Test::Ne(_), _) => true,
            (Test::Num(op, n), Value::Num(x)) => match op {
                NumOp::Eq => x == n,
                NumOp::Ne => x != n,
                NumOp::Lt => x < n,
                NumOp::Le => x <= n,
                NumOp::Gt => x > n,
                NumOp::Ge => x >= n,
            },
            (Test::Num(op, _), _) => *op == NumOp::Ne,
            (Test::IsNull, v) => *v == Value::Null,
            (Test::IsBool(b), v) => *v == Value::Bool(*b),
            (Test::Exists(e), v) => (*v != Value::Absent) == *e,
        }
    }
}

impl Pattern {
    /// Whether the pattern matches `event`.
    pub fn matches(&self, event: &Event) -> bool {
        match self {
            Pattern::Or(ps) => ps.iter().any(|p| p.matches(event)),
            Pattern::And(ps) => ps.iter().all(|p| p.matches(event)),
            Pattern::Atom(a) => a.holds(event.get(&a.field).unwrap_or(&Value::Absent)),
        }
    }

    /// The string values the pattern compares with (for "closest filter").
    pub fn literals(&self) -> std::collections::BTreeSet<String> {
        let mut atoms = Vec::new();
        self.atoms(&mut atoms);
        atoms
            .into_iter()
            .filter_map(|a| match &a.test {
                Test::Eq(v) | Test::Ne(v) => Some(v.clone()),
                _ => None,
            })
            .collect()
    }

    fn atoms<'a>(&'a self, out: &mut Vec<&'a Atom>) {
        match self {
            Pattern::Or(ps) | Pattern::And(ps) => ps.iter().for_each(|p| p.atoms(out)),
            Pattern::Atom(a) => out.push(a),
        }
    }

    /// The disjunctive normal form: terms (conjunctions of atoms), or
    /// `None` when it would exceed [`MAX_TERMS`].
    fn dnf(&self) -> Option<Vec<Vec<&Atom>>> {
        match self {
            Pattern::Atom(a) => Some(vec![vec![a]]),
            Pattern::Or(ps) => {
                let mut out = Vec::new();
                for p in ps {
                    out.extend(p.dnf()?);
                    if out.len() > MAX_TERMS {
                        return None;
                    }
                }
                Some(out)
            }
            Pattern::And(ps) => {
                let mut out: Vec<Vec<&Atom>> = vec![Vec::new()];
                for p in ps {
                    let terms = p.dnf()?;
                    if out.len().saturating_mul(terms.len()) > MAX_TERMS {
                        return None;
                    }
                    out = out
                        .iter()
                        .flat_map(|a| {
                            terms.iter().map(move |b| {
                                let mut t = a.clone();
                                t.extend(b.iter().copied());
                                t
                            })
                        })
                        .collect();
                }
                Some(out)
            }
        }
    }
}

/// Representative values of each field either pattern names.
fn witnesses(atoms: &[&Atom]) -> BTreeMap<String, Vec<Value>> {
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for a in atoms {
        let vals = out.entry(a.field.clone()).or_insert_with(|| {
            vec![
                Value::Absent,
                Value::Null,
                Value::Bool(true),
                Value::Bool(false),
                Value::Str("\u{1}unnamed".to_owned()),
            ]
        });
        match &a.test {
            Test::Eq(g) | Test::Ne(g) => {
                vals.push(Value::Str(g.replace('*', "")));
                vals.push(Value::Str(g.replace('*', "\u{2}")));
            }
            Test::Num(_, n) => {
                vals.extend([Value::Num(*n), Value::Num(n - 1.0), Value::Num(n + 1.0)]);
                vals.push(Value::Str(n.to_string()));
            }
            _ => {}
        }
    }
    for vals in out.values_mut() {
        let mut uniq: Vec<Value> = Vec::new();
        for v in vals.drain(..) {
            if !uniq.contains(&v) {
                uniq.push(v);
            }
        }
        *vals = uniq;
    }
    out
}

fn describe(event: &Event) -> String {
    let parts: Vec<String> = event
        .iter()
        .filter_map(|(k, v)| match v {
            Value::Absent => None,
            Value::Null => Some(format!("{k} = null")),
            Value::Bool(b) => Some(format!("{k} = {b}")),
            Value::Num(n) => Some(format!("{k} = {n}")),
            Value::Str(s) => Some(format!(
                "{k} = {:?}",
                s.replace('\u{2}', "x").replace('\u{1}', "")
            )),
        })
        .collect();
    if parts.is_empty() {
        "an event without the fields".to_owned()
    } else {
        format!("an event with {}", parts.join(", "))
    }
}

/// Whether `filter` (a pattern as written) matches every event `benchmark`
/// matches. A filter that does not parse covers nothing, with the reason.
pub fn covers(benchmark: &Pattern, filter: &str) -> Coverage {
    let cand = match parse(filter) {
        Ok(p) => p,
        Err(e) => return Coverage::Unparsable(e),
    };
    let mut atoms = Vec::new();
    benchmark.atoms(&mut atoms);
    cand.atoms(&mut atoms);
    let values = witnesses(&atoms);
    let Some(terms) = benchmark.dnf() else {
        return Coverage::Unparsable("the benchmark pattern is too complex".to_owned());
    };
    for term in terms {
        // The values each field may take in an event the term matches.
        let domains: Vec<(&String, Vec<&Value>)> = values
            .iter()
            .map(|(field, vals)| {
                let ok: Vec<&Value> = vals
                    .iter()
                    .filter(|v| {
                        term.iter()
                            .filter(|a| &a.field == field)
                            .all(|a| a.holds(v))
                    })
                    .collect();
                (field, ok)
            })
            .collect();
        if domains.iter().any(|(_, d)| d.is_empty()) {
            continue;
        }
        let total = domains
            .iter()
            .try_fold(1usize, |acc, (_, d)| acc.checked_mul(d.len()));
        if total.is_none_or(|t| t > MAX_EVENTS) {
            return Coverage::Unparsable("too complex to compare".to_owned());
        }
        let mut idx = vec![0usize; domains.len()];
        loop {
            let event: Event = domains
                .iter()
                .zip(&idx)
                .map(|((f, d), i)| ((*f).clone(), d[*i].clone()))
                .collect();
            if benchmark.matches(&event) && !cand.matches(&event) {
                return Coverage::Misses(describe(&event));
            }
            // Next combination (odometer).
            let mut k = 0;
            loop {
                if k == idx.len() {
                    break;
                }
                idx[k] += 1;
                if idx[k] < domains[k].1.len() {
                    break;
                }
                idx[k] = 0;
                k += 1;
            }
            if k == idx.len() {
                break;
            }
        }
    }
    Coverage::Covers
}

#[cfg(test)]
#[path = "metric_filter_tests.rs"]
mod tests;
