//! A seeded moto server on 127.0.0.1 (one per test binary, killed when the
//! test process exits because it watches its stdin pipe), and a
//! fault-injecting HTTP/1.1 proxy. Nothing here contacts anything but
//! 127.0.0.1.
//!
//! When moto cannot run, [`moto`] fails at once with the cause: the Python
//! interpreter is missing, `moto.server` does not import (its error shown),
//! or the server exited or did not listen in time (its stderr shown).
//! `PALISADE_PYTHON` names the interpreter (default `python3`), for a
//! virtual environment.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// moto's default account.
pub const ACCOUNT: &str = "123456789012";
/// The seeded regions.
pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// How long the server may take to listen before the harness gives up.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Python modules the server and the seed script need.
pub const MODULES: [&str; 2] = ["moto.server", "boto3"];

/// A running moto server.
pub struct Moto {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    _child: Mutex<Child>,
}

/// Why moto could not be started.
#[derive(Debug)]
pub struct MotoError(pub String);

impl std::fmt::Display for MotoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MotoError {}

/// The Python interpreter to run moto with.
pub fn python() -> String {
    std::env::var("PALISADE_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Starts moto (once per test binary) and seeds it with
/// fixtures/moto/seed.py; panics with the cause if it cannot.
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let python = python();
        let moto = match start(&python) {
            Ok(m) => m,
            Err(e) => panic!("{e}"),
        };
        if let Err(e) = seed(&python, &moto.url) {
            panic!("{e}");
        }
        moto
    })
}

/// Checks that `python` runs and imports `modules`, returning its error
/// output when it does not.
pub fn check_python(python: &str, modules: &[&str]) -> Result<(), MotoError> {
    let imports = format!("import {}", modules.join(", "));
    let out = Command::new(python)
        .args(["-c", &imports])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            MotoError(format!(
                "cannot run `{python}` ({e}); install Python 3 with moto \
                 (./scripts/test creates them; or pip install -r scripts/test-requirements.txt) or set PALISADE_PYTHON"
            ))
        })?;
    if out.status.success() {
        return Ok(());
    }
    Err(MotoError(format!(
        "`{python} -c \"{imports}\"` failed ({}); install the test dependencies \
         (./scripts/test creates them; or pip install -r scripts/test-requirements.txt) or set PALISADE_PYTHON:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr).trim_end()
    )))
}

/// Starts a moto server with `python` on a free port and waits until it
/// listens.
pub fn start(python: &str) -> Result<Moto, MotoError> {
    check_python(python, &MODULES)?;
    let port = free_port()?;
    // moto exits when this process dies: a watcher thread reads stdin (our
    // pipe) and exits at EOF.
    let script = format!(
        "import os, sys, threading\n\
         threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()\n\
         from moto.server import main\n\
         main(['-H', '127.0.0.1', '-p', '{port}'])\n"
    );
    let mut cmd = Command::new(python);
    cmd.args(["-c", &script])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .env("MOTO_EC2_LOAD_DEFAULT_AMIS", "false");
    let child = spawn_listening(cmd, port, START_TIMEOUT)?;
    Ok(Moto {
        url: format!("http://127.0.0.1:{port}"),
        _child: Mutex::new(child),
    })
}

/// Spawns `cmd` and waits until something listens on `port`. If the process
/// exits first, or `timeout` passes, it is killed and the error carries the
/// tail of its stderr.
pub fn spawn_listening(mut cmd: Command, port: u16, timeout: Duration) -> Result<Child, MotoError> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| MotoError(format!("cannot start {:?}: {e}", cmd.get_program())))?;
    let stderr = Arc::new(Mutex::new(Tail::default()));
    if let Some(pipe) = child.stderr.take() {
        let tail = Arc::clone(&stderr);
        // Keeps draining after start-up so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                tail.lock().unwrap().push(line);
            }
        });
    }
    let deadline = Instant::now() + timeout;
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Let the reader thread catch the last lines.
            std::thread::sleep(Duration::from_millis(200));
            return Err(MotoError(format!(
                "moto exited ({status}) before listening on 127.0.0.1:{port}; its stderr:\n{}",
                stderr.lock().unwrap().text()
            )));
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(MotoError(format!(
                "moto did not listen on 127.0.0.1:{port} within {timeout:?}; its stderr:\n{}",
                stderr.lock().unwrap().text()
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Seeds the server at `url` with fixtures/moto/seed.py.
pub fn seed(python: &str, url: &str) -> Result<(), MotoError> {
    seed_with(python, url, "moto/seed.py").map(drop)
}

/// Runs the seed script `fixture` (a path under fixtures/) against the
/// server at `url`, returning what it printed on stdout.
pub fn seed_with(python: &str, url: &str, fixture: &str) -> Result<String, MotoError> {
    let script = crate::fixture(fixture);
    let out = Command::new(python)
        .arg(&script)
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| MotoError(format!("cannot run {}: {e}", script.display())))?;
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Err(MotoError(format!(
        "{} failed ({}):\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim_end()
    )))
}

/// The last lines a process wrote.
#[derive(Default)]
struct Tail(VecDeque<String>);

impl Tail {
    const LINES: usize = 60;

    fn push(&mut self, line: String) {
        if self.0.len() == Self::LINES {
            self.0.pop_front();
        }
        self.0.push_back(line);
    }

    fn text(&self) -> String {
        if self.0.is_empty() {
            return "(nothing)".to_owned();
        }
        self.0.iter().cloned().collect::<Vec<_>>().join("\n")
    }
}

fn free_port() -> Result<u16, MotoError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| MotoError(format!("no free port on 127.0.0.1: {e}")))
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
}

