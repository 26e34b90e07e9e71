//! Attribute-level facts the graph records besides values: an attribute that
//! could not be known (a check that reads it is not evaluated, never a
//! guessed pass or fail) and a note that explains a pass. Which attributes
//! of `resource` a rule reads comes from its policy's JSON form
//! ([`PolicyShape`], read once per rule at load). Also the reachability
//! post-pass: fails of rules annotated `@exposure` carry the account
//! graph's verdict and path for their resource, with the severity and
//! message it implies ([`apply_exposures`]); and the organisation
//! post-pass: fails of rules annotated `@scp("attr")` whose granted actions
//! the account's service control policies all deny say so and are one
//! severity level lower ([`apply_scp`]).

use std::collections::{BTreeSet, HashMap};

use cedar_policy::Policy;
use serde_json::Value;

use palisade_model::UnknownValue;

use crate::graph::{FactKind, FactNote};
use crate::result::{adjusted_severity, CheckResult, Exposure, Status};

/// What the evaluator needs from one rule's policy, read once at load from
/// its JSON form: the attributes of `resource` it reads, the string literals
/// of its condition, and its `@undecided` / `@message` annotations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PolicyShape {
    /// The attributes of `resource` the policy reads (`resource.x`,
    /// `resource has x`); `None` when the JSON form cannot be produced, which
    /// counts as reading every attribute.
    pub reads: Option<BTreeSet<String>>,
    /// The string literals of the condition (the action names a rule tests,
    /// e.g. `"iam:attachrolepolicy"`): never its comments or annotations.
    /// Empty when the JSON form cannot be produced.
    pub literals: Vec<String>,
    /// `@undecided("attr")`: a fail on a resource that has `attr` is not
    /// evaluated, with the attribute's text as its message.
    pub undecided: Option<String>,
    /// `@message("attr")`: the attribute's text is the result's message.
    pub message: Option<String>,
}

impl PolicyShape {
    /// Reads `policy` (one conversion to JSON, one walk).
    pub(crate) fn of(policy: &Policy) -> Self {
        let annotation = |k: &str| policy.annotation(k).map(str::to_owned);
        let mut shape = PolicyShape {
            undecided: annotation("undecided"),
            message: annotation("message"),
            ..PolicyShape::default()
        };
        if let Ok(json) = policy.to_json() {
            let mut reads = BTreeSet::new();
            walk(&json, &mut reads, &mut shape.literals);
            shape.reads = Some(reads);
        }
        shape
    }
}

/// Collects the attributes read on `resource` and the string literals of
/// a policy's JSON form, skipping its annotations.
fn walk(v: &Value, reads: &mut BTreeSet<String>, literals: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, inner) in map {
                match (k.as_str(), inner) {
                    ("annotations", _) => continue,
                    ("Value", Value::String(lit)) => literals.push(lit.clone()),
                    ("." | "has", _) => {
                        let on_resource = inner.get("left").and_then(|l| l.get("Var"))
                            == Some(&Value::String("resource".to_owned()));
                        if let (true, Some(Value::String(attr))) = (on_resource, inner.get("attr"))
                        {
                            reads.insert(attr.clone());
                        }
                    }
                    _ => {}
                }
                walk(inner, reads, literals);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk(i, reads, literals)),
        _ => {}
    }
}

