//! STAR on first sight, in the fast tier: the 320 first-sight answers (written
//! without reading the detector, never trained on) analysed from the whisper
//! transcripts kept in `tests/fixtures/transcripts/` (written by
//! `EVAL_TRANSCRIPTS=tests/fixtures/transcripts cargo run --release --example
//! eval -- --clean --noise --sets firstsight1,firstsight2,firstsight3,firstsight4`, and
//! `firstsight5,firstsight6` and `firstsight7,firstsight8` with tiny.en f16;
//! `firstsight9` to `firstsight16` with
//! `models/ggml-tiny.en-q8_0.bin`, the default),
//! with the voice activity of the audio itself. A change to the analysis that
//! loses ground on answers it never saw fails here in seconds; whisper's own
//! accuracy is held by `tests/eval.rs` and `tests/analyze.rs`.

#[path = "../examples/common/eval.rs"]
mod eval;

use rehearse::bank::Bank;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Scores one pair of first-sight sets under one condition from the kept transcripts.
fn score(prefixes: &[&str], condition: eval::Condition) -> eval::Score {
    let kept = root().join("tests/fixtures/transcripts");
    let bank = Bank::load(&root().join("questions")).unwrap();
    let mut score = eval::Score::default();
    for f in eval::fixtures(&root())
        .iter()
        .filter(|f| prefixes.iter().any(|p| f.name.starts_with(p)))
    {
        let o = eval::run(eval::Decode::Kept(&kept), &bank, f, condition);
        score.add(&o);
    }
    score
}

/// Scores the `sets` (`answers` answers in all) clean and at 15 dB and fails
/// below either floor: `(missing parts called missing, present parts found)`
/// per condition.
fn holds_floors(sets: &[&str], answers: usize, clean: (usize, usize), noisy: (usize, usize)) {
    for (condition, (missing_floor, present_floor)) in [
        (eval::Condition::Clean, clean),
        (eval::Condition::Noise(15), noisy),
    ] {
        let s = score(sets, condition);
        assert_eq!(s.answers, answers, "{condition:?}");
        eprintln!(
            "{}: missing parts called missing {}/{}, present parts found {}/{}, labels {}/{}",
            condition.name(),
            s.absent_called_missing,
            s.absent,
            s.present_found,
            s.present,
            s.labels_right,
            s.labels
        );
        assert!(
            s.absent_called_missing >= missing_floor && s.present_found >= present_floor,
            "{}: missing parts called missing {}/{}, present parts found {}/{}",
            condition.name(),
            s.absent_called_missing,
            s.absent,
            s.present_found,
            s.present
        );
    }
}

/// Floors, not the targets (EVALUATION.md reports the targets of 90 % and
/// 95 % as not met): each today's score less one part. Since 2026-12-06 a
/// part is shown present only well above the threshold the training folds
/// chose (`BLIND_MARGIN` in `scripts/train-star`), and never on a unit the
/// definitions rule out (`src/analysis/star/evidence.rs`: a hope for a
/// Result, someone else's goal for a Task, a self-description for a
/// Situation); that called more missing parts missing and found fewer
/// present ones on every pair, and the floors moved with it, both ways.
///
/// firstsight3–4: 20/22 missing parts called missing and 100/106 present
/// parts found clean, 22/22 and 95/106 at 15 dB (before the margin, 19/22 and
/// 102/106, 18/22 and 99/106).
#[test]
fn firstsight3_and_4_hold_their_floors() {
    holds_floors(&["firstsight3-", "firstsight4-"], 32, (19, 99), (21, 94));
}

/// firstsight1–2 (scored before and after the detector was rebuilt): 20/23
/// and 98/105 clean, 19/23 and 91/105 at 15 dB (before the margin, 17/23 and
/// 101/105, 16/23 and 93/105).
#[test]
fn firstsight1_and_2_hold_their_floors() {
    holds_floors(&["firstsight1-", "firstsight2-"], 32, (19, 97), (18, 90));
}

/// firstsight5–6 (2026-12-04): 21/25 and 96/103 clean, 24/25 and 93/103 at
/// 15 dB (before the margin, 20/25 and 98/103, 23/25 and 97/103).
#[test]
fn firstsight5_and_6_hold_their_floors() {
    holds_floors(&["firstsight5-", "firstsight6-"], 32, (20, 95), (23, 92));
}

/// firstsight7–8 (2026-12-05), written to a guide heavier in traps (a
/// self-introduction for a Situation, the team's goal for a Task, a
/// colleague's work for an Action, a plan or a hope for a Result): 24/24 and
/// 101/104 clean, 23/24 and 99/104 at 15 dB (before the margin, 22/24 and
/// 103/104, 17/24 and 100/104).
#[test]
fn firstsight7_and_8_hold_their_floors() {
    holds_floors(&["firstsight7-", "firstsight8-"], 32, (23, 100), (22, 98));
}

/// firstsight9–10 (2026-12-06, 48 answers, transcribed with tiny.en q8_0),
/// scored once on the detector before the margin: 19/30 missing parts called
/// missing and 155/162 present parts found clean, 19/30 and 149/162 at 15 dB;
/// with the margin, 19/30 and 153/162, 23/30 and 146/162 (firstsight10 was
/// the set the margin was claimed on, EVALUATION.md); with the rules too,
/// which were written after reading these answers' misses, 25/30 and
/// 153/162, 27/30 and 146/162.
#[test]
fn firstsight9_and_10_hold_their_floors() {
    holds_floors(&["firstsight9-", "firstsight10-"], 48, (24, 152), (26, 145));
}

/// firstsight11–12 (2026-12-06, 48 answers, tiny.en q8_0), the sets the
/// blind margin and the evidence rules are claimed on, scored once before
/// (e845947: 26/35 missing parts called missing and 150/157 present parts
/// found clean, 24/35 and 141/157 at 15 dB) and once after (29/35 and
/// 146/157, 29/35 and 141/157).
#[test]
fn firstsight11_and_12_hold_their_floors() {
    holds_floors(
        &["firstsight11-", "firstsight12-"],
        48,
        (28, 145),
        (28, 140),
    );
}

/// firstsight13–14 (2026-12-06, 48 answers, tiny.en q8_0), scored once on
/// 0c1590a (27/33 missing parts called missing and 146/159 present parts
/// found clean, 29/33 and 133/159 at 15 dB). firstsight13 was then read
/// to write the habit, purpose and own-task rules of
/// `src/analysis/star/evidence.rs`; firstsight14, scored once after them, did
/// not move (13/17 and 71/79 clean, 15/17 and 69/79 at 15 dB). Both, with
/// the rules: 29/33 and 148/159 clean, 29/33 and 137/159 at 15 dB.
#[test]
fn firstsight13_and_14_hold_their_floors() {
    holds_floors(
        &["firstsight13-", "firstsight14-"],
        48,
        (28, 147),
        (28, 136),
    );
}

/// firstsight15–16 (2026-12-06, 48 answers, tiny.en q8_0), written while
/// the firstsight14 rules were made and scored once on either side of them
/// (457d164 and 8525866, the same on both): 31/34 missing parts called
/// missing and 154/158 present parts found clean, 31/34 and 148/158 at
/// 15 dB.
#[test]
fn firstsight15_and_16_hold_their_floors() {
    holds_floors(
        &["firstsight15-", "firstsight16-"],
        48,
        (30, 153),
        (30, 147),
    );
}
