//! Resolved CloudFormation resources to the model.
//!
//! OWNER: helper H2 (stub until implemented).

use palisade_model::Account;

use super::template::Template;
use crate::emit::Emit;
use crate::{ImportError, Options};

/// Maps every resource of `t` to the model.
pub fn emit(uri: &str, t: &Template, opts: &Options) -> Result<Account, ImportError> {
    let mut e = Emit::new(uri, palisade_model::Origin::Cloudformation, opts, None);
    for r in &t.resources {
        e.uncovered(&r.resource_type);
    }
    Ok(e.finish())
}
