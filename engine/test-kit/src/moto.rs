//! A seeded moto server on 127.0.0.1 (one per test binary, killed when the
//! test process exits because it watches its stdin pipe), and a
//! fault-injecting HTTP/1.1 proxy ([`Proxy`], [`Faults`]). Nothing here
//! contacts anything but 127.0.0.1.
//!
//! When moto cannot run, [`moto`] fails at once with the cause: the Python
//! interpreter is missing, `moto.server` does not import (its error shown),
//! or the server exited or did not listen in time (its stderr shown).
//! `PALISADE_PYTHON` names the interpreter (default `python3`), for a
//! virtual environment.

mod proxy;

pub use proxy::{Faults, Proxy, Stats};

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
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
