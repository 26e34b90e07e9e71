//! AWS Config: configuration recorders and delivery channels.
//!
//! The recorder's status is not a CloudFormation resource: CloudFormation
//! starts the recorder once a delivery channel is available, so a recorder
//! is modelled recording when the template also defines a delivery channel
//! (and not otherwise); its last status is absent. The rules about status
//! are for live data.

use palisade_model::config::{ConfigRecorder, DeliveryChannel};

use super::{boolean, list, name_of, prop, text, text_or_ref, Cx};
use crate::cfn::template::Resource;
use crate::emit::Emit;
use crate::value::Node;

const RECORDER: &str = "AWS::Config::ConfigurationRecorder";
const CHANNEL: &str = "AWS::Config::DeliveryChannel";

/// Types mapped in the first pass.
pub(super) const PRIMARY: &[&str] = &[RECORDER, CHANNEL];

/// Maps recorders and delivery channels; false for other types.
pub(super) fn primary(e: &mut Emit, cx: &Cx<'_>, r: &Resource) -> bool {
    match r.resource_type.as_str() {
        RECORDER => recorder(e, cx, r),
        CHANNEL => {
            let id = e.id(&r.logical_id);
            let s3_bucket_name =
                prop(r, "S3BucketName").and_then(|n| text_or_ref(e, &id, "S3BucketName", n));
            e.regional().config.delivery_channels.push(DeliveryChannel {
                name: name_of(r, "Name"),
                s3_bucket_name,
            });
        }
        _ => return false,
    }
    true
}

/// Nothing is mapped in the second pass.
pub(super) fn secondary(_e: &mut Emit, _cx: &Cx<'_>, _r: &Resource) -> bool {
    false
}

/// A recorder. Without a `RecordingGroup` AWS Config records every
/// supported regional type, global IAM types excluded; with one,
/// `AllSupported` (or the ALL_SUPPORTED_RESOURCE_TYPES strategy) records
/// all, an inclusion or exclusion list does not.
fn recorder(e: &mut Emit, cx: &Cx<'_>, r: &Resource) {
    let id = e.id(&r.logical_id);
    let role_arn = prop(r, "RoleARN").and_then(|n| text_or_ref(e, &id, "RoleARN", n));
    let group = prop(r, "RecordingGroup");
    let flag = |e: &mut Emit, k: &str| {
        group
            .and_then(|g| g.get(k))
            .and_then(|n| boolean(e, &id, &format!("RecordingGroup.{k}"), n))
    };
    let all_flag = flag(e, "AllSupported");
    let include_global = flag(e, "IncludeGlobalResourceTypes").unwrap_or(false);
    let strategy = group
        .and_then(|g| g.get("RecordingStrategy"))
        .and_then(|s| s.get("UseOnly"))
        .and_then(|n| text(e, &id, "RecordingGroup.RecordingStrategy.UseOnly", n));
    let all_supported = match group {
        None => true,
        Some(_) => {
            all_flag.unwrap_or(false) || strategy.as_deref() == Some("ALL_SUPPORTED_RESOURCE_TYPES")
        }
    };
    let types_node = group.and_then(|g| g.get("ResourceTypes"));
    let resource_types = list(e, &id, "RecordingGroup.ResourceTypes", types_node)
        .into_iter()
        .filter_map(|(_, n)| Node::as_str(n).map(str::to_owned))
        .collect();
    let recording = cx.of_type(CHANNEL).next().is_some();
    e.regional().config.recorders.push(ConfigRecorder {
        arn: id,
        name: name_of(r, "Name"),
        role_arn,
        all_supported,
        include_global_resource_types: all_supported && include_global,
        resource_types,
        recording,
        last_status: None,
    });
}
