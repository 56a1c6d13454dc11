//! Replays the committed fuzz corpus (`fuzz/corpus/TARGET/*`, seeds plus what
//! `cargo fuzz` found worth keeping) through the same entry points the fuzz
//! targets call, so every input that once crashed stays fixed.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        run(&bytes);
        count += 1;
    }
    assert!(count > 0, "empty corpus {}", dir.display());
    eprintln!("{target}: {count} inputs");
}

#[test]
fn bank_corpus() {
    replay("bank", rehearse::fuzzing::bank);
}

#[test]
fn wav_corpus() {
    replay("wav", rehearse::fuzzing::wav);
}

#[test]
fn ggml_header_corpus() {
    replay("ggml_header", rehearse::fuzzing::ggml_header);
}

#[test]
fn ct2_import_corpus() {
    replay("ct2_import", rehearse::fuzzing::ct2_import);
}
