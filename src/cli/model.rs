//! `rehearse model …`: import, fetch, list, verify.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;

use rehearse::speech::{SystemSpeaker, Voice};
use rehearse::transcribe::catalog::{self, Provenance};
use rehearse::transcribe::{check, fetch, import, quantize};

use super::Output;
use rehearse::outln;

/// Model subcommands.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Convert a faster-whisper (CTranslate2) model into a ggml model.
    #[command(
        after_help = "Example:\n  rehearse model import ~/.cache/faster-whisper-tiny.en --output models/"
    )]
    Import {
        /// The CTranslate2 model folder, or its model.bin.
        source: PathBuf,
        /// Output file, or folder for ggml-NAME.bin.
        #[arg(long, short, default_value = "models")]
        output: PathBuf,
    },
    /// Quantize a ggml model to q8_0, q5_1 or q5_0 (smaller and faster on CPU).
    #[command(
        after_help = "Example:\n  rehearse model quantize models/ggml-tiny.en.bin q8_0\n  (writes models/ggml-tiny.en-q8_0.bin)"
    )]
    Quantize {
        /// The f16 or f32 ggml model.
        source: PathBuf,
        /// Target type.
        #[arg(value_parser = ["q8_0", "q5_1", "q5_0"])]
        kind: String,
        /// Output file (default: ggml-NAME-KIND.bin beside the source).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Download an official ggml model from the whisper.cpp repository.
    #[command(after_help = "Example:\n  rehearse model fetch base.en")]
    Fetch {
        /// Which model.
        #[arg(default_value = "tiny.en", value_parser = ["tiny.en", "base.en", "base", "small.en"])]
        name: String,
        /// Folder to save into (default: the data folder's models/).
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Base URL of a mirror that serves the same file names.
        #[arg(long, default_value = fetch::UPSTREAM)]
        mirror: String,
    },
    /// List the models found, with size, kind and whether each is pinned.
    List,
    /// Load each model and transcribe a spoken check phrase.
    Verify {
        /// CPU threads for whisper.
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
}

/// Runs a model subcommand.
pub fn run(cmd: ModelCommand, explicit: Option<&Path>, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ModelCommand::Import { source, output } => run_import(&source, &output, out),
        ModelCommand::Quantize {
            source,
            kind,
            output,
        } => run_quantize(&source, &kind, output, out),
        ModelCommand::Fetch { name, dir, mirror } => run_fetch(&name, dir, &mirror, out),
        ModelCommand::List => run_list(explicit, out),
        ModelCommand::Verify { threads } => run_verify(explicit, threads, out),
    }
}

