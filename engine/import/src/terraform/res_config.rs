//! AWS Config of a plan: configuration recorders (role, recording group),
//! whether they are started (`aws_config_configuration_recorder_status`)
//! and delivery channels. A recorder without a status resource is created
//! stopped, as AWS does.

use palisade_model::config::{ConfigRecorder, DeliveryChannel};

use super::plan::Instance;
use super::refs::{Ctx, Val};
use crate::emit::Emit;
use crate::value::{Node, Value};

/// Maps `aws_config_configuration_recorder`.
pub fn recorder(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let id = cx.id(inst);
    let role_arn = match inst
        .get("role_arn")
        .map(|n| cx.text(inst, n, &[("role_arn", None)]))
    {
        Some(Val::Known(r)) => Some(cx.alias(r)),
        Some(Val::Unknown(r)) => {
            e.unknown(&id, "role_arn", &r);
            None
        }
        None => None,
    };
    // Without a recording group AWS records every supported type, not the
    // global ones.
    let group = inst.get("recording_group").and_then(|g| g.items().first());
    for k in [
        "all_supported",
        "include_global_resource_types",
        "resource_types",
    ] {
        if let Some(r) = group.and_then(|g| g.get(k)).and_then(Node::unknown_reason) {
            e.unknown(&id, &format!("recording_group[0].{k}"), r);
        }
    }
    if let Some(Value::Unknown(r)) = inst.get("recording_group").map(|g| &g.value) {
        e.unknown(&id, "recording_group", r);
    }
    let flag = |k: &str, default: bool| {
        group
            .and_then(|g| g.get(k))
            .and_then(Node::as_bool)
            .unwrap_or(default)
    };
    let resource_types = group
        .and_then(|g| g.get("resource_types"))
        .map(|n| {
            n.items()
                .iter()
                .filter_map(Node::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    e.regional().config.recorders.push(ConfigRecorder {
        arn: id,
        name: cx.name_of(inst),
        role_arn,
        all_supported: flag("all_supported", true),
        include_global_resource_types: flag("include_global_resource_types", false),
        resource_types,
        recording: false,
        last_status: None,
    });
}

/// Maps `aws_config_configuration_recorder_status` (`is_enabled`).
pub fn status(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let name = match inst
        .get("name")
        .map(|n| cx.text(inst, n, &[("name", None)]))
    {
        Some(Val::Known(n)) => n,
        Some(Val::Unknown(r)) => {
            // Any recorder of the plan may be the one it starts.
            let recorders = e
                .regional()
                .config
                .recorders
                .iter()
                .map(|c| c.arn.clone())
                .collect();
            let property = format!("{}.name", inst.address);
            return super::refs::unknown_on_all(e, recorders, &property, &r);
        }
        None => return,
    };
    let Some(i) = e
        .regional()
        .config
        .recorders
        .iter()
        .position(|r| r.name == name)
    else {
        e.uncovered(&inst.rtype); // a recorder this plan does not manage
        return;
    };
    let recorder = e.regional().config.recorders[i].arn.clone();
    let enabled = match inst.get("is_enabled") {
        Some(n) if n.unknown_reason().is_some() => {
            e.unknown(
                &recorder,
                "is_enabled",
                n.unknown_reason().unwrap_or_default(),
            );
            false
        }
        Some(n) => n.as_bool().unwrap_or(false),
        None => false,
    };
    e.regional().config.recorders[i].recording = enabled;
}

/// Maps `aws_config_delivery_channel`.
pub fn channel(cx: &Ctx<'_>, e: &mut Emit, inst: &Instance) {
    let bucket = inst
        .get("s3_bucket_name")
        .map(|n| cx.text(inst, n, &[("s3_bucket_name", None)]))
        .and_then(Val::known);
    e.regional().config.delivery_channels.push(DeliveryChannel {
        name: cx.name_of(inst),
        s3_bucket_name: bucket,
    });
}
