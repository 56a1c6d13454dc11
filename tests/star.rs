//! STAR from a transcript without punctuation: whisper sometimes writes a
//! whole answer without a full stop, and the analysis must still cut it into
//! sentence-sized units at the audio's pauses and find every part, with
//! spans where each was said. The words and their times are given (no
//! whisper), so this is in the fast tier.

use rehearse::analysis::star::PartState;
use rehearse::analysis::{Inputs, analyze};
use rehearse::audio::vad::VoiceActivity;
use rehearse::transcribe::{Transcript, Word};

/// Clauses of a complete answer as a speaker says them, each followed by a
/// breath of 0.45 s; whisper wrote no punctuation at all.
const CLAUSES: &[(char, &str)] = &[
    (
        'S',
        "so at my last company we ran the booking system for about two hundred clinics",
    ),
    (
        'S',
        "and every Monday morning the appointment search got so slow that receptionists were on the phone with patients for minutes",
    ),
    (
        'T',
        "my manager asked me to get the search under one second before the winter rush",
    ),
    (
        'A',
        "I started by tracing a slow request and found that every search loaded the whole calendar of each doctor",
    ),
    (
        'A',
        "then I added an index on the clinic and the date and I rewrote the query to load one week at a time",
    ),
    (
        'A',
        "I also put a small cache in front of the doctor profiles",
    ),
    (
        'R',
        "after that the search took about three hundred milliseconds instead of eight seconds",
    ),
    (
        'R',
        "and the clinics stopped calling support about it for the rest of the winter",
    ),
];

fn spoken() -> (Vec<Word>, VoiceActivity, Vec<(char, f64, f64)>) {
    let mut t = 1.5;
    let mut words = Vec::new();
    let mut said = Vec::new();
    let mut voiced_until: Vec<(f64, f64)> = Vec::new();
    for (part, clause) in CLAUSES {
        let start = t;
        for w in clause.split_whitespace() {
            words.push(Word {
                word: w.to_string(),
                start_s: t,
                end_s: t + 0.28,
                probability: 0.9,
            });
            t += 0.33;
        }
        said.push((*part, start, t));
        voiced_until.push((start, t));
        t += 0.45;
    }
    let frame = 0.016;
    let frames = ((t + 1.0) / frame) as usize;
    let speaking = |f: usize| {
        let at = f as f64 * frame;
        voiced_until.iter().any(|&(a, b)| at >= a && at < b)
    };
    let voice = VoiceActivity {
        frame_s: frame,
        voiced: (0..frames).map(speaking).collect(),
        level: (0..frames)
            .map(|f| if speaking(f) { 0.2 } else { 0.0005 })
            .collect(),
        voice_band: Vec::new(),
    };
    (words, voice, said)
}

#[test]
fn a_full_answer_without_punctuation_is_cut_at_its_pauses_and_shows_all_four_parts() {
    let (words, voice, said) = spoken();
    let duration = voice.voiced.len() as f64 * voice.frame_s;
    let transcript = Transcript::from_words(words);
    let a = analyze(Inputs {
        duration_s: duration,
        voice: &voice,
        speech: &rehearse::audio::spans::speech_spans(&voice),
        transcript: &transcript,
        question: None,
    });
    let units = &a.star.sentences;
    // Sentence-sized units, not one 130-word "sentence".
    assert!(units.len() >= 6, "{} units: {units:#?}", units.len());
    assert!(
        units
            .iter()
            .all(|l| l.unit.end_word - l.unit.first_word <= 24)
    );
    for (part, letter) in a.star.parts().iter().zip(['S', 'T', 'A', 'R']) {
        assert_eq!(part.state, PartState::Present, "{letter}: {:#?}", a.star);
        // The part's span covers where it was said, and not far beyond.
        let (start, end) = (part.start_s.unwrap(), part.end_s.unwrap());
        let truth: Vec<&(char, f64, f64)> = said.iter().filter(|s| s.0 == letter).collect();
        let (from, to) = (truth[0].1, truth[truth.len() - 1].2);
        let overlap = (end.min(to) - start.max(from)).max(0.0);
        assert!(
            overlap >= 0.5 * (to - from),
            "{letter}: shown {start:.1}-{end:.1} s, said {from:.1}-{to:.1} s"
        );
        assert!(!part.evidence.is_empty());
    }
    let s = a.star.situation.start_s.unwrap();
    let r = a.star.result.part.start_s.unwrap();
    assert!(s < r, "the Situation was told before the Result");
}
