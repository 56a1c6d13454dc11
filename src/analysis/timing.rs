//! Timing from the answer's speech stretches ([`crate::audio::spans`]): when
//! speech starts, how long it runs, where it pauses, how fast the words
//! come, and how far the speech stands above the background.

use serde::{Deserialize, Serialize};

pub use crate::audio::spans::{MIN_PAUSE_S, MIN_SPEECH_S, Span, speech_spans};
use crate::audio::spans::{SILENT_FLOOR, noise_floor};
use crate::audio::vad::VoiceActivity;

/// A silence inside the answer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pause {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
    /// Length, seconds.
    pub duration_s: f64,
}

/// Timing of one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// From time 0 (end of question, or start of file) to the first speech.
    pub thinking_s: f64,
    /// From the first speech to the last.
    pub answer_s: f64,
    /// Voiced time only.
    pub speaking_s: f64,
    /// The question's target length, if known.
    pub target_s: Option<f64>,
    /// `answer_s / target_s`.
    pub target_ratio: Option<f64>,
    /// Words per minute over the answer, first word to last.
    pub wpm: f64,
    /// Words per minute while actually talking (pauses excluded).
    pub wpm_talking: f64,
    /// Words counted.
    pub words: usize,
    /// Silences of at least [`MIN_PAUSE_S`] between the first and last speech.
    pub pauses: Vec<Pause>,
    /// The longest of them (0 if none).
    pub longest_pause_s: f64,
}

/// How far the speech stands above the background, in dB: the median level
/// of the frames inside `spans` over the [`noise_floor`]. `None` without
/// levels, speech or any background above [`SILENT_FLOOR`].
pub fn speech_over_noise_db(activity: &VoiceActivity, spans: &[Span]) -> Option<f64> {
    let floor = noise_floor(activity).filter(|&f| f >= SILENT_FLOOR)?;
    let f = activity.frame_s;
    let mut speech: Vec<f32> = activity
        .level
        .iter()
        .enumerate()
        .filter(|&(i, _)| {
            let t = (i as f64 + 0.5) * f;
            spans.iter().any(|s| t >= s.start_s && t < s.end_s)
        })
        .map(|(_, &l)| l)
        .collect();
    if speech.is_empty() {
        return None;
    }
    speech.sort_by(f32::total_cmp);
    let median = speech[speech.len() / 2];
    Some(20.0 * f64::from(median / floor).max(1.0).log10())
}

/// Computes timing from speech stretches and the number of words said.
pub fn timing(spans: &[Span], words: usize, target_s: Option<f64>) -> Timing {
    let (first, last) = match (spans.first(), spans.last()) {
        (Some(f), Some(l)) => (f.start_s, l.end_s),
        _ => (0.0, 0.0),
    };
    let answer_s = last - first;
    let speaking_s: f64 = spans.iter().map(Span::duration_s).sum();
    let pauses: Vec<Pause> = spans
        .windows(2)
        .map(|w| Pause {
            start_s: w[0].end_s,
            end_s: w[1].start_s,
            duration_s: w[1].start_s - w[0].end_s,
        })
        .filter(|p| p.duration_s >= MIN_PAUSE_S - 1e-9)
        .collect();
    let per_minute = |secs: f64| {
        if secs > 0.0 {
            words as f64 * 60.0 / secs
        } else {
            0.0
        }
    };
    Timing {
        thinking_s: first,
        answer_s,
        speaking_s,
        target_s,
        target_ratio: target_s.filter(|t| *t > 0.0).map(|t| answer_s / t),
        wpm: per_minute(answer_s),
        wpm_talking: per_minute(speaking_s),
        words,
        longest_pause_s: pauses.iter().map(|p| p.duration_s).fold(0.0, f64::max),
        pauses,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(pattern: &str) -> VoiceActivity {
        // One character per 50 ms frame: '#' voiced, '.' silent.
        VoiceActivity {
            level: Vec::new(),
            voice_band: Vec::new(),
            frame_s: 0.05,
            voiced: pattern.chars().map(|c| c == '#').collect(),
        }
    }

    #[test]
    fn pauses_thinking_and_rates() {
        // Speech 1.0-3.0 s, pause 0.5 s, speech 3.5-6.0 s.
        let spans = vec![
            Span {
                start_s: 1.0,
                end_s: 3.0,
            },
            Span {
                start_s: 3.5,
                end_s: 6.0,
            },
        ];
        let t = timing(&spans, 10, Some(10.0));
        assert_eq!(t.thinking_s, 1.0);
        assert_eq!(t.answer_s, 5.0);
        assert_eq!(t.speaking_s, 4.5);
        assert_eq!(t.pauses.len(), 1);
        assert!((t.longest_pause_s - 0.5).abs() < 1e-9);
        assert!((t.wpm - 120.0).abs() < 1e-9);
        assert!((t.wpm_talking - 10.0 * 60.0 / 4.5).abs() < 1e-9);
        assert_eq!(t.target_ratio, Some(0.5));
    }

    #[test]
    fn speech_over_noise_is_the_speech_level_over_the_background_in_db() {
        // 1 s of background at 0.01, then 2 s of speech at 0.1: 20 dB.
        let mut a = activity(&format!("{}{}", ".".repeat(20), "#".repeat(40)));
        a.level = [vec![0.01; 20], vec![0.1; 40]].concat();
        let db = speech_over_noise_db(&a, &speech_spans(&a)).unwrap();
        assert!((db - 20.0).abs() < 1e-6, "{db}");
        // Digital silence has no background to measure against (and a quiet
        // voice over it is not a noisy room).
        a.level[..20].fill(0.0);
        a.level[20..].fill(0.001);
        assert_eq!(speech_over_noise_db(&a, &speech_spans(&a)), None);
        // No speech, no estimate.
        assert_eq!(speech_over_noise_db(&a, &[]), None);
    }

    #[test]
    fn silence_gives_zeroes_not_nan() {
        let t = timing(&[], 0, None);
        assert_eq!((t.wpm, t.answer_s, t.thinking_s), (0.0, 0.0, 0.0));
    }
}
