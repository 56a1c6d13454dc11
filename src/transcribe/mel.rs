//! The Slaney-style mel filterbank that Whisper was trained with.
//!
//! This reproduces `librosa.filters.mel(sr=16000, n_fft=400, n_mels=N)` (the
//! `mel_80`/`mel_128` arrays shipped in openai-whisper's `mel_filters.npz`),
//! including librosa's float32 storage between the ramp and the normalisation,
//! so the importer needs no Python assets.

/// Sample rate Whisper works at.
pub const SAMPLE_RATE: f64 = 16_000.0;
/// FFT size of Whisper's STFT.
pub const N_FFT: usize = 400;
/// Frequency bins of one STFT frame.
pub const N_BINS: usize = N_FFT / 2 + 1;

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

fn hz_to_mel(hz: f64) -> f64 {
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if hz >= MIN_LOG_HZ {
        min_log_mel + (hz / MIN_LOG_HZ).ln() / log_step()
    } else {
        hz / F_SP
    }
}

fn mel_to_hz(mel: f64) -> f64 {
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (log_step() * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// Returns the `n_mels × 201` filterbank, row-major.
pub fn filterbank(n_mels: usize) -> Vec<f32> {
    // numpy.fft.rfftfreq(400, 1/16000)
    let step = 1.0 / (N_FFT as f64 * (1.0 / SAMPLE_RATE));
    let fft_freqs: Vec<f64> = (0..N_BINS).map(|i| i as f64 * step).collect();
    // numpy.linspace(hz_to_mel(0), hz_to_mel(8000), n_mels + 2), endpoint exact.
    let points = n_mels + 2;
    let (lo, hi) = (hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2.0));
    let delta = (hi - lo) / (points - 1) as f64;
    let mel_f: Vec<f64> = (0..points)
        .map(|i| {
            if i == points - 1 {
                mel_to_hz(hi)
            } else {
                mel_to_hz(i as f64 * delta + lo)
            }
        })
        .collect();
    let mut weights = vec![0f32; n_mels * N_BINS];
    for m in 0..n_mels {
        let lower_diff = mel_f[m + 1] - mel_f[m];
        let upper_diff = mel_f[m + 2] - mel_f[m + 1];
        let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
        for (k, &f) in fft_freqs.iter().enumerate() {
            let lower = -(mel_f[m] - f) / lower_diff;
            let upper = (mel_f[m + 2] - f) / upper_diff;
            // numpy's maximum(0, x) keeps x when x == 0, so -0.0 survives (bin 0).
            let tri = lower.min(upper);
            let ramp = if tri < 0.0 { 0.0 } else { tri };
            // librosa stores the ramp as f32, then scales it in f64 and stores again.
            let ramp = ramp as f32;
            weights[m * N_BINS + k] = (f64::from(ramp) * enorm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_and_known_values() {
        let fb = filterbank(80);
        assert_eq!(fb.len(), 80 * 201);
        // First filter peaks at bin 1 (40 Hz); values from openai-whisper's mel_80.
        assert!((fb[1] - 0.024_862_6).abs() < 1e-6, "{}", fb[1]);
        assert_eq!(fb[0], 0.0);
        // Every filter has some weight.
        for m in 0..80 {
            assert!(
                fb[m * 201..(m + 1) * 201].iter().any(|&w| w > 0.0),
                "row {m}"
            );
        }
    }
}
