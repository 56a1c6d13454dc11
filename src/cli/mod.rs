//! Command-line surface: clap definitions and the glue from each command to
//! the library. Output formatting for the terminal lives here too.

mod analyze;
mod config;
mod history;
mod model;
mod practice;
mod voices;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use rehearse::audio::AudioError;
use rehearse::bank::BankError;
use rehearse::history::HistoryError;
use rehearse::session::SessionError;
use rehearse::transcribe::ModelError;
use rehearse::transcribe::check::CheckError;

/// A mistake on the command line that clap could not catch (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Loads `--bank` or the built-in bank.
pub fn load_bank(bank: Option<&std::path::Path>) -> anyhow::Result<rehearse::bank::Bank> {
    Ok(match bank {
        Some(p) => rehearse::bank::Bank::load(p)?,
        None => rehearse::bank::Bank::builtin()?,
    })
}

/// Colour when stdout is a terminal and NO_COLOR is unset.
pub fn style() -> rehearse::report::Style {
    rehearse::report::Style {
        color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// An offline, voice-driven mock-interview coach.
#[derive(Debug, Parser)]
#[command(
    name = "rehearse",
    version,
    about,
    after_help = "Examples:\n  rehearse practice\n  rehearse ask complex-project\n  rehearse analyze answer.wav --question complex-project\n  rehearse analyze answer.wav --json\n  rehearse questions --category data\n  rehearse history\n  rehearse report --html answer.html\n  rehearse model list\n  rehearse model import ~/faster-whisper-tiny.en\n  rehearse model fetch tiny.en\n  rehearse model verify"
)]
pub struct Cli {
    /// Question bank file or folder (default: the built-in backend-engineer bank).
    #[arg(long, global = true, value_name = "PATH")]
    pub bank: Option<PathBuf>,
    /// Where recordings and history live (default: the platform data folder; $REHEARSE_DATA_DIR).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Whisper model file (ggml .bin); overrides $REHEARSE_MODEL and models/.
    #[arg(long, global = true, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// Machine-readable JSON on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only results and errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Write a detailed log of what happens (devices, chunks, timings, stops)
    /// to DATA/logs/rehearse.log. Transcripts are never logged.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Practise: hear questions, answer aloud, get a report after each.
    #[command(
        after_help = "Examples:\n  rehearse practice\n  rehearse practice --category data --count 2 --shuffle\n  rehearse practice --no-speak --silence-stop 3\n  rehearse practice --audio-from answer.wav --count 1"
    )]
    Practice(practice::PracticeArgs),
    /// Ask one question by id and record the answer.
    #[command(
        after_help = "Examples:\n  rehearse ask message-queues\n  rehearse ask complex-project --follow-ups"
    )]
    Ask {
        /// The question id (see `rehearse questions`).
        id: String,
        /// Ask a follow-up question when the answer misses a STAR part (as `practice` does).
        #[arg(long)]
        follow_ups: bool,
        /// Device, voice and timing options.
        #[command(flatten)]
        live: config::LiveArgs,
    },
    /// List audio input and output devices, with the defaults marked.
    Devices,
    /// List the interviewer's voices, the default marked; speak a sentence with one.
    #[command(
        after_help = "Examples:\n  rehearse voices\n  rehearse voices --try piper:joe\n  rehearse voices --try espeak-ng:en-gb+f2\n  rehearse voices --try ~/voices/en_US-amy-low.onnx\n  rehearse voices fetch joe\n  rehearse --bank questions/behavioral.toml voices prepare"
    )]
    Voices(voices::VoicesArgs),
    /// Analyse a recorded answer: timing, fillers and STAR coverage.
    #[command(
        after_help = "Examples:\n  rehearse practice\n  rehearse ask complex-project\n  rehearse analyze answer.wav\n  rehearse analyze answer.wav --question message-queues --json"
    )]
    Analyze(analyze::AnalyzeArgs),
    /// List the questions in the bank, or check a bank file.
    Questions {
        /// list (default) or check.
        #[command(subcommand)]
        command: Option<analyze::QuestionsCommand>,
        /// Only this category.
        #[arg(long)]
        category: Option<String>,
    },
    /// Your answers so far, and the trend per question.
    #[command(
        after_help = "Examples:\n  rehearse history\n  rehearse history --question message-queues\n  rehearse history --since 2026-11-01 --json"
    )]
    History(history::HistoryArgs),
    /// Show the full report of a stored answer again.
    #[command(after_help = "Examples:\n  rehearse show\n  rehearse show 12 --json")]
    Show {
        /// The answer id (default: the latest).
        answer: Option<String>,
    },
    /// Play a stored answer, with its transcript scrolling along.
    #[command(after_help = "Example:\n  rehearse replay 12")]
    Replay {
        /// The answer id (default: the latest).
        answer: Option<String>,
        /// Output device (part of its name).
        #[arg(long, value_name = "NAME")]
        output_device: Option<String>,
    },
    /// Delete stored answers and their recordings.
    #[command(
        after_help = "Examples:\n  rehearse forget 12\n  rehearse forget --question message-queues\n  rehearse forget --all --yes"
    )]
    Forget(history::ForgetArgs),
    /// Write a self-contained HTML report of an answer or a session.
    #[command(
        after_help = "Examples:\n  rehearse report --html answer.html\n  rehearse report 12 --html answer.html --embed-audio\n  rehearse report --session 3 --html session.html"
    )]
    Report(history::ReportArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  rehearse completions bash > ~/.local/share/bash-completion/completions/rehearse\n  rehearse completions zsh > ~/.zfunc/_rehearse\n  rehearse completions fish > ~/.config/fish/completions/rehearse.fish"
    )]
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff).
    #[command(after_help = "Example:\n  rehearse man > ~/.local/share/man/man1/rehearse.1")]
    Man,
    /// Show every setting, its value and where it came from (command line,
    /// environment, ~/.config/rehearse/config.toml, or default).
    #[command(
        after_help = "The config file (TOML) may set: input_device, output_device, voice, rate, model,\ndata_dir, silence_stop, max, threads, follow_ups, target_seconds. $REHEARSE_CONFIG points elsewhere.\n\nExample ~/.config/rehearse/config.toml:\n  voice = \"en-gb+f2\"\n  rate = 160\n  silence_stop = 4\n  model = \"/home/me/models/ggml-base.en.bin\""
    )]
    Config,
    /// Import, download, list and check Whisper models.
    #[command(subcommand)]
    Model(model::ModelCommand),
}

