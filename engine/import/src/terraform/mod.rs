//! Terraform plans (`terraform show -json <planfile>`) to the model.
//!
//! - `plan`: the resource instances that exist after apply (deletes and
//!   data sources skipped), their planned values with what is known only
//!   after apply marked unknown.
//! - `refs`: values known only after apply resolved from the
//!   configuration's references to other resources of the plan (through
//!   module inputs and outputs too).
//! - `res_iam`, `res_ec2` (security groups and rules), `res_nacl` (VPCs,
//!   subnets, prefix lists, network ACLs), `res_waf`, `res_backup`,
//!   `res_config`: each supported resource type to the model; every other
//!   type is counted as uncovered.
//!
//! Resource ids are `<uri>#<address>` (module path and index keys as
//! Terraform writes them); they are also the model ARNs, so findings carry
//! them and locations land on them. Resources a plan changes but does not
//! manage (a role an attachment names, a group a rule is added to) are
//! stand-ins whose every check is unknown.

mod plan;
mod refs;
mod res_backup;
mod res_config;
mod res_ec2;
mod res_iam;
mod res_nacl;
mod res_waf;
pub mod source;
#[cfg(test)]
mod tests;

use palisade_model::{Account, Origin};

use crate::emit::Emit;
use crate::value::Node;
use crate::{ImportError, Options};
use plan::Instance;
use refs::Ctx;

/// Imports one plan.
pub fn import(uri: &str, text: &str, opts: &Options) -> Result<Account, ImportError> {
    let doc = crate::parse::parse(uri, text)?;
    let instances = plan::instances(uri, &doc)?;
    // The provider's region wins over the option (`Options::region`).
    let mut opts = opts.clone();
    if let Some(region) = provider_region(&doc) {
        opts.region = Some(region);
    }
    let mut e = Emit::new(uri, Origin::Terraform, &opts, None);
    let (region, account) = (e.region().to_owned(), e.account.account_id.clone());
    let cx = Ctx::new(uri, &doc, instances, &region, &account);
    for inst in &cx.instances {
        e.locate(&cx.id(inst), inst.pos);
        if !primary(&cx, &mut e, inst) && !is_dependent(&inst.rtype) {
            e.uncovered(&inst.rtype);
        }
    }
    for inst in &cx.instances {
        if is_dependent(&inst.rtype) {
            dependent(&cx, &mut e, inst);
        }
    }
    res_iam::finish(&cx, &mut e);
    res_waf::finish(&cx, &mut e);
    if let Some(err) = cx.take_error() {
        return Err(err);
    }
    Ok(e.finish())
}

/// Maps a resource that stands on its own; false for types no rule covers.
fn primary(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) -> bool {
    match inst.rtype.as_str() {
        "aws_iam_user" => res_iam::user(cx, e, inst),
        "aws_iam_group" => res_iam::group(cx, e, inst),
        "aws_iam_role" => res_iam::role(cx, e, inst),
        "aws_iam_policy" => res_iam::policy(cx, e, inst),
        "aws_iam_account_password_policy" => res_iam::password_policy(cx, e, inst),
        "aws_security_group" | "aws_default_security_group" => res_ec2::group(cx, e, inst),
        "aws_vpc" | "aws_default_vpc" => res_nacl::vpc(cx, e, inst),
        "aws_subnet" | "aws_default_subnet" => res_nacl::subnet(cx, e, inst),
        "aws_network_acl" | "aws_default_network_acl" => res_nacl::acl(cx, e, inst),
        "aws_ec2_managed_prefix_list" => res_nacl::prefix_list(cx, e, inst),
        "aws_wafv2_web_acl" => res_waf::web_acl(cx, e, inst),
        "aws_backup_vault" => res_backup::vault(cx, e, inst),
        "aws_backup_plan" => res_backup::plan(cx, e, inst),
        "aws_config_configuration_recorder" => res_config::recorder(cx, e, inst),
        "aws_config_delivery_channel" => res_config::channel(cx, e, inst),
        _ => return false,
    }
    true
}

/// Types that change a resource mapped by [`primary`] (attachments,
/// memberships, separate rules, associations), mapped once every primary
/// resource exists.
pub(crate) const DEPENDENT: [&str; 23] = [
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy_attachment",
    "aws_iam_group_policy_attachment",
    "aws_iam_role_policy_attachment",
    "aws_iam_policy_attachment",
    "aws_iam_user_group_membership",
    "aws_iam_group_membership",
    "aws_iam_user_login_profile",
    "aws_iam_access_key",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_ec2_managed_prefix_list_entry",
    "aws_wafv2_web_acl_association",
    "aws_wafv2_web_acl_logging_configuration",
    "aws_backup_vault_lock_configuration",
    "aws_backup_vault_policy",
    "aws_backup_selection",
    "aws_config_configuration_recorder_status",
];

fn is_dependent(rtype: &str) -> bool {
    DEPENDENT.contains(&rtype)
}

fn dependent(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    match inst.rtype.as_str() {
        "aws_iam_user_policy" | "aws_iam_group_policy" | "aws_iam_role_policy" => {
            res_iam::inline_policy(cx, e, inst)
        }
        "aws_iam_user_policy_attachment"
        | "aws_iam_group_policy_attachment"
        | "aws_iam_role_policy_attachment"
        | "aws_iam_policy_attachment" => res_iam::attachment(cx, e, inst),
        "aws_iam_user_group_membership" | "aws_iam_group_membership" => {
            res_iam::membership(cx, e, inst)
        }
        "aws_iam_user_login_profile" => res_iam::login_profile(cx, e, inst),
        "aws_iam_access_key" => res_iam::access_key(cx, e, inst),
        "aws_security_group_rule" => res_ec2::legacy_rule(cx, e, inst),
        "aws_vpc_security_group_ingress_rule" | "aws_vpc_security_group_egress_rule" => {
            res_ec2::vpc_rule(cx, e, inst)
        }
        "aws_network_acl_rule" => res_nacl::rule(cx, e, inst),
        "aws_network_acl_association" => res_nacl::association(cx, e, inst),
        "aws_ec2_managed_prefix_list_entry" => res_nacl::prefix_list_entry(cx, e, inst),
        "aws_wafv2_web_acl_association" => res_waf::association(cx, e, inst),
        "aws_wafv2_web_acl_logging_configuration" => res_waf::logging(cx, e, inst),
        "aws_backup_vault_lock_configuration" => res_backup::lock(cx, e, inst),
        "aws_backup_vault_policy" => res_backup::vault_policy(cx, e, inst),
        "aws_backup_selection" => res_backup::selection(cx, e, inst),
        "aws_config_configuration_recorder_status" => res_config::status(cx, e, inst),
        // Read for nothing the model holds: counted, never dropped silently.
        other => e.uncovered(other),
    }
}

/// The default AWS provider's region: its `region` constant, or the root
/// variable it references (`variables.<name>.value`).
fn provider_region(doc: &Node) -> Option<String> {
    let providers = doc.get("configuration")?.get("provider_config")?;
    let aws = providers.get("aws").or_else(|| {
        providers.entries().iter().map(|(_, p)| p).find(|p| {
            p.get("name").and_then(Node::as_str) == Some("aws") && p.get("alias").is_none()
        })
    })?;
    let region = aws.get("expressions")?.get("region")?;
    if let Some(c) = region.get("constant_value").and_then(Node::as_str) {
        return Some(c.to_owned());
    }
    let refs = region.get("references")?.items();
    let var = refs.first()?.as_str()?.strip_prefix("var.")?;
    doc.get("variables")?
        .get(var)?
        .get("value")?
        .as_str()
        .map(str::to_owned)
}
