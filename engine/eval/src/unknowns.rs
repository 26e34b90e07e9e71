//! Attribute-level facts the graph records besides values: an attribute that
//! could not be known (a check that reads it is not evaluated, never a
//! guessed pass or fail) and a note that explains a pass. Which attributes
//! of `resource` a rule reads comes from its policy's JSON form.

use std::collections::{BTreeSet, HashMap};

use cedar_policy::Policy;
use serde_json::Value;

use crate::graph::{FactKind, FactNote};
use crate::result::{CheckResult, Status};

/// The attributes of `resource` that `policy` reads (`resource.x`,
/// `resource has x`), from its JSON form. A policy whose JSON form cannot be
/// produced reads "everything": `None`.
pub(crate) fn resource_attrs_read(policy: &Policy) -> Option<BTreeSet<String>> {
    let json = policy.to_json().ok()?;
    let mut out = BTreeSet::new();
    walk(&json, &mut out);
    Some(out)
}

/// The string literals of `policy`'s condition (the action names a rule
/// tests, e.g. `"iam:attachrolepolicy"`), from its JSON form: never its
/// comments or annotations. Empty when the JSON form cannot be produced.
pub(crate) fn string_literals(policy: &Policy) -> Vec<String> {
    fn collect(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, inner) in map {
                    match (k.as_str(), inner) {
                        ("Value", Value::String(s)) => out.push(s.clone()),
                        ("annotations", _) => {}
                        _ => collect(inner, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| collect(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(json) = policy.to_json() {
        collect(&json, &mut out);
    }
    out
}

fn walk(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map {
                if k == "." || k == "has" {
                    let on_resource = inner.get("left").and_then(|l| l.get("Var"))
                        == Some(&Value::String("resource".to_owned()));
                    if let (true, Some(Value::String(attr))) = (on_resource, inner.get("attr")) {
                        out.insert(attr.clone());
                    }
                }
                walk(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
        _ => {}
    }
}

/// Applies the graph's attribute facts to one account's results: a pass or
/// fail of a rule that reads an unknown attribute becomes `not_evaluated`
/// (with the reason), and a pass of a rule that reads a noted attribute
/// carries the note. `reads` maps rule ids to the attributes they read
/// (`None`: unknown, treated as reading every attribute).
pub(crate) fn apply(
    facts: &[FactNote],
    reads: &HashMap<String, Option<BTreeSet<String>>>,
    results: &mut [CheckResult],
) {
    if facts.is_empty() {
        return;
    }
    let reads_attr = |rule: &str, attr: &str| match reads.get(rule) {
        Some(Some(set)) => set.contains(attr),
        Some(None) => true,
        None => false,
    };
    let mut by_resource: HashMap<(&str, &str), Vec<&FactNote>> = HashMap::new();
    for f in facts {
        by_resource
            .entry((f.resource_type.as_str(), f.resource_id.as_str()))
            .or_default()
            .push(f);
    }
    for res in results.iter_mut() {
        let key = (
            res.resource.resource_type.as_str(),
            res.resource.id.as_str(),
        );
        let Some(noted) = by_resource.get(&key) else {
            continue;
        };
        let on_this: Vec<&FactNote> = noted
            .iter()
            .copied()
            .filter(|f| reads_attr(&res.rule_id, &f.attr))
            .collect();
        for f in on_this {
            match f.kind {
                FactKind::Unknown if matches!(res.status, Status::Pass | Status::Fail) => {
                    res.status = Status::NotEvaluated;
                    res.message = Some(format!("unknown: {}", f.text));
                    res.cost = None;
                }
                FactKind::PassNote if res.status == Status::Pass && res.message.is_none() => {
                    res.message = Some(f.text.clone());
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use cedar_policy::PolicyId;

    use super::*;
    use crate::result::ResourceRef;

    fn policy(text: &str) -> Policy {
        Policy::parse(Some(PolicyId::new("p")), text).expect("policy")
    }

    #[test]
    fn string_literals_skip_comments_and_annotations() {
        let p = policy(
            r#"// a comment with "quoted" text and an odd " quote
            @message("note_attr")
            forbid (principal, action, resource) when {
                resource.a.containsAny(["iam:x", "iam:y"]) && resource.b == "z"
            };"#,
        );
        let mut lits = string_literals(&p);
        lits.sort();
        assert_eq!(lits, ["iam:x", "iam:y", "z"]);
    }

    #[test]
    fn attributes_read_on_resource_only() {
        let p = policy(
            r#"forbid (principal, action, resource) when {
                resource has a && resource.a > context.b &&
                (!resource.c || principal.d == "x") && resource.e.f == 1
            };"#,
        );
        let read = resource_attrs_read(&p).expect("json");
        let want: BTreeSet<String> = ["a", "c", "e"].map(String::from).into();
        assert_eq!(read, want);
    }

    fn result(rule: &str, status: Status) -> CheckResult {
        CheckResult {
            rule_id: rule.into(),
            status,
            resource: ResourceRef {
                id: "111111111111".into(),
                resource_type: "AWS::Account".into(),
                account_id: "111111111111".into(),
                region: "global".into(),
                name: "acct".into(),
                tags: Default::default(),
            },
            message: None,
            cost: None,
        }
    }

    #[test]
    fn unknown_attribute_makes_readers_not_evaluated_and_notes_explain_passes() {
        let fact = |attr: &str, kind, text: &str| FactNote {
            resource_type: "AWS::Account".into(),
            resource_id: "111111111111".into(),
            attr: attr.into(),
            kind,
            text: text.into(),
        };
        let facts = [
            fact("last_used", FactKind::Unknown, "no root row"),
            fact("mfa_required", FactKind::PassNote, "no root credentials"),
        ];
        let reads: HashMap<String, Option<BTreeSet<String>>> = [
            ("reads-last-used", Some(["last_used".to_owned()].into())),
            ("reads-mfa", Some(["mfa_required".to_owned()].into())),
            ("reads-other", Some(["other".to_owned()].into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut results = vec![
            result("reads-last-used", Status::Fail),
            result("reads-last-used", Status::Pass),
            result("reads-mfa", Status::Pass),
            result("reads-mfa", Status::Fail),
            result("reads-other", Status::Pass),
        ];
        apply(&facts, &reads, &mut results);
        let got: Vec<_> = results
            .iter()
            .map(|r| (r.status, r.message.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                (Status::NotEvaluated, Some("unknown: no root row")),
                (Status::NotEvaluated, Some("unknown: no root row")),
                (Status::Pass, Some("no root credentials")),
                (Status::Fail, None),
                (Status::Pass, None),
            ]
        );
    }
}
