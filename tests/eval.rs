//! The quick accuracy check: every sixth labelled fixture (in name order, so
//! every set is in it), clean, through the whole analysis, within the 3
//! minutes CI allows it. Every fourth took 2.3 minutes with greedy decoding on
//! the slowest host of our kind seen; beam search costs about 1.5× that.
//! Fails when STAR labels fall below 90 % right, filler precision (per answer,
//! or per occurrence) below 0.85 or filler recall below 0.7 (the full table,
//! with noise and gaps, is `examples/eval.rs`).

mod common;

use common::*;
use rehearse::bank::Bank;
use rehearse::transcribe::{Whisper, WhisperOptions};

#[path = "../examples/common/eval.rs"]
mod eval;

#[test]
fn star_labels_and_filler_precision_and_recall_hold_on_the_labelled_set() {
    let mut whisper = Whisper::load(&tiny_en(), WhisperOptions::default()).unwrap();
    let bank = Bank::load(&root().join("questions")).unwrap();
    let set: Vec<_> = eval::fixtures(&root())
        .into_iter()
        .filter(|f| !eval::is_first_sight(&f.name))
        .step_by(6)
        .collect();
    assert!(set.len() >= 20, "the quick set has {} answers", set.len());
    let mut score = eval::Score::default();
    for f in &set {
        let o = eval::run(
            eval::Decode::Batch(&mut whisper),
            &bank,
            f,
            eval::Condition::Clean,
        );
        score.add(&o);
    }
    let groups = [("clean".to_string(), score.clone())].into_iter().collect();
    eprintln!("{}", eval::table(&groups));
    assert!(
        score.star_accuracy() >= 0.90,
        "STAR labels right: {:.1} %",
        100.0 * score.star_accuracy()
    );
    assert!(
        score.filler_precision() >= 0.85,
        "filler precision {:.2}",
        score.filler_precision()
    );
    assert!(
        score.filler_precision_in_place() >= 0.85,
        "filler precision per occurrence {:.2}",
        score.filler_precision_in_place()
    );
    // Whisper alone wrote 0.60 of the fillers; the hesitation bias 0.77.
    assert!(
        score.filler_recall() >= 0.70,
        "filler recall {:.2}",
        score.filler_recall()
    );
}

#[test]
fn span_overlap_counts_shared_words_of_a_part_after_aligning_misheard_words() {
    let sentences = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(t, p)| (t.to_string(), p.to_string()))
            .collect()
    };
    let labelled = sentences(&[
        ("Our search was slow.", "S"),
        ("I added a cache.", "A"),
        ("Latency fell by half.", "R"),
    ]);
    // Same sentences, one word misheard: still a perfect overlap.
    let heard = sentences(&[
        ("Our search was slow.", "S"),
        ("I added a cash.", "A"),
        ("Latency fell by half.", "R"),
    ]);
    assert_eq!(eval::span_overlap(&labelled, &heard, 'A'), Some(1.0));
    // The Result sentence also taken as Action: 4 shared words of 8.
    let greedy = sentences(&[
        ("Our search was slow.", "S"),
        ("I added a cache.", "A"),
        ("Latency fell by half.", "AR"),
    ]);
    assert_eq!(eval::span_overlap(&labelled, &greedy, 'A'), Some(0.5));
    assert_eq!(eval::span_overlap(&labelled, &greedy, 'T'), None);
}

#[test]
fn a_filler_counts_as_in_place_only_next_to_where_one_was_said() {
    use rehearse::analysis::fillers;
    use rehearse::transcribe::Word;
    let words = |text: &str| -> Vec<Word> {
        text.split_whitespace()
            .enumerate()
            .map(|(i, w)| Word {
                word: w.to_string(),
                start_s: i as f64 * 0.4,
                end_s: i as f64 * 0.4 + 0.3,
                probability: 0.9,
            })
            .collect()
    };
    let said = "I, um, fixed the bug in the parser and it worked.";
    let said_at = [1];
    let right = words("I um fixed the bug in the parser and it worked.");
    let found = fillers::fillers(&right, 1.0).occurrences;
    assert_eq!(eval::fillers_in_place(said, &said_at, &right, &found), 1);
    // Same count, wrong place: the per-answer count would call it right.
    let wrong = words("I fixed the bug in the parser and, um, it worked.");
    let found = fillers::fillers(&wrong, 1.0).occurrences;
    assert_eq!(found.len(), 1);
    assert_eq!(eval::fillers_in_place(said, &said_at, &wrong, &found), 0);
}
