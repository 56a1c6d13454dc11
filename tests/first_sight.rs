//! STAR on first sight, in the fast tier: the 128 first-sight answers (written
//! without reading the detector, never trained on) analysed from the whisper
//! transcripts kept in `tests/fixtures/transcripts/` (written by
//! `EVAL_TRANSCRIPTS=tests/fixtures/transcripts cargo run --release --example
//! eval -- --clean --noise --sets firstsight1,firstsight2,firstsight3,firstsight4`, and
//! `firstsight5,firstsight6` and `firstsight7,firstsight8` for the third and
//! fourth rounds),
//! with the voice activity of the audio itself. A change to the analysis that
//! loses ground on answers it never saw fails here in seconds; whisper's own
//! accuracy is held by `tests/eval.rs` and `tests/analyze.rs`.

#[path = "../examples/common/eval.rs"]
mod eval;

use rehearse::bank::Bank;

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Scores one first-sight round under one condition from the kept transcripts.
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

/// Floors, not the targets: on the second round the detector as it ships calls
/// 18 of 22 truly missing parts missing and finds 101 of 106 present ones
/// clean, 17 and 98 at 15 dB (EVALUATION.md reports the targets of 90 % and
/// 95 % as not met). One part of slack each.
#[test]
fn the_second_first_sight_round_holds_its_floors() {
    let round = ["firstsight3-", "firstsight4-"];
    for (condition, missing_floor, present_floor) in [
        (eval::Condition::Clean, 17, 100),
        (eval::Condition::Noise(15), 16, 97),
    ] {
        let s = score(&round, condition);
        assert_eq!(s.answers, 32, "{condition:?}");
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
            s.absent_called_missing >= missing_floor,
            "{}: missing parts called missing {}/{}",
            condition.name(),
            s.absent_called_missing,
            s.absent
        );
        assert!(
            s.present_found >= present_floor,
            "{}: present parts found {}/{}",
            condition.name(),
            s.present_found,
            s.present
        );
    }
}

/// The older round (scored before and after the detector was rebuilt) on the
/// shipped detector: 18/23 and 100/105 clean, 17/23 and 96/105 at 15 dB.
#[test]
fn the_first_first_sight_round_holds_its_floors() {
    let round = ["firstsight1-", "firstsight2-"];
    for (condition, missing_floor, present_floor) in [
        (eval::Condition::Clean, 17, 99),
        (eval::Condition::Noise(15), 16, 95),
    ] {
        let s = score(&round, condition);
        assert_eq!(s.answers, 32);
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

/// The third round (2026-12-04), scored once on the detector as it ships
/// (ba7af40), which had never seen it: 20/25 missing parts called missing and
/// 98/103 present parts found clean, 23/25 and 95/103 at 15 dB. One part of
/// slack each.
#[test]
fn the_third_first_sight_round_holds_its_floors() {
    let round = ["firstsight5-", "firstsight6-"];
    for (condition, missing_floor, present_floor) in [
        (eval::Condition::Clean, 19, 97),
        (eval::Condition::Noise(15), 22, 94),
    ] {
        let s = score(&round, condition);
        assert_eq!(s.answers, 32, "{condition:?}");
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

/// The fourth round (2026-12-05), written to a guide heavier in traps (a
/// self-introduction for a Situation, the team's goal for a Task, a
/// colleague's work for an Action, a plan or a hope for a Result), scored once
/// on the shipped detector (ba7af40): 16/24 missing parts called missing and
/// 101/104 present parts found clean, 16/24 and 100/104 at 15 dB. One part of
/// slack each.
#[test]
fn the_fourth_first_sight_round_holds_its_floors() {
    let round = ["firstsight7-", "firstsight8-"];
    for (condition, missing_floor, present_floor) in [
        (eval::Condition::Clean, 15, 100),
        (eval::Condition::Noise(15), 15, 99),
    ] {
        let s = score(&round, condition);
        assert_eq!(s.answers, 32, "{condition:?}");
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
