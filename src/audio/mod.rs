//! Audio in and out: WAV files, resampling to Whisper's 16 kHz mono, and
//! voice activity detection.

pub mod capture;
pub mod device;
pub mod file;
pub mod playback;
pub mod resample;
pub mod spans;
pub mod vad;
pub mod wav;

use std::path::PathBuf;

/// Whether a device name looks like a laptop's or desktop's own speaker or
/// microphone rather than a headset.
pub fn looks_built_in(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let headset = [
        "headset",
        "headphone",
        "usb",
        "bluetooth",
        "airpods",
        "bt ",
        "earbud",
    ];
    let built_in = [
        "built-in",
        "builtin",
        "internal",
        "analog stereo",
        "hda intel",
        "pch",
        "speaker",
        "macbook",
    ];
    !headset.iter().any(|h| n.contains(h)) && built_in.iter().any(|b| n.contains(b))
}

/// The headset hint: when the default output and input both look built in,
/// the spoken question reaches the microphone. Returns the two names then.
pub fn built_in_pair(output: Option<&str>, input: Option<&str>) -> Option<(String, String)> {
    use cpal::traits::HostTrait;
    without_stderr(|| {
        let host = cpal::default_host();
        // Every device is listed only for a name asked for: listing them
        // opens each ALSA device, which takes the CPU the voice needs to
        // load while the session starts.
        let pick = |wanted: Option<&str>,
                    devices: &dyn Fn() -> Option<Vec<cpal::Device>>,
                    default: &dyn Fn() -> Option<cpal::Device>| {
            match wanted {
                Some(w) => devices()?
                    .into_iter()
                    .map(|d| device::device_name(&d))
                    .find(|n| n.to_lowercase().contains(&w.to_lowercase())),
                None => default().map(|d| device::device_name(&d)),
            }
        };
        let out = pick(
            output,
            &|| host.output_devices().ok().map(Iterator::collect),
            &|| host.default_output_device(),
        )?;
        let inp = pick(
            input,
            &|| host.input_devices().ok().map(Iterator::collect),
            &|| host.default_input_device(),
        )?;
        (looks_built_in(&out) && looks_built_in(&inp)).then_some((out, inp))
    })
}

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
    /// Not a recording in a format rehearse reads.
    #[error("{} is not a recording rehearse can read ({reason}); it reads WAV, FLAC, MP3, Ogg/Vorbis and AAC in MP4/M4A", path.display())]
    NotAudio {
        /// The file.
        path: PathBuf,
        /// What the decoder said.
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

#[cfg(test)]
mod headset_tests {
    use super::looks_built_in;

    #[test]
    fn built_in_devices_are_told_from_headsets() {
        assert!(looks_built_in("Built-in Audio Analog Stereo"));
        assert!(looks_built_in("MacBook Pro Speakers"));
        assert!(looks_built_in("HDA Intel PCH, ALC3246 Analog"));
        assert!(!looks_built_in("Jabra Evolve2 65 USB Headset"));
        assert!(!looks_built_in("WH-1000XM4 Bluetooth headphones"));
    }
}
