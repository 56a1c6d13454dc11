//! Live sessions through real cpal streams and a private headless PulseAudio
//! daemon: the question goes to the `speaker` sink; the answer is played into
//! `micfeed`, whose monitor is the default input.

mod common;

use std::time::Duration;

use common::*;
use rehearse::audio::{vad, wav};

#[path = "../examples/common/eval.rs"]
mod eval;

/// Runs `rehearse` to the end; it must succeed. Returns its stdout.
fn run_ok(pulse: &Pulse, args: &[&str], data: &std::path::Path, timeout: Duration) -> String {
    let (mut child, lines) = spawn(pulse, args, data);
    let status = wait_exit(&mut child, timeout);
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    let stderr: Vec<String> = lines.try_iter().collect();
    assert!(status.success(), "{status:?}\n{stderr:#?}");
    stdout
}

fn session_files(data: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for session in std::fs::read_dir(data.join("sessions")).unwrap().flatten() {
        for f in std::fs::read_dir(session.path()).unwrap().flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == ext)
                && p.file_name().is_some_and(|n| n != "session.json")
            {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Thinking time counts from the question's last audible sample, not from the
/// end of the synthesizer's clip (espeak-ng pads every clip with about 0.3 s
/// of silence, and live thinking time once came out that much short). Here
/// the question and the answer both go to the `speaker` sink and rehearse
/// listens to its monitor (`PULSE_SOURCE`), so one recording of the monitor
/// holds both on one timeline: the truth is the answer's first speech there
/// minus the question's last audible sample.
#[test]
fn thinking_time_is_measured_from_the_last_audible_sample_of_the_question() {
    thinking_time_holds("espeak-ng", "security-sensitive-data");
}

/// The same with the natural voice, on a question it speaks in two pieces
/// (its first clause, then the rest), played as they are made: the end is
/// the last piece's last audible sample.
#[test]
fn thinking_time_holds_for_the_natural_voice_played_piece_by_piece() {
    assert!(
        root().join("models/voices/en_US-joe-medium.onnx").is_file(),
        "run scripts/fetch-voice first"
    );
    thinking_time_holds("piper:joe", "suggest-technologies");
}

fn thinking_time_holds(voice: &str, question: &str) {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let (answer_wav, _) = trimmed_fixture("ran-out", tmp.path());
    let monitor = tmp.path().join("monitor.wav");
    let recorder = pulse.record_the_speaker(&monitor);
    let data = tmp.path().join("data");
    let mut child = pulse
        .command(assert_cmd::cargo::cargo_bin!("rehearse"))
        .arg("--model")
        .arg(tiny_en())
        .arg("--data-dir")
        .arg(&data)
        .args([
            "--json",
            "ask",
            question,
            "--silence-stop",
            "2",
            "--voice",
            voice,
        ])
        .env("PULSE_SOURCE", "speaker.monitor")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, lines) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    wait_for(&lines, "answer now", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(1200));
    let played = pulse
        .command("paplay")
        .args(["-d", "speaker"])
        .arg(&answer_wav)
        .status()
        .unwrap();
    assert!(played.success());
    let status = wait_exit(&mut child, Duration::from_secs(90));
    stop_recording(recorder);
    assert!(status.success(), "rehearse failed: {status:?}");
    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    let record: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    let reported = record["timing"]["thinking_s"].as_f64().unwrap();

    // On the monitor: the question, a silence of over a second, the answer.
    let heard = wav::read_16k_mono(&monitor).unwrap().samples;
    let spans = rehearse::analysis::timing::speech_spans(&vad::detect(&heard));
    let gap = spans
        .windows(2)
        .enumerate()
        .max_by(|a, b| {
            let g = |w: &[rehearse::analysis::timing::Span]| w[1].start_s - w[0].end_s;
            g(a.1).total_cmp(&g(b.1))
        })
        .map(|(i, _)| i)
        .expect("the question and the answer on the monitor");
    let answer_start = spans[gap + 1].start_s;
    // The question's last audible sample: where the longest silence before
    // the answer begins (the monitor of a null sink is digital silence).
    let rate = 16_000.0;
    let quiet = |s: &f32| s.abs() < rehearse::speech::SILENCE_BELOW;
    let (mut longest, mut run_start) = ((0, 0), None);
    for (i, s) in heard[..(answer_start * rate) as usize].iter().enumerate() {
        match (quiet(s), run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(from)) => {
                if i - from > longest.1 - longest.0 {
                    longest = (from, i);
                }
                run_start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = run_start {
        let end = (answer_start * rate) as usize;
        if end - from > longest.1 - longest.0 {
            longest = (from, end);
        }
    }
    let question_end = longest.0 as f64 / rate;
    let truth = answer_start - question_end;
    eprintln!("{voice}: thinking time reported {reported:.3} s, on the monitor {truth:.3} s");
    assert!(
        (reported - truth).abs() <= 0.1,
        "{voice}: thinking time {reported:.3} s, but {truth:.3} s passed between the question's \
         last audible sample and the answer's first speech"
    );
}

#[test]
fn spoken_question_recorded_answer_thinking_time_and_silence_stop() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    // ran-out opens with a clear onset; tests-short's weak "Last…" is detected up to
    // 170 ms late at some frame offsets (see examples/vad_onset.rs), a VAD limit noted in EVALUATION.md.
    let (answer_wav, answer) = trimmed_fixture("ran-out", tmp.path());
    let monitor = tmp.path().join("monitor.wav");
    let recorder = pulse.record_the_speaker(&monitor);
    let data = tmp.path().join("data");
    let (mut child, lines) = spawn(
        &pulse,
        &[
            "--json",
            "ask",
            "security-sensitive-data",
            "--silence-stop",
            "2",
            "--voice",
            "espeak-ng",
        ],
        &data,
    );
    wait_for(&lines, "answer now", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(1500));
    let played = pulse.speak_into_mic(&answer_wav).wait().unwrap();
    assert!(played.success());
    let status = wait_exit(&mut child, Duration::from_secs(90));
    stop_recording(recorder);
    assert!(status.success(), "rehearse failed: {status:?}");

    let mut stdout = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
    let record: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(record["question_id"], "security-sensitive-data");
    assert_eq!(
        record["stopped"], "silence",
        "the silence stop ended the answer"
    );
    // Regression: the live capture once never cut chunks, so the whole answer
    // was transcribed after the stop. Chunks are cut at pauses as the answer
    // goes on, so what is left after the stop is at most the open chunk.
    // Whether even that was transcribed as a guess before the stop depends
    // on how fast the host transcribes (0 s on the CI machine; 6 s of a 20 s
    // answer on a host 1.6x slower, 2026-12-04): that is a speed, measured by
    // `cargo run --release --example bench_latency` (BENCHMARKS.md), not asserted.
    let chunks = record["streaming"]["chunks"].as_u64().unwrap();
    let after_stop = record["streaming"]["after_stop_s"].as_f64().unwrap();
    let duration = record["audio"]["duration_s"].as_f64().unwrap();
    assert!(
        chunks >= 2 && after_stop < duration / 2.0,
        "the answer was not cut into chunks as it was recorded: {record}"
    );

    // The question was spoken: the speaker monitor holds speech as long as the question.
    let heard = wav::read_16k_mono(&monitor).unwrap();
    let spans = rehearse::analysis::timing::speech_spans(&vad::detect(&heard.samples));
    let spoken = spans.last().unwrap().end_s - spans.first().unwrap().start_s;
    let speaker = rehearse::speech::SystemSpeaker::detect(Default::default()).unwrap();
    let expected = rehearse::audio::resample::to_16k(
        &rehearse::speech::Speaker::synthesize(
            &speaker,
            "How have you implemented security measures to protect sensitive data in the back end?",
        )
        .unwrap(),
    )
    .unwrap();
    let expected_spans = rehearse::analysis::timing::speech_spans(&vad::detect(&expected.samples));
    let expected_s = expected_spans.last().unwrap().end_s - expected_spans.first().unwrap().start_s;
    assert!(
        (spoken - expected_s).abs() < 0.15 * expected_s,
        "question spoke {spoken:.2} s, expected {expected_s:.2} s"
    );

    // The recorded answer is the injected audio, whole.
    let recorded =
        wav::read_16k_mono(std::path::Path::new(record["wav"].as_str().unwrap())).unwrap();
    let (lag, correlation) = align(&recorded.samples, &answer);
    assert!(correlation >= 0.99, "correlation {correlation:.4}");
    assert!(
        lag > 0 && lag + answer.len() <= recorded.samples.len(),
        "answer clipped: lag {lag}"
    );

    // The analyze --json schema, with the question id and WAV path added.
    let a = &record;
    assert_eq!(a["schema"], "rehearse.analysis/1");
    let thinking = a["timing"]["thinking_s"].as_f64().unwrap();
    eprintln!(
        "thinking {thinking:.3} s, input latency {:.3} s, correlation {correlation:.4}, lag {lag}",
        record["input_latency_s"]
    );
    assert!(
        (thinking - 1.5).abs() <= 0.2,
        "thinking time {thinking:.3} s"
    );
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/ran-out.json")).unwrap(),
    )
    .unwrap();
    // Not the Action: the live transcript varies run to run, and in some runs
    // "An audit found…" is heard as "And all it found…", which the sentence
    // classifier takes for an Action (a known miss, 2026-11-30; the accuracy
    // suites score the detector on every fixture).
    for part in ["situation", "task", "result"] {
        assert_eq!(
            a["star"][part]["present"], labels["star"][part],
            "STAR {part}: {}",
            a["star"]["sentences"]
        );
    }
    // Recordings are private.
    use std::os::unix::fs::PermissionsExt;
    let wav_mode = std::fs::metadata(record["wav"].as_str().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(wav_mode, 0o600);
}

#[test]
fn sigint_mid_answer_leaves_a_valid_wav_and_exits_130() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let (answer_wav, _) = trimmed_fixture("migration-long", tmp.path());
    let data = tmp.path().join("data");
    let (mut child, lines) = spawn(&pulse, &["ask", "complex-project", "--no-speak"], &data);
    wait_for(&lines, "answer now", Duration::from_secs(60));
    let mut feed = pulse.speak_into_mic(&answer_wav);
    std::thread::sleep(Duration::from_secs(4));
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let _ = feed.kill();
    let _ = feed.wait();
    assert_eq!(status.code(), Some(130));
    let wavs = session_files(&data, "wav");
    assert_eq!(wavs.len(), 1);
    let clip = wav::read_16k_mono(&wavs[0]).expect("the WAV is valid");
    assert!(
        (3.0..6.0).contains(&clip.duration_s()),
        "holds {:.2} s",
        clip.duration_s()
    );
    let voiced = vad::detect(&clip.samples)
        .voiced
        .iter()
        .filter(|v| **v)
        .count() as f64
        * vad::FRAME_S;
    assert!(voiced > 2.0, "only {voiced:.2} s of speech kept");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(wavs[0].with_extension("json")).unwrap())
            .unwrap();
    assert_eq!(record["stopped"], "interrupted");
    // The history keeps the interrupted answer, marked as such.
    let rows = history_json(&data);
    assert_eq!(rows["answers"].as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows["answers"][0]["status"], "interrupted");
}

