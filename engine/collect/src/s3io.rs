//! Snapshot files in Amazon S3: writing a snapshot (or a merge) to an
//! `s3://bucket/key` URI so that a reader never sees a partial object, and
//! reading snapshot objects back (one object, or every `*.json` object
//! directly under a prefix) into a local directory.
//!
//! An upload of at most [`PART_SIZE`] bytes is one `PutObject`; a larger one
//! is a multipart upload of [`PART_SIZE`] parts (more when it would need
//! over 10,000 parts), aborted on any failure. S3 makes either visible only
//! when complete, so a failed upload leaves no object (and no earlier
//! object of the same key is touched).
//!
//! The client is built like the collectors' ([`session::base_config`]):
//! the same `--profile`, `--endpoint-url`, retries and timeouts; with an
//! endpoint URL (a local test server) requests use path-style addressing.
//! Requests go to the configured region (`AWS_REGION` or the profile's,
//! else `us-east-1`), which must be the bucket's.
//!
//! The calls block: [`S3Io`] runs its own runtime, so it must not be used
//! from inside an async runtime.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;

use crate::error::describe;
use crate::{session, CollectOptions};

/// Size of one part of a multipart upload, and the largest body sent as one
/// `PutObject`: 8 MiB.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// S3's limit on the parts of one multipart upload.
const MAX_PARTS: usize = 10_000;

/// Whether `s` is an `s3://` URI (rather than a local path).
pub fn is_s3_uri(s: &str) -> bool {
    s.starts_with("s3://")
}

/// An `s3://bucket/key` URI, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Uri {
    /// The bucket name.
    pub bucket: String,
    /// The key (or prefix); empty for the whole bucket.
    pub key: String,
}

impl S3Uri {
    /// Parses `s3://bucket/key`; the bucket must be non-empty.
    pub fn parse(uri: &str) -> Result<Self, S3IoError> {
        let rest = uri
            .strip_prefix("s3://")
            .ok_or_else(|| S3IoError::Uri(format!("{uri:?} is not an s3:// URI")))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(S3IoError::Uri(format!("{uri:?} has no bucket name")));
        }
        Ok(Self {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
        })
    }

    /// Whether the URI names a prefix (empty key, or a key ending in `/`).
    pub fn is_prefix(&self) -> bool {
        self.key.is_empty() || self.key.ends_with('/')
    }
}

impl std::fmt::Display for S3Uri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

