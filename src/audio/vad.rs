//! Voice activity detection with earshot: one decision per 16 ms frame of
//! 16 kHz audio. Streaming, so live capture and files share it.

use earshot::Detector;

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
}

/// A streaming detector.
pub struct Vad {
    detector: Box<Detector>,
    pending: Vec<f32>,
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
            activity: VoiceActivity {
                frame_s: FRAME_S,
                voiced: Vec::new(),
                level: Vec::new(),
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
    let mut vad = Vad::default();
    vad.push(samples_16k);
    vad.activity
}
