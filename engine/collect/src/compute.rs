//! EC2 compute of one region (issue 14), part of the EC2 collector:
//! instances (`DescribeInstances`, terminated ones left out) and launch
//! templates with their `$Default` and `$Latest` versions
//! (`DescribeLaunchTemplates`, `DescribeLaunchTemplateVersions`).
//!
//! A listing that failed or was cut short is `None` (unknown, and a gap),
//! never an empty list: a missing instance could be the exposed one. A
//! template whose versions could not be read keeps `versions: None`.
//! Versions a group names other than `$Default`/`$Latest` are not read:
//! whoever judges such a group finds its version missing, i.e. unknown.

use aws_sdk_ec2::{types, Client};
use futures_util::stream::{self, StreamExt as _};
use palisade_model::compute::{
    Instance, LaunchTemplate, LaunchTemplateInterface, LaunchTemplateVersion, MetadataOptions,
};

use super::tags;
use crate::ops;
use crate::pages::drain;
use crate::scope::{ts, Scope};

/// The tag EC2 Auto Scaling puts on the instances it launches.
const ASG_TAG: &str = "aws:autoscaling:groupName";

/// Instances and launch templates of one region (`None` = not read).
pub async fn collect(
    client: &Client,
    scope: &Scope,
) -> (Option<Vec<Instance>>, Option<Vec<LaunchTemplate>>) {
    let instances = client.describe_instances().into_paginator().send();
    let templates = client.describe_launch_templates().into_paginator().send();
    let (instances, templates) = tokio::join!(
        drain(scope, &ops::EC2_DESCRIBE_INSTANCES, instances),
        drain(scope, &ops::EC2_DESCRIBE_LAUNCH_TEMPLATES, templates),
    );
    let instances = instances
        .flat_map(|p| {
            p.reservations()
                .iter()
                .flat_map(|r| r.instances())
                .filter_map(|i| instance(scope, i))
        })
        .complete();
    let templates = templates
        .flat_map(|p| {
            p.launch_templates()
                .iter()
                .filter_map(|t| template(scope, t))
        })
        .complete();
    let templates = match templates {
        Some(list) => Some(
            stream::iter(list)
                .map(|mut t| async move {
                    t.versions = versions(client, scope, &t.launch_template_id).await;
                    t
                })
                .buffered(crate::PER_RESOURCE_CONCURRENCY)
                .collect()
                .await,
        ),
        None => None,
    };
    (instances, templates)
}

/// One instance; `None` for a terminated one (or one without an id).
fn instance(scope: &Scope, i: &types::Instance) -> Option<Instance> {
    let id = i.instance_id()?;
    let state = i.state().and_then(|s| s.name()).map(|n| n.as_str());
    if state == Some("terminated") {
        return None;
    }
    let mut nics: Vec<&types::InstanceNetworkInterface> = i.network_interfaces().iter().collect();
    nics.sort_by_key(|n| {
        n.attachment()
            .and_then(|a| a.device_index())
            .unwrap_or(i32::MAX)
    });
    let mut groups: Vec<String> = Vec::new();
    let sg_ids = nics
        .iter()
        .flat_map(|n| n.groups())
        .chain(i.security_groups())
        .filter_map(|g| g.group_id());
    for g in sg_ids {
        if !groups.iter().any(|x| x == g) {
            groups.push(g.to_owned());
        }
    }
    let tags = tags(i.tags());
    Some(Instance {
        arn: scope.arn("ec2", &format!("instance/{id}")),
        instance_id: id.to_owned(),
        state: state.map(str::to_owned),
        instance_type: i.instance_type().map(|t| t.as_str().to_owned()),
        image_id: i.image_id().map(str::to_owned),
        vpc_id: i.vpc_id().map(str::to_owned),
        subnet_id: i.subnet_id().map(str::to_owned),
        public_ip: i.public_ip_address().map(str::to_owned),
        private_ip: i.private_ip_address().map(str::to_owned),
        ipv6_addresses: nics
            .iter()
            .flat_map(|n| n.ipv6_addresses())
            .filter_map(|a| a.ipv6_address().map(str::to_owned))
            .collect(),
        network_interface_ids: nics
            .iter()
            .filter_map(|n| n.network_interface_id().map(str::to_owned))
            .collect(),
        security_group_ids: groups,
        iam_instance_profile_arn: i
            .iam_instance_profile()
            .and_then(|p| p.arn())
            .map(str::to_owned),
        metadata_options: i.metadata_options().map(|m| MetadataOptions {
            http_tokens: m.http_tokens().map(|t| t.as_str().to_owned()),
            http_endpoint: m.http_endpoint().map(|t| t.as_str().to_owned()),
            http_put_response_hop_limit: m.http_put_response_hop_limit().map(i64::from),
        }),
        launch_time: ts(i.launch_time()),
        auto_scaling_group: tags.get(ASG_TAG).cloned(),
        tags,
    })
}