/// `rehearse history --json` on a data folder.
fn history_json(data: &std::path::Path) -> serde_json::Value {
    let out = run_in(data, &["history", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn no_audio_daemon_and_no_device_gives_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = rehearse()
        .env("PULSE_SERVER", "unix:/nonexistent/native")
        .env("XDG_CONFIG_HOME", tmp.path())
        .arg("--data-dir")
        .arg(tmp.path())
        .arg("--model")
        .arg(tiny_en())
        .args(["ask", "testing-techniques", "--no-speak"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "no input device");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--audio-from"));
}

#[test]
fn five_question_practice_run_ends_with_a_summary() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let (answer_wav, _) = trimmed_fixture("tests-short", tmp.path());
    let data = tmp.path().join("data");
    let stdout = run_ok(
        &pulse,
        &[
            "practice",
            "--no-follow-ups",
            "--count",
            "5",
            "--silence-stop",
            "1.5",
            "--audio-from",
            answer_wav.to_str().unwrap(),
        ],
        &data,
        Duration::from_secs(300),
    );
    let table: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("question "))
        .collect();
    assert!(table.len() > 5, "no summary table in:\n{stdout}");
    let rows = &table[1..6];
    // The same answer five times: the same STAR letters each time, with the
    // Action and the Result it tells (which letters are right is scored by
    // tests/analyze.rs and tests/eval.rs).
    let letters: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.split_whitespace().nth(5))
        .collect();
    assert_eq!(letters.len(), 5, "{table:#?}");
    assert!(
        letters
            .iter()
            .all(|l| *l == letters[0] && l.ends_with("AR")),
        "{table:#?}"
    );
    let parts_shown = letters[0].chars().filter(|&c| c != '-').count() as u64;
    assert_eq!(session_files(&data, "wav").len(), 5);
    assert_eq!(session_files(&data, "json").len(), 5);
    // Every answer is in the history, in one session, analysed.
    let rows = history_json(&data);
    let answers = rows["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 5, "{rows}");
    assert!(
        answers
            .iter()
            .all(|a| a["status"] == "complete" && a["session_id"] == answers[0]["session_id"])
    );
    assert!(
        answers
            .iter()
            .all(|a| a["metrics"]["star_parts"].as_u64() == Some(parts_shown)),
        "{rows}"
    );
}

#[test]
fn a_broken_model_is_refused_before_the_question_is_spoken() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = write(tmp.path(), "ggml-broken.bin", b"not a model");
    let out = rehearse()
        .arg("--data-dir")
        .arg(tmp.path())
        .arg("--model")
        .arg(&broken)
        .args(["ask", "testing-techniques", "--no-speak"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, "not a whisper.cpp model");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("question 1/1"));
}

