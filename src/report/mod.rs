//! Renders an [`Analysis`] for people: a terminal report (colour optional)
//! and Markdown. JSON is the analysis itself, serialised. Pure: strings out.

pub mod html;

use std::fmt::Write;

use crate::analysis::Analysis;
use crate::analysis::star::{Part, PartState};

/// Writes to stdout; a closed pipe (`rehearse … | head`) ends the program
/// quietly instead of panicking. libpulse ignores SIGPIPE, so the write error
/// is the only signal there is.
pub fn emit(args: std::fmt::Arguments) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args)
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// `println!` through [`emit`].
#[macro_export]
macro_rules! outln {
    () => { $crate::report::emit(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::report::emit(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` through [`emit`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::report::emit(format_args!($($arg)*)) };
}

/// Width of the STAR time bar in characters.
const BAR: usize = 60;

/// Terminal styling.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// ANSI colour on.
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

const PART_COLORS: [(char, &str, &str); 4] = [
    ('S', "Situation", "34"),
    ('T', "Task", "35"),
    ('A', "Action", "32"),
    ('R', "Result", "33"),
];

pub(crate) fn parts(a: &Analysis) -> [(char, &'static str, &'static str, &Part); 4] {
    let s = &a.star;
    let p = [&s.situation, &s.task, &s.action.part, &s.result.part];
    [
        (PART_COLORS[0].0, PART_COLORS[0].1, PART_COLORS[0].2, p[0]),
        (PART_COLORS[1].0, PART_COLORS[1].1, PART_COLORS[1].2, p[1]),
        (PART_COLORS[2].0, PART_COLORS[2].1, PART_COLORS[2].2, p[2]),
        (PART_COLORS[3].0, PART_COLORS[3].1, PART_COLORS[3].2, p[3]),
    ]
}

/// The STAR parts along the answer's time axis, one letter per cell.
pub fn time_bar(a: &Analysis, style: Style) -> String {
    let total = a.audio.duration_s.max(0.001);
    let mut cells = vec![('·', ""); BAR];
    for l in &a.star.sentences {
        let Some(&letter) = l.parts.first() else {
            continue;
        };
        let code = PART_COLORS
            .iter()
            .find(|p| p.0 == letter)
            .map_or("", |p| p.2);
        let from = ((l.unit.start_s / total) * BAR as f64).floor() as usize;
        let to = ((l.unit.end_s / total) * BAR as f64).ceil() as usize;
        for cell in cells.iter_mut().take(to.min(BAR)).skip(from.min(BAR)) {
            *cell = (letter, code);
        }
    }
    let mut out = String::from("|");
    for (c, code) in cells {
        out.push_str(&style.paint(code, &c.to_string()));
    }
    out.push('|');
    out
}

/// Side by side: the last attempt at a question and this one, with the
/// change in each figure and whether it moved toward its target.
pub fn compare(before: &Analysis, now: &Analysis, style: Style) -> String {
    use crate::analysis::metrics::{self, Metrics, Target};
    let (b, n) = (Metrics::of(before), Metrics::of(now));
    let mark = |target: Target, was: f64, is: f64| {
        let (was, is) = (target.miss(was), target.miss(is));
        if (was - is).abs() < 1e-9 {
            " ".to_string()
        } else if is < was {
            style.paint("32", "✓")
        } else {
            style.paint("31", "✗")
        }
    };
    let letters = |a: &Analysis| -> String {
        parts(a)
            .iter()
            .map(|(c, _, _, p)| if p.present { *c } else { '-' })
            .collect()
    };
    let mut o = String::new();
    let _ = writeln!(o, "{}", style.paint("1", "Change from your last attempt"));
    let _ = writeln!(o, "                   last      now   change");
    let row = |o: &mut String, name: &str, was: f64, is: f64, decimals: usize, target: Target| {
        let _ = writeln!(
            o,
            "  {name:<14} {was:>7.decimals$} {is:>8.decimals$} {:>+8.decimals$} {}",
            is - was,
            mark(target, was, is)
        );
    };
    row(&mut o, "pace (wpm)", b.wpm, n.wpm, 0, metrics::PACE_WPM);
    row(
        &mut o,
        "fillers/min",
        b.fillers_per_min,
        n.fillers_per_min,
        1,
        metrics::FILLERS_PER_MIN,
    );
    let star = Target {
        low: 4.0,
        high: 4.0,
    };
    let _ = writeln!(
        o,
        "  {:<14} {:>7} {:>8} {:>+8} {}",
        "STAR",
        letters(before),
        letters(now),
        i32::from(n.star_parts) - i32::from(b.star_parts),
        mark(star, f64::from(b.star_parts), f64::from(n.star_parts))
    );
    let length = now.question.as_ref().map_or(
        Target {
            low: 0.0,
            high: f64::MAX,
        },
        |q| metrics::length_target(f64::from(q.target_seconds)),
    );
    row(&mut o, "length (s)", b.answer_s, n.answer_s, 0, length);
    row(
        &mut o,
        "thinking (s)",
        b.thinking_s,
        n.thinking_s,
        1,
        metrics::THINKING_S,
    );
    o
}

/// The report printed after an answer.
pub fn terminal(a: &Analysis, style: Style) -> String {
    let mut o = String::new();
    let t = &a.timing;
    if let Some(q) = &a.question {
        let _ = writeln!(o, "{} {}", style.paint("1", "Question:"), q.text);
    }
    let _ = writeln!(o, "{}", style.paint("1", "Transcript"));
    let _ = writeln!(o, "  {}", a.transcript.text);
    if let Some(warning) = a.audio.noise_warning() {
        let _ = writeln!(o, "  {}", style.paint("33", &warning));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", style.paint("1", "Timing"));
    let _ = writeln!(o, "  thinking time   {:>6.1} s", t.thinking_s);
    match t.target_s {
        Some(target) => {
            let _ = writeln!(
                o,
                "  answer length   {:>6.1} s  (target {:.0} s, {:.0}%)",
                t.answer_s,
                target,
                t.target_ratio.unwrap_or(0.0) * 100.0
            );
        }
        None => {
            let _ = writeln!(o, "  answer length   {:>6.1} s", t.answer_s);
        }
    }
    let _ = writeln!(o, "  speaking time   {:>6.1} s", t.speaking_s);
    let _ = writeln!(
        o,
        "  pace            {:>6.0} wpm  ({:.0} wpm while talking)",
        t.wpm, t.wpm_talking
    );
    let _ = writeln!(
        o,
        "  pauses          {:>6}     (longest {:.1} s)",
        t.pauses.len(),
        t.longest_pause_s
    );
    let f = &a.fillers;
    let list = f
        .counts
        .iter()
        .map(|(w, n)| format!("{w} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(
        o,
        "  fillers         {:>6}     ({:.1}/min{}{})",
        f.total,
        f.per_minute,
        if list.is_empty() { "" } else { ": " },
        list
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "{}  {}", style.paint("1", "STAR"), a.star.letters());
    let _ = writeln!(o, "  {}", time_bar(a, style));
    for (letter, name, code, part) in parts(a) {
        let mark = match part.state {
            PartState::Present => style.paint(code, "✓"),
            PartState::Weak => style.paint("33", "?"),
            PartState::Missing => style.paint("31", "✗"),
        };
        let mut line = format!("  {mark} {name:<9}");
        if part.state == PartState::Weak {
            line.push_str(" weak: only doubtful evidence; say it plainly");
        } else if part.present {
            let _ = write!(
                line,
                " {:>5.1}–{:<5.1} s  {:>3.0}% of the time",
                part.start_s.unwrap_or(0.0),
                part.end_s.unwrap_or(0.0),
                part.share * 100.0
            );
        } else {
            line.push_str(" not found");
        }
        if letter == 'A' && part.present {
            let _ = write!(
                line,
                "  (I ×{}, we ×{})",
                a.star.action.i_count, a.star.action.we_count
            );
        }
        if letter == 'R' && part.present {
            line.push_str(if a.star.result.quantified {
                "  quantified"
            } else {
                "  not quantified"
            });
        }
        let _ = writeln!(o, "{line}");
        for e in part.evidence.iter().take(2) {
            let _ = writeln!(o, "      “{e}”");
        }
    }
    if !a.talking_points.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.paint("1", "Talking points"));
        for tp in &a.talking_points {
            let mark = if tp.covered {
                style.paint("32", "✓")
            } else {
                style.paint("2", "·")
            };
            let _ = writeln!(o, "  {mark} {}", tp.point);
        }
    }
    if !a.suggestions.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "{}", style.paint("1", "Next time"));
        for s in &a.suggestions {
            let _ = writeln!(o, "  → {s}");
        }
    }
    o
}

/// The report as Markdown.
pub fn markdown(a: &Analysis) -> String {
    let mut o = String::new();
    let t = &a.timing;
    let _ = writeln!(o, "# Answer report\n");
    if let Some(q) = &a.question {
        let _ = writeln!(o, "**Question ({}):** {}\n", q.id, q.text);
    }
    let _ = writeln!(o, "## Transcript\n\n> {}\n", a.transcript.text);
    if let Some(warning) = a.audio.noise_warning() {
        let _ = writeln!(o, "**{warning}**\n");
    }
    let _ = writeln!(o, "## Timing\n");
    let _ = writeln!(o, "| measure | value |\n|---|---|");
    let _ = writeln!(o, "| thinking time | {:.1} s |", t.thinking_s);
    let _ = writeln!(
        o,
        "| answer length | {:.1} s{} |",
        t.answer_s,
        t.target_s
            .map(|x| format!(" (target {x:.0} s)"))
            .unwrap_or_default()
    );
    let _ = writeln!(o, "| speaking time | {:.1} s |", t.speaking_s);
    let _ = writeln!(
        o,
        "| pace | {:.0} wpm ({:.0} while talking) |",
        t.wpm, t.wpm_talking
    );
    let _ = writeln!(
        o,
        "| pauses | {} (longest {:.1} s) |",
        t.pauses.len(),
        t.longest_pause_s
    );
    let _ = writeln!(
        o,
        "| fillers | {} ({:.1}/min) |\n",
        a.fillers.total, a.fillers.per_minute
    );
    let _ = writeln!(o, "## STAR: {}\n", a.star.letters());
    for (_, name, _, part) in parts(a) {
        match part.state {
            PartState::Present => {
                let _ = writeln!(
                    o,
                    "- **{name}**: {:.1}–{:.1} s, {:.0}% of the time",
                    part.start_s.unwrap_or(0.0),
                    part.end_s.unwrap_or(0.0),
                    part.share * 100.0
                );
            }
            PartState::Weak => {
                let _ = writeln!(o, "- **{name}**: weak (only doubtful evidence)");
            }
            PartState::Missing => {
                let _ = writeln!(o, "- **{name}**: not found");
            }
        }
        for e in &part.evidence {
            let _ = writeln!(o, "  - “{e}”");
        }
    }
    let _ = writeln!(
        o,
        "\nResult quantified: {}. Actions: I ×{}, we ×{}.",
        if a.star.result.quantified {
            "yes"
        } else {
            "no"
        },
        a.star.action.i_count,
        a.star.action.we_count
    );
    if !a.suggestions.is_empty() {
        let _ = writeln!(o, "\n## Next time\n");
        for s in &a.suggestions {
            let _ = writeln!(o, "- {s}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Inputs, analyze};
    use crate::audio::vad::VoiceActivity;
    use crate::transcribe::{Transcript, Word};

    /// A short answer: 1 s of background, then 3 s of speech `speech_db`
    /// above it.
    fn answer(speech_db: f32) -> Analysis {
        let speech = 0.01 * 10f32.powf(speech_db / 20.0);
        let voice = VoiceActivity {
            frame_s: 0.05,
            voiced: [vec![false; 20], vec![true; 60]].concat(),
            level: [vec![0.01; 20], vec![speech; 60]].concat(),
            voice_band: Vec::new(),
        };
        let words = ["I", "fixed", "the", "cache."]
            .iter()
            .enumerate()
            .map(|(i, w)| Word {
                word: w.to_string(),
                start_s: 1.0 + i as f64 * 0.5,
                end_s: 1.4 + i as f64 * 0.5,
                probability: 0.9,
            })
            .collect();
        let transcript = Transcript::from_words(words);
        analyze(Inputs {
            duration_s: 4.0,
            voice: &voice,
            speech: &crate::audio::spans::speech_spans(&voice),
            transcript: &transcript,
            question: None,
        })
    }

    #[test]
    fn every_report_warns_about_a_noisy_recording_and_only_then() {
        let html = |a: &Analysis| {
            html::page(
                "answer",
                &[html::HtmlAnswer {
                    id: None,
                    recorded_at: None,
                    analysis: a,
                    progress: &[],
                    audio_wav: None,
                }],
            )
        };
        let noisy = answer(14.0);
        let plain = Style { color: false };
        assert!(
            terminal(&noisy, plain).contains("Noisy recording: your voice is only about 14 dB")
        );
        assert!(markdown(&noisy).contains("**Noisy recording"));
        assert!(html(&noisy).contains("<p class=\"warning\">Noisy recording"));
        let quiet_room = answer(30.0);
        assert!(!terminal(&quiet_room, plain).contains("Noisy"));
        assert!(!markdown(&quiet_room).contains("Noisy"));
        assert!(!html(&quiet_room).contains("Noisy recording"));
    }
}
