//! The SQLite history: one row per answer with its transcript, the full
//! analysis JSON and the key figures as columns. Versioned with
//! `PRAGMA user_version`; every write is one transaction.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::Serialize;

use super::{HistoryError, private_dir};
use crate::analysis::Analysis;
use crate::analysis::metrics::Metrics;

/// The database's file name inside the data folder.
pub const FILE_NAME: &str = "history.sqlite3";

/// The schema this build writes; databases from later versions are refused.
pub const SCHEMA_VERSION: i64 = 2;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    dir         TEXT
);
CREATE TABLE answers (
    id                INTEGER PRIMARY KEY,
    session_id        INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    recorded_at       TEXT NOT NULL,
    question_id       TEXT,
    question_text     TEXT,
    status            TEXT NOT NULL,
    stopped           TEXT,
    duration_s        REAL,
    target_s          REAL,
    answer_s          REAL,
    thinking_s        REAL,
    words             INTEGER,
    wpm               REAL,
    fillers           INTEGER,
    fillers_per_min   REAL,
    star_parts        INTEGER,
    result_quantified INTEGER,
    wav_path          TEXT,
    json_path         TEXT,
    -- Long text last: listing reads the figures without walking overflow pages.
    transcript        TEXT NOT NULL DEFAULT '',
    analysis_json     TEXT
);
CREATE INDEX answers_by_question ON answers(question_id, recorded_at);
CREATE INDEX answers_by_time ON answers(recorded_at);
CREATE INDEX answers_by_session ON answers(session_id);
",
    "
-- Other files that belong to an answer (an answer before its follow-up, the reply),
-- as a JSON array of paths: forget deletes them with it.
ALTER TABLE answers ADD COLUMN extra_paths TEXT;
",
];

/// An open history database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// An answer to add.
#[derive(Debug, Clone)]
pub struct NewAnswer<'a> {
    /// The session it belongs to ([`Store::start_session`]).
    pub session_id: i64,
    /// When it was recorded (`2026-11-29T23:31:25Z`).
    pub recorded_at: String,
    /// The question id, when known.
    pub question_id: Option<&'a str>,
    /// The question, when known.
    pub question_text: Option<&'a str>,
    /// `complete`, `interrupted` or `no_speech`.
    pub status: &'a str,
    /// Why the recording stopped (`enter`, `silence`, …), for live answers.
    pub stopped: Option<&'a str>,
    /// The recording in the data folder.
    pub wav: Option<&'a Path>,
    /// The JSON record beside it.
    pub json: Option<&'a Path>,
    /// Other recordings that belong to it (deleted with it).
    pub extra: &'a [PathBuf],
    /// The analysis, unless there was none.
    pub analysis: Option<&'a Analysis>,
}

/// One answer as listed by `history`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnswerRow {
    /// The answer id (`rehearse show ID`).
    pub id: i64,
    /// The session it belongs to.
    pub session_id: i64,
    /// When it was recorded.
    pub recorded_at: String,
    /// The question id, when known.
    pub question_id: Option<String>,
    /// `complete`, `interrupted` or `no_speech`.
    pub status: String,
    /// The question's target length, seconds.
    pub target_s: Option<f64>,
    /// The key figures, when the answer was analysed.
    pub metrics: Option<Metrics>,
}

/// One answer with everything stored about it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredAnswer {
    /// The listing fields.
    #[serde(flatten)]
    pub row: AnswerRow,
    /// The question, when known.
    pub question_text: Option<String>,
    /// Why the recording stopped.
    pub stopped: Option<String>,
    /// The recording.
    pub wav: Option<PathBuf>,
    /// The JSON record beside it.
    pub json: Option<PathBuf>,
    /// The full analysis.
    pub analysis: Option<Analysis>,
}

/// Which answers to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this question.
    pub question_id: Option<String>,
    /// Only answers recorded at or after this time (RFC 3339 text).
    pub since: Option<String>,
    /// Only these answers.
    pub session_id: Option<i64>,
}

/// What `forget` removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forget {
    /// One answer.
    Answer(i64),
    /// Every answer to a question.
    Question(String),
    /// Everything.
    All,
}

const ROW_COLUMNS: &str = "id, session_id, recorded_at, question_id, status, target_s, \
     wpm, fillers_per_min, star_parts, answer_s, thinking_s";

