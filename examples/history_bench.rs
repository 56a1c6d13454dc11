//! `rehearse history` on a large history: fills a fresh data folder with N
//! answers through the same `Store::add_answer` the sessions use (each one
//! a real analysis, figures varied), then times the binary's `history`
//! commands against the `sqlite3` shell reading the same rows from the same
//! file, in the same run. Prints a Markdown table.
//!
//!     cargo run --release --example history_bench -- [ANSWERS] [RUNS]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rehearse::bank::Bank;
use rehearse::history::{NewAnswer, Store};
use rehearse::session;
use rehearse::transcribe::{Whisper, WhisperOptions, catalog};

/// Median and fastest of `runs` timings of `cmd`.
fn time(runs: usize, mut cmd: impl FnMut() -> Command) -> anyhow::Result<(Duration, Duration)> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut c = cmd();
        let start = Instant::now();
        let out = c.output()?;
        times.push(start.elapsed());
        anyhow::ensure!(
            out.status.success(),
            "{:?} failed: {}",
            c,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    times.sort();
    Ok((times[times.len() / 2], times[0]))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let answers: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(15);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = root.join("target/release/rehearse");
    let bank = Bank::builtin()?;
    let questions: Vec<_> = bank.questions.iter().collect();

    // One real analysis, its figures varied per stored answer.
    let mut whisper = Whisper::load(&catalog::resolve(None)?, WhisperOptions::default())?;
    let base = session::analyze_file(
        &root.join("tests/fixtures/cache-full.wav"),
        bank.get("performance-optimization").ok(),
        &mut whisper,
    )?;
    let data = tempfile::tempdir()?;
    let mut store = Store::open(data.path())?;
    let fill = Instant::now();
    let mut session_id = 0;
    for i in 0..answers {
        if i % 5 == 0 {
            session_id = store.start_session("practice", "2026-01-01T00:00:00Z", None)?;
        }
        let q = questions[i % questions.len()];
        let mut a = base.clone();
        let wobble = ((i * 7919) % 61) as f64 - 30.0;
        a.timing.wpm = 145.0 + wobble;
        a.fillers.per_minute = ((i * 31) % 9) as f64 * 0.5;
        a.timing.answer_s = 60.0 + wobble;
        a.star.result.part.present = i % 3 != 0;
        let (day, hour) = (i / 24, i % 24);
        let recorded_at = format!(
            "2025-{:02}-{:02}T{hour:02}:00:00Z",
            day / 28 % 12 + 1,
            day % 28 + 1
        );
        store.add_answer(&NewAnswer {
            session_id,
            recorded_at,
            question_id: Some(&q.id),
            question_text: Some(&q.text),
            status: "complete",
            stopped: Some("silence"),
            wav: None,
            json: None,
            extra: &[],
            analysis: Some(&a),
        })?;
    }
    let fill_s = fill.elapsed().as_secs_f64();
    let db = store.path().to_path_buf();
    drop(store);
    let size_mb = std::fs::metadata(&db)?.len() as f64 / 1e6;

    let ours = |extra: &'static [&'static str]| {
        let (bin, dir) = (bin.clone(), data.path().to_path_buf());
        move || {
            let mut c = Command::new(&bin);
            c.arg("--data-dir").arg(&dir).arg("history").args(extra);
            c
        }
    };
    let peer = |sql: &'static str| {
        let db = db.clone();
        move || {
            let mut c = Command::new("sqlite3");
            c.arg("-json").arg(&db).arg(sql);
            c
        }
    };
    let all_rows = "SELECT id, session_id, recorded_at, question_id, status, target_s, wpm, \
                    fillers_per_min, star_parts, answer_s, thinking_s FROM answers \
                    ORDER BY recorded_at, id";
    let one_question = "SELECT id, session_id, recorded_at, question_id, status, target_s, wpm, \
                        fillers_per_min, star_parts, answer_s, thinking_s FROM answers \
                        WHERE question_id = 'message-queues' ORDER BY recorded_at, id";
    let has_sqlite3 = Command::new("sqlite3").arg("-version").output().is_ok();

    println!(
        "{answers} stored answers ({size_mb:.1} MB database; filled through Store::add_answer, \
         one transaction each, in {fill_s:.1} s = {:.2} ms per answer). Median (fastest) of {runs} runs, \
         whole process:\n",
        fill_s * 1000.0 / answers as f64
    );
    println!("| command | rehearse | sqlite3 shell, same rows | ratio |");
    println!("|---|---:|---:|---:|");
    let rows: [(&str, &'static [&'static str], &'static str); 3] = [
        (
            "`history` (table of the latest 20, trends over all)",
            &[],
            all_rows,
        ),
        (
            "`history --json` (every answer + trends)",
            &["--json"],
            all_rows,
        ),
        (
            "`history --question message-queues`",
            &["--question", "message-queues"],
            one_question,
        ),
    ];
    for (name, extra, sql) in rows {
        let (median, fastest) = time(runs, ours(extra))?;
        let peer_cell = if has_sqlite3 {
            let (pm, pf) = time(runs, peer(sql))?;
            (
                format!("{:.1} ms ({:.1})", ms(pm), ms(pf)),
                format!("{:.2}×", ms(median) / ms(pm)),
            )
        } else {
            ("sqlite3 not installed".into(), "–".into())
        };
        println!(
            "| {name} | {:.1} ms ({:.1}) | {} | {} |",
            ms(median),
            ms(fastest),
            peer_cell.0,
            peer_cell.1
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
