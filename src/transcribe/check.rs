//! `rehearse model verify`: load a model and transcribe a spoken check phrase.

use std::path::Path;

use super::{ModelError, Transcriber, Whisper, WhisperOptions};
use crate::analysis::text;
use crate::audio::resample;
use crate::speech::{Speaker, SpeechError};

/// The phrase spoken and transcribed by the check.
pub const CHECK_PHRASE: &str =
    "Tell me about a time you solved a difficult problem at work, and what changed because of it.";

/// Word errors the check tolerates.
pub const MAX_WORD_ERRORS: usize = 1;

/// The outcome of a check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verdict {
    /// What whisper heard.
    pub heard: String,
    /// Word errors against [`CHECK_PHRASE`].
    pub word_errors: usize,
    /// Seconds to load the model.
    pub load_s: f64,
    /// Seconds to transcribe.
    pub transcribe_s: f64,
    /// True when `word_errors <= MAX_WORD_ERRORS`.
    pub passed: bool,
}

/// Why a check could not run.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The model is bad.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// No voice to speak the phrase.
    #[error(transparent)]
    Speech(#[from] SpeechError),
}

/// Speaks the check phrase with `speaker` and transcribes it with the model.
pub fn verify(model: &Path, speaker: &dyn Speaker, threads: usize) -> Result<Verdict, CheckError> {
    let started = std::time::Instant::now();
    let mut whisper = Whisper::load(
        model,
        WhisperOptions {
            threads,
            ..WhisperOptions::default()
        },
    )?;
    let load_s = started.elapsed().as_secs_f64();
    let clip = speaker.synthesize(CHECK_PHRASE)?;
    let clip = resample::to_16k(&clip).map_err(SpeechError::from)?;
    let started = std::time::Instant::now();
    // The clip is cut to its audible samples: speech from end to end.
    let speech = [crate::audio::spans::Span {
        start_s: 0.0,
        end_s: clip.samples.len() as f64 / 16_000.0,
    }];
    let heard = whisper.transcribe(&clip.samples, &speech, 0.0)?.text;
    let transcribe_s = started.elapsed().as_secs_f64();
    let word_errors = text::word_errors(&text::normalize(CHECK_PHRASE), &text::normalize(&heard));
    Ok(Verdict {
        heard,
        word_errors,
        load_s,
        transcribe_s,
        passed: word_errors <= MAX_WORD_ERRORS,
    })
}
