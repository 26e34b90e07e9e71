//! Recorded responses for the EFS backup policy outcomes (REST-JSON):
//! `PolicyNotFound` is the fact "no backup policy", another error a gap
//! that leaves the status unknown.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::replay::{config, event, scope};

const EFS: &str = "https://elasticfilesystem.eu-west-1.amazonaws.com/2015-02-01";

fn fs(id: &str) -> String {
    format!(
        r#"{{"OwnerId":"111111111111","CreationToken":"{id}","FileSystemId":"{id}","FileSystemArn":"arn:aws:elasticfilesystem:eu-west-1:111111111111:file-system/{id}","CreationTime":1700000000,"LifeCycleState":"available","NumberOfMountTargets":0,"SizeInBytes":{{"Value":0}},"PerformanceMode":"generalPurpose","Encrypted":{enc},"Tags":[]}}"#,
        enc = id.ends_with('1')
    )
}

#[tokio::test]
async fn backup_policy_enabled_absent_and_unreadable_are_told_apart() {
    let list = format!(
        r#"{{"FileSystems":[{},{},{}]}}"#,
        fs("fs-1"),
        fs("fs-2"),
        fs("fs-3")
    );
    let (conf, _http) = config(vec![
        event("GET", &format!("{EFS}/file-systems"), 200, &list),
        event(
            "GET",
            &format!("{EFS}/file-systems/fs-1/backup-policy"),
            200,
            r#"{"BackupPolicy":{"Status":"ENABLED"}}"#,
        ),
        event(
            "GET",
            &format!("{EFS}/file-systems/fs-2/backup-policy"),
            404,
            r#"{"__type":"PolicyNotFound","ErrorCode":"PolicyNotFound","Message":"none"}"#,
        ),
        event(
            "GET",
            &format!("{EFS}/file-systems/fs-3/backup-policy"),
            403,
            r#"{"__type":"AccessDeniedException","Message":"no"}"#,
        ),
    ]);
    let client = aws_sdk_efs::Client::new(&conf);
    let (scope, coverage) = scope();
    let efs = collect_efs(&client, &scope).await;
    let got: Vec<_> = efs
        .file_systems
        .iter()
        .map(|f| {
            (
                f.file_system_id.as_str(),
                f.encrypted,
                f.backup_status.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("fs-1", true, Some("ENABLED")),
            ("fs-2", false, Some("NONE")),
            ("fs-3", false, None),
        ]
    );
    let gaps: Vec<_> = coverage
        .records()
        .into_iter()
        .filter(|r| r.is_gap())
        .collect();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].api, "DescribeBackupPolicy");
}
