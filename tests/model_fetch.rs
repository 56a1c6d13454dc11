//! `rehearse model` without whisper: a missing model, an int8 CTranslate2
//! model refused, and `model fetch` against a loopback server (resume,
//! retries, checksum). Part of the fast tier (`scripts/test --fast`).

mod common;

use common::*;
use rehearse::transcribe::fetch::{self, Request, RetryPolicy};
use std::time::Duration;

#[test]
fn missing_model_names_the_command_that_fixes_it() {
    let out = rehearse()
        .args(["--model", "/nonexistent/ggml.bin", "model", "verify"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "scripts/fetch-model");
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&((s.len() + 1) as u16).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

fn push_var(out: &mut Vec<u8>, name: &str, dims: &[u32], dtype: u8, elem: usize) {
    push_str(out, name);
    out.push(dims.len() as u8);
    for d in dims {
        out.extend_from_slice(&d.to_le_bytes());
    }
    out.push(dtype);
    let n = dims.iter().product::<u32>() as usize * elem;
    out.extend_from_slice(&(n as u32).to_le_bytes());
    out.extend(std::iter::repeat_n(0u8, n));
}

#[test]
fn int8_ctranslate2_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = Vec::new();
    b.extend_from_slice(&6u32.to_le_bytes());
    push_str(&mut b, "WhisperSpec");
    b.extend_from_slice(&3u32.to_le_bytes());
    b.extend_from_slice(&2u32.to_le_bytes());
    push_var(
        &mut b,
        "encoder/layer_0/self_attention/linear_0/weight",
        &[12, 4],
        1,
        1,
    );
    push_var(
        &mut b,
        "encoder/layer_0/self_attention/linear_0/weight_scale",
        &[12],
        0,
        4,
    );
    b.extend_from_slice(&0u32.to_le_bytes());
    write(dir.path(), "model.bin", &b);
    write(dir.path(), "vocabulary.txt", b"a\nb\n<|endoftext|>\n");
    let out = rehearse()
        .args(["model", "import"])
        .arg(dir.path())
        .arg("--output")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "quantized");
    assert!(!dir.path().join("ggml-tiny.en.bin").exists());
}

#[test]
fn fetch_downloads_and_checks_the_pin() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let server = TestServer::start(body.clone(), vec![]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("ggml-test.bin");
    let mut last = 0;
    fetch::download(
        &Request {
            url: format!("{}/ggml-test.bin", server.base),
            dest: &dest,
            sha256: &sha256(&body),
            bytes: Some(body.len() as u64),
        },
        RetryPolicy {
            attempts: 1,
            first_delay: Duration::ZERO,
        },
        |done, _| last = done,
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(last, body.len() as u64);
}

#[test]
fn fetch_resumes_a_cut_download_with_a_range_request() {
    let body: Vec<u8> = (0..500_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let server = TestServer::start(body.clone(), vec![Reply::CutAfter(123_456)]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("ggml-test.bin");
    fetch::download(
        &Request {
            url: format!("{}/ggml-test.bin", server.base),
            dest: &dest,
            sha256: &sha256(&body),
            bytes: Some(body.len() as u64),
        },
        RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(10),
        },
        |_, _| {},
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[1].ends_with("range=123456-"), "{seen:?}");
}

#[test]
fn fetch_retries_server_errors() {
    let body = b"model bytes".repeat(1000);
    let server = TestServer::start(body.clone(), vec![Reply::Status(503), Reply::Status(500)]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("ggml-test.bin");
    fetch::download(
        &Request {
            url: format!("{}/ggml-test.bin", server.base),
            dest: &dest,
            sha256: &sha256(&body),
            bytes: None,
        },
        RetryPolicy {
            attempts: 3,
            first_delay: Duration::from_millis(10),
        },
        |_, _| {},
    )
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), body);
    assert_eq!(server.seen.lock().unwrap().len(), 3);
}

#[test]
fn fetch_deletes_a_download_whose_checksum_is_wrong() {
    let server = TestServer::start(b"not the model".to_vec(), vec![]);
    let dir = tempfile::tempdir().unwrap();
    let out = rehearse()
        .args([
            "model",
            "fetch",
            "tiny.en",
            "--mirror",
            &server.base,
            "--dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, "checksum mismatch");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing may be left behind"
    );
    assert!(server.seen.lock().unwrap()[0].starts_with("GET /ggml-tiny.en.bin"));
}

#[test]
fn fetch_gives_up_on_not_found() {
    let server = TestServer::start(Vec::new(), vec![Reply::Status(404)]);
    let dir = tempfile::tempdir().unwrap();
    let out = rehearse()
        .args([
            "model",
            "fetch",
            "base.en",
            "--mirror",
            &server.base,
            "--dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_one_line_error(&out, 1, "HTTP 404");
}
