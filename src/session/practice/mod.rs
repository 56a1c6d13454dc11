//! A live practice session: speak each question, record the answer from the
//! microphone (or a file played in real time), stop on Enter, time-out or
//! silence, analyse, report, and keep the WAV and JSON in a session folder
//! and a row in the history.
//!
//! tokio drives the session: speech synthesis, playback and whisper run on
//! blocking workers; the keyboard, the timers and Ctrl-C are awaited together.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{out, outln};

use super::SessionError;

mod record;
mod turns;
mod voice;

use crate::analysis::Analysis;
use crate::analysis::follow_up;
use crate::audio::AudioError;
use crate::bank::{Kind, Question};
use crate::history::clock::Utc;
use crate::history::{self, NewAnswer, Store};
use crate::report::{self, Style};
use crate::transcribe::{Whisper, WhisperOptions};
use record::write_record;
pub use record::{
    AnswerRecord, FollowUpRecord, SessionOutcome, StopReason, StreamingStats, summary_table,
};
use turns::{Choice, Recorded, Screen, Turns, analyse_turn, keyboard};
pub use voice::Interviewer;
/// How a practice session runs.
#[derive(Debug, Clone)]
pub struct PracticeOptions {
    /// The Whisper model.
    pub model: PathBuf,
    /// Whisper threads.
    pub threads: usize,
    /// Input device (part of its name); default device if None.
    pub input_device: Option<String>,
    /// Output device (part of its name); default device if None.
    pub output_device: Option<String>,
    /// Answer from these WAVs, played in real time, instead of the microphone
    /// (one per turn, in order, round again when there are more turns).
    pub audio_from: Vec<PathBuf>,
    /// Hard limit as a multiple of the target (1.5 by default), or seconds if set.
    pub max_s: Option<f64>,
    /// Seconds of silence, once speech has begun, that end the answer.
    pub silence_stop_s: f64,
    /// JSON lines on stdout instead of the terminal report.
    pub json: bool,
    /// Where this session's files go.
    pub session_dir: PathBuf,
    /// Colour in the report.
    pub style: Style,
    /// No chatter on stderr.
    pub quiet: bool,
    /// Show each finished chunk's transcript while the candidate speaks (terminal only).
    pub captions: bool,
    /// What the history calls this session: `practice` or `ask`.
    pub kind: &'static str,
    /// Ask one follow-up about the biggest gap in a behavioural answer.
    pub follow_ups: bool,
    /// The follow-up questions (from the bank).
    pub follow_up_texts: crate::bank::FollowUps,
    /// After each report, offer retry / next / outline / quit on stdin.
    pub choices: bool,
}

