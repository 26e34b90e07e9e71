//! Stand-in for `crate::aws_managed::ensure` (helper H2's table of AWS
//! managed policy documents): until it is merged, attaching an AWS managed
//! policy adds nothing here. The lead switches the call site to
//! `crate::aws_managed::ensure` and deletes this file.

use crate::emit::Emit;

/// Adds the `ManagedPolicy` entry (with its document) for AWS managed
/// policy `arn` when the rules judge it; does nothing in this stand-in.
pub fn ensure(e: &mut Emit, arn: &str) {
    let _ = (e, arn);
}
