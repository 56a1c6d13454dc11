//! Streaming conversion of mono audio to 16 kHz with rubato's synchronous
//! FFT resampler. Files and live capture use the same [`To16k`], so a file
//! analysed offline and the same audio recorded live give the same samples.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

use super::{AudioError, Clip, WHISPER_RATE};

/// Input frames per resampler call.
const CHUNK: usize = 1024;

/// A streaming mono resampler to 16 kHz (by default; see [`To16k::between`]).
/// Output is aligned: the resampler's delay is trimmed, and [`To16k::finish`]
/// pads the tail so that exactly `ceil(input × to / from)` samples come out.
pub struct To16k {
    rate: u32,
    to: u32,
    engine: Option<Fft<f32>>,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    to_skip: usize,
    input_total: u64,
    output_total: u64,
}

impl std::fmt::Debug for To16k {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("To16k").field("rate", &self.rate).finish()
    }
}

impl To16k {
    /// A resampler from `rate` Hz to 16 kHz.
    pub fn new(rate: u32) -> Result<To16k, AudioError> {
        To16k::between(rate, WHISPER_RATE)
    }

    /// A resampler from `rate` Hz to `to` Hz.
    pub fn between(rate: u32, to: u32) -> Result<To16k, AudioError> {
        if rate == 0 || to == 0 {
            return Err(AudioError::Resample {
                rate,
                reason: "the sample rate is zero".into(),
            });
        }
        let engine = if rate == to {
            None
        } else {
            let fft = Fft::<f32>::new(rate as usize, to as usize, CHUNK, 1, FixedSync::Input)
                .map_err(|e| AudioError::Resample {
                    rate,
                    reason: e.to_string(),
                })?;
            Some(fft)
        };
        let (to_skip, out_max) = engine
            .as_ref()
            .map_or((0, 0), |e| (e.output_delay(), e.output_frames_max()));
        Ok(To16k {
            rate,
            to,
            engine,
            pending: Vec::with_capacity(CHUNK),
            scratch: vec![0.0; out_max],
            to_skip,
            input_total: 0,
            output_total: 0,
        })
    }

    fn expected_output(&self) -> u64 {
        (self.input_total * u64::from(self.to)).div_ceil(u64::from(self.rate))
    }

    /// Feeds samples; appends whatever 16 kHz output is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), AudioError> {
        self.input_total += input.len() as u64;
        if self.engine.is_none() {
            out.extend_from_slice(input);
            self.output_total += input.len() as u64;
            return Ok(());
        }
        let mut rest = input;
        while !rest.is_empty() {
            let take = (CHUNK - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == CHUNK {
                self.run_chunk(out, u64::MAX)?;
            }
        }
        Ok(())
    }

    fn run_chunk(&mut self, out: &mut Vec<f32>, limit: u64) -> Result<(), AudioError> {
        let rate = self.rate;
        let fail = |reason: String| AudioError::Resample { rate, reason };
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        let input =
            InterleavedSlice::new(&self.pending[..], 1, CHUNK).map_err(|e| fail(e.to_string()))?;
        let frames = self.scratch.len();
        let mut output = InterleavedSlice::new_mut(&mut self.scratch[..], 1, frames)
            .map_err(|e| fail(e.to_string()))?;
        let (_, produced) = engine
            .process_into_buffer(&input, &mut output, None)
            .map_err(|e| fail(e.to_string()))?;
        self.pending.clear();
        let skip = self.to_skip.min(produced);
        self.to_skip -= skip;
        let room = limit.saturating_sub(self.output_total) as usize;
        let keep = &self.scratch[skip..produced];
        let keep = &keep[..keep.len().min(room)];
        out.extend_from_slice(keep);
        self.output_total += keep.len() as u64;
        Ok(())
    }

    /// Flushes the tail: pads with silence until every input sample has
    /// come out, and no more.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), AudioError> {
        let expected = self.expected_output();
        // A few chunks of padding always suffice to drain the delay line.
        for _ in 0..8 {
            if self.output_total >= expected || self.engine.is_none() {
                break;
            }
            self.pending.resize(CHUNK, 0.0);
            self.run_chunk(out, expected)?;
        }
        Ok(())
    }
}

/// Resamples a whole clip to 16 kHz.
pub fn to_16k(clip: &Clip) -> Result<Clip, AudioError> {
    convert(clip, WHISPER_RATE)
}

/// Resamples a whole clip to `rate`.
pub fn convert(clip: &Clip, rate: u32) -> Result<Clip, AudioError> {
    let mut r = To16k::between(clip.rate, rate)?;
    let expected = clip.samples.len() * rate as usize / clip.rate.max(1) as usize;
    let mut out = Vec::with_capacity(expected + CHUNK);
    r.push(&clip.samples, &mut out)?;
    r.finish(&mut out)?;
    Ok(Clip { samples: out, rate })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, secs: f64, hz: f64) -> Vec<f32> {
        (0..(rate as f64 * secs) as usize)
            .map(|i| (2.0 * std::f64::consts::PI * hz * i as f64 / rate as f64).sin() as f32 * 0.5)
            .collect()
    }

    #[test]
    fn length_is_exact_and_delay_trimmed() {
        for rate in [8000, 22050, 44100, 48000] {
            let clip = Clip {
                samples: tone(rate, 1.0, 440.0),
                rate,
            };
            let out = to_16k(&clip).unwrap();
            assert_eq!(out.samples.len(), 16_000, "from {rate}");
            // Aligned: the tone's zero crossing near 0 stays near 0.
            let first_peak = out.samples.iter().position(|s| s.abs() > 0.45).unwrap();
            assert!(
                first_peak < 16_000 / 440 + 4,
                "from {rate}: peak at {first_peak}"
            );
        }
    }

    #[test]
    fn streaming_in_odd_pieces_matches_whole() {
        let samples = tone(48_000, 0.5, 300.0);
        let whole = to_16k(&Clip {
            samples: samples.clone(),
            rate: 48_000,
        })
        .unwrap();
        let mut r = To16k::new(48_000).unwrap();
        let mut out = Vec::new();
        for piece in samples.chunks(333) {
            r.push(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        assert_eq!(out, whole.samples);
    }
}
