//! rehearse: an offline, voice-driven mock-interview coach.
//!
//! The library holds everything; `main.rs` only parses arguments, calls in
//! here and prints errors. See ARCHITECTURE.md for the codemap.

pub mod analysis;
pub mod audio;
pub mod bank;
pub mod fuzzing;
pub mod history;
pub mod report;
pub mod session;
pub mod speech;
pub mod transcribe;
