//! Palisade triage: what the evaluation's results mean for the CI gate. It
//! sits between `eval` (which produces results) and `report` (which renders
//! them), and is the one home of:
//!
//! - [`waiver`]: waiver files (rule, resource selectors, reason, owner,
//!   expiry), parsed with file and line in every error;
//! - [`baseline`]: a previous report (Palisade JSON or SARIF) read back as
//!   the findings it held;
//! - [`triage`]: the triage of one scan's findings (suppressed by which
//!   waiver, new / unchanged / updated against the baseline, fixed since it,
//!   expired and stale waivers);
//! - [`gate`]: the gate decision (clean, open findings at or above the
//!   threshold, or incomplete), which the CLI turns into its exit code.
//!
//! Finding ids (rule id + resource id) are computed by
//! [`palisade_eval::finding_id`], next to the results they identify.

pub mod baseline;
pub mod error;
pub mod gate;
pub mod triage;
pub mod waiver;

pub use baseline::{Baseline, BaselineEntry, BaselineState};
pub use error::TriageError;
pub use gate::{Gate, Verdict};
pub use triage::Triage;
pub use waiver::{Waiver, WaiverFile};
