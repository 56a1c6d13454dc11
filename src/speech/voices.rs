//! Which voices are installed and which one speaks. A natural Piper voice
//! (`*.onnx` with its `.onnx.json`, in `models/voices/` of the working
//! folder, the data folder or the source checkout) is the default when it
//! and ONNX Runtime are installed; otherwise the system engine speaks. A
//! voice that fails to open falls back to the system engine, with a notice
//! that says what to run.
//!
//! `--voice` takes `piper:NAME` or a path to a `.onnx` voice for a natural
//! voice, `ENGINE:VOICE` for a system engine (`espeak-ng:en-gb+f2`), or a
//! bare engine voice (`en-gb+f2`).

use std::path::{Path, PathBuf};

use super::piper::{self, PiperSpeaker, voice_name};
use super::system::SystemSpeaker;
use super::{Speaker, SpeechError, Voice};

/// Folders searched for natural voices and the runtime, in order.
pub fn search_dirs() -> Vec<PathBuf> {
    crate::transcribe::catalog::search_dirs()
        .into_iter()
        .map(|d| d.join("voices"))
        .collect()
}

/// Every natural voice installed (a model with its config beside it).
pub fn neural_voices() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    for dir in search_dirs() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut here: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
            .filter(|p| super::piper::config_of(p).is_file())
            .collect();
        here.sort();
        for p in here {
            if !found.iter().any(|f| f.file_name() == p.file_name()) {
                found.push(p);
            }
        }
    }
    found
}

/// The ONNX Runtime shared library: `$ORT_DYLIB_PATH`, else the first
/// `libonnxruntime.so*` (`onnxruntime.dll`, `libonnxruntime*.dylib`) in the
/// voice folders.
pub fn runtime_library() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH") {
        return Some(PathBuf::from(p));
    }
    search_dirs().into_iter().find_map(|dir| {
        let mut libs: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                name.starts_with("libonnxruntime.so")
                    || name == "onnxruntime.dll"
                    || (name.starts_with("libonnxruntime") && name.ends_with(".dylib"))
            })
            .collect();
        libs.sort();
        libs.pop()
    })
}

/// What `--voice` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Nothing: the natural voice if installed, else the system engine.
    Default,
    /// A natural voice by name (`piper:joe`, or `joe` when installed).
    Neural(String),
    /// A natural voice's model file.
    NeuralFile(PathBuf),
    /// A system engine's voice (`None`: its default).
    System(Option<String>),
}

/// Reads a `--voice` value.
pub fn parse(spec: Option<&str>) -> Choice {
    let Some(spec) = spec.map(str::trim).filter(|s| !s.is_empty()) else {
        return Choice::Default;
    };
    if spec.ends_with(".onnx") || spec.contains(std::path::MAIN_SEPARATOR) {
        return Choice::NeuralFile(PathBuf::from(spec));
    }
    match spec.split_once(':') {
        Some(("piper", name)) => Choice::Neural(name.to_string()),
        Some(("espeak-ng" | "espeak" | "say" | "sapi", voice)) => {
            Choice::System(Some(voice.to_string()).filter(|v| !v.is_empty()))
        }
        _ if ["espeak-ng", "espeak", "say", "sapi", "system"].contains(&spec) => {
            Choice::System(None)
        }
        _ if neural_voices().iter().any(|p| voice_name(p) == spec) => {
            Choice::Neural(spec.to_string())
        }
        _ => Choice::System(Some(spec.to_string())),
    }
}

/// The natural voice called `name`.
fn neural_named(name: &str) -> Result<PathBuf, SpeechError> {
    neural_voices()
        .into_iter()
        .find(|p| voice_name(p) == name || p.file_stem().is_some_and(|s| s == name))
        .ok_or_else(|| SpeechError::UnknownVoice {
            name: format!("piper:{name}"),
        })
}

/// The natural voice's model file `choice` would open, without opening it:
/// None for a system engine, or when no such voice (or no runtime) is there.
pub fn neural_model(choice: &Choice) -> Option<PathBuf> {
    match choice {
        Choice::Default => neural_voices()
            .into_iter()
            .next()
            .filter(|_| runtime_library().is_some()),
        Choice::Neural(name) => neural_named(name).ok(),
        Choice::NeuralFile(path) => Some(path.clone()).filter(|p| p.is_file()),
        Choice::System(_) => None,
    }
}

