//! `rehearse analyze` and `rehearse questions`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use rehearse::bank::Bank;
use rehearse::report;
use rehearse::session;
use rehearse::transcribe::{Whisper, WhisperOptions, catalog};

use super::{Output, UsageError, load_bank, style};
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
    /// Write a new bank: from a text file with one question per line, or by
    /// answering prompts.
    #[command(
        after_help = "Examples:\n  rehearse questions new --from my-questions.txt -o mine.toml\n  rehearse questions new -o mine.toml            # asks for each question\n  rehearse --bank mine.toml practice"
    )]
    New {
        /// Plain text, one question per line (blank lines and # comments skipped).
        #[arg(long, value_name = "FILE.txt")]
        from: Option<PathBuf>,
        /// Where to write the bank.
        #[arg(long, short, value_name = "BANK.toml")]
        output: PathBuf,
        /// The bank's name (default: the output file's name).
        #[arg(long)]
        name: Option<String>,
        /// Category for every question.
        #[arg(long, default_value = "general")]
        category: String,
        /// behavioral (STAR applies) or technical.
        #[arg(long, default_value = "behavioral")]
        kind: String,
        /// Target answer length in seconds.
        #[arg(long, default_value_t = 120)]
        target: u32,
        /// Replace the output file if it exists.
        #[arg(long)]
        force: bool,
    },
}

fn ask_line(prompt: &str) -> anyhow::Result<Option<String>> {
    use std::io::Write;
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    Ok(match std::io::stdin().read_line(&mut line)? {
        0 => None,
        _ => Some(line.trim().to_string()),
    })
}

/// The questions typed at the prompt, one per line, until an empty line.
fn wizard() -> anyhow::Result<String> {
    eprintln!("Type one question per line; an empty line (or Ctrl-D) finishes.");
    let mut lines = String::new();
    let mut n = 1;
    while let Some(q) = ask_line(&format!("question {n}: "))? {
        if q.is_empty() {
            break;
        }
        lines.push_str(&q);
        lines.push('\n');
        n += 1;
    }
    Ok(lines)
}

/// Runs `questions new`.
#[allow(clippy::too_many_arguments)]
fn new_bank(
    from: Option<PathBuf>,
    output: &Path,
    name: Option<String>,
    category: &str,
    kind: &str,
    target: u32,
    force: bool,
) -> anyhow::Result<()> {
    let kind = match kind {
        "behavioral" | "behavioural" => rehearse::bank::Kind::Behavioral,
        "technical" => rehearse::bank::Kind::Technical,
        other => {
            return Err(UsageError(format!("--kind {other}: use behavioral or technical")).into());
        }
    };
    if output.exists() && !force {
        return Err(UsageError(format!(
            "{} exists; choose another -o or pass --force",
            output.display()
        ))
        .into());
    }
    let text = match &from {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?,
        None => wizard()?,
    };
    let questions = Bank::draft(&text, category, kind, target);
    if questions.is_empty() {
        return Err(UsageError("no questions given; write one per line".into()).into());
    }
    let name = name.unwrap_or_else(|| {
        output
            .file_stem()
            .map_or("My questions".into(), |s| s.to_string_lossy().into_owned())
    });
    std::fs::write(output, Bank::to_toml(&name, &questions))
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", output.display()))?;
    // What was written must load: the same check `questions check` runs.
    let bank = Bank::load(output)?;
    outln!(
        "{}: {} questions, valid; practise with `rehearse --bank {} practice`",
        output.display(),
        bank.questions.len(),
        output.display()
    );
    Ok(())
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
        Some(QuestionsCommand::New {
            from,
            output,
            name,
            category: c,
            kind,
            target,
            force,
        }) => return new_bank(from, &output, name, &c, &kind, target, force),
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