fn row_from(r: &rusqlite::Row) -> rusqlite::Result<AnswerRow> {
    let wpm: Option<f64> = r.get(6)?;
    let metrics = match wpm {
        Some(wpm) => Some(Metrics {
            wpm,
            fillers_per_min: r.get(7)?,
            star_parts: r.get(8)?,
            answer_s: r.get(9)?,
            thinking_s: r.get(10)?,
        }),
        None => None,
    };
    Ok(AnswerRow {
        id: r.get(0)?,
        session_id: r.get(1)?,
        recorded_at: r.get(2)?,
        question_id: r.get(3)?,
        status: r.get(4)?,
        target_s: r.get(5)?,
        metrics,
    })
}

fn path_text(p: Option<&Path>) -> Option<String> {
    p.map(|p| p.to_string_lossy().into_owned())
}

impl Store {
    /// Opens (creating if needed) the history in `data_dir`, migrating it to
    /// the current schema. The folder is made 0700 and the file 0600.
    pub fn open(data_dir: &Path) -> Result<Store, HistoryError> {
        let path = data_dir.join(FILE_NAME);
        let open_err = |err: String| HistoryError::Open {
            path: path.clone(),
            err,
        };
        private_dir(data_dir).map_err(|e| open_err(e.to_string()))?;
        // Create the file ourselves so it is never readable by others, even
        // for a moment; SQLite gives its -wal and -shm files the same mode.
        let mut new_file = std::fs::OpenOptions::new();
        new_file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut new_file, 0o600);
        match new_file.open(&path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(open_err(e.to_string())),
        }
        let conn = Connection::open(&path).map_err(|e| open_err(e.to_string()))?;
        let configured = when_not_busy(|| configure(&conn)).map_err(|e| open_err(e.to_string()));
        let mut store = Store { conn, path };
        configured?;
        store.migrate()?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn query_err(&self, doing: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError {
        failed(self.path.clone(), doing)
    }

    /// Begins a write transaction, taking the lock at once so that a busy
    /// database waits (busy timeout) instead of failing at the first write.
    fn write(&mut self, doing: &'static str) -> Result<Transaction<'_>, HistoryError> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(failed(self.path.clone(), doing))
    }

    fn version(&self) -> Result<i64, HistoryError> {
        when_not_busy(|| self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))).map_err(
            |e| HistoryError::Open {
                path: self.path.clone(),
                err: e.to_string(),
            },
        )
    }

    fn migrate(&mut self) -> Result<(), HistoryError> {
        let found = self.version()?;
        if found > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let fail = failed(self.path.clone(), "upgraded");
        let tx = self.write("upgraded")?;
        // Another process may have migrated while we waited for the lock.
        let found: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&fail)?;
        tracing::info!(from = found, to = SCHEMA_VERSION, "migrating the history");
        for (from, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
            tx.execute_batch(sql).map_err(&fail)?;
            tx.pragma_update(None, "user_version", from as i64 + 1)
                .map_err(&fail)?;
        }
        tx.commit().map_err(&fail)
    }

    /// Records the start of a session (`practice`, `ask` or `analyze`) and
    /// returns its id.
    pub fn start_session(
        &mut self,
        kind: &str,
        started_at: &str,
        dir: Option<&Path>,
    ) -> Result<i64, HistoryError> {
        self.conn
            .execute(
                "INSERT INTO sessions (started_at, kind, dir) VALUES (?1, ?2, ?3)",
                params![started_at, kind, path_text(dir)],
            )
            .map_err(self.query_err("written"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Adds an answer in one transaction and returns its id.
    pub fn add_answer(&mut self, a: &NewAnswer) -> Result<i64, HistoryError> {
        let json = a
            .analysis
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| HistoryError::Query {
                path: self.path.clone(),
                doing: "written",
                err: e.to_string(),
            })?;
        let metrics = a.analysis.map(Metrics::of);
        let extra = (!a.extra.is_empty()).then(|| {
            serde_json::Value::from(
                a.extra
                    .iter()
                    .map(|p| p.to_string_lossy().into_owned())
                    .collect::<Vec<_>>(),
            )
            .to_string()
        });
        let fail = failed(self.path.clone(), "written");
        let tx = self.write("written")?;
        tx.execute(
            "INSERT INTO answers (session_id, recorded_at, question_id, question_text, status,
                 stopped, wav_path, json_path, transcript, analysis_json, duration_s, target_s,
                 answer_s, thinking_s, words, wpm, fillers, fillers_per_min, star_parts,
                 result_quantified, extra_paths)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                 ?17, ?18, ?19, ?20, ?21)",
            params![
                a.session_id,
                a.recorded_at,
                a.question_id,
                a.question_text,
                a.status,
                a.stopped,
                path_text(a.wav),
                path_text(a.json),
                a.analysis.map_or("", |x| x.transcript.text.as_str()),
                json,
                a.analysis.map(|x| x.audio.duration_s),
                a.analysis
                    .and_then(|x| x.question.as_ref())
                    .map(|q| f64::from(q.target_seconds)),
                metrics.map(|m| m.answer_s),
                metrics.map(|m| m.thinking_s),
                a.analysis.map(|x| x.timing.words as i64),
                metrics.map(|m| m.wpm),
                a.analysis.map(|x| x.fillers.total as i64),
                metrics.map(|m| m.fillers_per_min),
                metrics.map(|m| m.star_parts),
                a.analysis.map(|x| x.star.result.quantified),
                extra,
            ],
        )
        .map_err(&fail)?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(&fail)?;
        Ok(id)
    }

    /// Answers matching `filter`, oldest first.
    pub fn rows(&self, filter: &Filter) -> Result<Vec<AnswerRow>, HistoryError> {
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM answers
             WHERE (?1 IS NULL OR question_id = ?1)
               AND (?2 IS NULL OR recorded_at >= ?2)
               AND (?3 IS NULL OR session_id = ?3)
             ORDER BY recorded_at, id"
        );
        let read = self.query_err("read");
        let mut stmt = self.conn.prepare_cached(&sql).map_err(&read)?;
        let rows = stmt
            .query_map(
                params![filter.question_id, filter.since, filter.session_id],
                row_from,
            )
            .map_err(&read)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(read)
    }

    /// The id of the latest answer, if any.
    pub fn latest_id(&self) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row("SELECT max(id) FROM answers", [], |r| r.get(0))
            .map_err(self.query_err("read"))
    }

    /// One answer with its analysis.
    pub fn answer(&self, id: i64) -> Result<StoredAnswer, HistoryError> {
        let sql = format!(
            "SELECT {ROW_COLUMNS}, question_text, stopped, wav_path, json_path, analysis_json
             FROM answers WHERE id = ?1"
        );
        let found = self
            .conn
            .query_row(&sql, [id], |r| {
                Ok((
                    row_from(r)?,
                    r.get::<_, Option<String>>(11)?,
                    r.get::<_, Option<String>>(12)?,
                    r.get::<_, Option<String>>(13)?,
                    r.get::<_, Option<String>>(14)?,
                    r.get::<_, Option<String>>(15)?,
                ))
            })
            .optional()
            .map_err(self.query_err("read"))?;
        let Some((row, question_text, stopped, wav, json, analysis)) = found else {
            return Err(HistoryError::NoAnswer(id.to_string()));
        };
        let analysis = analysis
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(|e| HistoryError::Query {
                path: self.path.clone(),
                doing: "read",
                err: format!("answer {id}: {e}"),
            })?;
        Ok(StoredAnswer {
            row,
            question_text,
            stopped,
            wav: wav.map(PathBuf::from),
            json: json.map(PathBuf::from),
            analysis,
        })
    }

    /// Every recording path the history knows.
    pub fn recording_paths(&self) -> Result<Vec<PathBuf>, HistoryError> {
        let read = self.query_err("read");
        let mut stmt = self
            .conn
            .prepare("SELECT wav_path, extra_paths FROM answers")
            .map_err(&read)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                ))
            })
            .map_err(&read)?;
        let mut paths = Vec::new();
        for row in rows {
            let (wav, extra) = row.map_err(&read)?;
            paths.extend(wav.map(PathBuf::from));
            paths.extend(extra_paths(extra.as_deref()));
        }
        Ok(paths)
    }

    /// The session recorded in `dir`, if any.
    pub fn session_for_dir(&self, dir: &Path) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row(
                "SELECT id FROM sessions WHERE dir = ?1 ORDER BY id LIMIT 1",
                [dir.to_string_lossy()],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.query_err("read"))
    }

    /// Every answer of a session, in order.
    pub fn session(&self, session_id: i64) -> Result<Vec<StoredAnswer>, HistoryError> {
        let rows = self.rows(&Filter {
            session_id: Some(session_id),
            ..Filter::default()
        })?;
        if rows.is_empty() {
            return Err(HistoryError::NoSession(session_id));
        }
        rows.iter().map(|r| self.answer(r.id)).collect()
    }

    /// Deletes the chosen answers and their files (recordings and JSON
    /// records), and sessions left without answers. The rows go only if
    /// every file could be removed. Returns how many answers were forgotten.
    pub fn forget(&mut self, which: &Forget) -> Result<usize, HistoryError> {
        let fail = failed(self.path.clone(), "written");
        let tx = self.write("written")?;
        let (condition, arg): (&str, Option<String>) = match which {
            Forget::Answer(id) => ("id = ?1", Some(id.to_string())),
            Forget::Question(q) => ("question_id = ?1", Some(q.clone())),
            Forget::All => ("?1 IS NULL", None),
        };
        let files: Vec<PathBuf> = {
            let mut stmt = tx
                .prepare(&format!(
                    "SELECT wav_path, json_path, extra_paths FROM answers WHERE {condition}"
                ))
                .map_err(&fail)?;
            let rows = stmt
                .query_map([&arg], |r| {
                    let (wav, json, extra): (Option<String>, Option<String>, Option<String>) =
                        (r.get(0)?, r.get(1)?, r.get(2)?);
                    let mut paths: Vec<PathBuf> =
                        wav.into_iter().chain(json).map(PathBuf::from).collect();
                    paths.extend(extra_paths(extra.as_deref()));
                    Ok(paths)
                })
                .map_err(&fail)?;
            let nested: Vec<Vec<PathBuf>> = rows.collect::<Result<_, _>>().map_err(&fail)?;
            nested.into_iter().flatten().collect()
        };
        let count = tx
            .execute(&format!("DELETE FROM answers WHERE {condition}"), [&arg])
            .map_err(&fail)?;
        if let Forget::Answer(id) = which
            && count == 0
        {
            return Err(HistoryError::NoAnswer(id.to_string()));
        }
        let emptied: Vec<Option<String>> = {
            let mut stmt = tx
                .prepare(
                    "SELECT dir FROM sessions
                     WHERE NOT EXISTS (SELECT 1 FROM answers WHERE session_id = sessions.id)",
                )
                .map_err(&fail)?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(&fail)?;
            rows.collect::<Result<_, _>>().map_err(&fail)?
        };
        tx.execute(
            "DELETE FROM sessions
             WHERE NOT EXISTS (SELECT 1 FROM answers WHERE session_id = sessions.id)",
            [],
        )
        .map_err(&fail)?;
        for file in &files {
            remove_file(file)?;
        }
        for dir in emptied.iter().flatten() {
            remove_empty_session_dir(Path::new(dir))?;
        }
        tx.commit().map_err(&fail)?;
        // Deleted rows may still sit in the write-ahead log: fold it in and empty it.
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
        Ok(count)
    }
}

