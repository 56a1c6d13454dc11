//! Reports cut the transcript by unit, never by time: whisper can give a
//! whole sentence one instant (its word times collapse), and a report that
//! cut lines by time window showed such words two or three times. No
//! whisper here: the words are given, so this is in the fast tier.

use rehearse::analysis::{Inputs, analyze};
use rehearse::audio::vad::VoiceActivity;
use rehearse::report::{self, Style, html};
use rehearse::transcribe::{Transcript, Word};

/// An answer of four sentences whose middle two whisper put at one instant,
/// with an "um" among the collapsed words.
fn collapsed_answer() -> rehearse::analysis::Analysis {
    let text = "At my last job our search page timed out every evening. \
                I was asked to fix it before the holiday sale. \
                Um, I added a cache and I rewrote the slowest query. \
                After that the page loaded in under a second and the timeouts stopped.";
    let mut words: Vec<Word> = text
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| Word {
            word: w.to_string(),
            start_s: 1.0 + i as f64 * 0.4,
            end_s: 1.3 + i as f64 * 0.4,
            probability: 0.9,
        })
        .collect();
    // Sentences two and three (words 11 to 30) at one instant.
    for w in &mut words[11..31] {
        w.start_s = 7.0;
        w.end_s = 7.0;
    }
    let end = words.last().map_or(0.0, |w| w.end_s) + 1.0;
    let frames = (end / 0.05) as usize;
    let voice = VoiceActivity {
        frame_s: 0.05,
        voiced: (0..frames).map(|f| f as f64 * 0.05 >= 1.0).collect(),
        level: (0..frames)
            .map(|f| if f as f64 * 0.05 >= 1.0 { 0.3 } else { 0.001 })
            .collect(),
        voice_band: Vec::new(),
    };
    let transcript = Transcript::from_words(words);
    analyze(Inputs {
        duration_s: end,
        voice: &voice,
        speech: &rehearse::audio::spans::speech_spans(&voice),
        transcript: &transcript,
        question: None,
    })
}

/// The words of the page's transcript list, tags and times stripped.
fn html_transcript_words(page: &str) -> Vec<String> {
    let start = page
        .find("<ol class=\"transcript\">")
        .expect("a transcript");
    let end = start + page[start..].find("</ol>").expect("its end");
    let mut out = Vec::new();
    for item in page[start..end].split("<li").skip(1) {
        let body = &item[item.find('>').unwrap() + 1..];
        // Drop the time and the part tags, then every remaining tag.
        let body = body.split("</time>").nth(1).unwrap_or(body);
        let body = body.split("<span class=\"tags\"").next().unwrap_or(body);
        let mut text = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.extend(text.split_whitespace().map(String::from));
    }
    out
}

#[test]
fn the_html_transcript_shows_every_word_once_in_order_when_word_times_collapse() {
    let a = collapsed_answer();
    let page = html::page(
        "answer",
        &[html::HtmlAnswer {
            id: None,
            recorded_at: None,
            analysis: &a,
            progress: &[],
            audio_wav: None,
        }],
    );
    let shown = html_transcript_words(&page);
    let said: Vec<String> = a
        .transcript
        .words
        .iter()
        .map(|w| w.word.trim().to_string())
        .collect();
    assert_eq!(shown, said);
    // The filler is marked once, where it was said.
    assert_eq!(page.matches("<mark class=\"filler\">").count(), 1, "{page}");
}

#[test]
fn units_own_their_words_and_have_spans_of_their_own_when_word_times_collapse() {
    let a = collapsed_answer();
    let units = &a.star.sentences;
    let mut next = 0;
    for l in units {
        assert_eq!(l.unit.first_word, next, "{units:#?}");
        assert!(l.unit.end_word > l.unit.first_word);
        let own: Vec<&str> = a.transcript.words[l.unit.first_word..l.unit.end_word]
            .iter()
            .map(|w| w.word.trim())
            .collect();
        assert_eq!(l.unit.text, own.join(" "));
        assert!(l.unit.end_s > l.unit.start_s, "{units:#?}");
        next = l.unit.end_word;
    }
    assert_eq!(next, a.transcript.words.len());
    for pair in units.windows(2) {
        assert!(
            pair[0].unit.end_s <= pair[1].unit.start_s + 1e-9,
            "{units:#?}"
        );
    }
}

#[test]
fn terminal_and_markdown_evidence_quote_whole_units() {
    let a = collapsed_answer();
    let text = report::terminal(&a, Style { color: false });
    let md = report::markdown(&a);
    let units: Vec<&str> = a
        .star
        .sentences
        .iter()
        .map(|l| l.unit.text.as_str())
        .collect();
    for out in [&text, &md] {
        for quoted in out.split('“').skip(1).map(|q| q.split('”').next().unwrap()) {
            assert!(
                units.contains(&quoted),
                "{quoted:?} is not a unit of {units:#?}"
            );
        }
    }
}
