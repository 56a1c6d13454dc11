//! Question banks: TOML files of interview questions, validated with
//! `file:line:col` errors. The backend-engineer bank is built in, so the
//! program works from any folder.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The built-in bank's file name, as shown in messages.
pub const BUILTIN_NAME: &str = "questions/backend-engineer.toml";
/// The built-in bank.
pub const BUILTIN: &str = include_str!("../../questions/backend-engineer.toml");
/// Largest bank file read.
pub const MAX_BANK_BYTES: u64 = 4 * 1024 * 1024;

/// Errors reading banks, each pointing at the place to fix.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    /// The file or folder cannot be read.
    #[error("cannot read bank {}: {err}", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// The OS error.
        err: std::io::Error,
    },
    /// A problem at a place in a file.
    #[error("{file}:{line}:{col}: {message}")]
    At {
        /// File name as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A folder without banks.
    #[error("{} holds no .toml question banks", path.display())]
    NoBanks {
        /// The folder.
        path: PathBuf,
    },
    /// A bank file too large to be a question bank.
    #[error("{} is {size} bytes; a question bank is at most {MAX_BANK_BYTES} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
    },
    /// A file in a bank folder that is really somewhere else (a symlink out).
    #[error("{} points outside the bank folder {}; copy the bank into the folder instead of linking it", path.display(), folder.display())]
    OutsideFolder {
        /// The entry in the folder.
        path: PathBuf,
        /// The bank folder.
        folder: PathBuf,
    },
    /// An id that no bank holds.
    #[error("no question with id `{id}`; list them with `rehearse questions`")]
    UnknownQuestion {
        /// The id asked for.
        id: String,
    },
}

/// Behavioural (STAR) or technical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A question about past experience; STAR applies.
    Behavioral,
    /// A knowledge question.
    Technical,
}

/// One interview question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    /// Stable id, used on the command line and in history.
    pub id: String,
    /// The question as asked.
    pub text: String,
    /// Grouping, e.g. `architecture`.
    pub category: String,
    /// Target answer length.
    pub target_seconds: u32,
    /// Behavioural or technical.
    pub kind: Kind,
    /// Short phrases a strong answer touches.
    pub talking_points: Vec<String>,
    /// What the interviewer is looking for.
    pub guidance: Option<String>,
}

/// The follow-up questions an interviewer asks about a gap in an answer.
/// Banks can change them in a `[follow_ups]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUps {
    /// No Result.
    pub result: String,
    /// No Action.
    pub action: String,
    /// Actions only with "we".
    pub personal_action: String,
    /// A Result without numbers.
    pub result_numbers: String,
    /// No Task.
    pub task: String,
    /// No Situation.
    pub situation: String,
}

impl Default for FollowUps {
    fn default() -> Self {
        FollowUps {
            result: "What was the outcome, in numbers?".into(),
            action: "What did you actually do, step by step?".into(),
            personal_action: "What did you personally do?".into(),
            result_numbers: "Can you put a number on that result?".into(),
            task: "What exactly were you responsible for?".into(),
            situation: "What was the situation, and what was at stake?".into(),
        }
    }
}

impl FollowUps {
    /// The question for `gap`.
    pub fn text(&self, gap: crate::analysis::follow_up::Gap) -> &str {
        use crate::analysis::follow_up::Gap;
        match gap {
            Gap::Result => &self.result,
            Gap::Action => &self.action,
            Gap::PersonalAction => &self.personal_action,
            Gap::ResultNumbers => &self.result_numbers,
            Gap::Task => &self.task,
            Gap::Situation => &self.situation,
        }
    }
}

