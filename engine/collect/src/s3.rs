//! Amazon S3 collector: account Block Public Access and every bucket.
//!
//! The bucket listing is global (`ListBuckets` from the home region); each
//! bucket's settings are then read in the bucket's own region, whether or
//! not that region is among the regions being collected: a bucket is an
//! account resource, and leaving one out because of where it lives would
//! hide it. A per-bucket call that fails is a coverage gap recorded in the
//! bucket's region, and its API name is listed in the bucket's `unread`.

use aws_sdk_s3::Client;
use futures_util::stream::{self, StreamExt as _};
use palisade_model::policy::PolicyDocument;
use palisade_model::s3::{
    AclGrant, Bucket, BucketEncryption, BucketLogging, ObjectLock, PublicAccessBlock,
    ReplicationRule, S3,
};

use crate::ops::{self, Operation};
use crate::pages::drain;
use crate::scope::{ts, Scope};
use crate::session::{self, Session};

/// Collects the buckets of one account.
pub async fn collect(s: &Session, scope: &Scope) -> S3 {
    let home = session::s3(s, session::HOME_REGION);
    let (account_public_access_block, listed) =
        tokio::join!(account_public_access_block(s, scope), list(&home, scope));
    let buckets = stream::iter(listed)
        .map(|b| {
            let home = &home;
            async move { bucket(s, home, scope, b).await }
        })
        .buffered(crate::PER_RESOURCE_CONCURRENCY)
        .collect()
        .await;
    S3 {
        account_public_access_block: account_public_access_block.flatten(),
        buckets,
    }
}

/// A short summary for the progress display.
pub fn counts(v: &S3) -> String {
    format!(
        "{} buckets ({} with unread settings)",
        v.buckets.len(),
        v.buckets.iter().filter(|b| !b.unread.is_empty()).count()
    )
}

/// The account-level Block Public Access (S3 Control); `Some(None)` when
/// none is configured, `None` when it could not be read.
async fn account_public_access_block(
    s: &Session,
    scope: &Scope,
) -> Option<Option<PublicAccessBlock>> {
    let client = s3control(s);
    let res = client
        .get_public_access_block()
        .account_id(&scope.account)
        .send()
        .await;
    scope
        .check_optional(
            &ops::S3_GET_ACCOUNT_PUBLIC_ACCESS_BLOCK,
            res,
            "NoSuchPublicAccessBlockConfiguration",
        )
        .map(|o| {
            o.and_then(|o| {
                o.public_access_block_configuration()
                    .map(|c| PublicAccessBlock {
                        block_public_acls: c.block_public_acls().unwrap_or(false),
                        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                        block_public_policy: c.block_public_policy().unwrap_or(false),
                        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
                    })
            })
        })
}

/// An S3 Control client. S3 Control puts the account id in the host name
/// (`ACCOUNT.s3-control...`); a custom endpoint (a local test server) is
/// used as given instead.
fn s3control(s: &Session) -> aws_sdk_s3control::Client {
    let client = session::s3control(s, session::HOME_REGION);
    let Some(url) = s.config.endpoint_url() else {
        return client;
    };
    let conf = client
        .config()
        .to_builder()
        .endpoint_resolver(FixedEndpoint(url.to_owned()))
        .build();
    aws_sdk_s3control::Client::from_conf(conf)
}

/// An S3 Control endpoint resolver answering one fixed URL.
#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _params: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_sdk_s3control::config::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// A bucket as listed: name, creation time and, when the listing says,
/// its region.
#[derive(Debug)]
struct Listed {
    name: String,
    creation_date: Option<chrono::DateTime<chrono::Utc>>,
    region: Option<String>,
}

