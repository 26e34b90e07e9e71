//! The fault-injecting HTTP/1.1 proxy: one request per connection, passed
//! to the upstream (moto) or answered with a fault. Faults: throttling and
//! 5xx answers, dropped connections, denied services and requests, slow
//! answers, truncated and malformed bodies, one unreachable region, and
//! assumed-role credentials that expire (the proxy then refuses requests
//! signed with them, as AWS does).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::ACCOUNT;

/// What the proxy does to requests.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Share of requests answered with a fault (503, 500 or a dropped connection).
    pub rate: f64,
    /// RNG seed.
    pub seed: u64,
    /// Requests signed for this service get 403 AccessDeniedException.
    pub deny_service: Option<String>,
    /// Requests whose body contains this text get a 403 `AccessDenied` in
    /// the query protocol's XML (e.g. one member's `AssumeRole`:
    /// `RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3A`).
    pub deny_body: Option<String>,
    /// `(from, to)` text replacements in upstream response bodies (the
    /// `Content-Length` is fixed to match): where moto's answer differs
    /// from AWS's wire format, the test sees AWS's (e.g. moto names the
    /// root of a `CompleteMultipartUpload` answer
    /// `CompleteMultipartUploadResponse`, AWS `CompleteMultipartUploadResult`).
    pub rewrite: Vec<(String, String)>,
    /// The slow, truncated and malformed faults hit only requests whose
    /// `Authorization` header contains this text (its credential scope
    /// names region and service: `/eu-west-1/`, `/backup/aws4_request`);
    /// `None`: every request.
    pub scope: Option<String>,
    /// Requests whose `Authorization` header contains this text are spared
    /// the slow, truncated and malformed faults (`/sts/aws4_request`: the
    /// caller's identity, without which nothing is collected).
    pub spare: Option<String>,
    /// Share of requests (in `scope`) whose answer is held back for
    /// `delay` before the upstream is asked.
    pub slow_rate: f64,
    /// How long a slow answer is held back.
    pub delay: Duration,
    /// Share of answers (in `scope`) cut short: the headers promise the
    /// whole body, half of it is sent, then the connection is closed.
    pub truncate_rate: f64,
    /// Share of answers (in `scope`) replaced by a `200 OK` whose body is
    /// malformed: the first half of the real body (half an XML or JSON
    /// document) or bytes that are no document at all.
    pub malformed_rate: f64,
    /// Requests signed for this region (credential scope `/REGION/`) are
    /// answered by closing the connection, every time.
    pub unreachable_region: Option<String>,
    /// STS `AssumeRole` answers get an `Expiration` this long after now;
    /// a request signed with those credentials after that gets
    /// 403 `ExpiredToken`.
    pub assumed_lifetime: Option<Duration>,
}

/// What the proxy did.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Requests received (every call and every retry).
    pub requests: usize,
    /// Requests passed to the upstream.
    pub forwarded: usize,
    /// Requests answered with a fault (`rate`).
    pub faults: usize,
    /// Requests denied (`deny_service`, `deny_body`).
    pub denied: usize,
    /// Answers held back (`slow_rate`).
    pub slowed: usize,
    /// Answers cut short (`truncate_rate`).
    pub truncated: usize,
    /// Answers replaced by a malformed body (`malformed_rate`).
    pub malformed: usize,
    /// Requests for the unreachable region.
    pub unreachable: usize,
    /// STS `AssumeRole` answers passed on.
    pub assume_role: usize,
    /// Requests refused because their credentials had expired.
    pub expired: usize,
}

/// A fault-injecting HTTP/1.1 proxy in front of `upstream` (host:port).
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Counts of what it did.
    pub stats: Arc<Mutex<Stats>>,
}

/// What every connection's thread shares.
struct Shared {
    upstream: String,
    faults: Faults,
    rng: Mutex<u64>,
    stats: Arc<Mutex<Stats>>,
    /// Access key ids of assumed-role credentials and when they expire.
    issued: Mutex<HashMap<String, Instant>>,
}