fn template(scope: &Scope, t: &types::LaunchTemplate) -> Option<LaunchTemplate> {
    let id = t.launch_template_id()?;
    Some(LaunchTemplate {
        arn: scope.arn("ec2", &format!("launch-template/{id}")),
        launch_template_id: id.to_owned(),
        name: t.launch_template_name().map(str::to_owned),
        default_version: t.default_version_number(),
        latest_version: t.latest_version_number(),
        versions: None,
        tags: tags(t.tags()),
    })
}

/// The `$Default` and `$Latest` versions of one template, each once, by
/// number; `None` (and a gap) when they could not all be read.
async fn versions(client: &Client, scope: &Scope, id: &str) -> Option<Vec<LaunchTemplateVersion>> {
    let pages = client
        .describe_launch_template_versions()
        .launch_template_id(id)
        .versions("$Default")
        .versions("$Latest")
        .into_paginator()
        .send();
    let mut out: Vec<LaunchTemplateVersion> =
        drain(scope, &ops::EC2_DESCRIBE_LAUNCH_TEMPLATE_VERSIONS, pages)
            .await
            .flat_map(|p| p.launch_template_versions().iter().filter_map(version))
            .complete()?;
    out.sort_by_key(|v| v.version_number);
    out.dedup_by_key(|v| v.version_number);
    Some(out)
}

fn version(v: &types::LaunchTemplateVersion) -> Option<LaunchTemplateVersion> {
    let data = v.launch_template_data();
    Some(LaunchTemplateVersion {
        version_number: v.version_number()?,
        default_version: v.default_version().unwrap_or(false),
        instance_type: data
            .and_then(|d| d.instance_type())
            .map(|t| t.as_str().to_owned()),
        iam_instance_profile: data
            .and_then(|d| d.iam_instance_profile())
            .and_then(|p| p.arn().or(p.name()))
            .map(str::to_owned),
        metadata_options: data
            .and_then(|d| d.metadata_options())
            .map(|m| MetadataOptions {
                http_tokens: m.http_tokens().map(|t| t.as_str().to_owned()),
                http_endpoint: m.http_endpoint().map(|t| t.as_str().to_owned()),
                http_put_response_hop_limit: m.http_put_response_hop_limit().map(i64::from),
            }),
        network_interfaces: data
            .map(|d| d.network_interfaces())
            .unwrap_or_default()
            .iter()
            .map(|n| LaunchTemplateInterface {
                device_index: n.device_index().map(i64::from),
                associate_public_ip_address: n.associate_public_ip_address(),
                subnet_id: n.subnet_id().map(str::to_owned),
                groups: n.groups().to_vec(),
            })
            .collect(),
        security_group_ids: data
            .map(|d| d.security_group_ids())
            .unwrap_or_default()
            .to_vec(),
    })
}

/// A short summary for the progress display.
pub fn counts(instances: Option<&[Instance]>, templates: Option<&[LaunchTemplate]>) -> String {
    let n = |v: Option<usize>| v.map_or_else(|| "?".to_owned(), |n| n.to_string());
    format!(
        "{} instances, {} launch templates",
        n(instances.map(<[_]>::len)),
        n(templates.map(<[_]>::len))
    )
}

#[cfg(test)]
#[path = "compute_tests.rs"]
mod tests;