/// Every bucket `ListBuckets` returned (a listing cut short keeps what it
/// read: each bucket is judged on its own settings, and the gap keeps the
/// account's S3 rules from passing).
async fn list(client: &Client, scope: &Scope) -> Vec<Listed> {
    let pages = client.list_buckets().into_paginator().send();
    drain(scope, &ops::S3_LIST_BUCKETS, pages)
        .await
        .flat_map(|p| {
            p.buckets().iter().filter_map(|b| {
                Some(Listed {
                    name: b.name()?.to_owned(),
                    creation_date: ts(b.creation_date()),
                    region: b
                        .bucket_region()
                        .filter(|r| !r.is_empty())
                        .map(str::to_owned),
                })
            })
        })
        .with_partial()
}

/// The region of a `LocationConstraint`: none or empty is us-east-1, the
/// legacy `EU` is eu-west-1.
pub fn region_of_location(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(r) => r.to_owned(),
    }
}

/// Reads one bucket's settings in its region.
async fn bucket(s: &Session, home: &Client, scope: &Scope, b: Listed) -> Bucket {
    let mut out = Bucket {
        arn: format!("arn:{}:s3:::{}", scope.partition, b.name),
        name: b.name,
        creation_date: b.creation_date,
        ..Bucket::default()
    };
    let region = match b.region {
        Some(r) => r,
        None => {
            let res = home.get_bucket_location().bucket(&out.name).send().await;
            match scope.check(&ops::S3_GET_BUCKET_LOCATION, res) {
                Some(o) => region_of_location(o.location_constraint().map(|c| c.as_str())),
                None => {
                    // Without its region the bucket's settings cannot be
                    // read: every one of them is unknown.
                    out.unread.push(ops::S3_GET_BUCKET_LOCATION.api.to_owned());
                    return out;
                }
            }
        }
    };
    let client = session::s3(s, &region);
    let scope = scope.in_region(&region);
    out.region = region;
    read_settings(&client, &scope, &mut out).await;
    out
}

/// The outcome of one per-bucket call: the value, or the API name unread.
type Read<T> = Result<T, &'static str>;

/// Records `res` for `op` (an error with code `absent` means "none": a
/// fact); `Err(api)` on any other failure.
fn read<T, E>(
    scope: &Scope,
    op: &Operation,
    res: Result<T, aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>>,
    absent: Option<&str>,
) -> Read<Option<T>>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    let got = match absent {
        Some(code) => scope.check_optional(op, res, code),
        None => scope.check(op, res).map(Some),
    };
    got.ok_or(op.api)
}

/// Reads every setting of one bucket (several calls at once).
async fn read_settings(client: &Client, scope: &Scope, out: &mut Bucket) {
    let name_owned = out.name.clone();
    let name = name_owned.as_str();
    let (pab, policy, versioning, lock, encryption, logging, replication, acl) = tokio::join!(
        client.get_public_access_block().bucket(name).send(),
        client.get_bucket_policy().bucket(name).send(),
        client.get_bucket_versioning().bucket(name).send(),
        client.get_object_lock_configuration().bucket(name).send(),
        client.get_bucket_encryption().bucket(name).send(),
        client.get_bucket_logging().bucket(name).send(),
        client.get_bucket_replication().bucket(name).send(),
        client.get_bucket_acl().bucket(name).send(),
    );
    let mut unread = Vec::new();
    let mut keep = |r: Read<()>| {
        if let Err(api) = r {
            unread.push(api.to_owned());
        }
    };
    keep(
        read(
            scope,
            &ops::S3_GET_BUCKET_PUBLIC_ACCESS_BLOCK,
            pab,
            Some("NoSuchPublicAccessBlockConfiguration"),
        )
        .map(|o| {
            out.public_access_block = o.and_then(|o| {
                o.public_access_block_configuration()
                    .map(bucket_public_access_block)
            });
        }),
    );
    keep(
        read(
            scope,
            &ops::S3_GET_BUCKET_POLICY,
            policy,
            Some("NoSuchBucketPolicy"),
        )
        .map(|o| {
            out.policy = o.map(|o| bucket_policy(scope, name, o.policy()));
        }),
    );
    keep(
        read(scope, &ops::S3_GET_BUCKET_VERSIONING, versioning, None).map(|o| {
            if let Some(o) = o {
                out.versioning = o.status().map(|s| s.as_str().to_owned());
                out.mfa_delete = o.mfa_delete().is_some_and(|m| m.as_str() == "Enabled");
            }
        }),
    );
    keep(
        read(
            scope,
            &ops::S3_GET_OBJECT_LOCK_CONFIGURATION,
            lock,
            Some("ObjectLockConfigurationNotFoundError"),
        )
        .map(|o| {
            out.object_lock = o.and_then(|o| o.object_lock_configuration().map(object_lock));
        }),
    );
    keep(
        read(
            scope,
            &ops::S3_GET_BUCKET_ENCRYPTION,
            encryption,
            Some("ServerSideEncryptionConfigurationNotFoundError"),
        )
        .map(|o| {
            out.encryption = o.and_then(|o| {
                o.server_side_encryption_configuration()
                    .and_then(encryption_of)
            });
        }),
    );
    keep(
        read(scope, &ops::S3_GET_BUCKET_LOGGING, logging, None).map(|o| {
            out.logging = o.and_then(|o| o.logging_enabled().map(logging_of));
        }),
    );
    keep(
        read(
            scope,
            &ops::S3_GET_BUCKET_REPLICATION,
            replication,
            Some("ReplicationConfigurationNotFoundError"),
        )
        .map(|o| {
            out.replication = o
                .and_then(|o| o.replication_configuration().map(replication_rules))
                .unwrap_or_default();
        }),
    );
    keep(read(scope, &ops::S3_GET_BUCKET_ACL, acl, None).map(|o| {
        out.public_acl_grants = o.map(|o| public_grants(o.grants())).unwrap_or_default();
    }));
    out.unread = unread;
}