impl Proxy {
    /// Starts the proxy on a free loopback port.
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
        let stats = Arc::new(Mutex::new(Stats::default()));
        let shared = Arc::new(Shared {
            upstream: upstream.trim_start_matches("http://").to_owned(),
            rng: Mutex::new(faults.seed | 1),
            faults,
            stats: Arc::clone(&stats),
            issued: Mutex::new(HashMap::new()),
        });
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = serve(conn, &shared);
                });
            }
        });
        Proxy { url, stats }
    }

    /// A copy of the counts so far.
    pub fn counts(&self) -> Stats {
        self.stats.lock().unwrap().clone()
    }
}

fn next_random(rng: &Mutex<u64>) -> f64 {
    let mut x = rng.lock().unwrap();
    // xorshift64*
    *x ^= *x >> 12;
    *x ^= *x << 25;
    *x ^= *x >> 27;
    let v = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
    (v >> 11) as f64 / (1u64 << 53) as f64
}

/// A complete response with `status`, extra header lines and `body`.
fn answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Handles one client connection: one request, then close.
fn serve(mut conn: TcpStream, sh: &Shared) -> std::io::Result<()> {
    let faults = &sh.faults;
    let stats = &sh.stats;
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut head = Vec::new();
    let mut content_length = 0usize;
    let mut auth = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("authorization:") {
            auth = line.clone();
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        if !lower.starts_with("connection:") {
            head.extend_from_slice(line.as_bytes());
        }
    }
    let mut body = vec![0u8; content_length];
    reader.read_exact(&mut body)?;
    stats.lock().unwrap().requests += 1;

    if faults.assumed_lifetime.is_some() {
        let expired = access_key(&auth)
            .and_then(|k| sh.issued.lock().unwrap().get(k).copied())
            .is_some_and(|until| Instant::now() >= until);
        if expired {
            stats.lock().unwrap().expired += 1;
            let msg = "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>";
            let resp = answer(
                "403 Forbidden",
                "Content-Type: text/xml\r\nx-amzn-ErrorType: ExpiredTokenException\r\n",
                msg,
            );
            return conn.write_all(resp.as_bytes());
        }
    }
    if let Some(region) = &faults.unreachable_region {
        if auth.contains(&format!("/{region}/")) {
            stats.lock().unwrap().unreachable += 1;
            return conn.shutdown(std::net::Shutdown::Both);
        }
    }
    if let Some(svc) = &faults.deny_service {
        if auth.contains(&format!("/{svc}/aws4_request")) {
            stats.lock().unwrap().denied += 1;
            let msg = format!(
                "{{\"message\":\"User: arn:aws:iam::{ACCOUNT}:user/palisade is not authorized to perform this {svc} action\"}}"
            );
            let resp = answer(
                "403 Forbidden",
                "Content-Type: application/json\r\nx-amzn-ErrorType: AccessDeniedException\r\n",
                &msg,
            );
            return conn.write_all(resp.as_bytes());
        }
    }
    if let Some(text) = &faults.deny_body {
        if String::from_utf8_lossy(&body).contains(text.as_str()) {
            stats.lock().unwrap().denied += 1;
            let msg = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>";
            let resp = answer("403 Forbidden", "Content-Type: text/xml\r\n", msg);
            return conn.write_all(resp.as_bytes());
        }
    }
    if faults.rate > 0.0 && next_random(&sh.rng) < faults.rate {
        stats.lock().unwrap().faults += 1;
        let kind = next_random(&sh.rng);
        if kind < 0.4 {
            let msg = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
            let resp = answer("503 Service Unavailable", "Content-Type: text/xml\r\n", msg);
            return conn.write_all(resp.as_bytes());
        } else if kind < 0.7 {
            return conn.write_all(answer("500 Internal Server Error", "", "").as_bytes());
        }
        // Drop the connection without answering.
        return conn.shutdown(std::net::Shutdown::Both);
    }
    let in_scope = faults.scope.as_deref().is_none_or(|s| auth.contains(s))
        && !faults.spare.as_deref().is_some_and(|s| auth.contains(s));
    let roll = |rate: f64| in_scope && rate > 0.0 && next_random(&sh.rng) < rate;
    if roll(faults.slow_rate) {
        stats.lock().unwrap().slowed += 1;
        std::thread::sleep(faults.delay);
    }
    stats.lock().unwrap().forwarded += 1;
    let mut up = TcpStream::connect(&sh.upstream)?;
    up.write_all(&head)?;
    up.write_all(&body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    if !faults.rewrite.is_empty() {
        resp = rewrite(resp, &|b| {
            let mut b = b.to_owned();
            for (from, to) in &faults.rewrite {
                b = b.replace(from.as_str(), to);
            }
            b
        });
    }
    if let Some(life) = faults.assumed_lifetime {
        let text = String::from_utf8_lossy(&body);
        if text.contains("Action=AssumeRole&") || text.ends_with("Action=AssumeRole") {
            resp = expire(resp, life, sh);
        }
    }
    let split = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4);
    if let Some(split) = split.filter(|s| *s < resp.len()) {
        if roll(faults.truncate_rate) {
            stats.lock().unwrap().truncated += 1;
            let cut = split + (resp.len() - split) / 2;
            conn.write_all(&resp[..cut])?;
            conn.flush()?;
            return conn.shutdown(std::net::Shutdown::Both);
        }
        if roll(faults.malformed_rate) {
            stats.lock().unwrap().malformed += 1;
            let real = &resp[split..];
            let garbage: &[u8] = if next_random(&sh.rng) < 0.5 {
                &real[..real.len() / 2]
            } else {
                b"\x00\xff<<not a document>> {]"
            };
            let content_type = header(&resp[..split], "content-type").unwrap_or("text/xml".into());
            let mut out = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                garbage.len()
            )
            .into_bytes();
            out.extend_from_slice(garbage);
            return conn.write_all(&out);
        }
    }
    conn.write_all(&resp)?;
    conn.flush()
}

