//! Reading any WAV hound understands (8/16/24/32-bit integer, 32-bit float,
//! any rate, any channel count) and writing 16 kHz mono 16-bit WAVs.

use std::path::Path;

use super::{AudioError, Clip, resample};

/// Longest input accepted, so a huge file gets a refusal and not an
/// out-of-memory abort.
pub const MAX_MINUTES: u32 = 60;

/// Reads a WAV file, mixes it down to mono and resamples it to 16 kHz.
pub fn read_16k_mono(path: &Path) -> Result<Clip, AudioError> {
    let clip = read_mono(path)?;
    resample::to_16k(&clip)
}

/// Reads a WAV file and mixes it down to mono at its own rate.
pub fn read_mono(path: &Path) -> Result<Clip, AudioError> {
    let file = std::fs::File::open(path).map_err(|err| AudioError::Open {
        path: path.to_path_buf(),
        err,
    })?;
    read_mono_from(std::io::BufReader::new(file), path)
}

/// Sample rates accepted. A header claiming gigahertz would make the
/// resampler allocate for it (found by fuzzing: fuzz/regressions/).
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 1_000..=384_000;

/// Most sample frames accepted (an hour at 48 kHz), so that neither a long
/// file nor a header claiming an absurd rate can exhaust memory.
pub const MAX_FRAMES: u64 = 60 * 60 * 48_000;

