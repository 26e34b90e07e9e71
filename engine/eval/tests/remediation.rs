//! Every rule tells the user how to fix its finding in infrastructure as
//! code: a CloudFormation or Terraform snippet, or a note saying why none
//! applies (root credentials, deleting keys). Snippets must be non-trivial.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[test]
fn every_rule_has_iac_remediation_or_says_why_not() {
    let pack = palisade_test_kit::pack();
    let mut problems = Vec::new();
    for rule in &pack.rules {
        let Some(iac) = &rule.meta.iac else {
            problems.push(format!("{}: no [iac] table", rule.id));
            continue;
        };
        let snippets: Vec<&String> = [&iac.cloudformation, &iac.terraform]
            .into_iter()
            .flatten()
            .collect();
        if snippets.is_empty() && iac.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            problems.push(format!(
                "{}: [iac] has neither a snippet nor a note",
                rule.id
            ));
        }
        for s in snippets {
            if s.trim().lines().count() < 3 {
                problems.push(format!("{}: IaC snippet too short to be useful", rule.id));
            }
        }
        if let Some(cfn) = &iac.cloudformation {
            // A whole resource, or a fragment saying which resource it belongs in.
            if !cfn.contains("AWS::") {
                problems.push(format!(
                    "{}: CloudFormation snippet names no resource type",
                    rule.id
                ));
            }
        }
        if let Some(tf) = &iac.terraform {
            if !tf.contains("aws_") {
                problems.push(format!(
                    "{}: Terraform snippet names no aws resource",
                    rule.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
