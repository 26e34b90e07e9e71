//! Putting a bundle on disk and reading one back: the directory is written
//! next to its target under a temporary name and renamed into place, so a
//! reader never sees half a bundle; the `.zip` has the files in path order,
//! deflated, with one fixed modification time, so the same bundle gives the
//! same archive bytes.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike as _, Timelike as _, Utc};

use super::{check_path, Bundle, EvidenceError};

/// The folder every entry of the zip sits in.
pub const ZIP_ROOT: &str = "palisade-evidence";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> EvidenceError + '_ {
    move |source| EvidenceError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Checks that `dir` can receive a bundle: absent, an empty directory, or
/// (with `force`) any directory. Call it before the expensive work.
pub fn check_target(dir: &Path, force: bool) -> Result<(), EvidenceError> {
    // As write_atomic: a link is never written through or replaced, even
    // with --force.
    if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io(dir)(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the output path is a symbolic link; refusing to write through or replace it",
        )));
    }
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if !force && entries.next().is_some() {
                return Err(EvidenceError::NotEmpty {
                    path: dir.to_owned(),
                });
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(dir)(e)),
    }
}

/// Writes `bundle` to `dir` atomically: into a temporary sibling directory,
/// synced, then renamed into place (an existing directory, allowed by
/// `force`, is moved aside first and removed after). The directory and
/// its folders are 0700 and every file 0600 on Unix, whatever the umask.
pub fn write_dir(bundle: &Bundle, dir: &Path, force: bool) -> Result<(), EvidenceError> {
    check_target(dir, force)?;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "evidence".into());
    let pid = std::process::id();
    let tmp = parent.join(format!(".{name}.{pid}.tmp"));
    let old = parent.join(format!(".{name}.{pid}.old"));
    let result = (|| {
        std::fs::create_dir_all(&parent).map_err(io(&parent))?;
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        private_dir(&tmp).map_err(io(&tmp))?;
        for (rel, bytes) in &bundle.files {
            check_path(rel)?;
            let path = tmp.join(rel);
            if let Some(p) = path.parent() {
                private_dir(p).map_err(io(p))?;
            }
            let mut f = private_file(&path).map_err(io(&path))?;
            f.write_all(bytes).map_err(io(&path))?;
            f.sync_all().map_err(io(&path))?;
        }
        if dir.exists() {
            std::fs::rename(dir, &old).map_err(io(dir))?;
        }
        std::fs::rename(&tmp, dir).map_err(io(dir))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
        if old.exists() && !dir.exists() {
            let _ = std::fs::rename(&old, dir);
        }
    }
    result
}

/// Creates `dir` (and missing parents) readable only by the owner (0700
/// on Unix): a bundle holds a whole account's inventory.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Creates the new file `path` readable and writable only by the owner
/// (0600 on Unix, whatever the umask).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// The zip archive of `bundle`: entries `palisade-evidence/<path>` in path
/// order, deflated, each with modification time `mtime` (to the 2 seconds
/// zip keeps; before 1980 becomes 1980-01-01) and permissions 0600, so an
/// unzipped bundle is as private as the written one.
pub fn zip_bytes(
    bundle: &Bundle,
    mtime: DateTime<Utc>,
    path: &Path,
) -> Result<Vec<u8>, EvidenceError> {
    let err = |e: zip::result::ZipError| EvidenceError::Zip {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let time = u16::try_from(mtime.year())
        .ok()
        .and_then(|y| {
            zip::DateTime::from_date_and_time(
                y,
                mtime.month() as u8,
                mtime.day() as u8,
                mtime.hour() as u8,
                mtime.minute() as u8,
                mtime.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default();
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o600);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (rel, bytes) in &bundle.files {
        w.start_file(format!("{ZIP_ROOT}/{rel}"), options)
            .map_err(err)?;
        w.write_all(bytes).map_err(io(path))?;
    }
    Ok(w.finish().map_err(err)?.into_inner())
}

/// Reads every regular file under `dir` as (relative `/` path, bytes).
pub fn read_dir(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>, EvidenceError> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_owned(), String::new())];
    while let Some((d, prefix)) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let path = entry.path();
            let rel = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let ty = entry.file_type().map_err(io(&path))?;
            if ty.is_symlink() {
                // Never followed: a link could point outside the bundle or
                // back into it (an endless walk); palisade writes none.
                return Err(io(&path)(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "a symbolic link in a bundle directory (a bundle holds regular files only)",
                )));
            }
            if ty.is_dir() {
                stack.push((path, format!("{rel}/")));
            } else {
                let bytes = std::fs::read(&path).map_err(io(&path))?;
                out.insert(rel, bytes);
            }
        }
    }
    Ok(out)
}

/// Reads every file of a bundle zip as (path inside the bundle, bytes): the
/// common top folder (`palisade-evidence/`) is removed.
pub fn read_zip(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, EvidenceError> {
    let err = |e: zip::result::ZipError| EvidenceError::Zip {
        path: path.to_owned(),
        message: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut z = zip::ZipArchive::new(file).map_err(err)?;
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(err)?;
        if f.is_dir() {
            continue;
        }
        let name = f.name().map_err(err)?.into_owned();
        // An entry name is a plain relative path: no `..`, no absolute path.
        let plain = name.strip_prefix(&format!("{ZIP_ROOT}/")).unwrap_or(&name);
        if check_path(plain).is_err() {
            return Err(EvidenceError::Zip {
                path: path.to_owned(),
                message: format!("entry {name:?} is not a plain relative path inside the bundle"),
            });
        }
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(io(path))?;
        out.insert(name, bytes);
    }
    let prefix = format!("{ZIP_ROOT}/");
    if !out.is_empty() && out.keys().all(|k| k.starts_with(&prefix)) {
        out = out
            .into_iter()
            .map(|(k, v)| (k[prefix.len()..].to_owned(), v))
            .collect();
    }
    Ok(out)
}
