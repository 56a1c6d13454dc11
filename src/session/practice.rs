//! A live practice session: speak each question, record the answer from the
//! microphone (or a file played in real time), stop on Enter, time-out or
//! silence, analyse, report, and keep the WAV and JSON in a session folder
//! and a row in the history.
//!
//! tokio drives the session: speech synthesis, playback and whisper run on
//! blocking workers; the keyboard, the timers and Ctrl-C are awaited together.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::{out, outln};
use tokio::sync::mpsc;

use super::SessionError;
use crate::analysis::Analysis;
use crate::analysis::follow_up;
use crate::audio::capture::{Recorder, Recording, Source};
use crate::audio::{AudioError, Clip, playback};
use crate::bank::{Kind, Question};
use crate::history::clock::Utc;
use crate::history::{self, NewAnswer, Store};
use crate::report::{self, Style};
use crate::speech::{Speaker, SpeechError, SystemSpeaker, Voice};
use crate::transcribe::stream::StreamingTranscriber;
use crate::transcribe::{Whisper, WhisperOptions};

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
    /// Print the question instead of speaking it.
    pub no_speak: bool,
    /// The voice.
    pub voice: Voice,
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

/// Status lines on stderr; a live meter only on a terminal.
struct Screen {
    tty: bool,
    quiet: bool,
}

impl Screen {
    fn line(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            if self.tty {
                eprint!("\r\x1b[2K");
            }
            eprintln!("{text}");
        }
    }

    fn meter(&self, elapsed: f64, target: f64, max: f64, level: f32, speaking: bool) {
        if !self.tty || self.quiet {
            return;
        }
        let bars = (level * 20.0).round() as usize;
        let meter: String = (0..20).map(|i| if i < bars { '▮' } else { '▯' }).collect();
        let left = target - elapsed;
        let countdown = if left >= 0.0 {
            format!("{:>3.0} s left", left)
        } else {
            format!("{:>3.0} s over", -left)
        };
        let warn = if (0.0..=30.0).contains(&left) {
            "  ⚠ 30 s to target"
        } else {
            ""
        };
        let state = if speaking { "●" } else { "○" };
        eprint!(
            "\r\x1b[2K{state} {:>5.1} / {:.0} s  {countdown}  {meter}  (max {:.0} s, Enter to stop){warn}",
            elapsed, target, max
        );
        let _ = std::io::stderr().flush();
    }
}