/// Regression: the voice detector takes steady noise for speech, so in a
/// noisy room the answer "began" at once (thinking time 0.02 s instead of
/// 1.0 s). Through the live path: speech must clear the noise floor by 6 dB,
/// and the silence stop still fires while the noise goes on.
#[test]
fn in_a_noisy_room_the_silence_stop_fires_and_thinking_time_holds() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    // ran-out (1.0 s of thinking, then speech) with 4 s more room, all under
    // white noise 15 dB below the speech.
    let mut samples = wav::read_16k_mono(&root().join("tests/fixtures/ran-out.wav"))
        .unwrap()
        .samples;
    samples.extend(std::iter::repeat_n(0.0, 4 * 16_000));
    let samples = eval::with_noise(&samples, 15.0, 0x2545_f491_4f6c_dd1d);
    let noisy = tmp.path().join("noisy.wav");
    wav::write_16k_mono(&noisy, &samples).unwrap();
    let file_s = samples.len() as f64 / 16_000.0;

    let data = tmp.path().join("data");
    let stdout = run_ok(
        &pulse,
        &[
            "--json",
            "ask",
            "security-sensitive-data",
            "--no-speak",
            "--silence-stop",
            "2",
            "--audio-from",
            noisy.to_str().unwrap(),
        ],
        &data,
        Duration::from_secs(120),
    );
    let record: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(record["stopped"], "silence", "{record}");
    let recorded = record["audio"]["duration_s"].as_f64().unwrap();
    assert!(
        recorded < file_s - 1.0,
        "the stop waited for the noise to end: {recorded:.1} s recorded of {file_s:.1} s"
    );
    let thinking = record["timing"]["thinking_s"].as_f64().unwrap();
    assert!(
        (thinking - 1.0).abs() <= 0.3,
        "thinking time {thinking:.2} s under noise (truth 1.0 s)"
    );
    // The report warns that the figures are less certain. (The estimate
    // reads about 5 dB under the mixing SNR, which counts loud samples only.)
    let estimate = record["audio"]["speech_over_noise_db"].as_f64().unwrap();
    assert!(
        (5.0..rehearse::analysis::NOISY_BELOW_DB).contains(&estimate),
        "speech over noise estimated at {estimate:.1} dB for 15 dB"
    );
}