/// Why an S3 read or write failed.
#[derive(Debug, thiserror::Error)]
pub enum S3IoError {
    /// Not a usable `s3://` URI.
    #[error("{0}")]
    Uri(String),
    /// An S3 request failed (after the SDK's retries).
    #[error("{uri}: {operation} failed: {error}")]
    Request {
        /// The object or prefix.
        uri: String,
        /// The S3 operation.
        operation: &'static str,
        /// `Code: message`.
        error: String,
    },
    /// Nothing to read at a URI.
    #[error("{0}: no such object, and no *.json object under it as a prefix")]
    NotFound(String),
    /// A local file could not be written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The async runtime could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// A blocking S3 client for snapshot files.
pub struct S3Io {
    rt: tokio::runtime::Runtime,
    client: Client,
    part_size: usize,
}

impl S3Io {
    /// A client configured from `opts` (profile, endpoint URL, static
    /// credentials, retries, timeouts).
    pub fn new(opts: &CollectOptions) -> Result<Self, S3IoError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(S3IoError::Runtime)?;
        let config = rt.block_on(session::base_config(opts));
        let client = Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(opts.endpoint_url.is_some())
                // Checksums only where an operation requires one: parts
                // then carry none that the completion would have to repeat
                // (S3 still checks each part's Content-Length and ETag).
                .request_checksum_calculation(
                    aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
                )
                .build(),
        );
        Ok(Self {
            rt,
            client,
            part_size: PART_SIZE,
        })
    }

    /// The same client with another part size, for tests of multipart
    /// uploads. S3 refuses parts under 5 MiB (but the last) when the upload
    /// is completed, which makes an upload fail after its parts were sent.
    pub fn with_part_size(mut self, bytes: usize) -> Self {
        self.part_size = bytes.max(1);
        self
    }

    /// Writes `body` to the object `uri` so that it appears whole or not at
    /// all: one `PutObject` up to the part size, else a multipart upload
    /// that is aborted on any failure.
    pub fn upload(&self, uri: &str, body: &[u8]) -> Result<(), S3IoError> {
        let u = S3Uri::parse(uri)?;
        if u.is_prefix() {
            return Err(S3IoError::Uri(format!(
                "{uri:?} names a prefix, not an object"
            )));
        }
        self.rt.block_on(async {
            if body.len() <= self.part_size {
                self.client
                    .put_object()
                    .bucket(&u.bucket)
                    .key(&u.key)
                    .content_type("application/json")
                    .body(ByteStream::from(body.to_vec()))
                    .send()
                    .await
                    .map_err(|e| request(uri, "PutObject", &e))?;
                return Ok(());
            }
            self.multipart(&u, uri, body).await
        })
    }

    async fn multipart(&self, u: &S3Uri, uri: &str, body: &[u8]) -> Result<(), S3IoError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&u.bucket)
            .key(&u.key)
            .content_type("application/json")
            .send()
            .await
            .map_err(|e| request(uri, "CreateMultipartUpload", &e))?;
        let upload_id = created.upload_id().unwrap_or_default().to_owned();
        let result = self.parts(u, uri, &upload_id, body).await;
        if result.is_err() {
            // Best effort: S3 keeps no object either way, but the parts
            // would be stored (and billed) until aborted.
            if let Err(e) = self
                .client
                .abort_multipart_upload()
                .bucket(&u.bucket)
                .key(&u.key)
                .upload_id(&upload_id)
                .send()
                .await
            {
                tracing::warn!(%uri, error = %describe(&e), "aborting the multipart upload failed");
            }
        }
        result
    }

    async fn parts(
        &self,
        u: &S3Uri,
        uri: &str,
        upload_id: &str,
        body: &[u8],
    ) -> Result<(), S3IoError> {
        let size = self.part_size.max(body.len().div_ceil(MAX_PARTS));
        let mut done = Vec::new();
        for (i, chunk) in body.chunks(size).enumerate() {
            let number = i32::try_from(i + 1).unwrap_or(i32::MAX);
            let out = self
                .client
                .upload_part()
                .bucket(&u.bucket)
                .key(&u.key)
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| request(uri, "UploadPart", &e))?;
            done.push(
                // The SDK sends a CRC32 with each part by default; the
                // completion must repeat it.
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(out.e_tag().map(str::to_owned))
                    .set_checksum_crc32(out.checksum_crc32().map(str::to_owned))
                    .set_checksum_crc32_c(out.checksum_crc32_c().map(str::to_owned))
                    .build(),
            );
        }
        self.client
            .complete_multipart_upload()
            .bucket(&u.bucket)
            .key(&u.key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(done))
                    .build(),
            )
            .send()
            .await
            .map_err(|e| request(uri, "CompleteMultipartUpload", &e))?;
        Ok(())
    }

    /// The `*.json` objects directly under `prefix` (not in "sub-folders"),
    /// as `s3://` URIs sorted by key. `s3://bucket/run` lists the
    /// `run/` prefix.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, S3IoError> {
        let mut u = S3Uri::parse(prefix)?;
        if !u.is_prefix() {
            u.key.push('/');
        }
        self.rt.block_on(self.list_keys(&u, prefix))
    }

    async fn list_keys(&self, u: &S3Uri, shown: &str) -> Result<Vec<String>, S3IoError> {
        let mut keys = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_objects_v2()
                .bucket(&u.bucket)
                .prefix(&u.key)
                .delimiter("/")
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| request(shown, "ListObjectsV2", &e))?;
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key())
                    .filter(|k| k.ends_with(".json"))
                    .map(|k| format!("s3://{}/{k}", u.bucket)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => break,
            }
        }
        keys.sort();
        Ok(keys)
    }

    /// Downloads `uri` into `dir` and returns the local files, in key
    /// order: the object itself when it exists, else (or when `uri` ends in
    /// `/`) every `*.json` object directly under it as a prefix. Each file
    /// is named after the last segment of its key and written atomically
    /// (streamed to a temporary file in `dir`, then renamed). Nothing to
    /// read is an error ([`S3IoError::NotFound`]).
    pub fn download_to(&self, uri: &str, dir: &Path) -> Result<Vec<PathBuf>, S3IoError> {
        let u = S3Uri::parse(uri)?;
        self.rt.block_on(async {
            if !u.is_prefix() {
                match self.get(&u, uri, dir).await {
                    Ok(path) => return Ok(vec![path]),
                    Err(Missing::No) => {}
                    Err(Missing::Failed(e)) => return Err(e),
                }
            }
            let mut prefix = u.clone();
            if !prefix.is_prefix() {
                prefix.key.push('/');
            }
            let keys = self.list_keys(&prefix, uri).await?;
            if keys.is_empty() {
                return Err(S3IoError::NotFound(uri.to_owned()));
            }
            let mut files = Vec::new();
            for key in keys {
                let object = S3Uri::parse(&key)?;
                match self.get(&object, &key, dir).await {
                    Ok(path) => files.push(path),
                    // Deleted between the listing and the read.
                    Err(Missing::No) => return Err(S3IoError::NotFound(key)),
                    Err(Missing::Failed(e)) => return Err(e),
                }
            }
            Ok(files)
        })
    }

    async fn get(&self, u: &S3Uri, uri: &str, dir: &Path) -> Result<PathBuf, Missing> {
        let out = match self
            .client
            .get_object()
            .bucket(&u.bucket)
            .key(&u.key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if crate::error::code(&e) == Some("NoSuchKey") => return Err(Missing::No),
            Err(e) => return Err(Missing::Failed(request(uri, "GetObject", &e))),
        };
        let name = u.key.rsplit('/').next().unwrap_or("object.json");
        let path = dir.join(name);
        let tmp = dir.join(format!(".{name}.{}.part", std::process::id()));
        let io = |source| S3IoError::Io {
            path: path.clone(),
            source,
        };
        let result = async {
            let mut file = std::io::BufWriter::new(std::fs::File::create(&tmp).map_err(io)?);
            let mut body = out.body;
            loop {
                match body.try_next().await {
                    Ok(Some(chunk)) => file.write_all(&chunk).map_err(io)?,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(S3IoError::Request {
                            uri: uri.to_owned(),
                            operation: "GetObject",
                            error: e.to_string(),
                        })
                    }
                }
            }
            let file = file.into_inner().map_err(|e| io(e.into_error()))?;
            file.sync_all().map_err(io)?;
            std::fs::rename(&tmp, &path).map_err(io)
        }
        .await;
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(Missing::Failed(e));
        }
        Ok(path)
    }
}

/// A read that found no object, or failed.
enum Missing {
    No,
    Failed(S3IoError),
}

fn request<E>(
    uri: &str,
    operation: &'static str,
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> S3IoError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    S3IoError::Request {
        uri: uri.to_owned(),
        operation,
        error: describe(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_parse_and_name_prefixes() {
        assert!(is_s3_uri("s3://b/k.json"));
        assert!(!is_s3_uri("./s3:/b"));
        assert!(!is_s3_uri("S3.json"));
        let u = S3Uri::parse("s3://bucket/run/shard.json").unwrap();
        assert_eq!(
            (u.bucket.as_str(), u.key.as_str()),
            ("bucket", "run/shard.json")
        );
        assert!(!u.is_prefix());
        assert!(S3Uri::parse("s3://bucket/run/").unwrap().is_prefix());
        assert!(S3Uri::parse("s3://bucket").unwrap().is_prefix());
        assert!(S3Uri::parse("s3:///key").is_err());
        assert!(S3Uri::parse("/tmp/x").is_err());
        assert_eq!(u.to_string(), "s3://bucket/run/shard.json");
    }
}