/// Questions loaded from one or more files.
#[derive(Debug, Clone, Default)]
pub struct Bank {
    /// Questions in file order.
    pub questions: Vec<Question>,
    /// Follow-up questions (the first file with a `[follow_ups]` table sets them).
    pub follow_ups: FollowUps,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileBank {
    #[serde(default)]
    bank: Option<Header>,
    #[serde(default)]
    follow_ups: Option<FollowUps>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Header {
    name: String,
    #[serde(default)]
    description: Option<String>,
}

fn default_target() -> u32 {
    120
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    text: Spanned<String>,
    category: String,
    #[serde(default = "default_target")]
    target_seconds: u32,
    kind: Kind,
    #[serde(default)]
    talking_points: Vec<String>,
    #[serde(default)]
    guidance: Option<String>,
}

/// An id from a question's first words: `tell-me-about-a-time`.
fn slug(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            w.chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .take(6)
        .collect();
    if words.is_empty() {
        "question".to_string()
    } else {
        words.join("-")
    }
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    // Never slice inside a UTF-8 character, whatever offset a parser reports.
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Reads a bank file, refusing one over [`MAX_BANK_BYTES`] without reading
/// more than that (the size is checked on what is read, not on what the
/// file claims, so a growing file or a device cannot get past it).
fn read_limited(file: &Path) -> Result<String, BankError> {
    use std::io::Read;
    let read_err = |err| BankError::Read {
        path: file.to_path_buf(),
        err,
    };
    let size = std::fs::metadata(file).map_err(read_err)?.len();
    if size > MAX_BANK_BYTES {
        return Err(BankError::TooLarge {
            path: file.to_path_buf(),
            size,
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .map_err(read_err)?
        .take(MAX_BANK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > MAX_BANK_BYTES {
        return Err(BankError::TooLarge {
            path: file.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let before = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let (line, col) = line_col(&before, before.len());
        BankError::At {
            file: file.display().to_string(),
            line,
            col,
            message: "not UTF-8 text here; save the bank as UTF-8".into(),
        }
    })
}

impl Bank {
    /// The built-in backend-engineer bank.
    pub fn builtin() -> Result<Bank, BankError> {
        Bank::parse(BUILTIN, BUILTIN_NAME)
    }

    /// Loads a bank file, or every `.toml` file in a folder (sorted).
    pub fn load(path: &Path) -> Result<Bank, BankError> {
        let read_err = |err| BankError::Read {
            path: path.to_path_buf(),
            err,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        let files = if meta.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_err)?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            if files.is_empty() {
                return Err(BankError::NoBanks {
                    path: path.to_path_buf(),
                });
            }
            let folder = path.canonicalize().map_err(read_err)?;
            for file in &files {
                let real = file.canonicalize().map_err(|err| BankError::Read {
                    path: file.clone(),
                    err,
                })?;
                if !real.starts_with(&folder) {
                    return Err(BankError::OutsideFolder {
                        path: file.clone(),
                        folder: path.to_path_buf(),
                    });
                }
            }
            files
        } else {
            vec![path.to_path_buf()]
        };
        let mut bank = Bank::default();
        let mut seen: HashMap<String, String> = HashMap::new();
        for file in files {
            let text = read_limited(&file)?;
            let name = file.display().to_string();
            let part = Bank::parse(&text, &name)?;
            if bank.follow_ups == FollowUps::default() {
                bank.follow_ups = part.follow_ups;
            }
            for q in part.questions {
                if let Some(other) = seen.get(&q.id) {
                    return Err(BankError::At {
                        file: name.clone(),
                        line: 1,
                        col: 1,
                        message: format!("question id `{}` is also used in {other}", q.id),
                    });
                }
                seen.insert(q.id.clone(), name.clone());
                bank.questions.push(q);
            }
        }
        Ok(bank)
    }

    /// Parses and validates one bank's text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Bank, BankError> {
        let at = |offset: usize, message: String| {
            let (line, col) = line_col(text, offset);
            BankError::At {
                file: file.to_string(),
                line,
                col,
                message,
            }
        };
        let raw: FileBank = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            at(offset, e.message().trim().replace('\n', " "))
        })?;
        let _ = raw.bank;
        let follow_ups = raw.follow_ups.unwrap_or_default();
        for gap in [
            &follow_ups.result,
            &follow_ups.action,
            &follow_ups.personal_action,
            &follow_ups.result_numbers,
            &follow_ups.task,
            &follow_ups.situation,
        ] {
            if gap.trim().is_empty() {
                let offset = text.find("[follow_ups]").unwrap_or(0);
                return Err(at(
                    offset,
                    "a follow-up question is empty; write the question or remove the line".into(),
                ));
            }
        }
        let mut first_use: HashMap<String, usize> = HashMap::new();
        let mut questions = Vec::with_capacity(raw.questions.len());
        for q in raw.questions {
            let id = q.id.get_ref().trim().to_string();
            let id_at = q.id.span().start;
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(at(
                    id_at,
                    format!(
                        "id {:?} must be non-empty letters, digits, '-' or '_'",
                        q.id.get_ref()
                    ),
                ));
            }
            if let Some(&first) = first_use.get(&id) {
                let (line, _) = line_col(text, first);
                return Err(at(
                    id_at,
                    format!("duplicate question id `{id}` (first used on line {line})"),
                ));
            }
            first_use.insert(id.clone(), id_at);
            if q.text.get_ref().trim().is_empty() {
                return Err(at(
                    q.text.span().start,
                    format!("question `{id}` has empty text"),
                ));
            }
            if q.target_seconds == 0 || q.target_seconds > 1800 {
                return Err(at(
                    id_at,
                    format!("question `{id}`: target_seconds must be 1..=1800"),
                ));
            }
            questions.push(Question {
                id,
                text: q.text.into_inner().trim().to_string(),
                category: q.category,
                target_seconds: q.target_seconds,
                kind: q.kind,
                talking_points: q.talking_points,
                guidance: q.guidance,
            });
        }
        Ok(Bank {
            questions,
            follow_ups,
        })
    }

    /// Writes `questions` as bank TOML (the format [`Bank::parse`] reads),
    /// with a `[bank]` header named `name`.
    pub fn to_toml(name: &str, questions: &[Question]) -> String {
        #[derive(Serialize)]
        struct Out<'a> {
            bank: OutHeader<'a>,
            questions: &'a [Question],
        }
        #[derive(Serialize)]
        struct OutHeader<'a> {
            name: &'a str,
        }
        let body = toml::to_string(&Out {
            bank: OutHeader { name },
            questions,
        })
        .unwrap_or_default();
        format!(
            "# Question bank written by `rehearse questions new`. Edit freely; check it with\n\
             # `rehearse questions check FILE`. Fields: id, text, category, kind\n\
             # (behavioral|technical), target_seconds, talking_points, guidance (optional).\n\n{body}"
        )
    }

    /// Questions drafted from plain text, one question per line (blank lines
    /// and `#` comments skipped), with ids made from their first words.
    pub fn draft(lines: &str, category: &str, kind: Kind, target_seconds: u32) -> Vec<Question> {
        let mut taken: HashMap<String, usize> = HashMap::new();
        lines
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|text| {
                let base = slug(text);
                let n = taken.entry(base.clone()).or_insert(0);
                *n += 1;
                let id = if *n == 1 { base } else { format!("{base}-{n}") };
                Question {
                    id,
                    text: text.to_string(),
                    category: category.to_string(),
                    target_seconds,
                    kind,
                    talking_points: Vec::new(),
                    guidance: None,
                }
            })
            .collect()
    }