/// Runs a practice session over `questions`, adding every answer to
/// `history` as soon as its files are written.
pub async fn practice(
    questions: Vec<Question>,
    options: PracticeOptions,
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
    // Load the model while the first question is being spoken.
    let model = options.model.clone();
    let threads = options.threads;
    let whisper_task = tokio::task::spawn_blocking(move || {
        Whisper::load(
            &model,
            WhisperOptions {
                threads,
                ..WhisperOptions::default()
            },
        )
    });
    let speaker: Option<SystemSpeaker> = if options.no_speak {
        None
    } else {
        match SystemSpeaker::detect(options.voice.clone()) {
            Ok(s) => Some(s),
            Err(e) => {
                screen.line(format!("{e}; the questions will be printed instead"));
                None
            }
        }
    };
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
        speaker,
        keys,
        interrupted: interrupted.clone(),
        whisper: None,
        whisper_task: Some(whisper_task),
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

/// The outline of a strong answer: the bank's guidance and talking points.
fn outline(question: &Question) -> String {
    let mut text = String::from("A strong answer: ");
    if let Some(g) = &question.guidance {
        text.push_str(g.trim());
        text.push(' ');
    }
    if !question.talking_points.is_empty() {
        text.push_str("Touch on ");
        text.push_str(&question.talking_points.join("; "));
        text.push('.');
    }
    text
}

/// A recorded turn (an answer, or the reply to a follow-up), not yet transcribed.
struct Recorded {
    recording: Recording,
    stopped: StopReason,
    input_latency_s: f64,
    stopped_at: Instant,
    stream: Option<StreamingTranscriber>,
}

/// A transcribed turn.
struct Turn {
    wav: PathBuf,
    samples: Vec<f32>,
    voice: crate::audio::vad::VoiceActivity,
    transcript: crate::transcribe::Transcript,
    stopped: StopReason,
    stopped_at: Instant,
    stats: StreamingStats,
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

fn analyse_turn(turn: &Turn, question: &Question) -> Result<Analysis, SessionError> {
    super::analyze_transcribed(
        &turn.samples,
        &turn.voice,
        &turn.transcript,
        Some(question),
        &turn.wav.display().to_string(),
    )
}

/// Everything a turn needs: the screen, the voice, the keyboard, the engine.
struct Turns<'a> {
    options: &'a PracticeOptions,
    screen: &'a Screen,
    speaker: Option<SystemSpeaker>,
    keys: mpsc::Receiver<String>,
    interrupted: Arc<AtomicBool>,
    whisper: Option<Whisper>,
    whisper_task: Option<tokio::task::JoinHandle<Result<Whisper, crate::transcribe::ModelError>>>,
    /// Turns taken so far (which `--audio-from` file comes next).
    taken: usize,
}

impl Turns<'_> {
    /// After a report: retry, next, hear the outline of a model answer, or quit.
    /// The end of input means next.
    async fn choose(&mut self, question: &Question) -> Choice {
        loop {
            eprint!("[r] retry  [n] next  [o] model answer outline  [q] quit › ");
            let _ = std::io::stderr().flush();
            let Some(line) = self.keys.recv().await else {
                eprintln!();
                return Choice::Next;
            };
            match line.chars().next().map(|c| c.to_ascii_lowercase()) {
                Some('r') => return Choice::Retry,
                Some('q') => return Choice::Quit,
                Some('o') => {
                    let outline = outline(question);
                    self.screen.line(&outline);
                    if let Some(speaker) = self.speaker.clone() {
                        let device = self.options.output_device.clone();
                        let cancel = self.interrupted.clone();
                        let _ = tokio::task::spawn_blocking(move || {
                            speaker
                                .synthesize(&outline)
                                .map(|clip| playback::play(&clip, device.as_deref(), &cancel))
                        })
                        .await;
                    }
                }
                _ => return Choice::Next,
            }
        }
    }

    /// Opens the input, says `prompt` (printing `heading`), records until a
    /// stop, and returns the recording with its streaming transcriber. None
    /// when interrupted before the answer began.
    async fn take(
        &mut self,
        heading: &str,
        prompt: &str,
        wav: PathBuf,
        question: &Question,
    ) -> Result<Option<Recorded>, SessionError> {
        let options = self.options;
        let screen = self.screen;
        // Open the input before the prompt starts, so the first word is never clipped.
        let source = match options
            .audio_from
            .get(self.taken % options.audio_from.len().max(1))
        {
            Some(path) => Source::file_realtime(path)?,
            None => Source::microphone(options.input_device.as_deref())?,
        };
        self.taken += 1;
        screen.line(heading);
        let recorder = Recorder::start(source)?;
        if let Some(speaker) = &self.speaker {
            let text = prompt.to_string();
            let speaker = speaker.clone();
            let clip: Result<Clip, SpeechError> =
                tokio::task::spawn_blocking(move || speaker.synthesize(&text))
                    .await
                    .map_err(|e| AudioError::Device(e.to_string()))?;
            match clip {
                Ok(clip) => {
                    let device = options.output_device.clone();
                    let cancel = self.interrupted.clone();
                    tokio::task::spawn_blocking(move || {
                        playback::play(&clip, device.as_deref(), &cancel)
                    })
                    .await
                    .map_err(|e| AudioError::Device(e.to_string()))??;
                }
                Err(e) => screen.line(format!("{e}; read the question above")),
            }
        }
        if self.interrupted.load(Ordering::SeqCst) {
            let _ = recorder.finish();
            return Ok(None);
        }
        // The model loaded while the question was spoken; stream this answer into it.
        if self.whisper.is_none()
            && let Some(task) = self.whisper_task.take()
        {
            self.whisper = Some(
                task.await
                    .map_err(|e| AudioError::Device(e.to_string()))??,
            );
        }
        let stream = match self.whisper.take() {
            Some(engine) => Some(StreamingTranscriber::start(engine)?),
            None => None,
        };
        recorder.begin_answer(
            wav.clone(),
            stream.as_ref().and_then(StreamingTranscriber::sender),
        )?;
        while self.keys.try_recv().is_ok() {} // Enter pressed during the question does not count.
        screen.line("● answer now — press Enter to stop");
        let target = f64::from(question.target_seconds);
        let max = options.max_s.unwrap_or(target * 1.5);
        let started = Instant::now();
        let stopped = loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(50)) => {}
                key = self.keys.recv() => if key.is_some() { break StopReason::Enter; },
            }
            let live = &recorder.live;
            if self.interrupted.load(Ordering::SeqCst) {
                break StopReason::Interrupted;
            }
            if live.lost.load(Ordering::Relaxed) {
                break StopReason::DeviceLost;
            }
            if live.failed.load(Ordering::Acquire) {
                // The recording cannot go on (a full disk); finish() reports why.
                break StopReason::Interrupted;
            }
            let elapsed = live.answer_s().max(started.elapsed().as_secs_f64() - 0.5);
            if live.answer_s() >= max {
                break StopReason::MaxLength;
            }
            if live.speech_begun() && live.trailing_silence_s() >= options.silence_stop_s {
                break StopReason::Silence;
            }
            if options.captions
                && let Some(s) = &stream
            {
                while let Ok(text) = s.captions.try_recv() {
                    if screen.tty {
                        screen.line(format!("  … {}", text.trim()));
                    }
                }
            }
            screen.meter(elapsed, target, max, live.level(), live.speech_begun());
        };
        let stopped_at = Instant::now();
        let input_latency_s = recorder.live.input_latency_s();
        let Some(recording) = recorder.finish()? else {
            return Ok(None);
        };
        let seconds = recording.samples.len() as f64 / 16_000.0;
        tracing::info!(
            wav = %recording.wav.display(),
            seconds,
            stopped = stopped.as_str(),
            overruns = recording.overruns,
            input_latency_s,
            "turn recorded"
        );
        screen.line(format!(
            "■ stopped ({}) after {seconds:.1} s",
            match stopped {
                StopReason::Enter => "Enter",
                StopReason::Silence => "silence",
                StopReason::MaxLength => "time limit",
                StopReason::DeviceLost =>
                    "the input device disappeared; analysing what was recorded",
                StopReason::Interrupted => "interrupted; the recording is saved",
            }
        ));
        Ok(Some(Recorded {
            recording,
            stopped,
            input_latency_s,
            stopped_at,
            // An interrupted session ends here: its transcriber (and engine) is dropped.
            stream: if stopped == StopReason::Interrupted {
                None
            } else {
                stream
            },
        }))
    }

    /// Finishes the turn's transcription (only the last chunk is left; the
    /// rest was done while the candidate spoke) and takes the engine back.
    async fn transcribe(&mut self, recorded: Recorded) -> Result<Option<Turn>, SessionError> {
        let Some(stream) = recorded.stream else {
            return Ok(None);
        };
        let (engine, done) = tokio::task::spawn_blocking(move || stream.finish())
            .await
            .map_err(|e| AudioError::Device(e.to_string()))??;
        self.whisper = Some(engine);
        let recording = recorded.recording;
        Ok(Some(Turn {
            wav: recording.wav,
            samples: recording.samples,
            voice: recording.voice,
            transcript: done.transcript,
            stopped: recorded.stopped,
            stopped_at: recorded.stopped_at,
            stats: StreamingStats {
                chunks: done.chunks,
                after_stop_s: done.after_stop_s,
                report_latency_s: 0.0,
            },
        }))
    }
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

fn write_record(wav: &Path, record: &AnswerRecord) -> Result<(), SessionError> {
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

/// What to do after a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Choice {
    /// Answer the same question again.
    Retry,
    /// Go on.
    Next,
    /// End the session.
    Quit,
}

/// Lines typed on stdin (Enter presses). At end of input nothing more comes,
/// so a closed stdin never stops an answer.
fn keyboard() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(8);
    let _ = std::thread::Builder::new()
        .name("rehearse-keys".into())
        .spawn(move || {
            let mut line = String::new();
            loop {
                line.clear();
                match std::io::stdin().read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if tx.blocking_send(line.trim().to_string()).is_err() {
                            return;
                        }
                    }
                }
            }
        });
    rx
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
