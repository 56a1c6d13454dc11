//! The system's speech engines, each run as a program that writes a WAV
//! file: espeak-ng (Linux), `say` (macOS) and, on Windows, SAPI through
//! PowerShell's `System.Speech.Synthesis.SpeechSynthesizer`. The clip is
//! read back and played through cpal like every other voice.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Speaker, SpeechError, Voice, audible};
use crate::audio::{self, Clip};

/// The system's speech engine.
#[derive(Debug, Clone)]
pub struct SystemSpeaker {
    program: PathBuf,
    kind: EngineKind,
    voice: Voice,
}

/// Which program speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
    /// espeak-ng (or espeak).
    Espeak,
    /// macOS `say`.
    Say,
    /// Windows SAPI, through PowerShell.
    Sapi,
}

impl EngineKind {
    /// The engine's name in voice lists and `--voice ENGINE:VOICE`.
    pub fn name(self) -> &'static str {
        match self {
            EngineKind::Espeak => "espeak-ng",
            EngineKind::Say => "say",
            EngineKind::Sapi => "sapi",
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The programs tried, in order: the first found speaks.
const PROGRAMS: &[(&str, EngineKind)] = &[
    ("espeak-ng", EngineKind::Espeak),
    ("espeak", EngineKind::Espeak),
    ("say", EngineKind::Say),
    ("powershell.exe", EngineKind::Sapi),
    ("powershell", EngineKind::Sapi),
];

/// The PowerShell script that speaks into a WAV file with SAPI. The text, the
/// file, the voice and the rate come from the environment, never from the
/// script itself, so no text can break out of its quotes.
pub const SAPI_SCRIPT: &str = "Add-Type -AssemblyName System.Speech; \
$s = New-Object System.Speech.Synthesis.SpeechSynthesizer; \
if ($env:REHEARSE_SAPI_VOICE) { $s.SelectVoice($env:REHEARSE_SAPI_VOICE) }; \
if ($env:REHEARSE_SAPI_RATE) { $s.Rate = [int]$env:REHEARSE_SAPI_RATE }; \
$s.SetOutputToWaveFile($env:REHEARSE_SAPI_OUT); \
$s.Speak($env:REHEARSE_SAPI_TEXT); \
$s.Dispose()";

/// The PowerShell script that lists the installed SAPI voices, one name a line.
pub const SAPI_VOICES_SCRIPT: &str = "Add-Type -AssemblyName System.Speech; \
(New-Object System.Speech.Synthesis.SpeechSynthesizer).GetInstalledVoices() | \
ForEach-Object { $_.VoiceInfo.Name }";

/// SAPI's rate runs from -10 to 10, 0 being about 180 words a minute; each
/// step is about 10 % faster or slower.
pub fn sapi_rate(wpm: u32) -> i32 {
    let steps = (f64::from(wpm) / 180.0).ln() / 1.1f64.ln();
    (steps.round() as i32).clamp(-10, 10)
}

impl SystemSpeaker {
    /// Finds an installed engine.
    pub fn detect(voice: Voice) -> Result<SystemSpeaker, SpeechError> {
        let (program, kind) = PROGRAMS
            .iter()
            .find_map(|&(name, kind)| on_path(name).map(|p| (p, kind)))
            .ok_or(SpeechError::NoEngine)?;
        Ok(SystemSpeaker {
            program,
            kind,
            voice,
        })
    }

    /// The engine speaking.
    pub fn kind(&self) -> EngineKind {
        self.kind
    }

    /// The command that writes `text` to `out` as a WAV file.
    pub fn command(&self, text: &str, out: &Path) -> Command {
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
            EngineKind::Sapi => {
                cmd.args(["-NoProfile", "-NonInteractive", "-Command", SAPI_SCRIPT])
                    .env("REHEARSE_SAPI_TEXT", text)
                    .env("REHEARSE_SAPI_OUT", out);
                if let Some(v) = &self.voice.name {
                    cmd.env("REHEARSE_SAPI_VOICE", v);
                }
                if let Some(r) = self.voice.rate_wpm {
                    cmd.env("REHEARSE_SAPI_RATE", sapi_rate(r).to_string());
                }
            }
        }
        cmd
    }

    /// The engine's voices (English ones for espeak-ng), by name.
    pub fn voices(&self) -> Vec<String> {
        let mut cmd = Command::new(&self.program);
        match self.kind {
            EngineKind::Espeak => cmd.arg("--voices=en"),
            EngineKind::Say => cmd.args(["-v", "?"]),
            EngineKind::Sapi => cmd.args([
                "-NoProfile",
                "-NonInteractive",
                "-Command",
                SAPI_VOICES_SCRIPT,
            ]),
        };
        let Ok(out) = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output() else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&out.stdout);
        match self.kind {
            // "Pty Language       Age/Gender VoiceName          File                 Other Languages":
            // each language once; not the variants, nor MBROLA voices (a separate install).
            EngineKind::Espeak => {
                let mut langs: Vec<String> = Vec::new();
                for l in text.lines().skip(1) {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    let (Some(lang), Some(file)) = (cols.get(1), cols.get(4)) else {
                        continue;
                    };
                    if *lang != "variant"
                        && !file.starts_with("mb/")
                        && !langs.iter().any(|x| x == lang)
                    {
                        langs.push(lang.to_string());
                    }
                }
                langs
            }
            // "Alex                en_US    # Most people recognize me by my voice."
            EngineKind::Say => text
                .lines()
                .filter_map(|l| l.split("  ").next().map(|n| n.trim().to_string()))
                .filter(|n| !n.is_empty())
                .collect(),
            EngineKind::Sapi => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

impl Speaker for SystemSpeaker {
    fn synthesize(&self, text: &str) -> Result<Clip, SpeechError> {
        let engine = self.kind.name();
        let failed = |detail: String| SpeechError::Failed { engine, detail };
        let dir = tempfile::tempdir().map_err(|e| failed(e.to_string()))?;
        let wav = dir.path().join("speech.wav");
        let output = self
            .command(text, &wav)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| failed(e.to_string()))?;
        if !output.status.success() {
            return Err(failed(
                String::from_utf8_lossy(&output.stderr).trim().to_string(),
            ));
        }
        Ok(audible(audio::wav::read_mono(&wav)?))
    }

    fn name(&self) -> String {
        match &self.voice.name {
            Some(v) => format!("{}:{v}", self.kind.name()),
            None => self.kind.name().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker(kind: EngineKind, name: Option<&str>, rate: Option<u32>) -> SystemSpeaker {
        SystemSpeaker {
            program: PathBuf::from(match kind {
                EngineKind::Espeak => "espeak-ng",
                EngineKind::Say => "say",
                EngineKind::Sapi => "powershell.exe",
            }),
            kind,
            voice: Voice {
                name: name.map(str::to_string),
                rate_wpm: rate,
            },
        }
    }

    fn env_of(cmd: &Command, key: &str) -> Option<String> {
        cmd.get_envs()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.map(|v| v.to_string_lossy().into_owned()))
    }

    #[test]
    fn sapi_speaks_into_a_wav_file_with_the_text_kept_out_of_the_script() {
        let text = "What's your \"biggest\" failure? $(rm -rf /); `x`";
        let s = speaker(EngineKind::Sapi, Some("Microsoft Zira Desktop"), Some(160));
        let cmd = s.command(text, Path::new(r"C:\tmp\q.wav"));
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(args[..3], ["-NoProfile", "-NonInteractive", "-Command"]);
        assert_eq!(args[3], SAPI_SCRIPT);
        assert!(
            !args[3].contains("biggest"),
            "the text never enters the script"
        );
        assert!(args[3].contains("SetOutputToWaveFile($env:REHEARSE_SAPI_OUT)"));
        assert_eq!(env_of(&cmd, "REHEARSE_SAPI_TEXT").as_deref(), Some(text));
        assert_eq!(
            env_of(&cmd, "REHEARSE_SAPI_OUT").as_deref(),
            Some(r"C:\tmp\q.wav")
        );
        assert_eq!(
            env_of(&cmd, "REHEARSE_SAPI_VOICE").as_deref(),
            Some("Microsoft Zira Desktop")
        );
        assert_eq!(env_of(&cmd, "REHEARSE_SAPI_RATE").as_deref(), Some("-1"));
    }

    #[test]
    fn sapi_rates_follow_words_per_minute() {
        assert_eq!(sapi_rate(180), 0);
        assert!(sapi_rate(120) < 0 && sapi_rate(250) > 0);
        assert_eq!(sapi_rate(10), -10);
        assert_eq!(sapi_rate(10_000), 10);
    }

    #[test]
    fn a_wav_as_sapi_writes_it_reads_back_cut_to_its_audible_samples() {
        // SAPI's default output: 16-bit PCM, 22,050 Hz, mono, with silence around the speech.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sapi.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..22_050 {
            let tone = (i as f32 * 0.05).sin() * 8000.0;
            let s = if (5_000..15_000).contains(&i) {
                tone
            } else {
                0.0
            };
            w.write_sample(s as i16).unwrap();
        }
        w.finalize().unwrap();
        let clip = audible(audio::wav::read_mono(&path).unwrap());
        assert_eq!(clip.rate, 22_050);
        assert!(
            (9_990..=10_000).contains(&clip.samples.len()),
            "{}",
            clip.samples.len()
        );
    }

    #[test]
    fn espeak_takes_its_voice_and_rate_as_flags() {
        let s = speaker(EngineKind::Espeak, Some("en-gb+f2"), Some(150));
        let cmd = s.command("Hello.", Path::new("/tmp/q.wav"));
        let args: Vec<String> = cmd
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            args,
            [
                "-w",
                "/tmp/q.wav",
                "-v",
                "en-gb+f2",
                "-s",
                "150",
                "--",
                "Hello."
            ]
        );
    }
}
