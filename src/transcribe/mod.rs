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

use crate::audio::spans::Span;

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

/// Moves word boundaries that fall in silence onto the nearest speech:
/// a start inside a silence moves forward to where speech resumes, an end
/// moves back to where it stopped. Whisper's token times fold silence into
/// words; the voice detector knows where the silence is.
pub fn snap_words(words: &mut [Word], spans: &[Span]) {
    if spans.is_empty() {
        return;
    }
    let inside = |t: f64| spans.iter().any(|s| t >= s.start_s && t <= s.end_s);
    // Back to front, so each word sees where its successor now starts.
    for i in (0..words.len()).rev() {
        let limit = words.get(i + 1).map_or(f64::INFINITY, |n| n.start_s);
        let w = &mut words[i];
        let length = (w.end_s - w.start_s).max(0.0);
        if !inside(w.start_s)
            && let Some(next) = spans.iter().find(|s| s.start_s > w.start_s)
            && next.start_s <= limit
        {
            w.start_s = next.start_s;
            if w.end_s < w.start_s {
                w.end_s = (w.start_s + length).min(limit).min(next.end_s);
            }
        }
        if !inside(w.end_s)
            && let Some(prev) = spans.iter().rev().find(|s| s.end_s < w.end_s)
            && prev.end_s > w.start_s
        {
            w.end_s = prev.end_s;
        }
    }
}

/// Turns 16 kHz mono samples into timed words. Real: [`Whisper`]. Unit tests
/// of the analysis may use fixed words instead.
pub trait Transcriber {
    /// Transcribes `samples`, whose speech stretches are `speech` (on the
    /// samples' own timeline: the voice activity is computed once per
    /// recording, upstream); word times are offset by `offset_s`.
    fn transcribe(
        &mut self,
        samples: &[f32],
        speech: &[Span],
        offset_s: f64,
    ) -> Result<Transcript, ModelError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_edges_in_silence_snap_to_speech() {
        let spans = vec![
            Span {
                start_s: 1.2,
                end_s: 3.0,
            },
            Span {
                start_s: 4.0,
                end_s: 5.0,
            },
        ];
        let w = |s: f64, e: f64| Word {
            word: "x".into(),
            start_s: s,
            end_s: e,
            probability: 1.0,
        };
        let mut words = vec![w(0.0, 0.5), w(0.5, 1.6), w(2.5, 3.6), w(3.6, 4.4)];
        snap_words(&mut words, &spans);
        // Words starting in the leading silence move onto the speech, in order.
        assert_eq!((words[0].start_s, words[0].end_s), (1.2, 1.2));
        assert_eq!((words[1].start_s, words[1].end_s), (1.2, 1.6));
        assert_eq!((words[2].start_s, words[2].end_s), (2.5, 3.0));
        assert_eq!((words[3].start_s, words[3].end_s), (4.0, 4.4));
    }
}
