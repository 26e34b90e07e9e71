//! The `@undecided` and `@message` annotations of every rule name a String
//! attribute of the entity type the rule is scoped to, and `@undecided`
//! names an optional one (a required attribute would turn every fail of the
//! rule into `not_evaluated`). A misspelt attribute would silently do
//! nothing, so this is checked against the schema text.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use palisade_test_kit::{pack, root};

/// The attribute declarations of entity `name` in the schema text (the
/// lines between `entity NAME ... {` and the closing `}`).
fn entity_body<'s>(schema: &'s str, name: &str) -> &'s str {
    let start = schema
        .find(&format!("entity {name} "))
        .unwrap_or_else(|| panic!("entity {name} in the schema"));
    let rest = &schema[start..];
    let end = rest.find("\n  }").expect("end of entity");
    &rest[..end]
}

#[test]
fn annotations_name_string_attributes_of_the_scoped_type() {
    let pack = pack();
    let schema =
        std::fs::read_to_string(root().join("policies/schema.cedarschema")).expect("schema");
    let mut seen = 0;
    for rule in &pack.rules {
        let ty = rule.resource_type.to_string();
        let name = ty.rsplit("::").next().expect("basename");
        for (annotation, optional) in [("undecided", true), ("message", false)] {
            let Some(attr) = rule.policy.annotation(annotation) else {
                continue;
            };
            seen += 1;
            let body = entity_body(&schema, name);
            let opt = body.contains(&format!("\"{attr}\"?: String,"));
            let req = body.contains(&format!(" {attr}: String,"));
            assert!(
                opt || (req && !optional),
                "{}: @{annotation}(\"{attr}\") must name {} String attribute of {ty}",
                rule.id,
                if optional { "an optional" } else { "a" }
            );
        }
    }
    assert!(
        seen >= 7,
        "the backup rules use the annotations ({seen} seen)"
    );
}
