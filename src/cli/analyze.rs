//! `rehearse analyze` and `rehearse questions`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use rehearse::bank::Bank;
use rehearse::report::{self, Style};
use rehearse::session;
use rehearse::transcribe::{Whisper, WhisperOptions, catalog};

use super::Output;
use rehearse::{out, outln};

/// Options of `rehearse analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The recorded answer (any WAV: 8–32-bit, float, any rate, any channels).
    pub file: PathBuf,
    /// The question it answers (bank id), for the target length and talking points.
    #[arg(long, short)]
    pub question: Option<String>,
    /// Print the report as Markdown.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
    /// CPU threads for whisper.
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Keep a private copy of the recording and its analysis in the history.
    #[arg(long)]
    pub save: bool,
}

/// Loads `--bank` or the built-in bank.
pub fn load_bank(bank: Option<&Path>) -> anyhow::Result<Bank> {
    Ok(match bank {
        Some(p) => Bank::load(p)?,
        None => Bank::builtin()?,
    })
}

/// Colour when stdout is a terminal and NO_COLOR is unset.
pub fn style() -> Style {
    Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Runs `analyze`.
pub fn run(
    args: AnalyzeArgs,
    bank: Option<&Path>,
    model: Option<&Path>,
    data_dir: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    let bank = load_bank(bank)?;
    // Open the history first: a problem with it should not cost a transcription.
    let mut store = match args.save {
        true => {
            let data = super::data_dir(data_dir)?;
            Some((super::open_history(&data, out)?, data))
        }
        false => None,
    };
    let question = args
        .question
        .as_deref()
        .map(|id| bank.get(id))
        .transpose()?;
    let model_path = catalog::resolve(model)?;
    let mut whisper = Whisper::load(
        &model_path,
        WhisperOptions {
            threads: args.threads,
            ..WhisperOptions::default()
        },
    )?;
    let spinner = out.progress(0, "transcribing", false);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let analysis = session::analyze_file(&args.file, question, &mut whisper);
    spinner.finish_and_clear();
    let analysis = analysis?;
    if let Some((store, data)) = &mut store {
        let id = session::keep_analysis(store, data, &args.file, &analysis)?;
        out.note(format!("saved as answer {id} (`rehearse show {id}`)"));
    }
    if out.json {
        outln!("{}", serde_json::to_string_pretty(&analysis)?);
    } else if args.markdown {
        out!("{}", report::markdown(&analysis));
    } else {
        out!("{}", report::terminal(&analysis, style()));
    }
    Ok(())
}

/// `rehearse questions` subcommands.
#[derive(Debug, Subcommand)]
pub enum QuestionsCommand {
    /// List the questions (the default).
    List {
        /// Only this category.
        #[arg(long)]
        category: Option<String>,
    },
    /// Validate a bank file or folder.
    Check {
        /// The bank.
        path: PathBuf,
    },
}

/// Runs `questions`.
pub fn questions(
    cmd: Option<QuestionsCommand>,
    category: Option<String>,
    bank: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    let (bank, category) = match cmd {
        Some(QuestionsCommand::Check { path }) => {
            let b = Bank::load(&path)?;
            outln!("{}: {} questions, valid", path.display(), b.questions.len());
            return Ok(());
        }
        Some(QuestionsCommand::List { category: c }) => (load_bank(bank)?, c.or(category)),
        None => (load_bank(bank)?, category),
    };
    let chosen: Vec<_> = bank.in_category(category.as_deref()).collect();
    if out.json {
        outln!("{}", serde_json::to_string_pretty(&chosen)?);
        return Ok(());
    }
    for q in chosen {
        outln!(
            "{:<26} {:<20} {:>4}s  {}",
            q.id,
            q.category,
            q.target_seconds,
            q.text
        );
    }
    Ok(())
}
