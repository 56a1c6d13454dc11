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
    /// The history could not be written.
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// Nothing was said.
    #[error("no speech detected in {what}; check the microphone level or the file")]
    NoSpeech {
        /// The recording.
        what: String,
    },
}

pub mod practice;

/// Caps glibc's malloc arenas. Every answer's transcriber runs on a new
/// thread; with the default of 8 arenas per core each of those threads can
/// get an arena of its own that keeps the whisper state's freed buffers, and
/// a long session's memory climbs by ~150 MB before it levels off
/// (`scripts/soak`).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes an allocator setting.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Gives memory freed after an answer (the whisper state, the recording)
/// back to the system.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap pages.
    unsafe {
        libc::malloc_trim(0);
    }
}

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

/// Joins an answer and the reply to its follow-up into one answer: the
/// answer up to its last word, then the reply from its first word, each with
/// a 0.4 s margin, so the interviewer's question and the thinking pause
/// before the reply do not count as a pause in the answer. Word times of the
/// reply move onto the joined timeline.
pub fn merge_turns(
    answer: (&[f32], &Transcript),
    reply: (&[f32], &Transcript),
) -> (Vec<f32>, Transcript) {
    const MARGIN_S: f64 = 0.4;
    let rate = f64::from(audio::WHISPER_RATE);
    let spoken = |samples: &[f32]| {
        let spans = crate::analysis::timing::speech_spans(&vad::detect(samples));
        (
            spans.first().map(|s| s.start_s),
            spans.last().map(|s| s.end_s),
        )
    };
    let (_, answer_end) = spoken(answer.0);
    let (reply_start, _) = spoken(reply.0);
    let answer_len = answer.0.len() as f64 / rate;
    let cut_answer = answer_end.map_or(answer_len, |e| (e + MARGIN_S).min(answer_len));
    let cut_reply = reply_start.map_or(0.0, |s| (s - MARGIN_S).max(0.0));
    let a = (cut_answer * rate) as usize;
    let r = ((cut_reply * rate) as usize).min(reply.0.len());
    let mut samples = Vec::with_capacity(a + reply.0.len() - r);
    samples.extend_from_slice(&answer.0[..a.min(answer.0.len())]);
    samples.extend_from_slice(&reply.0[r..]);
    let shift = a as f64 / rate - r as f64 / rate;
    let mut words: Vec<_> = answer
        .1
        .words
        .iter()
        .filter(|w| w.start_s < cut_answer)
        .cloned()
        .collect();
    // The turns are separate sentences even if the answer trailed off mid-sentence.
    if let Some(last) = words.last_mut()
        && !last.word.trim_end().ends_with(['.', '?', '!'])
    {
        last.word = format!("{}.", last.word.trim_end());
    }
    words.extend(
        reply
            .1
            .words
            .iter()
            .filter(|w| w.end_s > cut_reply)
            .map(|w| crate::transcribe::Word {
                start_s: (w.start_s + shift).max(0.0),
                end_s: w.end_s + shift,
                ..w.clone()
            }),
    );
    (samples, Transcript::from_words(words))
}

/// Keeps an analysed recording (`analyze --save`): a private copy of the file
/// and its analysis JSON in a new session folder under `data_dir`, and a row
/// in the history. Returns the answer id.
pub fn keep_analysis(
    store: &mut crate::history::Store,
    data_dir: &Path,
    recording: &Path,
    analysis: &Analysis,
) -> Result<i64, SessionError> {
    use crate::history::{self, NewAnswer, clock::Utc};
    let now = Utc::now();
    let write_err = |path: &Path, e: std::io::Error| AudioError::Write {
        path: path.to_path_buf(),
        err: e.to_string(),
    };
    let dir = history::new_session_dir(data_dir, &now.compact())
        .map_err(|e| write_err(&data_dir.join("sessions"), e))?;
    let _lock = history::recover::lock_session(&dir).map_err(|e| write_err(&dir, e))?;
    let name = analysis
        .question
        .as_ref()
        .map_or("answer", |q| q.id.as_str());
    let wav = dir.join(format!("01-{name}.wav"));
    let copy = std::fs::File::open(recording).and_then(|mut from| {
        let mut to = history::create_private(&wav)?;
        std::io::copy(&mut from, &mut to)?;
        to.sync_all()
    });
    copy.map_err(|e| write_err(&wav, e))?;
    let json = wav.with_extension("json");
    let text = serde_json::to_vec_pretty(analysis).map_err(|e| AudioError::Write {
        path: json.clone(),
        err: e.to_string(),
    })?;
    history::write_private(&json, &text).map_err(|e| write_err(&json, e))?;
    let session_id = store.start_session("analyze", &now.rfc3339(), Some(&dir))?;
    Ok(store.add_answer(&NewAnswer {
        session_id,
        recorded_at: now.rfc3339(),
        question_id: analysis.question.as_ref().map(|q| q.id.as_str()),
        question_text: analysis.question.as_ref().map(|q| q.text.as_str()),
        status: "complete",
        stopped: None,
        wav: Some(&wav),
        json: Some(&json),
        extra: &[],
        analysis: Some(analysis),
    })?)
}
