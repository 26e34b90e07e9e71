//! AWS Config collector: configuration recorders merged with their status,
//! and delivery channels.

use aws_sdk_config::Client;
use palisade_model::config::{ConfigRecorder, ConfigService, DeliveryChannel};

use crate::ops;
use crate::scope::Scope;

/// Collects one region.
pub async fn collect(client: &Client, scope: &Scope) -> ConfigService {
    let (recorders, status, channels) = tokio::join!(
        client.describe_configuration_recorders().send(),
        client.describe_configuration_recorder_status().send(),
        client.describe_delivery_channels().send(),
    );
    let status = scope
        .check(&ops::CONFIG_DESCRIBE_CONFIGURATION_RECORDER_STATUS, status)
        .map(|s| s.configuration_recorders_status().to_vec())
        .unwrap_or_default();
    let recorders = scope
        .check(&ops::CONFIG_DESCRIBE_CONFIGURATION_RECORDERS, recorders)
        .map(|r| r.configuration_recorders().to_vec())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| {
            let name = r.name()?;
            let st = status.iter().find(|s| s.name() == Some(name));
            let group = r.recording_group();
            Some(ConfigRecorder {
                arn: scope.arn("config", &format!("config-recorder/{name}")),
                name: name.to_owned(),
                role_arn: r.role_arn().map(str::to_owned),
                all_supported: group.is_some_and(|g| g.all_supported()),
                include_global_resource_types: group
                    .is_some_and(|g| g.include_global_resource_types()),
                resource_types: group
                    .map(|g| {
                        g.resource_types()
                            .iter()
                            .map(|t| t.as_str().to_owned())
                            .collect()
                    })
                    .unwrap_or_default(),
                recording: st.is_some_and(|s| s.recording()),
                last_status: st
                    .and_then(|s| s.last_status())
                    .map(|s| s.as_str().to_owned()),
            })
        })
        .collect();
    let delivery_channels = scope
        .check(&ops::CONFIG_DESCRIBE_DELIVERY_CHANNELS, channels)
        .map(|c| {
            c.delivery_channels()
                .iter()
                .filter_map(|d| {
                    Some(DeliveryChannel {
                        name: d.name()?.to_owned(),
                        s3_bucket_name: d.s3_bucket_name().map(str::to_owned),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    ConfigService {
        recorders,
        delivery_channels,
    }
}

/// A short summary for the progress display.
pub fn counts(c: &ConfigService) -> String {
    format!(
        "{} recorders ({} recording), {} delivery channels",
        c.recorders.len(),
        c.recorders.iter().filter(|r| r.recording).count(),
        c.delivery_channels.len()
    )
}
