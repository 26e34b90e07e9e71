//! Palisade rule packs: the Cedar schema of the resource graph, checks as
//! Cedar policies validated in strict mode, their metadata (title, severity,
//! pack, docs, framework mappings, parameters), and the check of parameter
//! overrides against the schema. (`palisade.toml` itself is read by the CLI;
//! waivers and baselines live in `palisade-triage`.)
//!
//! Layout on disk: `policies/schema.cedarschema`, one `forbid` policy per
//! `policies/<service>/<rule-id>.cedar`, and `rules/<service>/<rule-id>.toml`
//! metadata, where `<service>` is the rule's service.
//! [`RulePack::load`] refuses a pack where any piece is missing or invalid,
//! naming the file and line.

pub mod error;
pub mod frameworks;
pub mod metadata;
pub mod pack;
pub mod params;
pub mod pricing;

pub use error::RulesError;
pub use frameworks::{Control, Framework, Mode};
pub use metadata::{Lifecycle, Pack, RuleMeta, Severity};
pub use pack::{Rule, RulePack};
pub use params::Params;
pub use pricing::{CostEstimate, PriceTable};

/// Entity type of the evaluating principal.
pub const SCANNER_TYPE: &str = "Palisade::Scanner";
/// The single action every check is evaluated under.
pub const CHECK_ACTION: &str = r#"Palisade::Action::"Check""#;
