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
    /// Synthesizes `text`.
    fn synthesize(&self, text: &str) -> Result<Clip, SpeechError>;
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
        Ok(audio::wav::read_mono(&wav)?)
    }
}