/// Runs a practice session over `questions`, asked by `voice` (opened by the
/// caller as early as it can: the natural voice takes a moment), adding
/// every answer to `history` as soon as its files are written.
pub async fn practice(
    questions: Vec<Question>,
    options: PracticeOptions,
    voice: Interviewer,
    mut history: Option<&mut Store>,
) -> Result<SessionOutcome, SessionError> {
    super::limit_malloc_arenas();
    let screen = Screen {
        tty: std::io::stderr().is_terminal(),
        quiet: options.quiet,
    };
    history::private_dir(&options.session_dir).map_err(|e| AudioError::Write {
        path: options.session_dir.clone(),
        err: e.to_string(),
    })?;
    // While this is held, no other rehearse takes our recordings for orphans.
    let _lock =
        history::recover::lock_session(&options.session_dir).map_err(|e| AudioError::Write {
            path: options.session_dir.clone(),
            err: e.to_string(),
        })?;
    let session_id = match history.as_deref_mut() {
        Some(store) => Some(store.start_session(
            options.kind,
            &Utc::now().rfc3339(),
            Some(&options.session_dir),
        )?),
        None => None,
    };
    // Load the model while the first question is being spoken, from its
    // first sound on: on two cores, loading it while the voice makes its
    // first piece held the question back by about a tenth of a second.
    let (first_sound, heard) = tokio::sync::oneshot::channel::<()>();
    let model = options.model.clone();
    let threads = options.threads;
    let whisper_task = tokio::spawn(async move {
        // A dropped sender (no voice, or it failed) means go too.
        let _ = heard.await;
        tokio::task::spawn_blocking(move || {
            Whisper::load(
                &model,
                WhisperOptions {
                    threads,
                    ..WhisperOptions::default()
                },
            )
        })
        .await
    });
    // A first question heard before plays while the voice opens; otherwise
    // wait for it now, so a fallback notice comes first.
    let mut voice = voice;
    if !questions.first().is_some_and(|q| voice.has_kept(&q.text)) {
        voice.speaker(&|l| screen.line(l)).await;
    }
    let keys = keyboard();
    let interrupted = Arc::new(AtomicBool::new(false));
    let interrupt_flag = interrupted.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            interrupt_flag.store(true, Ordering::SeqCst);
        }
    });
    let mut turns = Turns {
        options: &options,
        screen: &screen,
        voice,
        keys,
        interrupted: interrupted.clone(),
        whisper: None,
        whisper_task: Some(whisper_task),
        first_sound: Some(first_sound),
        taken: 0,
    };
    let mut answers = Vec::new();
    let total = questions.len();
    'questions: for (index, question) in questions.iter().enumerate() {
        let mut attempt = 1u32;
        let mut previous: Option<Analysis> = None;
        loop {
            if interrupted.load(Ordering::SeqCst) {
                break 'questions;
            }
            let number = index + 1;
            let again = if attempt > 1 {
                format!("-attempt{attempt}")
            } else {
                String::new()
            };
            let wav = options
                .session_dir
                .join(format!("{number:02}-{}{again}.wav", question.id));
            let heading = if attempt > 1 {
                format!(
                    "↻ question {number}/{total}, attempt {attempt} [{}]: {}",
                    question.id, question.text
                )
            } else {
                format!(
                    "▶ question {number}/{total} [{}]: {}",
                    question.id, question.text
                )
            };
            let Some(recorded) = turns.take(&heading, &question.text, wav, question).await? else {
                break 'questions;
            };
            if recorded.stopped == StopReason::Interrupted {
                let mut record = new_record(question, &recorded);
                record.problem = Some("interrupted".into());
                write_record(&record.wav, &record)?;
                if let (Some(store), Some(id)) = (history.as_deref_mut(), session_id) {
                    keep(store, id, question, &record, &[])?;
                }
                answers.push(record);
                break 'questions;
            }
            let mut record = new_record(question, &recorded);
            let Some(turn) = turns.transcribe(recorded).await? else {
                break 'questions;
            };
            let mut analysis = analyse_turn(&turn, question);
            let mut extra: Vec<PathBuf> = Vec::new();
            // One follow-up aimed at the biggest gap, answered as part of the same answer.
            if options.follow_ups
                && let Ok(first) = &analysis
                && let Some(gap) = follow_up::gap(first, question.kind == Kind::Behavioral)
                && !interrupted.load(Ordering::SeqCst)
            {
                let asked = options.follow_up_texts.text(gap).to_string();
                let reply_wav = options
                    .session_dir
                    .join(format!("{number:02}-{}{again}-follow-up.wav", question.id));
                let heading = format!("↪ follow-up ({}): {asked}", gap.name());
                tracing::info!(question = %question.id, gap = gap.name(), "asking a follow-up");
                let reply = turns
                    .take(&heading, &asked, reply_wav.clone(), question)
                    .await?;
                if reply.is_some() {
                    extra.push(reply_wav.clone());
                }
                let reply = match reply {
                    Some(r) if r.stopped != StopReason::Interrupted => turns.transcribe(r).await?,
                    _ => None,
                };
                if let Some(reply) = reply {
                    let merged_wav = options.session_dir.join(format!(
                        "{number:02}-{}{again}-with-follow-up.wav",
                        question.id
                    ));
                    let (samples, voice, transcript) = super::merge_turns(
                        (&turn.samples, &turn.voice, &turn.transcript),
                        (&reply.samples, &reply.voice, &reply.transcript),
                    );
                    crate::audio::wav::write_16k_mono_private(&merged_wav, &samples)?;
                    extra.push(turn.wav.clone());
                    analysis = super::analyze_transcribed(
                        &samples,
                        &voice,
                        &transcript,
                        Some(question),
                        &merged_wav.display().to_string(),
                    );
                    record.follow_up = Some(FollowUpRecord {
                        gap: gap.name().to_string(),
                        question: asked,
                        answer_wav: turn.wav.clone(),
                        reply_wav,
                        stopped: reply.stopped,
                    });
                    record.wav = merged_wav;
                }
            }
            match analysis {
                Ok(a) => {
                    record.analysis = Some(a);
                    record.streaming = Some(StreamingStats {
                        report_latency_s: turn.stopped_at.elapsed().as_secs_f64(),
                        ..turn.stats
                    });
                }
                Err(SessionError::NoSpeech { .. }) => {
                    record.problem = Some("no speech detected".into())
                }
                Err(e) => return Err(e),
            }
            write_record(&record.wav, &record)?;
            if let (Some(store), Some(id)) = (history.as_deref_mut(), session_id) {
                keep(store, id, question, &record, &extra)?;
            }
            tracing::info!(
                question = %question.id,
                attempt,
                analysed = record.analysis.is_some(),
                report_latency_s = record.streaming.map(|s| s.report_latency_s),
                after_stop_s = record.streaming.map(|s| s.after_stop_s),
                chunks = record.streaming.map(|s| s.chunks),
                "answer kept"
            );
            if options.json {
                if let Ok(line) = serde_json::to_string(&record) {
                    outln!("{line}");
                }
            } else if let Some(a) = &record.analysis {
                out!("{}", report::terminal(a, options.style));
                if let Some(before) = &previous {
                    out!("{}", report::compare(before, a, options.style));
                }
                outln!();
            } else {
                screen.line("no speech detected in this answer; check the microphone level");
            }
            let analysed = record.analysis.clone();
            answers.push(record);
            super::return_freed_memory();
            if interrupted.load(Ordering::SeqCst) || !options.choices {
                break;
            }
            match turns.choose(question).await {
                Choice::Retry => {
                    if analysed.is_some() {
                        previous = analysed;
                    }
                    attempt += 1;
                }
                Choice::Next => break,
                Choice::Quit => break 'questions,
            }
        }
    }
    let outcome = SessionOutcome {
        dir: options.session_dir.clone(),
        answers,
        interrupted: interrupted.load(Ordering::SeqCst),
    };
    if let Ok(json) = serde_json::to_vec_pretty(&outcome) {
        let _ = history::write_private(&options.session_dir.join("session.json"), &json);
    }
    Ok(outcome)
}

