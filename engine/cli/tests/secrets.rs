//! Credentials never reach an artefact: a live run against a seeded moto
//! server with distinctive caller credentials (access key id, secret and
//! session token in the environment, and again through a profile that
//! assumes a role), every command that writes something (collect at -v
//! and -vvv, sharded collection through an assumed role and merge, scan to
//! every format, scan --live with --record, history and diff, an evidence
//! bundle and its zip, export to Security Hub, and commands that fail),
//! then every file under
//! the run's directory (the zip's members extracted too) and every stdout
//! and stderr is searched for any 12-character piece of the credentials,
//! and for the prefix of moto's assumed-role session tokens.
//!
//! The caller's access key id counts as a secret here: AWS does not treat
//! key ids as secret, but a scanner has no reason to write its caller's,
//! and a key id in a shared report names whose key ran the scan. (Users'
//! access key ids collected as data are another matter; the canary id is
//! not one of moto's.)
//!
//! Also here: snapshots and evidence are written 0600 (the evidence
//! directory 0700), whatever the umask.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is for the other test binaries
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::code;
use palisade_test_kit::moto as harness;

/// The caller's access key id: not one of moto's, so it can only come from
/// the environment. The canaries are random: no 12-character piece of
/// them is an English or AWS word that a report could hold by chance.
const KEY_ID: &str = "AKIAX44S0O2A0QPOASTV";
/// The caller's secret access key.
const SECRET: &str = "Qj8VMtbYo9Mqb5jZMQObDDMOTsoYtxqAYfwFBHPl";
/// The caller's session token (real ones are several hundred characters).
const TOKEN: &str = "8KsLcsf1YaHxpFjttuDDekSEU2aC13Fa61ESYhD1NfFPb9jTo6z5xcIcQPzMuEGQ80YRP10\
                     eougTfIhpazOc61hVRd82Wzj5OSqplLapHp6hgPjryAczD4UDDqcdbTmBQq79GygZnhAOgsh\
                     DBj1zpi4i4zBGozlxQF0l3AnQB2bFtKsh2eWYtVFpIPEnLCGiFJfWOQgU";
/// Every session token moto issues for an assumed role starts so.
const MOTO_TOKEN_PREFIX: &str = "FQoGZXIvYXdzEBYaD";
/// The role assumed (moto assumes any role).
const ROLE: &str = "arn:aws:iam::123456789012:role/palisade-secrets";

/// One output stream or file, named for the failure message.
struct Artefact {
    name: String,
    bytes: Vec<u8>,
}

/// Runs the built binary with the canary credentials in the environment
/// and nothing else from outside the test (no shared config files, no
/// instance metadata), collecting its stdout and stderr as artefacts.
struct Run {
    dir: PathBuf,
    /// Holds the shared config and credentials files of the profile run:
    /// outside `dir`, since they hold the secrets by design.
    config_dir: PathBuf,
    streams: Vec<Artefact>,
}

impl Run {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("palisade"));
        cmd.current_dir(common::root())
            .env("AWS_ACCESS_KEY_ID", KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", TOKEN)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", self.config_dir.join("no-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.config_dir.join("no-credentials"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("RUST_BACKTRACE", "1");
        for k in [
            "AWS_PROFILE",
            "AWS_ENDPOINT_URL",
            "JOB_COMPLETION_INDEX",
            "AWS_BATCH_JOB_ARRAY_INDEX",
            "PALISADE_RUN_ID",
            "PALISADE_SHARD_COUNT",
        ] {
            cmd.env_remove(k);
        }
        cmd.args(args);
        cmd
    }

    /// Runs `args`, keeps stdout and stderr, and checks the exit code is
    /// one of `codes` (a panic, 101, never is).
    fn run(&mut self, label: &str, args: &[&str], codes: &[i32]) -> Output {
        let o = self.command(args).output().expect("run palisade");
        self.keep(label, &o, codes);
        o
    }

    fn keep(&mut self, label: &str, o: &Output, codes: &[i32]) {
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            codes.contains(&code(o)),
            "{label}: exit {} not in {codes:?}: {err}",
            code(o)
        );
        assert!(!err.contains("panicked"), "{label}: {err}");
        self.streams.push(Artefact {
            name: format!("stdout of {label}"),
            bytes: o.stdout.clone(),
        });
        self.streams.push(Artefact {
            name: format!("stderr of {label}"),
            bytes: o.stderr.clone(),
        });
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_owned()
    }
}

