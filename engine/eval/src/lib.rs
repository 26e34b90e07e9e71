//! Palisade evaluator: turns a snapshot into Cedar entities (one store per
//! account), partitions the checks into one PolicySet per resource type, and
//! evaluates every applicable (check, resource) pair in parallel with rayon.
//!
//! Every pair gets a result: fail, pass, error, or not evaluated (coverage
//! gap, or a fact the graph could not know). An evaluation error or a gap is never counted as a pass. Results are
//! sorted by (rule id, resource id) so output is deterministic. What a
//! result means for the gate (waivers, baselines) is `palisade-triage`'s job.

pub mod evaluate;
pub mod facts;
pub mod graph;
pub mod result;
mod unknowns;

pub use evaluate::{
    Evaluation, Evaluator, EvaluatorError, ScanContext, Timings, GAP_MESSAGE_PREFIX,
};
pub use facts::wildcard::wildcard_match;
pub use graph::{AccountGraph, GraphBuilder, UnreadListing};
pub use result::{finding_id, CheckResult, ResourceRef, Status};
