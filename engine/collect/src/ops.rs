//! The operations the collectors call, re-exported from the catalogue in
//! [`palisade_model::service`] (the single list, which rule metadata is also
//! validated against). The shipped least-privilege IAM policy
//! (`engine/collect/iam-policy.json`) is tested here to allow exactly these.

pub use palisade_model::service::ops::*;
pub use palisade_model::service::{Operation, OPERATIONS as ALL};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeSet;

    use palisade_model::policy::PolicyDocument;

    use super::*;

    #[test]
    fn shipped_iam_policy_allows_exactly_the_operations_called() {
        let doc = PolicyDocument::parse_text(crate::IAM_POLICY).expect("iam-policy.json parses");
        let allowed: BTreeSet<String> = doc
            .statements
            .iter()
            .inspect(|s| assert_eq!(s.effect.as_str(), "Allow"))
            .flat_map(|s| s.action.iter().cloned())
            .collect();
        let called: BTreeSet<String> = ALL.iter().map(Operation::iam_action).collect();
        let missing: Vec<_> = called.difference(&allowed).collect();
        let extra: Vec<_> = allowed.difference(&called).collect();
        assert!(missing.is_empty(), "called but not allowed: {missing:?}");
        assert!(extra.is_empty(), "allowed but never called: {extra:?}");
    }

    #[test]
    fn shipped_iam_policy_is_read_only() {
        for op in ALL {
            let read = ["Get", "List", "Describe", "GenerateCredentialReport"]
                .iter()
                .any(|p| op.api.starts_with(p));
            assert!(read, "{} is not a read operation", op.iam_action());
            assert!(!op.api.contains('*'));
        }
        let unique: BTreeSet<_> = ALL.iter().collect();
        assert_eq!(unique.len(), ALL.len(), "duplicate operation");
    }
}
