//! CloudFormation templates: `parse` (crate root) gives the positioned tree
//! with short-form tags in long form; `template` resolves parameters,
//! conditions, mappings, pseudo parameters and intrinsic functions into
//! plain resources; `resources` maps each supported resource type to the
//! model.

pub mod resources;
pub mod template;

use palisade_model::Account;

use crate::{ImportError, Options};

/// Imports one template.
pub fn import(uri: &str, text: &str, opts: &Options) -> Result<Account, ImportError> {
    let doc = crate::parse::parse(uri, text)?;
    let template = template::Template::resolve(uri, &doc, opts)?;
    resources::emit(uri, &template, opts)
}