/// Runs a parsed command line.
pub fn run(mut cli: Cli) -> anyhow::Result<()> {
    let out = Output {
        json: cli.json,
        quiet: cli.quiet,
    };
    let settings = config::load()?;
    if let Command::Config = cli.command {
        return config::run(
            &settings,
            cli.model.as_deref(),
            cli.data_dir.as_deref(),
            &out,
        );
    }
    cli.model = settings.model(cli.model.as_deref());
    cli.data_dir = settings.data_dir(cli.data_dir.as_deref());
    if cli.verbose {
        let log = start_log(&data_dir(cli.data_dir.as_deref())?)?;
        out.note(format!("logging to {}", log.display()));
        tracing::info!(version = env!("CARGO_PKG_VERSION"), command = ?cli.command, "start");
    }
    match &mut cli.command {
        Command::Practice(args) => {
            settings.fill(&mut args.live);
            if settings.file.follow_ups == Some(false) {
                args.no_follow_ups = true;
            }
        }
        Command::Ask {
            live, follow_ups, ..
        } => {
            settings.fill(live);
            *follow_ups |= settings.file.follow_ups == Some(true);
        }
        _ => {}
    }
    match cli.command {
        Command::Model(cmd) => model::run(cmd, cli.model.as_deref(), &out),
        Command::Practice(args) => interrupted(practice::run_practice(
            args,
            cli.bank.as_deref(),
            cli.model.as_deref(),
            cli.data_dir.as_deref(),
            &out,
        )?),
        Command::Ask {
            id,
            follow_ups,
            live,
        } => interrupted(practice::run_ask(
            &id,
            follow_ups,
            live,
            cli.bank.as_deref(),
            cli.model.as_deref(),
            cli.data_dir.as_deref(),
            &out,
        )?),
        Command::Devices => practice::run_devices(&out),
        Command::Voices(mut args) => {
            args.voice = args.voice.take().or_else(|| settings.file.voice.clone());
            args.rate = args.rate.or(settings.file.rate);
            voices::run(args, cli.bank.as_deref(), cli.data_dir.as_deref(), &out)
        }
        Command::Config => Ok(()),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "rehearse", &mut script);
            rehearse::out!("{}", String::from_utf8_lossy(&script));
            Ok(())
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut page)?;
            rehearse::out!("{}", String::from_utf8_lossy(&page));
            Ok(())
        }
        Command::Analyze(args) => analyze::run(
            args,
            cli.bank.as_deref(),
            cli.model.as_deref(),
            cli.data_dir.as_deref(),
            &out,
        ),
        Command::History(args) => {
            history::run_history(args, &data_dir(cli.data_dir.as_deref())?, &out)
        }
        Command::Show { answer } => {
            history::run_show(answer.as_deref(), &data_dir(cli.data_dir.as_deref())?, &out)
        }
        Command::Replay {
            answer,
            output_device,
        } => history::run_replay(
            answer.as_deref(),
            output_device.as_deref(),
            &data_dir(cli.data_dir.as_deref())?,
            &out,
        ),
        Command::Forget(args) => {
            history::run_forget(args, &data_dir(cli.data_dir.as_deref())?, &out)
        }
        Command::Report(args) => {
            history::run_report(args, &data_dir(cli.data_dir.as_deref())?, &out)
        }
        Command::Questions { command, category } => {
            analyze::questions(command, category, cli.bank.as_deref(), &out)
        }
    }
}