/// The access key id in an `Authorization` header (`Credential=KEY/...`).
fn access_key(auth: &str) -> Option<&str> {
    let rest = auth.split("Credential=").nth(1)?;
    rest.split('/').next()
}

/// The value of header `name` (lowercase) in a response head.
fn header(head: &[u8], name: &str) -> Option<String> {
    String::from_utf8_lossy(head)
        .split("\r\n")
        .find_map(|line| {
            let (k, v) = line.split_once(':')?;
            (k.trim().eq_ignore_ascii_case(name)).then(|| v.trim().to_owned())
        })
}

/// An `AssumeRole` answer whose credentials expire `life` from now: the
/// `Expiration` is rewritten and the access key id remembered.
fn expire(resp: Vec<u8>, life: Duration, sh: &Shared) -> Vec<u8> {
    let until = std::time::SystemTime::now() + life;
    let stamp = chrono::DateTime::<chrono::Utc>::from(until)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let text = String::from_utf8_lossy(&resp).into_owned();
    if let Some(key) = between(&text, "<AccessKeyId>", "</AccessKeyId>") {
        sh.issued
            .lock()
            .unwrap()
            .insert(key.to_owned(), Instant::now() + life);
        sh.stats.lock().unwrap().assume_role += 1;
    }
    rewrite(
        resp,
        &|body| match between(body, "<Expiration>", "</Expiration>") {
            Some(old) => body.replace(
                &format!("<Expiration>{old}</Expiration>"),
                &format!("<Expiration>{stamp}</Expiration>"),
            ),
            None => body.to_owned(),
        },
    )
}

/// The text between the first `open` and the `close` after it.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// Applies `edit` to the body of the HTTP response `resp` and fixes its
/// `Content-Length` (a response without one, or not UTF-8, is unchanged).
fn rewrite(resp: Vec<u8>, edit: &dyn Fn(&str) -> String) -> Vec<u8> {
    let Some(split) = resp.windows(4).position(|w| w == b"\r\n\r\n") else {
        return resp;
    };
    let (Ok(head), Ok(body)) = (
        std::str::from_utf8(&resp[..split]),
        std::str::from_utf8(&resp[split + 4..]),
    ) else {
        return resp;
    };
    let body = edit(body);
    let head: Vec<String> = head
        .split("\r\n")
        .map(|line| {
            if line.to_ascii_lowercase().starts_with("content-length:") {
                format!("Content-Length: {}", body.len())
            } else {
                line.to_owned()
            }
        })
        .collect();
    format!("{}\r\n\r\n{body}", head.join("\r\n")).into_bytes()
}
