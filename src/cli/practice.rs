//! `rehearse practice`, `rehearse ask` and `rehearse devices`.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::Context;
use clap::Args;
use cpal::traits::{DeviceTrait, HostTrait};

use rehearse::audio::device::device_name;
use rehearse::bank::Question;
use rehearse::history::clock::Utc;
use rehearse::session::practice::{self, Interviewer, PracticeOptions};
use rehearse::transcribe::catalog;

use super::Output;
use super::config::{LiveArgs, SILENCE_STOP_S, THREADS};
use super::{load_bank, style};
use rehearse::outln;

/// Options of `rehearse practice`.
#[derive(Debug, Args)]
pub struct PracticeArgs {
    /// Do not ask a follow-up question when an answer misses a STAR part.
    #[arg(long)]
    pub no_follow_ups: bool,
    /// Only questions in this category.
    #[arg(long)]
    pub category: Option<String>,
    /// How many questions.
    #[arg(long, short = 'n', default_value_t = 3)]
    pub count: usize,
    /// Random order.
    #[arg(long)]
    pub shuffle: bool,
    /// Device, voice and timing options.
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Runs `practice`.
pub fn run_practice(
    args: PracticeArgs,
    bank: Option<&Path>,
    model: Option<&Path>,
    data_dir: Option<&Path>,
    out: &Output,
) -> anyhow::Result<bool> {
    let bank = load_bank(bank)?;
    let mut questions: Vec<Question> = bank
        .in_category(args.category.as_deref())
        .cloned()
        .collect();
    if questions.is_empty() {
        anyhow::bail!(
            "no questions in category {:?}; list them with `rehearse questions`",
            args.category.unwrap_or_default()
        );
    }
    if args.shuffle {
        shuffle(&mut questions);
    }
    questions.truncate(args.count.max(1));
    let follow_ups = (!args.no_follow_ups).then_some(bank.follow_ups);
    run_session(
        "practice", questions, follow_ups, args.live, model, data_dir, out,
    )
}

/// Runs `ask ID`.
pub fn run_ask(
    id: &str,
    follow_ups: bool,
    live: LiveArgs,
    bank: Option<&Path>,
    model: Option<&Path>,
    data_dir: Option<&Path>,
    out: &Output,
) -> anyhow::Result<bool> {
    let bank = load_bank(bank)?;
    let question = bank.get(id)?.clone();
    let follow_ups = follow_ups.then_some(bank.follow_ups);
    run_session(
        "ask",
        vec![question],
        follow_ups,
        live,
        model,
        data_dir,
        out,
    )
}

/// Returns whether the session was interrupted.
fn run_session(
    kind: &'static str,
    mut questions: Vec<Question>,
    follow_ups: Option<rehearse::bank::FollowUps>,
    live: LiveArgs,
    model: Option<&Path>,
    data_dir: Option<&Path>,
    out: &Output,
) -> anyhow::Result<bool> {
    let data = super::data_dir(data_dir)?;
    // The natural voice takes a moment to open: start it before anything else.
    let voice = if live.no_speak {
        Interviewer::silent()
    } else {
        Interviewer::open(
            live.voice.as_deref(),
            live.rate,
            Some(data.join(rehearse::history::CLIP_CACHE)),
            questions.first().map(|q| q.text.as_str()),
        )
    };
    if let Some(target) = live.target {
        for q in &mut questions {
            q.target_seconds = target;
        }
    }
    let model = catalog::resolve(model)?;
    // Fail before the first question is spoken, not after it: the full load happens in the background.
    rehearse::transcribe::ggml::inspect(&model).map_err(|e| e.in_file(&model))?;
    if live.audio_from.is_empty()
        && !live.no_speak
        && let Some((speaker, mic)) = rehearse::audio::built_in_pair(
            live.output_device.as_deref(),
            live.input_device.as_deref(),
        )
    {
        out.note(format!(
            "tip: \"{speaker}\" and \"{mic}\" look built in, so the spoken question can leak into your answer's recording; a headset keeps it out"
        ));
    }
    let mut store = super::open_history(&data, out)?;
    let session_dir = rehearse::history::new_session_dir(&data, &Utc::now().compact())
        .with_context(|| format!("cannot create a session folder in {}", data.display()))?;
    let options = PracticeOptions {
        model,
        threads: live.threads.unwrap_or(THREADS),
        input_device: live.input_device,
        output_device: live.output_device,
        audio_from: live.audio_from,
        max_s: live.max,
        silence_stop_s: live.silence_stop.unwrap_or(SILENCE_STOP_S),
        json: out.json,
        session_dir,
        style: style(),
        quiet: out.quiet,
        captions: !live.no_captions,
        kind,
        follow_ups: follow_ups.is_some(),
        follow_up_texts: follow_ups.unwrap_or_default(),
        choices: live.choices || (std::io::stdin().is_terminal() && !out.json),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(practice::practice(
        questions,
        options,
        voice,
        Some(&mut store),
    ))?;
    let table = practice::summary_table(&outcome);
    if out.json {
        out.note(table.trim_end());
    } else {
        outln!("{table}");
    }
    out.note(format!("recordings and reports: {}", outcome.dir.display()));
    Ok(outcome.interrupted)
}

/// Fisher–Yates with a clock-seeded xorshift: order only, nothing secret.
fn shuffle<T>(items: &mut [T]) {
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1)
        | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

/// Runs `devices`.
pub fn run_devices(out: &Output) -> anyhow::Result<()> {
    let rows = rehearse::audio::without_stderr(list_devices)?;
    if out.json {
        outln!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    if rows.is_empty() {
        outln!("no audio devices found; answer from a file with --audio-from FILE.wav");
    }
    for r in rows {
        outln!(
            "{} {:<6} {}",
            if r["default"] == true { "*" } else { " " },
            r["kind"].as_str().unwrap_or_default(),
            r["name"].as_str().unwrap_or_default()
        );
        for f in r["formats"].as_array().into_iter().flatten().take(4) {
            outln!("           {}", f.as_str().unwrap_or_default());
        }
    }
    Ok(())
}

fn formats(d: &cpal::Device, input: bool) -> Vec<String> {
    let describe = |r: cpal::SupportedStreamConfigRange| {
        format!(
            "{} {}ch {}-{} Hz",
            r.sample_format(),
            r.channels(),
            r.min_sample_rate(),
            r.max_sample_rate()
        )
    };
    if input {
        d.supported_input_configs()
            .map(|c| c.map(describe).collect())
            .unwrap_or_default()
    } else {
        d.supported_output_configs()
            .map(|c| c.map(describe).collect())
            .unwrap_or_default()
    }
}

fn list_devices() -> anyhow::Result<Vec<serde_json::Value>> {
    let host = cpal::default_host();
    let mut rows = Vec::new();
    for (kind, input) in [("input", true), ("output", false)] {
        let default = if input {
            host.default_input_device()
        } else {
            host.default_output_device()
        };
        let default_id = default.as_ref().and_then(|d| d.id().ok());
        if let Some(d) = &default {
            rows.push(serde_json::json!({"kind": kind, "name": format!("default ({})", device_name(d)), "default": true, "formats": formats(d, input)}));
        }
        let devices = if input {
            host.input_devices()
        } else {
            host.output_devices()
        };
        let devices = devices.map_err(|e| anyhow::anyhow!("cannot list {kind} devices: {e}"))?;
        for d in devices {
            if d.id().ok().is_some() && d.id().ok() == default_id {
                continue;
            }
            rows.push(serde_json::json!({"kind": kind, "name": device_name(&d), "default": false, "formats": formats(&d, input)}));
        }
    }
    Ok(rows)
}
