//! Answers left behind by a run that was killed (SIGKILL, a crash, power
//! loss): their WAVs are on disk (written as they were recorded) but the
//! history never heard of them. The next start finalises each WAV's header
//! from the file's real length and records the answer as interrupted.
//!
//! A running session holds an exclusive `flock` on its folder's `.lock`, so
//! another rehearse never takes a recording in progress for an orphan.

use std::collections::HashSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::clock::Utc;
use super::store::{NewAnswer, Store};
use super::{HistoryError, LOCK_FILE, create_private};
use crate::analysis::Analysis;

/// Held for as long as a session runs; the kernel drops it if the process dies.
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
    path: PathBuf,
}

impl Drop for SessionLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn try_flock(file: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

/// Marks `session_dir` as in use by this process.
pub fn lock_session(session_dir: &Path) -> std::io::Result<SessionLock> {
    let path = session_dir.join(LOCK_FILE);
    let file = create_private(&path)?;
    if !try_flock(&file) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::WouldBlock,
            format!("{} is in use by another rehearse", session_dir.display()),
        ));
    }
    Ok(SessionLock { _file: file, path })
}

/// Whether another live process holds the session folder.
fn in_use(session_dir: &Path) -> bool {
    let path = session_dir.join(LOCK_FILE);
    match std::fs::OpenOptions::new().read(true).open(&path) {
        Ok(file) => !try_flock(&file),
        Err(_) => false,
    }
}

/// An answer found and kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovered {
    /// The history id it was given.
    pub id: i64,
    /// The recording.
    pub wav: PathBuf,
    /// Seconds of audio it holds.
    pub seconds: f64,
    /// Whether its analysis had been written before the run died.
    pub analysed: bool,
}

/// Fixes a WAV whose writer died: the RIFF and data sizes are set from the
/// file's length (whole 16-bit samples). Returns the seconds of audio, or
/// `None` when the file is not a WAV this program wrote.
pub fn finalize_wav(path: &Path) -> std::io::Result<Option<f64>> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?;
    let len = file.metadata()?.len();
    let mut head = [0u8; 12];
    if len < 12
        || file.read_exact(&mut head).is_err()
        || &head[0..4] != b"RIFF"
        || &head[8..12] != b"WAVE"
    {
        return Ok(None);
    }
    // Walk the chunks to the data chunk.
    let mut at = 12u64;
    let mut byte_rate = 0u32;
    let mut block_align = 2u16;
    while at + 8 <= len {
        let mut chunk = [0u8; 8];
        file.seek(SeekFrom::Start(at))?;
        file.read_exact(&mut chunk)?;
        let size = u64::from(u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]));
        if &chunk[0..4] == b"fmt " {
            let mut fmt = [0u8; 16];
            file.read_exact(&mut fmt)?;
            byte_rate = u32::from_le_bytes([fmt[8], fmt[9], fmt[10], fmt[11]]);
            block_align = u16::from_le_bytes([fmt[12], fmt[13]]).max(1);
        }
        if &chunk[0..4] == b"data" {
            let start = at + 8;
            let data = (len - start) / u64::from(block_align) * u64::from(block_align);
            let data = data.min(u64::from(u32::MAX) - start);
            file.set_len(start + data)?;
            file.seek(SeekFrom::Start(4))?;
            file.write_all(&((start + data - 8) as u32).to_le_bytes())?;
            file.seek(SeekFrom::Start(at + 4))?;
            file.write_all(&(data as u32).to_le_bytes())?;
            file.sync_all()?;
            return Ok(Some(data as f64 / f64::from(byte_rate.max(1))));
        }
        at += 8 + size + (size & 1);
    }
    Ok(None)
}

/// The question id from a recording's name (`01-message-queues.wav`).
fn question_of(wav: &Path) -> Option<String> {
    let stem = wav.file_stem()?.to_str()?;
    let (number, id) = stem.split_once('-')?;
    (number.chars().all(|c| c.is_ascii_digit()) && !id.is_empty()).then(|| id.to_string())
}

