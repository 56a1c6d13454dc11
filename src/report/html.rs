//! A self-contained HTML report: inline CSS and SVG, no scripts, no network
//! fetches. A timeline of the answer (STAR bands, speech and pauses, filler
//! marks) over the transcript, the figures against their target ranges, the
//! trend across earlier answers, and optionally the recording itself.
//! Pure: values in, a string out.

use std::fmt::Write;

use crate::analysis::star::PartState;

use super::parts;
use crate::analysis::Analysis;
use crate::analysis::metrics::{self, Metrics, Target};

/// One answer on the page.
#[derive(Debug, Clone, Copy)]
pub struct HtmlAnswer<'a> {
    /// The history id, if stored.
    pub id: Option<i64>,
    /// When it was recorded.
    pub recorded_at: Option<&'a str>,
    /// The analysis.
    pub analysis: &'a Analysis,
    /// This question's answers up to and including this one, oldest first,
    /// with when each was recorded.
    pub progress: &'a [(String, Metrics)],
    /// The recording as WAV bytes, to embed in a player.
    pub audio_wav: Option<&'a [u8]>,
}

const PART_FILL: [(&str, &str); 4] = [
    ("situation", "#3b6fd8"),
    ("task", "#9b4dca"),
    ("action", "#2e9d5b"),
    ("result", "#d08a00"),
];

