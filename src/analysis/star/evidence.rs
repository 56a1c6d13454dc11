//! What a unit can never be the evidence of, whatever the classifier scores
//! it: the definitions of the parts, as rules. A hope, a plan or an
//! expectation is not a Result; a goal nobody says was the speaker's is not
//! the speaker's Task; a self-description is not a Situation. Such a unit
//! can still make its part weak (quoted, and asked for again), never
//! present: telling a candidate a part is there when it is not costs more
//! than asking for it once more. The word lists are general English, not
//! phrases from the labelled answers.

use super::cues;

/// Words that make a statement a hope, a plan or an expectation.
const HEDGES: &[&str] = &[
    "hope",
    "hopes",
    "hoping",
    "hoped",
    "hopefully",
    "will",
    "i'll",
    "we'll",
    "it'll",
    "that'll",
    "they'll",
    "gonna",
    "should",
    "might",
    "intend",
    "intends",
    "expect",
    "expecting",
];

/// Two-word forms of the same.
const HEDGE_PHRASES: &[&str] = &[
    "going to",
    "plan to",
    "plans to",
    "planned to",
    "planned for",
    "is planned",
    "are planned",
    "planning to",
    "planning on",
];

/// Words that name a goal.
const GOALS: &[&str] = &[
    "goal",
    "goals",
    "aim",
    "objective",
    "objectives",
    "target",
    "mandate",
    "priority",
];

/// The speaker, singular.
const SPEAKER: &[&str] = &["i", "me", "my", "i'm", "i've", "myself", "mine"];

/// How a self-description opens: who the speaker is, not what happened.
const SELF_DESCRIPTIONS: &[&str] = &[
    "i'm a",
    "i'm an",
    "i am a",
    "i am an",
    "i've been",
    "i have been",
    "i've spent",
    "i have spent",
    "i've worked",
    "i have worked",
    "i work as",
    "i tend to",
    "i care",
    "i love",
    "i enjoy",
];

/// Words that place a unit in one episode rather than in a career.
const EPISODE: &[&str] = &[
    "was", "were", "had", "when", "ago", "last", "once", "day", "night", "morning", "week",
];

/// Openers said before the sentence proper.
const OPENERS: &[&str] = &["so", "well", "okay", "ok", "yeah", "right", "and", "but"];

/// A hope, a plan or an expectation: "we hope it will", "the cut-over is
/// planned for next month". A change measured at both ends ("went from
/// forty minutes to four") is an outcome even beside one of those words
/// (whisper hears "now" as "I'll").
pub fn is_hedged(tokens: &[String]) -> bool {
    (tokens.iter().any(|t| HEDGES.contains(&t.as_str()))
        || cues::phrases_in(tokens, HEDGE_PHRASES) > 0)
        && !cues::from_to(tokens)
}

/// A goal with no "I" in it: the team's or the company's, not said to be
/// the speaker's to deliver.
pub fn is_someone_elses_goal(tokens: &[String]) -> bool {
    tokens.iter().any(|t| GOALS.contains(&t.as_str()))
        && !tokens.iter().any(|t| SPEAKER.contains(&t.as_str()))
}

/// "I'm a backend engineer", "I've spent nine years in…": who the speaker
/// is, with nothing of one episode in it.
pub fn is_self_description(tokens: &[String]) -> bool {
    let start = tokens
        .iter()
        .position(|t| !OPENERS.contains(&t.as_str()))
        .unwrap_or(tokens.len());
    let rest = &tokens[start..];
    SELF_DESCRIPTIONS.iter().any(|p| {
        let p: Vec<&str> = p.split(' ').collect();
        rest.len() >= p.len() && rest.iter().zip(&p).all(|(a, b)| a == b)
    }) && !rest.iter().any(|t| EPISODE.contains(&t.as_str()))
}

/// Whether a unit with this text may be the evidence that makes each part
/// (Situation, Task, Action, Result) present.
pub fn allowed(text: &str) -> [bool; 4] {
    let tokens = cues::tokens(text);
    [
        !is_self_description(&tokens),
        !is_someone_elses_goal(&tokens),
        true,
        !is_hedged(&tokens),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: usize = 0;
    const T: usize = 1;
    const R: usize = 3;

    #[test]
    fn a_hope_or_a_plan_is_no_result() {
        assert!(!allowed("We're hoping that will let us drop the batch.")[R]);
        assert!(!allowed("The cut-over is planned for next month.")[R]);
        assert!(!allowed("We are going to roll it out to every site.")[R]);
        assert!(allowed("The job now finishes in fifteen minutes.")[R]);
        assert!(allowed("It finished two weeks ahead of plan.")[R]);
        assert!(allowed("They used my dashboard in their sprint planning.")[R]);
        assert!(allowed("It went from forty minutes to four, and I'll never go back.")[R]);
        assert!(allowed("When the auditor came next year, there were no findings.")[R]);
    }

    #[test]
    fn the_teams_goal_is_no_task_unless_the_speaker_owns_it() {
        assert!(!allowed("The data team's goal that quarter was to finish in two hours.")[T]);
        assert!(allowed("My goal was to finish in two hours.")[T]);
        assert!(allowed("The goal was set, and I had to deliver it by March.")[T]);
    }

    #[test]
    fn a_self_description_is_no_situation() {
        assert!(!allowed("So, I'm a backend engineer.")[S]);
        assert!(!allowed("I've spent about nine years in healthcare software.")[S]);
        assert!(allowed("I've been at a bank where the ledger job was failing every night.")[S]);
        assert!(allowed("At a grocery chain the nightly job ran past six.")[S]);
    }

    #[test]
    fn every_unit_may_show_an_action() {
        assert!(allowed("We hope so.")[2]);
    }
}
