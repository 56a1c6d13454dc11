//! Privacy: nothing but `model fetch` opens a network socket, followed with
//! strace through a practice answer and an analysis (whisper and the headless
//! audio daemon, so this is in the full tier only).

mod common;

use std::path::Path;

use common::*;

/// The socket and connect calls a command made (strace, children followed).
fn socket_calls(pulse: &Pulse, args: &[&str], data: &Path, log: &Path) -> Vec<String> {
    let bin = assert_cmd::cargo::cargo_bin!("rehearse");
    let status = pulse
        .command("strace")
        .args(["-f", "-qq", "-e", "trace=socket,connect", "-o"])
        .arg(log)
        .arg(bin)
        .arg("--model")
        .arg(tiny_en())
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("strace is installed (scripts/test installs it)");
    assert!(status.success(), "rehearse {args:?} failed under strace");
    let trace = std::fs::read_to_string(log).unwrap();
    trace.lines().map(str::to_string).collect()
}

#[test]
fn nothing_but_model_fetch_opens_a_network_socket() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let fixture = root().join("tests/fixtures/tests-short.wav");
    let (answer, _) = trimmed_fixture("tests-short", tmp.path());
    let page = tmp.path().join("r.html");
    let runs: [&[&str]; 3] = [
        &["analyze", fixture.to_str().unwrap(), "--save"],
        &[
            "ask",
            "testing-techniques",
            "--silence-stop",
            "1",
            "--audio-from",
            answer.to_str().unwrap(),
        ],
        &["report", "--html", page.to_str().unwrap(), "--embed-audio"],
    ];
    for (i, args) in runs.iter().enumerate() {
        let calls = socket_calls(
            &pulse,
            args,
            &data,
            &tmp.path().join(format!("strace-{i}.log")),
        );
        let inet: Vec<&String> = calls
            .iter()
            .filter(|l| l.contains("AF_INET") || l.contains("AF_INET6"))
            .collect();
        assert!(
            inet.is_empty(),
            "rehearse {args:?} opened network sockets: {inet:#?}"
        );
        if args[0] == "ask" {
            // The control: the trace does see sockets, the audio daemon's Unix one.
            assert!(
                calls
                    .iter()
                    .any(|l| l.contains("connect(") && l.contains("AF_UNIX")),
                "strace saw no audio-daemon connection: {calls:#?}"
            );
        }
    }
}
