//! Downloads official ggml models with resume, retry and a pinned checksum.
//!
//! This is the only code in rehearse that touches the network. The bytes
//! land in `NAME.part` beside the target; an interrupted download resumes
//! from there with an HTTP range request, and only a file whose sha256
//! matches the pin is renamed into place.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::ModelError;
use super::catalog::sha256_file;

/// Where upstream publishes the ggml files.
pub const UPSTREAM: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/// How persistent a download is.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the second attempt; doubled after each failure.
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 5,
            first_delay: Duration::from_millis(500),
        }
    }
}

/// One file to download and its pin.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// Full URL.
    pub url: String,
    /// Final path.
    pub dest: &'a Path,
    /// Pinned sha256, hex.
    pub sha256: &'a str,
    /// Expected size, if known.
    pub bytes: Option<u64>,
}

/// The partial-download path for a target.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    dest.with_file_name(name)
}

enum Attempt {
    Done,
    Retry(String),
}

/// Downloads, resuming and retrying, then verifies and renames into place.
/// `progress(done, total)` is called as bytes arrive.
pub fn download(
    req: &Request,
    policy: RetryPolicy,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<(), ModelError> {
    if let Some(dir) = req.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| ModelError::Write {
            path: dir.to_path_buf(),
            err: e,
        })?;
    }
    let part = partial_path(req.dest);
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(15))
        .timeout_read(Duration::from_secs(60))
        .build();
    let mut delay = policy.first_delay;
    let mut last_problem = String::new();
    let mut finished = false;
    for attempt in 0..policy.attempts.max(1) {
        if attempt > 0 {
            std::thread::sleep(delay);
            delay *= 2;
        }
        match try_once(&agent, req, &part, &mut progress)? {
            Attempt::Done => {
                finished = true;
                break;
            }
            Attempt::Retry(why) => last_problem = why,
        }
    }
    if !finished {
        return Err(ModelError::Download(format!(
            "{} after {} attempts ({last_problem}); run the command again to resume",
            req.url, policy.attempts
        )));
    }
    let actual = sha256_file(&part)?;
    if actual != req.sha256 {
        let _ = fs::remove_file(&part);
        return Err(ModelError::Checksum {
            file: req
                .dest
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            expected: req.sha256.to_string(),
            actual,
        });
    }
    fs::rename(&part, req.dest).map_err(|e| ModelError::Write {
        path: req.dest.to_path_buf(),
        err: e,
    })
}

fn try_once(
    agent: &ureq::Agent,
    req: &Request,
    part: &Path,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> Result<Attempt, ModelError> {
    let have = fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    if req.bytes.is_some_and(|b| have == b) {
        return Ok(Attempt::Done);
    }
    let mut call = agent.get(&req.url);
    if have > 0 {
        call = call.set("Range", &format!("bytes={have}-"));
    }
    let response = match call.call() {
        Ok(r) => r,
        Err(ureq::Error::Status(416, _)) if have > 0 => return Ok(Attempt::Done),
        Err(ureq::Error::Status(code, _)) if code >= 500 || code == 429 => {
            return Ok(Attempt::Retry(format!("server answered {code}")));
        }
        Err(ureq::Error::Status(code, _)) => {
            return Err(ModelError::Download(format!(
                "{} answered HTTP {code}",
                req.url
            )));
        }
        Err(ureq::Error::Transport(t)) => return Ok(Attempt::Retry(t.to_string())),
    };
    let resumed = response.status() == 206;
    let remaining: Option<u64> = response
        .header("Content-Length")
        .and_then(|v| v.parse().ok());
    let start = if resumed { have } else { 0 };
    // The server's own length decides when this response is complete; a
    // complete file of the wrong size then fails the checksum, not a retry.
    let total = remaining.map(|r| r + start).or(req.bytes);
    let write_err = |e| ModelError::Write {
        path: part.to_path_buf(),
        err: e,
    };
    let mut file: File = if resumed {
        OpenOptions::new()
            .append(true)
            .open(part)
            .map_err(write_err)?
    } else {
        File::create(part).map_err(write_err)?
    };
    let mut reader = response.into_reader();
    let mut buf = vec![0u8; 256 * 1024];
    let mut done = start;
    progress(done, total);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                file.sync_all().map_err(write_err)?;
                return Ok(Attempt::Retry(format!(
                    "connection lost at byte {done}: {e}"
                )));
            }
        };
        file.write_all(&buf[..n]).map_err(write_err)?;
        done += n as u64;
        progress(done, total);
    }
    file.sync_all().map_err(write_err)?;
    match total {
        Some(t) if done < t => Ok(Attempt::Retry(format!(
            "connection closed at byte {done} of {t}"
        ))),
        _ => Ok(Attempt::Done),
    }
}