/// Applies the graph's attribute facts to one account's results: a pass or
/// fail of a rule that reads an unknown attribute becomes `not_evaluated`
/// (with the reason), and a pass of a rule that reads a noted attribute
/// carries the note. `shapes` are the rules' policies by rule id (what
/// each reads; an unknown shape reads every attribute).
pub(crate) fn apply(
    facts: &[FactNote],
    shapes: &HashMap<String, PolicyShape>,
    results: &mut [CheckResult],
) {
    if facts.is_empty() {
        return;
    }
    let reads_attr = |rule: &str, attr: &str| match shapes.get(rule).map(|s| &s.reads) {
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

/// Applies an IaC account's unresolved values: every pass or fail on a
/// resource an unknown value belongs to (or on one of its sub-resources,
/// e.g. the statements of a policy) becomes `not_evaluated`, naming the
/// property and why it is unknown. The importer records each unknown on the
/// most specific resource it affects, so the rest of the file is judged.
pub(crate) fn apply_values(
    unknowns: &[UnknownValue],
    shapes: &HashMap<String, PolicyShape>,
    results: &mut [CheckResult],
) {
    if unknowns.is_empty() {
        return;
    }
    // An unknown limited to some attributes affects only the rules that
    // read one of them (an unreadable policy shape reads everything).
    let affects = |u: &UnknownValue, rule: &str| {
        u.attrs.is_empty()
            || match shapes.get(rule).map(|s| &s.reads) {
                Some(Some(reads)) => u.attrs.iter().any(|a| reads.contains(a)),
                Some(None) | None => true,
            }
    };
    let mut by_resource: HashMap<&str, Vec<&UnknownValue>> = HashMap::new();
    for u in unknowns {
        by_resource.entry(u.resource.as_str()).or_default().push(u);
    }
    for res in results.iter_mut() {
        if !matches!(res.status, Status::Pass | Status::Fail) {
            continue;
        }
        let id = res.resource.id.as_str();
        let mut hits: Vec<&UnknownValue> = Vec::new();
        if let Some(us) = by_resource.get(id) {
            hits.extend(us.iter().filter(|u| affects(u, &res.rule_id)));
        }
        let mut end = id.len();
        while let Some(cut) = id[..end].rfind(['#', '/']) {
            if let Some(us) = by_resource.get(&id[..cut]) {
                hits.extend(us.iter().filter(|u| !u.exact && affects(u, &res.rule_id)));
            }
            end = cut;
        }
        let Some(first) = hits.first() else {
            continue;
        };
        let more = match hits.len() {
            1 => String::new(),
            n => format!(" (and {} more unknown values)", n - 1),
        };
        res.status = Status::NotEvaluated;
        res.message = Some(format!(
            "unknown: {} is not known before deployment: {}{more}",
            first.property, first.reason
        ));
        res.cost = None;
    }
}

/// Applies the account graph's reachability verdicts to one account's
/// results: every fail of a rule in `annotated` (rule id -> the rule's
/// metadata severity; the rules whose policy says `@exposure`) whose
/// resource has an entry in `exposures` carries that entry, its message
/// starts with the verdict and reason (before any message it had), and
/// its severity is the adjusted one when that differs from the rule's
/// ([`adjusted_severity`]). Other results are untouched: a fail without an
/// entry keeps the rule's severity and its message.
pub(crate) fn apply_exposures(
    exposures: &HashMap<String, Exposure>,
    annotated: &HashMap<String, palisade_rules::Severity>,
    results: &mut [CheckResult],
) {
    if exposures.is_empty() || annotated.is_empty() {
        return;
    }
    for res in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let Some(rule_severity) = annotated.get(&res.rule_id) else {
            continue;
        };
        let Some(exposure) = exposures.get(&res.resource.id) else {
            continue;
        };
        let effective = adjusted_severity(*rule_severity, exposure.verdict);
        res.severity = (effective != *rule_severity).then_some(effective);
        let summary = exposure.summary();
        res.message = Some(match res.message.take() {
            Some(m) if !m.is_empty() => format!("{summary}; {m}"),
            _ => summary,
        });
        res.exposure = Some(exposure.clone());
    }
}

/// A rule annotated `@scp("attr")`: the attribute of its resource that
/// holds the actions a fail is about, and the rule's metadata severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScpRule {
    /// The attribute (`granted_actions`, `unconstrained_actions`).
    pub attr: String,
    /// The rule's metadata severity.
    pub severity: palisade_rules::Severity,
    /// The sensitive actions the rule's policy names (lower-case); a fail
    /// is about those of them the attribute holds (all of its actions when
    /// the policy names none).
    pub actions: Vec<String>,
}

impl ScpRule {
    /// The `@scp` annotation of `policy`, if any.
    pub(crate) fn of(policy: &Policy, severity: palisade_rules::Severity) -> Option<Self> {
        let attr = policy.annotation("scp")?.to_owned();
        let shape = PolicyShape::of(policy);
        let mut actions: Vec<String> = shape
            .literals
            .into_iter()
            .filter(|l| crate::facts::actions::SENSITIVE_ACTIONS.contains(&l.as_str()))
            .collect();
        actions.sort();
        actions.dedup();
        Some(ScpRule {
            attr,
            severity,
            actions,
        })
    }
}

