//! The quick accuracy check: every labelled fixture, clean, through the whole
//! analysis. Fails when STAR labels fall below 90 % right or filler precision
//! below 0.85 (the full table, with noise and gaps, is `examples/eval.rs`).

mod common;

use common::*;
use rehearse::bank::Bank;
use rehearse::transcribe::{Whisper, WhisperOptions};

#[path = "../examples/common/eval.rs"]
mod eval;

#[test]
fn star_labels_and_filler_precision_hold_on_the_labelled_set() {
    let mut whisper = Whisper::load(&tiny_en(), WhisperOptions::default()).unwrap();
    let bank = Bank::builtin().unwrap();
    let set = eval::fixtures(&root());
    assert!(
        set.len() >= 30,
        "the labelled set has {} answers",
        set.len()
    );
    let mut score = eval::Score::default();
    for f in &set {
        let o = eval::run(&mut whisper, &bank, f, eval::Condition::Clean);
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
}
