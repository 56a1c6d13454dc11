//! The settings of a live session, from the command line ([`LiveArgs`]) and
//! from the user's defaults in `~/.config/rehearse/config.toml` (or
//! `$REHEARSE_CONFIG`), and `rehearse config`, which shows every effective
//! setting and where it came from: the command line, the environment, the
//! file, or the built-in default.

use std::path::{Path, PathBuf};

use clap::Args;
use serde::{Deserialize, Serialize};

use super::{Output, UsageError};
use rehearse::outln;

/// Options shared by `practice` and `ask`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Input device (part of its name, see `rehearse devices`).
    #[arg(long, value_name = "NAME")]
    pub input_device: Option<String>,
    /// Output device (part of its name).
    #[arg(long, value_name = "NAME")]
    pub output_device: Option<String>,
    /// Answer from a WAV file played in real time instead of the microphone (demos,
    /// tests). Repeat it to answer follow-ups and later questions from other files.
    #[arg(long, value_name = "FILE.wav")]
    pub audio_from: Vec<PathBuf>,
    /// Print the questions instead of speaking them.
    #[arg(long)]
    pub no_speak: bool,
    /// Speech engine voice, e.g. en-us or en-gb+f2.
    #[arg(long)]
    pub voice: Option<String>,
    /// Speaking rate of the questions, words per minute.
    #[arg(long)]
    pub rate: Option<u32>,
    /// Target answer length in seconds for every question (default: each question's own).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=1800))]
    pub target: Option<u32>,
    /// Hard limit per answer in seconds (default 1.5 × the question's target).
    #[arg(long, value_name = "SECONDS")]
    pub max: Option<f64>,
    /// Stop after this many seconds of silence once you have started speaking [default: 5].
    #[arg(long, value_name = "SECONDS")]
    pub silence_stop: Option<f64>,
    /// CPU threads for whisper [default: 2].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Do not show live captions of what you said (shown on a terminal by default).
    #[arg(long)]
    pub no_captions: bool,
    /// After each report, offer retry / next / model answer outline / quit
    /// (on by default when typing at a terminal; this turns it on for piped input).
    #[arg(long)]
    pub choices: bool,
}

/// What the file may set.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Input device (part of its name).
    pub input_device: Option<String>,
    /// Output device (part of its name).
    pub output_device: Option<String>,
    /// Speech engine voice.
    pub voice: Option<String>,
    /// Speaking rate of the questions, words per minute.
    pub rate: Option<u32>,
    /// Whisper model file.
    pub model: Option<PathBuf>,
    /// Where recordings and the history live.
    pub data_dir: Option<PathBuf>,
    /// Seconds of silence that end an answer.
    pub silence_stop: Option<f64>,
    /// Hard limit per answer, seconds.
    pub max: Option<f64>,
    /// Whisper threads.
    pub threads: Option<usize>,
    /// Ask follow-up questions in `practice`.
    pub follow_ups: Option<bool>,
    /// Target answer length in seconds for every question (the bank's otherwise).
    pub target_seconds: Option<u32>,
}

/// The loaded file.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where it is (or would be).
    pub path: PathBuf,
    /// Whether it exists.
    pub found: bool,
    /// Its settings.
    pub file: ConfigFile,
}

/// Default silence stop, seconds.
pub const SILENCE_STOP_S: f64 = 5.0;
/// Default whisper threads.
pub const THREADS: usize = 2;

/// `$REHEARSE_CONFIG`, else the platform's config folder.
fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REHEARSE_CONFIG") {
        return Some(PathBuf::from(p));
    }
    directories::ProjectDirs::from("", "", "rehearse").map(|d| d.config_dir().join("config.toml"))
}

/// Reads the config file; a missing file means no settings.
pub fn load() -> anyhow::Result<Config> {
    let Some(path) = config_path() else {
        return Ok(Config {
            path: PathBuf::from("config.toml"),
            found: false,
            file: ConfigFile::default(),
        });
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Config {
                path,
                found: false,
                file: ConfigFile::default(),
            });
        }
        Err(e) => {
            return Err(UsageError(format!("cannot read {}: {e}", path.display())).into());
        }
    };
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start).min(text.len());
        let line = text[..offset].matches('\n').count() + 1;
        UsageError(format!(
            "{}:{line}: {}; see `rehearse config` for the settings",
            path.display(),
            e.message().trim().replace('\n', " ")
        ))
    })?;
    Ok(Config {
        path,
        found: true,
        file,
    })
}

impl Config {
    /// Fills what the command line left open from the file.
    pub fn fill(&self, live: &mut LiveArgs) {
        let f = &self.file;
        live.input_device = live.input_device.take().or_else(|| f.input_device.clone());
        live.output_device = live
            .output_device
            .take()
            .or_else(|| f.output_device.clone());
        live.voice = live.voice.take().or_else(|| f.voice.clone());
        live.rate = live.rate.or(f.rate);
        live.max = live.max.or(f.max);
        live.silence_stop = live.silence_stop.or(f.silence_stop);
        live.threads = live.threads.or(f.threads);
        live.target = live.target.or(f.target_seconds);
    }

