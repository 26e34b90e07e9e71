//! Amazon RDS and Amazon EFS collectors.
//!
//! RDS: DB instances, DB clusters, and manual DB snapshots with their
//! `restore` attribute (who may restore them; `all` = public). Reading the
//! attribute is one call per snapshot: at most [`SNAPSHOT_ATTRIBUTE_CAP`]
//! snapshots per region are read, the others keep an unknown sharing
//! state. EFS: file systems with their backup policy (`PolicyNotFound` is
//! the fact "no backup policy").

use std::collections::BTreeMap;

use futures_util::stream::{self, StreamExt as _};
use palisade_model::databases::{DbCluster, DbInstance, DbSnapshot, Efs, FileSystem, Rds};

use crate::ops;
use crate::pages::drain;
use crate::scope::Scope;
use crate::session::{self, Session};

/// Manual DB snapshots per region whose sharing attribute is read; beyond
/// this, sharing is unknown (the rule on them is not evaluated) so a
/// region with thousands of snapshots does not cost thousands of calls.
pub const SNAPSHOT_ATTRIBUTE_CAP: usize = 200;

/// Collects the RDS instances, clusters and manual snapshots of one region.
pub async fn rds(s: &Session, scope: &Scope) -> Rds {
    collect_rds(&session::rds(s, &scope.region), scope).await
}

async fn collect_rds(client: &aws_sdk_rds::Client, scope: &Scope) -> Rds {
    let instances = client.describe_db_instances().into_paginator().send();
    let clusters = client.describe_db_clusters().into_paginator().send();
    let snapshots = client
        .describe_db_snapshots()
        .snapshot_type("manual")
        .into_paginator()
        .send();
    let (instances, clusters, snapshots) = tokio::join!(
        drain(scope, &ops::RDS_DESCRIBE_DB_INSTANCES, instances),
        drain(scope, &ops::RDS_DESCRIBE_DB_CLUSTERS, clusters),
        drain(scope, &ops::RDS_DESCRIBE_DB_SNAPSHOTS, snapshots),
    );
    let snapshots: Vec<DbSnapshot> = snapshots
        .flat_map(|p| p.db_snapshots().iter().filter_map(snapshot))
        .with_partial();
    let snapshots = stream::iter(snapshots.into_iter().enumerate())
        .map(|(i, mut snap)| async move {
            if i < SNAPSHOT_ATTRIBUTE_CAP {
                snap.restore_accounts = restore_accounts(client, scope, &snap.identifier).await;
            }
            snap
        })
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;
    Rds {
        instances: instances
            .flat_map(|p| p.db_instances().iter().filter_map(instance))
            .with_partial(),
        clusters: clusters
            .flat_map(|p| p.db_clusters().iter().filter_map(cluster))
            .with_partial(),
        snapshots,
    }
}

fn rds_tags(tags: &[aws_sdk_rds::types::Tag]) -> BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_owned(),
                t.value().unwrap_or_default().to_owned(),
            ))
        })
        .collect()
}

fn instance(i: &aws_sdk_rds::types::DbInstance) -> Option<DbInstance> {
    Some(DbInstance {
        arn: i.db_instance_arn()?.to_owned(),
        identifier: i.db_instance_identifier()?.to_owned(),
        engine: i.engine().unwrap_or_default().to_owned(),
        instance_class: i.db_instance_class().map(str::to_owned),
        storage_encrypted: i.storage_encrypted().unwrap_or(false),
        kms_key_id: i.kms_key_id().map(str::to_owned),
        publicly_accessible: i.publicly_accessible().unwrap_or(false),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade().unwrap_or(false),
        multi_az: i.multi_az().unwrap_or(false),
        backup_retention_period: i64::from(i.backup_retention_period().unwrap_or(0)),
        deletion_protection: i.deletion_protection().unwrap_or(false),
        cluster_identifier: i.db_cluster_identifier().map(str::to_owned),
        status: i.db_instance_status().map(str::to_owned),
        tags: rds_tags(i.tag_list()),
    })
}

