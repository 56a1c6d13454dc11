//! Speech to text on this machine: Whisper models (import, fetch, check,
//! discovery) and the [`Transcriber`] seam with its whisper-rs engine.

pub mod catalog;
pub mod check;
mod compact;
pub mod ct2;
pub mod fetch;
pub mod ggml;
pub mod import;
pub mod mel;
pub mod quantize;
pub mod stream;
mod whisper;

use std::path::PathBuf;

pub use whisper::{Whisper, WhisperOptions};

/// Errors about models and transcription. Each renders as one line that says
/// what went wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file could not be opened or read.
    #[error("cannot read {}: {err}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}: {err}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// The file is not in whisper.cpp's ggml format.
    #[error("not a whisper.cpp model: {0}")]
    NotGgml(String),
    /// The file ends early.
    #[error("truncated model: {0}")]
    Truncated(String),
    /// The file's contents are inconsistent.
    #[error("corrupt model: {0}")]
    Corrupt(String),
    /// Not a CTranslate2 model file.
    #[error("not a CTranslate2 model: {0}")]
    NotCt2(String),
    /// A CTranslate2 model this importer cannot convert.
    #[error("cannot import this model: {0}")]
    UnsupportedLayout(String),
    /// An int8 (or other quantized) CTranslate2 model.
    #[error("cannot import a quantized model: {0}")]
    Quantized(String),
    /// A model file failed its check; the path is named.
    #[error("{}: {problem}; replace it with `scripts/fetch-model` or `rehearse model fetch tiny.en`", path.display())]
    BadFile {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Box<ModelError>,
    },
    /// No model anywhere.
    #[error(
        "no Whisper model found (looked in {searched}); get one with `scripts/fetch-model` \
         or `rehearse model fetch tiny.en`, or pass --model PATH"
    )]
    Missing {
        /// The places searched.
        searched: String,
    },
    /// whisper.cpp refused the file.
    #[error("whisper.cpp could not load {}; check it with `rehearse model list`", path.display())]
    Load {
        /// The model file.
        path: PathBuf,
    },
    /// A model that cannot be quantized (already quantized, or odd tensors).
    #[error("cannot quantize: {0}")]
    CannotQuantize(String),
    /// Transcription failed inside whisper.cpp.
    #[error("transcription failed: {0}")]
    Transcribe(String),
    /// A download failed.
    #[error("download failed: {0}")]
    Download(String),
    /// A download's checksum did not match the pinned one.
    #[error(
        "checksum mismatch for {file}: expected sha256 {expected}, got {actual}; \
         the download was deleted, run the command again"
    )]
    Checksum {
        /// File name.
        file: String,
        /// The pinned digest.
        expected: String,
        /// What arrived.
        actual: String,
    },
}

impl ModelError {
    /// Names the file a check failed on.
    pub fn in_file(self, path: impl Into<PathBuf>) -> ModelError {
        ModelError::BadFile {
            path: path.into(),
            problem: Box::new(self),
        }
    }
}

/// One recognised word on the answer's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Word {
    /// The word as transcribed, with any attached punctuation.
    pub word: String,
    /// Start, seconds from the start of the audio.
    pub start_s: f64,
    /// End, seconds from the start of the audio.
    pub end_s: f64,
    /// Mean token probability, 0..1.
    pub probability: f32,
}

/// What was said, word by word.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transcript {
    /// The full text.
    pub text: String,
    /// Words with times.
    pub words: Vec<Word>,
}

impl Transcript {
    /// Builds a transcript from its words.
    pub fn from_words(words: Vec<Word>) -> Transcript {
        let text = words
            .iter()
            .map(|w| w.word.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Transcript { text, words }
    }
}

/// Turns 16 kHz mono samples into timed words. Real: [`Whisper`]. Unit tests
/// of the analysis may use fixed words instead.
pub trait Transcriber {
    /// Transcribes `samples`; word times are offset by `offset_s`.
    fn transcribe(&mut self, samples: &[f32], offset_s: f64) -> Result<Transcript, ModelError>;
}
