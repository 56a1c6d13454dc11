//! Orchestration: from a recording (or, later, the microphone) to an
//! [`Analysis`]. Reading, voice detection and transcription happen here;
//! the analysis itself is pure.

use std::path::Path;

use crate::analysis::{self, Analysis};
use crate::audio::{self, AudioError, vad};
use crate::bank::{BankError, Question};
use crate::transcribe::{ModelError, Transcriber, Transcript};

/// Voiced time below which a recording counts as silent.
pub const MIN_VOICED_S: f64 = 0.3;

/// Errors from running a session step.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// Audio could not be read or written.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The bank failed.
    #[error(transparent)]
    Bank(#[from] BankError),
    /// Nothing was said.
    #[error("no speech detected in {what}; check the microphone level or the file")]
    NoSpeech {
        /// The recording.
        what: String,
    },
}

pub mod practice;

/// Refuses a recording without speech before whisper sees it (whisper
/// invents words in silence).
fn require_speech(voice: &vad::VoiceActivity, what: &str) -> Result<(), SessionError> {
    let voiced_s = voice.voiced.iter().filter(|v| **v).count() as f64 * voice.frame_s;
    if voiced_s < MIN_VOICED_S {
        return Err(SessionError::NoSpeech {
            what: what.to_string(),
        });
    }
    Ok(())
}

fn analysis_of(
    samples: &[f32],
    voice: &vad::VoiceActivity,
    transcript: &Transcript,
    question: Option<&Question>,
) -> Analysis {
    analysis::analyze(analysis::Inputs {
        duration_s: samples.len() as f64 / f64::from(audio::WHISPER_RATE),
        voice,
        transcript,
        question,
    })
}

/// Analyses 16 kHz mono samples of an answer, transcribing them in one go.
pub fn analyze_samples(
    samples: &[f32],
    question: Option<&Question>,
    transcriber: &mut dyn Transcriber,
    what: &str,
) -> Result<Analysis, SessionError> {
    let voice = vad::detect(samples);
    require_speech(&voice, what)?;
    let transcript = transcriber.transcribe(samples, 0.0)?;
    Ok(analysis_of(samples, &voice, &transcript, question))
}

/// Analyses an answer whose transcript is already known (streamed), with the
/// voice activity the capture worker computed while recording it.
pub fn analyze_transcribed(
    samples: &[f32],
    voice: &vad::VoiceActivity,
    transcript: &Transcript,
    question: Option<&Question>,
    what: &str,
) -> Result<Analysis, SessionError> {
    require_speech(voice, what)?;
    Ok(analysis_of(samples, voice, transcript, question))
}

/// Reads a WAV file and analyses it.
pub fn analyze_file(
    path: &Path,
    question: Option<&Question>,
    transcriber: &mut dyn Transcriber,
) -> Result<Analysis, SessionError> {
    let clip = audio::wav::read_16k_mono(path)?;
    analyze_samples(
        &clip.samples,
        question,
        transcriber,
        &path.display().to_string(),
    )
}
