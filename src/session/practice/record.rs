//! What a practice session writes down: each answer's record (the JSON
//! beside its WAV), how it stopped, and the summary table at the end.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::analysis::Analysis;
use crate::audio::AudioError;
use crate::history::{self};
use crate::session::SessionError;

/// Why an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The candidate pressed Enter.
    Enter,
    /// Silence after speech.
    Silence,
    /// The hard time limit.
    MaxLength,
    /// The input device went away.
    DeviceLost,
    /// Ctrl-C.
    Interrupted,
}

impl StopReason {
    /// The name used in JSON and in the history.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Enter => "enter",
            StopReason::Silence => "silence",
            StopReason::MaxLength => "max_length",
            StopReason::DeviceLost => "device_lost",
            StopReason::Interrupted => "interrupted",
        }
    }
}

/// One answered question.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerRecord {
    /// The question id.
    pub question_id: String,
    /// The WAV file.
    pub wav: PathBuf,
    /// Why the answer ended.
    pub stopped: StopReason,
    /// The analysis (the `analyze --json` schema, flattened into this
    /// record), unless interrupted or silent.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// A problem that prevented analysis (e.g. no speech).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Samples dropped by the ring buffer.
    pub overruns: u64,
    /// The input stream's latency (capture to callback) when the answer began, seconds.
    pub input_latency_s: f64,
    /// How the report was made ready, if the answer was transcribed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub streaming: Option<StreamingStats>,
    /// The follow-up asked and answered, whose reply is part of the analysis.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUpRecord>,
}

/// A follow-up question and the reply that completed the answer.
#[derive(Debug, Clone, Serialize)]
pub struct FollowUpRecord {
    /// The gap it aimed at (`result`, `personal_action`, …).
    pub gap: String,
    /// The question asked.
    pub question: String,
    /// The answer as first given.
    pub answer_wav: PathBuf,
    /// The reply.
    pub reply_wav: PathBuf,
    /// Why the reply ended.
    pub stopped: StopReason,
}

/// How much of the transcription happened while the candidate spoke.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct StreamingStats {
    /// Chunks the answer was transcribed in.
    pub chunks: usize,
    /// Seconds of audio still to transcribe when the answer stopped (0 when
    /// everything was done while the candidate spoke or paused).
    pub after_stop_s: f64,
    /// Seconds from the stop to the finished report.
    pub report_latency_s: f64,
}

/// The outcome of a session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionOutcome {
    /// The session folder.
    pub dir: PathBuf,
    /// Answers in order.
    pub answers: Vec<AnswerRecord>,
    /// True when Ctrl-C ended the session.
    pub interrupted: bool,
}

pub(super) fn write_record(wav: &Path, record: &AnswerRecord) -> Result<(), SessionError> {
    let path = wav.with_extension("json");
    let json = serde_json::to_vec_pretty(record).map_err(|e| AudioError::Write {
        path: path.clone(),
        err: e.to_string(),
    })?;
    history::write_private(&path, &json).map_err(|e| AudioError::Write {
        path,
        err: e.to_string(),
    })?;
    Ok(())
}

/// The end-of-session table: one row per answer.
pub fn summary_table(outcome: &SessionOutcome) -> String {
    let mut out =
        String::from("question                    length    wpm  fillers  STAR  thinking\n");
    for a in &outcome.answers {
        match &a.analysis {
            Some(x) => out.push_str(&format!(
                "{:<26} {:>6.1} s {:>6.0} {:>8}  {}  {:>6.1} s\n",
                a.question_id,
                x.timing.answer_s,
                x.timing.wpm,
                x.fillers.total,
                x.star.letters(),
                x.timing.thinking_s
            )),
            None => out.push_str(&format!(
                "{:<26} {}\n",
                a.question_id,
                a.problem.as_deref().unwrap_or("not analysed")
            )),
        }
    }
    out
}