/// Turns a SQLite error into one that names the database and the operation.
fn failed(path: PathBuf, doing: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError {
    move |e| HistoryError::Query {
        path: path.clone(),
        doing,
        err: e.to_string(),
    }
}

/// Runs `step` again while another process holds the database. Switching a
/// new database to WAL, and reading it while another process does, can fail
/// at once with "database is locked" without waiting the busy timeout.
fn when_not_busy<T>(mut step: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let started = std::time::Instant::now();
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) && started.elapsed() < BUSY_WAIT =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            outcome => return outcome,
        }
    }
}

/// How long to wait for another rehearse that holds the history.
const BUSY_WAIT: Duration = Duration::from_secs(10);

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    // Another rehearse may be writing: wait for it rather than fail.
    conn.busy_timeout(BUSY_WAIT)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Forgotten answers are overwritten, not left in free pages.
    conn.pragma_update(None, "secure_delete", "ON")?;
    let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

/// The paths in an `extra_paths` column.
fn extra_paths(column: Option<&str>) -> Vec<PathBuf> {
    column
        .and_then(|text| serde_json::from_str::<Vec<String>>(text).ok())
        .unwrap_or_default()
        .into_iter()
        .map(PathBuf::from)
        .collect()
}

fn remove_file(path: &Path) -> Result<(), HistoryError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(HistoryError::Delete {
            path: path.to_path_buf(),
            err: e.to_string(),
        }),
    }
}

