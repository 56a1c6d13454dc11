//! Clips the natural voice has already said, kept in the data folder, so
//! that a question heard before starts at once. The natural voice needs
//! about 0.6 s to open and synthesize a question before its first sound
//! (BENCHMARKS.md); a kept clip is read in a few milliseconds, and the voice
//! opens meanwhile for what has not been said before.
//!
//! A clip is kept under a hash of the voice's identity (its model file's
//! path, size and time of change, and the speaking rate) and the text, so a
//! voice that is replaced or changed never plays another voice's clip. The
//! system engines are not cached: they speak within 0.1 s anyway.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::SpeechError;
use super::voices::{self, Choice};
use crate::audio::{Clip, wav};

/// Bumped when what a kept clip holds changes (trimming, gaps, format).
const FORMAT: u32 = 1;

/// The clips kept for one natural voice.
#[derive(Debug, Clone)]
pub struct ClipCache {
    dir: PathBuf,
    identity: String,
    /// The name the voice has once open (`piper:joe`): a voice that fell back
    /// to the system engine is not this one, and its clips are not kept.
    voice: String,
}

impl ClipCache {
    /// The cache in `dir` for the natural voice `choice` would open at
    /// `rate_wpm`, or None when the choice is a system engine (or names no
    /// natural voice that is there).
    pub fn for_choice(dir: &Path, choice: &Choice, rate_wpm: Option<u32>) -> Option<ClipCache> {
        let model = voices::neural_model(choice)?;
        let meta = std::fs::metadata(&model).ok()?;
        let changed = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        let path = std::fs::canonicalize(&model).unwrap_or(model.clone());
        Some(ClipCache {
            dir: dir.to_path_buf(),
            identity: format!(
                "{FORMAT}\n{}\n{}\n{changed}\n{rate_wpm:?}",
                path.display(),
                meta.len()
            ),
            voice: format!("piper:{}", super::piper::voice_name(&model)),
        })
    }

    /// Whether clips said by the voice called `name` belong here.
    pub fn is_for(&self, name: &str) -> bool {
        self.voice == name
    }

    fn path(&self, text: &str) -> PathBuf {
        let mut hash = Sha256::new();
        hash.update(self.identity.as_bytes());
        hash.update(b"\n");
        hash.update(text.trim().as_bytes());
        let name = crate::transcribe::catalog::hex(&hash.finalize());
        self.dir.join(format!("{name}.wav"))
    }

    /// Whether a clip of `text` is kept (without reading it).
    pub fn contains(&self, text: &str) -> bool {
        self.path(text).is_file()
    }

    /// The kept clip of `text`, if there is one that reads.
    pub fn get(&self, text: &str) -> Option<Clip> {
        let mut reader = hound::WavReader::open(self.path(text)).ok()?;
        let spec = reader.spec();
        if spec.channels != 1 || spec.sample_format != hound::SampleFormat::Float {
            return None;
        }
        let samples: Vec<f32> = reader.samples::<f32>().collect::<Result<_, _>>().ok()?;
        (!samples.is_empty()).then_some(Clip {
            samples,
            rate: spec.sample_rate,
        })
    }

    /// Keeps `clip` as what `text` sounds like (readable by the user only).
    /// Written beside and renamed, so a reader never sees half a clip.
    pub fn put(&self, text: &str, clip: &Clip) -> Result<(), SpeechError> {
        let path = self.path(text);
        let partial = path.with_extension("wav.partial");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: clip.rate,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let fail = |e: hound::Error| crate::audio::AudioError::Write {
            path: partial.clone(),
            err: e.to_string(),
        };
        let mut writer = wav::create_private_as(&partial, spec)?;
        for &s in &clip.samples {
            writer.write_sample(s).map_err(fail)?;
        }
        writer.finalize().map_err(fail)?;
        std::fs::rename(&partial, &path).map_err(|e| crate::audio::AudioError::Write {
            path: path.clone(),
            err: e.to_string(),
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, model: &Path, rate: Option<u32>) -> ClipCache {
        std::fs::write(super::super::piper::config_of(model), "{}").unwrap();
        ClipCache::for_choice(dir, &Choice::NeuralFile(model.to_path_buf()), rate).unwrap()
    }

    #[test]
    fn a_kept_clip_comes_back_exactly_for_the_same_voice_and_text_only() {
        let tmp = tempfile::tempdir().unwrap();
        let model = tmp.path().join("en_US-test-medium.onnx");
        std::fs::write(&model, b"model").unwrap();
        let kept = tmp.path().join("voice-cache");
        let c = cache(&kept, &model, None);
        assert!(c.is_for("piper:test"));
        assert!(c.get("Tell me about a time.").is_none());
        assert!(!c.contains("Tell me about a time."));
        let clip = Clip {
            samples: vec![0.0, 0.25, -0.5, 0.125],
            rate: 22_050,
        };
        c.put("Tell me about a time.", &clip).unwrap();
        assert!(c.contains("Tell me about a time."));
        let back = c.get("Tell me about a time.").unwrap();
        assert_eq!(back.samples, clip.samples);
        assert_eq!(back.rate, 22_050);
        assert!(c.get("Tell me about another time.").is_none());
        assert!(
            cache(&kept, &model, Some(140))
                .get("Tell me about a time.")
                .is_none()
        );
        // A voice file that changed is another voice.
        std::fs::write(&model, b"another model").unwrap();
        assert!(
            cache(&kept, &model, None)
                .get("Tell me about a time.")
                .is_none()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let file = std::fs::read_dir(&kept).unwrap().next().unwrap().unwrap();
            let mode = file.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_system_engine_has_no_cache() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(ClipCache::for_choice(tmp.path(), &Choice::System(None), None).is_none());
    }
}