/// Ctrl-C ended the session: everything is saved; exit with 130.
#[derive(Debug, thiserror::Error)]
#[error("interrupted; everything recorded so far is saved")]
pub struct Interrupted;

fn interrupted(was: bool) -> anyhow::Result<()> {
    if was { Err(Interrupted.into()) } else { Ok(()) }
}

/// Sends tracing events at debug level and above to `DATA/logs/rehearse.log`
/// (appended; the folder 0700, the file 0600).
fn start_log(data: &std::path::Path) -> anyhow::Result<PathBuf> {
    let dir = data.join("logs");
    rehearse::history::private_dir(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join("rehearse.log");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .map_err(|e| anyhow::anyhow!("cannot open the log {}: {e}", path.display()))?;
    tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_max_level(tracing::Level::DEBUG)
        .with_thread_names(true)
        .init();
    Ok(path)
}

/// `--data-dir`, else `$REHEARSE_DATA_DIR`, else the platform's data folder.
pub fn data_dir(flag: Option<&std::path::Path>) -> anyhow::Result<PathBuf> {
    match flag {
        Some(d) => Ok(d.to_path_buf()),
        None => rehearse::transcribe::catalog::data_dir().ok_or_else(|| {
            anyhow::anyhow!("no home folder for recordings and history; pass --data-dir")
        }),
    }
}

/// Opens the history in `data` and takes in any answers a killed run left
/// behind, saying so on stderr.
pub fn open_history(
    data: &std::path::Path,
    out: &Output,
) -> anyhow::Result<rehearse::history::Store> {
    let mut store = rehearse::history::Store::open(data)?;
    for r in rehearse::history::recover::recover(&mut store, data)? {
        out.note(format!(
            "recovered answer {} from a run that did not finish: {} ({:.1} s, kept as {}; `rehearse analyze {} --save` analyses it)",
            r.id,
            r.wav.display(),
            r.seconds,
            if r.analysed { "analysed" } else { "interrupted" },
            r.wav.display()
        ));
    }
    Ok(store)
}

/// How to print.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    /// JSON on stdout.
    pub json: bool,
    /// No progress or chatter.
    pub quiet: bool,
}

impl Output {
    /// A progress bar on stderr, hidden when quiet or not a terminal.
    pub fn progress(&self, len: u64, what: &str, bytes: bool) -> ProgressBar {
        let bar = ProgressBar::new(len);
        if self.quiet || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let template = if bytes {
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}"
        } else {
            "{msg} [{bar:30}] {percent}% {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_string());
        bar
    }

    /// Prints a status line on stderr unless quiet.
    pub fn note(&self, line: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

fn history_code(e: &HistoryError) -> u8 {
    match e {
        HistoryError::Query { .. } | HistoryError::Delete { .. } => 1,
        _ => 2,
    }
}

fn model_code(e: &ModelError) -> u8 {
    match e {
        ModelError::Download(_)
        | ModelError::Checksum { .. }
        | ModelError::Write { .. }
        | ModelError::Transcribe(_) => 1,
        _ => 2,
    }
}

/// 2 for usage and input errors (a bad file, a missing model), 1 for
/// runtime failures, 130 when interrupted.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.downcast_ref::<Interrupted>().is_some() {
            return 130;
        }
        let model_error =
            cause
                .downcast_ref::<ModelError>()
                .or_else(|| match cause.downcast_ref() {
                    Some(CheckError::Model(e)) => Some(e),
                    _ => None,
                });
        if let Some(e) = model_error {
            return model_code(e);
        }
        if cause.downcast_ref::<BankError>().is_some()
            || cause.downcast_ref::<UsageError>().is_some()
        {
            return 2;
        }
        if let Some(e) = cause.downcast_ref::<HistoryError>() {
            return history_code(e);
        }
        if let Some(e) = cause.downcast_ref::<SessionError>() {
            return match e {
                SessionError::Model(m) => model_code(m),
                SessionError::History(h) => history_code(h),
                SessionError::Audio(AudioError::Write { .. }) => 1,
                _ => 2,
            };
        }
        if let Some(e) = cause.downcast_ref::<AudioError>() {
            return match e {
                AudioError::Write { .. } | AudioError::Resample { .. } => 1,
                _ => 2,
            };
        }
        // A voice that is not there or not a voice is the user's to fix (2);
        // an engine that fails while speaking is a runtime failure (1).
        if let Some(e) = cause.downcast_ref::<rehearse::speech::SpeechError>() {
            use rehearse::speech::SpeechError as S;
            return match e {
                S::UnknownVoice { .. }
                | S::VoiceMissing { .. }
                | S::VoiceCorrupt { .. }
                | S::VoiceConfig { .. }
                | S::Runtime { .. }
                | S::NoEngine => 2,
                S::Audio(_) | S::Failed { .. } => 1,
            };
        }
    }
    1
}