/// The interviewer speaks with the natural voice when it is installed
/// (`scripts/setup` installs it): the speaker's monitor holds the question,
/// and whisper hears it back.
#[test]
fn the_question_is_spoken_with_the_natural_voice_and_heard_back() {
    use rehearse::transcribe::{Transcriber, Whisper, WhisperOptions};
    use std::os::unix::fs::PermissionsExt;
    assert!(
        root().join("models/voices/en_US-joe-medium.onnx").is_file(),
        "run scripts/fetch-voice first"
    );
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let (answer_wav, _) = trimmed_fixture("tests-short", tmp.path());
    let data = tmp.path().join("data");
    let mut whisper = Whisper::load(&tiny_en(), WhisperOptions::default()).unwrap();
    let question = "Tell me about a time you disagreed with a technical decision. What did you do?";
    // The first session synthesizes the question and keeps its clip; the
    // second plays the kept clip while the voice opens. Both must be heard.
    for run in ["synthesized", "kept"] {
        let monitor = tmp.path().join(format!("monitor-{run}.wav"));
        let recorder = pulse.record_the_speaker(&monitor);
        // The question lives in the behavioral bank, not the built-in one.
        let bank = root().join("questions/behavioral.toml");
        let (mut child, lines) = spawn(
            &pulse,
            &[
                "--json",
                "--verbose",
                "--bank",
                bank.to_str().unwrap(),
                "ask",
                "disagreed-with-decision",
                "--silence-stop",
                "1.5",
            ],
            &data,
        );
        wait_for(&lines, "answer now", Duration::from_secs(60));
        let played = pulse.speak_into_mic(&answer_wav).wait().unwrap();
        assert!(played.success());
        let status = wait_exit(&mut child, Duration::from_secs(90));
        stop_recording(recorder);
        assert!(status.success(), "{run}: rehearse failed: {status:?}");
        let said: Vec<String> = lines.try_iter().collect();
        assert!(
            !said.iter().any(|l| l.contains("instead")),
            "{run}: fell back from the natural voice: {said:#?}"
        );
        let heard = wav::read_16k_mono(&monitor).unwrap().samples;
        let voice = vad::detect(&heard);
        let speech = rehearse::audio::spans::speech_spans(&voice);
        let transcript = whisper.transcribe(&heard, &speech, 0.0).unwrap();
        let wer = rehearse::analysis::text::wer(question, &transcript.text);
        eprintln!(
            "{run}: heard {:?}, WER {:.1} %",
            transcript.text,
            wer * 100.0
        );
        assert!(
            wer <= 0.10,
            "{run}: the question was heard as {:?}",
            transcript.text
        );
        let log = std::fs::read_to_string(data.join("logs/rehearse.log")).unwrap_or_default();
        let from_kept = log
            .matches("the prompt's clip was kept from before")
            .count();
        assert_eq!(
            from_kept,
            usize::from(run == "kept"),
            "{run}: the question should come from a kept clip only the second time"
        );
        let kept: Vec<_> = std::fs::read_dir(data.join("voice-cache"))
            .unwrap()
            .flatten()
            .collect();
        assert_eq!(kept.len(), 1, "{run}: one clip kept, for the one question");
        let mode = kept[0].metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{run}: a kept clip is private");
    }
}