/// A bucket policy as read: a policy that is missing from the answer or
/// does not parse is kept as unreadable, never as "no policy".
fn bucket_policy(scope: &Scope, bucket: &str, text: Option<&str>) -> PolicyDocument {
    let d = match text {
        Some(t) => PolicyDocument::read_text(t),
        None => PolicyDocument::unreadable(serde_json::Value::Null, "no policy in the response"),
    };
    if let Some(e) = d.unreadable_reason() {
        tracing::warn!(account = %scope.account, bucket, error = %e, "unreadable bucket policy");
    }
    d
}

fn bucket_public_access_block(
    c: &aws_sdk_s3::types::PublicAccessBlockConfiguration,
) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: c.block_public_acls().unwrap_or(false),
        ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
        block_public_policy: c.block_public_policy().unwrap_or(false),
        restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
    }
}

fn logging_of(l: &aws_sdk_s3::types::LoggingEnabled) -> BucketLogging {
    BucketLogging {
        target_bucket: l.target_bucket().to_owned(),
        target_prefix: Some(l.target_prefix().to_owned()).filter(|p| !p.is_empty()),
    }
}

fn object_lock(c: &aws_sdk_s3::types::ObjectLockConfiguration) -> ObjectLock {
    let retention = c.rule().and_then(|r| r.default_retention());
    ObjectLock {
        enabled: c
            .object_lock_enabled()
            .is_some_and(|e| e.as_str() == "Enabled"),
        mode: retention
            .and_then(|r| r.mode())
            .map(|m| m.as_str().to_owned()),
        days: retention.and_then(|r| r.days()).map(i64::from),
        years: retention.and_then(|r| r.years()).map(i64::from),
    }
}

fn encryption_of(
    c: &aws_sdk_s3::types::ServerSideEncryptionConfiguration,
) -> Option<BucketEncryption> {
    let rule = c.rules().first()?;
    let by_default = rule.apply_server_side_encryption_by_default()?;
    Some(BucketEncryption {
        algorithm: by_default.sse_algorithm().as_str().to_owned(),
        kms_key_id: by_default.kms_master_key_id().map(str::to_owned),
        bucket_key_enabled: rule.bucket_key_enabled().unwrap_or(false),
    })
}

