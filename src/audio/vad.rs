//! Voice activity detection with earshot: one decision per 16 ms frame of
//! 16 kHz audio. Streaming, so live capture and files share it.

use earshot::Detector;

thread_local! {
    /// How many times [`detect`] ran on this thread.
    static DETECTIONS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// How many times [`detect`] has run on this thread: the voice detector runs
/// once per recording, and tests hold the pipeline to that.
pub fn detections_on_this_thread() -> usize {
    DETECTIONS.with(std::cell::Cell::get)
}

/// Samples per VAD frame (16 ms at 16 kHz).
pub const FRAME_SAMPLES: usize = 256;
/// Seconds per VAD frame.
pub const FRAME_S: f64 = FRAME_SAMPLES as f64 / 16_000.0;
/// Score at or above which a frame is voiced.
pub const THRESHOLD: f32 = 0.5;

/// Per-frame voice decisions on the answer's timeline.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct VoiceActivity {
    /// Seconds per frame.
    pub frame_s: f64,
    /// One flag per frame, from time 0.
    pub voiced: Vec<bool>,
    /// Each frame's RMS level (0–1), so analysis can tell speech from steady
    /// noise the detector mistakes for it. Empty in older data.
    #[serde(default)]
    pub level: Vec<f32>,
    /// Each frame's RMS level in the voice band ([`VOICE_BAND_HZ`]), where
    /// voiced speech keeps its energy and broadband noise loses most of its
    /// own, so a soft first syllable shows over a noisy room. Empty in older
    /// data.
    #[serde(default)]
    pub voice_band: Vec<f32>,
}

/// The voice band: the fundamental and first formant of voiced speech.
pub const VOICE_BAND_HZ: (f32, f32) = (100.0, 1000.0);

/// A second-order IIR section (RBJ audio-EQ cookbook), Butterworth Q.
#[derive(Debug, Clone, Copy)]
struct Biquad {
    b: [f32; 3],
    a: [f32; 2],
    x: [f32; 2],
    y: [f32; 2],
}

impl Biquad {
    fn new(cutoff_hz: f32, high_pass: bool) -> Self {
        let w = 2.0 * std::f32::consts::PI * cutoff_hz / 16_000.0;
        let alpha = w.sin() / (2.0 * std::f32::consts::FRAC_1_SQRT_2);
        let cos = w.cos();
        let a0 = 1.0 + alpha;
        let b = if high_pass {
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0]
        } else {
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0]
        };
        Biquad {
            b: b.map(|c| c / a0),
            a: [-2.0 * cos / a0, (1.0 - alpha) / a0],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }

    fn process(&mut self, input: f32) -> f32 {
        let out = self.b[0] * input + self.b[1] * self.x[0] + self.b[2] * self.x[1]
            - self.a[0] * self.y[0]
            - self.a[1] * self.y[1];
        self.x = [input, self.x[0]];
        self.y = [out, self.y[0]];
        out
    }
}

/// A streaming detector.
pub struct Vad {
    detector: Box<Detector>,
    pending: Vec<f32>,
    /// High-pass then low-pass: the voice band, state kept across frames.
    band: [Biquad; 2],
    /// Decisions so far.
    pub activity: VoiceActivity,
}

impl std::fmt::Debug for Vad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vad")
            .field("frames", &self.activity.voiced.len())
            .finish()
    }
}

impl Default for Vad {
    fn default() -> Self {
        Vad {
            detector: Detector::default_boxed(),
            pending: Vec::with_capacity(FRAME_SAMPLES),
            band: [
                Biquad::new(VOICE_BAND_HZ.0, true),
                Biquad::new(VOICE_BAND_HZ.1, false),
            ],
            activity: VoiceActivity {
                frame_s: FRAME_S,
                voiced: Vec::new(),
                level: Vec::new(),
                voice_band: Vec::new(),
            },
        }
    }
}

impl Vad {
    /// Feeds 16 kHz samples; returns how many new frames were voiced.
    pub fn push(&mut self, samples: &[f32]) -> usize {
        let mut voiced = 0;
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (FRAME_SAMPLES - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == FRAME_SAMPLES {
                let is_voiced = self.detector.predict_f32(&self.pending) >= THRESHOLD;
                voiced += usize::from(is_voiced);
                self.activity.voiced.push(is_voiced);
                let power = self.pending.iter().map(|s| s * s).sum::<f32>() / FRAME_SAMPLES as f32;
                self.activity.level.push(power.sqrt());
                let [high, low] = &mut self.band;
                let band_power = self
                    .pending
                    .iter()
                    .map(|&s| low.process(high.process(s)).powi(2))
                    .sum::<f32>()
                    / FRAME_SAMPLES as f32;
                self.activity.voice_band.push(band_power.sqrt());
                self.pending.clear();
            }
        }
        voiced
    }

    /// Whether the most recent frame was voiced.
    pub fn last_voiced(&self) -> bool {
        self.activity.voiced.last().copied().unwrap_or(false)
    }
}

/// Runs the detector over a whole clip.
pub fn detect(samples_16k: &[f32]) -> VoiceActivity {
    DETECTIONS.with(|n| n.set(n.get() + 1));
    let mut vad = Vad::default();
    vad.push(samples_16k);
    vad.activity
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f32, seconds: f32) -> Vec<f32> {
        (0..(seconds * 16_000.0) as usize)
            .map(|i| 0.1 * (2.0 * std::f32::consts::PI * hz * i as f32 / 16_000.0).sin())
            .collect()
    }

    #[test]
    fn the_voice_band_keeps_a_voiced_pitch_and_drops_hiss() {
        let last = |hz: f32| {
            let a = detect(&tone(hz, 0.5));
            assert_eq!(a.voice_band.len(), a.level.len());
            let i = a.level.len() - 1;
            a.voice_band[i] / a.level[i]
        };
        assert!(last(300.0) > 0.9, "300 Hz: {}", last(300.0));
        assert!(last(4000.0) < 0.1, "4 kHz: {}", last(4000.0));
        assert!(last(30.0) < 0.2, "30 Hz hum: {}", last(30.0));
    }
}
