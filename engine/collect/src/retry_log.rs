//! Every retry and give-up of an AWS call on the log (`-v`): an SDK
//! interceptor on every collector client logs, for each retried attempt,
//! the operation, region, attempt number and why the previous attempt
//! failed (timed out, connection error, unreadable response, HTTP status),
//! and when a call ends in an error after retries, or with an error worth
//! retrying, that it gave up. The give-up becomes a coverage gap
//! ([`crate::Coverage::failed`] logs that too).
//!
//! [`MalformedAnswer`] makes a successful status with a body that does not
//! parse (truncated on the way, or garbled) worth a retry, as a dropped
//! connection is: the SDK otherwise gives up on it at once. [`WholeXml`]
//! refuses an XML answer whose root element is not closed (the SDK's XML
//! reader accepts half a document and returns the part it read, which would
//! be a silently short listing) and a JSON answer that does not parse (a
//! bucket policy is handed over as text, half a policy included).

use aws_sdk_ec2::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_ec2::config::{ConfigBag, Intercept, Region, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::{Metadata, OrchestratorError};
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use aws_smithy_types::retry::RetryConfig;

/// The interceptor: add it to every client ([`crate::session`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryLog;

/// Why the last attempt of the current call failed.
#[derive(Debug, Clone)]
struct LastFailure(String);

impl Storable for LastFailure {
    type Storer = StoreReplace<Self>;
}

/// The longest error text in a log line.
const MAX_LEN: usize = 200;

/// `(service, operation, region, attempt, max attempts)` of the call in `cfg`.
fn call(cfg: &ConfigBag) -> (String, String, String, u32, u32) {
    let (service, op) = cfg
        .load::<Metadata>()
        .map(|m| (m.service().to_owned(), m.name().to_owned()))
        .unwrap_or_default();
    let region = cfg
        .load::<Region>()
        .map(|r| r.to_string())
        .unwrap_or_default();
    let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
    let max = cfg.load::<RetryConfig>().map_or(1, |r| r.max_attempts());
    (service, op, region, attempt, max)
}

/// The class of an attempt's error and its causes, on one line.
fn class<E: std::error::Error + 'static>(
    err: &OrchestratorError<E>,
    status: Option<u16>,
) -> (String, bool) {
    let (kind, transient) = if err.is_timeout_error() {
        ("timed out (attempt timeout)", true)
    } else if let Some(c) = err.as_connector_error() {
        if c.is_timeout() {
            ("timed out (connect or read timeout)", true)
        } else {
            ("connection error", true)
        }
    } else if err.is_response_error() {
        ("unreadable response (truncated or malformed body)", true)
    } else {
        match status {
            Some(s) if s >= 500 || s == 429 => ("service error", true),
            _ => ("service error", false),
        }
    };
    let mut text = match status {
        Some(s) if err.is_operation_error() => format!("{kind}, HTTP {s}"),
        _ => kind.to_owned(),
    };
    let mut cur = std::error::Error::source(err);
    while let Some(e) = cur {
        let t = e.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        cur = e.source();
    }
    let mut text: String = text.chars().filter(|c| !c.is_control()).collect();
    if text.len() > MAX_LEN {
        let mut cut = MAX_LEN;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    (text, transient)
}

impl Intercept for RetryLog {
    fn name(&self) -> &'static str {
        "PalisadeRetryLog"
    }

    fn read_before_attempt(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation, region, attempt, max) = call(cfg);
        if attempt > 1 {
            // An attempt cut by the attempt timeout never reaches
            // `read_after_attempt`.
            let previous = cfg
                .load::<LastFailure>()
                .map_or("timed out (attempt timeout)".to_owned(), |f| f.0.clone());
            tracing::info!(
                service,
                operation,
                region,
                attempt,
                max_attempts = max,
                error = %previous,
                "retrying"
            );
            cfg.interceptor_state().unset::<LastFailure>();
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(Err(e)) = ctx.output_or_error() {
            let status = ctx.response().map(|r| r.status().as_u16());
            let (text, _) = class(e, status);
            cfg.interceptor_state().store_put(LastFailure(text));
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Err(e)) = ctx.output_or_error() else {
            return Ok(());
        };
        let (service, operation, region, attempts, _) = call(cfg);
        let status = ctx.response().map(|r| r.status().as_u16());
        let (error, transient) = class(e, status);
        if attempts > 1 || transient {
            tracing::warn!(
                service,
                operation,
                region,
                attempts,
                %error,
                "gave up: the call failed after its last attempt (a coverage gap)"
            );
        } else {
            tracing::debug!(service, operation, region, %error, "call failed, not retried");
        }
        Ok(())
    }
}

