//! `rehearse voices`: the voices installed (the natural Piper voice and the
//! system engine's), the default marked; `--try VOICE` speaks a sentence with
//! one; `fetch joe` downloads the natural voice from its upstream home.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use rehearse::audio::playback;
use rehearse::outln;
use rehearse::speech::voices;
use rehearse::transcribe::{catalog, fetch};

use super::Output;

/// Options of `rehearse voices`.
#[derive(Debug, Args)]
pub struct VoicesArgs {
    /// Speak one sentence with this voice (a name from the list, or a path to a voice model).
    #[arg(long = "try", value_name = "VOICE")]
    try_voice: Option<String>,
    /// Speaking rate for --try, words per minute.
    #[arg(long)]
    rate: Option<u32>,
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
pub fn run(args: VoicesArgs, out: &Output) -> anyhow::Result<()> {
    if let Some(VoicesCommand::Fetch { name, dir }) = args.command {
        return fetch_voice(&name, dir, out);
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