/// Every 12-character piece of each credential, and moto's token prefix:
/// a leak of part of a secret (a truncated log line) is still a leak.
fn needles() -> Vec<(&'static str, String)> {
    let mut out = vec![(
        "an assumed-role session token",
        MOTO_TOKEN_PREFIX.to_owned(),
    )];
    for (what, secret) in [
        ("the access key id", KEY_ID),
        ("the secret access key", SECRET),
        ("the session token", TOKEN),
    ] {
        let chars: Vec<char> = secret.chars().collect();
        for w in chars.windows(12) {
            out.push((what, w.iter().collect()));
        }
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Fails naming the artefact, the credential and the context of each leak.
fn assert_no_leak(artefacts: &[Artefact]) {
    let needles = needles();
    let mut leaks = Vec::new();
    for a in artefacts {
        for (what, n) in &needles {
            if let Some(at) = find(&a.bytes, n.as_bytes()) {
                let from = at.saturating_sub(80);
                let to = (at + 120).min(a.bytes.len());
                leaks.push(format!(
                    "{what} in {}: …{}…",
                    a.name,
                    String::from_utf8_lossy(&a.bytes[from..to])
                ));
                break;
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "credentials leaked:\n{}",
        leaks.join("\n")
    );
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            files_under(&e.path(), out);
        } else if t.is_file() {
            out.push(e.path());
        }
    }
}

#[cfg(unix)]
fn mode(path: &str) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Extracts `zip` into `into` with Python's zipfile (the harness's Python),
/// returning each member's name and Unix permissions.
fn unzip(zip: &str, into: &Path) -> Vec<(String, u32)> {
    let script = "import sys, zipfile\n\
                  z = zipfile.ZipFile(sys.argv[1])\n\
                  z.extractall(sys.argv[2])\n\
                  for i in z.infolist():\n    print(i.filename, (i.external_attr >> 16) & 0o777)\n";
    let o = Command::new(harness::python())
        .args(["-c", script, zip, into.to_str().unwrap()])
        .output()
        .expect("run python");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (name, m) = l.rsplit_once(' ').unwrap();
            (name.to_owned(), m.parse().unwrap())
        })
        .collect()
}

