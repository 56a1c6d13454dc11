//! Pure analysis of a transcribed answer: timing, fillers, STAR structure,
//! talking points and suggestions. Values in, values out: no I/O, no clocks.
//! [`Analysis`] is the stable JSON schema (`rehearse.analysis/1`).

pub mod fillers;
pub mod follow_up;
pub mod metrics;
pub mod star;
pub mod text;
pub mod timing;

use serde::{Deserialize, Serialize};

use crate::audio::vad::VoiceActivity;
use crate::bank::{Kind, Question};
use crate::transcribe::Transcript;

/// Schema identifier written into every analysis.
pub const SCHEMA: &str = "rehearse.analysis/1";

/// The question an answer responds to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionRef {
    /// Bank id.
    pub id: String,
    /// The question.
    pub text: String,
    /// Target length.
    pub target_seconds: u32,
}

/// The recording analysed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    /// Length of the recording.
    pub duration_s: f64,
    /// How far the speech stands above the background, in dB
    /// ([`timing::speech_over_noise_db`]). `None` in older data, and when
    /// the background is silent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speech_over_noise_db: Option<f64>,
}

/// Below this many dB of speech over the background, whisper mishears enough
/// that the STAR parts, the pace and the filler counts are no longer as
/// accurate as EVALUATION.md reports for clean speech; the report says so.
pub const NOISY_BELOW_DB: f64 = 20.0;

impl AudioInfo {
    /// A one-line warning when the recording is too noisy for the figures
    /// to be trusted as much as usual.
    pub fn noise_warning(&self) -> Option<String> {
        self.speech_over_noise_db
            .filter(|&db| db < NOISY_BELOW_DB)
            .map(|db| {
                format!(
                    "Noisy recording: your voice is only about {db:.0} dB above the background, \
                     so the transcript and the figures built on it are less certain. \
                     A headset microphone or a quieter room helps."
                )
            })
    }
}

/// One talking point and whether the answer touched it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TalkingPoint {
    /// The point as written in the bank.
    pub point: String,
    /// Whether it was covered.
    pub covered: bool,
}

/// Everything the report shows about one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The question, when known.
    pub question: Option<QuestionRef>,
    /// The recording.
    pub audio: AudioInfo,
    /// What was said.
    pub transcript: Transcript,
    /// Timing and pace.
    pub timing: timing::Timing,
    /// Filler words.
    pub fillers: fillers::Fillers,
    /// STAR coverage.
    pub star: star::Star,
    /// The question's talking points.
    pub talking_points: Vec<TalkingPoint>,
    /// One or two concrete things to change next time.
    pub suggestions: Vec<String>,
}

/// The inputs of an analysis.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Length of the recording.
    pub duration_s: f64,
    /// Voice activity over the recording.
    pub voice: &'a VoiceActivity,
    /// Its speech stretches ([`crate::audio::spans::speech_spans`] of `voice`).
    pub speech: &'a [timing::Span],
    /// The transcript on the same timeline.
    pub transcript: &'a Transcript,
    /// The question, if known.
    pub question: Option<&'a Question>,
}

/// Analyses one answer.
pub fn analyze(input: Inputs) -> Analysis {
    let spans = input.speech;
    let mut transcript = input.transcript.clone();
    crate::transcribe::snap_words(&mut transcript.words, spans);
    // Words as said: "900" is two, as the rate of speech goes.
    let words = transcript
        .words
        .iter()
        .map(|w| text::spoken_words(&w.word))
        .sum();
    let target = input.question.map(|q| f64::from(q.target_seconds));
    let timing = timing::timing(spans, words, target);
    let fillers = fillers::fillers(&transcript.words, timing.answer_s / 60.0);
    let star = star::star(&transcript.words, spans);
    let talking_points = input
        .question
        .map(|q| talking_points(&q.talking_points, &transcript.text))
        .unwrap_or_default();
    let behavioral = input.question.is_none_or(|q| q.kind == Kind::Behavioral);
    let suggestions = suggestions(&timing, &fillers, &star, behavioral);
    Analysis {
        schema: SCHEMA.to_string(),
        question: input.question.map(|q| QuestionRef {
            id: q.id.clone(),
            text: q.text.clone(),
            target_seconds: q.target_seconds,
        }),
        audio: AudioInfo {
            duration_s: input.duration_s,
            speech_over_noise_db: timing::speech_over_noise_db(input.voice, spans),
        },
        transcript,
        timing,
        fillers,
        star,
        talking_points,
        suggestions,
    }
}

const STOPWORDS: &[&str] = &[
    "the", "and", "for", "with", "your", "you", "how", "what", "why", "that", "this", "from",
    "into", "its", "are", "was", "our", "their", "of", "to", "a", "an", "in", "on", "or", "it",
    "is", "be", "by", "as", "at", "not", "own", "one", "made",
];

/// A light stem: common suffixes off, then at most five letters, so that
/// "caching", "cached" and "cache" meet.
fn stem(word: &str) -> String {
    let mut w = word;
    for suffix in ["ations", "ation", "ings", "ing", "ed", "es", "ly", "s", "e"] {
        if w.len() > suffix.len() + 2
            && let Some(stripped) = w.strip_suffix(suffix)
        {
            w = stripped;
            break;
        }
    }
    w.chars().take(5).collect()
}

