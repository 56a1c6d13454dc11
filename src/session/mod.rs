//! Orchestration: from a recording (or, later, the microphone) to an
//! [`Analysis`]. Reading, voice detection and transcription happen here;
//! the analysis itself is pure.

use std::path::Path;

use crate::analysis::{self, Analysis};
use crate::audio::spans::{self, Span};
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
    speech: &[Span],
    transcript: &Transcript,
    question: Option<&Question>,
) -> Analysis {
    analysis::analyze(analysis::Inputs {
        duration_s: samples.len() as f64 / f64::from(audio::WHISPER_RATE),
        voice,
        speech,
        transcript,
        question,
    })
}

/// Analyses 16 kHz mono samples of an answer, transcribing them in one go.
/// The voice detector runs once, here; its speech stretches go down to the
/// transcriber and on to the analysis.
pub fn analyze_samples(
    samples: &[f32],
    question: Option<&Question>,
    transcriber: &mut dyn Transcriber,
    what: &str,
) -> Result<Analysis, SessionError> {
    let voice = vad::detect(samples);
    require_speech(&voice, what)?;
    let speech = spans::speech_spans(&voice);
    let transcript = transcriber.transcribe(samples, &speech, 0.0)?;
    Ok(analysis_of(samples, &voice, &speech, &transcript, question))
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
    let speech = spans::speech_spans(voice);
    Ok(analysis_of(samples, voice, &speech, transcript, question))
}

/// Reads a WAV file and analyses it.
pub fn analyze_file(
    path: &Path,
    question: Option<&Question>,
    transcriber: &mut dyn Transcriber,
) -> Result<Analysis, SessionError> {
    let clip = audio::file::read_16k_mono(path)?;
    analyze_samples(
        &clip.samples,
        question,
        transcriber,
        &path.display().to_string(),
    )
}

/// One recorded turn: its samples, the voice activity the capture worker
/// computed while recording them, and its transcript.
pub type TurnAudio<'a> = (&'a [f32], &'a vad::VoiceActivity, &'a Transcript);

/// Joins an answer and the reply to its follow-up into one answer: the
/// answer up to its last word, then the reply from its first word, each with
/// a 0.4 s margin, so the interviewer's question and the thinking pause
/// before the reply do not count as a pause in the answer. The cuts fall on
/// voice-frame boundaries so the turns' voice activity joins as it is (the
/// detector does not run again). Word times of the reply move onto the
/// joined timeline.
pub fn merge_turns(
    answer: TurnAudio,
    reply: TurnAudio,
) -> (Vec<f32>, vad::VoiceActivity, Transcript) {
    const MARGIN_S: f64 = 0.4;
    let rate = f64::from(audio::WHISPER_RATE);
    let spoken = |voice: &vad::VoiceActivity| {
        let spans = spans::speech_spans(voice);
        (
            spans.first().map(|s| s.start_s),
            spans.last().map(|s| s.end_s),
        )
    };
    let (_, answer_end) = spoken(answer.1);
    let (reply_start, _) = spoken(reply.1);
    let answer_len = answer.0.len() as f64 / rate;
    let cut_answer = answer_end.map_or(answer_len, |e| (e + MARGIN_S).min(answer_len));
    let cut_reply = reply_start.map_or(0.0, |s| (s - MARGIN_S).max(0.0));
    // On frame boundaries: the answer's cut down to one, the reply's too.
    let frame = vad::FRAME_SAMPLES;
    let a = ((cut_answer * rate) as usize).min(answer.0.len()) / frame * frame;
    let r = ((cut_reply * rate) as usize).min(reply.0.len()) / frame * frame;
    let (cut_answer, cut_reply) = (a as f64 / rate, r as f64 / rate);
    let mut samples = Vec::with_capacity(a + reply.0.len() - r);
    samples.extend_from_slice(&answer.0[..a]);
    samples.extend_from_slice(&reply.0[r..]);
    let voice = join_frames(answer.1, a / frame, reply.1, r / frame);
    let shift = cut_answer - cut_reply;
    let mut words: Vec<_> = answer
        .2
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
            .2
            .words
            .iter()
            .filter(|w| w.end_s > cut_reply)
            .map(|w| crate::transcribe::Word {
                start_s: (w.start_s + shift).max(0.0),
                end_s: w.end_s + shift,
                ..w.clone()
            }),
    );
    (samples, voice, Transcript::from_words(words))
}

/// The first `a` frames of `first` followed by `second` from frame `b`.
fn join_frames(
    first: &vad::VoiceActivity,
    a: usize,
    second: &vad::VoiceActivity,
    b: usize,
) -> vad::VoiceActivity {
    fn join<T: Clone>(x: &[T], a: usize, y: &[T], b: usize) -> Vec<T> {
        let mut out = x[..a.min(x.len())].to_vec();
        out.extend_from_slice(&y[b.min(y.len())..]);
        out
    }
    // Levels are only kept when both turns have them (older data has none).
    let both = |x: &[f32], y: &[f32]| {
        if x.is_empty() || y.is_empty() {
            Vec::new()
        } else {
            join(x, a, y, b)
        }
    };
    vad::VoiceActivity {
        frame_s: first.frame_s,
        voiced: join(&first.voiced, a, &second.voiced, b),
        level: both(&first.level, &second.level),
        voice_band: both(&first.voice_band, &second.voice_band),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcribe::{ModelError, Word};

    /// A transcriber that hears fixed words and keeps the speech it was given.
    struct Fixed {
        speech_given: Vec<Span>,
    }

    impl Transcriber for Fixed {
        fn transcribe(
            &mut self,
            _samples: &[f32],
            speech: &[Span],
            _offset_s: f64,
        ) -> Result<Transcript, ModelError> {
            self.speech_given = speech.to_vec();
            Ok(Transcript::from_words(vec![Word {
                word: "Hello.".into(),
                start_s: 1.0,
                end_s: 1.5,
                probability: 0.9,
            }]))
        }
    }

    #[test]
    fn the_voice_detector_runs_once_per_recording_and_its_speech_goes_to_the_transcriber() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tests-short.wav");
        let samples = crate::audio::wav::read_16k_mono(&path).unwrap().samples;
        let mut transcriber = Fixed {
            speech_given: Vec::new(),
        };
        let before = vad::detections_on_this_thread();
        let a = analyze_samples(&samples, None, &mut transcriber, "answer").unwrap();
        assert_eq!(vad::detections_on_this_thread() - before, 1);
        let expected = spans::speech_spans(&vad::detect(&samples));
        assert!(!expected.is_empty());
        assert_eq!(transcriber.speech_given, expected);
        assert!(a.timing.answer_s > 0.0);
    }

    #[test]
    fn turns_join_with_their_voice_activity_and_no_second_detection() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tests-short.wav");
        let samples = crate::audio::wav::read_16k_mono(&path).unwrap().samples;
        let voice = vad::detect(&samples);
        let words = Transcript::from_words(vec![Word {
            word: "Hello".into(),
            start_s: 1.0,
            end_s: 1.5,
            probability: 0.9,
        }]);
        let before = vad::detections_on_this_thread();
        let (joined, joined_voice, transcript) =
            merge_turns((&samples, &voice, &words), (&samples, &voice, &words));
        assert_eq!(vad::detections_on_this_thread(), before);
        // Whole frames only, as the detector gives them.
        assert_eq!(joined_voice.voiced.len(), joined.len() / vad::FRAME_SAMPLES);
        assert_eq!(joined_voice.level.len(), joined_voice.voiced.len());
        assert_eq!(transcript.words.len(), 2);
        assert_eq!(transcript.words[0].word, "Hello.");
    }
}