fn open_neural(
    model: &Path,
    rate_wpm: Option<u32>,
    first: Option<&str>,
) -> Result<Box<dyn Speaker>, SpeechError> {
    let runtime = runtime_library().ok_or_else(|| SpeechError::Runtime {
        detail: format!(
            "no libonnxruntime in {}",
            search_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    })?;
    Ok(Box::new(PiperSpeaker::open_expecting(
        model, &runtime, rate_wpm, first,
    )?))
}

fn open_system(
    voice: Option<String>,
    rate_wpm: Option<u32>,
) -> Result<Box<dyn Speaker>, SpeechError> {
    Ok(Box::new(SystemSpeaker::detect(Voice {
        name: voice,
        rate_wpm,
    })?))
}

/// Keeps the chosen natural voice's copy in ONNX Runtime's own format beside
/// it, so that it opens sooner (`voices prepare`); None for a system engine.
/// The copy is written anew each time (half a second), so one that went bad
/// is mended.
pub fn keep_fast_copy(choice: &Choice) -> Result<Option<PathBuf>, SpeechError> {
    let Some(model) = neural_model(choice) else {
        return Ok(None);
    };
    let runtime = runtime_library().ok_or_else(|| SpeechError::Runtime {
        detail: "no libonnxruntime found".to_string(),
    })?;
    piper::keep_ort_copy(&model, &runtime).map(Some)
}

/// Opens the voice asked for, and fails if it cannot speak (`voices --try`).
pub fn open(choice: &Choice, rate_wpm: Option<u32>) -> Result<Box<dyn Speaker>, SpeechError> {
    open_expecting(choice, rate_wpm, None)
}

/// [`open`], told the text the voice will say first (a natural voice
/// prepares it while it loads).
fn open_expecting(
    choice: &Choice,
    rate_wpm: Option<u32>,
    first: Option<&str>,
) -> Result<Box<dyn Speaker>, SpeechError> {
    match choice {
        Choice::Default => match neural_voices().first() {
            Some(model) if runtime_library().is_some() => open_neural(model, rate_wpm, first),
            _ => open_system(None, rate_wpm),
        },
        Choice::Neural(name) => open_neural(&neural_named(name)?, rate_wpm, first),
        Choice::NeuralFile(path) => open_neural(path, rate_wpm, first),
        Choice::System(voice) => open_system(voice.clone(), rate_wpm),
    }
}

/// Opens the voice asked for, told the text it will say `first` (if known);
/// a natural voice that cannot speak gives way to the system engine, and the
/// second value says so in one line.
pub fn open_or_fall_back(
    choice: &Choice,
    rate_wpm: Option<u32>,
    first: Option<&str>,
) -> (Result<Box<dyn Speaker>, SpeechError>, Option<String>) {
    match open_expecting(choice, rate_wpm, first) {
        Err(e) if !matches!(choice, Choice::System(_)) => {
            let fallback = open_system(None, rate_wpm);
            let notice = match &fallback {
                Ok(s) => format!("{e}; speaking with {} instead", s.name()),
                Err(_) => e.to_string(),
            };
            (fallback, Some(notice))
        }
        other => (other, None),
    }
}

/// One line of `rehearse voices`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// What `--voice` takes.
    pub voice: String,
    /// `piper`, `espeak-ng`, `say` or `sapi`.
    pub engine: String,
    /// Where it is, or what it is.
    pub detail: String,
    /// Whether it speaks when `--voice` is not given.
    pub default: bool,
}

/// Every voice installed: natural voices first, then the system engine's.
pub fn list() -> Vec<Listed> {
    let runtime = runtime_library().filter(|p| p.is_file());
    let mut out: Vec<Listed> = neural_voices()
        .iter()
        .map(|p| Listed {
            voice: format!("piper:{}", voice_name(p)),
            engine: "piper".into(),
            detail: match &runtime {
                Some(_) => p.display().to_string(),
                None => format!(
                    "{} (ONNX Runtime missing: run scripts/fetch-voice)",
                    p.display()
                ),
            },
            default: false,
        })
        .collect();
    let neural_default = runtime.is_some() && !out.is_empty();
    if let Some(first) = out.first_mut() {
        first.default = neural_default;
    }
    if let Ok(system) = SystemSpeaker::detect(Voice::default()) {
        let engine = system.kind().name();
        for (k, v) in system.voices().into_iter().enumerate() {
            out.push(Listed {
                voice: format!("{engine}:{v}"),
                engine: engine.into(),
                detail: "system engine".into(),
                default: !neural_default && k == 0,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_values_name_an_engine_a_file_or_an_engine_voice() {
        assert_eq!(parse(None), Choice::Default);
        assert_eq!(parse(Some("")), Choice::Default);
        assert_eq!(parse(Some("piper:joe")), Choice::Neural("joe".into()));
        assert_eq!(
            parse(Some("espeak-ng:en-us")),
            Choice::System(Some("en-us".into()))
        );
        assert_eq!(parse(Some("espeak-ng")), Choice::System(None));
        assert_eq!(
            parse(Some("sapi:Microsoft Zira Desktop")),
            Choice::System(Some("Microsoft Zira Desktop".into()))
        );
        assert_eq!(
            parse(Some("/tmp/voices/en_US-amy-low.onnx")),
            Choice::NeuralFile(PathBuf::from("/tmp/voices/en_US-amy-low.onnx"))
        );
        assert_eq!(
            parse(Some("en-gb+f2")),
            Choice::System(Some("en-gb+f2".into()))
        );
    }
}
