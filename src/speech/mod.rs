//! Text to speech: the [`Speaker`] seam and the voices behind it: a natural
//! Piper voice run in-process ([`piper`]), and the system's engines
//! ([`system`]: espeak-ng, `say`, SAPI). [`voices`] finds what is installed
//! and picks one, falling back to the system engine with a notice; [`cache`]
//! keeps what the natural voice has said, so a question heard before starts at once.

use std::path::PathBuf;

use crate::audio::{self, Clip};

pub mod cache;
pub mod phrasing;
pub mod piper;
pub mod system;
pub mod voices;

pub use system::SystemSpeaker;

/// Errors from speech synthesis.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// No engine installed.
    #[error(
        "no speech engine found; install one with `sudo apt-get install espeak-ng` (Linux) or use --no-speak"
    )]
    NoEngine,
    /// The engine ran but failed.
    #[error("{engine} failed: {detail}")]
    Failed {
        /// Engine name.
        engine: &'static str,
        /// What it said.
        detail: String,
    },
    /// Its output could not be read.
    #[error(transparent)]
    Audio(#[from] audio::AudioError),
    /// A voice file (or its config) is not there.
    #[error("voice file {} is missing; run `scripts/fetch-voice` or `rehearse voices fetch joe`", path.display())]
    VoiceMissing {
        /// The file.
        path: PathBuf,
    },
    /// A voice model that ONNX Runtime cannot load.
    #[error("{} is not a usable voice ({detail}); reinstall it with `scripts/fetch-voice`", path.display())]
    VoiceCorrupt {
        /// The model.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// A voice config that does not read or does not fit its model.
    #[error("{} does not match its voice ({detail}); reinstall it with `scripts/fetch-voice`", path.display())]
    VoiceConfig {
        /// The config.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The ONNX Runtime library is missing or does not load.
    #[error(
        "ONNX Runtime, which plays the natural voice, did not load ({detail}); run `scripts/fetch-voice` or set ORT_DYLIB_PATH"
    )]
    Runtime {
        /// What went wrong.
        detail: String,
    },
    /// `--voice` names no installed voice.
    #[error("no voice called `{name}`; `rehearse voices` lists them")]
    UnknownVoice {
        /// What was asked for.
        name: String,
    },
}

/// Voice settings.
#[derive(Debug, Clone, Default)]
pub struct Voice {
    /// Engine voice name (`en-us`, `en-gb+f2`, …); engine default if None.
    pub name: Option<String>,
    /// Words per minute; engine default if None.
    pub rate_wpm: Option<u32>,
}

/// Turns text into samples.
pub trait Speaker: Send + Sync {
    /// Synthesizes `text`: the clip starts with its first audible sample and
    /// ends with its last ([`audible`]), so that when it has been played the
    /// question has just been heard to its end.
    fn synthesize(&self, text: &str) -> Result<Clip, SpeechError>;

    /// Synthesizes `text` piece by piece, handing each piece to `each` as soon
    /// as it is made, so the first can play while the rest are made; stops
    /// early when `each` returns false. Played back to back, the pieces are
    /// the clip [`Speaker::synthesize`] gives (the first starts with its first
    /// audible sample, the last ends with its last). Engines that make the
    /// whole clip at once hand it over as one piece.
    fn synthesize_each(
        &self,
        text: &str,
        each: &mut dyn FnMut(Clip) -> bool,
    ) -> Result<(), SpeechError> {
        each(self.synthesize(text)?);
        Ok(())
    }

    /// The voice, as `rehearse voices` lists it (`piper:joe`, `espeak-ng:en-us`).
    fn name(&self) -> String;
}

/// A sample quieter than this (about -50 dBFS) is silence: far under speech,
/// whose peaks come near full scale, and over the dither some engines add.
pub const SILENCE_BELOW: f32 = 0.003;

/// The clip without its leading and trailing silence. Every engine pads its
/// output (espeak-ng ends each clip with about 0.3 s of silence); thinking
/// time counts from the question's last audible sample, not from the end of
/// the padding.
pub fn audible(clip: Clip) -> Clip {
    let loud = |s: &f32| s.abs() >= SILENCE_BELOW;
    let Some(first) = clip.samples.iter().position(loud) else {
        return Clip {
            samples: Vec::new(),
            rate: clip.rate,
        };
    };
    let last = clip.samples.iter().rposition(loud).unwrap_or(first);
    Clip {
        samples: clip.samples[first..=last].to_vec(),
        rate: clip.rate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_is_cut_to_its_first_and_last_audible_samples() {
        let mut samples = vec![0.0; 100];
        samples.extend([0.2, -0.5, 0.001, 0.3]);
        samples.extend(vec![0.0005; 300]);
        let clip = audible(Clip {
            samples,
            rate: 22_050,
        });
        assert_eq!(clip.samples, [0.2, -0.5, 0.001, 0.3]);
        let silent = audible(Clip {
            samples: vec![0.0; 10],
            rate: 16_000,
        });
        assert!(silent.samples.is_empty());
    }
}