/// Adds an answer whose files are on disk to the history.
fn keep(
    store: &mut Store,
    session_id: i64,
    question: &Question,
    record: &AnswerRecord,
    extra: &[PathBuf],
) -> Result<(), SessionError> {
    let status = match (&record.analysis, record.stopped) {
        (Some(_), _) => "complete",
        (None, StopReason::Interrupted) => "interrupted",
        (None, _) => "no_speech",
    };
    let json = record.wav.with_extension("json");
    store.add_answer(&NewAnswer {
        session_id,
        recorded_at: Utc::now().rfc3339(),
        question_id: Some(&question.id),
        question_text: Some(&question.text),
        status,
        stopped: Some(record.stopped.as_str()),
        wav: Some(&record.wav),
        json: Some(&json),
        extra,
        analysis: record.analysis.as_ref(),
    })?;
    Ok(())
}

/// The record of an answer before its analysis is known.
fn new_record(question: &Question, r: &Recorded) -> AnswerRecord {
    AnswerRecord {
        question_id: question.id.clone(),
        wav: r.recording.wav.clone(),
        stopped: r.stopped,
        analysis: None,
        problem: None,
        overruns: r.recording.overruns,
        input_latency_s: r.input_latency_s,
        streaming: None,
        follow_up: None,
    }
}
