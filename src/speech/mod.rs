//! Text to speech: the [`Speaker`] seam and the system engines behind it
//! (espeak-ng on Linux, `say` on macOS).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::audio::{self, Clip};

/// Errors from speech synthesis.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// No engine installed.
    #[error(
        "no speech engine found; install one with `sudo apt-get install espeak-ng` (Linux) or use --no-speak"
    )]
    NoEngine,
    /// The engine ran but failed.
    #[error("{engine} failed: {detail}")]
    Failed {
        /// Engine name.
        engine: &'static str,
        /// What it said.
        detail: String,
    },
    /// Its output could not be read.
    #[error(transparent)]
    Audio(#[from] audio::AudioError),
}

/// Voice settings.
#[derive(Debug, Clone, Default)]
pub struct Voice {
    /// Engine voice name (`en-us`, `en-gb+f2`, …); engine default if None.
    pub name: Option<String>,
    /// Words per minute; engine default if None.
    pub rate_wpm: Option<u32>,
}

/// Turns text into samples.
pub trait Speaker {
    /// Synthesizes `text`: the clip starts with its first audible sample and
    /// ends with its last ([`audible`]), so that when it has been played the
    /// question has just been heard to its end.
    fn synthesize(&self, text: &str) -> Result<Clip, SpeechError>;
}

/// A sample quieter than this (about -50 dBFS) is silence: far under speech,
/// whose peaks come near full scale, and over the dither some engines add.
pub const SILENCE_BELOW: f32 = 0.003;

/// The clip without its leading and trailing silence. Every engine pads its
/// output (espeak-ng ends each clip with about 0.3 s of silence); thinking
/// time counts from the question's last audible sample, not from the end of
/// the padding.
pub fn audible(clip: Clip) -> Clip {
    let loud = |s: &f32| s.abs() >= SILENCE_BELOW;
    let Some(first) = clip.samples.iter().position(loud) else {
        return Clip {
            samples: Vec::new(),
            rate: clip.rate,
        };
    };
    let last = clip.samples.iter().rposition(loud).unwrap_or(first);
    Clip {
        samples: clip.samples[first..=last].to_vec(),
        rate: clip.rate,
    }
}

/// The system's speech engine, run as a program that writes a WAV file.
#[derive(Debug, Clone)]
pub struct SystemSpeaker {
    program: PathBuf,
    kind: EngineKind,
    voice: Voice,
}

#[derive(Debug, Clone, Copy)]
enum EngineKind {
    Espeak,
    Say,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

impl SystemSpeaker {
    /// Finds an installed engine.
    pub fn detect(voice: Voice) -> Result<SystemSpeaker, SpeechError> {
        let found = [
            ("espeak-ng", EngineKind::Espeak),
            ("espeak", EngineKind::Espeak),
            ("say", EngineKind::Say),
        ]
        .into_iter()
        .find_map(|(name, kind)| on_path(name).map(|p| (p, kind)));
        let (program, kind) = found.ok_or(SpeechError::NoEngine)?;
        Ok(SystemSpeaker {
            program,
            kind,
            voice,
        })
    }

    fn render(&self, text: &str, out: &Path) -> Result<(), SpeechError> {
        let mut cmd = Command::new(&self.program);
        match self.kind {
            EngineKind::Espeak => {
                cmd.arg("-w").arg(out);
                if let Some(v) = &self.voice.name {
                    cmd.args(["-v", v]);
                }
                if let Some(r) = self.voice.rate_wpm {
                    cmd.args(["-s", &r.to_string()]);
                }
                cmd.arg("--").arg(text);
            }
            EngineKind::Say => {
                cmd.arg("-o").arg(out).arg("--data-format=LEI16@22050");
                if let Some(v) = &self.voice.name {
                    cmd.args(["-v", v]);
                }
                if let Some(r) = self.voice.rate_wpm {
                    cmd.args(["-r", &r.to_string()]);
                }
                cmd.arg("--").arg(text);
            }
        }
        let engine = match self.kind {
            EngineKind::Espeak => "espeak-ng",
            EngineKind::Say => "say",
        };
        let output = cmd
            .stdin(Stdio::null())
            .output()
            .map_err(|e| SpeechError::Failed {
                engine,
                detail: e.to_string(),
            })?;
        if !output.status.success() {
            return Err(SpeechError::Failed {
                engine,
                detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
            });
        }
        Ok(())
    }
}

impl Speaker for SystemSpeaker {
    fn synthesize(&self, text: &str) -> Result<Clip, SpeechError> {
        let dir = tempfile::tempdir().map_err(|e| SpeechError::Failed {
            engine: "speech",
            detail: e.to_string(),
        })?;
        let wav = dir.path().join("speech.wav");
        self.render(text, &wav)?;
        Ok(audible(audio::wav::read_mono(&wav)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_is_cut_to_its_first_and_last_audible_samples() {
        let mut samples = vec![0.0; 100];
        samples.extend([0.2, -0.5, 0.001, 0.3]);
        samples.extend(vec![0.0005; 300]);
        let clip = audible(Clip {
            samples,
            rate: 22_050,
        });
        assert_eq!(clip.samples, [0.2, -0.5, 0.001, 0.3]);
        let silent = audible(Clip {
            samples: vec![0.0; 10],
            rate: 16_000,
        });
        assert!(silent.samples.is_empty());
    }
}
