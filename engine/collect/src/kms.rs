//! AWS KMS collector: keys, rotation status and key policies.
//!
//! `ListKeys` gives every key of the region; `DescribeKey` says who manages
//! it and its state. Rotation status is read for the keys AWS can rotate
//! (customer managed, symmetric, key material from KMS) that are not pending
//! deletion or import, and the `default` key policy for customer managed
//! keys (an AWS managed key's policy is fixed by AWS). A failed per-key call
//! is a coverage gap, and its API name is listed in the key's `unread`.

use aws_sdk_kms::Client;
use futures_util::stream::{self, StreamExt as _};
use palisade_model::kms::{Kms, KmsKey};
use palisade_model::policy::PolicyDocument;

use crate::ops;
use crate::pages::drain;
use crate::scope::{ts, Scope};
use crate::session::{self, Session};

/// Collects the KMS keys of one region.
pub async fn collect(s: &Session, scope: &Scope) -> Kms {
    let client = session::kms(s, &scope.region);
    let pages = client.list_keys().into_paginator().send();
    // A listing cut short keeps the keys it read: each key is judged on its
    // own data, and the gap keeps the region's KMS rules from passing.
    let listed: Vec<(String, String)> = drain(scope, &ops::KMS_LIST_KEYS, pages)
        .await
        .flat_map(|p| {
            p.keys().iter().filter_map(|k| {
                let id = k.key_id()?.to_owned();
                let arn = k
                    .key_arn()
                    .map(str::to_owned)
                    .unwrap_or_else(|| scope.arn("kms", &format!("key/{id}")));
                Some((id, arn))
            })
        })
        .with_partial();
    let keys = stream::iter(listed)
        .map(|(id, arn)| {
            let client = &client;
            async move { key(client, scope, id, arn).await }
        })
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;
    Kms { keys }
}

/// A short summary for the progress display.
pub fn counts(v: &Kms) -> String {
    format!(
        "{} keys ({} customer managed)",
        v.keys.len(),
        v.keys.iter().filter(|k| k.is_customer_managed()).count()
    )
}

/// States in which KMS refuses `GetKeyRotationStatus`.
const NO_ROTATION_STATES: [&str; 2] = ["PendingDeletion", "PendingImport"];

/// Reads one key.
async fn key(client: &Client, scope: &Scope, key_id: String, arn: String) -> KmsKey {
    let mut k = KmsKey {
        key_id,
        arn,
        ..KmsKey::default()
    };
    let res = client.describe_key().key_id(&k.key_id).send().await;
    let Some(meta) = scope
        .check(&ops::KMS_DESCRIBE_KEY, res)
        .and_then(|o| o.key_metadata().cloned())
    else {
        // Unknown manager and state: nothing else about the key is asked.
        k.unread.push(ops::KMS_DESCRIBE_KEY.api.to_owned());
        return k;
    };
    describe(&mut k, &meta);
    let rotation = k.can_rotate() && !NO_ROTATION_STATES.contains(&k.key_state.as_str());
    let customer = k.is_customer_managed();
    let (rot, pol) = tokio::join!(
        async {
            if rotation {
                let r = client.get_key_rotation_status().key_id(&k.key_id).send();
                Some(scope.check(&ops::KMS_GET_KEY_ROTATION_STATUS, r.await))
            } else {
                None
            }
        },
        async {
            if customer {
                let r = client
                    .get_key_policy()
                    .key_id(&k.key_id)
                    .policy_name("default")
                    .send();
                Some(scope.check(&ops::KMS_GET_KEY_POLICY, r.await))
            } else {
                None
            }
        },
    );
    match rot {
        Some(Some(o)) => {
            k.rotation_enabled = Some(o.key_rotation_enabled());
            k.rotation_period_days = o.rotation_period_in_days();
        }
        Some(None) => k
            .unread
            .push(ops::KMS_GET_KEY_ROTATION_STATUS.api.to_owned()),
        None => {}
    }
    match pol {
        Some(Some(o)) => k.policy = Some(key_policy(scope, &k.key_id, o.policy())),
        Some(None) => k.unread.push(ops::KMS_GET_KEY_POLICY.api.to_owned()),
        None => {}
    }
    k
}

