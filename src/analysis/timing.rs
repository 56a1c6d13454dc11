//! Timing from the voice detector: when speech starts, how long it runs,
//! where it pauses, and how fast the words come. Pauses come from the audio,
//! not from whisper's timestamps, which fold silence into words.

use serde::{Deserialize, Serialize};

use crate::audio::vad::VoiceActivity;

/// Silence at least this long between voiced stretches is a pause.
pub const MIN_PAUSE_S: f64 = 0.25;
/// Voiced stretches shorter than this (clicks, breaths) are ignored.
pub const MIN_SPEECH_S: f64 = 0.064;

/// A stretch of speech.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Start, seconds.
    pub start_s: f64,
    /// End, seconds.
    pub end_s: f64,
}

impl Span {
    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        self.end_s - self.start_s
    }
}

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

/// Speech stretches: voiced runs with short gaps closed and blips dropped.
pub fn speech_spans(activity: &VoiceActivity) -> Vec<Span> {
    let f = activity.frame_s;
    let gate = noise_gate(activity);
    let voiced = activity
        .voiced
        .iter()
        .enumerate()
        .map(|(i, &v)| v && activity.level.get(i).is_none_or(|&l| l >= gate));
    let mut raw: Vec<Span> = Vec::new();
    let mut start: Option<usize> = None;
    for (i, v) in voiced.chain(std::iter::once(false)).enumerate() {
        match (v, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                raw.push(Span {
                    start_s: s as f64 * f,
                    end_s: i as f64 * f,
                });
                start = None;
            }
            _ => {}
        }
    }
    let mut merged: Vec<Span> = Vec::new();
    for span in raw {
        match merged.last_mut() {
            Some(last) if span.start_s - last.end_s < MIN_PAUSE_S - 1e-9 => last.end_s = span.end_s,
            _ => merged.push(span),
        }
    }
    merged.retain(|s| s.duration_s() >= MIN_SPEECH_S - 1e-9);
    with_soft_onsets(activity, merged)
}

/// How far over the voice band's floor a frame must rise to be a soft
/// onset: 4 dB. Broadband noise in the band fluctuates by about 13 % (RMS)
/// frame to frame, so its floor (5th percentile) sits near 0.8× its mean and
/// 1.6× the floor is two standard deviations over the mean.
const SOFT_ONSET_OVER_FLOOR: f32 = 1.6;
/// Frames in a row a soft onset must last (48 ms): noise crosses the level
/// for one frame in about fifty, three in a row about once in 100,000.
const SOFT_ONSET_FRAMES: usize = 3;
/// How far back soft onsets may move a stretch's start in all: a soft
/// syllable or two, not a fan that rises and falls for seconds.
const SOFT_ONSET_MAX_S: f64 = 0.5;

/// Moves each stretch's start back over a soft onset that the voice detector
/// and the noise gate missed: a run of frames whose voice-band level
/// ([`VoiceActivity::voice_band`]) stands [`SOFT_ONSET_OVER_FLOOR`] over the
/// band's floor, ending less than a pause before the stretch ("One Friday…"
/// starts with a /w/ that broadband noise hides), and again before that run,
/// at most [`SOFT_ONSET_MAX_S`] in all. Only with a measurable background:
/// over digital silence the voice detector already hears it. Stretches that
/// come within a pause of each other merge.
fn with_soft_onsets(activity: &VoiceActivity, spans: Vec<Span>) -> Vec<Span> {
    let band = &activity.voice_band;
    if band.len() != activity.voiced.len() || band.is_empty() || spans.is_empty() {
        return spans;
    }
    let floor = fifth_percentile(band);
    if floor < SILENT_FLOOR {
        return spans;
    }
    let loud = |i: usize| band[i] >= floor * SOFT_ONSET_OVER_FLOOR;
    let f = activity.frame_s;
    let reach = (MIN_PAUSE_S / f).round() as usize;
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        let mut start = ((span.start_s / f).round() as usize).min(band.len());
        let earliest = out
            .last()
            .map_or(0, |p| (p.end_s / f).round() as usize)
            .max(start.saturating_sub((SOFT_ONSET_MAX_S / f).round() as usize));
        // The latest loud run ending within reach before the start, then its beginning.
        while let Some(end) = (earliest.max(start.saturating_sub(reach))..start)
            .rev()
            .find(|&i| {
                i + 1 >= SOFT_ONSET_FRAMES + earliest && (i + 1 - SOFT_ONSET_FRAMES..=i).all(loud)
            })
        {
            start = (earliest..=end)
                .rev()
                .take_while(|&i| loud(i))
                .last()
                .unwrap_or(end);
        }
        let span = Span {
            start_s: (start as f64 * f).min(span.start_s),
            end_s: span.end_s,
        };
        match out.last_mut() {
            Some(last) if span.start_s - last.end_s < MIN_PAUSE_S - 1e-9 => last.end_s = span.end_s,
            _ => out.push(span),
        }
    }
    out
}

