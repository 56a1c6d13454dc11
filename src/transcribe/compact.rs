//! Long silences shortened before whisper hears them. Whisper decodes 30 s
//! windows and, after a few seconds of nothing, tends to end the segment
//! early, skip ahead or drop the words around the gap (a 5 s pause cost up to
//! 8.7 % of the words on the labelled set). Like faster-whisper's VAD filter,
//! every silence between words longer than [`LONG_SILENCE_S`] is cut down to
//! [`KEPT_SILENCE_S`] and the word times are mapped back onto the recording.

use crate::analysis::timing::{self, Span};
use crate::audio::vad;

/// Silences longer than this are shortened.
pub const LONG_SILENCE_S: f64 = 2.0;
/// What is left of a shortened silence: half after the speech before it,
/// half before the speech after it, so soft word edges the voice detector
/// missed stay in.
pub const KEPT_SILENCE_S: f64 = 1.0;

const RATE: f64 = 16_000.0;

/// Audio with its long silences shortened, and the way back to the
/// original timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Compacted {
    /// The shortened audio.
    pub samples: Vec<f32>,
    /// Kept ranges of the original, in samples, in order.
    kept: Vec<(usize, usize)>,
}

impl Compacted {
    /// The original time of `t` seconds into the shortened audio.
    pub fn original_s(&self, t: f64) -> f64 {
        let mut at = (t.max(0.0) * RATE).round() as usize;
        for &(start, end) in &self.kept {
            if at < end - start {
                return (start + at) as f64 / RATE;
            }
            at -= end - start;
        }
        // Past the end: continue from the last kept sample.
        self.kept
            .last()
            .map_or(t, |&(_, end)| (end + at) as f64 / RATE)
    }
}

/// `samples` with long silences shortened, or `None` when there are none.
pub fn compact(samples: &[f32]) -> Option<Compacted> {
    let spans = timing::speech_spans(&vad::detect(samples));
    let kept = kept_ranges(&spans, samples.len());
    if kept.len() < 2
        && kept
            .first()
            .is_some_and(|&(s, e)| s == 0 && e == samples.len())
    {
        return None;
    }
    let samples = kept
        .iter()
        .flat_map(|&(start, end)| samples[start..end].iter().copied())
        .collect();
    Some(Compacted { samples, kept })
}

/// The sample ranges to keep: everything but the middle of each silence
/// between two stretches of speech longer than [`LONG_SILENCE_S`]. The silence
/// before the first word stays whole: cut to half a second, whisper dropped
/// more of the answer's opening "um"s.
fn kept_ranges(spans: &[Span], len: usize) -> Vec<(usize, usize)> {
    if spans.is_empty() {
        return vec![(0, len)];
    }
    let at = |s: f64| ((s * RATE).round() as usize).min(len);
    let half = (KEPT_SILENCE_S / 2.0 * RATE) as usize;
    let mut kept = Vec::new();
    let mut from = 0;
    let silences = spans
        .windows(2)
        .map(|w| (at(w[0].end_s), at(w[1].start_s)))
        .filter(|&(a, b)| b > a && (b - a) as f64 > LONG_SILENCE_S * RATE);
    for (a, b) in silences {
        kept.push((from, a + half));
        from = b - half;
    }
    kept.push((from, len));
    kept.retain(|&(s, e)| e > s);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start_s: f64, end_s: f64) -> Span {
        Span { start_s, end_s }
    }

    #[test]
    fn short_pauses_are_left_alone() {
        let spans = [span(1.0, 3.0), span(4.5, 6.0)];
        assert_eq!(kept_ranges(&spans, 7 * 16_000), vec![(0, 7 * 16_000)]);
    }

    #[test]
    fn a_five_second_gap_keeps_half_a_second_on_each_side() {
        let spans = [span(1.0, 3.0), span(8.0, 10.0)];
        let kept = kept_ranges(&spans, 11 * 16_000);
        assert_eq!(kept, vec![(0, 56_000), (120_000, 176_000)]);
        let c = Compacted {
            samples: Vec::new(),
            kept,
        };
        // The first 3.5 s are unchanged; 3.7 s is 0.2 s into the second range.
        assert!((c.original_s(3.2) - 3.2).abs() < 1e-9);
        assert!((c.original_s(3.7) - 7.7).abs() < 1e-9);
        assert!((c.original_s(4.0) - 8.0).abs() < 1e-9);
    }

    #[test]
    fn silence_before_the_first_and_after_the_last_word_is_kept_whole() {
        let spans = [span(4.0, 6.0)];
        assert_eq!(kept_ranges(&spans, 10 * 16_000), vec![(0, 10 * 16_000)]);
    }

    #[test]
    fn no_speech_keeps_everything() {
        assert_eq!(kept_ranges(&[], 100), vec![(0, 100)]);
    }

    #[test]
    fn times_past_the_end_continue_from_the_last_sample() {
        let c = Compacted {
            samples: Vec::new(),
            kept: vec![(0, 16_000), (48_000, 64_000)],
        };
        assert!((c.original_s(2.5) - 4.5).abs() < 1e-9);
    }
}