    /// The model: `--model`, else `$REHEARSE_MODEL` (the catalog reads it),
    /// else the file's.
    pub fn model(&self, flag: Option<&Path>) -> Option<PathBuf> {
        match flag {
            Some(p) => Some(p.to_path_buf()),
            None if std::env::var_os("REHEARSE_MODEL").is_some() => None,
            None => self.file.model.clone(),
        }
    }

    /// The data folder: `--data-dir`, else `$REHEARSE_DATA_DIR` (read later),
    /// else the file's.
    pub fn data_dir(&self, flag: Option<&Path>) -> Option<PathBuf> {
        match flag {
            Some(p) => Some(p.to_path_buf()),
            None if std::env::var_os("REHEARSE_DATA_DIR").is_some() => None,
            None => self.file.data_dir.clone(),
        }
    }
}

/// One row of `rehearse config`.
#[derive(Debug, Serialize)]
struct Row {
    setting: &'static str,
    value: String,
    source: String,
}

/// Runs `config`: every setting, its value and where it came from.
pub fn run(
    config: &Config,
    model_flag: Option<&Path>,
    data_flag: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    let file_source = format!("config file {}", config.path.display());
    let f = &config.file;
    let mut rows = Vec::new();
    let mut add = |setting, value: Option<String>, source: String, default: &str| {
        rows.push(match value {
            Some(v) => Row {
                setting,
                value: v,
                source,
            },
            None => Row {
                setting,
                value: default.to_string(),
                source: "default".into(),
            },
        });
    };
    // A path setting: the flag, else the environment, else the file.
    let path_setting = |flag: Option<&Path>, env: &str, file: &Option<PathBuf>, name: &str| match (
        flag,
        std::env::var_os(env),
        file,
    ) {
        (Some(p), _, _) => (
            Some(p.display().to_string()),
            format!("command line ({name})"),
        ),
        (None, Some(p), _) => (
            Some(PathBuf::from(p).display().to_string()),
            format!("environment (${env})"),
        ),
        (None, None, Some(p)) => (Some(p.display().to_string()), file_source.clone()),
        _ => (None, String::new()),
    };
    let (model, model_source) = path_setting(model_flag, "REHEARSE_MODEL", &f.model, "--model");
    let found = rehearse::transcribe::catalog::resolve(None)
        .map(|p| format!("{} (first model found)", p.display()))
        .unwrap_or_else(|_| "none found: run `rehearse model fetch tiny.en`".into());
    add("model", model, model_source, &found);
    let (data, data_source) =
        path_setting(data_flag, "REHEARSE_DATA_DIR", &f.data_dir, "--data-dir");
    let platform = directories::ProjectDirs::from("", "", "rehearse")
        .map(|d| d.data_dir().display().to_string())
        .unwrap_or_default();
    add("data_dir", data, data_source, &platform);
    let text = |v: &Option<String>| v.clone();
    add(
        "input_device",
        text(&f.input_device),
        file_source.clone(),
        "the system default input",
    );
    add(
        "output_device",
        text(&f.output_device),
        file_source.clone(),
        "the system default output",
    );
    add(
        "voice",
        text(&f.voice),
        file_source.clone(),
        "the speech engine's default",
    );
    add(
        "rate",
        f.rate.map(|r| format!("{r} wpm")),
        file_source.clone(),
        "the speech engine's default",
    );
    add(
        "silence_stop",
        f.silence_stop.map(|s| format!("{s} s")),
        file_source.clone(),
        &format!("{SILENCE_STOP_S} s"),
    );
    add(
        "max",
        f.max.map(|s| format!("{s} s")),
        file_source.clone(),
        "1.5 × each question's target",
    );
    add(
        "threads",
        f.threads.map(|t| t.to_string()),
        file_source.clone(),
        &THREADS.to_string(),
    );
    add(
        "follow_ups",
        f.follow_ups.map(|b| b.to_string()),
        file_source.clone(),
        "true (practice), false (ask)",
    );
    add(
        "target_seconds",
        f.target_seconds.map(|t| format!("{t} s")),
        file_source.clone(),
        "each question's own (the bank's)",
    );
    if out.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "config_file": config.path,
                "found": config.found,
                "settings": rows,
            }))?
        );
        return Ok(());
    }
    outln!(
        "config file: {} ({})",
        config.path.display(),
        if config.found {
            "read"
        } else {
            "not there; create it to change the defaults"
        }
    );
    outln!("{:<14} {:<44} from", "setting", "value");
    for r in rows {
        outln!("{:<14} {:<44} {}", r.setting, r.value, r.source);
    }
    outln!("Command-line options override all of these for one run.");
    Ok(())
}
