//! Long silences shortened before whisper hears them. Whisper decodes 30 s
//! windows and, after a few seconds of nothing, tends to end the segment
//! early, skip ahead or drop the words around the gap (a 5 s pause made the
//! words-per-minute figure up to 8.7 % wrong on the labelled set). Like faster-whisper's VAD filter,
//! every silence between words longer than [`LONG_SILENCE_S`] is cut down to
//! [`KEPT_SILENCE_S`] and the word times are mapped back onto the recording.

use crate::audio::spans::Span;

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
    /// The original times of a token heard from `t0` to `t1` seconds into
    /// the shortened audio. The end stays in the kept range the start is in:
    /// a token whose times straddle a cut (whisper's times are coarse) must
    /// not stretch over the removed silence, and an end exactly on a cut
    /// belongs before it.
    pub fn original_span(&self, t0: f64, t1: f64) -> (f64, f64) {
        let sample = |t: f64| (t.max(0.0) * RATE).round() as usize;
        let (mut at, end_at) = (sample(t0), sample(t1.max(t0)));
        let mut from = 0; // where the current kept range starts in the shortened audio
        for &(start, end) in &self.kept {
            let len = end - start;
            if at < len {
                let end_in_range = (end_at - from).min(len);
                return (
                    (start + at) as f64 / RATE,
                    (start + end_in_range) as f64 / RATE,
                );
            }
            at -= len;
            from += len;
        }
        // Past the end: continue from the last kept sample.
        let last = self.kept.last().map_or(0, |&(_, end)| end);
        let past = (last + at) as f64 / RATE;
        (past, past + (t1 - t0).max(0.0))
    }
}

/// `samples` with the long silences between its speech stretches (`speech`,
/// on the samples' own timeline) shortened, or `None` when there are none.
pub fn compact(samples: &[f32], speech: &[Span]) -> Option<Compacted> {
    let kept = kept_ranges(speech, samples.len());
    // One range is the whole recording: nothing was cut.
    if kept.len() <= 1 {
        return None;
    }
    let samples = kept
        .iter()
        .flat_map(|&(start, end)| samples[start..end].iter().copied())
        .collect();
    Some(Compacted { samples, kept })
}

/// How many of `len` samples are left once the long silences between
/// `spans` are shortened: the length whisper will hear.
pub fn kept_len(spans: &[Span], len: usize) -> usize {
    kept_ranges(spans, len).iter().map(|(s, e)| e - s).sum()
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

    impl Compacted {
        fn original_span_start(&self, t: f64) -> f64 {
            self.original_span(t, t).0
        }
    }

    fn span(start_s: f64, end_s: f64) -> Span {
        Span { start_s, end_s }
    }

    #[test]
    fn kept_len_is_what_whisper_hears() {
        let spans = [span(1.0, 3.0), span(8.0, 10.0)];
        // 11 s with a 5 s silence shortened to 1 s.
        assert_eq!(kept_len(&spans, 11 * 16_000), 7 * 16_000);
        assert_eq!(kept_len(&spans[..1], 11 * 16_000), 11 * 16_000);
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
        assert!((c.original_span_start(3.2) - 3.2).abs() < 1e-9);
        assert!((c.original_span_start(3.7) - 7.7).abs() < 1e-9);
        assert!((c.original_span_start(4.0) - 8.0).abs() < 1e-9);
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
    fn a_token_straddling_a_cut_ends_before_it() {
        let c = Compacted {
            samples: Vec::new(),
            kept: vec![(0, 16_000), (48_000, 64_000)],
        };
        // An end exactly on the cut, and an end past it, stay at 1.0 s.
        assert_eq!(c.original_span(0.5, 1.0), (0.5, 1.0));
        assert_eq!(c.original_span(0.8, 1.3), (0.8, 1.0));
        assert_eq!(c.original_span(1.2, 1.4), (3.2, 3.4));
    }

    #[test]
    fn times_past_the_end_continue_from_the_last_sample() {
        let c = Compacted {
            samples: Vec::new(),
            kept: vec![(0, 16_000), (48_000, 64_000)],
        };
        assert!((c.original_span_start(2.5) - 4.5).abs() < 1e-9);
    }
}
