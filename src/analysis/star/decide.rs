//! From the classifier's probabilities to what the report says: each part
//! present, weak or missing, its evidence units, when it was said and how
//! much of the answer it took, who acted, and whether the result is
//! measured.

use super::model::Thresholds;
use super::{ActionPart, Labelled, Part, PartState, ResultPart, Star, Unit};
use super::{cues, evidence};

/// Once a part is present, a unit at this probability or above shows it
/// too, even under the (stricter) threshold that made the part present.
const MORE_EVIDENCE_FROM: f64 = 0.5;

/// No part shown: the units alone (a broken build without weights).
pub(super) fn nothing_shown(units: Vec<Unit>) -> Star {
    Star {
        sentences: units
            .into_iter()
            .map(|unit| Labelled {
                unit,
                parts: Vec::new(),
                weak: Vec::new(),
            })
            .collect(),
        ..Star::default()
    }
}

/// Decides every part from the units' probabilities (S, T, A, R).
pub(super) fn decide(units: Vec<Unit>, probabilities: &[[f64; 4]], th: &Thresholds) -> Star {
    let mut labelled: Vec<Labelled> = units
        .into_iter()
        .map(|unit| Labelled {
            unit,
            parts: Vec::new(),
            weak: Vec::new(),
        })
        .collect();
    // A unit the definitions rule out for a part (a hope for a Result, say)
    // can make it weak, never present.
    let allowed: Vec<[bool; 4]> = labelled
        .iter()
        .map(|l| evidence::allowed(&l.unit.text))
        .collect();
    // A unit that tells a part by its definition ("I promised them an
    // answer by Friday" for the Task) shows it, however it scores.
    let vouched: Vec<[bool; 4]> = labelled
        .iter()
        .map(|l| evidence::vouched(&l.unit.text))
        .collect();
    let mut states = [PartState::Missing; 4];
    for (k, (letter, _)) in super::PARTS.iter().enumerate() {
        // The unit that scores highest for the part, among those `admit`ted.
        let strongest = |admit: &dyn Fn(usize) -> bool| {
            (0..labelled.len())
                .filter(|&i| admit(i))
                .max_by(|&a, &b| probabilities[a][k].total_cmp(&probabilities[b][k]))
        };
        let shows = |i: usize| allowed[i][k];
        let vouches = |i: usize| vouched[i][k] && shows(i);
        if strongest(&shows).is_some_and(|i| probabilities[i][k] >= th.present[k])
            || (0..labelled.len()).any(vouches)
        {
            states[k] = PartState::Present;
            let from = th.present[k].min(MORE_EVIDENCE_FROM);
            for (i, (l, p)) in labelled.iter_mut().zip(probabilities).enumerate() {
                if (p[k] >= from && shows(i)) || vouches(i) {
                    l.parts.push(*letter);
                }
            }
        } else if let Some(top) =
            strongest(&|_| true).filter(|&i| probabilities[i][k] >= th.weak[k])
        {
            states[k] = PartState::Weak;
            labelled[top].weak.push(*letter);
        }
    }
    let total: f64 = labelled.iter().map(|l| l.unit.end_s - l.unit.start_s).sum();
    let part = |k: usize, letter: char| -> Part {
        let state = states[k];
        let chosen: Vec<&Unit> = labelled
            .iter()
            .filter(|l| match state {
                PartState::Present => l.parts.contains(&letter),
                PartState::Weak => l.weak.contains(&letter),
                PartState::Missing => false,
            })
            .map(|l| &l.unit)
            .collect();
        let time: f64 = chosen.iter().map(|u| u.end_s - u.start_s).sum();
        Part {
            present: state == PartState::Present,
            state,
            evidence: chosen.iter().map(|u| u.text.clone()).collect(),
            start_s: chosen.iter().map(|u| u.start_s).reduce(f64::min),
            end_s: chosen.iter().map(|u| u.end_s).reduce(f64::max),
            share: if total > 0.0 && !chosen.is_empty() {
                time / total
            } else {
                0.0
            },
        }
    };
    let situation = part(0, 'S');
    let task = part(1, 'T');
    let action = part(2, 'A');
    let result = part(3, 'R');
    // Who did the work: "I" and "we" in the units that tell the actions.
    let (mut i_count, mut we_count) = (0, 0);
    for l in labelled.iter().filter(|l| l.parts.contains(&'A')) {
        let tokens = cues::tokens(&l.unit.text);
        i_count += tokens.iter().filter(|t| *t == "i").count();
        we_count += tokens.iter().filter(|t| *t == "we").count();
    }
    let quantified = result.evidence.iter().any(|e| cues::is_quantified(e));
    Star {
        situation,
        task,
        action: ActionPart {
            part: action,
            i_count,
            we_count,
        },
        result: ResultPart {
            part: result,
            quantified,
        },
        sentences: labelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(text: &str, start_s: f64) -> Unit {
        Unit {
            text: text.to_string(),
            start_s,
            end_s: start_s + 2.0,
            first_word: 0,
            end_word: 0,
        }
    }

    fn thresholds() -> Thresholds {
        Thresholds {
            present: [0.7; 4],
            weak: [0.4; 4],
        }
    }

    #[test]
    fn a_confident_unit_makes_a_part_present_and_others_at_half_add_to_it() {
        let units = vec![
            unit("Our checkout kept timing out.", 0.0),
            unit("I added a cache.", 2.0),
            unit("I rewrote the slow query.", 4.0),
        ];
        let p = [
            [0.9, 0.1, 0.1, 0.0],
            [0.1, 0.1, 0.8, 0.1],
            [0.1, 0.1, 0.55, 0.1],
        ];
        let s = decide(units, &p, &thresholds());
        assert_eq!(s.situation.state, PartState::Present);
        assert_eq!(s.action.part.evidence.len(), 2);
        assert_eq!(s.action.i_count, 2);
        assert_eq!(s.task.state, PartState::Missing);
        assert!(s.task.evidence.is_empty());
        assert_eq!(s.letters(), "S-A-");
    }

    #[test]
    fn a_doubtful_unit_makes_a_part_weak_with_that_unit_as_evidence() {
        let units = vec![
            unit("I rolled it out.", 0.0),
            unit("We hope it pays off.", 2.0),
        ];
        let p = [[0.0, 0.0, 0.9, 0.2], [0.0, 0.0, 0.1, 0.5]];
        let s = decide(units, &p, &thresholds());
        assert_eq!(s.result.part.state, PartState::Weak);
        assert!(!s.result.part.present);
        assert_eq!(s.result.part.evidence, ["We hope it pays off."]);
        assert_eq!(s.sentences[1].weak, ['R']);
        assert!(s.sentences[1].parts.is_empty());
        assert_eq!(s.letters(), "--A-");
    }

    #[test]
    fn a_unit_that_tells_the_task_by_its_definition_makes_it_present() {
        let units = vec![
            unit("At a clinic the reminders went out twice.", 0.0),
            unit("I promised the office manager an answer by Friday.", 2.0),
        ];
        let p = [[0.9, 0.0, 0.1, 0.0], [0.1, 0.05, 0.3, 0.0]];
        let s = decide(units, &p, &thresholds());
        assert_eq!(s.task.state, PartState::Present);
        assert_eq!(
            s.task.evidence,
            ["I promised the office manager an answer by Friday."]
        );
        assert_eq!(s.letters(), "ST--");
    }

    #[test]
    fn no_units_show_nothing() {
        let s = decide(Vec::new(), &[], &thresholds());
        assert_eq!(s.letters(), "----");
        assert_eq!(s.parts_present(), 0);
    }
}
