//! Audio in and out: WAV files, resampling to Whisper's 16 kHz mono, and
//! voice activity detection.

pub mod capture;
pub mod playback;
pub mod resample;
pub mod vad;
pub mod wav;

use std::path::PathBuf;

/// Runs `f` with the process's stderr pointed at /dev/null. ALSA's plugins
/// (JACK, OSS) print to stderr while cpal probes devices; the user should see
/// our one-line messages, not theirs.
pub fn without_stderr<T>(f: impl FnOnce() -> T) -> T {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: dup/dup2/close on valid descriptors; stderr is restored before returning.
        let saved = unsafe { libc::dup(2) };
        let null = std::fs::OpenOptions::new().write(true).open("/dev/null");
        if let (true, Ok(null)) = (saved >= 0, null) {
            unsafe { libc::dup2(null.as_raw_fd(), 2) };
            let out = f();
            unsafe {
                libc::dup2(saved, 2);
                libc::close(saved);
            }
            return out;
        }
    }
    f()
}

/// Whisper's sample rate; every recording is stored at this rate.
pub const WHISPER_RATE: u32 = 16_000;

/// Errors about audio files and devices, one line each.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file cannot be opened.
    #[error("cannot open {}: {err}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// Not a WAV file hound can read.
    #[error("{} is not a readable WAV file ({reason}); convert it with `sox IN.wav -r 16000 -c 1 -b 16 OUT.wav`", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What hound said.
        reason: String,
    },
    /// A WAV with no samples.
    #[error("{} holds no audio (0 samples); record the answer again", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// Too large to analyse.
    #[error("{} is {minutes:.0} minutes long; rehearse analyses answers up to {limit} minutes", path.display())]
    TooLong {
        /// The file.
        path: PathBuf,
        /// Its length.
        minutes: f64,
        /// The limit.
        limit: u32,
    },
    /// A WAV file cannot be written.
    #[error("cannot write {}: {err}; check that the folder is writable and the disk has room", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS or encoder error.
        err: String,
    },
    /// No such audio device.
    #[error("no {kind} device{}; list them with `rehearse devices`, or answer from a file with --audio-from FILE.wav", wanted.as_ref().map(|w| format!(" matching {w:?}")).unwrap_or_default())]
    NoDevice {
        /// "input" or "output".
        kind: &'static str,
        /// The name asked for, if any.
        wanted: Option<String>,
    },
    /// The audio system refused a request.
    #[error("audio device error: {0}; check `rehearse devices`")]
    Device(String),
    /// The device went away.
    #[error("the audio device disappeared; reconnect it and run the command again")]
    DeviceLost,
    /// The resampler refused its input.
    #[error("cannot resample from {rate} Hz: {reason}")]
    Resample {
        /// Source rate.
        rate: u32,
        /// Why.
        reason: String,
    },
}

/// Mono audio at a known rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// Samples in -1..1.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub rate: u32,
}

impl Clip {
    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.rate.max(1))
    }
}