fn run_import(source: &Path, output: &Path, out: &Output) -> anyhow::Result<()> {
    let src = import::Ct2Source::locate(source)?;
    let bar = out.progress(0, "importing", false);
    let done = import::import(&src, output, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    print_written(&done, out)
}

fn run_quantize(
    source: &Path,
    kind: &str,
    output: Option<PathBuf>,
    out: &Output,
) -> anyhow::Result<()> {
    let q = quantize::Quantization::parse(kind)
        .with_context(|| format!("unknown quantization {kind}; choose q8_0, q5_1 or q5_0"))?;
    let dest = output.unwrap_or_else(|| quantize::default_destination(source, q));
    let bar = out.progress(0, "quantizing", false);
    let done = quantize::quantize(source, &dest, q, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    print_written(&done, out)
}

/// Prints where a model was written, its size and its checksum.
fn print_written(done: &import::Imported, out: &Output) -> anyhow::Result<()> {
    let sha = catalog::sha256_file(&done.path)?;
    if out.json {
        outln!(
            "{}",
            serde_json::json!({"path": done.path, "bytes": done.bytes, "kind": done.hparams.model_name(), "sha256": sha})
        );
    } else {
        outln!(
            "{}  {} bytes  sha256 {sha}",
            done.path.display(),
            done.bytes
        );
    }
    Ok(())
}

fn run_fetch(name: &str, dir: Option<PathBuf>, mirror: &str, out: &Output) -> anyhow::Result<()> {
    let Some(model) = catalog::official(name) else {
        bail!("unknown model {name}; choose tiny.en, base.en, base or small.en");
    };
    let dir = match dir {
        Some(d) => d,
        None => catalog::data_dir()
            .context("no home folder to store models in; pass --dir")?
            .join("models"),
    };
    let dest = dir.join(model.file);
    if dest.is_file() && catalog::sha256_file(&dest)? == model.sha256 {
        out.note(format!(
            "{} is already in place and verified",
            dest.display()
        ));
        return Ok(());
    }
    let req = fetch::Request {
        url: format!("{}/{}", mirror.trim_end_matches('/'), model.file),
        dest: &dest,
        sha256: model.sha256,
        bytes: Some(model.bytes),
    };
    let bar = out.progress(model.bytes, model.file, true);
    fetch::download(&req, fetch::RetryPolicy::default(), |done, total| {
        if let Some(t) = total {
            bar.set_length(t);
        }
        bar.set_position(done);
    })?;
    bar.finish_and_clear();
    outln!("{}  verified sha256 {}", dest.display(), model.sha256);
    Ok(())
}

fn run_list(explicit: Option<&Path>, out: &Output) -> anyhow::Result<()> {
    let paths = catalog::discover(explicit);
    let default = catalog::resolve(explicit).ok();
    let mut rows = Vec::new();
    for p in &paths {
        let is_default = default.as_deref() == Some(p.as_path());
        match catalog::examine(p) {
            Ok(found) => rows.push(serde_json::json!({
                "path": found.path, "bytes": found.bytes, "kind": found.kind, "weights": found.weights,
                "sha256": found.sha256, "provenance": found.provenance,
                "verified": found.provenance != Provenance::Unpinned, "default": is_default, "problem": null,
            })),
            Err(e) => rows.push(serde_json::json!({
                "path": p, "verified": false, "default": is_default, "problem": e.to_string(),
            })),
        }
    }
    if out.json {
        outln!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    if rows.is_empty() {
        outln!(
            "no models found in {}; run `scripts/fetch-model` or `rehearse model fetch tiny.en`",
            catalog::search_dirs()
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return Ok(());
    }
    for r in rows {
        let mark = if r["default"] == true { "*" } else { " " };
        let path = r["path"].as_str().unwrap_or_default();
        if let Some(problem) = r["problem"].as_str() {
            outln!("{mark} {path}  BROKEN: {problem}");
            continue;
        }
        let status = match r["provenance"].as_str() {
            Some("official") => "verified (official upstream file)",
            Some("pinned_import") => "verified (pinned PyPI import)",
            _ => "unverified (sound structure, unknown checksum)",
        };
        outln!(
            "{mark} {path}  {} {}  {:.1} MB  {status}",
            r["kind"].as_str().unwrap_or_default(),
            r["weights"].as_str().unwrap_or_default(),
            r["bytes"].as_f64().unwrap_or_default() / 1e6,
        );
    }
    Ok(())
}

fn run_verify(explicit: Option<&Path>, threads: usize, out: &Output) -> anyhow::Result<()> {
    let paths = if explicit.is_some() || std::env::var_os("REHEARSE_MODEL").is_some() {
        vec![catalog::resolve(explicit)?]
    } else {
        let all = catalog::discover(None);
        if all.is_empty() {
            // Let resolve() produce the error that names the fix.
            vec![catalog::resolve(None)?]
        } else {
            all
        }
    };
    let speaker = SystemSpeaker::detect(Voice::default())?;
    let mut failed = 0;
    for p in &paths {
        let verdict = check::verify(p, &speaker, threads)
            .with_context(|| format!("checking {}", p.display()))?;
        if !verdict.passed {
            failed += 1;
        }
        if out.json {
            outln!("{}", serde_json::json!({"path": p, "verdict": verdict}));
        } else {
            outln!(
                "{} {}: heard {:?} ({} word error{}, loaded in {:.2} s, transcribed in {:.2} s)",
                if verdict.passed { "ok  " } else { "FAIL" },
                p.display(),
                verdict.heard,
                verdict.word_errors,
                if verdict.word_errors == 1 { "" } else { "s" },
                verdict.load_s,
                verdict.transcribe_s
            );
        }
    }
    if failed > 0 {
        bail!(
            "{failed} model(s) misheard the check phrase by more than {} word; re-import or re-fetch them",
            check::MAX_WORD_ERRORS
        );
    }
    Ok(())
}
