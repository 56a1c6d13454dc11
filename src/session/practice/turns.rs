//! Taking turns: open the input, speak a prompt, record the answer until
//! Enter, the time limit, silence, Ctrl-C or a lost device, and finish its
//! streamed transcript; the meter and captions on the screen; the choice
//! after each report.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::analysis::Analysis;
use crate::audio::AudioError;
use crate::audio::capture::{Recorder, Recording, Source};
use crate::bank::Question;
use crate::session::SessionError;
use crate::transcribe::Whisper;
use crate::transcribe::stream::StreamingTranscriber;

use super::PracticeOptions;
use super::record::{StopReason, StreamingStats};
use super::voice::Interviewer;

/// Status lines on stderr; a live meter only on a terminal.
pub(super) struct Screen {
    pub(super) tty: bool,
    pub(super) quiet: bool,
}

impl Screen {
    pub(super) fn line(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            if self.tty {
                eprint!("\r\x1b[2K");
            }
            eprintln!("{text}");
        }
    }

    pub(super) fn meter(&self, elapsed: f64, target: f64, max: f64, level: f32, speaking: bool) {
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

/// A recorded turn (an answer, or the reply to a follow-up), not yet transcribed.
pub(super) struct Recorded {
    pub(super) recording: Recording,
    pub(super) stopped: StopReason,
    pub(super) input_latency_s: f64,
    pub(super) stopped_at: Instant,
    pub(super) stream: Option<StreamingTranscriber>,
}

/// A transcribed turn.
pub(super) struct Turn {
    pub(super) wav: PathBuf,
    pub(super) samples: Vec<f32>,
    pub(super) voice: crate::audio::vad::VoiceActivity,
    pub(super) transcript: crate::transcribe::Transcript,
    pub(super) stopped: StopReason,
    pub(super) stopped_at: Instant,
    pub(super) stats: StreamingStats,
}

pub(super) fn analyse_turn(turn: &Turn, question: &Question) -> Result<Analysis, SessionError> {
    crate::session::analyze_transcribed(
        &turn.samples,
        &turn.voice,
        &turn.transcript,
        Some(question),
        &turn.wav.display().to_string(),
    )
}

/// Everything a turn needs: the screen, the voice, the keyboard, the engine.
pub(super) struct Turns<'a> {
    pub(super) options: &'a PracticeOptions,
    pub(super) screen: &'a Screen,
    pub(super) voice: Interviewer,
    pub(super) keys: mpsc::Receiver<String>,
    pub(super) interrupted: Arc<AtomicBool>,
    pub(super) whisper: Option<Whisper>,
    pub(super) whisper_task: Option<WhisperLoad>,
    /// Told when the first question starts to sound (the model's load waits for it).
    pub(super) first_sound: Option<tokio::sync::oneshot::Sender<()>>,
    /// Turns taken so far (which `--audio-from` file comes next).
    pub(super) taken: usize,
}

/// The Whisper model loading in the background.
pub(super) type WhisperLoad = tokio::task::JoinHandle<
    Result<Result<Whisper, crate::transcribe::ModelError>, tokio::task::JoinError>,
>;

impl Turns<'_> {
    /// After a report: retry, next, hear the outline of a model answer, or quit.
    /// The end of input means next.
    pub(super) async fn choose(&mut self, question: &Question) -> Choice {
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
                    let device = self.options.output_device.clone();
                    let cancel = self.interrupted.clone();
                    // The outline is printed too; a voice that fails only goes quiet.
                    let _ = self
                        .voice
                        .speak(&|l| self.screen.line(l), &outline, device, cancel, None)
                        .await;
                }
                _ => return Choice::Next,
            }
        }
    }

    /// Opens the input, says `prompt` (printing `heading`), records until a
    /// stop, and returns the recording with its streaming transcriber. None
    /// when interrupted before the answer began.
    pub(super) async fn take(
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
        let device = options.output_device.clone();
        let cancel = self.interrupted.clone();
        if let Some((_, Some(e))) = self
            .voice
            .speak(
                &|l| screen.line(l),
                prompt,
                device,
                cancel,
                self.first_sound.take(),
            )
            .await?
        {
            screen.line(format!("{e}; read the question above"));
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
                    .and_then(|loaded| loaded)
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
    pub(super) async fn transcribe(
        &mut self,
        recorded: Recorded,
    ) -> Result<Option<Turn>, SessionError> {
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

/// What to do after a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Choice {
    /// Answer the same question again.
    Retry,
    /// Go on.
    Next,
    /// End the session.
    Quit,
}

/// Lines typed on stdin (Enter presses). At end of input nothing more comes,
/// so a closed stdin never stops an answer.
pub(super) fn keyboard() -> mpsc::Receiver<String> {
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

/// The outline of a strong answer: the bank's guidance and talking points.
pub(super) fn outline(question: &Question) -> String {
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
