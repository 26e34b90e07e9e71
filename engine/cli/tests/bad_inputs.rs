//! The bad-input corpus (`fixtures/bad/`), as one table over the built
//! binary: every case of `fixtures/bad/cases.toml` must exit 2, never panic,
//! name the file and a position in a short message, and leave an existing
//! output file untouched with no temporary file behind. Cases that cannot be
//! committed (a 1 GB line, symbolic links) are built here at test time.

#![allow(clippy::expect_used, clippy::unwrap_used)]

#[allow(dead_code)] // `palisade()` is not used here: every case needs its own command
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{code, command, root};

/// What an existing output file holds before a failing command runs.
const KEPT: &[u8] = b"an earlier report that a failed run must not touch\n";
/// The longest error message accepted: a message names the problem, it
/// never echoes the input.
const MAX_STDERR: usize = 1500;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    case: Vec<Case>,
}

#[derive(serde::Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct Case {
    /// The fixture, relative to `fixtures/bad/`.
    file: String,
    /// Where in a copy of the repository's pack the fixture goes.
    #[serde(default)]
    pack: Option<String>,
    args: Vec<String>,
    exit: i32,
    stderr: Vec<String>,
}

/// Every entry under `dir` (relative path -> a file's bytes, a link's
/// target, nothing for a directory), to compare a directory before and
/// after a run.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let e = e.expect("entry");
            let ty = e.file_type().expect("file type");
            let rel = e.path().strip_prefix(dir).expect("under").to_owned();
            if ty.is_symlink() {
                let target = std::fs::read_link(e.path()).expect("link");
                out.insert(rel, target.to_string_lossy().as_bytes().to_vec());
            } else if ty.is_dir() {
                out.insert(rel, Vec::new());
                stack.push(e.path());
            } else {
                out.insert(rel, std::fs::read(e.path()).expect("read"));
            }
        }
    }
    out
}

/// Copies directory `from` to `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).expect("copy");
        }
    }
}

/// Checks what every bad input must give: exit `want`, no panic, every
/// expected substring, a short message, and the directory unchanged.
fn check(
    name: &str,
    o: &Output,
    want: i32,
    expected: &[String],
    dir: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
) -> Result<(), String> {
    let err = String::from_utf8_lossy(&o.stderr);
    let mut problems = Vec::new();
    if code(o) != want {
        problems.push(format!("exit {} (want {want})", code(o)));
    }
    if err.contains("panicked") || err.contains("RUST_BACKTRACE") {
        problems.push("panicked".to_owned());
    }
    for s in expected {
        if !err.contains(s.as_str()) {
            problems.push(format!("stderr lacks {s:?}"));
        }
    }
    if err.len() > MAX_STDERR {
        problems.push(format!("stderr is {} bytes long", err.len()));
    }
    let after = tree(dir);
    if &after != before {
        let changed: Vec<_> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| k.display().to_string())
            .collect();
        problems.push(format!("files changed or left behind: {changed:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let shown: String = err.chars().take(MAX_STDERR).collect();
        Err(format!("{name}: {}\nstderr: {shown}", problems.join("; ")))
    }
}

/// Runs one case of the manifest in a fresh temporary directory.
fn run(case: &Case) -> Result<(), String> {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let fixture = root().join("fixtures/bad").join(&case.file);
    let file = match &case.pack {
        Some(dest) => {
            copy_dir(&root().join("policies"), &dir.join("pack/policies"));
            copy_dir(&root().join("rules"), &dir.join("pack/rules"));
            let dest = dir.join("pack").join(dest);
            std::fs::copy(&fixture, &dest).expect("place fixture");
            dest.to_string_lossy().into_owned()
        }
        None => format!("fixtures/bad/{}", case.file),
    };
    let out = dir.join("out");
    std::fs::write(&out, KEPT).expect("write out");
    let before = tree(dir);
    let d = dir.to_string_lossy();
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| {
            a.replace("{file}", &file)
                .replace("{out}", &out.to_string_lossy())
                .replace("{tmp}", &d)
        })
        .collect();
    let o = command().args(&args).output().expect("run palisade");
    let name = format!("{} ({})", case.file, case.args.join(" "));
    let mut expected = case.stderr.clone();
    // Every message names the file it is about.
    let base = Path::new(&file).file_name().expect("name");
    expected.push(base.to_string_lossy().into_owned());
    check(&name, &o, case.exit, &expected, dir, &before)
}