/// The level a voiced frame must reach: 6 dB over the recording's noise
/// floor (its 5th-percentile frame level). The voice detector takes steady
/// noise (a fan, a busy room) for speech; in a quiet recording the floor is
/// near zero and nothing changes.
fn noise_gate(activity: &VoiceActivity) -> f32 {
    noise_floor(activity).map_or(0.0, |floor| floor * 2.0)
}

/// The recording's background level: its 5th-percentile frame level (every
/// answer has some silence: the thinking time, breaths, pauses). `None`
/// without levels (older data).
fn noise_floor(activity: &VoiceActivity) -> Option<f32> {
    if activity.level.len() != activity.voiced.len() || activity.level.is_empty() {
        return None;
    }
    Some(fifth_percentile(&activity.level))
}

/// The 5th-percentile of non-empty `levels`: a recording's background, in
/// whichever band they were measured.
fn fifth_percentile(levels: &[f32]) -> f32 {
    let mut sorted = levels.to_vec();
    sorted.sort_by(f32::total_cmp);
    sorted[sorted.len() / 20]
}

/// Backgrounds quieter than this (-80 dBFS) are silence: digital silence, or a
/// microphone whose noise suppression zeroes the pauses. There is no noise
/// to measure the speech against, and a quiet voice is not a noisy room.
const SILENT_FLOOR: f32 = 1e-4;

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

