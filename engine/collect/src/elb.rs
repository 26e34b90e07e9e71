//! Elastic Load Balancing collector (issue 14): v2 load balancers with
//! listeners, listener rules, tags and WAF association; target groups with
//! targets; classic load balancers. STUB: the skeleton returns nothing.

use palisade_model::elb::Elb;

use crate::scope::Scope;
use crate::session::Session;

/// Collects the load balancers of `scope`'s region.
pub async fn collect(s: &Session, scope: &Scope) -> Elb {
    let _ = (s, scope);
    Elb::default()
}

/// Counts for the progress display.
pub fn counts(v: &Elb) -> String {
    format!(
        "{} load balancers, {} target groups, {} classic",
        v.load_balancers.len(),
        v.target_groups.len(),
        v.classic_load_balancers.len()
    )
}
