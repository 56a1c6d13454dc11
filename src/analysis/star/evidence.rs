//! The definitions of the parts, as rules on a unit's words, whatever the
//! classifier scores it.
//!
//! What a unit can never be the evidence of: a hope, a plan, an expectation,
//! a purpose or the next step of the work is not a Result; a goal nobody
//! says was the speaker's is not the speaker's Task; someone else's work,
//! with neither the speaker nor their team in it, is not the speaker's
//! Action; a self-description or a statement of how the speaker usually
//! works is not a Situation. Such a unit can still make its part
//! weak (quoted, and asked for again), never present: telling a candidate a
//! part is there when it is not costs more than asking for it once more.
//!
//! What a unit always is: the speaker saying what they were responsible for
//! ("I promised the clinic an answer by Friday", "my bar was…", "I owned
//! that job") tells the Task, by its definition, however rarely the
//! classifier has seen the words.
//!
//! The word lists are general English, not phrases from the labelled
//! answers.

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
    "idea is",
    "meant to",
    "designed to",
    "supposed to",
    "intended to",
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
    "i'm someone",
    "i am someone",
    "i'm the kind",
    "i'm the type",
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

/// Words that make a statement about how the speaker usually works.
const HABITS: &[&str] = &[
    "always",
    "usually",
    "generally",
    "typically",
    "normally",
    "tend",
    "tends",
    "whenever",
];

/// Phrases that do the same.
const HABIT_PHRASES: &[&str] = &[
    "in my world",
    "in my experience",
    "my default",
    "my rule",
    "as a rule",
];

/// Words ending in "ed" that are not verbs in the past.
const NOT_PAST: &[&str] = &[
    "need", "indeed", "speed", "based", "embed", "proceed", "succeed", "exceed", "feed", "seed",
    "hundred", "shed",
];

/// The speaker or a team the speaker is in.
const FIRST_PERSON: &[&str] = &[
    "i",
    "i'm",
    "i've",
    "i'll",
    "me",
    "my",
    "myself",
    "mine",
    "we",
    "we're",
    "we've",
    "we'll",
    "our",
    "us",
    "ours",
    "ourselves",
];

/// Someone else who may have done the work.
const SOMEONE_ELSE: &[&str] = &[
    "he",
    "she",
    "his",
    "her",
    "him",
    "colleague",
    "colleagues",
    "teammate",
    "teammates",
    "contractor",
    "contractors",
    "manager",
    "lead",
    "architect",
    "consultant",
    "vendor",
];

/// How the next step of the work is introduced.
const NEXT_STEP: &[&str] = &[
    "finally",
    "lastly",
    "then",
    "afterwards",
    "after that",
    "after this",
    "at the end",
];

/// Words of an outcome that [`cues::names_a_change`] does not cover.
const OUTCOME_WORDS: &[&str] = &[
    "never", "anymore", "no", "longer", "since", "result", "outcome", "thanks", "happy", "praised",
    "thanked", "won", "passed", "without",
];

/// How the speaker says a responsibility was theirs (with "I", "me" or
/// "my" in the unit).
const OWN_TASK_PHRASES: &[&str] = &[
    "i promised",
    "promise i",
    "my promise",
    "i had promised",
    "my bar",
    "the bar i",
    "i owned",
    "i own the",
    "i was responsible",
    "my responsibility",
    "on me to",
    "fell to me",
    "up to me",
    "i committed",
    "i signed up",
    "signed up for",
    "constraint i",
    "my constraint",
    "on the hook",
    "i was accountable",
    "i was asked to",
    "i was tasked",
    "i was in charge",
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
    let rest = after_openers(tokens);
    SELF_DESCRIPTIONS
        .iter()
        .any(|p| after_phrase(rest, p).is_some())
        && !rest.iter().any(|t| EPISODE.contains(&t.as_str()))
}

/// The unit from its first word that is not an opener ("so", "well"…).
fn after_openers(tokens: &[String]) -> &[String] {
    let start = tokens
        .iter()
        .position(|t| !OPENERS.contains(&t.as_str()))
        .unwrap_or(tokens.len());
    &tokens[start..]
}

/// What follows `phrase` when `tokens` open with it.
fn after_phrase<'t>(tokens: &'t [String], phrase: &str) -> Option<&'t [String]> {
    let words: Vec<&str> = phrase.split(' ').collect();
    (tokens.len() >= words.len() && tokens.iter().zip(&words).all(|(a, b)| a == b))
        .then(|| &tokens[words.len()..])
}

/// "In my experience it rarely does", "I always reproduce it first": how
/// the speaker usually works, with nothing of one episode in it (no word
/// of [`EPISODE`], no verb in the past).
pub fn is_habit(tokens: &[String]) -> bool {
    (tokens.iter().any(|t| HABITS.contains(&t.as_str()))
        || cues::phrases_in(tokens, HABIT_PHRASES) > 0)
        && !tokens.iter().any(|t| EPISODE.contains(&t.as_str()))
        && !tokens.iter().any(|t| is_past(t))
}