/// A natural voice that cannot speak gives way to espeak-ng with one line
/// saying what to run: a missing model, a truncated one, a config that does
/// not fit it, and no ONNX Runtime.
#[test]
fn a_bad_voice_falls_back_to_espeak_ng_with_a_one_line_notice() {
    let pulse = Pulse::start();
    let tmp = tempfile::tempdir().unwrap();
    let (answer_wav, _) = trimmed_fixture("tests-short", tmp.path());
    let joe = root().join("models/voices/en_US-joe-medium.onnx");
    let bytes = std::fs::read(&joe).unwrap();
    let config = std::fs::read(joe.with_extension("onnx.json")).unwrap();
    let cut = tmp.path().join("en_US-cut-medium.onnx");
    std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
    std::fs::write(tmp.path().join("en_US-cut-medium.onnx.json"), &config).unwrap();
    let other = tmp.path().join("en_US-other-medium.onnx");
    std::os::unix::fs::symlink(&joe, &other).unwrap();
    std::fs::write(
        tmp.path().join("en_US-other-medium.onnx.json"),
        b"{\"audio\": 3}",
    )
    .unwrap();
    let missing = tmp.path().join("en_US-gone-medium.onnx");
    let cases: [(&str, Option<&std::path::Path>, &str); 4] = [
        ("missing", Some(&missing), "is missing"),
        ("truncated", Some(&cut), "is not a usable voice"),
        ("config", Some(&other), "does not match its voice"),
        ("runtime", None, "ONNX Runtime"),
    ];
    for (case, voice, needle) in cases {
        let data = tmp.path().join(format!("data-{case}"));
        let mut args = vec![
            "ask".to_string(),
            "message-queues".into(),
            "--silence-stop".into(),
            "1".into(),
            "--audio-from".into(),
            answer_wav.to_string_lossy().into_owned(),
        ];
        if let Some(v) = voice {
            args.push("--voice".into());
            args.push(v.to_string_lossy().into_owned());
        }
        let mut cmd = pulse.command(assert_cmd::cargo::cargo_bin!("rehearse"));
        cmd.arg("--model")
            .arg(tiny_en())
            .arg("--data-dir")
            .arg(&data)
            .args(&args)
            .env("REHEARSE_CONFIG", root().join("tests/no-config.toml"))
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null());
        if voice.is_none() {
            cmd.env("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{case}: {stderr}");
        assert!(!stderr.contains("panicked"), "{case}: {stderr}");
        let notices: Vec<&str> = stderr.lines().filter(|l| l.contains(needle)).collect();
        assert_eq!(notices.len(), 1, "{case}: {stderr}");
        assert!(
            notices[0].contains("speaking with espeak-ng instead"),
            "{case}: {stderr}"
        );
    }
}
