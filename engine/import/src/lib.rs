//! Infrastructure-as-code importers: CloudFormation templates (YAML and
//! JSON) and Terraform plans (`terraform show -json`) become the same
//! [`palisade_model::Account`] the collectors produce, plus what only IaC
//! has: where each resource and property is written (locations), the
//! values that cannot be known before deployment (unknowns), and the count
//! of resources of types no rule covers. The evaluator never learns where a
//! resource came from; rules that need runtime data are left out for IaC
//! accounts by their metadata (`applies_to`).
//!
//! - `value`: the positioned value tree every importer reads ([`Node`]).
//! - `parse`: YAML / JSON text to a [`Node`] tree with line and column,
//!   CloudFormation short-form tags normalised to their long form.
//! - `emit`: the account under construction (ids, locations, unknowns).
//! - `cfn`: templates: parameters, conditions, mappings, intrinsic
//!   functions, then resources to the model.
//! - `terraform`: plans: planned values, unknown-after-apply, references
//!   from the configuration, then resources to the model.

pub mod aws_managed;
pub mod cfn;
pub mod emit;
pub mod error;
pub mod parse;
pub mod terraform;
pub mod value;

use std::collections::BTreeMap;

pub use error::ImportError;
use palisade_model::Account;
pub use value::{Key, Node, Pos, Value};

/// What kind of input a file holds, told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Palisade snapshot (`"format": "palisade-snapshot"`).
    Snapshot,
    /// A CloudFormation template (a `Resources` map, or
    /// `AWSTemplateFormatVersion`).
    CloudFormation,
    /// A Terraform plan in JSON (`format_version` plus `planned_values` or
    /// `resource_changes`).
    TerraformPlan,
}

/// Settings for one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Template parameter values (`--parameter K=V`, a parameters file);
    /// they win over defaults.
    pub parameters: BTreeMap<String, String>,
    /// The account id the template or plan would deploy to
    /// (`AWS::AccountId`); when `None`, [`UNKNOWN_ACCOUNT`] stands for it.
    pub account_id: Option<String>,
    /// The region (`AWS::Region`); for plans, the provider's region wins.
    pub region: Option<String>,
}

/// The region a template is judged in when none is given.
pub const DEFAULT_REGION: &str = "us-east-1";
/// The account id of an IaC account when none is given, and the value of
/// `AWS::AccountId`: a symbolic "own account", so a template's references to
/// its own account compare equal to it and a literal account id is another
/// account. Resource ids start with the file's path, so they stay unique per
/// file whatever the account.
pub const UNKNOWN_ACCOUNT: &str = "000000000000";

/// Tells the kind of `text` from its content; `None` when it is neither a
/// snapshot, a template nor a plan.
pub fn detect(text: &str) -> Option<Kind> {
    parse::detect(text)
}

/// Imports one file. `uri` is the path reports name (repository-relative,
/// `/`-separated); it prefixes every resource id so findings stay unique
/// and stable per file.
pub fn import(uri: &str, text: &str, kind: Kind, opts: &Options) -> Result<Account, ImportError> {
    match kind {
        Kind::CloudFormation => cfn::import(uri, text, opts),
        Kind::TerraformPlan => terraform::import(uri, text, opts),
        Kind::Snapshot => Err(ImportError::new(
            uri,
            Pos::default(),
            "a snapshot is not an IaC input; load it as a snapshot",
        )),
    }
}
