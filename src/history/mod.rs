//! Where answers are kept: the user's data folder, readable by the user only.
//! (The SQLite history of issue 6 will live here too.)

use std::path::{Path, PathBuf};

/// Creates `dir` (and parents) and restricts it to the user (0700).
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Writes a file readable by the user only (0600).
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The folder for a new practice session: `DATA/sessions/YYYYMMDD-HHMMSS`.
pub fn new_session_dir(data_dir: &Path, stamp: &str) -> PathBuf {
    data_dir.join("sessions").join(stamp)
}
