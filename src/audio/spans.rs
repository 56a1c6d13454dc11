//! Speech stretches from voice activity: voiced runs with short gaps closed,
//! blips dropped, steady noise gated out and soft onsets kept. Computed once
//! per recording from the voice detector's frames, and handed to whoever
//! needs to know where the speech is (transcription, timing, the answer's
//! units); the pauses come from the audio, not from whisper's timestamps,
//! which fold silence into words.

use serde::{Deserialize, Serialize};

use super::vad::VoiceActivity;

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
pub fn noise_floor(activity: &VoiceActivity) -> Option<f32> {
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
pub const SILENT_FLOOR: f32 = 1e-4;

/// The speech stretches of the first `frames` frames of `voice`: what the
/// capture worker knows of the answer when it cuts a chunk at that frame.
pub fn speech_spans_until(voice: &VoiceActivity, frames: usize) -> Vec<Span> {
    let cut = |v: &[f32]| v[..frames.min(v.len())].to_vec();
    speech_spans(&VoiceActivity {
        frame_s: voice.frame_s,
        voiced: voice.voiced[..frames.min(voice.voiced.len())].to_vec(),
        level: cut(&voice.level),
        voice_band: cut(&voice.voice_band),
    })
}

/// The stretches of `spans` that fall between `from_s` and `to_s`, clipped
/// to that window and moved onto its own timeline (0 = `from_s`): the speech
/// of a piece of the recording, without running the voice detector again.
pub fn within(spans: &[Span], from_s: f64, to_s: f64) -> Vec<Span> {
    spans
        .iter()
        .filter(|s| s.end_s > from_s && s.start_s < to_s)
        .map(|s| Span {
            start_s: s.start_s.max(from_s) - from_s,
            end_s: s.end_s.min(to_s) - from_s,
        })
        .collect()
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
    fn a_window_of_the_spans_is_clipped_and_moved_onto_its_own_timeline() {
        let spans = [
            Span {
                start_s: 1.0,
                end_s: 2.0,
            },
            Span {
                start_s: 3.0,
                end_s: 5.0,
            },
            Span {
                start_s: 7.0,
                end_s: 8.0,
            },
        ];
        let w = within(&spans, 1.5, 4.0);
        assert_eq!(
            w,
            [
                Span {
                    start_s: 0.0,
                    end_s: 0.5
                },
                Span {
                    start_s: 1.5,
                    end_s: 2.5
                }
            ]
        );
        assert!(within(&spans, 5.5, 6.5).is_empty());
    }
}