/// Removes a session folder once nothing the user said is left in it (its
/// `session.json` summary and a stale lock file go with it).
fn remove_empty_session_dir(dir: &Path) -> Result<(), HistoryError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
    let bookkeeping = ["session.json", super::LOCK_FILE];
    if names.iter().all(|n| bookkeeping.iter().any(|b| n == *b)) {
        for name in bookkeeping {
            remove_file(&dir.join(name))?;
        }
        std::fs::remove_dir(dir).map_err(|e| HistoryError::Delete {
            path: dir.to_path_buf(),
            err: e.to_string(),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CI, 2026-11-30: a writer opening a new history while another one set it
    /// up failed with "database is locked" (switching to WAL does not wait).
    #[test]
    fn processes_opening_a_new_history_at_once_all_get_it() {
        for _ in 0..20 {
            let tmp = tempfile::tempdir().unwrap();
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(6));
            let openers: Vec<_> = (0..6)
                .map(|_| {
                    let dir = tmp.path().join("data");
                    let barrier = barrier.clone();
                    std::thread::spawn(move || {
                        barrier.wait();
                        let mut store = Store::open(&dir)?;
                        store.start_session("ask", "2026-11-30T00:00:00Z", None)
                    })
                })
                .collect();
            for opener in openers {
                opener.join().unwrap().unwrap();
            }
        }
    }

    fn answer(session_id: i64, question: &str, status: &'static str) -> NewAnswer<'static> {
        NewAnswer {
            session_id,
            recorded_at: "2026-11-29T10:00:00Z".into(),
            question_id: Some(Box::leak(question.to_string().into_boxed_str())),
            question_text: None,
            status,
            stopped: None,
            wav: None,
            json: None,
            extra: &[],
            analysis: None,
        }
    }

    #[test]
    fn answers_round_trip_and_forget_removes_rows_and_empty_sessions() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let s = store
            .start_session("ask", "2026-11-29T10:00:00Z", None)
            .unwrap();
        let a = store.add_answer(&answer(s, "q1", "interrupted")).unwrap();
        let b = store.add_answer(&answer(s, "q2", "no_speech")).unwrap();
        assert_eq!(store.rows(&Filter::default()).unwrap().len(), 2);
        assert_eq!(store.answer(a).unwrap().row.status, "interrupted");
        assert_eq!(store.forget(&Forget::Question("q1".into())).unwrap(), 1);
        assert!(matches!(store.answer(a), Err(HistoryError::NoAnswer(_))));
        assert_eq!(store.forget(&Forget::Answer(b)).unwrap(), 1);
        let sessions: i64 = store
            .conn
            .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sessions, 0);
        assert!(matches!(
            store.forget(&Forget::Answer(b)),
            Err(HistoryError::NoAnswer(_))
        ));
    }

    #[test]
    fn reopening_keeps_the_schema_and_a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        store
            .conn
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(store);
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(
            err,
            HistoryError::Newer {
                found: 3,
                known: 2,
                ..
            }
        ));
    }

    #[test]
    fn a_version_1_history_is_upgraded_in_place_and_keeps_its_answers() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(FILE_NAME)).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO sessions (started_at, kind) VALUES ('2026-01-01T00:00:00Z', 'ask')",
                [],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO answers (session_id, recorded_at, question_id, status)
                 VALUES (1, '2026-01-01T00:00:00Z', 'q', 'interrupted')",
                [],
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version().unwrap(), SCHEMA_VERSION);
        assert_eq!(store.rows(&Filter::default()).unwrap().len(), 1);
        assert!(store.recording_paths().unwrap().is_empty());
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_with_advice() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            b"not a database, just text ".repeat(64),
        )
        .unwrap();
        let err = Store::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("move the file aside"), "{err}");
    }
}