fn manifest() -> Vec<Case> {
    let path = root().join("fixtures/bad/cases.toml");
    let text = std::fs::read_to_string(&path).expect("cases.toml");
    let m: Manifest = toml::from_str(&text).expect("cases.toml parses");
    m.case
}

#[test]
fn every_bad_input_exits_2_naming_file_and_position_and_writes_nothing() {
    let cases = manifest();
    // The corpus covers every committed fixture, and every case is exit 2.
    let mut files = Vec::new();
    let mut stack = vec![root().join("fixtures/bad")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            let rel = p
                .strip_prefix(root().join("fixtures/bad"))
                .expect("under")
                .to_string_lossy()
                .into_owned();
            // An evidence bundle directory is one input.
            if p.is_dir() && !rel.starts_with("evidence/") {
                stack.push(p);
            } else if rel != "cases.toml" && rel != "README.md" && rel != "merge/shard-0.json" {
                files.push(rel);
            }
        }
    }
    let unused: Vec<_> = files
        .iter()
        .filter(|f| !cases.iter().any(|c| &c.file == *f))
        .collect();
    assert!(unused.is_empty(), "fixtures without a case: {unused:?}");
    assert!(files.len() >= 60, "{} fixtures", files.len());
    assert!(
        cases.iter().all(|c| c.exit == 2),
        "bad input always exits 2"
    );

    // Two workers: each case starts the binary, which loads the rule pack.
    let failures = std::sync::Mutex::new(Vec::new());
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(case) = cases.get(i) else { break };
                if let Err(e) = run(case) {
                    failures.lock().unwrap().push(e);
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n---\n")
    );
}

/// Runs `args` (`{tmp}` replaced) in a temporary directory prepared by
/// `setup`, and checks it as a manifest case.
fn run_built(
    name: &str,
    setup: impl FnOnce(&Path),
    args: &[&str],
    expected: &[&str],
) -> Result<(), String> {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    setup(dir);
    let before = tree(dir);
    let d = dir.to_string_lossy();
    let args: Vec<String> = args.iter().map(|a| a.replace("{tmp}", &d)).collect();
    let o = command().args(&args).output().expect("run palisade");
    let expected: Vec<String> = expected.iter().map(|s| s.replace("{tmp}", &d)).collect();
    check(name, &o, 2, &expected, dir, &before)
}