const CSS: &str = "
:root { color-scheme: light; --ink: #1d232b; --muted: #5d6773; --rule: #d9dee4; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1000px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 14px; margin: 0 0 4px; color: var(--muted); font-weight: 600; }
.answer { background: #fff; border: 1px solid var(--rule); border-radius: 10px; padding: 20px 24px; margin: 20px 0; }
.meta { color: var(--muted); margin: 0 0 12px; }
svg { display: block; width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: var(--muted); }
.legend span { display: inline-block; margin-right: 14px; font-size: 13px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 5px; vertical-align: -1px; }
.transcript { list-style: none; padding: 0; margin: 8px 0 0; }
.transcript li { padding: 4px 8px 4px 10px; border-left: 4px solid var(--rule); margin: 2px 0; }
.transcript time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: 8px; font-size: 13px; }
.transcript .tags { font-size: 11px; font-weight: 700; margin-left: 6px; }
mark.filler { background: #ffe3e0; color: #a3271b; border-radius: 3px; padding: 0 2px; }
.metrics, .trends { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px 20px; }
.metric b { font-size: 18px; }
.metric .range { color: var(--muted); font-size: 12px; }
.ok { color: #2e7d4f; } .off { color: #b0471c; }
ul.suggestions { margin: 4px 0 0; padding-left: 20px; }
p.warning { background: #fff4d6; border-left: 4px solid #e0a800; padding: 6px 10px; }
audio { width: 100%; margin-top: 12px; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { padding: 0; max-width: none; }
  .answer { border: none; padding: 0; break-inside: avoid-page; }
  audio { display: none; }
}
";

/// Escapes text for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Standard base64 with padding, for the embedded recording.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `m:ss`.
fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// A whole page for `answers` (one, or a session's).
pub fn page(title: &str, answers: &[HtmlAnswer]) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src data:\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n\
         <p class=\"meta\">Made by rehearse on this computer; nothing in this page was sent anywhere.</p>\n",
        esc(title),
        esc(title)
    );
    for answer in answers {
        section(&mut o, answer);
    }
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

fn section(o: &mut String, h: &HtmlAnswer) {
    let a = h.analysis;
    let anchor =
        h.id.map_or_else(|| "answer".to_string(), |id| format!("answer-{id}"));
    let _ = writeln!(o, "<section class=\"answer\" id=\"{anchor}\">");
    let question = a
        .question
        .as_ref()
        .map_or("Answer".to_string(), |q| q.text.clone());
    let _ = writeln!(o, "<h2>{}</h2>", esc(&question));
    let mut meta = Vec::new();
    if let Some(id) = h.id {
        meta.push(format!("answer {id}"));
    }
    if let Some(at) = h.recorded_at {
        meta.push(esc(at));
    }
    meta.push(format!("{:.0} s recorded", a.audio.duration_s));
    let _ = writeln!(o, "<p class=\"meta\">{}</p>", meta.join(" · "));
    if let Some(warning) = a.audio.noise_warning() {
        let _ = writeln!(o, "<p class=\"warning\">{}</p>", esc(&warning));
    }
    timeline(o, a);
    transcript(o, a);
    let _ = writeln!(o, "<h2>Against the targets</h2>");
    gauges(o, a);
    if h.progress.len() >= 2 {
        let _ = writeln!(
            o,
            "<h2>Progress on this question ({} answers)</h2>",
            h.progress.len()
        );
        trends(
            o,
            h.progress,
            a.question.as_ref().map(|q| f64::from(q.target_seconds)),
        );
    }
    if !a.suggestions.is_empty() {
        let _ = writeln!(o, "<h2>Next time</h2>\n<ul class=\"suggestions\">");
        for s in &a.suggestions {
            let _ = writeln!(o, "<li>{}</li>", esc(s));
        }
        o.push_str("</ul>\n");
    }
    if let Some(wav) = h.audio_wav {
        let _ = writeln!(
            o,
            "<audio class=\"recording\" controls preload=\"metadata\" src=\"data:audio/wav;base64,{}\"></audio>",
            base64(wav)
        );
    }
    o.push_str("</section>\n");
}

/// Plot geometry: lane labels on the left, time to the right.
const WIDTH: f64 = 1000.0;
const LEFT: f64 = 92.0;
const RIGHT: f64 = 12.0;
const LANE: f64 = 26.0;

fn timeline(o: &mut String, a: &Analysis) {
    let total = a.audio.duration_s.max(1.0);
    let x = |t: f64| LEFT + (t.clamp(0.0, total) / total) * (WIDTH - LEFT - RIGHT);
    let lanes = ["Situation", "Task", "Action", "Result", "Speech", "Fillers"];
    let height = LANE * lanes.len() as f64 + 30.0;
    let _ = writeln!(
        o,
        "<h2>Timeline</h2>\n<svg class=\"timeline\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"The answer over time: STAR parts, speech, pauses and fillers\">"
    );
    for (i, name) in lanes.iter().enumerate() {
        let y = i as f64 * LANE;
        let _ = writeln!(
            o,
            "<rect x=\"{LEFT}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/><text x=\"4\" y=\"{:.1}\">{name}</text>",
            y + 3.0,
            WIDTH - LEFT - RIGHT,
            LANE - 6.0,
            if i % 2 == 0 { "#f3f5f8" } else { "#fafbfc" },
            y + LANE / 2.0 + 4.0
        );
    }
    let star_parts = parts(a);
    for (lane, ((_, name, _, part), (key, fill))) in star_parts.iter().zip(PART_FILL).enumerate() {
        let y = lane as f64 * LANE;
        for l in a
            .star
            .sentences
            .iter()
            .filter(|l| l.parts.contains(&star_parts[lane].0))
        {
            let _ = writeln!(
                o,
                "<rect class=\"evidence\" data-part=\"{key}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" opacity=\"0.35\"><title>{}</title></rect>",
                x(l.unit.start_s),
                y + 5.0,
                (x(l.unit.end_s) - x(l.unit.start_s)).max(1.5),
                LANE - 10.0,
                esc(&l.unit.text)
            );
        }
        for l in a
            .star
            .sentences
            .iter()
            .filter(|l| l.weak.contains(&star_parts[lane].0))
        {
            let _ = writeln!(
                o,
                "<rect class=\"weak\" data-part=\"{key}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{fill}\" stroke-dasharray=\"3 2\"><title>{name}, weak: {}</title></rect>",
                x(l.unit.start_s),
                y + 5.0,
                (x(l.unit.end_s) - x(l.unit.start_s)).max(1.5),
                LANE - 10.0,
                esc(&l.unit.text)
            );
        }
        if let (true, Some(start), Some(end)) = (part.present, part.start_s, part.end_s) {
            let _ = writeln!(
                o,
                "<rect class=\"band\" data-part=\"{key}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"{fill}\" stroke-width=\"2\" rx=\"3\"><title>{name}: {}–{}, {:.0}% of the speaking time</title></rect>",
                x(start),
                y + 4.0,
                (x(end) - x(start)).max(2.0),
                LANE - 8.0,
                clock(start),
                clock(end),
                part.share * 100.0
            );
        }
    }
    let t = &a.timing;
    let speech_y = 4.0 * LANE;
    let _ = writeln!(
        o,
        "<rect class=\"speech\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#8a96a3\"><title>speaking from {} to {}</title></rect>",
        x(t.thinking_s),
        speech_y + 8.0,
        (x(t.thinking_s + t.answer_s) - x(t.thinking_s)).max(1.0),
        LANE - 16.0,
        clock(t.thinking_s),
        clock(t.thinking_s + t.answer_s)
    );
    for p in &t.pauses {
        let _ = writeln!(
            o,
            "<rect class=\"pause\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#fff\" stroke=\"#8a96a3\" stroke-width=\"0.5\"><title>pause of {:.1} s at {}</title></rect>",
            x(p.start_s),
            speech_y + 6.0,
            (x(p.end_s) - x(p.start_s)).max(1.0),
            LANE - 12.0,
            p.duration_s,
            clock(p.start_s)
        );
    }
    let filler_y = 5.0 * LANE;
    for f in &a.fillers.occurrences {
        let cx = x(f.start_s);
        let _ = writeln!(
            o,
            "<path class=\"filler\" d=\"M{cx:.1} {:.1} l5 9 h-10 z\" fill=\"#d6453d\"><title>\u{201c}{}\u{201d} at {}</title></path>",
            filler_y + 8.0,
            esc(&f.filler),
            clock(f.start_s)
        );
    }
    let axis_y = 6.0 * LANE + 6.0;
    let step = [5.0, 10.0, 15.0, 30.0, 60.0]
        .into_iter()
        .find(|s| total / s <= 12.0)
        .unwrap_or(120.0);
    let mut tick = 0.0;
    while tick <= total + 1e-9 {
        let _ = writeln!(
            o,
            "<line x1=\"{tx:.1}\" x2=\"{tx:.1}\" y1=\"0\" y2=\"{axis_y:.1}\" stroke=\"#c9d0d8\" stroke-width=\"0.5\"/><text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            axis_y + 16.0,
            clock(tick),
            tx = x(tick)
        );
        tick += step;
    }
    o.push_str("</svg>\n<p class=\"legend\">");
    for ((key, fill), (_, name, _, part)) in PART_FILL.iter().zip(star_parts.iter()) {
        let (state, status) = match part.state {
            PartState::Present => ("present", format!("{:.0}%", part.share * 100.0)),
            PartState::Weak => ("weak", "weak".to_string()),
            PartState::Missing => ("missing", "missing".to_string()),
        };
        let _ = write!(
            o,
            "<span data-part=\"{key}\" data-state=\"{state}\"><i style=\"background:{fill}\"></i>{name} {status}</span>"
        );
    }
    o.push_str("</p>\n");
}

fn transcript(o: &mut String, a: &Analysis) {
    o.push_str("<h2>Transcript</h2>\n<ol class=\"transcript\">\n");
    let words = &a.transcript.words;
    let fillers = filler_words(a);
    for l in &a.star.sentences {
        let u = &l.unit;
        let colour = l
            .parts
            .first()
            .and_then(|c| "STAR".find(*c))
            .map_or("var(--rule)", |i| PART_FILL[i].1);
        // The unit's own words, by index: whisper can give a whole sentence
        // one instant, so cutting by time would show words twice.
        let own = words.get(u.first_word..u.end_word).unwrap_or_default();
        let body = if own.is_empty() {
            esc(&u.text)
        } else {
            own.iter()
                .enumerate()
                .map(|(k, w)| {
                    let text = esc(w.word.trim());
                    if fillers.contains(&(u.first_word + k)) {
                        format!("<mark class=\"filler\">{text}</mark>")
                    } else {
                        text
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut tags: String = l.parts.iter().collect();
        if !l.weak.is_empty() {
            tags.push_str(&format!(
                " <span class=\"weak\">{}?</span>",
                l.weak.iter().collect::<String>()
            ));
        }
        let _ = writeln!(
            o,
            "<li class=\"sentence\" data-start=\"{:.2}\" style=\"border-left-color:{colour}\"><time>{}</time>{body}<span class=\"tags\" style=\"color:{colour}\">{tags}</span></li>",
            u.start_s,
            clock(u.start_s)
        );
    }
    o.push_str("</ol>\n");
}

/// The indices of the transcript words that are fillers. Analyses written
/// before fillers carried their word index find it by time.
fn filler_words(a: &Analysis) -> std::collections::HashSet<usize> {
    let words = &a.transcript.words;
    let mut out = std::collections::HashSet::new();
    for f in &a.fillers.occurrences {
        let first = f.word.or_else(|| {
            words
                .iter()
                .position(|w| (w.start_s - f.start_s).abs() < 0.01)
        });
        if let Some(first) = first {
            out.extend(first..first + f.words.max(1));
        }
    }
    out
}

/// One figure on a scale with its target range shaded.
fn gauge(o: &mut String, name: &str, value: f64, unit: &str, target: Target, scale_max: f64) {
    let scale_max = scale_max.max(value * 1.1).max(target.high * 1.2);
    let x = |v: f64| 4.0 + (v.clamp(0.0, scale_max) / scale_max) * 292.0;
    let inside = target.miss(value) == 0.0;
    let _ = writeln!(
        o,
        "<div class=\"metric\" data-in-range=\"{inside}\"><h3>{name}</h3><b class=\"{}\">{value:.1}</b> {unit} <span class=\"range\">target {}–{}</span>\
         <svg viewBox=\"0 0 300 24\" aria-hidden=\"true\"><rect x=\"4\" y=\"9\" width=\"292\" height=\"6\" rx=\"3\" fill=\"#e6e9ee\"/>\
         <rect x=\"{:.1}\" y=\"9\" width=\"{:.1}\" height=\"6\" fill=\"#9fd3b0\"/><circle cx=\"{:.1}\" cy=\"12\" r=\"6\" fill=\"{}\"/></svg></div>",
        if inside { "ok" } else { "off" },
        target.low,
        target.high,
        x(target.low),
        (x(target.high) - x(target.low)).max(1.0),
        x(value),
        if inside { "#2e7d4f" } else { "#b0471c" }
    );
}

fn gauges(o: &mut String, a: &Analysis) {
    let m = Metrics::of(a);
    o.push_str("<div class=\"metrics\">\n");
    gauge(o, "Pace", m.wpm, "words/min", metrics::PACE_WPM, 220.0);
    gauge(
        o,
        "Fillers",
        m.fillers_per_min,
        "per min",
        metrics::FILLERS_PER_MIN,
        8.0,
    );
    gauge(
        o,
        "Thinking time",
        m.thinking_s,
        "s",
        metrics::THINKING_S,
        8.0,
    );
    if let Some(q) = &a.question {
        let target = f64::from(q.target_seconds);
        gauge(
            o,
            "Length",
            m.answer_s,
            "s",
            metrics::length_target(target),
            target * 2.0,
        );
    }
    o.push_str("</div>\n");
}

/// A small line chart of one figure across answers, target range shaded.
fn trend_chart(o: &mut String, name: &str, values: &[f64], target: Target, scale_max: f64) {
    let top = values.iter().copied().fold(scale_max, f64::max) * 1.1;
    let (w, h, pad) = (300.0, 110.0, 14.0);
    let x = |i: usize| pad + i as f64 * (w - 2.0 * pad) / (values.len().max(2) - 1) as f64;
    let y = |v: f64| h - pad - (v.clamp(0.0, top) / top) * (h - 2.0 * pad);
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
        .collect();
    let _ = write!(
        o,
        "<div class=\"trend\"><h3>{name}</h3><svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{name} across answers\">\
         <rect x=\"{pad}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#e3f3e8\"/>\
         <polyline points=\"{}\" fill=\"none\" stroke=\"#3b6fd8\" stroke-width=\"2\"/>",
        y(target.high.min(top)),
        w - 2.0 * pad,
        (y(target.low) - y(target.high.min(top))).max(1.0),
        points.join(" ")
    );
    let labelled = |i: usize| values.len() <= 8 || i == 0 || i + 1 == values.len();
    for (i, v) in values.iter().enumerate() {
        let _ = write!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"#3b6fd8\"><title>answer {}: {v:.1}</title></circle>",
            x(i),
            y(*v),
            i + 1
        );
        if labelled(i) {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x(i),
                (y(*v) - 7.0).max(10.0),
                if *v >= 20.0 || v.fract() == 0.0 {
                    format!("{v:.0}")
                } else {
                    format!("{v:.1}")
                }
            );
        }
    }
    o.push_str("</svg></div>\n");
}

fn trends(o: &mut String, progress: &[(String, Metrics)], target_s: Option<f64>) {
    let take = |f: fn(&Metrics) -> f64| progress.iter().map(|(_, m)| f(m)).collect::<Vec<_>>();
    o.push_str("<div class=\"trends\">\n");
    trend_chart(
        o,
        "Words per minute",
        &take(|m| m.wpm),
        metrics::PACE_WPM,
        200.0,
    );
    trend_chart(
        o,
        "Fillers per minute",
        &take(|m| m.fillers_per_min),
        metrics::FILLERS_PER_MIN,
        6.0,
    );
    trend_chart(
        o,
        "STAR parts",
        &take(|m| f64::from(m.star_parts)),
        Target {
            low: 4.0,
            high: 4.0,
        },
        4.0,
    );
    if let Some(t) = target_s {
        trend_chart(
            o,
            "Length (s)",
            &take(|m| m.answer_s),
            metrics::length_target(t),
            t * 1.5,
        );
    }
    o.push_str("</div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            esc("<b>\"R&D\"</b>"),
            "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt;"
        );
    }
}
