//! How the store talks to SQLite: creating the database file private to its
//! owner, the connection settings (WAL, full sync, foreign keys, busy
//! timeout), the retry of a whole write when another process holds the
//! lock, and turning SQLite's error codes into [`HistoryError`]s that name
//! the file.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

use crate::HistoryError;

/// How long a write waits for another process's write (a concurrent
/// `scan --record`, a prune) before giving up, unless changed with
/// [`crate::History::set_lock_wait`]. Recording a scan of a million findings
/// takes seconds, so a minute leaves room for a few of them queued.
pub const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Creates the database file readable and writable by its owner only (it
/// holds the inventory of the accounts scanned), when it does not exist.
/// SQLite gives its `-wal` and `-shm` files the mode of the database file.
/// An existing file keeps its mode.
pub(crate) fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Connection settings. WAL lets readers (`history`, `diff`) run while a
/// scan records; `synchronous = FULL` makes a committed scan survive a power
/// loss, not only a killed process; the busy timeout makes a second writer
/// wait for the first instead of failing with "database is locked".
pub(crate) fn configure(
    conn: &Connection,
    path: &Path,
    wait: Duration,
) -> Result<(), HistoryError> {
    conn.busy_timeout(wait).map_err(|e| error(path, e))?;
    // Switching a new database to WAL needs a moment of exclusive access:
    // two processes creating the same file at once can meet here.
    retry(path, wait, || {
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get::<_, String>(0))
    })?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
        .map_err(|e| error(path, e))
}

/// True for the errors another process's lock causes.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `f` (a whole transaction, or a statement that takes a lock) again
/// while it fails because another process holds the database, for up to
/// `wait` in all. SQLite's busy timeout already waits inside most lock
/// requests; this covers the ones it answers at once (a WAL being
/// recovered after a crash, the switch to WAL). `f` must roll back what it
/// did when it fails (a dropped rusqlite transaction does).
pub(crate) fn retry<T>(
    path: &Path,
    wait: Duration,
    mut f: impl FnMut() -> rusqlite::Result<T>,
) -> Result<T, HistoryError> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(5);
    loop {
        match f() {
            Ok(v) => return Ok(v),
            Err(e) if is_busy(&e) && start.elapsed() < wait => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Err(e) if is_busy(&e) => {
                return Err(HistoryError::Locked {
                    path: path.to_owned(),
                    error: e,
                })
            }
            Err(e) => return Err(error(path, e)),
        }
    }
}

/// The [`HistoryError`] for a SQLite error on the database at `path`: a
/// file that is not a SQLite database or is damaged is told apart from the
/// other failures.
pub(crate) fn error(path: &Path, error: rusqlite::Error) -> HistoryError {
    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => HistoryError::Unreadable {
            path: path.to_owned(),
            error,
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => HistoryError::Locked {
            path: path.to_owned(),
            error,
        },
        _ => HistoryError::Db {
            path: path.to_owned(),
            error,
        },
    }
}