/// `{tmp}/target` with known content and `{tmp}/link` pointing at it.
#[cfg(unix)]
fn link_to_file(dir: &Path) {
    std::fs::write(dir.join("target"), KEPT).expect("write");
    std::os::unix::fs::symlink(dir.join("target"), dir.join("link")).expect("symlink");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_as_output_is_refused_by_every_command_naming_it() {
    let demo = "fixtures/demo/snapshot.json";
    let small = "fixtures/rules/iam-group-empty/fail.json";
    let msg = "{tmp}/link: the output path is a symbolic link";
    let mut cases: Vec<(&str, Vec<&str>)> = Vec::new();
    for format in ["table", "json", "sarif", "junit", "ocsf", "asff", "html"] {
        cases.push((
            format,
            vec!["scan", demo, "--format", format, "-o", "{tmp}/link"],
        ));
    }
    cases.push((
        "merge",
        vec![
            "merge",
            "fixtures/bad/merge/shard-0.json",
            "-o",
            "{tmp}/link",
        ],
    ));
    cases.push((
        "evidence --zip",
        vec![
            "evidence",
            small,
            "--output",
            "{tmp}/bundle",
            "--zip",
            "{tmp}/link",
            "--force",
        ],
    ));
    let mut failures = Vec::new();
    for (name, args) in &cases {
        if let Err(e) = run_built(name, link_to_file, args, &[msg]) {
            failures.push(e);
        }
    }
    // A bundle directory that is a link to a directory, even with --force.
    let dir_link = |dir: &Path| {
        std::fs::create_dir(dir.join("real")).expect("mkdir");
        std::fs::write(dir.join("real/keep.txt"), KEPT).expect("write");
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).expect("symlink");
    };
    let dir_cases: [(&str, &[&str]); 3] = [
        (
            "evidence --output",
            &["evidence", small, "--output", "{tmp}/link", "--force"],
        ),
        (
            "rules docs --output",
            &["rules", "docs", "--output", "{tmp}/link"],
        ),
        ("init --dir", &["init", "--dir", "{tmp}/real", "--force"]),
    ];
    for (name, args) in dir_cases {
        let setup = |dir: &Path| {
            dir_link(dir);
            if name.starts_with("init") {
                std::os::unix::fs::symlink(dir.join("target"), dir.join("real/palisade.toml"))
                    .expect("symlink");
                std::fs::write(dir.join("target"), KEPT).expect("write");
            }
        };
        let expected = if name.starts_with("init") {
            "{tmp}/real/palisade.toml: the output path is a symbolic link"
        } else {
            msg
        };
        if let Err(e) = run_built(name, setup, args, &[expected]) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}

#[cfg(unix)]
#[test]
fn evidence_verify_refuses_a_symbolic_link_inside_a_bundle_directory() {
    // A link back to the bundle's own folder would make the walk endless;
    // a bundle palisade writes never holds a link.
    let setup = |dir: &Path| {
        std::fs::create_dir(dir.join("bundle")).expect("mkdir");
        std::fs::write(dir.join("bundle/manifest.json"), "{}").expect("write");
        std::os::unix::fs::symlink(dir.join("bundle"), dir.join("bundle/loop")).expect("link");
    };
    run_built(
        "symlink in bundle",
        setup,
        &["evidence", "verify", "{tmp}/bundle"],
        &["{tmp}/bundle/loop", "symbolic link"],
    )
    .unwrap();
}

#[test]
fn bad_globs_name_the_pattern() {
    for flag in ["--include", "--exclude"] {
        run_built(
            flag,
            |_| {},
            &[
                "scan",
                "fixtures/iac",
                flag,
                "[a-",
                "--format",
                "json",
                "-o",
                "{tmp}/o",
            ],
            &[flag, "\"[a-\""],
        )
        .unwrap();
    }
}

#[test]
fn an_output_path_through_a_missing_or_file_directory_is_refused() {
    let setup = |dir: &Path| std::fs::write(dir.join("file"), KEPT).expect("write");
    for out in [
        "{tmp}/no/such/dir/out.json",
        "{tmp}/file/out.json",
        "{tmp}/no/../../out.json",
    ] {
        run_built(
            out,
            setup,
            &[
                "scan",
                "fixtures/demo/snapshot.json",
                "--format",
                "json",
                "-o",
                out,
            ],
            &[&out.replace("{tmp}/", "")],
        )
        .unwrap();
    }
}

/// Writes `head` then 1 GB of `x` without a newline to `path`.
fn gigabyte_line(path: &Path, head: &[u8]) {
    use std::io::Write as _;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    f.write_all(head).expect("write");
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..1024 {
        f.write_all(&chunk).expect("write");
    }
    f.flush().expect("flush");
}

/// A snapshot, then a template, whose last line is 1 GB long and never
/// ends (generated here, one at a time, never committed): exit 2 naming the
/// file (and for the snapshot its line and column), not a crash.
#[test]
fn a_one_gigabyte_line_is_refused_without_a_crash() {
    let tmp = tempfile::tempdir().expect("tmp");
    let out = tmp.path().join("out");
    std::fs::write(&out, KEPT).expect("write");
    let cases: [(&str, &[u8], &[&str]); 2] = [
        (
            "gb.json",
            b"{\"format\": \"palisade-snapshot\", \"version\": 1, \"scan_time\": \"2026-11-01T00:00:00Z\",\n\"accounts\": [{\"account_id\": \"123456789012\", \"regions\": [\"us-east-1\"], \"name\": \"",
            &["gb.json:2:", "EOF while parsing a string"],
        ),
        (
            "gb.yaml",
            b"Resources:\n  X:\n    Type: \"",
            &["gb.yaml: 1073741851 bytes", "larger than any template or plan"],
        ),
    ];
    for (name, head, expected) in cases {
        let path = tmp.path().join(name);
        gigabyte_line(&path, head);
        let before = tree(tmp.path());
        let o = command()
            .args([
                "scan",
                path.to_str().expect("utf8"),
                "--format",
                "table",
                "-o",
            ])
            .arg(&out)
            .output()
            .expect("run");
        let expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        let result = check(name, &o, 2, &expected, tmp.path(), &before);
        std::fs::remove_file(&path).expect("remove");
        result.unwrap();
    }
}
