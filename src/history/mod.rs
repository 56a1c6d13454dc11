//! Where answers are kept: the user's private data folder (0700 folders,
//! 0600 files), the SQLite history of every answer, and the trends across
//! answers to the same question.

pub mod clock;
pub mod recover;
pub mod store;
pub mod trend;

use std::path::{Path, PathBuf};

pub use store::{AnswerRow, Filter, NewAnswer, Store, StoredAnswer};

/// The lock file inside a session folder, held while a session runs
/// ([`recover::lock_session`]).
pub const LOCK_FILE: &str = ".lock";

/// Errors from the history database and the data folder.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The database could not be opened or read.
    #[error(
        "cannot open the history {path}: {err}; move the file aside to start a new history, or pass --data-dir"
    )]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        err: String,
    },
    /// A later version of rehearse wrote this database.
    #[error(
        "the history {path} was written by a newer rehearse (schema {found}; this one reads up to {known}); upgrade rehearse, or pass --data-dir to use another folder"
    )]
    Newer {
        /// The database file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest version this build knows.
        known: i64,
    },
    /// A query or write failed.
    #[error("the history {path} could not be {doing}: {err}")]
    Query {
        /// The database file.
        path: PathBuf,
        /// What was being done ("read", "written").
        doing: &'static str,
        /// What SQLite said.
        err: String,
    },
    /// No answer with this id.
    #[error("no answer {0} in the history; `rehearse history` lists them")]
    NoAnswer(String),
    /// No session with this id.
    #[error("no session {0} in the history; `rehearse history --json` shows session ids")]
    NoSession(i64),
    /// A recording could not be removed.
    #[error("cannot delete {path}: {err}; nothing was forgotten")]
    Delete {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        err: String,
    },
}

/// Creates `dir` and any missing parents readable by the user only (0700),
/// and restricts `dir` itself to the user if it already existed.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Opens `path` for writing, created readable by the user only (0600).
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes a file readable by the user only (0600).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = create_private(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Creates the folder for a new session, `DATA/sessions/YYYYMMDD-HHMMSS`
/// (with `-2`, `-3`, … when another session started in the same second),
/// so that two sessions never share a folder and overwrite each other.
pub fn new_session_dir(data_dir: &Path, stamp: &str) -> std::io::Result<PathBuf> {
    let sessions = data_dir.join("sessions");
    private_dir(&sessions)?;
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    for n in 1..1000 {
        let dir = match n {
            1 => sessions.join(stamp),
            n => sessions.join(format!("{stamp}-{n}")),
        };
        match builder.create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("too many sessions named {stamp} in {}", sessions.display()),
    ))
}

/// The folder in the data folder where the natural voice's clips are kept
/// (`speech::cache`).
pub const CLIP_CACHE: &str = "voice-cache";

/// Removes everything `rehearse` keeps about the user in `data_dir`: every
/// session folder (recordings, reports), the `--verbose` logs, the voice's
/// kept clips (which show what was practised) and the history database with
/// its journal files. Downloaded models stay.
pub fn forget_everything(data_dir: &Path) -> Result<(), HistoryError> {
    let gone = |path: &Path, r: std::io::Result<()>| match r {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(HistoryError::Delete {
            path: path.to_path_buf(),
            err: e.to_string(),
        }),
        _ => Ok(()),
    };
    for dir in ["sessions", "logs", CLIP_CACHE] {
        let dir = data_dir.join(dir);
        gone(&dir, std::fs::remove_dir_all(&dir))?;
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let file = data_dir.join(format!("{}{suffix}", store::FILE_NAME));
        gone(&file, std::fs::remove_file(&file))?;
    }
    Ok(())
}
