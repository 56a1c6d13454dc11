//! `rehearse model`: import, check, list, verify and fetch, on real files.

mod common;

use common::*;
use rehearse::transcribe::fetch::{self, Request, RetryPolicy};
use std::time::Duration;

fn ct2_tiny_en() -> std::path::PathBuf {
    let p = root().join("models/.ct2/tiny.en");
    assert!(
        p.join("model.bin").is_file(),
        "{} is missing: run scripts/fetch-model",
        p.display()
    );
    p
}

fn pinned_sha(file: &str) -> String {
    let sums = std::fs::read_to_string(root().join("models/SHA256SUMS")).unwrap();
    sums.lines()
        .find(|l| l.ends_with(&format!(" {file}")))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("{file} is pinned"))
        .to_string()
}

fn pinned_tiny_en_sha() -> String {
    pinned_sha("ggml-tiny.en.bin")
}

#[test]
fn import_of_real_tiny_en_is_byte_identical_to_the_pin() {
    let out = tempfile::tempdir().unwrap();
    let assert = rehearse()
        .args(["--quiet", "model", "import"])
        .arg(ct2_tiny_en())
        .arg("--output")
        .arg(out.path())
        .assert()
        .success();
    let made = out.path().join("ggml-tiny.en.bin");
    let bytes = std::fs::read(&made).unwrap();
    assert_eq!(bytes.len(), 77_704_715);
    assert_eq!(sha256(&bytes), pinned_tiny_en_sha());
    // Nothing else is left behind (no temporary file that looks like a model).
    let names: Vec<_> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    drop(assert);
}

#[test]
fn quantized_tiny_en_matches_its_pin_and_still_hears_the_check_phrase() {
    let out = tempfile::tempdir().unwrap();
    for kind in ["q8_0", "q5_1"] {
        let made = out.path().join(format!("ggml-tiny.en-{kind}.bin"));
        rehearse()
            .args(["--quiet", "model", "quantize"])
            .arg(tiny_en())
            .arg(kind)
            .arg("--output")
            .arg(&made)
            .assert()
            .success();
        let bytes = std::fs::read(&made).unwrap();
        assert_eq!(
            sha256(&bytes),
            pinned_sha(&format!("ggml-tiny.en-{kind}.bin"))
        );
        let verified = rehearse()
            .args(["--json", "--model"])
            .arg(&made)
            .args(["model", "verify"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&verified.stdout).unwrap();
        assert!(
            v["verdict"]["word_errors"].as_u64().unwrap() <= 1,
            "{kind}: {v}"
        );
    }
    // A quantized model is not quantized again.
    let again = rehearse()
        .args(["model", "quantize"])
        .arg(out.path().join("ggml-tiny.en-q8_0.bin"))
        .arg("q5_1")
        .output()
        .unwrap();
    assert_one_line_error(&again, 2, "already q8_0");
}

#[test]
fn verify_transcribes_the_check_phrase() {
    let out = rehearse()
        .args(["--json", "--model"])
        .arg(tiny_en())
        .args(["model", "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["verdict"]["word_errors"].as_u64().unwrap() <= 1, "{v}");
}

#[test]
fn list_marks_the_pinned_import_as_verified() {
    let out = rehearse()
        .args(["--json", "--model"])
        .arg(tiny_en())
        .args(["model", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["provenance"], "pinned_import", "{v}");
    assert_eq!(v[0]["verified"], true);
    assert_eq!(v[0]["kind"], "tiny.en");
}

#[test]
fn bad_model_files_get_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read(tiny_en()).unwrap();
    let cases = [
        (write(dir.path(), "empty.bin", b""), "empty"),
        (
            write(dir.path(), "truncated.bin", &real[..1 << 20]),
            "truncated",
        ),
        (
            write(
                dir.path(),
                "text.bin",
                b"<html><body>rate limited</body></html>\n",
            ),
            "text file",
        ),
    ];
    for (path, needle) in cases {
        let out = rehearse()
            .arg("--model")
            .arg(&path)
            .args(["model", "verify"])
            .output()
            .unwrap();
        assert_one_line_error(&out, 2, needle);
        let out = rehearse()
            .arg("--model")
            .arg(&path)
            .args(["model", "list"])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("BROKEN"),
            "{path:?}"
        );
    }
}

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