/// Applies the organisation's service control policies to one account's
/// results: a fail of a rule in `rules` (annotated `@scp("attr")`) whose
/// resource grants only actions the SCPs deny to every principal of the
/// account (the granted actions the rule is about, read from `attr`) stays
/// a fail (the grant is still there, and takes effect if the SCP changes),
/// but its message starts with the SCPs that deny it and its severity is one
/// level lower (not below low). Nothing changes for the management account
/// (not subject to SCPs), when an action of concern is not denied, or when
/// the SCPs' effect is unknown.
pub(crate) fn apply_scp(
    facts: &crate::graph::ScpFacts,
    rules: &HashMap<String, ScpRule>,
    results: &mut [CheckResult],
) {
    if facts.account.denied.is_empty() || rules.is_empty() {
        return;
    }
    for res in results.iter_mut().filter(|r| r.status == Status::Fail) {
        let Some(rule) = rules.get(&res.rule_id) else {
            continue;
        };
        let Some((_, values)) = facts
            .grants
            .get(&res.resource.id)
            .and_then(|g| g.iter().find(|(a, _)| *a == rule.attr))
        else {
            continue;
        };
        let concern = values
            .iter()
            .filter(|v| rule.actions.is_empty() || rule.actions.contains(v))
            .map(String::as_str);
        let Some(why) = facts.account.all_denied(concern) else {
            continue;
        };
        let current = res.severity.unwrap_or(rule.severity);
        let lowered = adjusted_severity(current, crate::result::Reachability::NotReachable);
        res.severity = (lowered != rule.severity).then_some(lowered);
        res.message = Some(match res.message.take() {
            Some(m) if !m.is_empty() => format!("{why}; {m}"),
            _ => why,
        });
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
        let shape = PolicyShape::of(&p);
        let mut lits = shape.literals;
        lits.sort();
        assert_eq!(lits, ["iam:x", "iam:y", "z"]);
        assert_eq!(shape.message.as_deref(), Some("note_attr"));
        assert_eq!(shape.undecided, None);
    }

    #[test]
    fn attributes_read_on_resource_only() {
        let p = policy(
            r#"forbid (principal, action, resource) when {
                resource has a && resource.a > context.b &&
                (!resource.c || principal.d == "x") && resource.e.f == 1
            };"#,
        );
        let read = PolicyShape::of(&p).reads.expect("json");
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
            severity: None,
            exposure: None,
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
        let reads: HashMap<String, PolicyShape> = [
            ("reads-last-used", "last_used"),
            ("reads-mfa", "mfa_required"),
            ("reads-other", "other"),
        ]
        .into_iter()
        .map(|(k, attr)| {
            let shape = PolicyShape {
                reads: Some([attr.to_owned()].into()),
                ..PolicyShape::default()
            };
            (k.to_owned(), shape)
        })
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

    #[test]
    fn unresolved_iac_values_make_their_resource_and_its_parts_not_evaluated() {
        let unknowns = [
            UnknownValue {
                resource: "t.yaml#Policy".into(),
                property: "PolicyDocument.Statement[0].Resource".into(),
                reason: "parameter BucketArn has no default and no value was given".into(),
                exact: false,
                attrs: Vec::new(),
            },
            UnknownValue {
                resource: "t.yaml#Policy2".into(),
                property: "egress".into(),
                reason: "known only after apply".into(),
                exact: true,
                attrs: Vec::new(),
            },
            UnknownValue {
                resource: "t.yaml#Policy3".into(),
                property: "Roles[0]".into(),
                reason: "imported from another stack".into(),
                exact: false,
                attrs: vec!["attached".into()],
            },
        ];
        // Rule "r" reads `effect` only: Policy3's unknown attachment does
        // not touch it; rule "a" reads `attached`: it does.
        let shapes: HashMap<String, PolicyShape> = [("r", "effect"), ("a", "attached")]
            .into_iter()
            .map(|(k, attr)| {
                let shape = PolicyShape {
                    reads: Some([attr.to_owned()].into()),
                    ..PolicyShape::default()
                };
                (k.to_owned(), shape)
            })
            .collect();
        let on = |id: &str, status| CheckResult {
            resource: ResourceRef {
                id: id.into(),
                ..result("r", status).resource
            },
            ..result("r", status)
        };
        let mut results = vec![
            on("t.yaml#Policy", Status::Pass),
            on("t.yaml#Policy#statement/0", Status::Fail),
            on("t.yaml#Policy2/rule/0", Status::Fail),
            on("t.yaml#Policy#statement/1", Status::Error),
            on("t.yaml#Policy2", Status::Pass),
            on("t.yaml#Policy3", Status::Fail),
            CheckResult {
                rule_id: "a".into(),
                ..on("t.yaml#Policy3#statement/0", Status::Pass)
            },
        ];
        apply_values(&unknowns, &shapes, &mut results);
        let got: Vec<_> = results.iter().map(|r| r.status).collect();
        // An exact unknown leaves the resource's parts judged; errors stay
        // errors; other resources are untouched.
        assert_eq!(
            got,
            [
                Status::NotEvaluated,
                Status::NotEvaluated,
                Status::Fail,
                Status::Error,
                Status::NotEvaluated,
                Status::Fail,
                Status::NotEvaluated
            ]
        );
        assert!(results[1]
            .message
            .as_deref()
            .is_some_and(|m| m.contains("Statement[0].Resource") && m.contains("BucketArn")));
    }

    fn exposure(verdict: crate::result::Reachability, reason: &str) -> Exposure {
        Exposure {
            verdict,
            reason: reason.into(),
            path: vec![
                crate::result::PathHop {
                    kind: "internet".into(),
                    id: "0.0.0.0/0".into(),
                    label: "the internet".into(),
                },
                crate::result::PathHop {
                    kind: "security_group_rule".into(),
                    id: "sgr-1".into(),
                    label: "ingress tcp 22 from 0.0.0.0/0".into(),
                },
            ],
        }
    }

    #[test]
    fn exposure_verdicts_adjust_severity_and_prefix_the_message() {
        use crate::result::Reachability::{NotReachable, Reachable, Unknown};
        use palisade_rules::Severity::{Critical, High, Info, Low, Medium};
        let exposures: HashMap<String, Exposure> = [
            (
                "sgr-reach",
                exposure(Reachable, "on tcp 22 via igw-1 to i-1"),
            ),
            (
                "sgr-none",
                exposure(NotReachable, "no route to an internet gateway in rtb-x"),
            ),
            (
                "sgr-unknown",
                exposure(Unknown, "route tables not collected"),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let on = |rule: &str, id: &str, status| CheckResult {
            resource: ResourceRef {
                id: id.into(),
                ..result(rule, status).resource
            },
            ..result(rule, status)
        };
        // (rule, its severity, resource, status) -> (severity, message start)
        #[rustfmt::skip]
        let cases = [
            ("high", High, "sgr-reach", Status::Fail, Some(Critical), Some("reachable from the internet: on tcp 22 via igw-1 to i-1")),
            ("crit", Critical, "sgr-reach", Status::Fail, None, Some("reachable from the internet: ")),
            ("medium", Medium, "sgr-reach", Status::Fail, Some(High), Some("reachable from the internet: ")),
            ("info", Info, "sgr-reach", Status::Fail, Some(Low), Some("reachable from the internet: ")),
            ("high", High, "sgr-none", Status::Fail, Some(Medium), Some("not reachable: no route to an internet gateway in rtb-x")),
            ("crit", Critical, "sgr-none", Status::Fail, Some(High), Some("not reachable: ")),
            ("medium", Medium, "sgr-none", Status::Fail, Some(Low), Some("not reachable: ")),
            ("low", Low, "sgr-none", Status::Fail, None, Some("not reachable: ")),
            ("info", Info, "sgr-none", Status::Fail, None, Some("not reachable: ")),
            ("high", High, "sgr-unknown", Status::Fail, None, Some("reachability unknown: route tables not collected")),
            // No entry: unchanged.
            ("high", High, "sgr-other", Status::Fail, None, None),
            // Passes and not-evaluated results carry no verdict.
            ("high", High, "sgr-reach", Status::Pass, None, None),
            ("high", High, "sgr-reach", Status::NotEvaluated, None, None),
            // A rule without the annotation: unchanged.
            ("plain", High, "sgr-reach", Status::Fail, None, None),
        ];
        let annotated: HashMap<String, palisade_rules::Severity> = cases
            .iter()
            .filter(|c| c.0 != "plain")
            .map(|c| (c.0.to_owned(), c.1))
            .collect();
        let mut results: Vec<CheckResult> = cases.iter().map(|c| on(c.0, c.2, c.3)).collect();
        apply_exposures(&exposures, &annotated, &mut results);
        for (c, r) in cases.iter().zip(&results) {
            let what = format!("{} on {} ({:?})", c.0, c.2, c.3);
            assert_eq!(r.severity, c.4, "{what}");
            match c.5 {
                Some(start) => {
                    let m = r.message.as_deref().unwrap_or_default();
                    assert!(m.starts_with(start), "{what}: {m:?}");
                    let e = r.exposure.as_ref().expect("exposure attached");
                    assert_eq!(e, &exposures[c.2], "{what}");
                }
                None => {
                    assert_eq!(r.message, None, "{what}");
                    assert_eq!(r.exposure, None, "{what}");
                }
            }
        }
    }

    #[test]
    fn exposure_verdict_goes_before_an_existing_message() {
        let exposures: HashMap<String, Exposure> = [(
            "111111111111".to_owned(),
            exposure(crate::result::Reachability::Reachable, "on tcp 3389"),
        )]
        .into();
        let annotated: HashMap<String, palisade_rules::Severity> =
            [("r".to_owned(), palisade_rules::Severity::High)].into();
        let mut results = vec![CheckResult {
            message: Some("port list from parameter".into()),
            ..result("r", Status::Fail)
        }];
        apply_exposures(&exposures, &annotated, &mut results);
        assert_eq!(
            results[0].message.as_deref(),
            Some("reachable from the internet: on tcp 3389; port list from parameter")
        );
        assert_eq!(
            results[0].effective_severity(Some(palisade_rules::Severity::High)),
            Some(palisade_rules::Severity::Critical)
        );
        // The finding id does not move with the verdict.
        assert_eq!(
            results[0].finding_id(),
            result("r", Status::Fail).finding_id()
        );
    }
}
