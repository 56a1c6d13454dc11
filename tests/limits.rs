//! Input limits: huge inputs get a one-line refusal (never an out-of-memory
//! abort), and bank folders cannot reach outside themselves. Part of the fast
//! tier (`scripts/test --fast`); that nothing but `model fetch` touches the
//! network is checked in `tests/privacy.rs`.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;

/// A sparse file of `len` bytes that starts with `head`.
fn sparse(path: &Path, head: &[u8], len: u64) {
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(head).unwrap();
    f.set_len(len).unwrap();
}

#[test]
fn a_2_gb_wav_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.wav");
    let data_len: u32 = 2_000_000_000;
    let mut head = Vec::new();
    head.extend_from_slice(b"RIFF");
    head.extend_from_slice(&(data_len + 36).to_le_bytes());
    head.extend_from_slice(b"WAVEfmt ");
    head.extend_from_slice(&16u32.to_le_bytes());
    head.extend_from_slice(&1u16.to_le_bytes()); // PCM
    head.extend_from_slice(&1u16.to_le_bytes()); // mono
    head.extend_from_slice(&16_000u32.to_le_bytes());
    head.extend_from_slice(&32_000u32.to_le_bytes());
    head.extend_from_slice(&2u16.to_le_bytes());
    head.extend_from_slice(&16u16.to_le_bytes());
    head.extend_from_slice(b"data");
    head.extend_from_slice(&data_len.to_le_bytes());
    sparse(&path, &head, 44 + u64::from(data_len));
    let started = std::time::Instant::now();
    let out = rehearse()
        .arg("--model")
        .arg(tiny_en())
        .arg("analyze")
        .arg(&path)
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "minutes");
    assert!(started.elapsed().as_secs_f64() < 5.0, "it was read");
}

#[test]
fn a_100_mb_bank_file_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("huge.toml");
    sparse(&path, b"[[question]]\n", 100 * 1024 * 1024);
    let out = rehearse()
        .args(["questions", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "a question bank is at most");
}

#[test]
fn a_bank_folder_cannot_reach_outside_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("secret.toml");
    std::fs::write(
        &outside,
        "[[questions]]\nid = \"q\"\ntext = \"Why?\"\ncategory = \"c\"\nkind = \"technical\"\n",
    )
    .unwrap();
    let folder = tmp.path().join("bank");
    std::fs::create_dir(&folder).unwrap();
    std::os::unix::fs::symlink(&outside, folder.join("linked.toml")).unwrap();
    let out = rehearse()
        .arg("--bank")
        .arg(&folder)
        .arg("questions")
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "points outside the bank folder");
}

#[test]
fn a_bank_that_is_not_utf8_names_the_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("latin1.toml");
    std::fs::write(&path, b"# questions\n# caf\xe9\n").unwrap();
    let out = rehearse()
        .args(["questions", "check"])
        .arg(&path)
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "latin1.toml:2:6: not UTF-8");
}
