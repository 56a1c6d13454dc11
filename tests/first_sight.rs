//! STAR on first sight, in the fast tier: the 128 first-sight answers (written
//! without reading the detector, never trained on) analysed from the whisper
//! transcripts kept in `tests/fixtures/transcripts/` (written by
//! `EVAL_TRANSCRIPTS=tests/fixtures/transcripts cargo run --release --example
//! eval -- --clean --noise --sets firstsight1,firstsight2,firstsight3,firstsight4`, and
//! `firstsight5,firstsight6` and `firstsight7,firstsight8`),
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

/// Scores the `sets` clean and at 15 dB and fails below either floor:
/// `(missing parts called missing, present parts found)` per condition.
fn holds_floors(sets: &[&str], clean: (usize, usize), noisy: (usize, usize)) {
    for (condition, (missing_floor, present_floor)) in [
        (eval::Condition::Clean, clean),
        (eval::Condition::Noise(15), noisy),
    ] {
        let s = score(sets, condition);
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
/// 95 % as not met), each today's score less one part. On firstsight3–4
/// the detector as it ships (retrained with train1–14) calls 19 of 22 truly
/// missing parts missing and finds 102 of 106 present ones clean, 18 and 99
/// at 15 dB (ba7af40: 18 and 101, 17 and 98).
#[test]
fn firstsight3_and_4_hold_their_floors() {
    holds_floors(&["firstsight3-", "firstsight4-"], (18, 101), (17, 98));
}

/// firstsight1–2 (scored before and after the detector was rebuilt): 17/23
/// and 101/105 clean, 16/23 and 93/105 at 15 dB as it ships (ba7af40: 18/23
/// and 100/105, 17/23 and 96/105). The floors stay where ba7af40 set them but
/// for present parts at 15 dB, the one figure the retrained detector lost
/// (3 parts, called weak or missing instead), while it gained on every other
/// pair of sets and in total (EVALUATION.md): that floor is today's less one.
#[test]
fn firstsight1_and_2_hold_their_floors() {
    holds_floors(&["firstsight1-", "firstsight2-"], (17, 100), (16, 92));
}

/// firstsight5–6 (2026-12-04), scored first on ba7af40, which had never
/// seen it: 20/25 missing parts called missing and 98/103 present parts found
/// clean, 23/25 and 95/103 at 15 dB; as it ships, 20/25 and 98/103, 23/25 and
/// 97/103. One part of slack each.
#[test]
fn firstsight5_and_6_hold_their_floors() {
    holds_floors(&["firstsight5-", "firstsight6-"], (19, 97), (22, 96));
}

/// firstsight7–8 (2026-12-05), written to a guide heavier in traps (a
/// self-introduction for a Situation, the team's goal for a Task, a
/// colleague's work for an Action, a plan or a hope for a Result), scored
/// before the detector was retrained (ba7af40): 16/24 missing parts called
/// missing and 101/104 present parts found clean, 16/24 and 100/104 at 15 dB;
/// after (train1–14), 22/24 and 103/104, 17/24 and 100/104. One part of
/// slack each.
#[test]
fn firstsight7_and_8_hold_their_floors() {
    holds_floors(&["firstsight7-", "firstsight8-"], (21, 102), (16, 99));
}