/// What the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests passed to the upstream.
    pub forwarded: usize,
    /// Requests answered with a fault.
    pub faults: usize,
    /// Requests denied (`deny_service`).
    pub denied: usize,
}

/// A fault-injecting HTTP/1.1 proxy in front of `upstream` (host:port).
pub struct Proxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Counts of what it did.
    pub stats: Arc<Mutex<Stats>>,
}

impl Proxy {
    /// Starts the proxy on a free loopback port.
    pub fn start(upstream: &str, faults: Faults) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let url = format!("http://{}", listener.local_addr().expect("local addr"));
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
    if let Some(text) = &faults.deny_body {
        if String::from_utf8_lossy(&body).contains(text.as_str()) {
            stats.lock().unwrap().denied += 1;
            let msg = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error></ErrorResponse>";
            let resp = format!(
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{msg}",
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
    if !faults.rewrite.is_empty() {
        resp = rewrite(resp, &faults.rewrite);
    }
    conn.write_all(&resp)?;
    conn.flush()
}

/// Applies `rules` to the body of the HTTP response `resp` and fixes its
/// `Content-Length` (a response without one, or not UTF-8, is unchanged).
fn rewrite(resp: Vec<u8>, rules: &[(String, String)]) -> Vec<u8> {
    let Some(split) = resp.windows(4).position(|w| w == b"\r\n\r\n") else {
        return resp;
    };
    let (Ok(head), Ok(body)) = (
        std::str::from_utf8(&resp[..split]),
        std::str::from_utf8(&resp[split + 4..]),
    ) else {
        return resp;
    };
    let mut body = body.to_owned();
    for (from, to) in rules {
        body = body.replace(from.as_str(), to);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interpreter_is_named_at_once() {
        let t = Instant::now();
        let err = check_python("/nonexistent/palisade-python", &MODULES).unwrap_err();
        assert!(err.0.contains("/nonexistent/palisade-python"), "{err}");
        assert!(err.0.contains("PALISADE_PYTHON"), "{err}");
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_missing_module_shows_the_import_error() {
        let err = check_python(&python(), &["palisade_no_such_module"]).unwrap_err();
        assert!(err.0.contains("palisade_no_such_module"), "{err}");
        assert!(
            err.0.contains("ModuleNotFoundError") || err.0.contains("No module named"),
            "the interpreter's own error is shown: {err}"
        );
    }

    #[test]
    fn a_server_that_exits_is_reported_with_its_stderr_without_waiting() {
        let mut cmd = Command::new(python());
        cmd.args([
            "-c",
            "import sys; sys.stderr.write('address already in use: port 1\\n'); sys.exit(3)",
        ]);
        let t = Instant::now();
        let err = spawn_listening(cmd, free_port().unwrap(), Duration::from_secs(60)).unwrap_err();
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "waited {:?}",
            t.elapsed()
        );
        assert!(err.0.contains("exited"), "{err}");
        assert!(err.0.contains("address already in use"), "{err}");
    }

    #[test]
    fn a_server_that_never_listens_times_out_with_its_stderr() {
        let mut cmd = Command::new(python());
        cmd.args([
            "-c",
            "import sys, time; sys.stderr.write('still importing\\n'); sys.stderr.flush(); time.sleep(30)",
        ]);
        let err = spawn_listening(cmd, free_port().unwrap(), Duration::from_secs(2)).unwrap_err();
        assert!(err.0.contains("did not listen"), "{err}");
        assert!(err.0.contains("still importing"), "{err}");
    }
}