fn replication_rules(c: &aws_sdk_s3::types::ReplicationConfiguration) -> Vec<ReplicationRule> {
    c.rules()
        .iter()
        .map(|r| ReplicationRule {
            id: r.id().map(str::to_owned),
            status: r.status().as_str().to_owned(),
            destination_bucket: r
                .destination()
                .map(|d| d.bucket().to_owned())
                .unwrap_or_default(),
            destination_account: r.destination().and_then(|d| d.account()).map(str::to_owned),
        })
        .collect()
}

/// ACL grants to the `AllUsers` and `AuthenticatedUsers` groups, sorted.
fn public_grants(grants: &[aws_sdk_s3::types::Grant]) -> Vec<AclGrant> {
    let mut out: Vec<AclGrant> = grants
        .iter()
        .filter_map(|g| {
            let uri = g.grantee()?.uri()?;
            let grantee = match uri.rsplit('/').next()? {
                "AllUsers" => "AllUsers",
                "AuthenticatedUsers" => "AuthenticatedUsers",
                _ => return None,
            };
            Some(AclGrant {
                grantee: grantee.to_owned(),
                permission: g.permission()?.as_str().to_owned(),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.grantee, &a.permission).cmp(&(&b.grantee, &b.permission)));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use aws_smithy_http_client::test_util::infallible_client_fn;
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::coverage::Coverage;

    const NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

    fn error(status: u16, code: &str) -> (u16, String) {
        (
            status,
            format!("<Error><Code>{code}</Code><Message>m</Message></Error>"),
        )
    }

    /// AWS's answer to one request, by bucket (the host's first label) and
    /// sub-resource (the query).
    fn answer(host: &str, query: &str) -> (u16, String) {
        let bucket = host.split('.').next().unwrap_or_default();
        let has = |k: &str| {
            query
                .split('&')
                .any(|p| p == k || p.starts_with(&format!("{k}=")))
        };
        if host.contains("s3-control") {
            // S3 Control wraps its errors.
            return (
                404,
                "<ErrorResponse><Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>m</Message></Error></ErrorResponse>".to_owned(),
            );
        }
        if has("x-id") && query.contains("ListBuckets") {
            return (
                200,
                format!(
                    r#"<ListAllMyBucketsResult xmlns="{NS}"><Buckets><Bucket><Name>alpha</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate><BucketRegion>eu-west-1</BucketRegion></Bucket><Bucket><Name>beta</Name><CreationDate>2025-01-02T00:00:00.000Z</CreationDate></Bucket></Buckets><Owner><ID>o</ID></Owner></ListAllMyBucketsResult>"#
                ),
            );
        }
        match (bucket, query) {
            ("beta", q) if has("location") && q.contains("location") => (
                200,
                format!(r#"<LocationConstraint xmlns="{NS}">EU</LocationConstraint>"#),
            ),
            ("alpha", _) if has("versioning") => (
                200,
                format!(
                    r#"<VersioningConfiguration xmlns="{NS}"><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>"#
                ),
            ),
            // A bucket never versioned.
            (_, _) if has("versioning") => {
                (200, format!(r#"<VersioningConfiguration xmlns="{NS}"/>"#))
            }
            ("alpha", _) if has("policy") => error(403, "AccessDenied"),
            (_, _) if has("policy") => (200, "{not json".to_owned()),
            (_, _) if has("publicAccessBlock") => {
                error(404, "NoSuchPublicAccessBlockConfiguration")
            }
            (_, _) if has("object-lock") => error(404, "ObjectLockConfigurationNotFoundError"),
            (_, _) if has("encryption") => (
                200,
                format!(
                    r#"<ServerSideEncryptionConfiguration xmlns="{NS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>"#
                ),
            ),
            (_, _) if has("logging") => (200, format!(r#"<BucketLoggingStatus xmlns="{NS}"/>"#)),
            ("alpha", _) if has("replication") => (
                200,
                format!(
                    r#"<ReplicationConfiguration xmlns="{NS}"><Role>arn:aws:iam::111111111111:role/r</Role><Rule><ID>dr</ID><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::dr-copy</Bucket><Account>222222222222</Account></Destination></Rule></ReplicationConfiguration>"#
                ),
            ),
            (_, _) if has("replication") => error(404, "ReplicationConfigurationNotFoundError"),
            ("beta", _) if has("acl") => (
                200,
                format!(
                    r#"<AccessControlPolicy xmlns="{NS}"><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>o</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"#
                ),
            ),
            (_, _) if has("acl") => (
                200,
                format!(
                    r#"<AccessControlPolicy xmlns="{NS}"><Owner><ID>o</ID></Owner><AccessControlList/></AccessControlPolicy>"#
                ),
            ),
            _ => error(400, "Unexpected"),
        }
    }

    fn session() -> Session {
        let http = infallible_client_fn(|req: http::Request<SdkBody>| {
            let uri: http::Uri = req.uri().to_string().parse().unwrap();
            let (status, body) = answer(
                uri.host().unwrap_or_default(),
                uri.query().unwrap_or_default(),
            );
            http::Response::builder()
                .status(status)
                .header("content-type", "application/xml")
                .body(SdkBody::from(body))
                .unwrap()
        });
        Session::new(crate::replay::sdk_config("us-east-1", http))
    }

    #[tokio::test]
    async fn aws_answers_moto_does_not_give() {
        let coverage = Coverage::default();
        let scope = Scope::new("111111111111", "aws", "global", coverage.clone());
        let s3 = collect(&session(), &scope).await;
        assert_eq!(s3.account_public_access_block, None);
        let [alpha, beta] = &s3.buckets[..] else {
            panic!("{:#?}", s3.buckets)
        };
        // The listing's region, else GetBucketLocation ("EU" is eu-west-1).
        assert_eq!(
            (alpha.name.as_str(), alpha.region.as_str()),
            ("alpha", "eu-west-1")
        );
        assert_eq!(
            (beta.name.as_str(), beta.region.as_str()),
            ("beta", "eu-west-1")
        );
        // MFA delete and versioning as AWS reports them.
        assert!(alpha.mfa_delete);
        assert_eq!(alpha.versioning.as_deref(), Some("Enabled"));
        assert!(!beta.mfa_delete);
        assert_eq!(beta.versioning, None);
        // A refused policy read is unread, never "no policy".
        assert_eq!(alpha.unread, ["GetBucketPolicy"]);
        assert!(alpha.policy.is_none());
        // A policy answer that does not parse is a cut or garbled answer
        // (AWS only stores policies that parse): retried, then unread.
        assert_eq!(beta.unread, ["GetBucketPolicy"]);
        assert!(beta.policy.is_none());
        assert_eq!(alpha.replication.len(), 1);
        assert_eq!(
            alpha.replication[0].destination_bucket,
            "arn:aws:s3:::dr-copy"
        );
        assert_eq!(
            alpha.replication[0].destination_account.as_deref(),
            Some("222222222222")
        );
        assert!(beta.replication.is_empty());
        assert_eq!(
            beta.public_acl_grants,
            [AclGrant {
                grantee: "AllUsers".into(),
                permission: "READ".into()
            }]
        );
        assert!(alpha.public_acl_grants.is_empty());
        assert_eq!(
            beta.encryption.as_ref().map(|e| e.algorithm.as_str()),
            Some("AES256")
        );
        assert!(beta.logging.is_none() && beta.object_lock.is_none());
        // The refused call is a gap in the bucket's region.
        let gaps: Vec<(String, String)> = coverage
            .records()
            .into_iter()
            .filter(|r| r.is_gap())
            .map(|r| (r.region, r.api))
            .collect();
        assert_eq!(
            gaps,
            [("eu-west-1".to_owned(), "GetBucketPolicy".to_owned())]
        );
    }

    #[test]
    fn location_constraints_name_regions() {
        assert_eq!(region_of_location(None), "us-east-1");
        assert_eq!(region_of_location(Some("")), "us-east-1");
        assert_eq!(region_of_location(Some("EU")), "eu-west-1");
        assert_eq!(region_of_location(Some("ap-south-1")), "ap-south-1");
    }
}