fn cluster(c: &aws_sdk_rds::types::DbCluster) -> Option<DbCluster> {
    Some(DbCluster {
        arn: c.db_cluster_arn()?.to_owned(),
        identifier: c.db_cluster_identifier()?.to_owned(),
        engine: c.engine().unwrap_or_default().to_owned(),
        storage_encrypted: c.storage_encrypted().unwrap_or(false),
        kms_key_id: c.kms_key_id().map(str::to_owned),
        multi_az: c.multi_az().unwrap_or(false),
        auto_minor_version_upgrade: c.auto_minor_version_upgrade(),
        backup_retention_period: i64::from(c.backup_retention_period().unwrap_or(0)),
        deletion_protection: c.deletion_protection().unwrap_or(false),
        publicly_accessible: c.publicly_accessible(),
        members: c
            .db_cluster_members()
            .iter()
            .filter_map(|m| m.db_instance_identifier().map(str::to_owned))
            .collect(),
        tags: rds_tags(c.tag_list()),
    })
}

fn snapshot(s: &aws_sdk_rds::types::DbSnapshot) -> Option<DbSnapshot> {
    Some(DbSnapshot {
        arn: s.db_snapshot_arn()?.to_owned(),
        identifier: s.db_snapshot_identifier()?.to_owned(),
        instance_identifier: s.db_instance_identifier().map(str::to_owned),
        encrypted: s.encrypted().unwrap_or(false),
        restore_accounts: None,
    })
}

/// The accounts allowed to restore a snapshot (`all` = anyone); `None`
/// when the call failed.
async fn restore_accounts(
    client: &aws_sdk_rds::Client,
    scope: &Scope,
    id: &str,
) -> Option<Vec<String>> {
    let out = client
        .describe_db_snapshot_attributes()
        .db_snapshot_identifier(id)
        .send()
        .await;
    let out = scope.check(&ops::RDS_DESCRIBE_DB_SNAPSHOT_ATTRIBUTES, out)?;
    let mut accounts: Vec<String> = out
        .db_snapshot_attributes_result()
        .map(|r| r.db_snapshot_attributes())
        .unwrap_or_default()
        .iter()
        .filter(|a| a.attribute_name() == Some("restore"))
        .flat_map(|a| a.attribute_values().iter().cloned())
        .collect();
    accounts.sort();
    accounts.dedup();
    Some(accounts)
}

/// A short summary for the progress display.
pub fn rds_counts(v: &Rds) -> String {
    format!(
        "{} DB instances, {} DB clusters, {} manual snapshots",
        v.instances.len(),
        v.clusters.len(),
        v.snapshots.len()
    )
}

/// Collects the EFS file systems of one region.
pub async fn efs(s: &Session, scope: &Scope) -> Efs {
    collect_efs(&session::efs(s, &scope.region), scope).await
}

async fn collect_efs(client: &aws_sdk_efs::Client, scope: &Scope) -> Efs {
    let pages = client.describe_file_systems().into_paginator().send();
    let listed: Vec<FileSystem> = drain(scope, &ops::EFS_DESCRIBE_FILE_SYSTEMS, pages)
        .await
        .flat_map(|p| {
            p.file_systems().iter().map(|f| FileSystem {
                arn: f.file_system_arn().map(str::to_owned).unwrap_or_else(|| {
                    scope.arn(
                        "elasticfilesystem",
                        &format!("file-system/{}", f.file_system_id()),
                    )
                }),
                file_system_id: f.file_system_id().to_owned(),
                name: f.name().map(str::to_owned),
                encrypted: f.encrypted().unwrap_or(false),
                kms_key_id: f.kms_key_id().map(str::to_owned),
                backup_status: None,
                tags: f
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_owned(), t.value().to_owned()))
                    .collect(),
            })
        })
        .with_partial();
    let file_systems = stream::iter(listed)
        .map(|mut fs| async move {
            let out = client
                .describe_backup_policy()
                .file_system_id(&fs.file_system_id)
                .send()
                .await;
            fs.backup_status = scope
                .check_optional(&ops::EFS_DESCRIBE_BACKUP_POLICY, out, "PolicyNotFound")
                .map(|p| match p.as_ref().and_then(|o| o.backup_policy()) {
                    Some(b) => b.status().as_str().to_owned(),
                    None => "NONE".to_owned(),
                });
            fs
        })
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;
    Efs { file_systems }
}

/// A short summary for the progress display.
pub fn efs_counts(v: &Efs) -> String {
    format!("{} file systems", v.file_systems.len())
}

#[cfg(test)]
#[path = "databases_tests.rs"]
mod tests;
