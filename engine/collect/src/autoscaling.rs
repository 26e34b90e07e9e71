//! Auto Scaling collector (issue 14): groups and launch configurations.
//! STUB: the skeleton returns nothing.

use palisade_model::compute::AutoScaling;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the Auto Scaling groups and launch configurations of `scope`'s
/// region.
pub async fn collect(s: &Session, scope: &Scope) -> AutoScaling {
    let _ = (s, scope);
    AutoScaling::default()
}

/// Counts for the progress display.
pub fn counts(v: &AutoScaling) -> String {
    format!(
        "{} groups, {} launch configurations",
        v.groups.len(),
        v.launch_configurations.len()
    )
}
