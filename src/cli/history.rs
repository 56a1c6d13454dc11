//! `rehearse history`, `show`, `replay`, `forget` and `report`: the stored
//! answers, read back.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;

use rehearse::analysis::metrics::Metrics;
use rehearse::history::clock::parse_since;
use rehearse::history::store::Forget;
use rehearse::history::trend::{self, QuestionTrend, Series};
use rehearse::history::{self, AnswerRow, Filter, HistoryError, Store, StoredAnswer};
use rehearse::report::{self, html};
use rehearse::{out, outln};

use super::Output;
use super::{UsageError, style};

/// Options of `rehearse history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only answers to this question.
    #[arg(long, short, value_name = "ID")]
    pub question: Option<String>,
    /// Only answers recorded on or after this date (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Show at most this many of the latest answers (default 20 in the table, all in JSON; 0 for all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// Options of `rehearse forget`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["answer", "question", "all"])))]
pub struct ForgetArgs {
    /// The answer id (see `rehearse history`).
    pub answer: Option<String>,
    /// Every answer to this question.
    #[arg(long, value_name = "ID")]
    pub question: Option<String>,
    /// Every answer, recording and session folder, and the history itself.
    #[arg(long)]
    pub all: bool,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

/// Options of `rehearse report`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").args(["answer", "session"])))]
pub struct ReportArgs {
    /// The answer id (default: the latest).
    pub answer: Option<String>,
    /// Every answer of this session instead.
    #[arg(long, value_name = "S")]
    pub session: Option<i64>,
    /// Write a self-contained HTML page here.
    #[arg(long, value_name = "OUT.html")]
    pub html: PathBuf,
    /// Put the recordings in the page, with a player.
    #[arg(long)]
    pub embed_audio: bool,
}

/// An answer id as typed: a number, or `last` (also the default).
fn answer_id(store: &Store, typed: Option<&str>) -> anyhow::Result<i64> {
    match typed {
        None | Some("last") => Ok(store
            .latest_id()?
            .ok_or_else(|| HistoryError::NoAnswer("yet".into()))?),
        Some(text) => text
            .parse()
            .map_err(|_| HistoryError::NoAnswer(format!("\"{text}\"")).into()),
    }
}

fn star_text(m: &Metrics) -> String {
    format!("{}/4", m.star_parts)
}

/// Runs `history`.
pub fn run_history(args: HistoryArgs, data: &Path, out: &Output) -> anyhow::Result<()> {
    let since = args
        .since
        .as_deref()
        .map(|s| {
            parse_since(s).ok_or_else(|| {
                anyhow::Error::new(UsageError(format!(
                    "--since {s}: not a date; write it as YYYY-MM-DD"
                )))
            })
        })
        .transpose()?;
    let store = super::open_history(data, out)?;
    let rows = store.rows(&Filter {
        question_id: args.question.clone(),
        since,
        session_id: None,
    })?;
    let trends = trend::trends(&rows);
    let limit = match args.limit {
        Some(0) => usize::MAX,
        Some(n) => n,
        None if out.json => usize::MAX,
        None => 20,
    };
    let shown = &rows[rows.len().saturating_sub(limit)..];
    if out.json {
        let json = serde_json::json!({ "answers": shown, "trends": trends });
        outln!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    if rows.is_empty() {
        outln!("No answers yet. Start with `rehearse practice`.");
        return Ok(());
    }
    outln!(
        "{:>5}  {:<17}  {:<28} {:>7} {:>5} {:>8} {:>5}",
        "id",
        "recorded (UTC)",
        "question",
        "length",
        "wpm",
        "fill/min",
        "STAR"
    );
    for r in shown {
        let when = r.recorded_at.replace('T', " ");
        let when = when.get(..16).unwrap_or(&when);
        let question = r.question_id.as_deref().unwrap_or("-");
        match &r.metrics {
            Some(m) => outln!(
                "{:>5}  {:<17}  {:<28} {:>5.0} s {:>5.0} {:>8.1} {:>5}",
                r.id,
                when,
                question,
                m.answer_s,
                m.wpm,
                m.fillers_per_min,
                star_text(m)
            ),
            None => outln!(
                "{:>5}  {:<17}  {:<28} ({})",
                r.id,
                when,
                question,
                r.status.replace('_', " ")
            ),
        }
    }
    if rows.len() > shown.len() {
        outln!(
            "       … {} older answers not shown (--limit 0 shows all)",
            rows.len() - shown.len()
        );
    }
    if !trends.is_empty() {
        outln!();
        outln!("Trends (first → latest; ✓ closer to the target, ✗ further):");
        outln!(
            "{:<28} {:>4}  {:<18} {:<18} {:<14} {:<18}",
            "question",
            "n",
            "wpm",
            "fillers/min",
            "STAR",
            "length (s)"
        );
        for t in &trends {
            trend_row(t);
        }
    }
    Ok(())
}

fn trend_cell(s: &Series, decimals: usize) -> String {
    let mark = match s.better {
        Some(true) => " ✓",
        Some(false) => " ✗",
        None => "",
    };
    format!(
        "{:.*} → {:.*} {}{mark}",
        decimals,
        s.first,
        decimals,
        s.last,
        s.direction.arrow()
    )
}

fn trend_row(t: &QuestionTrend) {
    outln!(
        "{:<28} {:>4}  {:<18} {:<18} {:<14} {:<18}",
        t.question_id,
        t.answers,
        trend_cell(&t.wpm, 0),
        trend_cell(&t.fillers_per_min, 1),
        trend_cell(&t.star_parts, 0),
        trend_cell(&t.answer_s, 0)
    );
}

/// Runs `show`.
pub fn run_show(answer: Option<&str>, data: &Path, out: &Output) -> anyhow::Result<()> {
    let store = super::open_history(data, out)?;
    let stored = store.answer(answer_id(&store, answer)?)?;
    if out.json {
        outln!("{}", serde_json::to_string_pretty(&stored)?);
        return Ok(());
    }
    let r = &stored.row;
    outln!(
        "answer {} · {} · {}{}",
        r.id,
        r.recorded_at,
        r.question_id.as_deref().unwrap_or("no question"),
        stored
            .wav
            .as_ref()
            .map(|w| format!(" · {}", w.display()))
            .unwrap_or_default()
    );
    match &stored.analysis {
        Some(a) => out!("{}", report::terminal(a, style())),
        None => outln!(
            "This answer was not analysed ({}); the recording is kept.",
            r.status.replace('_', " ")
        ),
    }
    Ok(())
}

/// Runs `replay`: plays the recording with the transcript scrolling along.
pub fn run_replay(
    answer: Option<&str>,
    device: Option<&str>,
    data: &Path,
    out: &Output,
) -> anyhow::Result<()> {
    let store = super::open_history(data, out)?;
    let stored = store.answer(answer_id(&store, answer)?)?;
    let wav = stored.wav.clone().context("this answer has no recording")?;
    let clip = rehearse::audio::wav::read_16k_mono(&wav)?;
    out.note(format!(
        "▶ answer {} ({:.0} s): {}",
        stored.row.id,
        clip.duration_s(),
        stored.question_text.as_deref().unwrap_or("")
    ));
    let cancel = Arc::new(AtomicBool::new(false));
    let device = device.map(str::to_string);
    let flag = cancel.clone();
    let player = std::thread::Builder::new()
        .name("rehearse-replay".into())
        .spawn(move || rehearse::audio::playback::play(&clip, device.as_deref(), &flag))?;
    let sentences = stored
        .analysis
        .as_ref()
        .map(|a| a.star.sentences.clone())
        .unwrap_or_default();
    let started = Instant::now();
    let mut next = 0;
    while !player.is_finished() {
        let now = started.elapsed().as_secs_f64();
        while let Some(l) = sentences.get(next).filter(|l| l.unit.start_s <= now) {
            caption(&l.unit.text, l.unit.start_s);
            next += 1;
        }
        std::thread::sleep(Duration::from_millis(40));
    }
    let played = player
        .join()
        .map_err(|_| anyhow::anyhow!("the playback thread failed"))??;
    // Whatever had not scrolled yet (playback can end a little early on short clips).
    for l in &sentences[next.min(sentences.len())..] {
        caption(&l.unit.text, l.unit.start_s);
    }
    out.note(format!("■ played {:.1} s", played.duration_s));
    Ok(())
}

fn caption(text: &str, at: f64) {
    let s = at.max(0.0).round() as u64;
    outln!("[{}:{:02}] {}", s / 60, s % 60, text.trim());
    let _ = std::io::stdout().flush();
}

/// Asks on stderr; true only for an explicit yes.
fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok()
        && matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Runs `forget`.
pub fn run_forget(args: ForgetArgs, data: &Path, out: &Output) -> anyhow::Result<()> {
    let mut store = super::open_history(data, out)?;
    let which = if args.all {
        Forget::All
    } else if let Some(q) = args.question {
        Forget::Question(q)
    } else {
        Forget::Answer(answer_id(&store, args.answer.as_deref())?)
    };
    let count = match &which {
        Forget::Answer(id) => {
            store.answer(*id)?;
            1
        }
        Forget::Question(q) => store
            .rows(&Filter {
                question_id: Some(q.clone()),
                ..Filter::default()
            })?
            .len(),
        Forget::All => store.rows(&Filter::default())?.len(),
    };
    let what = match &which {
        Forget::All => format!(
            "every recording, report and the history in {} ({count} answers)",
            data.display()
        ),
        _ => format!(
            "{count} answer{} and {} recording{}",
            if count == 1 { "" } else { "s" },
            if count == 1 { "its" } else { "their" },
            if count == 1 { "" } else { "s" }
        ),
    };
    if count == 0 && which != Forget::All {
        out.note("nothing to forget");
        return Ok(());
    }
    if !args.yes && !confirm(&format!("Delete {what}? This cannot be undone.")) {
        return Err(
            UsageError("nothing was deleted (answer y to confirm, or pass --yes)".into()).into(),
        );
    }
    let forgotten = store.forget(&which)?;
    if which == Forget::All {
        drop(store);
        history::forget_everything(data)?;
    }
    if out.json {
        outln!("{}", serde_json::json!({ "forgotten": forgotten }));
    } else {
        out.note(format!("deleted {what}"));
    }
    Ok(())
}

/// The answers before and including `answer` to the same question, with
/// their figures, oldest first.
fn progress(store: &Store, answer: &StoredAnswer) -> anyhow::Result<Vec<(String, Metrics)>> {
    let Some(question) = &answer.row.question_id else {
        return Ok(Vec::new());
    };
    let rows: Vec<AnswerRow> = store.rows(&Filter {
        question_id: Some(question.clone()),
        ..Filter::default()
    })?;
    Ok(rows
        .into_iter()
        .filter(|r| r.id <= answer.row.id)
        .filter_map(|r| r.metrics.map(|m| (r.recorded_at, m)))
        .collect())
}

/// Runs `report --html`.
pub fn run_report(args: ReportArgs, data: &Path, out: &Output) -> anyhow::Result<()> {
    let store = super::open_history(data, out)?;
    let (title, answers) = match args.session {
        Some(s) => (format!("rehearse · session {s}"), store.session(s)?),
        None => {
            let a = store.answer(answer_id(&store, args.answer.as_deref())?)?;
            (format!("rehearse · answer {}", a.row.id), vec![a])
        }
    };
    let analysed: Vec<&StoredAnswer> = answers.iter().filter(|a| a.analysis.is_some()).collect();
    if analysed.is_empty() {
        return Err(UsageError(
            "nothing to report: the answer was not analysed (interrupted or silent)".into(),
        )
        .into());
    }
    let mut progress_of = Vec::new();
    let mut audio = Vec::new();
    for a in &analysed {
        progress_of.push(progress(&store, a)?);
        audio.push(match (&a.wav, args.embed_audio) {
            (Some(wav), true) => Some(
                std::fs::read(wav)
                    .with_context(|| format!("cannot read the recording {}", wav.display()))?,
            ),
            _ => None,
        });
    }
    let pages: Vec<html::HtmlAnswer> = analysed
        .iter()
        .zip(&progress_of)
        .zip(&audio)
        .filter_map(|((a, progress), wav)| {
            Some(html::HtmlAnswer {
                id: Some(a.row.id),
                recorded_at: Some(&a.row.recorded_at),
                analysis: a.analysis.as_ref()?,
                progress,
                audio_wav: wav.as_deref(),
            })
        })
        .collect();
    let page = html::page(&title, &pages);
    history::write_private(&args.html, page.as_bytes())
        .with_context(|| format!("cannot write {}", args.html.display()))?;
    if out.json {
        outln!(
            "{}",
            serde_json::json!({ "html": args.html, "answers": pages.len() })
        );
    } else {
        out.note(format!(
            "wrote {} ({} answer{}){}",
            args.html.display(),
            pages.len(),
            if pages.len() == 1 { "" } else { "s" },
            if std::io::stderr().is_terminal() {
                "; open it in a browser"
            } else {
                ""
            }
        ));
    }
    Ok(())
}