#[test]
fn no_artefact_of_a_live_run_holds_the_credentials() {
    let moto = harness::moto();
    let url = moto.url.as_str();
    let tmp = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let mut r = Run {
        dir: tmp.path().to_owned(),
        config_dir: config.path().to_owned(),
        streams: Vec::new(),
    };
    let live = ["--endpoint-url", url, "--regions", "us-east-1"];
    let ok = [0, 3]; // 3: moto lacks some APIs, which are gaps
    let snap = r.path("snap.json");

    // Collection: -v, -vvv (SDK debug logging), and through an assumed
    // role into two accounts as two shards (-vv) merged into one.
    let mut args = vec!["collect", "-v", "-o", &snap];
    args.extend(live);
    r.run("collect -v", &args, &ok);
    let vvv = r.path("vvv.json");
    let mut args = vec!["collect", "-vvv", "-o", &vvv];
    args.extend(live);
    let o = r.run("collect -vvv", &args, &ok);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("DEBUG"), "-vvv logs the SDK's debug lines");
    // The SDK logs the resolved identity; its key id is masked.
    assert!(err.contains("AKIA****************"), "{err:.3000}");
    let shards = format!("{}/", r.path("shards"));
    for i in ["0/2", "1/2"] {
        let mut args = vec!["collect", "-vv", "-o", &shards, "--shard", i];
        args.extend(["--run-id", "secrets", "--role-arn", ROLE]);
        args.extend(["--accounts", "111111111111,222222222222"]);
        args.extend(live);
        r.run(&format!("collect --shard {i}"), &args, &ok);
    }
    let merged = r.path("merged.json");
    r.run("merge", &["merge", &shards, "-o", &merged], &[0, 3]);

    // The same collection through a profile that assumes a role with the
    // canary credentials as its source (logged by the SDK at -vvv).
    std::fs::write(
        config.path().join("config"),
        format!(
            "[profile canary]\nrole_arn = {ROLE}\nsource_profile = base\nregion = us-east-1\n\
             endpoint_url = {url}\n\n[profile base]\nregion = us-east-1\nendpoint_url = {url}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        config.path().join("credentials"),
        format!(
            "[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\
             aws_session_token = {TOKEN}\n"
        ),
    )
    .unwrap();
    let profiled = r.path("profile.json");
    let mut args = vec!["collect", "-vvv", "--profile", "canary", "-o", &profiled];
    args.extend(live);
    let o = r
        .command(&args)
        .env("AWS_CONFIG_FILE", config.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            config.path().join("credentials"),
        )
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap();
    r.keep("collect --profile (assumed role)", &o, &ok);

    // Every report format, to files and to standard output.
    for format in ["table", "json", "sarif", "junit", "ocsf", "asff", "html"] {
        let out = r.path(&format!("report.{format}"));
        let args = ["scan", &snap, "--format", format, "-o", &out];
        r.run(&format!("scan --format {format}"), &args, &[1, 3]);
    }
    r.run(
        "scan merged",
        &["scan", &merged, "--format", "sarif"],
        &[1, 3],
    );
    let args = [
        "scan",
        &snap,
        "--framework",
        "cis-aws-6.0",
        "--format",
        "json",
    ];
    r.run("scan --framework", &args, &[1, 3]);

    // scan --live with history, a second recorded scan, history and diff.
    let db = r.path("history.sqlite");
    let live_snap = r.path("live.json");
    let out = r.path("live.sarif");
    let mut args = vec!["scan", "--live", &live_snap, "-v", "--record"];
    args.extend(["--history-db", &db, "--format", "sarif", "-o", &out]);
    args.extend(live);
    r.run("scan --live --record", &args, &[1, 3]);
    let args = [
        "scan",
        &snap,
        "--record",
        "--history-db",
        &db,
        "--format",
        "json",
    ];
    r.run("scan --record", &args, &[1, 3]);
    r.run("history", &["history", "--history-db", &db], &[0]);
    let args = ["history", "--history-db", &db, "--markdown"];
    r.run("history --markdown", &args, &[0]);
    let args = ["diff", "1", "2", "--history-db", &db, "--json", "--all"];
    r.run("diff", &args, &[0]);

    // Evidence from the snapshot, with its zip (`evidence --live` writes
    // its snapshot as `scan --live` does).
    let bundle = r.path("evidence");
    let zip = r.path("evidence.zip");
    let args = ["evidence", &snap, "-o", &bundle, "--zip", &zip];
    r.run("evidence", &args, &[0, 1, 3]);
    r.run("evidence verify", &["evidence", "verify", &zip], &[0]);

    // Export to Security Hub: a dry run (prints the batches) and a real one.
    let asff = r.path("report.asff");
    let args = ["export", "securityhub", "--endpoint-url", url, &asff];
    let dry = [&args[..], &["--dry-run"][..]].concat();
    r.run("export securityhub --dry-run", &dry, &[0]);
    r.run("export securityhub", &args, &[0, 3]);

    // Failing commands: an endpoint that refuses connections (at SDK debug
    // level), and scan --live into it.
    let closed = [
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--regions",
        "us-east-1",
    ];
    let never = r.path("never.json");
    let mut args = vec!["collect", "-vvv", "--max-attempts", "1", "-o", &never];
    args.extend(closed);
    let o = r.run("collect to a closed port", &args, &[2]);
    assert!(!String::from_utf8_lossy(&o.stderr).is_empty());
    let mut args = vec!["scan", "--live", &never, "--max-attempts", "1"];
    args.extend(closed);
    r.run("scan --live to a closed port", &args, &[2]);
    assert!(!Path::new(&never).exists());

    // Modes: snapshots and evidence are the owner's alone.
    #[cfg(unix)]
    {
        let shard_files: Vec<String> = std::fs::read_dir(&shards)
            .unwrap()
            .map(|e| e.unwrap().path().to_str().unwrap().to_owned())
            .collect();
        assert_eq!(shard_files.len(), 2, "{shard_files:?}");
        for f in [&snap, &vvv, &merged, &profiled, &live_snap, &zip]
            .into_iter()
            .chain(&shard_files)
        {
            assert_eq!(mode(f), 0o600, "{f}");
        }
        assert_eq!(mode(&bundle), 0o700, "{bundle}");
        let mut files = Vec::new();
        files_under(Path::new(&bundle), &mut files);
        assert!(files.len() > 5, "{files:?}");
        for f in files {
            assert_eq!(mode(f.to_str().unwrap()), 0o600, "{}", f.display());
        }
    }
    let unzipped = tmp.path().join("unzipped");
    let members = unzip(&zip, &unzipped);
    assert!(members.len() > 5, "{members:?}");
    for (name, m) in &members {
        assert_eq!(*m, 0o600, "zip member {name}");
    }

    // Every file under the run's directory (the unzipped members among
    // them) and every stream.
    let mut paths = Vec::new();
    files_under(tmp.path(), &mut paths);
    for must in [&snap, &db, &zip, &asff, &merged] {
        assert!(paths.iter().any(|p| p == Path::new(must)), "{must} missing");
    }
    assert!(paths.iter().any(|p| p.starts_with(&unzipped)));
    let mut artefacts = std::mem::take(&mut r.streams);
    for p in paths {
        artefacts.push(Artefact {
            name: p.display().to_string(),
            bytes: std::fs::read(&p).unwrap(),
        });
    }
    assert_no_leak(&artefacts);

    // The search itself finds a planted leak (of a piece of the token).
    let planted = Artefact {
        name: "planted".into(),
        bytes: format!("x-amz-security-token: …{}…", &TOKEN[40..60]).into_bytes(),
    };
    let caught = std::panic::catch_unwind(|| assert_no_leak(&[planted]));
    assert!(caught.is_err(), "a planted leak goes unnoticed");
}
