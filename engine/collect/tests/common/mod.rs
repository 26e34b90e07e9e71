//! Test harness: a seeded moto server (killed when the test process exits,
//! because it watches its stdin pipe) and a fault-injecting HTTP proxy on
//! loopback. Nothing here contacts anything but 127.0.0.1.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use palisade_collect::CollectOptions;

/// moto's default account.
pub const ACCOUNT: &str = "123456789012";
/// The seeded regions.
pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

pub struct Moto {
    pub url: String,
    _child: Mutex<Child>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto (once per test binary) and seeds it with fixtures/moto/seed.py.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let port = free_port();
        // moto exits when this process dies: a watcher thread reads stdin
        // (our pipe) and exits at EOF.
        let script = format!(
            "import os, sys, threading\n\
             threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n\
             from moto.server import main\n\
             main(['-H', '127.0.0.1', '-p', '{port}'])\n"
        );
        let child = Command::new("python3")
            .args(["-c", &script])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 with moto[server] installed (pip install 'moto[server]')");
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto did not start on {url}");
            std::thread::sleep(Duration::from_millis(200));
        }
        let seed = repo_root().join("fixtures/moto/seed.py");
        let out = Command::new("python3")
            .arg(&seed)
            .arg(&url)
            .output()
            .expect("run seed.py");
        assert!(
            out.status.success(),
            "seed.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Moto {
            url,
            _child: Mutex::new(child),
        }
    })
}

/// Options for a collection through `endpoint` (moto or the proxy).
pub fn options(endpoint: &str) -> CollectOptions {
    CollectOptions {
        regions: REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        endpoint_url: Some(endpoint.to_owned()),
        static_credentials: Some(("testing".into(), "testing".into())),
        max_attempts: 3,
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(200),
        attempt_timeout: Duration::from_secs(20),
        ..CollectOptions::default()
    }
}

/// What the proxy does to requests.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Share of requests answered with a fault (503, 500 or a dropped connection).
    pub rate: f64,
    /// RNG seed.
    pub seed: u64,
    /// Requests signed for this service get 403 AccessDeniedException.
    pub deny_service: Option<String>,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub forwarded: usize,
    pub faults: usize,
    pub denied: usize,
}

/// A fault-injecting HTTP/1.1 proxy in front of `upstream` (host:port).
pub struct Proxy {
    pub url: String,
    pub stats: Arc<Mutex<Stats>>,
}

impl Proxy {
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let stats = Arc::new(Mutex::new(Stats::default()));
        let rng = Arc::new(Mutex::new(faults.seed | 1));
        let st = Arc::clone(&stats);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (upstream, faults, rng, st) = (
                    upstream.clone(),
                    faults.clone(),
                    Arc::clone(&rng),
                    Arc::clone(&st),
                );
                std::thread::spawn(move || {
                    let _ = serve(conn, &upstream, &faults, &rng, &st);
                });
            }
        });
        Proxy { url, stats }
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

/// Handles one client connection: one request, then close.
fn serve(
    mut conn: TcpStream,
    upstream: &str,
    faults: &Faults,
    rng: &Mutex<u64>,
    stats: &Mutex<Stats>,
) -> std::io::Result<()> {
    use std::io::{Read as _, Write as _};
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

    if let Some(svc) = &faults.deny_service {
        if auth.contains(&format!("/{svc}/aws4_request")) {
            stats.lock().unwrap().denied += 1;
            let msg = format!(
                "{{\"message\":\"User: arn:aws:iam::{ACCOUNT}:user/palisade is not authorized to perform this {svc} action\"}}"
            );
            let resp = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nx-amzn-ErrorType: AccessDeniedException\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
                msg.len()
            );
            return conn.write_all(resp.as_bytes());
        }
    }
    if faults.rate > 0.0 && next_random(rng) < faults.rate {
        stats.lock().unwrap().faults += 1;
        let kind = next_random(rng);
        if kind < 0.4 {
            let msg = "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
            let resp = format!(
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
                msg.len()
            );
            return conn.write_all(resp.as_bytes());
        } else if kind < 0.7 {
            let resp = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            return conn.write_all(resp.as_bytes());
        }
        // Drop the connection without answering.
        return conn.shutdown(std::net::Shutdown::Both);
    }
    stats.lock().unwrap().forwarded += 1;
    let mut up = TcpStream::connect(upstream)?;
    up.write_all(&head)?;
    up.write_all(&body)?;
    let mut resp = Vec::new();
    up.read_to_end(&mut resp)?;
    conn.write_all(&resp)?;
    conn.flush()
}
