//! Terraform plans (`terraform show -json`) to the model.
//!
//! OWNER: helper H3 (stub until implemented).

use palisade_model::Account;

use crate::value::Pos;
use crate::{ImportError, Options};

/// Imports one plan.
pub fn import(uri: &str, text: &str, opts: &Options) -> Result<Account, ImportError> {
    let doc = crate::parse::parse(uri, text)?;
    let _ = (doc, opts);
    Err(ImportError::new(
        uri,
        Pos::default(),
        "Terraform plans not implemented yet",
    ))
}