/// A point is covered when at least half of its content words (by stem) occur.
pub fn talking_points(points: &[String], answer: &str) -> Vec<TalkingPoint> {
    let said: std::collections::HashSet<String> =
        text::normalize(answer).iter().map(|w| stem(w)).collect();
    points
        .iter()
        .map(|p| {
            let content: Vec<String> = text::normalize(p)
                .into_iter()
                .filter(|w| w.len() > 2 && !STOPWORDS.contains(&w.as_str()))
                .collect();
            let hits = content.iter().filter(|w| said.contains(&stem(w))).count();
            TalkingPoint {
                point: p.clone(),
                covered: !content.is_empty() && hits * 2 >= content.len(),
            }
        })
        .collect()
}

/// The one or two changes that would most improve the answer.
pub fn suggestions(
    t: &timing::Timing,
    f: &fillers::Fillers,
    s: &star::Star,
    behavioral: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    if behavioral {
        use star::PartState::{Missing, Weak};
        match s.result.part.state {
            Missing => out.push(
                "Add the result: what changed because of your work, and by how much?".to_string(),
            ),
            Weak => out.push(
                "Say the result plainly: what changed because of your work, and by how much? \
                 A plan, a hope or the last step of the work is not an outcome."
                    .to_string(),
            ),
            _ => {}
        }
        match s.action.part.state {
            Missing => out.push(
                "Say what you did yourself: two or three concrete steps, each starting with \"I\"."
                    .to_string(),
            ),
            Weak => out.push(
                "Make your own steps concrete: what did you do, in what order? \"We worked hard\" \
                 is not a step."
                    .to_string(),
            ),
            _ => {}
        }
        if s.action.part.present && s.action.we_count > s.action.i_count {
            out.push(format!(
                "Your actions say \"we\" {} times and \"I\" {} times: make clear what you personally did.",
                s.action.we_count, s.action.i_count
            ));
        }
        if s.result.part.present && !s.result.quantified {
            out.push(
                "Quantify the result: a number, a percentage, time or money saved.".to_string(),
            );
        }
        if !s.situation.present {
            out.push(
                "Open with one or two sentences of context: where you were and what was at stake."
                    .to_string(),
            );
        }
        if !s.task.present {
            out.push(
                "State your goal or responsibility before describing the actions.".to_string(),
            );
        }
    }
    if f.per_minute > 4.0 {
        let most = f
            .counts
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(w, _)| w.as_str())
            .unwrap_or("um");
        out.push(format!(
            "Cut the fillers ({:.1} a minute, mostly \"{most}\"): pause silently instead.",
            f.per_minute
        ));
    }
    if let Some(ratio) = t.target_ratio {
        if ratio > 1.25 {
            out.push(format!(
                "Tighten it: {:.0} s against a {:.0} s target.",
                t.answer_s,
                t.target_s.unwrap_or(0.0)
            ));
        } else if ratio < 0.4 {
            out.push(format!(
                "Say more: {:.0} s against a {:.0} s target leaves out detail an interviewer wants.",
                t.answer_s,
                t.target_s.unwrap_or(0.0)
            ));
        }
    }
    if t.wpm > 175.0 {
        out.push(format!(
            "Slow down: {:.0} words a minute; aim for 130 to 160.",
            t.wpm
        ));
    } else if t.wpm > 0.0 && t.wpm < 100.0 {
        out.push(format!(
            "Pick up the pace: {:.0} words a minute; aim for 130 to 160.",
            t.wpm
        ));
    }
    if t.thinking_s > 6.0 {
        out.push(format!(
            "You took {:.1} s to start: it is fine to open with \"Let me think of a good example\".",
            t.thinking_s
        ));
    }
    out.truncate(2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noisy_recording_is_flagged_and_a_clean_or_unknown_one_is_not() {
        let audio = |db| AudioInfo {
            duration_s: 30.0,
            speech_over_noise_db: db,
        };
        let warning = audio(Some(14.6)).noise_warning().unwrap();
        assert!(warning.contains("about 15 dB"), "{warning}");
        assert_eq!(audio(Some(NOISY_BELOW_DB + 1.0)).noise_warning(), None);
        assert_eq!(audio(None).noise_warning(), None);
    }

    #[test]
    fn talking_points_match_by_stem() {
        let tp = talking_points(
            &[
                "caching".to_string(),
                "before and after numbers".to_string(),
                "feature flags".to_string(),
            ],
            "We cached the results and measured the numbers before and after.",
        );
        assert!(tp[0].covered);
        assert!(tp[1].covered);
        assert!(!tp[2].covered);
    }

    #[test]
    fn suggestions_put_the_missing_result_first_and_stop_at_two() {
        let t = timing::timing(&[], 0, None);
        let f = fillers::fillers(&[], 1.0);
        let s = star::Star::default();
        let out = suggestions(&t, &f, &s, true);
        assert_eq!(out.len(), 2);
        assert!(out[0].starts_with("Add the result"));
    }

    #[test]
    fn technical_answers_get_no_star_nagging() {
        let t = timing::timing(&[], 0, None);
        let f = fillers::fillers(&[], 1.0);
        assert!(suggestions(&t, &f, &star::Star::default(), false).is_empty());
    }
}
