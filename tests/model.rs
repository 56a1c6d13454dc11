//! `rehearse model`: import, check, list and verify, on real files (fetch and
//! the errors that need no whisper are in `tests/model_fetch.rs`).

mod common;

use common::*;

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
