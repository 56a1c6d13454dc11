//! Reading a recording in any common format: WAV through hound (any bit
//! depth, rate and channel count), and FLAC, MP3, Ogg/Vorbis and AAC in
//! MP4/M4A through symphonia (pure Rust). Mixed down to mono at the file's
//! own rate, within the same limits as WAV.

use std::io::Read;
use std::path::Path;

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::wav::{MAX_FRAMES, MAX_MINUTES, SAMPLE_RATES};
use super::{AudioError, Clip, resample, wav};

/// Reads a recording, mixes it down to mono and resamples it to 16 kHz.
pub fn read_16k_mono(path: &Path) -> Result<Clip, AudioError> {
    resample::to_16k(&read_mono(path)?)
}

/// Reads a recording and mixes it down to mono at its own rate.
pub fn read_mono(path: &Path) -> Result<Clip, AudioError> {
    let open_err = |err| AudioError::Open {
        path: path.to_path_buf(),
        err,
    };
    let mut file = std::fs::File::open(path).map_err(open_err)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(open_err)?;
    // A RIFF header is a WAV (or a broken one): hound reads it, and says why not.
    if n == 4 && matches!(&magic, b"RIFF" | b"RIFX" | b"RF64") {
        return wav::read_mono(path);
    }
    let file = std::fs::File::open(path).map_err(open_err)?;
    decode(file, path)
}

fn decode(file: std::fs::File, path: &Path) -> Result<Clip, AudioError> {
    let not_audio = |reason: String| AudioError::NotAudio {
        path: path.to_path_buf(),
        reason,
    };
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let source = MediaSourceStream::new(Box::new(file), Default::default());
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            source,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| not_audio(e.to_string()))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| not_audio("no audio track".into()))?;
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| not_audio(e.to_string()))?;
    let mut rate = track.codec_params.sample_rate.unwrap_or(0);
    let mut mono: Vec<f32> = Vec::new();
    let mut buffer: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(DecodeError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(DecodeError::ResetRequired) => break,
            Err(e) => return Err(not_audio(e.to_string())),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet is skipped, as players skip it.
            Err(DecodeError::DecodeError(_)) => continue,
            Err(e) => return Err(not_audio(e.to_string())),
        };
        let spec = *decoded.spec();
        rate = spec.rate;
        let channels = spec.channels.count().max(1);
        let buf = match &mut buffer {
            Some(b) if b.capacity() >= decoded.capacity() * channels => b,
            _ => buffer.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        buf.copy_interleaved_ref(decoded);
        mono.extend(
            buf.samples()
                .chunks(channels)
                .map(|f| f.iter().sum::<f32>() / channels as f32),
        );
        if mono.len() as u64 > MAX_FRAMES {
            return Err(AudioError::TooLong {
                path: path.to_path_buf(),
                minutes: mono.len() as f64 / f64::from(rate.max(1)) / 60.0,
                limit: MAX_MINUTES,
            });
        }
    }
    if !SAMPLE_RATES.contains(&rate) {
        return Err(not_audio(format!(
            "a sample rate of {rate} Hz is not audio rehearse can read (1–384 kHz)"
        )));
    }
    if mono.is_empty() {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(Clip {
        samples: mono,
        rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_no_format_names_the_formats_that_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.txt");
        std::fs::write(&path, "these are my notes, not a recording").unwrap();
        let err = read_mono(&path).unwrap_err().to_string();
        assert!(err.contains("notes.txt"), "{err}");
        assert!(err.contains("WAV, FLAC, MP3, Ogg/Vorbis"), "{err}");
        assert_eq!(err.lines().count(), 1);
    }

    #[test]
    fn a_wav_is_read_by_hound_as_before() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.wav");
        wav::write_16k_mono(&path, &[0.1; 1600]).unwrap();
        let clip = read_mono(&path).unwrap();
        assert_eq!((clip.rate, clip.samples.len()), (16_000, 1600));
    }
}
