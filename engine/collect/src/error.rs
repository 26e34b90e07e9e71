//! Errors of a collection run, and how an SDK failure is described in a
//! coverage record (`Code: message`).

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Why a collection could not run at all. Failures of individual API calls
/// are not errors: they become coverage gaps in the snapshot.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The options are inconsistent (e.g. `--accounts` without `--role-arn`).
    #[error("{0}")]
    Usage(String),
    /// No usable credentials, or the caller's identity could not be read.
    #[error("cannot read the caller identity (credentials?): {0}")]
    Credentials(String),
    /// The async runtime could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// The longest error text kept in a coverage record.
const MAX_ERROR_LEN: usize = 600;

/// `Code: message` for a service error; otherwise the error chain, with the
/// HTTP status when there was a response (moto answers an unimplemented API
/// with an HTML 500 or 404).
pub fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let mut text = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_owned(),
        _ => match err {
            SdkError::ServiceError(_) | SdkError::ResponseError(_)
                if status.is_some_and(|s| (200..300).contains(&s)) =>
            {
                format!(
                    "HTTP {}: the answer's body could not be read (truncated or malformed)",
                    status.unwrap_or_default()
                )
            }
            SdkError::ResponseError(_) if status.is_none() => {
                "the answer could not be read (truncated or malformed)".to_owned()
            }
            SdkError::ServiceError(_) | SdkError::ResponseError(_) => format!(
                "HTTP {}: the response is not an AWS error document (API not implemented by this endpoint?)",
                status.unwrap_or_default()
            ),
            SdkError::TimeoutError(_) => "timed out".to_owned(),
            other => chain(other),
        },
    };
    if text.len() > MAX_ERROR_LEN {
        let mut cut = MAX_ERROR_LEN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text.replace(['\n', '\r'], " ")
}

/// The error code of a service error, if any.
pub fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(e) => e.err().code(),
        _ => None,
    }
}

/// An error and its sources, joined with `: ` (no Debug dumps).
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let t = e.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        cur = e.source();
    }
    parts.join(": ")
}