/// Copies `DescribeKey`'s metadata into `k`.
fn describe(k: &mut KmsKey, meta: &aws_sdk_kms::types::KeyMetadata) {
    if let Some(arn) = meta.arn() {
        k.arn = arn.to_owned();
    }
    k.key_manager = meta
        .key_manager()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    k.key_state = meta
        .key_state()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    k.deletion_date = ts(meta.deletion_date());
    k.key_spec = meta
        .key_spec()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    k.key_usage = meta
        .key_usage()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    k.origin = meta
        .origin()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    k.multi_region = meta.multi_region().unwrap_or(false);
    k.description = meta
        .description()
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    k.creation_date = ts(meta.creation_date());
}

/// A key policy as read: one missing from the answer or that does not
/// parse is kept as unreadable.
fn key_policy(scope: &Scope, key_id: &str, text: Option<&str>) -> PolicyDocument {
    let d = match text {
        Some(t) => PolicyDocument::read_text(t),
        None => PolicyDocument::unreadable(serde_json::Value::Null, "no policy in the response"),
    };
    if let Some(e) = d.unreadable_reason() {
        tracing::warn!(account = %scope.account, key = key_id, error = %e, "unreadable key policy");
    }
    d
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::replay::{config, event, scope};

    const KMS: &str = "https://kms.eu-west-1.amazonaws.com/";

    #[tokio::test]
    async fn rotation_period_deletion_date_and_a_failed_policy_read() {
        let (conf, http) = config(vec![
            event(
                "POST",
                KMS,
                200,
                r#"{"KeyMetadata":{"KeyId":"k1","Arn":"arn:aws:kms:eu-west-1:111111111111:key/k1","KeyManager":"CUSTOMER","KeyState":"Enabled","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","Origin":"AWS_KMS","MultiRegion":false,"Enabled":true}}"#,
            ),
            event(
                "POST",
                KMS,
                200,
                r#"{"KeyId":"k1","KeyRotationEnabled":true,"RotationPeriodInDays":180}"#,
            ),
            event(
                "POST",
                KMS,
                400,
                r#"{"__type":"AccessDeniedException","message":"no"}"#,
            ),
            event(
                "POST",
                KMS,
                200,
                r#"{"KeyMetadata":{"KeyId":"k2","Arn":"arn:aws:kms:eu-west-1:111111111111:key/k2","KeyManager":"CUSTOMER","KeyState":"PendingDeletion","DeletionDate":1798761600,"KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","Origin":"AWS_KMS","Enabled":false}}"#,
            ),
            event(
                "POST",
                KMS,
                200,
                r#"{"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}","PolicyName":"default"}"#,
            ),
        ]);
        let (scope, coverage) = scope();
        // One key at a time, so the recorded answers come in order.
        let client = Client::new(&conf);
        let k1 = key(&client, &scope, "k1".into(), "a1".into()).await;
        let k2 = key(&client, &scope, "k2".into(), "a2".into()).await;
        assert_eq!(http.actual_requests().count(), 5);
        assert_eq!(k1.rotation_enabled, Some(true));
        assert_eq!(k1.rotation_period_days, Some(180));
        assert_eq!(k1.unread, ["GetKeyPolicy"]);
        assert!(k1.policy.is_none());
        assert_eq!(k2.key_state, "PendingDeletion");
        assert_eq!(
            k2.deletion_date.map(|d| d.to_rfc3339()).as_deref(),
            Some("2027-01-01T00:00:00+00:00")
        );
        // Not asked for a key pending deletion.
        assert_eq!(k2.rotation_enabled, None);
        assert!(k2.unread.is_empty());
        assert_eq!(k2.policy.as_ref().map(|p| p.statements.len()), Some(1));
        assert_eq!(coverage.gap_apis(), ["GetKeyPolicy"]);
    }
}