    /// Finds a question by id.
    pub fn get(&self, id: &str) -> Result<&Question, BankError> {
        self.questions
            .iter()
            .find(|q| q.id == id)
            .ok_or_else(|| BankError::UnknownQuestion { id: id.to_string() })
    }

    /// Questions in a category (all when `None`).
    pub fn in_category<'a>(
        &'a self,
        category: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Question> + 'a {
        self.questions
            .iter()
            .filter(move |q| category.is_none_or(|c| q.category.eq_ignore_ascii_case(c)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafted_questions_round_trip_through_the_parser() {
        let text = "# my list\nTell me about a time you \"shipped\" late.\n\nWhy Rust?\nTell me about a time you shipped late!\nÜber-schnell: café caching?\n";
        let drafted = Bank::draft(text, "general", Kind::Behavioral, 90);
        let ids: Vec<&str> = drafted.iter().map(|q| q.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "tell-me-about-a-time-you",
                "why-rust",
                "tell-me-about-a-time-you-2",
                "ber-schnell-caf-caching"
            ]
        );
        let toml = Bank::to_toml("Mine", &drafted);
        let parsed = Bank::parse(&toml, "mine.toml").unwrap();
        assert_eq!(parsed.questions, drafted);
    }

    #[test]
    fn builtin_bank_has_every_seed_question() {
        let bank = Bank::builtin().unwrap();
        assert_eq!(bank.questions.len(), 15);
        assert!(bank.questions.iter().all(|q| !q.talking_points.is_empty()));
    }

    #[test]
    fn unknown_key_points_at_line_and_column() {
        let text = "[[questions]]\nid = \"a\"\ntext = \"Why?\"\ncategory = \"x\"\nkind = \"technical\"\ncolour = 3\n";
        let e = Bank::parse(text, "b.toml").unwrap_err().to_string();
        assert!(e.starts_with("b.toml:6:1: "), "{e}");
        assert!(e.contains("colour"), "{e}");
    }

    #[test]
    fn duplicate_ids_and_empty_text_are_refused() {
        let q = |id: &str, text: &str| {
            format!(
                "[[questions]]\nid = \"{id}\"\ntext = \"{text}\"\ncategory = \"x\"\nkind = \"behavioral\"\n"
            )
        };
        let dup = format!("{}{}", q("a", "One?"), q("a", "Two?"));
        let e = Bank::parse(&dup, "d.toml").unwrap_err().to_string();
        assert!(
            e.starts_with("d.toml:7:6: duplicate question id `a`"),
            "{e}"
        );
        let empty = q("b", "  ");
        let e = Bank::parse(&empty, "e.toml").unwrap_err().to_string();
        assert!(
            e.starts_with("e.toml:3:8: question `b` has empty text"),
            "{e}"
        );
    }

    #[test]
    fn positions_inside_multibyte_text_do_not_panic() {
        assert_eq!(line_col("é\nx", 1), (1, 1));
        assert_eq!(line_col("é\nx", 3), (2, 1));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = Bank::parse("[[questions]\nid = 1", "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("s.toml:1:"), "{e}");
    }
}