/// Reads WAV bytes from `input` (`path` names it in errors) and mixes them
/// down to mono at their own rate.
pub fn read_mono_from(input: impl std::io::Read, path: &Path) -> Result<Clip, AudioError> {
    let unreadable = |e: hound::Error| AudioError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut reader = hound::WavReader::new(input).map_err(unreadable)?;
    let spec = reader.spec();
    if !SAMPLE_RATES.contains(&spec.sample_rate) {
        return Err(AudioError::Unreadable {
            path: path.to_path_buf(),
            reason: format!(
                "a sample rate of {} Hz is not audio rehearse can read (1–384 kHz)",
                spec.sample_rate
            ),
        });
    }
    let channels = usize::from(spec.channels.max(1));
    let frames = u64::from(reader.duration());
    if frames == 0 {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    let minutes = frames as f64 / f64::from(spec.sample_rate.max(1)) / 60.0;
    if minutes > f64::from(MAX_MINUTES) || frames > MAX_FRAMES {
        return Err(AudioError::TooLong {
            path: path.to_path_buf(),
            minutes,
            limit: MAX_MINUTES,
        });
    }
    // Mixed down as it is read: memory is one mono copy, whatever the channel count.
    // The header's claim is not trusted for the allocation: grow as data really arrives.
    let mut samples = Vec::with_capacity(frames.min(1 << 20) as usize);
    let mut frame_sum = 0f32;
    let mut in_frame = 0;
    let mut push = |v: f32| {
        // Float files can hold NaN, infinities or values past full scale; the
        // resampler's FFT must only ever see finite audio (fuzz/regressions/).
        let v = if v.is_finite() {
            v.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        frame_sum += v;
        in_frame += 1;
        if in_frame == channels {
            samples.push(frame_sum / channels as f32);
            frame_sum = 0.0;
            in_frame = 0;
        }
    };
    match spec.sample_format {
        hound::SampleFormat::Float => {
            for s in reader.samples::<f32>() {
                push(s.map_err(unreadable)?);
            }
        }
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            for s in reader.samples::<i32>() {
                push(s.map_err(unreadable)? as f32 * scale);
            }
        }
    }
    if samples.is_empty() {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(Clip {
        samples,
        rate: spec.sample_rate,
    })
}

/// The format every recording is stored in.
pub fn spec_16k_mono() -> hound::WavSpec {
    hound::WavSpec {
        channels: 1,
        sample_rate: super::WHISPER_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    }
}

/// Converts a float sample to 16-bit, clamping.
pub fn to_i16(s: f32) -> i16 {
    (s.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// Creates a 16 kHz mono 16-bit WAV readable by the user only (0600), in a
/// folder only the user can enter (0700).
pub fn create_private(
    path: &Path,
) -> Result<hound::WavWriter<std::io::BufWriter<std::fs::File>>, AudioError> {
    create_private_as(path, spec_16k_mono())
}

/// Creates a WAV of any format readable by the user only (0600), in a folder
/// only the user can enter (0700).
pub fn create_private_as(
    path: &Path,
    spec: hound::WavSpec,
) -> Result<hound::WavWriter<std::io::BufWriter<std::fs::File>>, AudioError> {
    let fail = |err: String| AudioError::Write {
        path: path.to_path_buf(),
        err,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::history::private_dir(dir).map_err(|e| fail(e.to_string()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(path).map_err(|e| fail(e.to_string()))?;
    hound::WavWriter::new(std::io::BufWriter::new(file), spec).map_err(|e| fail(e.to_string()))
}

/// Writes a 16 kHz mono 16-bit WAV readable by the user only.
pub fn write_16k_mono_private(path: &Path, samples: &[f32]) -> Result<(), AudioError> {
    let fail = |e: hound::Error| AudioError::Write {
        path: path.to_path_buf(),
        err: e.to_string(),
    };
    let mut w = create_private(path)?;
    for &s in samples {
        w.write_sample(to_i16(s)).map_err(fail)?;
    }
    w.finalize().map_err(fail)
}

/// Writes a 16 kHz mono 16-bit WAV.
pub fn write_16k_mono(path: &Path, samples: &[f32]) -> Result<(), AudioError> {
    let fail = |e: hound::Error| AudioError::Write {
        path: path.to_path_buf(),
        err: e.to_string(),
    };
    let mut w = hound::WavWriter::create(path, spec_16k_mono()).map_err(fail)?;
    for &s in samples {
        w.write_sample(to_i16(s)).map_err(fail)?;
    }
    w.finalize().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, spec: hound::WavSpec, frames: usize) {
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for i in 0..frames * usize::from(spec.channels) {
            let x = ((i as f32) * 0.01).sin() * 0.5;
            match (spec.sample_format, spec.bits_per_sample) {
                (hound::SampleFormat::Float, _) => w.write_sample(x).unwrap(),
                (_, 8) => w.write_sample((x * 127.0) as i8).unwrap(),
                (_, 16) => w.write_sample((x * 32767.0) as i16).unwrap(),
                (_, 24) => w.write_sample((x * 8_388_607.0) as i32).unwrap(),
                _ => w.write_sample((x * 2_147_483_647.0) as i32).unwrap(),
            }
        }
        w.finalize().unwrap();
    }

    #[test]
    fn reads_every_format_and_rate_to_16k_mono() {
        let dir = tempfile::tempdir().unwrap();
        let formats = [
            (8, hound::SampleFormat::Int),
            (16, hound::SampleFormat::Int),
            (24, hound::SampleFormat::Int),
            (32, hound::SampleFormat::Int),
            (32, hound::SampleFormat::Float),
        ];
        for (bits, fmt) in formats {
            for (rate, channels) in [(8000, 1), (22050, 2), (44100, 1), (48000, 6)] {
                let p = dir.path().join(format!("{bits}-{rate}-{channels}.wav"));
                let spec = hound::WavSpec {
                    channels,
                    sample_rate: rate,
                    bits_per_sample: bits,
                    sample_format: fmt,
                };
                write(&p, spec, rate as usize); // one second
                let clip = read_16k_mono(&p).unwrap();
                assert_eq!(clip.rate, 16_000);
                let err = (clip.duration_s() - 1.0).abs();
                assert!(err < 0.002, "{bits}-bit {rate} Hz: {} s", clip.duration_s());
                let peak = clip.samples.iter().fold(0f32, |m, s| m.max(s.abs()));
                assert!(
                    (0.3..0.7).contains(&peak),
                    "{bits}-bit {rate} Hz peak {peak}"
                );
            }
        }
    }

    #[test]
    fn empty_and_garbage_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.wav");
        write(&empty, spec_16k_mono(), 0);
        assert!(matches!(read_mono(&empty), Err(AudioError::Empty { .. })));
        let junk = dir.path().join("junk.wav");
        std::fs::write(&junk, b"RIFF\x10\x00\x00\x00WAVEjunkjunk").unwrap();
        let e = read_mono(&junk).unwrap_err();
        assert!(matches!(e, AudioError::Unreadable { .. }), "{e}");
        let missing = dir.path().join("missing.wav");
        assert!(matches!(read_mono(&missing), Err(AudioError::Open { .. })));
    }
}
