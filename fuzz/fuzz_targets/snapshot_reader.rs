//! The streaming snapshot reader (`SnapshotReader`): any file gives its
//! accounts one by one or an error, never a panic. Differential check: the
//! reader and the whole-file loader agree on whether a file is a valid
//! snapshot, on its accounts and on its SHA-256.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use palisade_model::load::{LoadedSnapshot, SnapshotReader};

/// The reader opens a path: one scratch file per fuzzing process.
fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("palisade-fuzz-reader-{}.json", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    if std::fs::write(path, data).is_err() {
        return;
    }
    let whole = LoadedSnapshot::from_bytes(path, data);
    let streamed = (|| {
        let mut reader = SnapshotReader::open(path)?;
        let mut ids = Vec::new();
        while let Some(a) = reader.next_account()? {
            ids.push(a.account.account_id);
        }
        let end = reader.finish()?;
        Ok::<_, palisade_model::error::SnapshotError>((ids, end.sha256))
    })();
    match (&whole, &streamed) {
        (Ok(w), Ok((ids, sha))) => {
            let wids: Vec<&str> = w.snapshot.accounts.iter().map(|a| a.account_id.as_str()).collect();
            assert_eq!(wids, ids.iter().map(String::as_str).collect::<Vec<_>>());
            assert_eq!(&w.sha256, sha);
        }
        (Ok(_), Err(e)) => panic!("the whole-file loader accepts what the reader rejects: {e}"),
        (Err(e), Ok(_)) => panic!("the reader accepts what the whole-file loader rejects: {e}"),
        (Err(_), Err(_)) => {}
    }
});