/// Finds recordings under `data_dir/sessions` that the history does not
/// know, finalises them and adds them. Folders held by a running session are
/// left alone.
pub fn recover(store: &mut Store, data_dir: &Path) -> Result<Vec<Recovered>, HistoryError> {
    let sessions = data_dir.join("sessions");
    let Ok(dirs) = std::fs::read_dir(&sessions) else {
        return Ok(Vec::new());
    };
    let mut dirs: Vec<PathBuf> = dirs
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut known: Option<HashSet<PathBuf>> = None;
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut wavs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "wav"))
            .collect();
        if wavs.is_empty() || in_use(&dir) {
            continue;
        }
        wavs.sort();
        let known = match &mut known {
            Some(k) => k,
            None => known.insert(store.recording_paths()?.into_iter().collect()),
        };
        let mut session_id = None;
        for wav in wavs.into_iter().filter(|w| !known.contains(w)) {
            let seconds = match finalize_wav(&wav) {
                Ok(Some(s)) => s,
                _ => continue, // not ours, or unreadable: leave it untouched
            };
            let json = wav.with_extension("json");
            let analysis: Option<Analysis> = std::fs::read(&json)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            let session = match session_id {
                Some(id) => id,
                None => {
                    let id = match store.session_for_dir(&dir)? {
                        Some(id) => id,
                        None => {
                            store.start_session("recovered", &Utc::now().rfc3339(), Some(&dir))?
                        }
                    };
                    *session_id.insert(id)
                }
            };
            let question = analysis
                .as_ref()
                .and_then(|a| a.question.as_ref().map(|q| q.id.clone()))
                .or_else(|| question_of(&wav));
            let id = store.add_answer(&NewAnswer {
                session_id: session,
                recorded_at: Utc::now().rfc3339(),
                question_id: question.as_deref(),
                question_text: analysis
                    .as_ref()
                    .and_then(|a| a.question.as_ref().map(|q| q.text.as_str())),
                status: if analysis.is_some() {
                    "complete"
                } else {
                    "interrupted"
                },
                stopped: Some("killed"),
                wav: Some(&wav),
                json: json.is_file().then_some(json.as_path()),
                extra: &[],
                analysis: analysis.as_ref(),
            })?;
            tracing::info!(wav = %wav.display(), seconds, id, "recovered an answer a killed run left");
            found.push(Recovered {
                id,
                wav,
                seconds,
                analysed: analysis.is_some(),
            });
        }
        let _ = std::fs::remove_file(dir.join(LOCK_FILE));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wav_cut_off_mid_write_is_finalised_to_its_real_length() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01-q.wav");
        let spec = crate::audio::wav::spec_16k_mono();
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..16_000 {
            w.write_sample((i % 100) as i16).unwrap();
        }
        w.flush().unwrap();
        drop(w); // hound finalizes on drop; write a stale header and a torn sample by hand
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[40..44].copy_from_slice(&8000u32.to_le_bytes());
        bytes.push(7); // half a sample
        std::fs::write(&path, &bytes).unwrap();
        let seconds = finalize_wav(&path).unwrap().unwrap();
        assert!((seconds - 1.0).abs() < 1e-9, "{seconds}");
        let clip = crate::audio::wav::read_mono(&path).unwrap();
        assert_eq!(clip.samples.len(), 16_000);
        assert_eq!(question_of(&path).as_deref(), Some("q"));
    }

    #[test]
    fn files_that_are_not_wavs_are_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.wav");
        std::fs::write(&path, b"hello").unwrap();
        assert_eq!(finalize_wav(&path).unwrap(), None);
        assert_eq!(std::fs::read(&path).unwrap(), b"hello");
    }

    #[test]
    fn a_locked_session_is_not_recovered_and_an_unlocked_one_is() {
        let data = tempfile::tempdir().unwrap();
        let mut store = Store::open(data.path()).unwrap();
        let session = super::super::new_session_dir(data.path(), "20260101-000000").unwrap();
        let lock = lock_session(&session).unwrap();
        crate::audio::wav::write_16k_mono(&session.join("01-q.wav"), &[0.1; 1600]).unwrap();
        assert!(recover(&mut store, data.path()).unwrap().is_empty());
        drop(lock);
        let found = recover(&mut store, data.path()).unwrap();
        assert_eq!(found.len(), 1);
        assert!(!found[0].analysed);
        assert_eq!(store.answer(found[0].id).unwrap().row.status, "interrupted");
        assert!(
            recover(&mut store, data.path()).unwrap().is_empty(),
            "only once"
        );
    }
}