/// Moves word boundaries that fall in silence onto the nearest speech:
/// a start inside a silence moves forward to where speech resumes, an end
/// moves back to where it stopped. Whisper's token times fold silence into
/// words; the voice detector knows where the silence is.
pub fn snap_words(words: &mut [crate::transcribe::Word], spans: &[Span]) {
    if spans.is_empty() {
        return;
    }
    let inside = |t: f64| spans.iter().any(|s| t >= s.start_s && t <= s.end_s);
    // Back to front, so each word sees where its successor now starts.
    for i in (0..words.len()).rev() {
        let limit = words.get(i + 1).map_or(f64::INFINITY, |n| n.start_s);
        let w = &mut words[i];
        let length = (w.end_s - w.start_s).max(0.0);
        if !inside(w.start_s)
            && let Some(next) = spans.iter().find(|s| s.start_s > w.start_s)
            && next.start_s <= limit
        {
            w.start_s = next.start_s;
            if w.end_s < w.start_s {
                w.end_s = (w.start_s + length).min(limit).min(next.end_s);
            }
        }
        if !inside(w.end_s)
            && let Some(prev) = spans.iter().rev().find(|s| s.end_s < w.end_s)
            && prev.end_s > w.start_s
        {
            w.end_s = prev.end_s;
        }
    }
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

    #[test]
    fn steady_noise_the_detector_calls_speech_is_not_thinking_time_speech() {
        // 1 s of noise the detector marks voiced (level 0.01), then speech (0.1).
        let mut a = activity(&"#".repeat(40));
        a.level = [vec![0.01; 20], vec![0.1; 20]].concat();
        let spans = speech_spans(&a);
        assert_eq!(spans.len(), 1);
        assert!((spans[0].start_s - 1.0).abs() < 1e-9, "{spans:?}");
        // Without levels (older data) nothing is gated.
        a.level.clear();
        assert_eq!(speech_spans(&a)[0].start_s, 0.0);
    }

    #[test]
    fn a_soft_onset_in_the_voice_band_starts_the_speech_but_a_blip_does_not() {
        // holdout3-kal-incident under noise: "One…" is under the broadband
        // noise, only its voice band rises, then a dip, then loud speech.
        // 50 ms frames: 1 s of background, 3 soft frames, 2 background, speech.
        let pattern = format!("{}{}", ".".repeat(25), "#".repeat(20));
        let mut a = activity(&pattern);
        a.level = [vec![0.01; 25], vec![0.1; 20]].concat();
        let band = |soft: &[f32]| {
            [
                vec![0.01; 20],
                soft.to_vec(),
                vec![0.01; 5 - soft.len()],
                vec![0.1; 20],
            ]
            .concat()
        };
        a.voice_band = band(&[0.02, 0.02, 0.02]);
        assert!(
            (speech_spans(&a)[0].start_s - 1.0).abs() < 1e-9,
            "{:?}",
            speech_spans(&a)
        );
        // Two frames over the floor are noise, not an onset.
        a.voice_band = band(&[0.02, 0.02]);
        assert!((speech_spans(&a)[0].start_s - 1.25).abs() < 1e-9);
        // Over digital silence the voice detector is trusted as it is.
        a.voice_band = [vec![0.0; 20], vec![0.02; 3], vec![0.0; 2], vec![0.1; 20]].concat();
        assert!((speech_spans(&a)[0].start_s - 1.25).abs() < 1e-9);
        // A loud run more than a pause before the speech is not its onset.
        a.voice_band = [vec![0.01; 14], vec![0.02; 3], vec![0.01; 8], vec![0.1; 20]].concat();
        assert!((speech_spans(&a)[0].start_s - 1.25).abs() < 1e-9);
        // Two soft runs, each within a pause of the next: both, up to 0.5 s.
        a.voice_band = [
            vec![0.01; 17],
            vec![0.02; 3],
            vec![0.01; 2],
            vec![0.02; 3],
            vec![0.1; 20],
        ]
        .concat();
        assert!(
            (speech_spans(&a)[0].start_s - 0.85).abs() < 1e-9,
            "{:?}",
            speech_spans(&a)
        );
        // A band that stays up for seconds moves the start back 0.5 s only.
        a.voice_band = [vec![0.01; 5], vec![0.02; 20], vec![0.1; 20]].concat();
        assert!(
            (speech_spans(&a)[0].start_s - 0.75).abs() < 1e-9,
            "{:?}",
            speech_spans(&a)
        );
    }

    #[test]
    fn a_soft_onset_that_closes_the_pause_joins_the_stretch_before() {
        // Speech, 0.4 s of silence whose last 0.2 s is a soft onset, speech:
        // the 0.2 s left is too short to be a pause, so the stretches merge.
        let pattern = format!("{}{}{}", "#".repeat(20), ".".repeat(8), "#".repeat(20));
        let mut a = activity(&pattern);
        a.level = [vec![0.1; 20], vec![0.01; 8], vec![0.1; 20]].concat();
        a.voice_band = [vec![0.1; 20], vec![0.01; 4], vec![0.02; 4], vec![0.1; 20]].concat();
        let spans = speech_spans(&a);
        assert_eq!(spans.len(), 1, "{spans:?}");
    }

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
    fn short_gaps_close_and_blips_vanish() {
        // 4 frames (200 ms) gap closes; a lone 50 ms blip is dropped.
        let spans = speech_spans(&activity("..####....####.........#........###"));
        assert_eq!(spans.len(), 2);
        assert!((spans[0].start_s - 0.10).abs() < 1e-9);
        assert!((spans[0].end_s - 0.70).abs() < 1e-9);
        assert!((spans[1].start_s - 1.60).abs() < 1e-9);
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
    fn word_edges_in_silence_snap_to_speech() {
        use crate::transcribe::Word;
        let spans = vec![
            Span {
                start_s: 1.2,
                end_s: 3.0,
            },
            Span {
                start_s: 4.0,
                end_s: 5.0,
            },
        ];
        let w = |s: f64, e: f64| Word {
            word: "x".into(),
            start_s: s,
            end_s: e,
            probability: 1.0,
        };
        let mut words = vec![w(0.0, 0.5), w(0.5, 1.6), w(2.5, 3.6), w(3.6, 4.4)];
        snap_words(&mut words, &spans);
        // Words starting in the leading silence move onto the speech, in order.
        assert_eq!((words[0].start_s, words[0].end_s), (1.2, 1.2));
        assert_eq!((words[1].start_s, words[1].end_s), (1.2, 1.6));
        assert_eq!((words[2].start_s, words[2].end_s), (2.5, 3.0));
        assert_eq!((words[3].start_s, words[3].end_s), (4.0, 4.4));
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