/// A retry classifier: an answer with a 2xx status whose body could not be
/// read as the operation's output is a transient error (retried within
/// the attempt limit), not a final one.
#[derive(Debug, Clone, Copy, Default)]
pub struct MalformedAnswer;

impl ClassifyRetry for MalformedAnswer {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let ok_status = ctx.response().is_some_and(|r| r.status().is_success());
        // Whatever the SDK made of it (an operation error, an "other"
        // error from the schema-based deserialisers, [`CutXml`]): the
        // service said yes, the answer was unusable.
        match ctx.output_or_error() {
            Some(Err(_)) if ok_status => RetryAction::transient_error(),
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "PalisadeMalformedAnswer"
    }
}

/// An XML answer whose root element is not closed, or a JSON answer that
/// does not parse.
#[derive(Debug)]
pub struct CutXml {
    root: String,
}

impl std::fmt::Display for CutXml {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.root.is_empty() {
            return f.write_str("the JSON answer does not parse (truncated or malformed)");
        }
        write!(
            f,
            "the XML answer ends before its root element <{}> is closed (truncated)",
            self.root
        )
    }
}

impl std::error::Error for CutXml {}

/// The root element's name of an XML document whose root is not closed at
/// its end; `None` for a whole document or a body that is not XML.
pub fn unclosed_root(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?.trim();
    let mut rest = text;
    // The prolog, comments and processing instructions before the root.
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("<?") {
            rest = &r[r.find("?>")? + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else {
            break;
        }
    }
    let after = rest.strip_prefix('<')?;
    let name: String = after
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    if name.is_empty() {
        return None;
    }
    let open_tag_end = after.find('>')?;
    if after[..open_tag_end].ends_with('/') && after[open_tag_end + 1..].trim().is_empty() {
        return None; // `<Root/>`
    }
    let closed = text.ends_with('>')
        && text[..text.len() - 1]
            .trim_end()
            .ends_with(&format!("</{name}"));
    (!closed).then_some(name)
}

/// The interceptor that refuses an XML answer cut short ([`CutXml`]); the
/// call is then retried ([`MalformedAnswer`]) and, if every attempt is cut,
/// a gap.
#[derive(Debug, Clone, Copy, Default)]
pub struct WholeXml;

impl Intercept for WholeXml {
    fn name(&self) -> &'static str {
        "PalisadeWholeXml"
    }

    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = ctx.response();
        if !response.status().is_success() {
            return Ok(());
        }
        // Told by the first byte, not the Content-Type, which servers set
        // loosely (a bucket policy is JSON text in any wrapper).
        let Some(body) = response.body().bytes() else {
            return Ok(());
        };
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if matches!(first, Some(b'{' | b'[')) {
            return match serde_json::from_slice::<serde_json::Value>(body) {
                Ok(_) => Ok(()),
                Err(_) => Err(Box::new(CutXml {
                    root: String::new(),
                })),
            };
        }
        if first != Some(&b'<') {
            return Ok(());
        }
        match unclosed_root(body) {
            Some(root) => Err(Box::new(CutXml { root })),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unclosed_root;

    #[test]
    fn a_cut_xml_document_is_told_from_a_whole_one() {
        let whole = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeVpcsResponse xmlns=\"x\"><vpcSet><item/></vpcSet></DescribeVpcsResponse>\n",
            "<ListBucketResult><Name>b</Name></ListBucketResult>",
            "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"/>",
            "<!-- c --><a:Root xmlns:a=\"u\">x</a:Root >",
            "{\"json\": true}",
            "",
        ];
        for w in whole {
            assert_eq!(unclosed_root(w.as_bytes()), None, "{w}");
        }
        let cut = [
            (
                "<?xml version=\"1.0\"?><DescribeVpcsResponse><vpcSet><item>",
                "DescribeVpcsResponse",
            ),
            (
                "<ListBucketResult><Name>b</Name></ListBucketResult",
                "ListBucketResult",
            ),
            ("<Root><Inner></Inner>", "Root"),
            ("<Root>", "Root"),
            ("<Root/><More>", "Root"),
        ];
        for (c, root) in cut {
            assert_eq!(unclosed_root(c.as_bytes()).as_deref(), Some(root), "{c}");
        }
    }
}