/// A word that looks like a verb in the past ("shipped", "took").
fn is_past(token: &str) -> bool {
    cues::is_past_tense(token) && !NOT_PAST.contains(&token)
}

/// "He spent two days with the logs": someone else's work, with neither the
/// speaker nor the speaker's team in the unit.
pub fn is_someone_elses_work(tokens: &[String]) -> bool {
    !tokens.iter().any(|t| FIRST_PERSON.contains(&t.as_str()))
        && tokens.iter().any(|t| SOMEONE_ELSE.contains(&t.as_str()))
}

/// "Finally, I documented the procedure and sent it to the board": the next
/// step of the work, told as the last thing said, with no change and no
/// outcome in it.
pub fn is_last_step(tokens: &[String]) -> bool {
    let rest = after_openers(tokens);
    let steps_on = NEXT_STEP.iter().any(|step| {
        after_phrase(rest, step)
            .is_some_and(|next| next.iter().take(2).any(|t| t == "i" || t == "we"))
    });
    steps_on
        && !cues::names_a_change(tokens)
        && !tokens.iter().any(|t| OUTCOME_WORDS.contains(&t.as_str()))
}

/// "I promised the office manager an answer by Friday", "my bar was that no
/// record leaves unencrypted", "I was the backend owner": a responsibility
/// the speaker says was theirs.
pub fn is_own_task(tokens: &[String]) -> bool {
    if !tokens.iter().any(|t| SPEAKER.contains(&t.as_str())) {
        return false;
    }
    cues::phrases_in(tokens, OWN_TASK_PHRASES) > 0
        || tokens.windows(2).enumerate().any(|(i, w)| {
            w[0] == "i" && w[1] == "was" && tokens[i + 2..].iter().take(5).any(|t| t == "owner")
        })
}

/// Whether a unit with this text tells each part (Situation, Task, Action,
/// Result) by the part's definition, whatever the classifier scores it.
pub fn vouched(text: &str) -> [bool; 4] {
    let tokens = cues::tokens(text);
    [false, is_own_task(&tokens), false, false]
}

/// Whether a unit with this text may be the evidence that makes each part
/// (Situation, Task, Action, Result) present.
pub fn allowed(text: &str) -> [bool; 4] {
    let tokens = cues::tokens(text);
    [
        !is_self_description(&tokens) && !is_habit(&tokens),
        !is_someone_elses_goal(&tokens),
        !is_someone_elses_work(&tokens),
        !is_hedged(&tokens) && !is_last_step(&tokens),
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
    fn a_purpose_is_no_result() {
        assert!(!allowed("The idea is that it keeps that partner from knocking us over.")[R]);
        assert!(!allowed("It was meant to stop the duplicate orders.")[R]);
        assert!(allowed("It stopped the duplicate orders for good.")[R]);
    }

    #[test]
    fn how_the_speaker_usually_works_is_no_situation() {
        assert!(!allowed("In my world requirements are always fuzzy.")[S]);
        assert!(!allowed("I always reproduce a bug before I fix it.")[S]);
        assert!(!allowed("In my experience it rarely does.")[S]);
        assert!(allowed("Usually the job ran fine, but one night it stopped at two.")[S]);
        assert!(allowed("We always deployed on Fridays, and a release broke checkout.")[S]);
    }

    #[test]
    fn a_responsibility_the_speaker_owned_is_the_task() {
        let own = |t: &str| vouched(t)[T];
        assert!(own(
            "I promised the office manager an answer by the end of that week."
        ));
        assert!(own(
            "The promise I made to the care managers was that nothing would fail."
        ));
        assert!(own(
            "My bar was that no health data could show up unencrypted."
        ));
        assert!(own("I owned that job, so I profiled it."));
        assert!(own("I was the backend owner for patient records."));
        assert!(own(
            "The constraint I had signed up for was that no card number left the vault."
        ));
        assert!(!own("The product owner asked me to look at it."));
        assert!(!own("The team promised the client a fix by Friday."));
        assert!(!own("I profiled the job and found the slow query."));
        assert_eq!(
            vouched("I promised them an answer."),
            [false, true, false, false]
        );
    }

    const A: usize = 2;

    #[test]
    fn a_colleagues_work_is_no_action_of_the_speakers() {
        assert!(!allowed("He spent two days with the logs and found the clock drift.")[A]);
        assert!(allowed("My colleague and I rewrote the lock.")[A]);
        assert!(!allowed("The contractor wrote the charts.")[A]);
        assert!(allowed("We paired, and I wrote the migration.")[A]);
        assert!(allowed("Then failed sends went to a dead letter queue.")[A]);
        assert!(allowed("We hope so.")[A]);
    }

    #[test]
    fn the_next_step_is_no_result() {
        assert!(!allowed("Finally, I documented the procedure and sent it to the board.")[R]);
        assert!(!allowed("After that, I handed the incident to the next shift.")[R]);
        assert!(allowed("Finally, we cut the bill by a third.")[R]);
        assert!(allowed("After that, we never had a double booking again.")[R]);
        assert!(allowed("In the end the architect changed his mind.")[R]);
    }
}
